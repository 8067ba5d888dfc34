#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: mongodb_user
short_description: Manage a MongoDB user and its roles
version_added: 1.0.0
description:
  - Ensures a SCRAM-SHA-256 user exists with exactly the given roles, or that it does not exist.
  - The server never gives a password back. With O(update_password=on_create) (the default) the
    password is only set when the user is created. With O(update_password=always) the module logs in
    as the user with O(password) and only changes the password when that login fails, so the task
    stays idempotent.
  - A role on a database that does not exist is refused (MongoDB itself accepts it silently), except
    in check mode, where an earlier task of the same play may be about to create it; then it warns.
author: LLM Twin deploy team (@llmtwin)
extends_documentation_fragment:
  - llmtwin.deploy.mongodb
  - llmtwin.deploy.actions
attributes:
  check_mode:
    description: Reads the user and reports what would change; touches nothing.
    support: full
  diff_mode:
    description: Returns the user's roles before and after (never the password).
    support: full
  idempotent:
    description: A second run reports no change (see O(update_password)).
    support: full
options:
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
    description:
      - "The user's roles. Each is a mapping C({role: readWrite, db: twin}) or a role name on O(database)."
      - The list is exact, roles not listed are revoked.
    type: list
    elements: raw
    default: []
  update_password:
    description:
      - V(on_create) sets the password only when the user is created.
      - V(always) checks the password by logging in as the user and sets it when the login fails.
    type: str
    choices: [always, on_create]
    default: on_create
  state:
    description: Whether the user should exist.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: The application user, read-write on twin only
  llmtwin.deploy.mongodb_user:
    login_user: admin
    login_password: "{{ mongo_admin_password }}"
    name: twin_app
    password: "{{ mongo_app_password }}"
    roles:
      - {role: readWrite, db: twin}
  no_log: true
  register: app_user

- name: "The application's connection string, password included (a secret, no_log)"
  ansible.builtin.set_fact:
    database_host: "{{ app_user.user.uri | llmtwin.deploy.mongodb_uri(password=mongo_app_password) }}"
  no_log: true

- name: Remove a user
  llmtwin.deploy.mongodb_user:
    login_uri: "{{ mongo_uri }}"
    name: old_user
    state: absent
"""

RETURN = r"""
user:
  description: The user after the task (in check mode, as it would be). Never contains the password.
  returned: always
  type: dict
  contains:
    name:
      description: The user name.
      type: str
      sample: twin_app
    database:
      description: The database holding the user.
      type: str
      sample: admin
    exists:
      description: Whether the user exists.
      type: bool
      sample: true
    roles:
      description: The roles, sorted.
      type: list
      elements: dict
      sample: [{"role": "readWrite", "db": "twin"}]
    mechanisms:
      description: The authentication mechanisms.
      type: list
      elements: str
      sample: ["SCRAM-SHA-256"]
    uri:
      description:
        - The connection string the user connects with, without its password (returned values never
          carry secrets, and Ansible would mask it anyway), percent-encoded, with C(authSource) set to
          O(database). It names the server of O(login_uri) (its hosts and options) or
          O(login_host):O(login_port) (with C(tls=true) when O(tls) is set).
        - Insert the password with the P(llmtwin.deploy.mongodb_uri#filter) filter.
        - Returned when O(state=present).
      type: str
      sample: mongodb://twin_app@127.0.0.1:27017/?authSource=admin
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

from ansible_collections.llmtwin.deploy.plugins.module_utils import _mongodb_user as users
from ansible_collections.llmtwin.deploy.plugins.module_utils._mongodb import MongoModule, translated


class User(MongoModule):
    resource = "user"
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        **users.USER_SPEC
    )

    def validate(self):
        self.roles = users.check_user(self.params)

    def run(self):
        p = self.params
        before = users.read_users(self.client, [p], p)[(p["database"], p["name"])]
        if p["state"] == "absent":
            after = users.remove(self, self.client, p, before, p)
        else:
            after = users.ensure(self, self.client, p, self.roles, before, self.databases, p)
        self.diff(before, dict((k, v) for k, v in after.items() if k != "uri"))
        return after

    def databases(self):
        with translated("list", "databases for the roles of user %s" % users.label(self.params), self.params):
            return set(self.client.list_database_names())


def main():
    User.main()


if __name__ == "__main__":
    main()
