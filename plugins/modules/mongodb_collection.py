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
  - llmtwin.deploy.actions
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
        the same collection, list the TTL index there too (M(llmtwin.deploy.mongodb_database) keeps it by itself).
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
actions:
  description:
    - What the task did, or in check mode would do, one entry per change, in the order made.
    - "Each entry reads C(<verb> <kind> <name>) or C(<verb> <kind> <name>: <detail>), verb one of
      C(create), C(update), C(delete). Empty when nothing changed."
    - Also returned when the task fails, listing only what was really done before the failure.
  returned: always
  type: list
  elements: str
  sample: ["create bucket llmtwin-artifacts", "update bucket llmtwin-artifacts: versioning Enabled"]
resources:
  description:
    - Every resource the task reconciled, changed or not, one C(<kind> <name>) entry each.
  returned: always
  type: list
  elements: str
  sample: ["bucket llmtwin-artifacts"]
"""

from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError
from ansible_collections.llmtwin.deploy.plugins.module_utils import _mongodb_collection as collections
from ansible_collections.llmtwin.deploy.plugins.module_utils._mongodb import (
    MongoModule,
    collection_name_error,
    database_name_error,
)
from ansible_collections.llmtwin.deploy.plugins.module_utils._mongodb_index import read_indexes


class Collection(MongoModule):
    resource = "collection"
    argument_spec = dict(
        database=dict(type="str", required=True),
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        force=dict(type="bool", default=False),
        **collections.OPTIONS_SPEC
    )

    def validate(self):
        error = database_name_error(self.params["database"]) or collection_name_error(
            self.params["name"], self.params["database"])
        if error:
            raise ModuleError(error)
        collections.check_options(self.params)

    def run(self):
        p = self.params
        database, name = p["database"], p["name"]
        full_name = "%s.%s" % (database, name)
        db = self.client[database]
        info = collections.read_collections(db, database, p, [name]).get(name)
        indexes = []
        if info is not None and p["ttl"]:
            indexes = read_indexes(db[name], full_name, p)
        before = collections.current_state(database, name, info, indexes, p["ttl"]["field"] if p["ttl"] else None)
        if p["state"] == "absent":
            self.manage("collection", full_name)
            after = collections.absent_state(database, name)
            if before["exists"]:
                if not p["force"] and collections.holds_documents(db, full_name, name, p):
                    raise collections.refuse_data(full_name)
                collections.drop(self, db, database, name, p)
        else:
            after = collections.ensure(self, db, before, p, p)
        self.diff(before, after)
        return after


def main():
    Collection.main()


if __name__ == "__main__":
    main()
