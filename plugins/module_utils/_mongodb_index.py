# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The indexes of a collection: desired state from options, current state from listIndexes, the plan
(compared by keys AND options), and applying it with safe replacement. Shared by mongodb_index and
mongodb_database."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError, failed
from ansible_collections.llmtwin.deploy.plugins.module_utils import _mongodb
from ansible_collections.llmtwin.deploy.plugins.module_utils._mongodb import (
    INDEX_DIRECTIONS,
    INT32_MAX,
    NAMESPACE_NOT_FOUND,
    error_code,
    plain,
    range_error,
    translated,
)

# The argument spec of one index, as mongodb_index's `indexes` and mongodb_database's
# `collections[].indexes` take it.
INDEX_SPEC = dict(
    keys=dict(type="raw", required=True, no_log=False),
    name=dict(type="str"),
    unique=dict(type="bool", default=False),
    sparse=dict(type="bool", default=False),
    partial_filter_expression=dict(type="dict"),
    expire_after_seconds=dict(type="int"),
)
OPTIONS = ("unique", "sparse", "partial_filter_expression", "expire_after_seconds")
SERVER_OPTIONS = dict(unique="unique", sparse="sparse", partial_filter_expression="partialFilterExpression",
                      expire_after_seconds="expireAfterSeconds")
# A replacement that keeps its name is built under this name first, while the old index still serves.
STAGING_SUFFIX = "__llmtwin_new"
# IndexOptionsConflict, IndexKeySpecsConflict: the server allows one index per keys and options.
INDEX_CONFLICTS = (85, 86)


def indexes_spec():
    return dict(type="list", elements="dict", default=[], no_log=False, options=INDEX_SPEC)


def parse_direction(value, where):
    if isinstance(value, bool):
        raise ModuleError("%s: direction must be one of 1, -1, 2d, 2dsphere, hashed, text; got %r" % (where, value))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    if value not in INDEX_DIRECTIONS:
        raise ModuleError("%s: direction must be one of 1, -1, 2d, 2dsphere, hashed, text; got %r" % (where, value))
    return value


def parse_keys(raw, where):
    """[(field, direction), ...] from a mapping, a list of one-entry mappings or a list of pairs."""
    pairs = []
    if isinstance(raw, dict):
        pairs = list(raw.items())
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict) and len(item) == 1:
                pairs.extend(item.items())
            elif isinstance(item, (list, tuple)) and len(item) == 2:
                pairs.append((item[0], item[1]))
            else:
                raise ModuleError("%s: each entry must be a one-field mapping such as {author_id: 1}, got %r"
                                  % (where, item))
    else:
        raise ModuleError("%s must be a list such as [{author_id: 1}] or a mapping, got %s"
                          % (where, type(raw).__name__))
    if not pairs:
        raise ModuleError("%s must name at least one field" % where)
    fields = [str(pair[0]) for pair in pairs]
    for field in fields:
        if "" in field.split("."):
            raise ModuleError("%s: field names must be non-empty (and have no empty part between dots), got %r"
                              % (where, field))
    if len(set(fields)) != len(fields):
        raise ModuleError("%s: a field appears twice" % where)
    return [(str(field), parse_direction(direction, "%s.%s" % (where, field))) for field, direction in pairs]


def default_name(keys):
    return "_".join("%s_%s" % (field, direction) for field, direction in keys)


def desired_indexes(raw_indexes, where="indexes"):
    """Normalized desired indexes; raises ModuleError naming the option (`where` is its path)."""
    result, names = [], set()
    for position, raw in enumerate(raw_indexes):
        at = "%s[%d]" % (where, position)
        keys = parse_keys(raw.get("keys"), at + ".keys")
        if raw.get("expire_after_seconds") is not None:
            error = range_error(raw["expire_after_seconds"], at + ".expire_after_seconds", 0, INT32_MAX)
            if error:
                raise ModuleError(error)
            if len(keys) != 1:
                raise ModuleError("%s.expire_after_seconds needs a single-field index" % at)
        index = dict(name=raw.get("name") or default_name(keys), name_given=bool(raw.get("name")), keys=keys,
                     unique=bool(raw.get("unique")), sparse=bool(raw.get("sparse")),
                     partial_filter_expression=raw.get("partial_filter_expression") or None,
                     expire_after_seconds=raw.get("expire_after_seconds"))
        if index["name"] == "_id_":
            raise ModuleError("%s: the _id_ index is managed by MongoDB" % at)
        if index["name"] in names:
            raise ModuleError("%s: the index name %s is listed twice" % (at, index["name"]))
        names.add(index["name"])
        result.append(index)
    return result


def from_server(doc):
    """An index as listIndexes returns it, in the same shape as a desired index."""
    doc = plain(doc)
    keys = list(doc.get("key", {}).items())
    return dict(name=doc["name"], keys=keys, unique=bool(doc.get("unique", False)),
                sparse=bool(doc.get("sparse", False)),
                partial_filter_expression=doc.get("partialFilterExpression") or None,
                expire_after_seconds=doc.get("expireAfterSeconds"))


def read_indexes(collection, namespace, params):
    """The collection's indexes (from_server shape); [] when the collection does not exist."""
    try:
        return [from_server(doc) for doc in collection.list_indexes()]
    except _mongodb.pymongo_exceptions() as exc:
        if error_code(exc) == NAMESPACE_NOT_FOUND:
            return []
        raise failed("read", "the indexes of %s" % namespace, _mongodb.describe_error(exc, params)) from None


def public(index):
    return dict(name=index["name"], keys=[list(pair) for pair in index["keys"]], unique=index["unique"],
                sparse=index["sparse"], partial_filter_expression=index["partial_filter_expression"],
                expire_after_seconds=index["expire_after_seconds"])


def differences(desired, current):
    """Names of what differs between two indexes: keys and each option."""
    diffs = []
    if [tuple(pair) for pair in desired["keys"]] != [tuple(pair) for pair in current["keys"]]:
        diffs.append("keys")
    diffs.extend(option for option in OPTIONS if desired[option] != current[option])
    return diffs


def reconcile(desired, current, state, purge, keep=()):
    """(operations, the resulting index list, the names of the declared indexes).

    Each operation is (old index or None, new index or None, why): a create, a drop or a replacement.
    Builds come before drops, so a failed build never follows a drop that purge made. Indexes named in
    `keep` (managed elsewhere, such as a collection's TTL index) are never purged.
    """
    by_name = dict((index["name"], index) for index in current)
    builds, drops, matched, declared = [], [], set(), []
    for index in desired:
        found = by_name.get(index["name"])
        if found is None:
            same_keys = [c for c in current if c["name"] not in matched and c["name"] != "_id_"
                         and [tuple(p) for p in c["keys"]] == [tuple(p) for p in index["keys"]]]
            if same_keys:
                found = same_keys[0]
                if not index["name_given"]:
                    index = dict(index, name=found["name"])
        declared.append(index["name"])
        if state == "absent":
            if found is not None:
                drops.append((found, None, None))
                matched.add(found["name"])
            continue
        if found is None:
            builds.append((None, index, None))
            continue
        matched.add(found["name"])
        diffs = differences(index, found)
        if found["name"] != index["name"]:
            diffs.insert(0, "name")
        if diffs:
            builds.append((found, index, "%s differ%s" % (", ".join(diffs), "s" if len(diffs) == 1 else "")))
    if purge and state == "present":
        for index in current:
            if index["name"] != "_id_" and index["name"] not in matched and index["name"] not in keep:
                drops.append((index, None, "not listed (purge)"))
    operations = builds + drops
    gone = set(old["name"] for old, _new, _why in operations if old is not None)
    after = [i for i in current if i["name"] not in gone] + [dict((k, v) for k, v in new.items() if k != "name_given")
                                                             for _old, new, _why in operations if new is not None]
    return operations, after, declared


def create_spec(index, name=None):
    options = dict(name=name or index["name"])
    for option in OPTIONS:
        value = index[option]
        if value not in (None, False):
            options[SERVER_OPTIONS[option]] = value
    return index["keys"], options


def build(collection, index, name=None):
    keys, options = create_spec(index, name)
    collection.create_index(keys, **options)


def replace(collection, old, new, params):
    """Swap index `old` for `new` so that a failed build never leaves the collection with neither.

    Returns (error text or None, whether the collection changed). Errors of the drops propagate.
    """
    staging = new["name"] if new["name"] != old["name"] else new["name"] + STAGING_SUFFIX
    try:
        build(collection, new, staging)
    except _mongodb.pymongo_exceptions() as exc:
        if error_code(exc) not in INDEX_CONFLICTS:
            return "%s; the index %s is left in place" % (_mongodb.describe_error(exc, params), old["name"]), False
        staging = None  # drop first, and rebuild the old index if the new one fails
    collection.drop_index(old["name"])
    if staging == new["name"]:
        return None, True
    if staging:
        collection.drop_index(staging)  # the final name was the old index's until now
    try:
        build(collection, new)
    except _mongodb.pymongo_exceptions() as exc:
        cause = _mongodb.describe_error(exc, params)
        try:
            build(collection, old)
        except _mongodb.pymongo_exceptions() as restore_exc:
            return ("%s; the old index %s was dropped and could not be rebuilt: %s"
                    % (cause, old["name"], _mongodb.describe_error(restore_exc, params))), True
        return "%s; the index %s is left in place (rebuilt as it was)" % (cause, old["name"]), False
    return None, True


def apply(mod, collection, namespace, operations, params):
    """Make the operations through mod.act() (nothing in check mode); a failure raises ModuleError."""
    for old, new, why in operations:
        if old is None:
            with translated("create", "index %s.%s" % (namespace, new["name"]), params):
                mod.act("create", "index", "%s.%s" % (namespace, new["name"]), lambda new=new: build(collection, new))
        elif new is None:
            with translated("drop", "index %s.%s" % (namespace, old["name"]), params):
                mod.act("delete", "index", "%s.%s" % (namespace, old["name"]),
                        lambda old=old: collection.drop_index(old["name"]), detail=why)
        else:
            replace_one(mod, collection, namespace, old, new, why, params)


def replace_one(mod, collection, namespace, old, new, why, params):
    """One replacement, recorded as an update (same name) or a create plus a delete (a new name)."""
    error, changed = None, True
    if not mod.check_mode:
        with translated("replace", "index %s.%s" % (namespace, new["name"]), params):
            error, changed = replace(collection, old, new, params)
    if changed:
        if old["name"] == new["name"]:
            mod.act("update", "index", "%s.%s" % (namespace, new["name"]), detail="rebuilt, " + why)
        else:
            mod.act("create", "index", "%s.%s" % (namespace, new["name"]), detail="replaces %s, %s" % (old["name"], why))
            mod.act("delete", "index", "%s.%s" % (namespace, old["name"]), detail="replaced by %s" % new["name"])
    if error:
        raise failed("replace", "index %s.%s" % (namespace, new["name"]), error)
