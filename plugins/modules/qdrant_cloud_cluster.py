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
  - llmtwin.deploy.actions
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
actions:
  description:
    - What the task did, or in check mode would do, one entry per change, in the order made.
    - "Each entry reads C(<verb> <kind> <name>) or C(<verb> <kind> <name>: <detail>), verb one of
      C(create), C(update), C(delete). Empty when nothing changed."
    - Also returned when the task fails, listing only what was really done before the failure.
  returned: always
  type: list
  elements: str
  sample: ["create cluster llm-twin: aws eu-central-1, 1 node(s)", "create database_api_key llm-twin-app"]
resources:
  description:
    - Every resource the task reconciled, changed or not, one C(<kind> <name>) entry each.
  returned: always
  type: list
  elements: str
  sample: ["cluster llm-twin", "database_api_key llm-twin-app"]
"""

import re

from ansible_collections.llmtwin.deploy.plugins.module_utils import _http
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError, ResourceModule, failed
from ansible_collections.llmtwin.deploy.plugins.module_utils._qdrant_cloud import (
    UUID, CloudClient, check_connection, cloud_argument_spec,
)

NAME = re.compile(r"^[a-zA-Z0-9_-]{2,64}$")
CLUSTERS = "/api/cluster/v1/accounts/%(account)s/clusters"
KEYS = "/api/cluster/auth/v2/accounts/%(account)s/database-api-keys"
PACKAGES = "/api/booking/v1/accounts/%(account)s/packages"
KEY_NAME = re.compile(r"^[\w\s-]{4,128}$")  # DatabaseApiKey.name in database_api_key.proto (v2)
HEALTHY = "CLUSTER_PHASE_HEALTHY"


def cluster_view(cluster):
    if not cluster:
        return {"exists": False}
    state = cluster.get("state") or {}
    endpoint = state.get("endpoint") or {}
    url = endpoint.get("url")
    if url and endpoint.get("rest_port"):
        url = "%s:%s" % (url.rstrip("/"), endpoint["rest_port"])
    return dict(cluster, exists=True, phase=state.get("phase"), url=url)


class QdrantCloudCluster(ResourceModule):
    resource = "cluster"
    backend_spec = staticmethod(cloud_argument_spec)
    argument_spec = dict(
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

    def validate(self):
        p = self.params
        check_connection(p)
        if not NAME.match(p["name"]):
            raise ModuleError("name must be 2-64 letters, digits, '-' or '_', got %r" % p["name"])
        if p["package_id"] and not UUID.match(p["package_id"]):
            raise ModuleError("package_id must be a UUID, got %r" % p["package_id"])
        if p["database_api_key_name"] is not None and not KEY_NAME.match(p["database_api_key_name"]):
            raise ModuleError("database_api_key_name must be 4-128 letters, digits, spaces, '_' or '-', got %r"
                              % p["database_api_key_name"])
        if p["number_of_nodes"] < 1:
            raise ModuleError("number_of_nodes must be at least 1, got %s" % p["number_of_nodes"])
        if p["wait_timeout"] <= 0:
            raise ModuleError("wait_timeout must be a positive number of seconds, got %s" % p["wait_timeout"])

    def connect(self):
        self.client = CloudClient(self.params)

    def find_cluster(self):
        items = self.client.call("GET", CLUSTERS, "list", "clusters").get("items") or []
        return next((c for c in items if c.get("name") == self.params["name"] and not c.get("deleted_at")), None)

    def free_package(self):
        p = self.params
        where = "%s %s" % (p["cloud_provider"], p["cloud_region"])
        items = self.client.call("GET", PACKAGES, "list", "packages of %s" % where,
                                 query={"cloudProviderId": p["cloud_provider"],
                                        "cloudProviderRegionId": p["cloud_region"]}).get("items") or []
        for item in items:
            # Package.type is "free" or "paid"; a deactivated package cannot be booked
            if item.get("type") == "free" and item.get("status", "PACKAGE_STATUS_ACTIVE") == "PACKAGE_STATUS_ACTIVE":
                return item["id"]
        raise failed("find", "a free package in %s" % where, "none of type free; set package_id")

    def create_cluster(self):
        p = self.params
        package = p["package_id"] or (self.free_package() if p["free_tier"] else None)
        if not package:
            raise failed("create", "cluster %s" % p["name"], "set package_id or free_tier: true")
        # protojson field names; the account id is a path parameter, not part of the body
        body = {"cluster": {"name": p["name"], "cloudProviderId": p["cloud_provider"],
                            "cloudProviderRegionId": p["cloud_region"],
                            "configuration": {"numberOfNodes": p["number_of_nodes"], "packageId": package}}}
        return self.client.call("POST", CLUSTERS, "create", "cluster %s" % p["name"], body=body).get("cluster")

    def wait_healthy(self, cluster):
        """The cluster once its phase is healthy; a failed phase or wait_timeout is an error."""
        resource = "cluster %s" % self.params["name"]

        def read():
            return self.client.call("GET", CLUSTERS + "/" + cluster["id"], "read", resource).get("cluster") or {}

        def healthy(current):
            state = current.get("state") or {}
            if "FAILED" in (state.get("phase") or ""):
                raise failed("create", resource, "phase %s (%s)" % (state["phase"], state.get("reason", "")))
            return state.get("phase") == HEALTHY

        cluster, done = _http.wait_until(read, healthy, self.params["wait_timeout"], delay=2, max_delay=30)
        if not done:
            raise failed("wait for", resource, "still %s after %s s (wait_timeout)" % (
                (cluster.get("state") or {}).get("phase"), self.params["wait_timeout"]))
        return cluster

    def ensure_key(self, cluster_id):
        """Keep the caller's key when it is the cluster's, else create one and revoke the keys of that name
        that nobody holds (Qdrant Cloud never shows a key again). Returns the key's view."""
        name, held = self.params["database_api_key_name"], self.params["database_api_key"]
        resource = "database API key %s" % name
        self.manage("database_api_key", name)
        items = []
        if cluster_id:
            items = self.client.call("GET", KEYS, "list", "database API keys of cluster %s" % self.params["name"],
                                     query={"clusterId": cluster_id}).get("items") or []
        if held:
            mine = next((k for k in items if k.get("postfix") and held.endswith(k["postfix"])), None)
            if mine:
                return {"id": mine.get("id"), "name": mine.get("name"), "key": None, "action": "kept", "revoked": []}
        stale = [k.get("id") for k in items if k.get("name") == name]
        view = {"id": None, "name": name, "key": None, "action": "replaced" if stale else "created", "revoked": stale}
        body = {"databaseApiKey": {"clusterId": cluster_id, "name": name}}
        created = self.act("create", "database_api_key", name, lambda: self.client.call(
            "POST", KEYS, "create", resource, body=body).get("database_api_key") or {})
        if created:
            view.update(id=created.get("id"), key=created.get("key"))
        # the new key is in view already: a failed revocation below must not lose it
        self.returns["database_api_key"] = view
        for key_id in stale:
            self.act("delete", "database_api_key", name, lambda key_id=key_id: self.client.call(
                "DELETE", KEYS + "/" + key_id, "revoke", "the unusable %s (%s)" % (resource, key_id),
                query={"clusterId": cluster_id}), detail="unusable key %s" % key_id)
        return view

    def run(self):
        p = self.params
        name = p["name"]
        self.manage("cluster", name)
        cluster = self.find_cluster()
        if p["state"] == "absent":
            if cluster:
                if not p["force"]:
                    raise failed("delete", "cluster %s" % name, "its data is deleted with it; set force: true")
                self.act("delete", "cluster", name, lambda: self.client.call(
                    "DELETE", CLUSTERS + "/" + cluster["id"], "delete", "cluster %s" % name))
            return {"exists": False, "name": name}
        if cluster is None:
            cluster = self.act("create", "cluster", name, self.create_cluster, detail="%s %s, %s node(s)" % (
                p["cloud_provider"], p["cloud_region"], p["number_of_nodes"]))
            if cluster is None:  # check mode: nothing to read or wait for
                if p["database_api_key_name"]:
                    self.returns["database_api_key"] = self.ensure_key(None)
                return {"exists": True, "name": name, "url": None}
        if p["wait"] and (cluster.get("state") or {}).get("phase") != HEALTHY:
            cluster = self.wait_healthy(cluster)
        if p["database_api_key_name"]:
            self.returns["database_api_key"] = self.ensure_key(cluster["id"])
        return cluster_view(cluster)


def main():
    QdrantCloudCluster.main()


if __name__ == "__main__":
    main()
