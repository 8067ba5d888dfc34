#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: aws_iam_role
short_description: Manage an IAM role with its trust policy, managed and inline policies, tags, max session duration
description:
  - Creates, updates or deletes an IAM role. Policies are compared as documents (order and single-item
    lists do not matter), so an equivalent policy is not rewritten.
  - Deleting a role first detaches its managed policies, deletes its inline policies and removes it from
    instance profiles.
  - Every policy is checked against IAM's grammar (C(Version), C(Statement); each statement's C(Effect),
    C(Action), and C(Principal) in the trust policy or C(Resource) in the role's own policies) before anything
    is created, so check mode predicts the same failure.
  - When a concurrent run creates the same role first (C(EntityAlreadyExists)), the role is adopted and
    reconciled like an existing one.
version_added: 0.1.0
author:
  - LLM Twin deploy team (@llmtwin)
options:
  name:
    description: The role name (1-64 characters of letters, digits and C(+=,.@_-)).
    type: str
    required: true
  state:
    description: Whether the role should exist.
    type: str
    default: present
    choices: [present, absent]
  path:
    description: The role's path, set at creation only.
    type: str
    default: /
  description:
    description: The role's description.
    type: str
  assume_role_policy:
    description: The trust policy, as a dict or a JSON string. Required to create a role.
    type: raw
  managed_policies:
    description: ARNs of the managed policies to attach. Unset leaves attachments alone.
    type: list
    elements: str
  purge_managed_policies:
    description: Detach managed policies not listed in O(managed_policies).
    type: bool
    default: true
  inline_policies:
    description:
      - Inline policies, a dict of policy name to document (dict or JSON string). Unset leaves them alone.
      - A name without a document (null) fails; to delete one policy, leave it out (with O(purge_inline_policies)).
    type: dict
  purge_inline_policies:
    description: Delete inline policies not listed in O(inline_policies).
    type: bool
    default: true
  max_session_duration:
    description: Maximum session duration in seconds (3600-43200).
    type: int
  tags:
    description: Tags of the role. Unset leaves tags alone.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags).
    type: bool
    default: true
extends_documentation_fragment:
  - llmtwin.deploy.aws
  - llmtwin.deploy.aws.attributes
  - llmtwin.deploy.actions
"""

EXAMPLES = r"""
- name: A SageMaker execution role scoped to one bucket
  llmtwin.deploy.aws_iam_role:
    name: llm-twin-sagemaker-execution
    assume_role_policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: {Service: sagemaker.amazonaws.com}
          Action: sts:AssumeRole
    inline_policies:
      artifacts:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: [s3:GetObject, s3:PutObject]
            Resource: arn:aws:s3:::llm-twin-artifacts-123456789012/*
    managed_policies: []
    tags:
      project: llm-twin
"""

RETURN = r"""
role:
  description: The role after the task (as it would be, in check mode). Empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: The role name.
      type: str
    arn:
      description: The role ARN (none in check mode before creation).
      type: str
      sample: arn:aws:iam::123456789012:role/llm-twin-sagemaker-execution
    role_id:
      description: The role id.
      type: str
    path:
      description: The path.
      type: str
    description:
      description: The description.
      type: str
    assume_role_policy:
      description: The trust policy.
      type: dict
    max_session_duration:
      description: Seconds.
      type: int
    managed_policies:
      description: Attached policy ARNs (when managed).
      type: list
      elements: str
    inline_policies:
      description: Inline policy documents by name (when managed).
      type: dict
    tags:
      description: The tags.
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
  sample: ["create role llm-twin-sagemaker-execution", "update role llm-twin-sagemaker-execution: inline policy artifacts"]
resources:
  description:
    - Every resource the task reconciled, changed or not, one C(<kind> <name>) entry each.
  returned: always
  type: list
  elements: str
  sample: ["role llm-twin-sagemaker-execution"]
"""

import json
import re
from urllib.parse import unquote

from ansible_collections.llmtwin.deploy.plugins.module_utils._aws import (
    AWSResource, call, check_policy, check_tags, create_or_adopt, dict_to_tags, load_policy, merged_tags, pages,
    policies_equal, read_or_none, tag_changes, tag_detail, tags_to_dict,
)
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError

ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
POLICY_NAME = re.compile(r"^[\w+=,.@-]{1,128}$")
ROLE_PATH = re.compile(r"^/([\x21-\x7e]{0,510}/)?$")
POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(aws|\d{12}):policy/[\w+=,.@/-]+$")


def policy_doc(value):
    """IAM returns documents URL-encoded (botocore usually decodes them already)."""
    if isinstance(value, dict):
        return value
    return json.loads(unquote(value))


def check_input(p):
    """The module's own options, parsed and checked before any connection; returns (trust, inline)."""
    if not ROLE_NAME.match(p["name"]):
        raise ModuleError("name: invalid role name %r: expected 1-64 letters, digits or +=,.@_-" % p["name"])
    if not ROLE_PATH.match(p["path"]):
        raise ModuleError("path: must begin and end with '/' (at most 512 printable characters), got %r" % p["path"])
    if p["max_session_duration"] is not None and not 3600 <= p["max_session_duration"] <= 43200:
        raise ModuleError("max_session_duration: expected 3600-43200 seconds, got %s" % p["max_session_duration"])
    if p.get("description") is not None and len(p["description"]) > 1000:
        raise ModuleError("description: at most 1000 characters, got %d" % len(p["description"]))
    check_tags(p.get("tags"))
    trust = load_policy(p["assume_role_policy"], "assume_role_policy")
    if trust is not None:
        check_policy(trust, "assume_role_policy", trust=True)
    inline = None
    if p["inline_policies"] is not None:
        inline = {}
        for name, doc in sorted(p["inline_policies"].items()):
            where = "inline_policies.%s" % name
            if not POLICY_NAME.match(str(name)):
                raise ModuleError("%s: invalid policy name: expected 1-128 letters, digits or +=,.@_-" % where)
            if doc is None:
                raise ModuleError("%s: expected a policy document (a dict or a JSON object string), got null; "
                                  "to delete the policy, leave it out" % where)
            inline[name] = check_policy(load_policy(doc, where), where)
    for arn in p["managed_policies"] or []:
        if not POLICY_ARN.match(arn):
            raise ModuleError("managed_policies: expected policy ARNs (arn:aws:iam::aws:policy/NAME or "
                              "arn:aws:iam::ACCOUNT:policy/NAME), got %r" % arn)
    return trust, inline


def describe(role, extra):
    result = {
        "name": role["RoleName"],
        "arn": role.get("Arn"),
        "role_id": role.get("RoleId"),
        "path": role.get("Path"),
        "description": role.get("Description"),
        "assume_role_policy": policy_doc(role["AssumeRolePolicyDocument"]),
        "max_session_duration": role.get("MaxSessionDuration"),
        "tags": tags_to_dict(role.get("Tags")),
    }
    result.update(extra)
    return result


class Role(AWSResource):
    resource = kind = "role"
    service = "iam"
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        path=dict(type="str", default="/"),
        description=dict(type="str"),
        assume_role_policy=dict(type="raw"),
        managed_policies=dict(type="list", elements="str"),
        purge_managed_policies=dict(type="bool", default=True),
        inline_policies=dict(type="dict"),
        purge_inline_policies=dict(type="bool", default=True),
        max_session_duration=dict(type="int"),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
    )

    def check_input(self):
        self.trust, self.inline = check_input(self.params)

    # ---- reads
    def read(self):
        found = read_or_none("read", "role %s" % self.name, ("NoSuchEntity",), self.client.get_role, RoleName=self.name)
        return found["Role"] if found else None

    def _list(self, what, operation, key):
        return [item for page in pages("list %s of" % what, "role %s" % self.name, self.client, operation,
                                       RoleName=self.name) for item in page[key]]

    def attached(self):
        return sorted(p["PolicyArn"] for p in self._list("managed policies", "list_attached_role_policies",
                                                         "AttachedPolicies"))

    def inline_names(self):
        return sorted(self._list("inline policies", "list_role_policies", "PolicyNames"))

    def read_policies(self):
        """The managed and inline policies, read only when they are managed."""
        extra = {}
        if self.params["managed_policies"] is not None:
            extra["managed_policies"] = self.attached()
        if self.params["inline_policies"] is not None:
            extra["inline_policies"] = dict(
                (n, policy_doc(call("read inline policy %s of" % n, "role %s" % self.name, self.client.get_role_policy,
                                    RoleName=self.name, PolicyName=n)["PolicyDocument"]))
                for n in self.inline_names())
        return extra

    # ---- writes
    def update(self, detail, action, fn, **kwargs):
        super(Role, self).update(detail, action, fn, RoleName=self.name, **kwargs)

    def sync_policies(self, extra, managed, inline):
        p, after = self.params, dict(extra)
        if managed is not None:
            have = extra.get("managed_policies", [])
            for arn in sorted(set(managed) - set(have)):
                self.update("attach policy %s" % arn, "attach policy %s to" % arn, self.client.attach_role_policy,
                            PolicyArn=arn)
            gone = sorted(set(have) - set(managed)) if p["purge_managed_policies"] else []
            for arn in gone:
                self.detach(arn)
            after["managed_policies"] = sorted((set(have) | set(managed)) - set(gone))
        if inline is not None:
            have = extra.get("inline_policies", {})
            for name, doc in sorted(inline.items()):
                if not policies_equal(have.get(name), doc):
                    self.update("inline policy %s" % name, "put inline policy %s of" % name, self.client.put_role_policy,
                                PolicyName=name, PolicyDocument=json.dumps(doc))
            gone = sorted(set(have) - set(inline)) if p["purge_inline_policies"] else []
            for name in gone:
                self.delete_inline(name)
            kept = dict((n, d) for n, d in have.items() if n not in gone)
            kept.update(inline)
            after["inline_policies"] = kept
        return after

    def detach(self, arn):
        self.update("detach policy %s" % arn, "detach policy %s from" % arn, self.client.detach_role_policy, PolicyArn=arn)

    def delete_inline(self, name):
        self.update("remove inline policy %s" % name, "delete inline policy %s of" % name, self.client.delete_role_policy,
                    PolicyName=name)

    def create(self):
        """The new role; None when a concurrent run created it first (then adopt it)."""
        p = self.params
        kwargs = {"RoleName": self.name, "Path": p["path"], "AssumeRolePolicyDocument": json.dumps(self.trust)}
        if p["description"] is not None:
            kwargs["Description"] = p["description"]
        if p["max_session_duration"]:
            kwargs["MaxSessionDuration"] = p["max_session_duration"]
        if p["tags"]:
            kwargs["Tags"] = dict_to_tags(p["tags"])
        if self.check_mode:  # what it would look like
            role = {"RoleName": self.name, "Path": p["path"], "AssumeRolePolicyDocument": self.trust,
                    "Description": p["description"], "MaxSessionDuration": p["max_session_duration"] or 3600,
                    "Tags": dict_to_tags(p["tags"] or {})}
        else:
            created = create_or_adopt("create", "role %s" % self.name, ("EntityAlreadyExists",), self.client.create_role,
                                      **kwargs)
            if created is None:
                return None
            role = created["Role"]
        self.act("create", "role", self.name)  # made just above: the answer tells creation from adoption
        return role

    def reconcile(self, role):
        p, after = self.params, dict(role)
        if self.trust is not None and not policies_equal(policy_doc(role["AssumeRolePolicyDocument"]), self.trust):
            self.update("trust policy", "update trust policy of", self.client.update_assume_role_policy,
                        PolicyDocument=json.dumps(self.trust))
            after["AssumeRolePolicyDocument"] = self.trust
        changes = {}
        if p["description"] is not None and role.get("Description", "") != p["description"]:
            changes["Description"] = p["description"]
        if p["max_session_duration"] and role.get("MaxSessionDuration") != p["max_session_duration"]:
            changes["MaxSessionDuration"] = p["max_session_duration"]
        if changes:
            detail = ", ".join(k for k, key in (("description", "Description"),
                                                ("max session duration", "MaxSessionDuration")) if key in changes)
            self.update(detail, "update", self.client.update_role, **changes)
            after.update(changes)
        if p["tags"] is not None:
            current = tags_to_dict(role.get("Tags"))
            to_set, to_remove = tag_changes(current, p["tags"], p["purge_tags"])
            if to_set:
                self.update(tag_detail(to_set, []), "tag", self.client.tag_role, Tags=dict_to_tags(to_set))
            if to_remove:
                self.update(tag_detail({}, to_remove), "untag", self.client.untag_role, TagKeys=to_remove)
            after["Tags"] = dict_to_tags(merged_tags(current, p["tags"], p["purge_tags"]))
        return after

    # ---- the two states
    def absent(self):
        current = self.read()
        if current:
            # IAM refuses to delete a role that still has policies or instance profiles
            for arn in self.attached():
                self.detach(arn)
            for name in self.inline_names():
                self.delete_inline(name)
            for profile in [ip["InstanceProfileName"] for ip in self._list("instance profiles",
                                                                           "list_instance_profiles_for_role",
                                                                           "InstanceProfiles")]:
                self.update("remove from instance profile %s" % profile, "remove from instance profile %s" % profile,
                            self.client.remove_role_from_instance_profile, InstanceProfileName=profile)
            self.act("delete", "role", self.name,
                     lambda: call("delete", "role %s" % self.name, self.client.delete_role, RoleName=self.name))
        self.diff(describe(current, {}) if current else {}, {})
        return {}

    def present(self):
        p = self.params
        current = self.read()
        if current is None:
            if self.trust is None:
                raise ModuleError("assume_role_policy is required to create role %s" % self.name)
            before, extra = {}, {"managed_policies": [], "inline_policies": {}}
            after_role = self.create()
            if after_role is None:  # a concurrent run created it first: adopt it and reconcile it as an existing one
                current = self.read()
                if current is None:
                    raise ModuleError("Failed to read role %s: it was reported to exist, then not found" % self.name)
        if current is not None:
            extra = self.read_policies()
            before = describe(current, extra)
            after_role = self.reconcile(current)
        managed = sorted(set(p["managed_policies"])) if p["managed_policies"] is not None else None
        after_extra = self.sync_policies(extra, managed, self.inline)
        for key in ("managed_policies", "inline_policies"):
            if p[key] is None:
                after_extra.pop(key, None)
        document = describe(after_role, after_extra)
        self.diff(before, document)
        return document


def main():
    Role.main()


if __name__ == "__main__":
    main()
