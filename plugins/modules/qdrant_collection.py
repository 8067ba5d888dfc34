#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: qdrant_collection
short_description: Create, update, recreate or delete Qdrant collections
version_added: 0.1.0
description:
  - Makes a Qdrant collection match the declared vectors, sparse vectors, index and storage settings,
    and its payload indexes; or, with O(collections), a list of collections in one run (one process,
    one connection, the embedded store locked once).
  - Settings Qdrant can change in place (vector O(vectors.on_disk), sparse vector parameters, HNSW,
    optimizer and quantization settings, O(on_disk_payload), O(replication_factor),
    O(write_consistency_factor)) are updated in place. Payload indexes are created, replaced when
    their type differs, and removed only with O(purge_payload_indexes=true).
  - A change that needs a new collection (vector size or distance, the set of named or sparse
    vectors, O(shard_number)) fails with a message saying so, unless O(recreate=true). Recreating or
    deleting a collection that holds points also needs O(force=true).
  - With O(collections), every element is checked before anything is read or changed, and every
    refusal (a change that needs O(recreate), a deletion that needs O(force)) is raised before
    anything is changed.
  - Works against a Qdrant server or Qdrant Cloud (O(url)) and against qdrant-client's embedded
    engine (O(path)). See O(path) for what the embedded engine does not apply.
author: LLM Twin deploy team (@llmtwin)
options:
  name:
    description:
      - Name of the collection. An alias of that name is not taken for the collection.
      - Exactly one of O(name) and O(collections) is required.
    type: str
  collections:
    description:
      - Several collections in one task, each a dict of the per-collection options of this module
        (C(name) required; C(state), C(vectors), C(named_vectors), C(sparse_vectors), C(hnsw_config),
        C(optimizers_config), C(quantization_config), C(on_disk_payload), C(shard_number),
        C(replication_factor), C(write_consistency_factor), C(payload_indexes),
        C(purge_payload_indexes), C(recreate), C(force)), with the same meaning as the options below.
      - O(state), O(force), O(recreate), O(purge_payload_indexes) and O(payload_indexes) given with
        O(collections) are the defaults of the elements that do not set them; the other per-collection
        options cannot be given with O(collections).
      - The result is RV(collections) instead of RV(collection). Errors name the element,
        for example C(collections[2].vectors.size).
    type: list
    elements: dict
  state:
    description: Whether the collection should exist.
    type: str
    choices: [present, absent]
    default: present
  vectors:
    description:
      - The collection's single unnamed dense vector. Mutually exclusive with O(named_vectors).
      - Leave both O(vectors) and O(named_vectors) unset for a collection without dense vectors.
    type: dict
    suboptions:
      size:
        description: Dimension of the vectors; must match the embedding model (384 for all-MiniLM-L6-v2).
        type: int
        required: true
      distance:
        description: Distance function (case-insensitive).
        type: str
        required: true
      on_disk:
        description: Keep the vectors on disk (memmap) instead of in RAM. Unset leaves the server's choice.
        type: bool
  named_vectors:
    description:
      - Named dense vectors, a dict of vector name to a dict with C(size), C(distance) and optional
        C(on_disk), as in O(vectors).
    type: dict
  sparse_vectors:
    description:
      - Sparse vectors, a dict of name to a dict with optional C(on_disk) (bool, the index on disk)
        and C(modifier) (C(none) or C(idf)); an empty dict value uses Qdrant's defaults.
    type: dict
  hnsw_config:
    description:
      - HNSW index settings (C(m), C(ef_construct), C(full_scan_threshold), C(max_indexing_threads),
        C(on_disk), C(payload_m)); only the keys given are compared and updated.
    type: dict
  optimizers_config:
    description:
      - Optimizer settings (for example C(indexing_threshold), C(deleted_threshold),
        C(default_segment_number)); only the keys given are compared and updated.
    type: dict
  quantization_config:
    description:
      - "Quantization, as in Qdrant's API, for example C({scalar: {type: int8, always_ram: true}})."
    type: dict
  on_disk_payload:
    description: Store the payload on disk. Unset leaves the server's choice.
    type: bool
  shard_number:
    description: Number of shards; fixed at creation (a different value needs O(recreate=true)).
    type: int
  replication_factor:
    description: Replicas of each shard (a server cluster setting, updated in place).
    type: int
  write_consistency_factor:
    description: Replicas that must confirm a write (updated in place).
    type: int
  payload_indexes:
    description:
      - Payload field name to index schema type (C(keyword), C(integer), C(float), C(geo), C(text),
        C(bool), C(datetime), C(uuid)). Qdrant Cloud's strict mode rejects filters on fields
        without an index.
    type: dict
  purge_payload_indexes:
    description: Delete payload indexes that are not in O(payload_indexes) (only when O(payload_indexes) is set).
    type: bool
    default: false
  recreate:
    description: Delete and create the collection again when a setting can only be set at creation.
    type: bool
    default: false
  force:
    description: Allow O(recreate) or O(state=absent) to delete a collection that holds points.
    type: bool
    default: false
extends_documentation_fragment:
  - llmtwin.deploy.qdrant
  - llmtwin.deploy.qdrant.attributes
  - llmtwin.deploy.actions
"""

EXAMPLES = r"""
- name: The LLM Twin's embedded posts (384-dim, Cosine) with an author_id index, on Qdrant Cloud
  llmtwin.deploy.qdrant_collection:
    url: "{{ qdrant_url }}"
    api_key: "{{ qdrant_api_key }}"
    name: embedded_posts
    vectors:
      size: 384
      distance: Cosine
    payload_indexes:
      author_id: keyword

- name: A collection without vectors, in the embedded engine
  llmtwin.deploy.qdrant_collection:
    path: /srv/qdrant
    name: cleaned_posts

- name: All the LLM Twin's collections in one task, in the embedded engine
  llmtwin.deploy.qdrant_collection:
    path: /srv/qdrant
    payload_indexes: {author_id: keyword}   # the default of every element that sets none
    collections:
      - name: cleaned_posts
      - name: embedded_posts
        vectors: {size: 384, distance: Cosine}
      - name: old_posts
        state: absent

- name: Change the vector size (deletes the collection's points)
  llmtwin.deploy.qdrant_collection:
    url: http://127.0.0.1:6333
    name: embedded_posts
    vectors: {size: 768, distance: Cosine}
    recreate: true
    force: true
"""

RETURN = r"""
collection:
  description: The collection after the task (predicted in check mode); C({name, exists=false}) when absent.
  returned: when O(name) is given
  type: dict
  contains:
    name: {description: Collection name., type: str}
    exists: {description: Whether the collection exists., type: bool}
    status: {description: "Qdrant's status: green, yellow, grey or red.", type: str}
    points_count: {description: Number of points (approximate on a server)., type: int}
    vectors: {description: "The unnamed dense vector (size, distance, on_disk), or null.", type: dict}
    named_vectors: {description: Named dense vectors., type: dict}
    sparse_vectors: {description: "Sparse vectors (on_disk, modifier).", type: dict}
    on_disk_payload: {description: Payload on disk., type: bool}
    shard_number: {description: Shards., type: int}
    replication_factor: {description: Replicas per shard., type: int}
    write_consistency_factor: {description: Write consistency factor., type: int}
    hnsw_config: {description: HNSW settings., type: dict}
    optimizers_config: {description: Optimizer settings., type: dict}
    quantization_config: {description: Quantization settings or null., type: dict}
    payload_indexes: {description: Payload field to index type., type: dict}
    aliases: {description: Aliases pointing at the collection., type: list, elements: str}
  sample:
    name: embedded_posts
    exists: true
    vectors: {size: 384, distance: Cosine, on_disk: null}
    payload_indexes: {author_id: keyword}
collections:
  description:
    - With O(collections), each collection after the task (predicted in check mode), in the order given;
      the keys are those of RV(collection).
  returned: when O(collections) is given
  type: list
  elements: dict
  sample:
    - {name: cleaned_posts, exists: true, vectors: null, payload_indexes: {author_id: keyword}}
    - {name: old_posts, exists: false}
actions:
  description:
    - What the task did, or in check mode would do, one entry per change, in the order made.
    - >-
      Each entry reads C(<verb> <kind> <name>) or C(<verb> <kind> <name>: <detail>), verb one of
      C(create), C(update), C(delete). Empty when nothing changed.
    - Also returned when the task fails, listing only what was really done before the failure.
    - >-
      Kinds here: C(collection <name>) (a recreate is C(delete collection <name>: recreate (<why>))
      then C(create collection <name>)), C(payload_index <collection>.<field>) (detail: its type).
  returned: always
  type: list
  elements: str
  sample: ["create collection embedded_posts", "create payload_index embedded_posts.author_id: keyword",
           "update collection cleaned_posts: hnsw_config"]
resources:
  description:
    - Every resource the task reconciled, changed or not, one C(<kind> <name>) entry each.
  returned: always
  type: list
  elements: str
  sample: ["collection embedded_posts", "payload_index embedded_posts.author_id"]
"""

import copy
import functools

from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError, failed
from ansible_collections.llmtwin.deploy.plugins.module_utils._qdrant import (
    SERVER_ONLY_OPTIONS, QdrantModule, absent_view, check_elements, check_name, check_unique, list_aliases,
    list_collection_names, quantization_adapter, read_collection, validate_model, validate_payload_indexes,
    validate_sparse, validate_vector,
)

try:
    from qdrant_client import models
except ImportError:
    pass  # QdrantModule.validate_connection() reports the missing library

# The per-collection options: module options in the single form, keys of each element of `collections`.
COLLECTION_OPTIONS = dict(
    name="str", state="str", vectors="dict", named_vectors="dict", sparse_vectors="dict", hnsw_config="dict",
    optimizers_config="dict", quantization_config="dict", on_disk_payload="bool", shard_number="int",
    replication_factor="int", write_consistency_factor="int", payload_indexes="dict", purge_payload_indexes="bool",
    recreate="bool", force="bool",
)
# Given with `collections`, these are the default of every element that does not set them; the other
# per-collection options describe one collection and cannot be given with `collections`.
LIST_DEFAULTS = ("state", "force", "recreate", "purge_payload_indexes", "payload_indexes")
ONE_COLLECTION_ONLY = tuple(o for o in COLLECTION_OPTIONS if o != "name" and o not in LIST_DEFAULTS)


def build_desired(params, where=""):
    """Per-collection options -> validated plain desired state; raises ModuleError naming the option.

    `where` prefixes every option name in messages ("collections[2]." in the list form)."""
    desired = {
        "vectors": validate_vector(params["vectors"], where + "vectors") if params.get("vectors") else None,
        "named_vectors": {},
        "sparse_vectors": {},
        "payload_indexes": None,
    }
    named = params.get("named_vectors") or {}
    if not isinstance(named, dict):
        raise ModuleError("%snamed_vectors must be a dict of vector name to {size, distance}" % where)
    for vname in sorted(named):
        desired["named_vectors"][vname] = validate_vector(named[vname], "%snamed_vectors.%s" % (where, vname))
    for sname in sorted(params.get("sparse_vectors") or {}):
        desired["sparse_vectors"][sname] = validate_sparse(params["sparse_vectors"][sname],
                                                           "%ssparse_vectors.%s" % (where, sname))
    if params.get("payload_indexes") is not None:
        desired["payload_indexes"] = validate_payload_indexes(params["payload_indexes"], where + "payload_indexes")
    for option in ("shard_number", "replication_factor", "write_consistency_factor"):
        value = params.get(option)
        if value is not None and value < 1:
            raise ModuleError("%s%s must be at least 1, got %s" % (where, option, value))
        desired[option] = value
    desired["on_disk_payload"] = params.get("on_disk_payload")
    desired["hnsw_config"] = validate_model(where + "hnsw_config", params.get("hnsw_config"), models.HnswConfigDiff)
    desired["optimizers_config"] = validate_model(where + "optimizers_config", params.get("optimizers_config"),
                                                  models.OptimizersConfigDiff)
    desired["quantization_config"] = validate_model(where + "quantization_config", params.get("quantization_config"),
                                                    quantization_adapter())
    return desired


def _subset_differs(wanted, current):
    """Keys of `wanted` whose value differs from `current` (nested dicts compared the same way)."""
    changed = []
    for key, value in (wanted or {}).items():
        have = (current or {}).get(key)
        if isinstance(value, dict) and isinstance(have, dict):
            if _subset_differs(value, have):
                changed.append(key)
        elif value != have:
            changed.append(key)
    return changed


def ignored_in_embedded(desired):
    return [opt for opt in SERVER_ONLY_OPTIONS if desired.get(opt) not in (None, {})]


def recreate_reasons(desired, current, embedded):
    """Why the existing collection cannot become `desired` in place (empty when it can)."""
    reasons = []
    want, have = desired["vectors"], current.get("vectors")
    if (want is None) != (have is None):
        reasons.append("unnamed vector %s -> %s" % (_vec_text(have), _vec_text(want)))
    elif want is not None:
        for key in ("size", "distance"):
            if want[key] != have[key]:
                reasons.append("vectors.%s %s -> %s" % (key, have[key], want[key]))
    want_named, have_named = desired["named_vectors"], current.get("named_vectors") or {}
    if sorted(want_named) != sorted(have_named):
        reasons.append("named vectors [%s] -> [%s]" % (", ".join(sorted(have_named)), ", ".join(sorted(want_named))))
    else:
        for vname in sorted(want_named):
            for key in ("size", "distance"):
                if want_named[vname][key] != have_named[vname][key]:
                    reasons.append("named_vectors.%s.%s %s -> %s" % (vname, key, have_named[vname][key],
                                                                     want_named[vname][key]))
    have_sparse = current.get("sparse_vectors") or {}
    if sorted(desired["sparse_vectors"]) != sorted(have_sparse):
        reasons.append("sparse vectors [%s] -> [%s]" % (", ".join(sorted(have_sparse)),
                                                        ", ".join(sorted(desired["sparse_vectors"]))))
    if not embedded and desired["shard_number"] is not None and desired["shard_number"] != current.get("shard_number"):
        reasons.append("shard_number %s -> %s" % (current.get("shard_number"), desired["shard_number"]))
    return reasons


def _vec_text(vec):
    return "none" if vec is None else "%s/%s" % (vec["size"], vec["distance"])


def plan_updates(desired, current):
    """In-place changes for a server: ({update_collection kwargs as plain data}, index ops, after-view)."""
    update = {}
    after = copy.deepcopy(current)
    vector_diff = {}
    targets = {"": (desired["vectors"], current.get("vectors"))} if desired["vectors"] else {}
    for vname, spec in desired["named_vectors"].items():
        targets[vname] = (spec, current["named_vectors"].get(vname))
    for vname, (want, have) in targets.items():
        if want["on_disk"] is not None and want["on_disk"] != have.get("on_disk"):
            vector_diff[vname] = {"on_disk": want["on_disk"]}
            if vname:
                after["named_vectors"][vname]["on_disk"] = want["on_disk"]
            else:
                after["vectors"]["on_disk"] = want["on_disk"]
    if vector_diff:
        update["vectors_config"] = vector_diff
    sparse_diff = {}
    for sname, want in desired["sparse_vectors"].items():
        have = current["sparse_vectors"].get(sname) or {}
        if any(want[k] is not None and want[k] != have.get(k) for k in ("on_disk", "modifier")):
            merged = dict(have, **dict((k, v) for k, v in want.items() if v is not None))
            sparse_diff[sname] = merged
            after["sparse_vectors"][sname] = merged
    if sparse_diff:
        update["sparse_vectors_config"] = sparse_diff
    params_diff = {}
    for key in ("on_disk_payload", "replication_factor", "write_consistency_factor"):
        if desired[key] is not None and desired[key] != current.get(key):
            params_diff[key] = desired[key]
            after[key] = desired[key]
    if params_diff:
        update["collection_params"] = params_diff
    for key in ("hnsw_config", "optimizers_config"):
        changed = _subset_differs(desired[key], current.get(key))
        if changed:
            update[key] = dict((k, desired[key][k]) for k in changed)
            after[key] = dict(current.get(key) or {}, **update[key])
    if desired["quantization_config"] is not None and _subset_differs(desired["quantization_config"],
                                                                      current.get("quantization_config")):
        update["quantization_config"] = desired["quantization_config"]
        after["quantization_config"] = desired["quantization_config"]
    return update, after


def plan_indexes(desired, current, purge):
    """Payload index operations: ([(field, type) to create], [field to delete]); a type change is both."""
    if desired["payload_indexes"] is None:
        return [], []
    have = current.get("payload_indexes") or {}
    create, delete = [], []
    for field, schema in sorted(desired["payload_indexes"].items()):
        if have.get(field) != schema:
            if field in have:
                delete.append(field)
            create.append((field, schema))
    if purge:
        delete.extend(sorted(f for f in have if f not in desired["payload_indexes"]))
    return create, delete


def created_view(name, desired, embedded):
    view = {"name": name, "exists": True, "status": "green", "points_count": 0,
            "vectors": desired["vectors"], "named_vectors": desired["named_vectors"],
            "sparse_vectors": desired["sparse_vectors"], "aliases": []}
    for key in ("on_disk_payload", "shard_number", "replication_factor", "write_consistency_factor",
                "quantization_config"):
        view[key] = None if embedded else desired[key]
    for key in ("hnsw_config", "optimizers_config"):
        view[key] = {} if embedded else (desired[key] or {})
    view["payload_indexes"] = {} if embedded else dict(desired["payload_indexes"] or {})
    return view


def _vector_params(spec):
    return models.VectorParams(size=spec["size"], distance=models.Distance(spec["distance"]), on_disk=spec["on_disk"])


def _sparse_params(spec):
    index = models.SparseIndexParams(on_disk=spec["on_disk"]) if spec.get("on_disk") is not None else None
    modifier = models.Modifier(spec["modifier"]) if spec.get("modifier") else None
    return models.SparseVectorParams(index=index, modifier=modifier)


def create_collection(client, name, desired, embedded, timeout):
    if desired["vectors"]:
        vectors = _vector_params(desired["vectors"])
    else:
        vectors = dict((k, _vector_params(v)) for k, v in desired["named_vectors"].items())
    sparse = dict((k, _sparse_params(v)) for k, v in desired["sparse_vectors"].items()) or None
    kwargs = {}
    if not embedded:
        kwargs = dict(shard_number=desired["shard_number"], replication_factor=desired["replication_factor"],
                      write_consistency_factor=desired["write_consistency_factor"],
                      on_disk_payload=desired["on_disk_payload"], timeout=timeout)
        if desired["hnsw_config"]:
            kwargs["hnsw_config"] = models.HnswConfigDiff(**desired["hnsw_config"])
        if desired["optimizers_config"]:
            kwargs["optimizers_config"] = models.OptimizersConfigDiff(**desired["optimizers_config"])
        if desired["quantization_config"]:
            kwargs["quantization_config"] = quantization_adapter().validate_python(desired["quantization_config"])
    client.create_collection(name, vectors_config=vectors, sparse_vectors_config=sparse, **kwargs)


def update_collection(client, name, update, timeout):
    kwargs = {}
    if "vectors_config" in update:
        kwargs["vectors_config"] = dict((k, models.VectorParamsDiff(**v)) for k, v in update["vectors_config"].items())
    if "sparse_vectors_config" in update:
        kwargs["sparse_vectors_config"] = dict((k, _sparse_params(v)) for k, v in update["sparse_vectors_config"].items())
    if "collection_params" in update:
        kwargs["collection_params"] = models.CollectionParamsDiff(**update["collection_params"])
    if "hnsw_config" in update:
        kwargs["hnsw_config"] = models.HnswConfigDiff(**update["hnsw_config"])
    if "optimizers_config" in update:
        kwargs["optimizers_config"] = models.OptimizersConfigDiff(**update["optimizers_config"])
    if "quantization_config" in update:
        kwargs["quantization_config"] = quantization_adapter().validate_python(update["quantization_config"])
    client.update_collection(name, timeout=timeout, **kwargs)


def points_in(client, view):
    if view.get("points_count") is not None:
        return view["points_count"]
    return client.count(view["name"], exact=True).count


def _diffable(view):
    return dict((k, v) for k, v in view.items() if k != "status")


class Collections(QdrantModule):
    resource = "collection"
    argument_spec = dict(
        name=dict(type="str"),
        collections=dict(type="list", elements="dict"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        vectors=dict(type="dict", options=dict(
            size=dict(type="int", required=True),
            distance=dict(type="str", required=True),
            on_disk=dict(type="bool"),
        )),
        named_vectors=dict(type="dict"),
        sparse_vectors=dict(type="dict"),
        hnsw_config=dict(type="dict"),
        optimizers_config=dict(type="dict"),
        quantization_config=dict(type="dict"),
        on_disk_payload=dict(type="bool"),
        shard_number=dict(type="int"),
        replication_factor=dict(type="int"),
        write_consistency_factor=dict(type="int"),
        payload_indexes=dict(type="dict"),
        purge_payload_indexes=dict(type="bool", default=False),
        recreate=dict(type="bool", default=False),
        force=dict(type="bool", default=False),
    )
    module_kwargs = dict(
        mutually_exclusive=(QdrantModule.module_kwargs["mutually_exclusive"]
                            + [("name", "collections"), ("vectors", "named_vectors")]
                            + [("collections", option) for option in ONE_COLLECTION_ONLY]),
        required_one_of=QdrantModule.module_kwargs["required_one_of"] + [("name", "collections")],
    )

    def validate(self):
        """Every collection's options, as (options, desired state or None for absent), before connecting."""
        self.validate_connection()
        if self.params["collections"] is None:
            specs, prefixes = [dict((k, self.params.get(k)) for k in COLLECTION_OPTIONS)], [""]
        else:
            self.resource = "collections"
            specs = check_elements("collections", self.params["collections"], COLLECTION_OPTIONS,
                                   {"state": ("present", "absent")})
            for spec in specs:
                for option in LIST_DEFAULTS:
                    spec.setdefault(option, self.params[option])
            prefixes = ["collections[%d]." % index for index in range(len(specs))]  # the element's path in messages
        self.wanted = []
        for spec, where in zip(specs, prefixes):
            if spec.get("name") is None:
                raise ModuleError("%sname is required" % where)
            check_name(spec["name"], where + "name")
            if spec.get("vectors") and spec.get("named_vectors"):
                raise ModuleError("%svectors and %snamed_vectors are mutually exclusive" % (where, where))
            desired = build_desired(spec, where) if spec["state"] == "present" else None
            self.wanted.append((spec, desired))
        names = [spec["name"] for spec, _desired in self.wanted]
        check_unique("collections", names)
        self.label = ("manage", "collection %s" % names[0] if len(names) == 1 else ("collections " + ", ".join(names)).strip())

    def may_create_store(self):
        # only state present creates an embedded store that does not exist yet (see the path option)
        return any(desired is not None for _spec, desired in self.wanted)

    def run(self):
        with self.translated(*self.label):
            names = list_collection_names(self.client)
            alias_list = list_aliases(self.client)
        plans = []
        for spec, desired in self.wanted:
            with self.translated("manage", "collection %s" % spec["name"]):
                current = read_collection(self.client, spec["name"], alias_list, names)
                plans.append(self.plan(spec, desired, current))
        self.warn_ignored()
        # every refusal was raised above: nothing has been changed before all collections are planned
        for _before, _after, steps in plans:
            for verb, kind, name, call, detail in steps:
                with self.translated(verb, "%s %s" % (kind, name)):
                    self.act(verb, kind, name, call, detail)
        if self.changed and not self.check_mode:
            with self.translated("read", "the collections after the change"):
                alias_list = list_aliases(self.client)
                for index, (spec, desired) in enumerate(self.wanted):
                    if desired is not None and plans[index][2]:
                        after = read_collection(self.client, spec["name"], alias_list, [spec["name"]])
                        plans[index] = (plans[index][0], after, plans[index][2])
        befores = [_diffable(before) for before, _after, _steps in plans]
        afters = [after for _before, after, _steps in plans]
        if self.resource == "collection":
            self.diff(befores[0], _diffable(afters[0]))
            return afters[0]
        self.diff(dict((b["name"], b) for b in befores), dict((a["name"], _diffable(a)) for a in afters))
        return afters

    def plan(self, spec, desired, current):
        """(before, predicted after, steps) for one collection; steps are act() arguments, in order."""
        client, name, timeout = self.client, spec["name"], self.params["timeout"]
        self.manage("collection", name)
        steps = []
        if desired is None:
            if not current["exists"]:
                return current, current, steps
            count = points_in(client, current)
            if count and not spec["force"]:
                raise failed("delete", "collection %s" % name, "it holds %s points; set force: true to delete them" % count)
            steps.append(("delete", "collection", name, functools.partial(client.delete_collection, name, timeout=timeout),
                          None))
            return current, absent_view(name), steps

        recreate = []
        if current["exists"]:
            recreate = recreate_reasons(desired, current, self.embedded)
            if recreate and not spec["recreate"]:
                raise failed("update", "collection %s" % name, "changing %s needs a new collection; set recreate: true "
                             "to delete and create it (its points are lost)" % "; ".join(recreate))
            count = points_in(client, current) if recreate else 0
            if count and not spec["force"]:
                raise failed("recreate", "collection %s (%s)" % (name, "; ".join(recreate)),
                             "it holds %s points; set force: true to delete them" % count)

        index_create, index_delete = [], []
        if not current["exists"] or recreate:
            after = created_view(name, desired, self.embedded)
            if recreate:
                steps.append(("delete", "collection", name, functools.partial(client.delete_collection, name,
                                                                              timeout=timeout),
                              "recreate (%s)" % "; ".join(recreate)))
                after["aliases"] = current.get("aliases", [])
            steps.append(("create", "collection", name,
                          functools.partial(create_collection, client, name, desired, self.embedded, timeout), None))
            if not self.embedded:
                index_create = sorted((desired["payload_indexes"] or {}).items())
        elif self.embedded:
            after = copy.deepcopy(current)
            want = desired["vectors"]
            if want and want["on_disk"] is not None and want["on_disk"] != current["vectors"]["on_disk"]:
                self.warn("The embedded Qdrant engine cannot change vectors.on_disk of an existing collection (%s)" % name)
        else:
            update, after = plan_updates(desired, current)
            after = copy.deepcopy(after)
            index_create, index_delete = plan_indexes(desired, current, spec["purge_payload_indexes"])
            if update:
                steps.append(("update", "collection", name,
                              functools.partial(update_collection, client, name, update, timeout), ", ".join(sorted(update))))
        if not self.embedded:
            for field in sorted(desired["payload_indexes"] or {}):
                self.manage("payload_index", "%s.%s" % (name, field))
        for field in index_delete:
            steps.append(("delete", "payload_index", "%s.%s" % (name, field),
                          functools.partial(client.delete_payload_index, name, field, wait=True, timeout=timeout), None))
            after["payload_indexes"].pop(field, None)
        for field, schema in index_create:
            steps.append(("create", "payload_index", "%s.%s" % (name, field),
                          functools.partial(client.create_payload_index, name, field,
                                            field_schema=models.PayloadSchemaType(schema), wait=True, timeout=timeout),
                          schema))
            after["payload_indexes"][field] = schema
        return current, after, steps

    def warn_ignored(self):
        """One warning for the options the embedded engine does not apply, naming the collections."""
        if not self.embedded:
            return
        by_options = {}
        for spec, desired in self.wanted:
            ignored = ignored_in_embedded(desired) if desired is not None else []
            if ignored:
                by_options.setdefault(", ".join(ignored), []).append(spec["name"])
        for options, names in by_options.items():
            self.warn("The embedded Qdrant engine (path mode) does not apply %s (collection%s %s); they take effect "
                      "on a Qdrant server only, and are not reported as changes here"
                      % (options, "s" if len(names) > 1 else "", ", ".join(names)))


def main():
    Collections.main()


if __name__ == "__main__":
    main()
