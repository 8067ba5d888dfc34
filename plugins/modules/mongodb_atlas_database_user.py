#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: mongodb_atlas_database_user
short_description: A MongoDB Atlas database user (SCRAM-SHA-256) with roles
version_added: 1.0.0
description:
  - Ensures a database user of an Atlas project exists with exactly the given roles and cluster scopes,
    through the Admin API v2 (C(/groups/{groupId}/databaseUsers)). Atlas users cannot be created with
    C(createUser) over the wire protocol; this is the way.
  - Atlas never returns a password. With O(update_password=on_create) (the default) the password is
    set only at creation; V(always) sets it on every run and so always reports a change.
  - Request bodies are complete C(CloudDatabaseUser) documents as the Admin API v2 spec requires
    (C(groupId), C(databaseName), C(username), C(roles)), on creation and on update alike.
  - B(Not exercised against Atlas by this collection's tests;) unit-tested against fixtures validated
    against an excerpt of the published Admin API v2 definition.
author: LLM Twin deploy team (@llmtwin)
extends_documentation_fragment:
  - llmtwin.deploy.atlas
  - llmtwin.deploy.actions
attributes:
  check_mode:
    description: Reads the user and reports what would change.
    support: full
  diff_mode:
    description: Returns roles and scopes before and after (never the password), in diff mode only.
    support: full
  idempotent:
    description: Idempotent unless O(update_password=always).
    support: partial
options:
  project_id:
    description: The project (group) ID.
    type: str
    required: true
  username:
    description: The user name.
    type: str
    required: true
  password:
    description: The password (required to create the user). Never logged or returned.
    type: str
  roles:
    description: "The roles, each C({role: NAME, db: DATABASE}) or a role name on C(admin)."
    type: list
    elements: raw
    default: []
  clusters:
    description: Restrict the user to these clusters of the project. Empty means every cluster.
    type: list
    elements: str
    default: []
  update_password:
    description: V(on_create) sets the password only at creation; V(always) on every run.
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
- name: The application user, read-write on twin
  llmtwin.deploy.mongodb_atlas_database_user:
    public_key: "{{ atlas_public_key }}"
    private_key: "{{ atlas_private_key }}"
    project_id: "{{ atlas.project.id }}"
    username: twin_app
    password: "{{ mongo_app_password }}"
    roles:
      - {role: readWrite, db: twin}
    clusters: [twin]
  no_log: true
"""

RETURN = r"""
user:
  description: The user after the task (never the password).
  returned: always
  type: dict
  contains:
    username:
      description: The user name.
      type: str
    exists:
      description: Whether the user exists.
      type: bool
    roles:
      description: The roles, sorted.
      type: list
      elements: dict
      sample: [{"role": "readWrite", "db": "twin"}]
    clusters:
      description: The clusters the user is scoped to (empty for all).
      type: list
      elements: str
actions:
  description:
    - What the task did, or in check mode would do, one entry per change, in the order made.
    - "Each entry reads C(<verb> <kind> <name>) or C(<verb> <kind> <name>: <detail>), verb one of
      C(create), C(update), C(delete). Empty when nothing changed."
    - Also returned when the task fails, listing only what was really done before the failure.
  returned: always
  type: list
  elements: str
  sample: ["update database_user twin_app: roles"]
resources:
  description:
    - Every resource the task reconciled, changed or not, one C(<kind> <name>) entry each.
  returned: always
  type: list
  elements: str
  sample: ["database_user twin_app"]
"""

from ansible_collections.llmtwin.deploy.plugins.module_utils._atlas import (
    AtlasClient,
    atlas_argument_spec,
    check_connection,
)
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError, ResourceModule, failed

USER = "/groups/{groupId}/databaseUsers/{databaseName}/{username}"


def parse_roles(raw_roles):
    roles = []
    for position, raw in enumerate(raw_roles):
        if isinstance(raw, str) and raw:
            roles.append(dict(role=raw, db="admin"))
        elif isinstance(raw, dict) and raw.get("role") and set(raw) <= {"role", "db"}:
            roles.append(dict(role=str(raw["role"]), db=str(raw.get("db") or "admin")))
        else:
            raise ModuleError("roles[%d] must be a role name or a mapping {role: NAME, db: DATABASE}, got %r"
                              % (position, raw))
    return sorted(dict(((r["db"], r["role"]), r) for r in roles).values(), key=lambda r: (r["db"], r["role"]))


def user_state(username, document):
    if not document:
        return dict(username=username, exists=False, roles=[], clusters=[])
    roles = sorted((dict(role=r.get("roleName"), db=r.get("databaseName")) for r in document.get("roles") or []),
                   key=lambda r: (r["db"], r["role"]))
    clusters = sorted(s.get("name") for s in document.get("scopes") or [] if s.get("type") == "CLUSTER")
    return dict(username=document.get("username", username), exists=True, roles=roles, clusters=clusters)


def api_body(params, roles, with_password):
    """A complete CloudDatabaseUser: the spec marks groupId, databaseName, username and roles required
    for POST and PATCH alike (SCRAM users authenticate against admin)."""
    body = dict(groupId=params["project_id"], databaseName="admin", username=params["username"],
                roles=[dict(roleName=r["role"], databaseName=r["db"]) for r in roles],
                scopes=[dict(name=c, type="CLUSTER") for c in sorted(params["clusters"])])
    if with_password:
        body["password"] = params["password"]
    return body


class AtlasDatabaseUser(ResourceModule):
    resource = "user"
    backend_spec = staticmethod(atlas_argument_spec)
    argument_spec = dict(
        project_id=dict(type="str", required=True),
        username=dict(type="str", required=True),
        password=dict(type="str", no_log=True),
        roles=dict(type="list", elements="raw", default=[]),
        clusters=dict(type="list", elements="str", default=[]),
        update_password=dict(type="str", default="on_create", choices=["always", "on_create"], no_log=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )

    def validate(self):
        check_connection(self.params)
        self.roles = parse_roles(self.params["roles"])
        if self.params["state"] == "present" and not self.roles:
            # Atlas refuses a user without roles; say so before any call
            raise ModuleError("roles must name at least one role for state=present")

    def connect(self):
        self.client = AtlasClient(self.params)

    def run(self):
        p, roles = self.params, self.roles
        username = p["username"]
        label = "database user %s" % username
        path = dict(groupId=p["project_id"], databaseName="admin", username=username)
        self.manage("database_user", username)
        before = user_state(username, self.client.request("GET", USER, label, path=path))
        if p["state"] == "absent":
            after = user_state(username, None)
            if before["exists"]:
                self.act("delete", "database_user", username,
                         lambda: self.client.request("DELETE", USER, label, path=path))
            self.diff(before, after)
            return after

        after = dict(before, exists=True, roles=roles, clusters=sorted(p["clusters"]))
        if not before["exists"]:
            if not p["password"]:
                raise failed("create", label, "password is required")
            body = api_body(p, roles, True)
            self.act("create", "database_user", username, lambda: self.client.request(
                "POST", "/groups/{groupId}/databaseUsers", label, path=dict(groupId=p["project_id"]), body=body))
        else:
            # Atlas never returns the password: with update_password=always it is set again on every run
            password = p["update_password"] == "always" and bool(p["password"])
            differs = [field for field, different in (("roles", before["roles"] != roles),
                                                      ("clusters", before["clusters"] != after["clusters"]),
                                                      ("password", password)) if different]
            if differs:
                body = api_body(p, roles, password)
                self.act("update", "database_user", username,
                         lambda: self.client.request("PATCH", USER, label, path=path, body=body),
                         detail=", ".join(differs))
        self.diff(before, after)
        return after


def main():
    AtlasDatabaseUser.main()


if __name__ == "__main__":
    main()
