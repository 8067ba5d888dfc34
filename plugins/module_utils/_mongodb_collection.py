# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One collection: its options checked, its state read from listCollections (and its TTL index from
listIndexes), the create/collMod plan, and applying it or dropping the collection. Shared by
mongodb_collection and mongodb_database."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError, failed
from ansible_collections.llmtwin.deploy.plugins.module_utils import _mongodb
from ansible_collections.llmtwin.deploy.plugins.module_utils._mongodb import (
    INT32_MAX,
    INT64_MAX,
    as_document,
    plain,
    range_error,
    translated,
)

# MongoDB's largest capped collection (1 PiB).
CAPPED_SIZE_MAX = 1024 ** 5
# Options of a collection, as mongodb_collection and mongodb_database's `collections[]` take them.
OPTIONS_SPEC = dict(
    validator=dict(type="raw"),
    validation_level=dict(type="str", choices=["off", "strict", "moderate"]),
    validation_action=dict(type="str", choices=["error", "warn"]),
    ttl=dict(type="dict", no_log=False, options=dict(
        field=dict(type="str", required=True),
        expire_after_seconds=dict(type="int", required=True))),
    capped=dict(type="bool"),
    size=dict(type="int"),
    max=dict(type="int"),
)
NAMESPACE_EXISTS = 48


def absent_state(database, name):
    return dict(database=database, name=name, exists=False, validator={}, validation_level=None,
                validation_action=None, capped=False, size=None, max=None, ttl=None)


def ttl_index_name(field):
    return "%s_ttl" % field


def current_state(database, name, info, indexes, ttl_field):
    """The collection as listCollections describes it, with its TTL index found among `indexes`
    (in _mongodb_index.from_server's shape) by name or as the one TTL index on `ttl_field`."""
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
            if index["name"] == ttl_index_name(ttl_field) or (
                    [field for field, _direction in index["keys"]] == [ttl_field]
                    and index["expire_after_seconds"] is not None):
                state["ttl"] = dict(field=ttl_field, expire_after_seconds=index["expire_after_seconds"],
                                    index_name=index["name"])
    return state


def check_options(options, where=""):
    """Check (and normalize: a JSON validator string becomes a document) one collection's options.

    Raises ModuleError naming the option, `where` being its path prefix ("collections[0].")."""
    validator, error = as_document(options["validator"], where + "validator")
    if error:
        raise ModuleError(error)
    options["validator"] = validator
    if options["capped"] and not options["size"]:
        raise ModuleError("%ssize is required (a positive number of bytes) when capped is true" % where)
    if (options["size"] or options["max"]) and not options["capped"]:
        raise ModuleError("%ssize and max apply only to capped collections: set capped: true" % where)
    error = (range_error(options["size"], where + "size", 1, CAPPED_SIZE_MAX)
             or range_error(options["max"], where + "max", 1, INT64_MAX))
    if error:
        raise ModuleError(error)
    if options["ttl"] is not None:
        if not options["ttl"]["field"] or "" in options["ttl"]["field"].split("."):
            raise ModuleError("%sttl.field must be a non-empty field name, got %r" % (where, options["ttl"]["field"]))
        error = range_error(options["ttl"]["expire_after_seconds"], where + "ttl.expire_after_seconds", 0, INT32_MAX)
        if error:
            raise ModuleError(error)
    return options


def plan(options, before):
    """The commands that bring `before` to the desired state: (create options or None, collMod options)."""
    desired = {}
    if options["validator"] is not None:
        desired["validator"] = options["validator"]
    if options["validation_level"] is not None:
        desired["validationLevel"] = options["validation_level"]
    if options["validation_action"] is not None:
        desired["validationAction"] = options["validation_action"]
    if not before["exists"]:
        create = dict((k, v) for k, v in desired.items() if not (k == "validator" and v == {}))
        if options["capped"]:
            create.update(capped=True, size=options["size"])
            if options["max"]:
                create["max"] = options["max"]
        return create, {}
    current = dict(validator=before["validator"], validationLevel=before["validation_level"],
                   validationAction=before["validation_action"])
    coll_mod = dict((k, v) for k, v in desired.items() if current[k] != v)
    return None, coll_mod


def capped_conflict(options, before):
    if not before["exists"] or options["capped"] is None:
        return None
    wanted = (bool(options["capped"]), options["size"] if options["capped"] else None,
              options["max"] if options["capped"] else None)
    have = (before["capped"], before["size"] if before["capped"] else None,
            before["max"] if before["capped"] else None)
    if wanted != have:
        return ("capped, size and max cannot be changed on the existing collection %s.%s (it has capped=%s "
                "size=%s max=%s): drop it (state: absent, force: true) and create it again"
                % (before["database"], before["name"], have[0], have[1], have[2]))
    return None


def after_state(options, before):
    after = dict(before, exists=True)
    if options["validator"] is not None:
        after["validator"] = options["validator"]
    if options["validation_level"] is not None:
        after["validation_level"] = options["validation_level"]
    elif not before["exists"]:
        after["validation_level"] = "strict"
    if options["validation_action"] is not None:
        after["validation_action"] = options["validation_action"]
    elif not before["exists"]:
        after["validation_action"] = "error"
    if not before["exists"]:
        after.update(capped=bool(options["capped"]), size=options["size"] if options["capped"] else None,
                     max=(options["max"] or None) if options["capped"] else None)
    if options["ttl"] is not None:
        after["ttl"] = dict(field=options["ttl"]["field"], expire_after_seconds=options["ttl"]["expire_after_seconds"],
                            index_name=(before["ttl"] or {}).get("index_name") or ttl_index_name(options["ttl"]["field"]))
    return after


def read_collections(db, database, params, names=None):
    """{name: listCollections entry} of the database (only `names` when given): one command."""
    query = {"name": {"$in": list(names)}} if names is not None else {}
    with translated("read", "the collections of %s" % database, params):
        try:
            return dict((info["name"], info) for info in db.list_collections(filter=query))
        except _mongodb.pymongo_exceptions() as exc:
            if _mongodb.error_code(exc) != _mongodb.NAMESPACE_NOT_FOUND:
                raise
            return {}


def ensure(mod, db, before, options, params):
    """Create the collection or collMod what drifted, and its TTL index; returns the state after.

    `before` comes from current_state(). A new collection whose later step fails is dropped again, so
    no half-configured collection is left behind."""
    name, full_name = before["name"], "%s.%s" % (before["database"], before["name"])
    conflict = capped_conflict(options, before)
    if conflict:
        raise failed("update", "collection %s" % full_name, conflict)
    create, coll_mod = plan(options, before)
    mod.manage("collection", full_name)
    try:
        if create is not None:
            with translated("create", "collection %s" % full_name, params):
                mod.act("create", "collection", full_name, lambda: create_collection(db, name, create))
        if coll_mod:
            with translated("update", "collection %s with collMod" % full_name, params):
                mod.act("update", "collection", full_name, lambda: db.command("collMod", name, **coll_mod),
                        detail=", ".join(sorted(coll_mod)))
        ensure_ttl(mod, db, before, options, params)
    except ModuleError:
        if not mod.check_mode and "create collection %s" % full_name in mod.actions:
            # a later step failed, the collection is new and empty: do not leave it half-configured
            try:
                db.drop_collection(name)
            except _mongodb.pymongo_exceptions():
                mod.warn("could not drop the half-configured new collection %s" % full_name)
        raise
    return after_state(options, before)


def create_collection(db, name, options):
    try:
        db.command("create", name, **options)
    except _mongodb.pymongo_exceptions() as exc:
        # created meanwhile by a concurrent run: the plan's collMod/indexes still apply to it
        if _mongodb.error_code(exc) != NAMESPACE_EXISTS:
            raise


def ensure_ttl(mod, db, before, options, params):
    ttl = options["ttl"]
    if ttl is None:
        return
    full_name = "%s.%s" % (before["database"], before["name"])
    wanted = ttl["expire_after_seconds"]
    if before["ttl"] is None:
        index = ttl_index_name(ttl["field"])
        with translated("create", "the TTL index of %s" % full_name, params):
            mod.act("create", "index", "%s.%s" % (full_name, index),
                    lambda: db[before["name"]].create_index([(ttl["field"], 1)], name=index, expireAfterSeconds=wanted),
                    detail="TTL %s s on %s" % (wanted, ttl["field"]))
    elif before["ttl"]["expire_after_seconds"] != wanted:
        index = before["ttl"]["index_name"]
        with translated("update", "the TTL of %s with collMod" % full_name, params):
            mod.act("update", "index", "%s.%s" % (full_name, index),
                    lambda: db.command("collMod", before["name"], index=dict(name=index, expireAfterSeconds=wanted)),
                    detail="TTL %s -> %s s" % (before["ttl"]["expire_after_seconds"], wanted))
    else:
        mod.manage("index", "%s.%s" % (full_name, before["ttl"]["index_name"]))


def holds_documents(db, full_name, name, params):
    with translated("read", "collection %s" % full_name, params):
        return db[name].find_one({}, projection={"_id": 1}) is not None


def drop(mod, db, database, name, params):
    full_name = "%s.%s" % (database, name)
    with translated("drop", "collection %s" % full_name, params):
        mod.act("delete", "collection", full_name, lambda: db.drop_collection(name))


def refuse_data(full_name):
    return failed("drop", "collection %s" % full_name, "it holds documents; set force: true to drop it with its data")
