#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: mongodb_atlas_cluster
short_description: A MongoDB Atlas Flex or M0 (free) cluster, with its project
version_added: 1.0.0
description:
  - Ensures an Atlas cluster exists through the Atlas Admin API v2 (C(/api/atlas/v2)), in a project found
    by O(project_id) or O(project_name). A project that does not exist is created when O(org_id) is set.
  - O(tier=FLEX) manages a Flex cluster (C(/groups/{groupId}/flexClusters), API version 2024-11-13);
    O(tier=M0) a free cluster (C(/groups/{groupId}/clusters), read with version 2024-08-05, created and
    updated with 2024-10-23, deleted with 2023-02-01, the current versions in the Admin API v2 spec).
    Serverless instances are retired by Atlas and not supported.
  - Waits until the cluster's C(stateName) is C(IDLE) (or, when removing it, until it is gone), up to
    O(wait_timeout) seconds, and returns the SRV connection string. Connection strings returned by Atlas
    never contain credentials; database users are managed by M(llmtwin.deploy.mongodb_atlas_database_user).
  - The cloud region and provider of an existing cluster cannot be changed in place; a difference is
    reported as an error. Termination protection is updated in place.
  - B(Not exercised against Atlas by this collection's tests.) Atlas cannot run locally, so this module
    is unit-tested against hand-written fixtures that a test validates against an excerpt of the published
    Admin API v2 OpenAPI definition (requests and responses).
author: LLM Twin deploy team (@llmtwin)
extends_documentation_fragment:
  - llmtwin.deploy.atlas
  - llmtwin.deploy.actions
attributes:
  check_mode:
    description: Reads the project and cluster and reports what would change; creates nothing.
    support: full
  diff_mode:
    description: Returns the cluster's settings before and after (in diff mode only).
    support: full
  idempotent:
    description: A second run with the same options reports no change.
    support: full
options:
  project_id:
    description: The project (group) ID. Mutually exclusive with O(project_name).
    type: str
  project_name:
    description: The project name, looked up with C(GET /groups/byName/{groupName}).
    type: str
  org_id:
    description: The organization in which a missing O(project_name) is created. Without it a missing project is an error.
    type: str
  name:
    description: The cluster name.
    type: str
    required: true
  tier:
    description: V(FLEX) for a Flex cluster, V(M0) for the free tier.
    type: str
    choices: [FLEX, M0]
    default: FLEX
  backing_provider:
    description: The cloud provider that hosts the cluster.
    type: str
    choices: [AWS, GCP, AZURE]
    default: AWS
  region:
    description: The Atlas region name, for example V(US_EAST_1).
    type: str
    default: US_EAST_1
  termination_protection:
    description: Whether Atlas refuses to delete the cluster.
    type: bool
    default: false
  state:
    description: Whether the cluster should exist. Deleting a cluster deletes its data.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description: Wait until the cluster is IDLE (or gone, for O(state=absent)).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait; when they pass the module fails, naming the cluster's last state.
    type: int
    default: 900
"""

EXAMPLES = r"""
- name: A Flex cluster for the LLM Twin
  llmtwin.deploy.mongodb_atlas_cluster:
    public_key: "{{ atlas_public_key }}"
    private_key: "{{ atlas_private_key }}"
    org_id: 5f1b2c3d4e5f6a7b8c9d0e1f
    project_name: llm-twin
    name: twin
    tier: FLEX
    region: US_EAST_1
  register: atlas

- name: The free tier, with a service account
  llmtwin.deploy.mongodb_atlas_cluster:
    client_id: "{{ atlas_client_id }}"
    client_secret: "{{ atlas_client_secret }}"
    project_id: 65a1b2c3d4e5f6a7b8c9d0e1
    name: twin-free
    tier: M0
"""

RETURN = r"""
project:
  description: The project the cluster is in (in check mode, a project about to be created has no id).
  returned: always
  type: dict
  contains:
    id:
      description: The project (group) ID.
      type: str
      sample: 65a1b2c3d4e5f6a7b8c9d0e1
    name:
      description: The project name.
      type: str
      sample: llm-twin
    org_id:
      description: The organization ID.
      type: str
cluster:
  description: The cluster after the task (in check mode, as it would be).
  returned: always
  type: dict
  contains:
    name:
      description: The cluster name.
      type: str
      sample: twin
    id:
      description: The cluster ID.
      type: str
    exists:
      description: Whether the cluster exists.
      type: bool
    tier:
      description: FLEX or M0.
      type: str
    state_name:
      description: The Atlas state (IDLE, CREATING, UPDATING, DELETING, REPAIRING).
      type: str
      sample: IDLE
    connection_string_srv:
      description: The SRV connection string, without credentials.
      type: str
      sample: mongodb+srv://twin.abcde.mongodb.net
    mongodb_version:
      description: The MongoDB version.
      type: str
    backing_provider:
      description: The cloud provider.
      type: str
    region:
      description: The region name.
      type: str
    termination_protection:
      description: Whether termination protection is on.
      type: bool
actions:
  description:
    - What the task did, or in check mode would do, one entry per change, in the order made.
    - "Each entry reads C(<verb> <kind> <name>) or C(<verb> <kind> <name>: <detail>), verb one of
      C(create), C(update), C(delete). Empty when nothing changed."
    - Also returned when the task fails, listing only what was really done before the failure.
  returned: always
  type: list
  elements: str
  sample: ["create project llm-twin", "create cluster twin: FLEX, AWS US_EAST_1"]
resources:
  description:
    - Every resource the task reconciled, changed or not, one C(<kind> <name>) entry each.
  returned: always
  type: list
  elements: str
  sample: ["project llm-twin", "cluster twin"]
"""

from ansible_collections.llmtwin.deploy.plugins.module_utils import _http
from ansible_collections.llmtwin.deploy.plugins.module_utils._atlas import (
    AtlasClient,
    atlas_argument_spec,
    check_connection,
    find_project,
)
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import (
    ModuleError,
    ResourceModule,
    failed,
    mask_uri,
)

POLL_SECONDS = 10  # Atlas takes minutes to create or delete a cluster: polling faster only costs requests


class Clusters(object):
    """The Flex or the dedicated/free clusters API of one project (the versions come from _atlas.API)."""

    def __init__(self, client, tier, project_id, name):
        self.client = client
        self.resource = "cluster %s" % name
        if tier == "FLEX":
            self.collection, self.item = "/groups/{groupId}/flexClusters", "/groups/{groupId}/flexClusters/{name}"
            self.path = dict(groupId=project_id, name=name)
        else:
            self.collection, self.item = "/groups/{groupId}/clusters", "/groups/{groupId}/clusters/{clusterName}"
            self.path = dict(groupId=project_id, clusterName=name)

    def read(self):
        return self.client.request("GET", self.item, self.resource, path=self.path)

    def create(self, body):
        return self.client.request("POST", self.collection, self.resource, path=dict(groupId=self.path["groupId"]),
                                   body=body)

    def update(self, body):
        return self.client.request("PATCH", self.item, self.resource, path=self.path, body=body)

    def delete(self):
        return self.client.request("DELETE", self.item, self.resource, path=self.path)


def cluster_state(name, tier, document):
    """A flexClusters or clusters document, flattened to what the module compares and returns."""
    if not document:
        return dict(name=name, id=None, exists=False, tier=tier, state_name=None, connection_string_srv=None,
                    mongodb_version=None, backing_provider=None, region=None, termination_protection=None)
    if tier == "FLEX":
        settings = document.get("providerSettings") or {}
        provider, region = settings.get("backingProviderName"), settings.get("regionName")
    else:
        region_config = ((document.get("replicationSpecs") or [{}])[0].get("regionConfigs") or [{}])[0]
        provider, region = region_config.get("backingProviderName"), region_config.get("regionName")
    strings = document.get("connectionStrings") or {}
    return dict(name=document.get("name", name), id=document.get("id"), exists=True, tier=tier,
                state_name=document.get("stateName"), connection_string_srv=mask_uri(strings.get("standardSrv")),
                mongodb_version=document.get("mongoDBVersion"), backing_provider=provider, region=region,
                termination_protection=bool(document.get("terminationProtectionEnabled", False)))


def project_view(document):
    return dict(id=document.get("id"), name=document.get("name"), org_id=document.get("orgId"))


def create_body(params):
    if params["tier"] == "FLEX":
        return dict(name=params["name"], terminationProtectionEnabled=params["termination_protection"],
                    providerSettings=dict(backingProviderName=params["backing_provider"], regionName=params["region"]))
    return dict(name=params["name"], clusterType="REPLICASET",
                terminationProtectionEnabled=params["termination_protection"],
                replicationSpecs=[dict(regionConfigs=[dict(
                    providerName="TENANT", backingProviderName=params["backing_provider"],
                    regionName=params["region"], priority=7, electableSpecs=dict(instanceSize="M0"))])])


class AtlasCluster(ResourceModule):
    resource = "cluster"
    backend_spec = staticmethod(atlas_argument_spec)
    argument_spec = dict(
        project_id=dict(type="str"),
        project_name=dict(type="str"),
        org_id=dict(type="str"),
        name=dict(type="str", required=True),
        tier=dict(type="str", default="FLEX", choices=["FLEX", "M0"]),
        backing_provider=dict(type="str", default="AWS", choices=["AWS", "GCP", "AZURE"]),
        region=dict(type="str", default="US_EAST_1"),
        termination_protection=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=900),
    )
    module_kwargs = dict(required_one_of=[("project_id", "project_name")],
                         mutually_exclusive=[("project_id", "project_name")])

    def validate(self):
        check_connection(self.params)
        if self.params["wait_timeout"] < 0:
            raise ModuleError("wait_timeout must be 0 or more seconds, got %s" % self.params["wait_timeout"])

    def connect(self):
        self.client = AtlasClient(self.params)

    def find_or_create_project(self):
        """The project as returned (no id when check mode would create it), or None when it is missing
        and the cluster is to be absent anyway."""
        p = self.params
        label = p["project_id"] or p["project_name"]
        self.manage("project", label)
        found = find_project(self.client, p["project_id"], p["project_name"])
        if found is not None:
            return project_view(found)
        if p["state"] == "absent":
            return None
        if p["project_id"] or not p["org_id"]:
            raise failed("find", "project %s" % label, "it does not exist; set org_id to create it")
        body = dict(name=p["project_name"], orgId=p["org_id"])
        created = self.act("create", "project", label,
                           lambda: self.client.request("POST", "/groups", "project %s" % label, body=body))
        return project_view(created or body)

    def wait(self, clusters, done, action, what):
        """Poll the cluster until done(document); raise failed(action, ...) naming its last state after wait_timeout."""
        document, finished = _http.wait_until(clusters.read, done, self.params["wait_timeout"], POLL_SECONDS)
        if not finished:
            raise failed(action, clusters.resource, "%s after %ss (state %s)" % (
                what, self.params["wait_timeout"], (document or {}).get("stateName")))
        return document

    def run(self):
        p = self.params
        name, tier = p["name"], p["tier"]
        project = self.find_or_create_project()
        if project is None:
            self.returns["project"] = dict(id=p["project_id"], name=p["project_name"], org_id=None)
            return cluster_state(name, tier, None)
        self.returns["project"] = project

        clusters = Clusters(self.client, tier, project["id"], name)
        self.manage("cluster", name)
        document = clusters.read() if project["id"] else None
        before = cluster_state(name, tier, document)

        if p["state"] == "absent":
            after = cluster_state(name, tier, None)
            if before["exists"]:
                self.act("delete", "cluster", name, clusters.delete)
                if p["wait"] and not self.check_mode:
                    self.wait(clusters, lambda d: d is None, "delete", "still there")
            self.diff(before, after)
            return after

        if before["exists"]:
            moved = [option for option in ("backing_provider", "region")
                     if before[option] is not None and before[option] != p[option]]
            if moved:
                raise failed("update", clusters.resource, "%s cannot change in place (it is %s); delete and recreate "
                             "the cluster, or use its current values" % (
                                 " and ".join(moved), ", ".join(str(before[m]) for m in moved)))
        after = dict(before, exists=True, backing_provider=p["backing_provider"], region=p["region"],
                     termination_protection=p["termination_protection"])
        if not before["exists"]:
            after["state_name"] = "IDLE"
            document = self.act("create", "cluster", name, lambda: clusters.create(create_body(p)),
                                detail="%s, %s %s" % (tier, p["backing_provider"], p["region"]))
        elif before["termination_protection"] != p["termination_protection"]:
            body = dict(terminationProtectionEnabled=p["termination_protection"])
            document = self.act("update", "cluster", name, lambda: clusters.update(body),
                                detail="termination_protection %s -> %s" % (before["termination_protection"],
                                                                            p["termination_protection"]))

        if not self.check_mode and p["wait"] and (self.changed or before["state_name"] != "IDLE"):
            document = self.wait(clusters, lambda d: bool(d) and d.get("stateName") == "IDLE", "wait for", "not IDLE")
        if not self.check_mode and document:
            after = cluster_state(name, tier, document)
        self.diff(before, after)
        return after


def main():
    AtlasCluster.main()


if __name__ == "__main__":
    main()
