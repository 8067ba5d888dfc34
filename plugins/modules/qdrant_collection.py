#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: qdrant_collection
short_description: Create, update, recreate or delete a Qdrant collection
version_added: 0.1.0
description:
  - Makes a Qdrant collection match the declared vectors, sparse vectors, index and storage settings,
    and its payload indexes.
  - Settings Qdrant can change in place (vector O(vectors.on_disk), sparse vector parameters, HNSW,
    optimizer and quantization settings, O(on_disk_payload), O(replication_factor),
    O(write_consistency_factor)) are updated in place. Payload indexes are created, replaced when
    their type differs, and removed only with O(purge_payload_indexes=true).
  - A change that needs a new collection (vector size or distance, the set of named or sparse
    vectors, O(shard_number)) fails with a message saying so, unless O(recreate=true). Recreating or
    deleting a collection that holds points also needs O(force=true).
  - Works against a Qdrant server or Qdrant Cloud (O(url)) and against qdrant-client's embedded
    engine (O(path)). See O(path) for what the embedded engine does not apply.
author: LLM Twin deploy team (@llmtwin)
options:
  name:
    description: Name of the collection. An alias of that name is not taken for the collection.
    type: str
    required: true
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
  returned: always
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
actions:
  description: What the task did or would do, in order.
  returned: always
  type: list
  elements: str
  sample: ["create collection embedded_posts", "create payload index author_id (keyword)"]
"""

import copy

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.llmtwin.deploy.plugins.module_utils._qdrant import (
    QDRANT_MUTUALLY_EXCLUSIVE, QDRANT_REQUIRED_ONE_OF, SERVER_ONLY_OPTIONS, QdrantModuleError, absent_view,
    check_sdk, describe_error, is_embedded, name_error, open_client, qdrant_argument_spec, quantization_adapter,
    read_collection, sdk_errors, validate_model, validate_payload_indexes, validate_sparse, validate_vector,
)

try:
    from qdrant_client import models
except ImportError:
    pass  # check_sdk() reports the missing library


def build_desired(params):
    """Module params -> validated plain desired state; raises QdrantModuleError naming the option."""
    desired = {
        "vectors": validate_vector(params["vectors"], "vectors") if params.get("vectors") else None,
        "named_vectors": {},
        "sparse_vectors": {},
        "payload_indexes": None,
    }
    named = params.get("named_vectors") or {}
    if not isinstance(named, dict):
        raise QdrantModuleError("named_vectors must be a dict of vector name to {size, distance}")
    for vname in sorted(named):
        desired["named_vectors"][vname] = validate_vector(named[vname], "named_vectors.%s" % vname)
    for sname in sorted(params.get("sparse_vectors") or {}):
        desired["sparse_vectors"][sname] = validate_sparse(params["sparse_vectors"][sname], "sparse_vectors.%s" % sname)
    if params.get("payload_indexes") is not None:
        desired["payload_indexes"] = validate_payload_indexes(params["payload_indexes"])
    for option in ("shard_number", "replication_factor", "write_consistency_factor"):
        value = params.get(option)
        if value is not None and value < 1:
            raise QdrantModuleError("%s must be at least 1, got %s" % (option, value))
        desired[option] = value
    desired["on_disk_payload"] = params.get("on_disk_payload")
    desired["hnsw_config"] = validate_model("hnsw_config", params.get("hnsw_config"), models.HnswConfigDiff)
    desired["optimizers_config"] = validate_model("optimizers_config", params.get("optimizers_config"),
                                                  models.OptimizersConfigDiff)
    desired["quantization_config"] = validate_model("quantization_config", params.get("quantization_config"),
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


def run(module, client):
    params = module.params
    name = params["name"]
    embedded = is_embedded(module)
    timeout = params["timeout"]
    actions = []
    current = read_collection(client, name)

    if params["state"] == "absent":
        if not current["exists"]:
            return False, current, current, actions
        count = points_in(client, current)
        if count and not params["force"]:
            raise QdrantModuleError("Failed to delete collection %s: it holds %s points; set force: true to delete "
                                    "them" % (name, count))
        actions.append("delete collection %s" % name)
        if not module.check_mode:
            client.delete_collection(name, timeout=timeout)
        return True, current, absent_view(name), actions

    desired = build_desired(params)
    if embedded:
        ignored = ignored_in_embedded(desired)
        if ignored:
            module.warn("The embedded Qdrant engine (path mode) does not apply %s; they take effect on a Qdrant "
                        "server only, and are not reported as changes here" % ", ".join(ignored))

    recreate = False
    if current["exists"]:
        reasons = recreate_reasons(desired, current, embedded)
        if reasons:
            if not params["recreate"]:
                raise QdrantModuleError("Failed to update collection %s: changing %s needs a new collection; set "
                                        "recreate: true to delete and create it (its points are lost)"
                                        % (name, "; ".join(reasons)))
            count = points_in(client, current)
            if count and not params["force"]:
                raise QdrantModuleError("Failed to recreate collection %s (%s): it holds %s points; set force: true "
                                        "to delete them" % (name, "; ".join(reasons), count))
            recreate = True

    if not current["exists"] or recreate:
        after = created_view(name, desired, embedded)
        actions.append(("recreate collection %s" if recreate else "create collection %s") % name)
        index_create, index_delete = ([] if embedded else sorted((desired["payload_indexes"] or {}).items())), []
        update = {}
    elif embedded:
        update, after = {}, current
        index_create, index_delete = [], []
        want = desired["vectors"]
        if want and want["on_disk"] is not None and want["on_disk"] != current["vectors"]["on_disk"]:
            module.warn("The embedded Qdrant engine cannot change vectors.on_disk of an existing collection")
    else:
        update, after = plan_updates(desired, current)
        index_create, index_delete = plan_indexes(desired, current, params["purge_payload_indexes"])
        if update:
            actions.append("update collection %s: %s" % (name, ", ".join(sorted(update))))
    after = copy.deepcopy(after)
    for field in index_delete:
        actions.append("delete payload index %s" % field)
        after["payload_indexes"].pop(field, None)
    for field, schema in index_create:
        actions.append("create payload index %s (%s)" % (field, schema))
        after["payload_indexes"][field] = schema
    if recreate:
        after["aliases"] = current.get("aliases", [])

    if actions and not module.check_mode:
        if recreate:
            client.delete_collection(name, timeout=timeout)
        if not current["exists"] or recreate:
            create_collection(client, name, desired, embedded, timeout)
        elif update:
            update_collection(client, name, update, timeout)
        for field in index_delete:
            client.delete_payload_index(name, field, wait=True, timeout=timeout)
        for field, schema in index_create:
            client.create_payload_index(name, field, field_schema=models.PayloadSchemaType(schema), wait=True,
                                        timeout=timeout)
        after = read_collection(client, name)
    return bool(actions), current, after, actions


def main():
    argument_spec = qdrant_argument_spec()
    argument_spec.update(
        name=dict(type="str", required=True),
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
    module = AnsibleModule(
        argument_spec=argument_spec,
        mutually_exclusive=QDRANT_MUTUALLY_EXCLUSIVE + [("vectors", "named_vectors")],
        required_one_of=QDRANT_REQUIRED_ONE_OF,
        supports_check_mode=True,
    )
    check_sdk(module)
    try:
        error = name_error(module.params["name"], "name")
        if error:
            raise QdrantModuleError(error)
        if module.params["state"] == "present":
            build_desired(module.params)  # bad input fails here, before any connection
    except QdrantModuleError as exc:
        module.fail_json(msg=str(exc))

    try:
        # only state present creates an embedded store that does not exist yet (see the path option)
        with open_client(module, may_be_new=module.params["state"] == "present") as client:
            changed, before, after, actions = run(module, client)
    except QdrantModuleError as exc:
        module.fail_json(msg=describe_error(exc, module.params.get("api_key")))
    except sdk_errors() as exc:
        module.fail_json(msg="Failed to manage collection %s: %s"
                         % (module.params["name"], describe_error(exc, module.params.get("api_key"))))
    result = dict(changed=changed, collection=after, actions=actions)
    if module._diff:
        result["diff"] = dict(before=_diffable(before), after=_diffable(after))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
