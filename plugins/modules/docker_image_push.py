#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: docker_image_push
short_description: Push an image to a registry (ECR or any registry API v2) and move extra tags such as latest
description:
  - Pushes the local image I(source) as C(<registry>/<name>:<tag>) and points each of I(extra_tags)
    (default C(latest)) at the same digest.
  - Reads the registry's manifest digests first (HTTP API v2 C(HEAD)); a tag whose remote digest already
    equals the local image's pushed digest is not pushed again, so an unchanged image costs one registry
    round trip per tag and no push.
  - With I(registry_auth=ecr) the credentials come from ECR's C(GetAuthorizationToken) inside this module
    and are given to the daemon per request; they are never returned, logged or written to a Docker
    config file. I(registry) overrides the endpoint the token is used against (a local registry that
    stands in for ECR's data plane).
  - With I(state=absent), deletes exactly the tags asked for (I(tag) and I(extra_tags), or every tag when
    I(tag) is unset) from the registry and removes the same local C(<registry>/<name>:<tag>) references.
    ECR deletes a tag through its own API (C(BatchDeleteImage) by tag), which leaves other tags of the
    image in place. Other registries are sent the registry API's manifest C(DELETE), which removes the
    manifest with every tag that points at it; so a tag whose manifest is shared with a tag that is not
    being removed is refused (the task fails, nothing is deleted) rather than taking its neighbours along.
version_added: "0.1.0"
author:
  - LLM Twin deploy team (@llmtwin)
extends_documentation_fragment:
  - llmtwin.deploy.docker
  - llmtwin.deploy.docker.registry
  - llmtwin.deploy.docker.ecr
  - llmtwin.deploy.actions
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying the target.
    support: full
    details: Reads local and remote digests and reports whether a push or delete would happen.
  diff_mode:
    description: Returns details on what has changed (or would change) in diff mode.
    support: full
  idempotent:
    description: A second run with the same options reports no change.
    support: full
    details: C(changed) only when a remote tag's digest changes.
options:
  name:
    description: Repository name inside the registry (for example C(llm-twin)).
    type: str
    required: true
  source:
    description: The local image to push (C(name:tag)). Required when I(state=present).
    type: str
  tag:
    description:
      - The tag to push. Defaults to the tag of I(source).
      - With I(state=absent), the tag to remove; unset means every tag of the repository.
    type: str
  extra_tags:
    description:
      - With I(state=present), tags moved to the pushed digest; unset means C([latest]).
      - With I(state=absent), further tags removed along with I(tag); unset means none, so removing one
        tag never removes C(latest) by default.
    type: list
    elements: str
  state:
    description: C(present) pushes when the remote digest differs; C(absent) deletes the tags.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Push to ECR and move latest
  llmtwin.deploy.docker_image_push:
    name: llm-twin
    source: "llm-twin:{{ build.image.tag }}"
    region: eu-central-1

- name: Push with an ECR token to a local registry that stands in for ECR
  llmtwin.deploy.docker_image_push:
    name: llm-twin
    source: "llm-twin:{{ build.image.tag }}"
    registry: 127.0.0.1:5000
    endpoint_url: http://127.0.0.1:5005

- name: Remove one tag (refused on a plain registry while another kept tag shares its manifest)
  llmtwin.deploy.docker_image_push:
    name: llm-twin
    registry: 127.0.0.1:5000
    tag: 3f1c0a9b2d4e5f60
    state: absent

- name: Remove every tag of the repository
  llmtwin.deploy.docker_image_push:
    name: llm-twin
    registry: 127.0.0.1:5000
    state: absent
"""

RETURN = r"""
image:
  description: The pushed image (state=present) or the repository (state=absent).
  returned: always
  type: dict
  contains:
    registry:
      description: The registry pushed to (host[:port]).
      type: str
      sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com
    repository:
      description: C(registry/name).
      type: str
    reference:
      description: C(repository:tag).
      type: str
      sample: 127.0.0.1:5000/llm-twin:3f1c0a9b2d4e5f60
    digest:
      description: The manifest digest of the pushed tag (null in check mode before a first push).
      type: str
      sample: sha256:8c4e...
    tags:
      description: Every tag handled and its remote digest after the run.
      type: dict
pushed:
  description: The tags that were (or in check mode would be) pushed or moved.
  returned: when state=present
  type: list
  elements: str
removed:
  description:
    - The remote tags that were (or would be) removed, then the local references, each as C(registry/name:tag).
    - Exactly what went; a tag that is not there is not listed.
  returned: when state=absent
  type: list
  elements: str
actions:
  description:
    - What the task did, or in check mode would do, one entry per change, in the order made.
    - "Each entry reads C(<verb> <kind> <name>) or C(<verb> <kind> <name>: <detail>), verb one of
      C(create), C(update), C(delete). Empty when nothing changed."
    - Also returned when the task fails, listing only what was really done before the failure.
  returned: always
  type: list
  elements: str
  sample: ["create bucket llmtwin-artifacts", "update bucket llmtwin-artifacts: versioning Enabled"]
resources:
  description:
    - Every resource the task reconciled, changed or not, one C(<kind> <name>) entry each.
  returned: always
  type: list
  elements: str
  sample: ["bucket llmtwin-artifacts"]
"""

import re

from ansible_collections.llmtwin.deploy.plugins.module_utils._aws import ecr_argument_spec, ecr_authorization, ecr_delete_tags
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError, failed
from ansible_collections.llmtwin.deploy.plugins.module_utils._docker import (
    REPOSITORY_PATH, DockerResource, docker_argument_spec, docker_error, is_not_found, registry_argument_spec,
    sdk_errors, split_reference, stream_error,
)
from ansible_collections.llmtwin.deploy.plugins.module_utils._registry import RegistryClient

TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def extra_tags(params):
    """The extra tags: C(latest) by default when pushing, none by default when removing."""
    if params["extra_tags"] is not None:
        return params["extra_tags"]
    return ["latest"] if params["state"] == "present" else []


def validate(params):
    if not REPOSITORY_PATH.match(params["name"]):
        raise ModuleError("name must be a repository name (lowercase path, no registry, no tag), got %s"
                          % params["name"])
    if params["state"] == "present":
        if not params["source"]:
            raise ModuleError("source is required when state=present")
        if not params["tag"] and not split_reference(params["source"])[1]:
            raise ModuleError("source must carry a tag (name:tag) unless tag is set, got %s" % params["source"])
    for tag in ([params["tag"]] if params["tag"] else []) + extra_tags(params):
        if not TAG.match(tag):
            raise ModuleError("tag %s is not a valid Docker tag" % tag)
    auth = params["registry_auth"]
    if auth != "ecr" and not params["registry"]:
        raise ModuleError("registry is required unless registry_auth=ecr")
    if auth == "basic" and (not params["registry_username"] or params["registry_password"] is None):
        raise ModuleError("registry_username and registry_password are required with registry_auth=basic")
    if auth == "ecr" and not params.get("region"):
        raise ModuleError("region is required with registry_auth=ecr (or set AWS_REGION)")


def credentials(params):
    """(username, password, registry, is_ecr_endpoint): ECR's token, or the given basic credentials."""
    if params["registry_auth"] == "ecr":
        username, password, ecr_host = ecr_authorization(params)
        registry = params["registry"] or ecr_host
        return username, password, registry, registry == ecr_host
    if params["registry_auth"] == "basic":
        return params["registry_username"], params["registry_password"], params["registry"], False
    return None, None, params["registry"], False


def push_tag(client, repository, tag, auth_config):
    """Push repository:tag; the digest the daemon reports (None when it does not say)."""
    reference = "%s:%s" % (repository, tag)
    digest = None
    try:
        for message in client.push(repository, tag=tag, stream=True, decode=True, auth_config=auth_config):
            error = stream_error(message)
            if error:
                hint = ""
                if re.search(r"unauthori[sz]ed|denied|authentication required", error, re.I):
                    hint = " Try checking registry_auth and the credentials for %s." % repository.split("/")[0]
                raise failed("push", reference, "%s.%s" % (error.strip().rstrip("."), hint))
            aux = message.get("aux")
            if isinstance(aux, dict) and aux.get("Digest"):
                digest = aux["Digest"]
    except sdk_errors() as exc:
        raise docker_error("push", reference, exc)
    return digest


def tag_local(client, image_id, repository, tag):
    try:
        client.tag(image_id, repository, tag=tag, force=True)
    except sdk_errors() as exc:
        raise docker_error("tag", "%s:%s" % (repository, tag), exc)


def shared_manifests(digests, asked):
    """{tag asked for: [kept tags with the same digest]} for the asked tags whose manifest is shared."""
    shared = {}
    for tag in asked:
        kept = sorted(t for t, d in digests.items() if t not in asked and d and d == digests.get(tag))
        if kept:
            shared[tag] = kept
    return shared


class ImagePush(DockerResource):
    resource = "image"
    argument_spec = dict(
        name=dict(type="str", required=True),
        source=dict(type="str"),
        tag=dict(type="str"),
        extra_tags=dict(type="list", elements="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )

    @staticmethod
    def backend_spec():
        spec = docker_argument_spec()
        spec.update(registry_argument_spec())
        spec.update(ecr_argument_spec())
        return spec

    def __init__(self):
        super(ImagePush, self).__init__()
        self.registry = self.registry_host = self.auth_config = None
        self.is_ecr = False

    def validate(self):
        super(ImagePush, self).validate()
        validate(self.params)

    def connect(self):
        super(ImagePush, self).connect()
        username, password, self.registry_host, self.is_ecr = credentials(self.params)
        if password:
            self.module.no_log_values.add(password)
        self.registry = RegistryClient(self.registry_host, username, password, self.params["registry_insecure"],
                                       self.params["registry_timeout"])
        self.auth_config = dict(username=username, password=password) if username is not None else None

    def close(self):
        if self.registry is not None:
            self.registry.close()
        super(ImagePush, self).close()

    def run(self):
        if self.params["state"] == "absent":
            return self.ensure_absent()
        return self.ensure_present()

    # ---- state=present
    def push(self, image, repository, tag, before, digest=None):
        """Point repository:tag at the image; the action is recorded when the remote digest changes (in
        check mode: when a push would happen). Returns the remote digest after the push (None in check mode)."""
        reference = "%s:%s" % (repository, tag)
        verb = "create" if before is None else "update"
        if self.check_mode:
            self.act(verb, "tag", reference)
            return None
        tag_local(self.daemon.api, image["Id"], repository, tag)
        after = push_tag(self.daemon.api, repository, tag, self.auth_config)
        after = after or digest or self.registry.manifest_digest(self.params["name"], tag)
        if after != before:
            self.act(verb, "tag", reference, detail="digest %s" % after)
        return after

    def ensure_present(self):
        params = self.params
        tag = params["tag"] or split_reference(params["source"])[1]
        repository = "%s/%s" % (self.registry_host, params["name"])
        tags = [tag] + [t for t in extra_tags(params) if t != tag]
        for name in tags:
            self.manage("tag", "%s:%s" % (repository, name))
        before = dict((t, self.registry.manifest_digest(params["name"], t)) for t in tags)
        after = dict(before)
        image = self.daemon.inspect_image(params["source"])
        if image is None and not self.check_mode:
            raise failed("push", "%s:%s" % (repository, tag),
                         "the local image %s does not exist. Build it first." % params["source"])
        known = set(d.partition("@")[2] for d in (image or {}).get("RepoDigests") or [] if d.startswith(repository + "@"))
        pushed = []
        digest = before[tag] if before[tag] in known else None
        if digest is None:
            pushed.append(tag)
            digest = self.push(image, repository, tag, before[tag])
            if digest is not None:
                after[tag] = digest
        for extra in tags[1:]:
            if digest is not None and before[extra] == digest:
                continue
            pushed.append(extra)
            moved = self.push(image, repository, extra, before[extra], digest)
            if moved is not None:
                after[extra] = moved
        self.returns["pushed"] = pushed
        planned = after if not self.check_mode else dict((t, "(pushed)" if t in pushed else after[t]) for t in tags)
        self.diff(dict(tags=before), dict(tags=planned))
        return dict(registry=self.registry_host, repository=repository, reference="%s:%s" % (repository, tag),
                    digest=after[tag], tags=after)

    # ---- state=absent
    def remove_local(self, repository, tags=None):
        """Remove the local references repository:tag for tags (every tag of repository when None)."""
        api = self.daemon.api
        removed = []
        try:
            images = api.images(name=repository)
        except sdk_errors() as exc:
            raise docker_error("list", "images %s" % repository, exc)
        for image in images:
            for ref in image.get("RepoTags") or []:
                ref_repository, ref_tag = split_reference(ref)
                if ref_repository != repository or (tags is not None and ref_tag not in tags):
                    continue
                if not self.check_mode:
                    try:
                        api.remove_image(ref)
                    except sdk_errors() as exc:
                        if is_not_found(exc):
                            continue
                        raise docker_error("remove", "image %s" % ref, exc)
                self.act("delete", "image", ref)
                removed.append(ref)
        return sorted(removed)

    def ensure_absent(self):
        params = self.params
        name = params["name"]
        repository = "%s/%s" % (self.registry_host, name)
        if params["tag"]:
            asked = [params["tag"]] + [t for t in extra_tags(params) if t != params["tag"]]
            # a registry-API DELETE takes every tag of the manifest: the kept tags' digests must be known
            listed = asked if self.is_ecr else sorted(set(asked) | set(self.registry.tags(name)))
        else:
            asked = listed = self.registry.tags(name)
        for tag in asked:
            self.manage("tag", "%s:%s" % (repository, tag))
        digests = dict((t, self.registry.manifest_digest(name, t)) for t in listed)
        present = sorted(t for t in asked if digests[t])
        if not self.is_ecr:
            shared = shared_manifests(digests, asked)
            if shared:
                raise ModuleError(
                    "Refusing to remove %s: on %s %s; the registry deletes a manifest with every tag that points at it. "
                    "Add those tags to extra_tags to remove them too, or leave the tag in place."
                    % (", ".join("%s:%s" % (repository, t) for t in sorted(shared)), self.registry_host,
                       "; ".join("%s shares its manifest with %s" % (t, ", ".join(kept)) for t, kept in sorted(shared.items()))))
        gone = present
        if self.is_ecr:
            if present and not self.check_mode:
                gone = ecr_delete_tags(params, name, present)
            for tag in gone:
                self.act("delete", "tag", "%s:%s" % (repository, tag))
        else:
            for digest in sorted(set(digests[t] for t in present)):
                if not self.check_mode:
                    self.registry.delete_manifest(name, digest)
                for tag in present:
                    if digests[tag] == digest:
                        self.act("delete", "tag", "%s:%s" % (repository, tag), detail="manifest %s" % digest)
        local = self.remove_local(repository, None if not params["tag"] else asked)
        self.returns["removed"] = ["%s:%s" % (repository, t) for t in gone] + local
        self.diff(dict(tags=dict((t, digests[t]) for t in present)), dict(tags={}))
        return dict(registry=self.registry_host, repository=repository, reference=None, digest=None,
                    tags=dict((t, None) for t in asked))


def main():
    ImagePush.main()


if __name__ == "__main__":
    main()
