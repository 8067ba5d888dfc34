# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A SCRAM-SHA-256 user: roles checked, state read with usersInfo, created/updated/dropped, and the
connection string it uses (without its password). Shared by mongodb_user and mongodb_database."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError, failed
from ansible_collections.llmtwin.deploy.plugins.module_utils import _mongodb
from ansible_collections.llmtwin.deploy.plugins.module_utils._mongodb import (
    AUTH_FAILED,
    SYSTEM_DATABASES,
    database_name_error,
    plain,
    translated,
    user_uri,
)

MECHANISMS = ["SCRAM-SHA-256"]
# The options of one user, as mongodb_user and mongodb_database's `users[]` take them.
USER_SPEC = dict(
    name=dict(type="str", required=True),
    database=dict(type="str", default="admin"),
    password=dict(type="str", no_log=True),
    roles=dict(type="list", elements="raw", default=[]),
    update_password=dict(type="str", default="on_create", choices=["always", "on_create"], no_log=False),
)


def parse_roles(raw_roles, database, where="roles"):
    """Sorted [{role, db}] from mappings or bare role names; raises ModuleError naming the option."""
    roles = []
    for position, raw in enumerate(raw_roles):
        at = "%s[%d]" % (where, position)
        if isinstance(raw, str) and raw:
            roles.append(dict(role=raw, db=database))
        elif isinstance(raw, dict) and set(raw) <= {"role", "db"} and raw.get("role"):
            if "db" in raw and not raw["db"]:
                # an empty db would silently grant the role on O(database) (admin by default)
                raise ModuleError("%s.db must name a database, got %r; leave db out to mean the "
                                  "user's database" % (at, raw["db"]))
            roles.append(dict(role=str(raw["role"]), db=str(raw.get("db") or database)))
        else:
            raise ModuleError("%s must be a role name or a mapping {role: NAME, db: DATABASE}, got %r" % (at, raw))
        error = database_name_error(roles[-1]["db"], at + ".db")
        if error:
            raise ModuleError(error)
    return sorted(dict((tuple(sorted(r.items())), r) for r in roles).values(), key=lambda r: (r["db"], r["role"]))


def check_user(user, where=""):
    """The user's roles, once its options are checked; raises ModuleError naming the option."""
    if not user["name"]:
        raise ModuleError("%sname must be a non-empty user name" % where)
    # $external holds x509/LDAP users: the one valid database name with a '$'
    error = None if user["database"] == "$external" else database_name_error(user["database"], where + "database")
    if error:
        raise ModuleError(error)
    return parse_roles(user["roles"], user["database"], where + "roles")


def label(user):
    """The user as actions name it: <database>.<name>, MongoDB's own id of a user."""
    return "%s.%s" % (user["database"], user["name"])


def user_state(name, database, doc):
    if doc is None:
        return dict(name=name, database=database, exists=False, roles=[], mechanisms=[])
    doc = plain(doc)
    roles = sorted((dict(role=r["role"], db=r["db"]) for r in doc.get("roles", [])),
                   key=lambda r: (r["db"], r["role"]))
    return dict(name=name, database=database, exists=True, roles=roles, mechanisms=sorted(doc.get("mechanisms", [])))


def read_users(client, users, params):
    """{(database, name): state} of the users, one usersInfo command per database holding them."""
    found = {}
    for database in sorted(set(u["database"] for u in users)):
        names = [dict(user=u["name"], db=database) for u in users if u["database"] == database]
        with translated("read", "the users of %s" % database, params):
            docs = plain(client[database].command("usersInfo", names)).get("users") or []
        by_name = dict((d["user"], d) for d in docs)
        for spec in names:
            found[(database, spec["user"])] = user_state(spec["user"], database, by_name.get(spec["user"]))
    return found


def password_works(params, name, database, password):
    """Whether `password` logs `name` in; other errors propagate."""
    probe = _mongodb.build_client(dict(params, login_database=database, auth_mechanism="SCRAM-SHA-256"),
                                  user=name, password=password)
    try:
        probe.admin.command("ping")
        return True
    except _mongodb.pymongo_exceptions() as exc:
        if _mongodb.error_code(exc) == AUTH_FAILED:
            return False
        raise
    finally:
        _mongodb.close_client(probe)


def missing_role_databases(mod, user, roles, existing, before, known=()):
    """Refuse roles on databases that do not exist (MongoDB accepts them silently); warn in check mode,
    where an earlier task may be about to create them. `existing()` lists the databases; it is only
    called for roles on databases other than `known` ones (that exist or that this task creates)."""
    wanted = set(r["db"] for r in roles) - SYSTEM_DATABASES - set(known)
    if not wanted:
        return
    missing = sorted(wanted - existing())
    if not missing:
        return
    text = "roles refer to database(s) that do not exist: %s" % ", ".join(missing)
    if not mod.check_mode:
        raise failed("update" if before["exists"] else "create", "user %s" % label(user), text)
    mod.warn("user %s: %s (an earlier task may create them)" % (label(user), text))


def ensure(mod, client, user, roles, before, existing_databases, params, known_databases=()):
    """Create the user or set what differs (roles; the password with update_password=always); returns
    the state after, with `uri`, the user's connection string without its password."""
    db, name = client[user["database"]], user["name"]
    mod.manage("user", label(user))
    if not before["exists"] and not user["password"]:
        raise failed("create", "user %s" % label(user), "password is required to create a user")
    missing_role_databases(mod, user, roles, existing_databases, before, known_databases)
    after = dict(before, exists=True, roles=roles, mechanisms=before["mechanisms"] or MECHANISMS)
    if not before["exists"]:
        with translated("create", "user %s" % label(user), params):
            mod.act("create", "user", label(user), lambda: db.command(
                "createUser", name, pwd=user["password"], roles=roles, mechanisms=MECHANISMS))
    else:
        update, changes = {}, []
        if before["roles"] != roles:
            update["roles"] = roles
            changes.append("roles")
        with translated("update", "user %s" % label(user), params):
            if user["update_password"] == "always" and user["password"] and not password_works(
                    params, name, user["database"], user["password"]):
                update.update(pwd=user["password"], mechanisms=MECHANISMS)
                changes.append("password")
            if update:
                mod.act("update", "user", label(user), lambda: db.command("updateUser", name, **update),
                        detail=", ".join(changes))
    after["uri"] = user_uri(params, name, user["database"])
    return after


def remove(mod, client, user, before, params):
    mod.manage("user", label(user))
    if before["exists"]:
        with translated("drop", "user %s" % label(user), params):
            mod.act("delete", "user", label(user), lambda: client[user["database"]].command("dropUser", user["name"]))
    return user_state(user["name"], user["database"], None)
