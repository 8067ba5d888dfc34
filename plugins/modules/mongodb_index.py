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
changes:
  description:
    - What was (or in check mode, would be) done, one entry per index.
    - On failure, what was done before the failure.
  returned: always
  type: list
  elements: str
  sample: ["create link_1", "recreate author_id_1 (unique differs)", "drop old_1"]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.llmtwin.deploy.plugins.module_utils._mongodb import (
    INDEX_DIRECTIONS,
    INT32_MAX,
    NAMESPACE_NOT_FOUND,
    collection_name_error,
    database_name_error,
    describe_error,
    fail,
    mongo_client,
    mongodb_argument_spec,
    plain,
    pymongo_exceptions,
    range_error,
)

OPTIONS = ("unique", "sparse", "partial_filter_expression", "expire_after_seconds")
SERVER_OPTIONS = dict(unique="unique", sparse="sparse", partial_filter_expression="partialFilterExpression",
                      expire_after_seconds="expireAfterSeconds")
# A replacement that keeps its name is built under this name first, while the old index still serves.
STAGING_SUFFIX = "__llmtwin_new"
# IndexOptionsConflict, IndexKeySpecsConflict: the server allows one index per keys and options.
INDEX_CONFLICTS = (85, 86)


def parse_direction(value, where):
    if isinstance(value, bool):
        raise ValueError("%s: direction must be one of 1, -1, 2d, 2dsphere, hashed, text; got %r" % (where, value))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    if value not in INDEX_DIRECTIONS:
        raise ValueError("%s: direction must be one of 1, -1, 2d, 2dsphere, hashed, text; got %r" % (where, value))
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
                raise ValueError("%s: each entry must be a one-field mapping such as {author_id: 1}, got %r"
                                 % (where, item))
    else:
        raise ValueError("%s must be a list such as [{author_id: 1}] or a mapping, got %s"
                         % (where, type(raw).__name__))
    if not pairs:
        raise ValueError("%s must name at least one field" % where)
    fields = [str(pair[0]) for pair in pairs]
    for field in fields:
        if "" in field.split("."):
            raise ValueError("%s: field names must be non-empty (and have no empty part between dots), got %r"
                             % (where, field))
    if len(set(fields)) != len(fields):
        raise ValueError("%s: a field appears twice" % where)
    return [(str(field), parse_direction(direction, "%s.%s" % (where, field))) for field, direction in pairs]


def default_name(keys):
    return "_".join("%s_%s" % (field, direction) for field, direction in keys)


def desired_indexes(raw_indexes):
    """Normalized desired indexes; raises ValueError naming the option on bad input."""
    result, names = [], set()
    for position, raw in enumerate(raw_indexes):
        where = "indexes[%d].keys" % position
        keys = parse_keys(raw.get("keys"), where)
        if raw.get("expire_after_seconds") is not None:
            error = range_error(raw["expire_after_seconds"], "indexes[%d].expire_after_seconds" % position, 0, INT32_MAX)
            if error:
                raise ValueError(error)
            if len(keys) != 1:
                raise ValueError("indexes[%d].expire_after_seconds needs a single-field index" % position)
        index = dict(name=raw.get("name") or default_name(keys), name_given=bool(raw.get("name")), keys=keys,
                     unique=bool(raw.get("unique")), sparse=bool(raw.get("sparse")),
                     partial_filter_expression=raw.get("partial_filter_expression") or None,
                     expire_after_seconds=raw.get("expire_after_seconds"))
        if index["name"] == "_id_":
            raise ValueError("indexes[%d]: the _id_ index is managed by MongoDB" % position)
        if index["name"] in names:
            raise ValueError("indexes[%d]: the index name %s is listed twice" % (position, index["name"]))
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


def reconcile(desired, current, state, purge):
    """The operations and the resulting index list.

    Each operation is (note, old index or None, new index or None): a create, a drop or a replacement.
    Builds come before drops, so a failed build never follows a drop that purge made.
    """
    by_name = dict((index["name"], index) for index in current)
    builds, drops, matched = [], [], set()
    for index in desired:
        found = by_name.get(index["name"])
        if found is None:
            same_keys = [c for c in current if c["name"] not in matched and c["name"] != "_id_"
                         and [tuple(p) for p in c["keys"]] == [tuple(p) for p in index["keys"]]]
            if same_keys:
                found = same_keys[0]
                if not index["name_given"]:
                    index = dict(index, name=found["name"])
        if state == "absent":
            if found is not None:
                drops.append(("drop %s" % found["name"], found, None))
                matched.add(found["name"])
            continue
        if found is None:
            builds.append(("create %s" % index["name"], None, index))
            continue
        matched.add(found["name"])
        diffs = differences(index, found)
        if found["name"] != index["name"]:
            diffs.insert(0, "name")
        if diffs:
            builds.append(("recreate %s (%s differ%s)" % (index["name"], ", ".join(diffs), "s" if len(diffs) == 1 else ""),
                           found, index))
    if purge and state == "present":
        for index in current:
            if index["name"] != "_id_" and index["name"] not in matched:
                drops.append(("drop %s (not listed, purge)" % index["name"], index, None))
    operations = builds + drops
    gone = set(old["name"] for _note, old, _new in operations if old is not None)
    after = [i for i in current if i["name"] not in gone] + [dict((k, v) for k, v in new.items() if k != "name_given")
                                                             for _note, _old, new in operations if new is not None]
    return operations, after


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
    except pymongo_exceptions() as exc:
        if getattr(exc, "code", None) not in INDEX_CONFLICTS:
            return "%s; the index %s is left in place" % (describe_error(exc, params), old["name"]), False
        staging = None  # drop first, and rebuild the old index if the new one fails
    collection.drop_index(old["name"])
    if staging == new["name"]:
        return None, True
    if staging:
        collection.drop_index(staging)  # the final name was the old index's until now
    try:
        build(collection, new)
    except pymongo_exceptions() as exc:
        cause = describe_error(exc, params)
        try:
            build(collection, old)
        except pymongo_exceptions() as restore_exc:
            return ("%s; the old index %s was dropped and could not be rebuilt: %s"
                    % (cause, old["name"], describe_error(restore_exc, params))), True
        return "%s; the index %s is left in place (rebuilt as it was)" % (cause, old["name"]), False
    return None, True


def validate(params):
    """Normalized desired indexes; raises ValueError naming the option. Runs before any connection."""
    error = database_name_error(params["database"]) or collection_name_error(
        params["collection"], params["database"], "collection")
    if error:
        raise ValueError(error)
    return desired_indexes(params["indexes"])


def main():
    module = AnsibleModule(
        argument_spec=mongodb_argument_spec(
            database=dict(type="str", required=True),
            collection=dict(type="str", required=True),
            indexes=dict(type="list", elements="dict", default=[], no_log=False, options=dict(
                keys=dict(type="raw", required=True, no_log=False),
                name=dict(type="str"),
                unique=dict(type="bool", default=False),
                sparse=dict(type="bool", default=False),
                partial_filter_expression=dict(type="dict"),
                expire_after_seconds=dict(type="int"))),
            purge=dict(type="bool", default=False),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        desired = validate(params)
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    namespace = "%s.%s" % (params["database"], params["collection"])

    with mongo_client(module) as client:
        collection = client[params["database"]][params["collection"]]
        try:
            current = [from_server(doc) for doc in collection.list_indexes()]
        except pymongo_exceptions() as exc:
            if getattr(exc, "code", None) != NAMESPACE_NOT_FOUND:
                fail(module, "read the indexes of %s" % namespace, exc)
            current = []
        operations, after = reconcile(desired, current, params["state"], params["purge"])
        done = []  # what changed the collection, for an honest result when a later step fails
        if not module.check_mode:
            for note, old, new in operations:
                name = (new or old)["name"]
                try:
                    if old is None:
                        build(collection, new)
                    elif new is None:
                        collection.drop_index(old["name"])
                    else:
                        error, changed = replace(collection, old, new, params)
                        if changed:
                            done.append(note)
                        if error:
                            module.fail_json(msg="Failed to replace index %s of %s: %s" % (name, namespace, error),
                                             changed=bool(done), changes=done)
                        continue
                except pymongo_exceptions() as exc:
                    verb = "create" if old is None else "drop" if new is None else "replace"
                    fail(module, "%s index %s of %s" % (verb, name, namespace), exc, changed=bool(done), changes=done)
                done.append(note)

    notes = [note for note, _old, _new in operations]
    module.exit_json(changed=bool(notes), changes=notes, indexes=[public(i) for i in after],
                     diff=dict(before=dict(indexes=[public(i) for i in current]),
                               after=dict(indexes=[public(i) for i in after])))


if __name__ == "__main__":
    main()
