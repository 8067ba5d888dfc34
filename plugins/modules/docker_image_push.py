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
"""

import re

from ansible_collections.llmtwin.deploy.plugins.module_utils._docker import (
    REPOSITORY_PATH, DockerFailure, DockerModule, RegistryClient, docker_error, ecr_authorization, ecr_delete_tags, is_not_found,
    registry_argument_spec, sdk_errors, split_reference, stream_error,
)

TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def extra_tags(params):
    """The extra tags: C(latest) by default when pushing, none by default when removing."""
    if params["extra_tags"] is not None:
        return params["extra_tags"]
    return ["latest"] if params["state"] == "present" else []


def validate(params):
    if not REPOSITORY_PATH.match(params["name"]):
        raise DockerFailure("name must be a repository name (lowercase path, no registry, no tag), got %s"
                            % params["name"])
    if params["state"] == "present":
        if not params["source"]:
            raise DockerFailure("source is required when state=present")
        if not params["tag"] and not split_reference(params["source"])[1]:
            raise DockerFailure("source must carry a tag (name:tag) unless tag is set, got %s" % params["source"])
    for tag in ([params["tag"]] if params["tag"] else []) + extra_tags(params):
        if not TAG.match(tag):
            raise DockerFailure("tag %s is not a valid Docker tag" % tag)
    auth = params["registry_auth"]
    if auth != "ecr" and not params["registry"]:
        raise DockerFailure("registry is required unless registry_auth=ecr")
    if auth == "basic" and (not params["registry_username"] or params["registry_password"] is None):
        raise DockerFailure("registry_username and registry_password are required with registry_auth=basic")


def credentials(params):
    """(username, password, registry, is_ecr_endpoint): ECR's token, or the given basic credentials."""
    if params["registry_auth"] == "ecr":
        username, password, ecr_host = ecr_authorization(params)
        registry = params["registry"] or ecr_host
        return username, password, registry, registry == ecr_host
    if params["registry_auth"] == "basic":
        return params["registry_username"], params["registry_password"], params["registry"], False
    return None, None, params["registry"], False


def push_tag(module, repository, tag, auth_config):
    reference = "%s:%s" % (repository, tag)
    digest = None
    try:
        for message in module.client.push(repository, tag=tag, stream=True, decode=True, auth_config=auth_config):
            error = stream_error(message)
            if error:
                hint = ""
                if re.search(r"unauthori[sz]ed|denied|authentication required", error, re.I):
                    hint = " Try checking registry_auth and the credentials for %s." % repository.split("/")[0]
                raise DockerFailure("Failed to push %s: %s.%s" % (reference, error.strip().rstrip("."), hint))
            aux = message.get("aux")
            if isinstance(aux, dict) and aux.get("Digest"):
                digest = aux["Digest"]
    except sdk_errors() as exc:
        raise docker_error("push %s" % reference, exc)
    return digest


def tag_local(module, image_id, repository, tag):
    try:
        module.client.tag(image_id, repository, tag=tag, force=True)
    except sdk_errors() as exc:
        raise docker_error("tag %s:%s" % (repository, tag), exc)


def ensure_present(module, registry_client, registry, auth_config):
    params = module.params
    tag = params["tag"] or split_reference(params["source"])[1]
    repository = "%s/%s" % (registry, params["name"])
    tags = [tag] + [t for t in extra_tags(params) if t != tag]
    before = dict((t, registry_client.manifest_digest(params["name"], t)) for t in tags)
    after = dict(before)
    image = module.inspect_image(params["source"])
    if image is None and not module.check_mode:
        raise DockerFailure("Failed to push %s:%s: the local image %s does not exist. Build it first."
                            % (repository, tag, params["source"]))
    known = set(d.partition("@")[2] for d in (image or {}).get("RepoDigests") or [] if d.startswith(repository + "@"))
    pushed = []
    digest = before[tag] if before[tag] in known else None
    if digest is None:
        pushed.append(tag)
        if not module.check_mode:
            tag_local(module, image["Id"], repository, tag)
            digest = push_tag(module, repository, tag, auth_config) or registry_client.manifest_digest(params["name"], tag)
            after[tag] = digest
    for extra in tags[1:]:
        if digest is not None and before[extra] == digest:
            continue
        pushed.append(extra)
        if not module.check_mode:
            tag_local(module, image["Id"], repository, extra)
            after[extra] = push_tag(module, repository, extra, auth_config) or digest
    result = dict(
        changed=any(after[t] != before[t] for t in tags) if not module.check_mode else bool(pushed),
        pushed=pushed,
        image=dict(registry=registry, repository=repository, reference="%s:%s" % (repository, tag),
                   digest=after[tag], tags=after),
    )
    if module._diff:
        result["diff"] = dict(before=dict(tags=before), after=dict(tags=after if not module.check_mode else
                                                                   dict((t, "(pushed)" if t in pushed else after[t])
                                                                        for t in tags)))
    return result


def remove_local(module, repository, tags=None):
    """Remove the local references repository:tag for tags (every tag of repository when None)."""
    removed = []
    try:
        images = module.client.images(name=repository)
    except sdk_errors() as exc:
        raise docker_error("list images %s" % repository, exc)
    for image in images:
        for ref in image.get("RepoTags") or []:
            ref_repository, ref_tag = split_reference(ref)
            if ref_repository != repository or (tags is not None and ref_tag not in tags):
                continue
            if not module.check_mode:
                try:
                    module.client.remove_image(ref)
                except sdk_errors() as exc:
                    if is_not_found(exc):
                        continue
                    raise docker_error("remove image %s" % ref, exc)
            removed.append(ref)
    return sorted(removed)


def shared_manifests(digests, asked):
    """{tag asked for: [kept tags with the same digest]} for the asked tags whose manifest is shared."""
    shared = {}
    for tag in asked:
        kept = sorted(t for t, d in digests.items() if t not in asked and d and d == digests.get(tag))
        if kept:
            shared[tag] = kept
    return shared


def ensure_absent(module, registry_client, registry, is_ecr):
    params = module.params
    name = params["name"]
    repository = "%s/%s" % (registry, name)
    if params["tag"]:
        asked = [params["tag"]] + [t for t in extra_tags(params) if t != params["tag"]]
        # a registry-API DELETE takes every tag of the manifest: the kept tags' digests must be known
        listed = asked if is_ecr else sorted(set(asked) | set(registry_client.tags(name)))
    else:
        asked = listed = registry_client.tags(name)
    digests = dict((t, registry_client.manifest_digest(name, t)) for t in listed)
    present = sorted(t for t in asked if digests[t])
    if not is_ecr:
        shared = shared_manifests(digests, asked)
        if shared:
            raise DockerFailure(
                "Refusing to remove %s: on %s %s; the registry deletes a manifest with every tag that points at it. "
                "Add those tags to extra_tags to remove them too, or leave the tag in place."
                % (", ".join("%s:%s" % (repository, t) for t in sorted(shared)), registry,
                   "; ".join("%s shares its manifest with %s" % (t, ", ".join(kept)) for t, kept in sorted(shared.items()))))
    gone = present
    if present and not module.check_mode:
        if is_ecr:
            gone = ecr_delete_tags(params, name, present)
        else:
            for digest in sorted(set(digests[t] for t in present)):
                registry_client.delete_manifest(name, digest)
    local = remove_local(module, repository, None if not params["tag"] else asked)
    result = dict(changed=bool(gone or local), removed=["%s:%s" % (repository, t) for t in gone] + local,
                  image=dict(registry=registry, repository=repository, reference=None, digest=None,
                             tags=dict((t, None) for t in asked)))
    if module._diff:
        result["diff"] = dict(before=dict(tags=dict((t, digests[t]) for t in present)), after=dict(tags={}))
    return result


def main():
    spec = registry_argument_spec()
    spec.update(
        name=dict(type="str", required=True),
        source=dict(type="str"),
        tag=dict(type="str"),
        extra_tags=dict(type="list", elements="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = DockerModule(argument_spec=spec, supports_check_mode=True)
    registry_client = None
    try:
        validate(module.params)
        username, password, registry, is_ecr = credentials(module.params)
        if password:
            module.no_log_values.add(password)
        registry_client = RegistryClient(registry, username, password, module.params["registry_insecure"],
                                         module.params["registry_timeout"])
        auth_config = dict(username=username, password=password) if username is not None else None
        if module.params["state"] == "absent":
            result = ensure_absent(module, registry_client, registry, is_ecr)
        else:
            result = ensure_present(module, registry_client, registry, auth_config)
    except DockerFailure as exc:
        module.fail_json(msg=str(exc))
    finally:
        if registry_client is not None:
            registry_client.close()
        module.close()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
