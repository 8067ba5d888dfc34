#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: mongodb_index
short_description: Declare the indexes of a MongoDB collection
version_added: 1.0.0
description:
  - Ensures the listed indexes exist on a collection (or, with O(state=absent), do not).
  - Indexes are compared by their keys (fields, order and direction) B(and) their options (unique,
    sparse, partialFilterExpression, expireAfterSeconds). An index whose options differ is replaced;
    an index found under another name with the same keys is renamed the same way when
    O(indexes[].name) is set, and adopted otherwise.
  - A replacement is built before the old index is dropped (under a temporary name when it keeps the
    old name), so a build that fails, such as a unique index over duplicate values (E11000), leaves the
    old index in place and the task fails saying so. A server that refuses two indexes over the same
    keys gets the old index dropped first and rebuilt if the new one fails.
  - New indexes are built before unlisted ones are dropped.
  - With O(purge=true), indexes of the collection that are not listed are dropped. The C(_id_) index
    is never dropped.
  - Creating an index on a collection that does not exist creates the collection.
author: LLM Twin deploy team (@llmtwin)
extends_documentation_fragment:
  - llmtwin.deploy.mongodb
  - llmtwin.deploy.actions
attributes:
  check_mode:
    description: Reads the indexes once and reports what would change; touches nothing.
    support: full
  diff_mode:
    description: Returns the collection's indexes before and after.
    support: full
  idempotent:
    description: A second run with the same options reports no change.
    support: full
options:
  database:
    description: The database of the collection.
    type: str
    required: true
  collection:
    description: The collection the indexes belong to.
    type: str
    required: true
  indexes:
    description: The indexes.
    type: list
    elements: dict
    default: []
    suboptions:
      keys:
        description:
          - "The indexed fields in order, each with its direction. A list of one-entry mappings
            (C([{first_name: 1}, {last_name: 1}])) keeps the order explicit; a mapping is accepted too."
          - Directions are V(1), V(-1), V(2d), V(2dsphere), V(hashed) or V(text) (SecantusDB has no
            text indexes).
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
        description:
          - Make a single-field date index a TTL index. From 0 to 2147483647 (MongoDB keeps it as a 32-bit integer).
        type: int
  purge:
    description: Drop the indexes of the collection that O(indexes) does not list (never C(_id_)).
    type: bool
    default: false
  state:
    description:
      - V(present) creates or repairs the listed indexes; V(absent) drops the listed indexes (found by
        name or by keys) if they exist.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: The indexes the LLM Twin's crawled documents need
  llmtwin.deploy.mongodb_index:
    login_user: admin
    login_password: "{{ mongo_admin_password }}"
    database: twin
    collection: articles
    indexes:
      - keys: [{author_id: 1}]
      - keys: [{link: 1}]
        unique: true
        partial_filter_expression:
          link: {$type: string}
    purge: true

- name: A TTL index
  llmtwin.deploy.mongodb_index:
    login_uri: "{{ mongo_uri }}"
    database: twin
    collection: sessions
    indexes:
      - keys: {created_at: 1}
        expire_after_seconds: 3600
"""

RETURN = r"""
indexes:
  description: The collection's indexes after the task (in check mode, as they would be), C(_id_) included.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The index name.
      type: str
      sample: author_id_1
    keys:
      description: The indexed fields in order, as C([field, direction]) pairs.
      type: list
      sample: [["author_id", 1]]
    unique:
      description: Whether the index is unique.
      type: bool
    sparse:
      description: Whether the index is sparse.
      type: bool
    partial_filter_expression:
      description: The partial filter, or null.
      type: dict
    expire_after_seconds:
      description: The TTL in seconds, or null.
      type: int
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
from ansible_collections.llmtwin.deploy.plugins.module_utils import _mongodb_index as indexes
from ansible_collections.llmtwin.deploy.plugins.module_utils._mongodb import (
    MongoModule,
    collection_name_error,
    database_name_error,
)


class Indexes(MongoModule):
    resource = "indexes"
    argument_spec = dict(
        database=dict(type="str", required=True),
        collection=dict(type="str", required=True),
        indexes=indexes.indexes_spec(),
        purge=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )

    def validate(self):
        error = database_name_error(self.params["database"]) or collection_name_error(
            self.params["collection"], self.params["database"], "collection")
        if error:
            raise ModuleError(error)
        self.desired = indexes.desired_indexes(self.params["indexes"])

    def run(self):
        p = self.params
        namespace = "%s.%s" % (p["database"], p["collection"])
        collection = self.client[p["database"]][p["collection"]]
        current = indexes.read_indexes(collection, namespace, p)
        operations, after, declared = indexes.reconcile(self.desired, current, p["state"], p["purge"])
        for name in declared:
            self.manage("index", "%s.%s" % (namespace, name))
        indexes.apply(self, collection, namespace, operations, p)
        self.diff(dict(indexes=[indexes.public(i) for i in current]), dict(indexes=[indexes.public(i) for i in after]))
        return [indexes.public(i) for i in after]


def main():
    Indexes.main()


if __name__ == "__main__":
    main()
