#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: mongodb_database
short_description: Reconcile a whole MongoDB database (collections, validators, indexes, users) in one task
version_added: 0.1.0
description:
  - One task, one process, one connection for what M(llmtwin.deploy.mongodb_collection),
    M(llmtwin.deploy.mongodb_index) and M(llmtwin.deploy.mongodb_user) do one at a time, every listed
    collection with its options and indexes, then the listed users. Each module start costs ~0.5 s
    (Python, AnsiballZ, pymongo), so a database of four collections with their indexes and a user is
    one start instead of nine.
  - The current state is read once (one C(listCollections), one C(listIndexes) per existing collection,
    one C(usersInfo) per user database) and only what differs is changed, with the same rules as the
    single-resource modules. Collections of the database that are not listed are left alone.
  - Indexes are compared by keys B(and) options; a differing one is replaced with the new index built
    before the old one is dropped (see M(llmtwin.deploy.mongodb_index)). With
    O(collections[].purge_indexes=true), unlisted indexes are dropped, never C(_id_) and never the
    collection's own TTL index (O(collections[].ttl)).
  - Users come after the collections, so a role on O(database) finds it created. Roles on other
    databases that do not exist are refused (warned about in check mode).
  - With O(state=absent), the listed users are dropped, then the listed collections (their indexes go
    with them). A collection holding documents is refused unless O(force=true); a refusal drops
    nothing, not even the users.
author: LLM Twin deploy team (@llmtwin)
extends_documentation_fragment:
  - llmtwin.deploy.mongodb
  - llmtwin.deploy.actions
attributes:
  check_mode:
    description: Reads the database once and reports what would change; touches nothing.
    support: full
  diff_mode:
    description: Returns the collections (options and indexes) and users before and after, never a password.
    support: full
  idempotent:
    description: A second run with the same options reports no change (passwords follow O(users[].update_password)).
    support: full
options:
  database:
    description: The database.
    type: str
    required: true
  state:
    description: Whether the listed collections (with their indexes) and users should exist.
    type: str
    choices: [present, absent]
    default: present
  collections:
    description: The collections of the database that this task manages.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The collection's name.
        type: str
        required: true
      validator:
        description:
          - 'The validator document, for example C({"$jsonSchema": {...}}). A JSON object string is accepted.'
          - An empty document removes the validator; unset leaves it alone.
        type: raw
      validation_level:
        description: How strictly the validator applies to existing documents.
        type: str
        choices: ['off', strict, moderate]
      validation_action:
        description: Whether invalid documents are rejected (V(error)) or only logged (V(warn)).
        type: str
        choices: [error, warn]
      ttl:
        description:
          - Expire documents O(collections[].ttl.expire_after_seconds) seconds after the date in
            O(collections[].ttl.field), with a single-field TTL index named C(<field>_ttl).
        type: dict
        suboptions:
          field:
            description: The date field documents expire by.
            type: str
            required: true
          expire_after_seconds:
            description: Seconds after the field's date at which a document expires, from 0 to 2147483647.
            type: int
            required: true
      capped:
        description:
          - Whether the collection is capped. Only applied at creation; a capped setting that differs on
            an existing collection is an error.
        type: bool
      size:
        description: The maximum size in bytes of a capped collection (required with O(collections[].capped=true)).
        type: int
      max:
        description: The maximum number of documents of a capped collection.
        type: int
      indexes:
        description: The collection's indexes, as M(llmtwin.deploy.mongodb_index) takes them.
        type: list
        elements: dict
        default: []
        suboptions:
          keys:
            description:
              - "The indexed fields in order, each with its direction: C([{first_name: 1}, {last_name: 1}])
                (a mapping is accepted too)."
              - Directions are V(1), V(-1), V(2d), V(2dsphere), V(hashed) or V(text).
            type: raw
            required: true
          name:
            description: The index name. Defaults to MongoDB's generated name (C(first_name_1_last_name_1)).
            type: str
          unique:
            description: Whether the indexed values must be unique.
            type: bool
            default: false
          sparse:
            description: Whether documents without the field are left out of the index.
            type: bool
            default: false
          partial_filter_expression:
            description: Index only the documents matching this filter document.
            type: dict
          expire_after_seconds:
            description: Make a single-field date index a TTL index (0 to 2147483647).
            type: int
      purge_indexes:
        description: Drop the collection's indexes that O(collections[].indexes) does not list (never C(_id_) nor the TTL index).
        type: bool
        default: false
  users:
    description:
      - Users to manage after the collections, as M(llmtwin.deploy.mongodb_user) takes them. Names must
        be unique within the list.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The user name.
        type: str
        required: true
      database:
        description: The database that holds the user (its authentication source).
        type: str
        default: admin
      password:
        description: The user's password. Required to create the user. Never logged or returned.
        type: str
      roles:
        description: "The exact list of roles, each C({role: readWrite, db: twin}) or a role name on O(users[].database)."
        type: list
        elements: raw
        default: []
      update_password:
        description:
          - V(on_create) sets the password only at creation.
          - V(always) logs in as the user to check it and sets it when that fails.
        type: str
        choices: [always, on_create]
        default: on_create
  force:
    description: Allow O(state=absent) to drop collections that hold documents.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: The LLM Twin's database, in one task
  llmtwin.deploy.mongodb_database:
    login_user: admin
    login_password: "{{ mongo_admin_password }}"
    database: twin
    collections:
      - name: users
        validator:
          $jsonSchema:
            bsonType: object
            required: [first_name, last_name]
        validation_level: moderate
        indexes:
          - keys: [{first_name: 1}, {last_name: 1}]
        purge_indexes: true
      - name: posts
        indexes:
          - keys: [{author_id: 1}]
          - keys: [{link: 1}]
            unique: true
            partial_filter_expression: {link: {$type: string}}
        purge_indexes: true
    users:
      - name: twin_app
        password: "{{ mongo_app_password }}"
        roles: [{role: readWrite, db: twin}]
  no_log: true
  register: twin

- name: DATABASE_HOST, the password inserted by the filter (a secret)
  ansible.builtin.set_fact:
    database_host: "{{ twin.database.users.twin_app.uri | llmtwin.deploy.mongodb_uri(password=mongo_app_password) }}"
  no_log: true

- name: Remove the collections (refused while one holds documents)
  llmtwin.deploy.mongodb_database:
    login_uri: "{{ mongo_uri }}"
    database: twin
    state: absent
    collections: [{name: users}, {name: posts}]
"""

RETURN = r"""
database:
  description: The database after the task (in check mode, as it would be), limited to what the task manages.
  returned: always
  type: dict
  contains:
    name:
      description: The database.
      type: str
      sample: twin
    collections:
      description:
        - Per listed collection, what M(llmtwin.deploy.mongodb_collection) returns as RV(llmtwin.deploy.mongodb_collection#module:collection),
          plus C(indexes), what M(llmtwin.deploy.mongodb_index) returns as RV(llmtwin.deploy.mongodb_index#module:indexes).
      type: dict
      sample:
        posts:
          name: posts
          database: twin
          exists: true
          validator: {}
          validation_level: strict
          validation_action: error
          capped: false
          size: null
          max: null
          ttl: null
          indexes:
            - {name: _id_, keys: [[_id, 1]], unique: false, sparse: false, partial_filter_expression: null, expire_after_seconds: null}
            - {name: author_id_1, keys: [[author_id, 1]], unique: false, sparse: false, partial_filter_expression: null,
               expire_after_seconds: null}
    users:
      description:
        - Per listed user name, what M(llmtwin.deploy.mongodb_user) returns as RV(llmtwin.deploy.mongodb_user#module:user),
          C(uri) included (the user's connection string without its password) when O(state=present).
      type: dict
      sample:
        twin_app: {name: twin_app, database: admin, exists: true, roles: [{role: readWrite, db: twin}],
                   mechanisms: [SCRAM-SHA-256], uri: "mongodb://twin_app@127.0.0.1:27017/?authSource=admin"}
actions:
  description:
    - What the task did, or in check mode would do, one entry per change, in the order made.
    - "Each entry reads C(<verb> <kind> <name>) or C(<verb> <kind> <name>: <detail>), verb one of
      C(create), C(update), C(delete). Empty when nothing changed."
    - Also returned when the task fails, listing only what was really done before the failure.
    - "Here the kinds are C(collection) (C(twin.users)), C(index) (C(twin.posts.link_1)) and C(user) (C(admin.twin_app))."
  returned: always
  type: list
  elements: str
  sample: ["create collection twin.posts", "create index twin.posts.link_1", "update collection twin.users: validator"]
resources:
  description:
    - Every resource the task reconciled, changed or not, one C(<kind> <name>) entry each.
  returned: always
  type: list
  elements: str
  sample: ["collection twin.posts", "index twin.posts.author_id_1", "index twin.posts.link_1", "user admin.twin_app"]
"""

from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError
from ansible_collections.llmtwin.deploy.plugins.module_utils import _mongodb_collection as collections
from ansible_collections.llmtwin.deploy.plugins.module_utils import _mongodb_index as indexes
from ansible_collections.llmtwin.deploy.plugins.module_utils import _mongodb_user as users
from ansible_collections.llmtwin.deploy.plugins.module_utils._mongodb import (
    MongoModule,
    collection_name_error,
    database_name_error,
    translated,
)

COLLECTION_SPEC = dict(
    name=dict(type="str", required=True),
    indexes=indexes.indexes_spec(),
    purge_indexes=dict(type="bool", default=False),
    **collections.OPTIONS_SPEC
)
ID_INDEX = dict(name="_id_", keys=[("_id", 1)], unique=False, sparse=False, partial_filter_expression=None,
                expire_after_seconds=None)


def ttl_index(collection):
    """The TTL index the collection's `ttl` option makes, as it appears among its indexes."""
    ttl = collection["ttl"]
    return dict(name=ttl["index_name"], keys=[(ttl["field"], 1)], unique=False, sparse=False,
                partial_filter_expression=None, expire_after_seconds=ttl["expire_after_seconds"])


class Database(MongoModule):
    resource = "database"
    argument_spec = dict(
        database=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        collections=dict(type="list", elements="dict", default=[], options=COLLECTION_SPEC),
        users=dict(type="list", elements="dict", default=[], options=users.USER_SPEC),
        force=dict(type="bool", default=False),
    )

    def validate(self):
        database = self.params["database"]
        error = database_name_error(database)
        if error:
            raise ModuleError(error)
        self.desired_indexes, self.roles = {}, {}
        for position, collection in enumerate(self.params["collections"]):
            where = "collections[%d]." % position
            error = collection_name_error(collection["name"], database, where + "name")
            if error:
                raise ModuleError(error)
            if collection["name"] in self.desired_indexes:
                raise ModuleError("%sname: the collection %s is listed twice" % (where, collection["name"]))
            collections.check_options(collection, where)
            self.desired_indexes[collection["name"]] = indexes.desired_indexes(collection["indexes"], where + "indexes")
        for position, user in enumerate(self.params["users"]):
            where = "users[%d]." % position
            if user["name"] in self.roles:
                raise ModuleError("%sname: the user %s is listed twice" % (where, user["name"]))
            self.roles[user["name"]] = users.check_user(user, where)

    def run(self):
        p, database = self.params, self.params["database"]
        db = self.client[database]
        infos = collections.read_collections(db, database, p, [c["name"] for c in p["collections"]])
        current = dict((name, indexes.read_indexes(db[name], "%s.%s" % (database, name), p)) for name in infos)
        users_before = users.read_users(self.client, p["users"], p) if p["users"] else {}
        before = dict(name=database, collections={}, users={})
        for collection in p["collections"]:
            name = collection["name"]
            ttl_field = collection["ttl"]["field"] if collection["ttl"] else None
            state = collections.current_state(database, name, infos.get(name), current.get(name, []), ttl_field)
            before["collections"][name] = dict(state, indexes=[indexes.public(i) for i in current.get(name, [])])
        for user in p["users"]:
            before["users"][user["name"]] = users_before[(user["database"], user["name"])]
        after = self.absent(db, before) if p["state"] == "absent" else self.present(db, before, current)
        self.diff(before, dict(after, users=dict((name, dict((k, v) for k, v in user.items() if k != "uri"))
                                                 for name, user in after["users"].items())))
        return after

    def present(self, db, before, current):
        p, database = self.params, self.params["database"]
        after = dict(name=database, collections={}, users={})
        for collection in p["collections"]:
            name = collection["name"]
            namespace = "%s.%s" % (database, name)
            state = collections.ensure(self, db, dict((k, v) for k, v in before["collections"][name].items()
                                                      if k != "indexes"), collection, p)
            # what the collection has once ensure() ran: a new one its _id_ index, and the TTL index
            have = current.get(name) or [ID_INDEX]
            keep = ()
            if state["ttl"]:
                ttl = ttl_index(state)
                keep = (ttl["name"],)
                have = [i for i in have if i["name"] != ttl["name"]] + [ttl]
            operations, indexes_after, declared = indexes.reconcile(self.desired_indexes[name], have, "present",
                                                                    collection["purge_indexes"], keep)
            for index in declared:
                self.manage("index", "%s.%s" % (namespace, index))
            indexes.apply(self, db[name], namespace, operations, p)
            after["collections"][name] = dict(state, indexes=[indexes.public(i) for i in indexes_after])
        # the users' roles may name this database, which exists now (or will, in check mode)
        created = {database} if p["collections"] else set()
        for user in p["users"]:
            after["users"][user["name"]] = users.ensure(
                self, self.client, user, self.roles[user["name"]], before["users"][user["name"]],
                self.databases, p, created)
        return after

    def absent(self, db, before):
        p, database = self.params, self.params["database"]
        existing = [c["name"] for c in p["collections"] if before["collections"][c["name"]]["exists"]]
        if not p["force"]:
            for name in existing:
                if collections.holds_documents(db, "%s.%s" % (database, name), name, p):
                    raise collections.refuse_data("%s.%s" % (database, name))
        after = dict(name=database, collections={}, users={})
        for user in p["users"]:
            after["users"][user["name"]] = users.remove(self, self.client, user, before["users"][user["name"]], p)
        for collection in p["collections"]:
            name = collection["name"]
            self.manage("collection", "%s.%s" % (database, name))
            if name in existing:
                collections.drop(self, db, database, name, p)
            after["collections"][name] = dict(collections.absent_state(database, name), indexes=[])
        return after

    def databases(self):
        with translated("list", "databases for the users' roles", self.params):
            return set(self.client.list_database_names())


def main():
    Database.main()


if __name__ == "__main__":
    main()
