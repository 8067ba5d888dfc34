#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: mongodb_collection
short_description: Create, update or drop a MongoDB collection
version_added: 1.0.0
description:
  - Ensures a collection exists with the given JSON-schema validator, validation level and action,
    TTL and capped options, or that it does not exist.
  - Options that are not set are left alone. Options that drift on an existing collection are applied
    with C(collMod), without recreating the collection.
  - Dropping a collection that holds documents is refused unless O(force=true).
author: LLM Twin deploy team (@llmtwin)
extends_documentation_fragment:
  - llmtwin.deploy.mongodb
attributes:
  check_mode:
    description: Reads the collection and reports what would change; touches nothing.
    support: full
  diff_mode:
    description: Returns the collection's settings before and after.
    support: full
  idempotent:
    description: A second run with the same options reports no change.
    support: full
options:
  database:
    description: The database of the collection.
    type: str
    required: true
  name:
    description: The collection's name.
    type: str
    required: true
  state:
    description: Whether the collection should exist.
    type: str
    choices: [present, absent]
    default: present
  validator:
    description:
      - 'The validator document, for example C({"$jsonSchema": {...}}). A JSON object string is accepted.'
      - An empty document removes the validator.
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
      - Expire documents O(ttl.expire_after_seconds) seconds after the date in O(ttl.field).
      - Managed as a single-field TTL index named C(<field>_ttl); a changed expiry is applied with C(collMod).
      - If M(llmtwin.deploy.mongodb_index) runs with O(llmtwin.deploy.mongodb_index#module:purge=true) on
        the same collection, list the TTL index there too.
    type: dict
    suboptions:
      field:
        description: The date field documents expire by.
        type: str
        required: true
      expire_after_seconds:
        description: Seconds after O(ttl.field) at which a document expires, from 0 to 2147483647.
        type: int
        required: true
  capped:
    description:
      - Whether the collection is capped. Only applied at creation; a capped setting that differs on an
        existing collection is an error (MongoDB cannot change it in place).
    type: bool
  size:
    description: The maximum size in bytes of a capped collection (required with O(capped=true)), at most 1 PiB.
    type: int
  max:
    description: The maximum number of documents of a capped collection (a positive 64-bit integer).
    type: int
  force:
    description: Allow O(state=absent) to drop a collection that holds documents.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: The users collection, validated
  llmtwin.deploy.mongodb_collection:
    login_user: admin
    login_password: "{{ mongo_admin_password }}"
    database: twin
    name: users
    validator:
      $jsonSchema:
        bsonType: object
        required: [first_name, last_name]
    validation_level: moderate
    validation_action: error

- name: Sessions that expire after an hour
  llmtwin.deploy.mongodb_collection:
    login_uri: "{{ mongo_uri }}"
    database: twin
    name: sessions
    ttl:
      field: created_at
      expire_after_seconds: 3600

- name: Drop a collection even if it holds documents
  llmtwin.deploy.mongodb_collection:
    login_uri: "{{ mongo_uri }}"
    database: twin
    name: scratch
    state: absent
    force: true
"""

RETURN = r"""
collection:
  description: The collection after the task (in check mode, as it would be).
  returned: always
  type: dict
  contains:
    database:
      description: The database.
      type: str
      sample: twin
    name:
      description: The collection's name.
      type: str
      sample: users
    exists:
      description: Whether the collection exists.
      type: bool
      sample: true
    validator:
      description: The validator document (empty when none).
      type: dict
      sample: {"$jsonSchema": {"bsonType": "object"}}
    validation_level:
      description: The validation level (V(strict) when unset on the server).
      type: str
      sample: strict
    validation_action:
      description: The validation action (V(error) when unset on the server).
      type: str
      sample: error
    capped:
      description: Whether the collection is capped.
      type: bool
      sample: false
    size:
      description: The maximum size of a capped collection, else null.
      type: int
    max:
      description: The maximum document count of a capped collection, else null.
      type: int
    ttl:
      description: The TTL index (field and expire_after_seconds), or null.
      type: dict
      sample: {"field": "created_at", "expire_after_seconds": 3600}
changes:
  description: What was (or in check mode, would be) done.
  returned: always
  type: list
  elements: str
  sample: ["create collection twin.users", "collMod validator"]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.llmtwin.deploy.plugins.module_utils._mongodb import (
    INT32_MAX,
    INT64_MAX,
    NAMESPACE_NOT_FOUND,
    as_document,
    collection_name_error,
    database_name_error,
    fail,
    mongo_client,
    mongodb_argument_spec,
    plain,
    pymongo_exceptions,
    range_error,
)

# MongoDB's largest capped collection (1 PiB).
CAPPED_SIZE_MAX = 1024 ** 5


def absent_state(database, name):
    return dict(database=database, name=name, exists=False, validator={}, validation_level=None,
                validation_action=None, capped=False, size=None, max=None, ttl=None)


def ttl_index_name(field):
    return "%s_ttl" % field


def current_state(database, name, info, indexes, ttl_field):
    """The collection as listCollections (and listIndexes, for the TTL index) describe it."""
    if info is None:
        return absent_state(database, name)
    options = plain(info.get("options") or {})
    state = dict(database=database, name=name, exists=True,
                 validator=options.get("validator") or {},
                 validation_level=options.get("validationLevel", "strict"),
                 validation_action=options.get("validationAction", "error"),
                 capped=bool(options.get("capped", False)),
                 size=options.get("size"), max=options.get("max"), ttl=None)
    if ttl_field:
        for index in indexes:
            if index.get("name") == ttl_index_name(ttl_field) or (
                    list(index.get("key", {}).keys()) == [ttl_field] and "expireAfterSeconds" in index):
                state["ttl"] = dict(field=ttl_field, expire_after_seconds=plain(index["expireAfterSeconds"])
                                    if "expireAfterSeconds" in index else None, index_name=index["name"])
    return state


def validate(params):
    """Error text for bad input, or None; runs before any connection."""
    error = database_name_error(params["database"]) or collection_name_error(params["name"], params["database"])
    if error:
        return error
    validator, error = as_document(params["validator"], "validator")
    if error:
        return error
    params["validator"] = validator
    if params["capped"] and not params["size"]:
        return "size is required (a positive number of bytes) when capped is true"
    if (params["size"] or params["max"]) and not params["capped"]:
        return "size and max apply only to capped collections: set capped: true"
    error = range_error(params["size"], "size", 1, CAPPED_SIZE_MAX) or range_error(params["max"], "max", 1, INT64_MAX)
    if error:
        return error
    if params["ttl"] is not None:
        if not params["ttl"]["field"] or "" in params["ttl"]["field"].split("."):
            return "ttl.field must be a non-empty field name, got %r" % params["ttl"]["field"]
        return range_error(params["ttl"]["expire_after_seconds"], "ttl.expire_after_seconds", 0, INT32_MAX)
    return None


def plan(params, before):
    """The commands that bring `before` to the desired state: (create options, collMod options, notes)."""
    desired = {}
    if params["validator"] is not None:
        desired["validator"] = params["validator"]
    if params["validation_level"] is not None:
        desired["validationLevel"] = params["validation_level"]
    if params["validation_action"] is not None:
        desired["validationAction"] = params["validation_action"]
    if not before["exists"]:
        create = dict((k, v) for k, v in desired.items() if not (k == "validator" and v == {}))
        if params["capped"]:
            create.update(capped=True, size=params["size"])
            if params["max"]:
                create["max"] = params["max"]
        return create, {}
    current = dict(validator=before["validator"], validationLevel=before["validation_level"],
                   validationAction=before["validation_action"])
    coll_mod = dict((k, v) for k, v in desired.items() if current[k] != v)
    return None, coll_mod


def capped_conflict(params, before):
    if not before["exists"] or params["capped"] is None:
        return None
    wanted = (bool(params["capped"]), params["size"] if params["capped"] else None,
              params["max"] if params["capped"] else None)
    have = (before["capped"], before["size"] if before["capped"] else None,
            before["max"] if before["capped"] else None)
    if wanted != have:
        return ("capped, size and max cannot be changed on the existing collection %s.%s (it has capped=%s "
                "size=%s max=%s): drop it (state: absent, force: true) and create it again"
                % (before["database"], before["name"], have[0], have[1], have[2]))
    return None


def after_state(params, before):
    after = dict(before, exists=True)
    if params["validator"] is not None:
        after["validator"] = params["validator"]
    if params["validation_level"] is not None:
        after["validation_level"] = params["validation_level"]
    elif not before["exists"]:
        after["validation_level"] = "strict"
    if params["validation_action"] is not None:
        after["validation_action"] = params["validation_action"]
    elif not before["exists"]:
        after["validation_action"] = "error"
    if not before["exists"]:
        after.update(capped=bool(params["capped"]), size=params["size"] if params["capped"] else None,
                     max=(params["max"] or None) if params["capped"] else None)
    if params["ttl"] is not None:
        after["ttl"] = dict(field=params["ttl"]["field"], expire_after_seconds=params["ttl"]["expire_after_seconds"],
                            index_name=(before["ttl"] or {}).get("index_name") or ttl_index_name(params["ttl"]["field"]))
    return after


def main():
    module = AnsibleModule(
        argument_spec=mongodb_argument_spec(
            database=dict(type="str", required=True),
            name=dict(type="str", required=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            validator=dict(type="raw"),
            validation_level=dict(type="str", choices=["off", "strict", "moderate"]),
            validation_action=dict(type="str", choices=["error", "warn"]),
            ttl=dict(type="dict", no_log=False, options=dict(
                field=dict(type="str", required=True),
                expire_after_seconds=dict(type="int", required=True))),
            capped=dict(type="bool"),
            size=dict(type="int"),
            max=dict(type="int"),
            force=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    error = validate(params)
    if error:
        module.fail_json(msg=error)
    database, name = params["database"], params["name"]
    full_name = "%s.%s" % (database, name)
    changes = []

    with mongo_client(module) as client:
        db = client[database]
        try:
            infos = list(db.list_collections(filter={"name": name}))
            indexes = []
            if infos and params["ttl"]:
                indexes = list(db[name].list_indexes())
        except pymongo_exceptions() as exc:
            if getattr(exc, "code", None) != NAMESPACE_NOT_FOUND:
                fail(module, "read collection %s" % full_name, exc)
            infos, indexes = [], []
        before = current_state(database, name, infos[0] if infos else None, indexes,
                               params["ttl"]["field"] if params["ttl"] else None)

        if params["state"] == "absent":
            after = absent_state(database, name)
            if before["exists"]:
                try:
                    has_documents = db[name].find_one({}, projection={"_id": 1}) is not None
                except pymongo_exceptions() as exc:
                    fail(module, "read collection %s" % full_name, exc)
                if has_documents and not params["force"]:
                    module.fail_json(msg="Failed to drop collection %s: it holds documents; set force: true to "
                                         "drop it with its data" % full_name, collection=before)
                changes.append("drop collection %s" % full_name)
                if not module.check_mode:
                    try:
                        db.drop_collection(name)
                    except pymongo_exceptions() as exc:
                        fail(module, "drop collection %s" % full_name, exc)
            module.exit_json(changed=bool(changes), collection=after, changes=changes,
                             diff=dict(before=before, after=after))

        conflict = capped_conflict(params, before)
        if conflict:
            module.fail_json(msg="Failed to update collection %s: %s" % (full_name, conflict), collection=before)
        create, coll_mod = plan(params, before)
        after = after_state(params, before)
        ttl_command = None
        if params["ttl"] is not None:
            wanted = params["ttl"]["expire_after_seconds"]
            if before["ttl"] is None:
                ttl_command = "create"
                changes.append("create TTL index %s" % ttl_index_name(params["ttl"]["field"]))
            elif before["ttl"]["expire_after_seconds"] != wanted:
                ttl_command = "collMod"
                changes.append("collMod TTL %s -> %s s" % (before["ttl"]["expire_after_seconds"], wanted))
        if create is not None:
            changes.insert(0, "create collection %s" % full_name)
        if coll_mod:
            changes.append("collMod %s" % ", ".join(sorted(coll_mod)))

        if changes and not module.check_mode:
            action = "update collection %s" % full_name
            try:
                if create is not None:
                    action = "create collection %s" % full_name
                    db.command("create", name, **create)
                if coll_mod:
                    action = "update collection %s with collMod" % full_name
                    db.command("collMod", name, **coll_mod)
                if ttl_command == "create":
                    action = "create the TTL index of %s" % full_name
                    db[name].create_index([(params["ttl"]["field"], 1)], name=ttl_index_name(params["ttl"]["field"]),
                                          expireAfterSeconds=params["ttl"]["expire_after_seconds"])
                elif ttl_command == "collMod":
                    action = "update the TTL of %s with collMod" % full_name
                    db.command("collMod", name, index=dict(name=before["ttl"]["index_name"],
                                                           expireAfterSeconds=params["ttl"]["expire_after_seconds"]))
            except pymongo_exceptions() as exc:
                if create is not None and action != "create collection %s" % full_name:
                    # the collection is new and empty: do not leave it half-configured
                    try:
                        db.drop_collection(name)
                    except pymongo_exceptions():
                        module.warn("could not drop the half-configured new collection %s" % full_name)
                fail(module, action, exc, changes=changes)

    module.exit_json(changed=bool(changes), collection=after, changes=changes,
                     diff=dict(before=before, after=after))


if __name__ == "__main__":
    main()
