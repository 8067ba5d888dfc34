#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: aws_ecr_repository
short_description: Manage an ECR repository with tag mutability, scan on push, lifecycle policy, encryption, tags
description:
  - Creates, updates or deletes an Amazon ECR repository and returns its URI and registry id.
  - An option left unset means "leave that setting alone"; the lifecycle policy and tags are read only
    when they are managed.
  - Encryption can only be chosen at creation; a different O(encryption) on an existing repository fails.
  - When a concurrent run creates the same repository first (C(RepositoryAlreadyExistsException)), the
    repository is adopted and reconciled like an existing one.
version_added: 0.1.0
author:
  - LLM Twin deploy team (@llmtwin)
options:
  name:
    description: The repository name (lowercase; letters, digits, C(._-/) separators).
    type: str
    required: true
  state:
    description: Whether the repository should exist.
    type: str
    default: present
    choices: [present, absent]
  image_tag_mutability:
    description: Whether image tags can be overwritten.
    type: str
    choices: [MUTABLE, IMMUTABLE]
  scan_on_push:
    description: Scan images for vulnerabilities when they are pushed.
    type: bool
  lifecycle_policy:
    description:
      - The lifecycle policy, as a dict or a JSON string. An empty dict removes the policy.
      - Checked before anything is created. C(rules) is a non-empty list; each rule has a unique positive
        C(rulePriority), a C(selection) (C(tagStatus) C(tagged) with C(tagPrefixList) or C(tagPatternList),
        C(untagged) or C(any); C(countType) C(imageCountMoreThan), or C(sinceImagePushed) with
        C(countUnit=days); a positive C(countNumber)) and an C(action) of type C(expire).
    type: raw
  encryption:
    description: Encryption at rest, set at creation only.
    type: str
    choices: [AES256, KMS]
  kms_key:
    description: The KMS key for O(encryption=KMS) (AWS-managed key when unset).
    type: str
  tags:
    description: Tags of the repository. Unset leaves tags alone.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags).
    type: bool
    default: true
  force:
    description: With O(state=absent), delete the repository even if it holds images.
    type: bool
    default: false
extends_documentation_fragment:
  - llmtwin.deploy.aws
  - llmtwin.deploy.aws.attributes
  - llmtwin.deploy.actions
"""

EXAMPLES = r"""
- name: The LLM Twin's image repository
  llmtwin.deploy.aws_ecr_repository:
    name: llm-twin
    image_tag_mutability: MUTABLE
    scan_on_push: true
    lifecycle_policy:
      rules:
        - rulePriority: 1
          description: keep the last 20 images
          selection: {tagStatus: any, countType: imageCountMoreThan, countNumber: 20}
          action: {type: expire}
    tags:
      project: llm-twin
  register: repo

- name: Use the URI
  ansible.builtin.debug:
    msg: "{{ repo.repository.uri }}"
"""

RETURN = r"""
repository:
  description: The repository after the task (as it would be, in check mode). Empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: The repository name.
      type: str
      sample: llm-twin
    arn:
      description: The repository ARN (none in check mode before creation).
      type: str
    uri:
      description: The repository URI (none in check mode before creation).
      type: str
      sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/llm-twin
    registry_id:
      description: The registry (account) id.
      type: str
      sample: '123456789012'
    registry_uri:
      description: The registry host.
      type: str
      sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com
    image_tag_mutability:
      description: MUTABLE or IMMUTABLE.
      type: str
    scan_on_push:
      description: Whether pushes are scanned.
      type: bool
    encryption:
      description: encryptionType and kmsKey.
      type: dict
    lifecycle_policy:
      description: The lifecycle policy (when managed).
      type: dict
    tags:
      description: The tags (when managed).
      type: dict
actions:
  description:
    - What the task did, or in check mode would do, one entry per change, in the order made.
    - "Each entry reads C(<verb> <kind> <name>) or C(<verb> <kind> <name>: <detail>), verb one of
      C(create), C(update), C(delete). Empty when nothing changed."
    - Also returned when the task fails, listing only what was really done before the failure.
  returned: always
  type: list
  elements: str
  sample: ["create repository llm-twin", "update repository llm-twin: lifecycle policy"]
resources:
  description:
    - Every resource the task reconciled, changed or not, one C(<kind> <name>) entry each.
  returned: always
  type: list
  elements: str
  sample: ["repository llm-twin"]
"""

import json
import re

from ansible_collections.llmtwin.deploy.plugins.module_utils._aws import (
    AWSResource, aws_errors, call, check_request, check_tags, create_or_adopt, dict_to_tags, error_code, load_policy,
    merged_tags, policies_equal, read_or_none, tag_changes, tag_detail, tags_to_dict, translate,
)
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError

REPO_NAME = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
TAG_STATUSES = ("tagged", "untagged", "any")
COUNT_TYPES = ("imageCountMoreThan", "sinceImagePushed")


def _positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def lifecycle_policy_problem(policy):
    """What ECR would reject in a lifecycle policy (after we had created the repository), or None."""
    if set(policy) != {"rules"} or not isinstance(policy["rules"], list) or not policy["rules"]:
        return "expected {rules: [...]} with at least one rule (or {} to remove the policy)"
    priorities = []
    for index, rule in enumerate(policy["rules"]):
        where = "rules[%d]" % index
        if not isinstance(rule, dict):
            return "%s: expected a dict with rulePriority, selection and action" % where
        unknown = sorted(set(rule) - {"rulePriority", "description", "selection", "action"})
        if unknown:
            return "%s: unknown key %s" % (where, ", ".join(unknown))
        if not _positive_int(rule.get("rulePriority")):
            return "%s.rulePriority: expected a positive integer, got %r" % (where, rule.get("rulePriority"))
        priorities.append(rule["rulePriority"])
        if not isinstance(rule.get("description", ""), str):
            return "%s.description: expected a string" % where
        selection = rule.get("selection")
        if not isinstance(selection, dict):
            return "%s.selection: expected a dict" % where
        status = selection.get("tagStatus")
        if status not in TAG_STATUSES:
            return "%s.selection.tagStatus: expected one of %s, got %r" % (where, ", ".join(TAG_STATUSES), status)
        lists = [k for k in ("tagPrefixList", "tagPatternList") if k in selection]
        if status == "tagged" and len(lists) != 1:
            return "%s.selection: tagStatus tagged needs one of tagPrefixList, tagPatternList" % where
        if status != "tagged" and lists:
            return "%s.selection: %s only goes with tagStatus tagged" % (where, lists[0])
        if lists and not (isinstance(selection[lists[0]], list) and selection[lists[0]]
                          and all(isinstance(t, str) and t for t in selection[lists[0]])):
            return "%s.selection.%s: expected a non-empty list of strings" % (where, lists[0])
        count_type = selection.get("countType")
        if count_type not in COUNT_TYPES:
            return "%s.selection.countType: expected one of %s, got %r" % (where, ", ".join(COUNT_TYPES), count_type)
        if (count_type == "sinceImagePushed") != (selection.get("countUnit") == "days") or \
                ("countUnit" in selection and selection["countUnit"] != "days"):
            return "%s.selection.countUnit: expected days with sinceImagePushed, and nothing otherwise" % where
        if not _positive_int(selection.get("countNumber")):
            return "%s.selection.countNumber: expected a positive integer, got %r" % (where, selection.get("countNumber"))
        unknown = sorted(set(selection) - {"tagStatus", "tagPrefixList", "tagPatternList", "countType", "countUnit",
                                           "countNumber"})
        if unknown:
            return "%s.selection: unknown key %s" % (where, ", ".join(unknown))
        if rule.get("action") != {"type": "expire"}:
            return "%s.action: expected {type: expire}, got %r" % (where, rule.get("action"))
    if len(priorities) != len(set(priorities)):
        return "rulePriority values must be unique, got %s" % ", ".join(str(p) for p in sorted(priorities))
    return None


def policy_text(policy):
    return json.dumps(policy, sort_keys=True)


def check_input(params):
    """The module's own options, before any connection; returns the parsed lifecycle policy."""
    if not REPO_NAME.match(params["name"]) or not 2 <= len(params["name"]) <= 256:
        raise ModuleError("name: invalid repository name %r: expected 2-256 lowercase letters and digits, "
                          "separated by single '.', '_', '-' or '/'" % params["name"])
    if params["kms_key"] and params["encryption"] != "KMS":
        raise ModuleError("kms_key needs encryption=KMS")
    check_tags(params["tags"])
    policy = load_policy(params["lifecycle_policy"], "lifecycle_policy")
    if policy:
        problem = lifecycle_policy_problem(policy)
        if problem:
            raise ModuleError("lifecycle_policy: %s" % problem)
        # ECR's bounds on the text: botocore checks the minimum (100 characters), not the maximum
        text = policy_text(policy)
        check_request("ecr", "PutLifecyclePolicy", {"repositoryName": params["name"], "lifecyclePolicyText": text},
                      {"lifecyclePolicyText": "lifecycle_policy"})
        if len(text) > 30720:
            raise ModuleError("lifecycle_policy: at most 30720 characters as JSON, got %d" % len(text))
    return policy


def desired_encryption(params):
    if not params["encryption"]:
        return None
    enc = {"encryptionType": params["encryption"]}
    if params["encryption"] == "KMS" and params["kms_key"]:
        enc["kmsKey"] = params["kms_key"]
    return enc


def describe(repo, extra):
    uri = repo.get("repositoryUri")
    result = {
        "name": repo["repositoryName"],
        "arn": repo.get("repositoryArn"),
        "uri": uri,
        "registry_id": repo.get("registryId"),
        "registry_uri": uri.split("/", 1)[0] if uri else None,
        "image_tag_mutability": repo.get("imageTagMutability"),
        "scan_on_push": repo.get("imageScanningConfiguration", {}).get("scanOnPush"),
        "encryption": repo.get("encryptionConfiguration"),
    }
    result.update(extra)
    return result


class Repository(AWSResource):
    resource = kind = "repository"
    service = "ecr"
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        image_tag_mutability=dict(type="str", choices=["MUTABLE", "IMMUTABLE"]),
        scan_on_push=dict(type="bool"),
        lifecycle_policy=dict(type="raw"),
        encryption=dict(type="str", choices=["AES256", "KMS"]),
        kms_key=dict(type="str", no_log=False),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        force=dict(type="bool", default=False),
    )

    def check_input(self):
        self.policy = check_input(self.params)

    # ---- reads
    def read(self):
        found = read_or_none("read", "repository %s" % self.name, ("RepositoryNotFoundException",),
                             self.client.describe_repositories, repositoryNames=[self.name])
        return found["repositories"][0] if found else None

    def read_extra(self, repo):
        """The lifecycle policy and tags, read only when they are managed."""
        p, extra = self.params, {}
        if p["lifecycle_policy"] is not None:
            lp = read_or_none("read lifecycle policy of", "repository %s" % self.name,
                              ("LifecyclePolicyNotFoundException",), self.client.get_lifecycle_policy,
                              repositoryName=self.name)
            extra["lifecycle_policy"] = json.loads(lp["lifecyclePolicyText"]) if lp else {}
        if p["tags"] is not None:
            tags = call("read tags of", "repository %s" % self.name, self.client.list_tags_for_resource,
                        resourceArn=repo["repositoryArn"])
            extra["tags"] = tags_to_dict(tags.get("tags"))
        return extra

    # ---- writes
    def set_policy(self, policy):
        if policy:
            self.update("lifecycle policy", "set lifecycle policy of", self.client.put_lifecycle_policy,
                        repositoryName=self.name, lifecyclePolicyText=policy_text(policy))
        else:
            self.update("lifecycle policy removed", "delete lifecycle policy of", self.client.delete_lifecycle_policy,
                        repositoryName=self.name)

    def create(self):
        """(repository, extra) after creating it; (None, None) when a concurrent run created it first."""
        p = self.params
        kwargs = {"repositoryName": self.name}
        if p["image_tag_mutability"]:
            kwargs["imageTagMutability"] = p["image_tag_mutability"]
        if p["scan_on_push"] is not None:
            kwargs["imageScanningConfiguration"] = {"scanOnPush": p["scan_on_push"]}
        if p["encryption"]:
            kwargs["encryptionConfiguration"] = desired_encryption(p)
        if p["tags"]:
            kwargs["tags"] = dict_to_tags(p["tags"])
        if self.check_mode:  # what it would look like
            repo = {"repositoryName": self.name, "imageTagMutability": p["image_tag_mutability"] or "MUTABLE",
                    "imageScanningConfiguration": {"scanOnPush": bool(p["scan_on_push"])},
                    "encryptionConfiguration": desired_encryption(p) or {"encryptionType": "AES256"}}
        else:
            created = create_or_adopt("create", "repository %s" % self.name, ("RepositoryAlreadyExistsException",),
                                      self.client.create_repository, **kwargs)
            if created is None:
                return None, None
            repo = created["repository"]
        self.act("create", "repository", self.name)  # made just above: the answer tells creation from adoption
        extra = {}
        if self.policy:
            self.set_policy(self.policy)
        if self.policy is not None:
            extra["lifecycle_policy"] = self.policy
        if p["tags"] is not None:
            extra["tags"] = dict((str(k), str(v)) for k, v in p["tags"].items())
        return repo, extra

    def reconcile(self, repo, extra):
        p, after_repo, after = self.params, dict(repo), dict(extra)
        if p["encryption"]:
            want = desired_encryption(p)
            have = repo.get("encryptionConfiguration") or {}
            if have.get("encryptionType") != want["encryptionType"] or (
                    "kmsKey" in want and have.get("kmsKey") != want["kmsKey"]):
                raise ModuleError("encryption: repository %s is encrypted with %s; encryption can only be set when a "
                                  "repository is created (delete and recreate it to change it)"
                                  % (self.name, have.get("encryptionType")))
        if p["image_tag_mutability"] and repo.get("imageTagMutability") != p["image_tag_mutability"]:
            self.update("image tag mutability %s" % p["image_tag_mutability"], "set tag mutability of",
                        self.client.put_image_tag_mutability, repositoryName=self.name,
                        imageTagMutability=p["image_tag_mutability"])
            after_repo["imageTagMutability"] = p["image_tag_mutability"]
        if p["scan_on_push"] is not None and \
                repo.get("imageScanningConfiguration", {}).get("scanOnPush") != p["scan_on_push"]:
            self.update("scan on push %s" % str(p["scan_on_push"]).lower(), "set scan on push of",
                        self.client.put_image_scanning_configuration, repositoryName=self.name,
                        imageScanningConfiguration={"scanOnPush": p["scan_on_push"]})
            after_repo["imageScanningConfiguration"] = {"scanOnPush": p["scan_on_push"]}
        if self.policy is not None and not policies_equal(extra.get("lifecycle_policy") or {}, self.policy):
            self.set_policy(self.policy)
            after["lifecycle_policy"] = self.policy
        if p["tags"] is not None:
            to_set, to_remove = tag_changes(extra["tags"], p["tags"], p["purge_tags"])
            if to_set:
                self.update(tag_detail(to_set, []), "tag", self.client.tag_resource,
                            resourceArn=repo["repositoryArn"], tags=dict_to_tags(to_set))
            if to_remove:
                self.update(tag_detail({}, to_remove), "untag", self.client.untag_resource,
                            resourceArn=repo["repositoryArn"], tagKeys=to_remove)
            after["tags"] = merged_tags(extra["tags"], p["tags"], p["purge_tags"])
        return after_repo, after

    def delete(self):
        try:
            return self.client.delete_repository(repositoryName=self.name, force=self.params["force"])
        except aws_errors() as exc:
            if error_code(exc) == "RepositoryNotEmptyException":
                raise ModuleError("Refusing to delete repository %s: it holds images; set force=true to delete them "
                                  "too" % self.name)
            raise translate("delete", "repository %s" % self.name, exc)

    # ---- the two states
    def absent(self):
        repo = self.read()
        if repo:
            self.act("delete", "repository", self.name, self.delete)
        self.diff(describe(repo, {}) if repo else {}, {})
        return {}

    def present(self):
        repo = self.read()
        after_repo = None
        if repo is None:
            after_repo, after = self.create()
            before = {}
            if after_repo is None:  # a concurrent run created it first: adopt it and reconcile it as an existing one
                repo = self.read()
                if repo is None:
                    raise ModuleError("Failed to read repository %s: it was reported to exist, then not found"
                                      % self.name)
        if after_repo is None:
            extra = self.read_extra(repo)
            before = describe(repo, extra)
            after_repo, after = self.reconcile(repo, extra)
        document = describe(after_repo, after)
        self.diff(before, document)
        return document


def main():
    Repository.main()


if __name__ == "__main__":
    main()
