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
changes:
  description: What was (or in check mode, would be) done.
  returned: always
  type: list
  elements: str
  sample: ["create user twin_app"]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.llmtwin.deploy.plugins.module_utils._mongodb import (
    AUTH_FAILED,
    SYSTEM_DATABASES,
    build_client,
    close_client,
    database_name_error,
    fail,
    mongo_client,
    mongodb_argument_spec,
    plain,
    pymongo_exceptions,
)

MECHANISMS = ["SCRAM-SHA-256"]


def parse_roles(raw_roles, database):
    """Sorted [{role, db}] from mappings or bare role names; raises ValueError naming the option."""
    roles = []
    for position, raw in enumerate(raw_roles):
        if isinstance(raw, str) and raw:
            roles.append(dict(role=raw, db=database))
        elif isinstance(raw, dict) and set(raw) <= {"role", "db"} and raw.get("role"):
            if "db" in raw and not raw["db"]:
                # an empty db would silently grant the role on O(database) (admin by default)
                raise ValueError("roles[%d].db must name a database, got %r; leave db out to mean the "
                                 "user's database" % (position, raw["db"]))
            roles.append(dict(role=str(raw["role"]), db=str(raw.get("db") or database)))
        else:
            raise ValueError("roles[%d] must be a role name or a mapping {role: NAME, db: DATABASE}, got %r"
                             % (position, raw))
        error = database_name_error(roles[-1]["db"], "roles[%d].db" % position)
        if error:
            raise ValueError(error)
    return sorted(dict((tuple(sorted(r.items())), r) for r in roles).values(), key=lambda r: (r["db"], r["role"]))


def validate(params):
    """The roles, once the whole input is checked; raises ValueError naming the option (before any connection)."""
    if not params["name"]:
        raise ValueError("name must be a non-empty user name")
    # $external holds x509/LDAP users: the one valid database name with a '$'
    error = None if params["database"] == "$external" else database_name_error(params["database"])
    if error:
        raise ValueError(error)
    return parse_roles(params["roles"], params["database"])


def user_state(name, database, doc):
    if doc is None:
        return dict(name=name, database=database, exists=False, roles=[], mechanisms=[])
    doc = plain(doc)
    roles = sorted((dict(role=r["role"], db=r["db"]) for r in doc.get("roles", [])),
                   key=lambda r: (r["db"], r["role"]))
    return dict(name=name, database=database, exists=True, roles=roles, mechanisms=sorted(doc.get("mechanisms", [])))


def password_works(params, name, database, password):
    """Whether `password` logs `name` in; other errors propagate."""
    probe = build_client(dict(params, login_database=database, auth_mechanism="SCRAM-SHA-256"),
                         user=name, password=password)
    try:
        probe.admin.command("ping")
        return True
    except pymongo_exceptions() as exc:
        if getattr(exc, "code", None) == AUTH_FAILED:
            return False
        raise
    finally:
        close_client(probe)


def main():
    module = AnsibleModule(
        argument_spec=mongodb_argument_spec(
            name=dict(type="str", required=True),
            database=dict(type="str", default="admin"),
            password=dict(type="str", no_log=True),
            roles=dict(type="list", elements="raw", default=[]),
            update_password=dict(type="str", default="on_create", choices=["always", "on_create"], no_log=False),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    name, database = params["name"], params["database"]
    try:
        roles = validate(params)
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    label = "user %s (database %s)" % (name, database)
    changes = []

    with mongo_client(module) as client:
        db = client[database]
        try:
            found = plain(db.command("usersInfo", {"user": name, "db": database})).get("users") or []
        except pymongo_exceptions() as exc:
            fail(module, "read %s" % label, exc)
        before = user_state(name, database, found[0] if found else None)

        if params["state"] == "absent":
            after = user_state(name, database, None)
            if before["exists"]:
                changes.append("drop user %s" % name)
                if not module.check_mode:
                    try:
                        db.command("dropUser", name)
                    except pymongo_exceptions() as exc:
                        fail(module, "drop %s" % label, exc)
            module.exit_json(changed=bool(changes), user=after, changes=changes, diff=dict(before=before, after=after))

        if not before["exists"] and not params["password"]:
            module.fail_json(msg="Failed to create %s: password is required to create a user" % label)
        role_databases = set(r["db"] for r in roles) - SYSTEM_DATABASES
        if role_databases:
            try:
                existing = set(client.list_database_names())
            except pymongo_exceptions() as exc:
                fail(module, "list databases for the roles of %s" % label, exc)
            missing = sorted(role_databases - existing)
            if missing:
                text = "roles refer to database(s) that do not exist: %s" % ", ".join(missing)
                if not module.check_mode:
                    module.fail_json(msg="Failed to %s %s: %s" % ("update" if before["exists"] else "create",
                                                                  label, text), user=before)
                module.warn("%s: %s (an earlier task may create them)" % (label, text))

        after = dict(before, exists=True, roles=roles, mechanisms=before["mechanisms"] or MECHANISMS)
        try:
            if not before["exists"]:
                changes.append("create user %s" % name)
                if not module.check_mode:
                    db.command("createUser", name, pwd=params["password"], roles=roles, mechanisms=MECHANISMS)
            else:
                update = {}
                if before["roles"] != roles:
                    update["roles"] = roles
                    changes.append("set roles of %s" % name)
                if params["update_password"] == "always" and params["password"] and not password_works(
                        params, name, database, params["password"]):
                    update.update(pwd=params["password"], mechanisms=MECHANISMS)
                    changes.append("set password of %s" % name)
                if update and not module.check_mode:
                    db.command("updateUser", name, **update)
        except pymongo_exceptions() as exc:
            fail(module, "%s %s" % ("update" if before["exists"] else "create", label), exc, changes=changes)

    module.exit_json(changed=bool(changes), user=after, changes=changes, diff=dict(before=before, after=after))


if __name__ == "__main__":
    main()
