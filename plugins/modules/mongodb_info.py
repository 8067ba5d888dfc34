#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: mongodb_info
short_description: Read databases, collections, indexes and users of a MongoDB server
version_added: 1.0.0
description:
  - Returns the databases of a server with their collections (and collection options), indexes and
    users. Read-only. Users are returned without credentials.
  - Some servers (SecantusDB) do not list C(admin) in C(listDatabases); name it in O(databases) to read it.
author: LLM Twin deploy team (@llmtwin)
extends_documentation_fragment:
  - llmtwin.deploy.mongodb
  - llmtwin.deploy.actions
attributes:
  check_mode:
    description: Read-only; runs the same in check mode.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
  idempotent:
    description: Never changes anything.
    support: full
options:
  databases:
    description: The databases to read. Default is every database the server lists.
    type: list
    elements: str
  gather:
    description: What to read for each database.
    type: list
    elements: str
    choices: [collections, indexes, users]
    default: [collections, indexes, users]
"""

EXAMPLES = r"""
- name: Read the twin database
  llmtwin.deploy.mongodb_info:
    login_user: admin
    login_password: "{{ mongo_admin_password }}"
    databases: [twin]
  register: twin_info

- name: Show its collections
  ansible.builtin.debug:
    msg: "{{ twin_info.databases.twin.collections | list }}"
"""

RETURN = r"""
databases:
  description: Per database name, what was read.
  returned: always
  type: dict
  sample:
    twin:
      collections:
        users:
          type: collection
          options: {}
          indexes:
            - {name: _id_, key: {_id: 1}}
            - {name: first_name_1_last_name_1, key: {first_name: 1, last_name: 1}}
      users:
        - {user: twin_app, db: admin, roles: [{role: readWrite, db: twin}], mechanisms: [SCRAM-SHA-256]}
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
from ansible_collections.llmtwin.deploy.plugins.module_utils._mongodb import (
    MongoModule,
    database_name_error,
    plain,
    translated,
)

SECRET_USER_FIELDS = ("credentials", "customData", "authenticationRestrictions")


def describe_database(db, gather):
    result = {}
    if "collections" in gather or "indexes" in gather:
        collections = {}
        for info in db.list_collections():
            info = plain(info)
            entry = dict(type=info.get("type", "collection"), options=info.get("options") or {})
            if "indexes" in gather and entry["type"] == "collection":
                entry["indexes"] = [dict((k, v) for k, v in plain(ix).items() if k != "ns")
                                    for ix in db[info["name"]].list_indexes()]
            collections[info["name"]] = entry
        result["collections"] = collections
    if "users" in gather:
        users = plain(db.command("usersInfo", 1)).get("users") or []
        result["users"] = [dict((k, v) for k, v in u.items() if k not in SECRET_USER_FIELDS) for u in users]
    return result


class Info(MongoModule):
    """Read-only: no actions, no resources reconciled."""

    resource = "databases"
    argument_spec = dict(
        databases=dict(type="list", elements="str"),
        gather=dict(type="list", elements="str", default=["collections", "indexes", "users"],
                    choices=["collections", "indexes", "users"]),
    )

    def validate(self):
        for position, name in enumerate(self.params["databases"] or []):
            error = database_name_error(name, "databases[%d]" % position)
            if error:
                raise ModuleError(error)

    def run(self):
        names = self.params["databases"]
        if names is None:
            with translated("list", "databases", self.params):
                names = self.client.list_database_names()
        result = {}
        for name in names:
            with translated("read", "database %s" % name, self.params):
                result[name] = describe_database(self.client[name], self.params["gather"])
        return result


def main():
    Info.main()


if __name__ == "__main__":
    main()
