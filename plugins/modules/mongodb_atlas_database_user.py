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
attributes:
  check_mode:
    description: Reads the user and reports what would change.
    support: full
  diff_mode:
    description: Returns roles and scopes before and after (never the password).
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
changes:
  description: What was (or in check mode, would be) done.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.llmtwin.deploy.plugins.module_utils._atlas import (
    AtlasClient,
    AtlasError,
    atlas_argument_spec,
    check_credentials,
    describe,
)

USER = "/groups/{groupId}/databaseUsers/{databaseName}/{username}"


def parse_roles(raw_roles):
    roles = []
    for position, raw in enumerate(raw_roles):
        if isinstance(raw, str) and raw:
            roles.append(dict(role=raw, db="admin"))
        elif isinstance(raw, dict) and raw.get("role") and set(raw) <= {"role", "db"}:
            roles.append(dict(role=str(raw["role"]), db=str(raw.get("db") or "admin")))
        else:
            raise ValueError("roles[%d] must be a role name or a mapping {role: NAME, db: DATABASE}, got %r"
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


def main():
    module = AnsibleModule(
        argument_spec=atlas_argument_spec(
            project_id=dict(type="str", required=True),
            username=dict(type="str", required=True),
            password=dict(type="str", no_log=True),
            roles=dict(type="list", elements="raw", default=[]),
            clusters=dict(type="list", elements="str", default=[]),
            update_password=dict(type="str", default="on_create", choices=["always", "on_create"], no_log=False),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    error = check_credentials(params)
    if error:
        module.fail_json(msg=error)
    try:
        roles = parse_roles(params["roles"])
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    if params["state"] == "present" and not roles:
        # Atlas refuses a user without roles; say so before any call
        module.fail_json(msg="roles must name at least one role for state=present")
    username = params["username"]
    path = dict(groupId=params["project_id"], databaseName="admin", username=username)
    client = AtlasClient(params)
    changes = []
    action = "read database user %s" % username
    try:
        before = user_state(username, client.request("GET", USER, **path))
        if params["state"] == "absent":
            after = user_state(username, None)
            if before["exists"]:
                changes.append("delete database user %s" % username)
                if not module.check_mode:
                    action = "delete database user %s" % username
                    client.request("DELETE", USER, **path)
        else:
            after = dict(before, exists=True, roles=roles, clusters=sorted(params["clusters"]))
            if not before["exists"]:
                if not params["password"]:
                    module.fail_json(msg="Failed to create database user %s: password is required" % username)
                if not roles:
                    module.fail_json(msg="Failed to create database user %s: roles must name at least one role"
                                     % username)
                changes.append("create database user %s" % username)
                if not module.check_mode:
                    action = "create database user %s" % username
                    client.request("POST", "/groups/{groupId}/databaseUsers", body=api_body(params, roles, True),
                                   groupId=params["project_id"])
            else:
                if before["roles"] != roles or before["clusters"] != after["clusters"]:
                    changes.append("set roles and scopes of %s" % username)
                password = params["update_password"] == "always" and bool(params["password"])
                if password:
                    changes.append("set password of %s" % username)
                if changes and not module.check_mode:
                    action = "update database user %s" % username
                    client.request("PATCH", USER, body=api_body(params, roles, password), **path)
    except AtlasError as exc:
        module.fail_json(msg="Failed to %s: %s" % (action, describe(exc)), changes=changes)
    module.exit_json(changed=bool(changes), user=after, changes=changes, diff=dict(before=before, after=after))


if __name__ == "__main__":
    main()
