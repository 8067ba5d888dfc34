"""Every Atlas and Qdrant Cloud fixture is checked against the published API definition it imitates.

The definitions are vendored excerpts (tests/unit/fixtures/definitions, each naming its source and
commit). Schemas are closed here (additionalProperties: false on every object that lists its
properties), so a field the definition lacks fails. OpenAPI's readOnly/writeOnly decide the direction:
a request may not carry a readOnly field, a response may not carry a writeOnly one (a password).
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from ansible_collections.llmtwin.deploy.plugins.module_utils import _atlas

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEFINITIONS = FIXTURES / "definitions"

# fixture -> (definition, what it is): ("op", METHOD, path, "request" | status) or ("schema", name, direction)
ATLAS = {
    "group.json": ("op", "GET", "/groups/byName/{groupName}", "200"),
    "group_not_found.json": ("schema", "ApiError", "response"),
    "flex_cluster_creating.json": ("op", "POST", "/groups/{groupId}/flexClusters", "201"),
    "flex_cluster_idle.json": ("op", "GET", "/groups/{groupId}/flexClusters/{name}", "200"),
    "flex_cluster_not_found.json": ("schema", "ApiError", "response"),
    "m0_cluster_idle.json": ("op", "GET", "/groups/{groupId}/clusters/{clusterName}", "200"),
    "database_user.json": ("op", "GET", "/groups/{groupId}/databaseUsers/{databaseName}/{username}", "200"),
    "database_user_not_found.json": ("schema", "ApiError", "response"),
    "access_list.json": ("op", "GET", "/groups/{groupId}/accessList", "200"),
    "rate_limited.json": ("schema", "ApiError", "response"),
    "unauthorized.json": ("schema", "ApiError", "response"),
    "request_create_group.json": ("op", "POST", "/groups", "request"),
    "request_create_flex_cluster.json": ("op", "POST", "/groups/{groupId}/flexClusters", "request"),
    "request_update_flex_cluster.json": ("op", "PATCH", "/groups/{groupId}/flexClusters/{name}", "request"),
    "request_create_m0_cluster.json": ("op", "POST", "/groups/{groupId}/clusters", "request"),
    "request_create_database_user.json": ("op", "POST", "/groups/{groupId}/databaseUsers", "request"),
    "request_update_database_user.json": ("op", "PATCH", "/groups/{groupId}/databaseUsers/{databaseName}/{username}",
                                          "request"),
    "request_add_access_list.json": ("op", "POST", "/groups/{groupId}/accessList", "request"),
    # /api/oauth/token is not part of the Admin API v2 definition: RFC 6749 section 5.1 is its contract.
    "oauth_token.json": ("rfc6749", None, None),
}
QDRANT_CLOUD = {
    "cloud_packages.json": "v1ListPackagesResponse",
    "cloud_clusters.json": "v1ListClustersResponse",
    "cloud_cluster_creating.json": "v1CreateClusterResponse",
    "cloud_cluster_healthy.json": "v1GetClusterResponse",
    "cloud_keys.json": "v2ListDatabaseApiKeysResponse",
    "cloud_key_created.json": "v2CreateDatabaseApiKeyResponse",
    "cloud_empty.json": "v1DeleteClusterResponse",
    "cloud_unauthenticated.json": "rpcStatus",
    "cloud_request_create_cluster.json": "ClusterServiceCreateClusterBody",
    "cloud_request_create_key.json": "DatabaseApiKeyServiceCreateDatabaseApiKeyBody",
}
RFC6749_TOKEN = {"type": "object", "required": ["access_token", "token_type"], "additionalProperties": False,
                 "properties": {"access_token": {"type": "string"}, "token_type": {"type": "string"},
                                "expires_in": {"type": "integer"}, "refresh_token": {"type": "string"},
                                "scope": {"type": "string"}}}


def load_definition(name):
    return yaml.safe_load((DEFINITIONS / name).read_text())


ATLAS_SPEC = load_definition("atlas-admin-v2.excerpt.yaml")
QDRANT_SPEC = load_definition("qdrant-cloud.excerpt.yaml")


def closed(node, ref_prefix, direction=None):
    """A copy of an OpenAPI/Swagger schema as strict JSON Schema for one direction."""
    if isinstance(node, list):
        return [closed(v, ref_prefix, direction) for v in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    if "$ref" in node:
        return {"$ref": "#/$defs/" + node["$ref"][len(ref_prefix):]}
    if node.get("format") in ("int64", "uint64") and node.get("type") in ("integer", "string"):
        # protojson writes 64-bit integers as decimal strings and reads both forms
        return {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": r"^-?[0-9]+$"}]}
    if "properties" in node:
        hidden = "readOnly" if direction == "request" else "writeOnly"
        properties = dict((k, closed(v, ref_prefix, direction)) for k, v in node["properties"].items()
                          if not (isinstance(v, dict) and v.get(hidden)))
        node["properties"] = properties
        if "required" in node:
            node["required"] = [k for k in node["required"] if k in properties]
        node.setdefault("additionalProperties", False)
    for key in ("items", "additionalProperties", "allOf", "anyOf", "oneOf"):
        if key in node and not isinstance(node[key], bool):
            node[key] = closed(node[key], ref_prefix, direction)
    if "\\p{L}\\p{N}" in node.get("pattern", ""):
        # Python's re has no \p{..}; \w is letters and digits plus "_", which these patterns allow anyway
        node["pattern"] = node["pattern"].replace("\\p{L}\\p{N}", "\\w")
    for key in ("readOnly", "writeOnly", "nullable", "discriminator", "x-xgen-version", "default", "format"):
        node.pop(key, None)
    return node


def atlas_validator(schema, direction):
    defs = dict((n, closed(s, "#/components/schemas/", direction))
                for n, s in ATLAS_SPEC["components"]["schemas"].items())
    return jsonschema.Draft202012Validator(dict(closed(schema, "#/components/schemas/", direction), **{"$defs": defs}))


def atlas_operation(method, template):
    return ATLAS_SPEC["paths"][_atlas.API_PATH + template][method.lower()]


def atlas_check(fixture, entry):
    kind = entry[0]
    if kind == "rfc6749":
        return jsonschema.Draft202012Validator(RFC6749_TOKEN)
    if kind == "schema":
        return atlas_validator({"$ref": "#/components/schemas/" + entry[1]}, entry[2])
    _kind, method, template, which = entry
    op = atlas_operation(method, template)
    content = op["requestBody"]["content"] if which == "request" else op["responses"][which]["content"]
    (media, body), = content.items()
    return atlas_validator(body["schema"], "request" if which == "request" else "response")


def qdrant_validator(name):
    defs = dict((n, closed(s, "#/definitions/")) for n, s in QDRANT_SPEC["definitions"].items())
    return jsonschema.Draft202012Validator({"$ref": "#/$defs/" + name, "$defs": defs})


def errors(validator, document):
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(root)", e.message)
            for e in validator.iter_errors(document)]


@pytest.mark.parametrize("name", sorted(ATLAS))
def test_atlas_fixture_follows_the_admin_api_v2_definition(name):
    document = json.loads((FIXTURES / "atlas" / name).read_text())
    assert errors(atlas_check(name, ATLAS[name]), document) == []


@pytest.mark.parametrize("name", sorted(QDRANT_CLOUD))
def test_qdrant_cloud_fixture_follows_the_published_protos(name):
    document = json.loads((FIXTURES / "qdrant" / name).read_text())
    assert errors(qdrant_validator(QDRANT_CLOUD[name]), document) == []


def test_every_atlas_and_qdrant_cloud_fixture_is_validated():
    assert sorted(p.name for p in (FIXTURES / "atlas").glob("*.json")) == sorted(ATLAS)
    assert sorted(p.name for p in (FIXTURES / "qdrant").glob("cloud_*.json")) == sorted(QDRANT_CLOUD)


def test_the_validator_rejects_what_the_definitions_lack():
    """The checks above can fail: an unknown field, a readOnly field in a request, a password in a
    response, a wrong enum name and a missing required field are all caught."""
    group = json.loads((FIXTURES / "atlas" / "group.json").read_text())
    assert errors(atlas_check("group.json", ATLAS["group.json"]), dict(group, bogus=1)) != []
    flex = json.loads((FIXTURES / "atlas" / "request_create_flex_cluster.json").read_text())
    assert errors(atlas_check("x", ATLAS["request_create_flex_cluster.json"]), dict(flex, stateName="IDLE")) != []
    nested = copy.deepcopy(flex)
    nested["providerSettings"]["instanceSize"] = "M0"
    assert errors(atlas_check("x", ATLAS["request_create_flex_cluster.json"]), nested) != []
    user = json.loads((FIXTURES / "atlas" / "database_user.json").read_text())
    assert errors(atlas_check("x", ATLAS["database_user.json"]), dict(user, password="leaked1234")) != []
    request = json.loads((FIXTURES / "atlas" / "request_create_database_user.json").read_text())
    request.pop("groupId")
    assert errors(atlas_check("x", ATLAS["request_create_database_user.json"]), request) != []
    packages = json.loads((FIXTURES / "qdrant" / "cloud_packages.json").read_text())
    packages["items"][0]["tier"] = "PACKAGE_TIER_FREE"
    assert errors(qdrant_validator("v1ListPackagesResponse"), packages) != []
    cluster = json.loads((FIXTURES / "qdrant" / "cloud_cluster_healthy.json").read_text())
    cluster["cluster"]["cloud_provider_id"] = "aws"  # the proto name, not the JSON name protojson writes
    assert errors(qdrant_validator("v1GetClusterResponse"), cluster) != []


def test_atlas_client_uses_the_current_version_of_every_operation():
    for (method, template), (version, _missing) in _atlas.API.items():
        op = atlas_operation(method, template)
        bodies = list(op.get("requestBody", {}).get("content", {})) + [
            media for response in op["responses"].values() for media in response.get("content", {})]
        assert bodies and set(bodies) == {"application/vnd.atlas.%s+json" % version}, (method, template, bodies)
