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
  - With O(database_api_key_name), creates a database API key of that name for the cluster when none
    exists. Qdrant Cloud shows a key only once, so the key is returned only by the run that creates
    it (store it, for example with ansible-vault); later runs return the key's id and name only.
  - This module cannot run against the local stack. It was tested against recorded Qdrant Cloud API
    responses that follow Qdrant's published API definitions (qdrant-cloud-public-api), not against
    the real service.
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
    description: On creation without O(package_id), pick the provider region's free package.
    type: bool
    default: false
  number_of_nodes:
    description: Nodes of the cluster. Used on creation only.
    type: int
    default: 1
  database_api_key_name:
    description: Create a database API key with this name for the cluster if none exists.
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
  description: The database API key (id, name; C(key) only on the run that created it). Secret.
  returned: when database_api_key_name is set
  type: dict
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
HEALTHY = "CLUSTER_PHASE_HEALTHY"


def validate(params):
    if not UUID.match(params["account_id"] or ""):
        raise QdrantCloudError("account_id must be a UUID, got %r" % params["account_id"])
    if not NAME.match(params["name"]):
        raise QdrantCloudError("name must be 2-64 letters, digits, '-' or '_', got %r" % params["name"])
    if params["package_id"] and not UUID.match(params["package_id"]):
        raise QdrantCloudError("package_id must be a UUID, got %r" % params["package_id"])
    if params["number_of_nodes"] < 1:
        raise QdrantCloudError("number_of_nodes must be at least 1, got %s" % params["number_of_nodes"])


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
    items = client.call("GET", PACKAGES, query={"cloud_provider_id": params["cloud_provider"],
                                                "cloud_provider_region_id": params["cloud_region"]},
                        action="list packages").get("items") or []
    for item in items:
        if "free" in str(item.get("name", "")).lower() or "FREE" in str(item.get("tier", "")).upper():
            return item["id"]
    raise QdrantCloudError("Failed to find a free package in %s %s; set package_id"
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
    name = module.params["database_api_key_name"]
    items = client.call("GET", KEYS, query={"cluster_id": cluster_id}, action="list database API keys").get("items") or []
    existing = next((k for k in items if k.get("name") == name), None)
    if existing:
        return False, {"id": existing.get("id"), "name": name, "key": None}
    if module.check_mode:
        return True, {"id": None, "name": name, "key": None}
    body = {"database_api_key": {"account_id": module.params["account_id"], "cluster_id": cluster_id, "name": name}}
    created = client.call("POST", KEYS, body=body, action="create database API key %s" % name).get("database_api_key") or {}
    return True, {"id": created.get("id"), "name": name, "key": created.get("key")}


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
                result["database_api_key"] = {"id": None, "name": params["database_api_key_name"], "key": None}
            return result
        package = params["package_id"] or (free_package(client, params) if params["free_tier"] else None)
        if not package:
            raise QdrantCloudError("Failed to create cluster %s: set package_id or free_tier: true" % params["name"])
        body = {"cluster": {"account_id": params["account_id"], "name": params["name"],
                            "cloud_provider_id": params["cloud_provider"],
                            "cloud_provider_region_id": params["cloud_region"],
                            "configuration": {"number_of_nodes": params["number_of_nodes"], "package_id": package}}}
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
