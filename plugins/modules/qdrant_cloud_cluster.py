#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: qdrant_cloud_cluster
short_description: Create or delete a Qdrant Cloud cluster and its database API key
version_added: 0.1.0
description:
  - Uses the Qdrant Cloud API (REST gateway, authenticated with a management key) to find the
    cluster by O(name), create it when missing, wait until its phase is healthy, and return its URL.
  - With O(database_api_key_name), makes sure the caller holds a working database API key of the
    cluster. Qdrant Cloud shows a key only once, at creation, so the caller passes the key it kept from
    an earlier run in O(database_api_key). When that key is one of the cluster's keys (its last
    characters equal the key's C(postfix)) nothing changes (C(action=kept)). Otherwise a new key named
    O(database_api_key_name) is created and returned once, and the keys of that name nobody can use any
    more are revoked (C(action=created) or C(action=replaced)). Store the new key at once (the qdrant
    role writes it to the application's ZenML C(settings) secret) so the next run keeps it.
  - With O(free_tier=true) and no O(package_id), the package is the region's package whose C(type) is
    C(free) (the booking API's Package message; tiers are only standard or premium).
  - This module cannot run against the local stack. It is unit-tested against hand-written fixtures
    that a test validates against the published definitions (qdrant-cloud-public-api), not against the
    real service.
author: LLM Twin deploy team (@llmtwin)
options:
  api_url:
    description: Base URL of the Qdrant Cloud API.
    type: str
    default: https://api.cloud.qdrant.io
  management_key:
    description: A Qdrant Cloud management key (not a database key). Falls back to E(QDRANT_CLOUD_MANAGEMENT_KEY).
    type: str
    required: true
  account_id:
    description: The Qdrant Cloud account id (UUID).
    type: str
    required: true
  timeout:
    description: Seconds each API request may take.
    type: int
    default: 30
  name:
    description: Cluster name (letters, digits, C(-) and C(_), 2 to 64 characters).
    type: str
    required: true
  state:
    description: Whether the cluster should exist.
    type: str
    choices: [present, absent]
    default: present
  cloud_provider:
    description: Cloud provider id (C(aws), C(gcp), C(azure)). Used on creation only.
    type: str
    default: aws
  cloud_region:
    description: Region id of the provider, for example C(eu-central-1). Used on creation only.
    type: str
    default: eu-central-1
  package_id:
    description: The resource package (UUID). Required on creation unless O(free_tier=true).
    type: str
  free_tier:
    description: On creation without O(package_id), pick the provider region's package of C(type) C(free).
    type: bool
    default: false
  number_of_nodes:
    description: Nodes of the cluster. Used on creation only.
    type: int
    default: 1
  database_api_key_name:
    description:
      - Name of the cluster's database API key (4 to 128 letters, digits, spaces, C(_) or C(-)); see
        O(database_api_key) for when a key is created.
    type: str
  database_api_key:
    description:
      - The database API key kept from an earlier run (for example read back from the ZenML C(settings)
        secret). Never logged or returned. Without it, or when it is not one of the cluster's keys, a new
        key is created and the unusable keys named O(database_api_key_name) are revoked.
    type: str
  wait:
    description: Wait until the cluster is healthy.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the cluster to become healthy.
    type: int
    default: 900
  force:
    description: Required to delete a cluster (its data goes with it).
    type: bool
    default: false
extends_documentation_fragment:
  - llmtwin.deploy.qdrant_cloud
"""

EXAMPLES = r"""
- name: A free Qdrant Cloud cluster for the LLM Twin, with an application key
  llmtwin.deploy.qdrant_cloud_cluster:
    management_key: "{{ lookup('env', 'QDRANT_CLOUD_MANAGEMENT_KEY') }}"
    account_id: "{{ qdrant_cloud_account_id }}"
    name: llm-twin
    cloud_provider: aws
    cloud_region: eu-central-1
    free_tier: true
    database_api_key_name: llm-twin-app
    database_api_key: "{{ kept_key | default(omit) }}"
  register: cluster
  no_log: true
"""

RETURN = r"""
cluster:
  description: The cluster (snake_case fields of the API's Cluster message), plus C(url) with the REST port.
  returned: always
  type: dict
  sample: {id: 3e1c..., name: llm-twin, exists: true, phase: CLUSTER_PHASE_HEALTHY,
           url: "https://3e1c....eu-central-1-0.aws.cloud.qdrant.io:6333"}
database_api_key:
  description:
    - The database API key. C(key) is set only on the run that created it (secret, use no_log).
    - C(action) is V(kept) (the given key is the cluster's), V(created) (there was none of that name)
      or V(replaced) (a new key was created and the unusable ones, C(revoked), deleted).
  returned: when database_api_key_name is set
  type: dict
  sample: {id: 8f0c..., name: llm-twin-app, key: null, action: kept, revoked: []}
"""

import re
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.llmtwin.deploy.plugins.module_utils._qdrant_cloud import (
    UUID, CloudClient, QdrantCloudError, cloud_argument_spec,
)

NAME = re.compile(r"^[a-zA-Z0-9_-]{2,64}$")
CLUSTERS = "/api/cluster/v1/accounts/%(account)s/clusters"
KEYS = "/api/cluster/auth/v2/accounts/%(account)s/database-api-keys"
PACKAGES = "/api/booking/v1/accounts/%(account)s/packages"
KEY_NAME = re.compile(r"^[\w\s-]{4,128}$")  # DatabaseApiKey.name in database_api_key.proto (v2)
HEALTHY = "CLUSTER_PHASE_HEALTHY"


def validate(params):
    if not UUID.match(params["account_id"] or ""):
        raise QdrantCloudError("account_id must be a UUID, got %r" % params["account_id"])
    if not NAME.match(params["name"]):
        raise QdrantCloudError("name must be 2-64 letters, digits, '-' or '_', got %r" % params["name"])
    if params["package_id"] and not UUID.match(params["package_id"]):
        raise QdrantCloudError("package_id must be a UUID, got %r" % params["package_id"])
    if params["database_api_key_name"] is not None and not KEY_NAME.match(params["database_api_key_name"]):
        raise QdrantCloudError("database_api_key_name must be 4-128 letters, digits, spaces, '_' or '-', got %r"
                               % params["database_api_key_name"])
    if params["number_of_nodes"] < 1:
        raise QdrantCloudError("number_of_nodes must be at least 1, got %s" % params["number_of_nodes"])
    for option in ("timeout", "wait_timeout"):
        if params[option] <= 0:
            raise QdrantCloudError("%s must be a positive number of seconds, got %s" % (option, params[option]))


def cluster_view(cluster):
    if not cluster:
        return {"exists": False}
    state = cluster.get("state") or {}
    endpoint = state.get("endpoint") or {}
    url = endpoint.get("url")
    if url and endpoint.get("rest_port"):
        url = "%s:%s" % (url.rstrip("/"), endpoint["rest_port"])
    view = dict(cluster, exists=True, phase=state.get("phase"), url=url)
    return view


def find_cluster(client, name):
    items = client.call("GET", CLUSTERS, action="list clusters").get("items") or []
    return next((c for c in items if c.get("name") == name and not c.get("deleted_at")), None)


def free_package(client, params):
    items = client.call("GET", PACKAGES, query={"cloudProviderId": params["cloud_provider"],
                                                "cloudProviderRegionId": params["cloud_region"]},
                        action="list packages").get("items") or []
    for item in items:
        # Package.type is "free" or "paid"; a deactivated package cannot be booked
        if item.get("type") == "free" and item.get("status", "PACKAGE_STATUS_ACTIVE") == "PACKAGE_STATUS_ACTIVE":
            return item["id"]
    raise QdrantCloudError("Failed to find a free package in %s %s (none of type free); set package_id"
                           % (params["cloud_provider"], params["cloud_region"]))


def wait_healthy(client, cluster_id, timeout, sleep=time.sleep):
    deadline = time.monotonic() + timeout
    delay = 2
    while True:
        cluster = client.call("GET", CLUSTERS + "/" + cluster_id, action="read cluster").get("cluster") or {}
        phase = (cluster.get("state") or {}).get("phase")
        if phase == HEALTHY:
            return cluster
        if phase and "FAILED" in phase:
            raise QdrantCloudError("Failed to create cluster %s: phase %s (%s)"
                                   % (cluster.get("name"), phase, (cluster.get("state") or {}).get("reason", "")))
        if time.monotonic() + delay > deadline:
            raise QdrantCloudError("Failed to wait for cluster %s: still %s after %s s (wait_timeout)"
                                   % (cluster.get("name"), phase, timeout))
        sleep(delay)
        delay = min(delay * 2, 30)


def ensure_key(client, module, cluster_id):
    """(changed, key view): keep the caller's key when it is the cluster's, else create one and revoke
    the keys of that name that nobody holds (Qdrant Cloud never shows a key again)."""
    name, held = module.params["database_api_key_name"], module.params["database_api_key"]
    items = client.call("GET", KEYS, query={"clusterId": cluster_id}, action="list database API keys").get("items") or []
    if held:
        mine = next((k for k in items if k.get("postfix") and held.endswith(k["postfix"])), None)
        if mine:
            return False, {"id": mine.get("id"), "name": mine.get("name"), "key": None, "action": "kept", "revoked": []}
    stale = [k.get("id") for k in items if k.get("name") == name]
    view = {"id": None, "name": name, "key": None, "action": "replaced" if stale else "created", "revoked": stale}
    if module.check_mode:
        return True, view
    body = {"databaseApiKey": {"clusterId": cluster_id, "name": name}}
    created = client.call("POST", KEYS, body=body, action="create database API key %s" % name).get("database_api_key") or {}
    view.update(id=created.get("id"), key=created.get("key"))
    for key_id in stale:
        client.call("DELETE", KEYS + "/" + key_id, query={"clusterId": cluster_id},
                    action="revoke the unusable database API key %s (%s)" % (name, key_id))
    return True, view


def run(module):
    params = module.params
    client = CloudClient(module)
    cluster = find_cluster(client, params["name"])
    result = {"changed": False}
    if params["state"] == "absent":
        if cluster:
            if not params["force"]:
                raise QdrantCloudError("Failed to delete cluster %s: its data is deleted with it; set force: true"
                                       % params["name"])
            result["changed"] = True
            if not module.check_mode:
                client.call("DELETE", CLUSTERS + "/" + cluster["id"], action="delete cluster %s" % params["name"])
        result["cluster"] = {"exists": False, "name": params["name"]}
        return result
    if cluster is None:
        result["changed"] = True
        if module.check_mode:
            result["cluster"] = {"exists": True, "name": params["name"], "url": None}
            if params["database_api_key_name"]:
                result["database_api_key"] = {"id": None, "name": params["database_api_key_name"], "key": None,
                                              "action": "created", "revoked": []}
            return result
        package = params["package_id"] or (free_package(client, params) if params["free_tier"] else None)
        if not package:
            raise QdrantCloudError("Failed to create cluster %s: set package_id or free_tier: true" % params["name"])
        # protojson field names; the account id is a path parameter, not part of the body
        body = {"cluster": {"name": params["name"], "cloudProviderId": params["cloud_provider"],
                            "cloudProviderRegionId": params["cloud_region"],
                            "configuration": {"numberOfNodes": params["number_of_nodes"], "packageId": package}}}
        cluster = client.call("POST", CLUSTERS, body=body, action="create cluster %s" % params["name"]).get("cluster")
    if params["wait"] and (cluster.get("state") or {}).get("phase") != HEALTHY:
        cluster = wait_healthy(client, cluster["id"], params["wait_timeout"])
    result["cluster"] = cluster_view(cluster)
    if params["database_api_key_name"]:
        key_changed, result["database_api_key"] = ensure_key(client, module, cluster["id"])
        result["changed"] = result["changed"] or key_changed
    return result


def main():
    argument_spec = cloud_argument_spec()
    argument_spec.update(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        cloud_provider=dict(type="str", default="aws"),
        cloud_region=dict(type="str", default="eu-central-1"),
        package_id=dict(type="str"),
        free_tier=dict(type="bool", default=False),
        number_of_nodes=dict(type="int", default=1),
        database_api_key_name=dict(type="str", no_log=False),
        database_api_key=dict(type="str", no_log=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=900),
        force=dict(type="bool", default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        validate(module.params)
        result = run(module)
    except QdrantCloudError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
