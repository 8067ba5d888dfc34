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
"""

import json
import re

try:
    from urllib.parse import unquote
except ImportError:  # Python 2 is not supported, but keep the import checker calm
    from urllib import unquote

from ansible_collections.llmtwin.deploy.plugins.module_utils._aws import (
    AWSFailure, AWSModule, BotoCoreError, ClientError, call, check_policy, check_tags, create_or_adopt, dict_to_tags,
    error_code, load_policy, merged_tags, policies_equal, tag_changes, tags_to_dict,
)

ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
POLICY_NAME = re.compile(r"^[\w+=,.@-]{1,128}$")
ROLE_PATH = re.compile(r"^/([\x21-\x7e]{0,510}/)?$")
POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(aws|\d{12}):policy/[\w+=,.@/-]+$")


def policy_doc(value):
    """IAM returns documents URL-encoded (botocore usually decodes them already)."""
    if isinstance(value, dict):
        return value
    return json.loads(unquote(value))


class Role(object):

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.name = module.params["name"]
        self.iam = module.client("iam")
        self.changed = False

    def _write(self, action, fn, **kwargs):
        self.changed = True
        result = None if self.module.check_mode else call(action, fn, **kwargs)
        self.module.did(action)
        return result

    def read(self):
        try:
            return self.iam.get_role(RoleName=self.name)["Role"]
        except (ClientError, BotoCoreError) as exc:
            if error_code(exc) == "NoSuchEntity":
                return None
            return call("read role %s" % self.name, _reraise, exc)

    def attached(self):
        pages = self.iam.get_paginator("list_attached_role_policies").paginate(RoleName=self.name)
        return sorted(p["PolicyArn"] for page in pages for p in page["AttachedPolicies"])

    def inline_names(self):
        pages = self.iam.get_paginator("list_role_policies").paginate(RoleName=self.name)
        return sorted(n for page in pages for n in page["PolicyNames"])

    def inline(self, names):
        return dict((n, policy_doc(call("read inline policy %s of %s" % (n, self.name), self.iam.get_role_policy,
                                        RoleName=self.name, PolicyName=n)["PolicyDocument"])) for n in names)

    def read_policies(self):
        p, extra = self.params, {}
        try:
            if p["managed_policies"] is not None:
                extra["managed_policies"] = self.attached()
            if p["inline_policies"] is not None:
                extra["inline_policies"] = self.inline(self.inline_names())
        except (ClientError, BotoCoreError) as exc:
            call("read policies of role %s" % self.name, _reraise, exc)
        return extra

    def sync_policies(self, extra, managed, inline):
        p, after = self.params, dict(extra)
        if managed is not None:
            have = extra.get("managed_policies", [])
            for arn in sorted(set(managed) - set(have)):
                self._write("attach policy %s to role %s" % (arn, self.name), self.iam.attach_role_policy,
                            RoleName=self.name, PolicyArn=arn)
            gone = sorted(set(have) - set(managed)) if p["purge_managed_policies"] else []
            for arn in gone:
                self._write("detach policy %s from role %s" % (arn, self.name), self.iam.detach_role_policy,
                            RoleName=self.name, PolicyArn=arn)
            after["managed_policies"] = sorted((set(have) | set(managed)) - set(gone))
        if inline is not None:
            have = extra.get("inline_policies", {})
            for name, doc in sorted(inline.items()):
                if not policies_equal(have.get(name), doc):
                    self._write("put inline policy %s of role %s" % (name, self.name), self.iam.put_role_policy,
                                RoleName=self.name, PolicyName=name, PolicyDocument=json.dumps(doc))
            gone = sorted(set(have) - set(inline)) if p["purge_inline_policies"] else []
            for name in gone:
                self._write("delete inline policy %s of role %s" % (name, self.name), self.iam.delete_role_policy,
                            RoleName=self.name, PolicyName=name)
            kept = dict((n, d) for n, d in have.items() if n not in gone)
            kept.update(inline)
            after["inline_policies"] = kept
        return after

    def create(self, trust):
        """The new role; None when a concurrent run created it first (then adopt it)."""
        p = self.params
        kwargs = {"RoleName": self.name, "Path": p["path"], "AssumeRolePolicyDocument": json.dumps(trust)}
        if p["description"] is not None:
            kwargs["Description"] = p["description"]
        if p["max_session_duration"]:
            kwargs["MaxSessionDuration"] = p["max_session_duration"]
        if p["tags"]:
            kwargs["Tags"] = dict_to_tags(p["tags"])
        action = "create role %s" % self.name
        if not self.module.check_mode:
            created = create_or_adopt(action, ("EntityAlreadyExists",), self.iam.create_role, **kwargs)
            if created is None:
                return None
            self.changed = True
            self.module.did(action)
            return created["Role"]
        self._write(action, None)
        return {"RoleName": self.name, "Path": p["path"], "AssumeRolePolicyDocument": trust,
                "Description": p["description"], "MaxSessionDuration": p["max_session_duration"] or 3600,
                "Tags": dict_to_tags(p["tags"] or {})}

    def update(self, role, trust):
        p, after = self.params, dict(role)
        if trust is not None and not policies_equal(policy_doc(role["AssumeRolePolicyDocument"]), trust):
            self._write("update trust policy of role %s" % self.name, self.iam.update_assume_role_policy,
                        RoleName=self.name, PolicyDocument=json.dumps(trust))
            after["AssumeRolePolicyDocument"] = trust
        changes = {}
        if p["description"] is not None and role.get("Description", "") != p["description"]:
            changes["Description"] = p["description"]
        if p["max_session_duration"] and role.get("MaxSessionDuration") != p["max_session_duration"]:
            changes["MaxSessionDuration"] = p["max_session_duration"]
        if changes:
            self._write("update role %s" % self.name, self.iam.update_role, RoleName=self.name, **changes)
            after.update(changes)
        if p["tags"] is not None:
            current = tags_to_dict(role.get("Tags"))
            to_set, to_remove = tag_changes(current, p["tags"], p["purge_tags"])
            if to_set:
                self._write("tag role %s" % self.name, self.iam.tag_role, RoleName=self.name,
                            Tags=dict_to_tags(to_set))
            if to_remove:
                self._write("untag role %s" % self.name, self.iam.untag_role, RoleName=self.name, TagKeys=to_remove)
            after["Tags"] = dict_to_tags(merged_tags(current, p["tags"], p["purge_tags"]))
        return after

    def delete(self):
        try:
            for arn in self.attached():
                self._write("detach policy %s from role %s" % (arn, self.name), self.iam.detach_role_policy,
                            RoleName=self.name, PolicyArn=arn)
            for name in self.inline_names():
                self._write("delete inline policy %s of role %s" % (name, self.name), self.iam.delete_role_policy,
                            RoleName=self.name, PolicyName=name)
            pages = self.iam.get_paginator("list_instance_profiles_for_role").paginate(RoleName=self.name)
            for profile in [ip["InstanceProfileName"] for page in pages for ip in page["InstanceProfiles"]]:
                self._write("remove role %s from instance profile %s" % (self.name, profile),
                            self.iam.remove_role_from_instance_profile, RoleName=self.name,
                            InstanceProfileName=profile)
        except (ClientError, BotoCoreError) as exc:
            call("list policies of role %s" % self.name, _reraise, exc)
        self._write("delete role %s" % self.name, self.iam.delete_role, RoleName=self.name)


def _reraise(exc):
    raise exc


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


def check_input(p):
    """Parse and check the whole input before any connection; returns (trust, inline)."""
    if not ROLE_NAME.match(p["name"]):
        raise AWSFailure("name: invalid role name %r: expected 1-64 letters, digits or +=,.@_-" % p["name"])
    if not ROLE_PATH.match(p["path"]):
        raise AWSFailure("path: must begin and end with '/' (at most 512 printable characters), got %r" % p["path"])
    if p["max_session_duration"] is not None and not 3600 <= p["max_session_duration"] <= 43200:
        raise AWSFailure("max_session_duration: expected 3600-43200 seconds, got %s" % p["max_session_duration"])
    if p.get("description") is not None and len(p["description"]) > 1000:
        raise AWSFailure("description: at most 1000 characters, got %d" % len(p["description"]))
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
                raise AWSFailure("%s: invalid policy name: expected 1-128 letters, digits or +=,.@_-" % where)
            if doc is None:
                raise AWSFailure("%s: expected a policy document (a dict or a JSON object string), got null; "
                                 "to delete the policy, leave it out" % where)
            inline[name] = check_policy(load_policy(doc, where), where)
    for arn in p["managed_policies"] or []:
        if not POLICY_ARN.match(arn):
            raise AWSFailure("managed_policies: expected policy ARNs (arn:aws:iam::aws:policy/NAME or "
                             "arn:aws:iam::ACCOUNT:policy/NAME), got %r" % arn)
    return trust, inline


def run(module):
    p = module.params
    trust, inline = check_input(p)
    role = Role(module)
    current = role.read()
    result = {"changed": False, "role": {}}
    if p["state"] == "absent":
        if current:
            role.delete()
        result["changed"] = role.changed
        if module._diff:
            result["diff"] = {"before": describe(current, {}) if current else {}, "after": {}}
        return result
    if current is None:
        if trust is None:
            raise AWSFailure("assume_role_policy is required to create role %s" % p["name"])
        before, extra = {}, {"managed_policies": [], "inline_policies": {}}
        after_role = role.create(trust)
        if after_role is None:  # a concurrent run created it first: adopt it and reconcile it as an existing one
            current = role.read()
            if current is None:
                raise AWSFailure("Failed to read role %s: it was reported to exist, then not found" % p["name"])
    if current is not None:
        extra = role.read_policies()
        before = describe(current, extra)
        after_role = role.update(current, trust)
    managed = sorted(set(p["managed_policies"])) if p["managed_policies"] is not None else None
    after_extra = role.sync_policies(extra, managed, inline)
    for key in ("managed_policies", "inline_policies"):
        if p[key] is None:
            after_extra.pop(key, None)
    result["changed"] = role.changed
    result["role"] = describe(after_role, after_extra)
    if module._diff:
        result["diff"] = {"before": before, "after": result["role"]}
    return result


def main():
    module = AWSModule(
        argument_spec=dict(
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
        ),
        supports_check_mode=True,
    )
    module.run(run)


if __name__ == "__main__":
    main()
