#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: aws_s3_bucket
short_description: Manage an S3 bucket with versioning, encryption, public access block, ownership, lifecycle, tags
description:
  - Creates, updates or deletes an S3 bucket. Reads only the settings it is asked to manage, compares,
    and changes only what differs.
  - An option left unset means "leave that setting alone".
  - Deleting a bucket that still holds objects (or object versions) is refused unless O(force=true).
  - When a concurrent run creates the same bucket first (C(BucketAlreadyOwnedByYou)), the bucket is
    adopted and reconciled like an existing one.
version_added: 0.1.0
author:
  - LLM Twin deploy team (@llmtwin)
options:
  name:
    description:
      - The bucket name (3-63 characters, lowercase letters, digits, dots and hyphens, beginning and ending
        with a letter or digit, not an IP address).
    type: str
    required: true
  state:
    description: Whether the bucket should exist.
    type: str
    default: present
    choices: [present, absent]
  versioning:
    description: Enable (V(true)) or suspend (V(false)) object versioning.
    type: bool
  encryption:
    description: Default encryption of new objects.
    type: str
    choices: [AES256, aws:kms]
  kms_key_id:
    description: The KMS key for O(encryption=aws:kms) (AWS-managed key when unset).
    type: str
  bucket_key_enabled:
    description: Use an S3 Bucket Key with KMS encryption.
    type: bool
    default: false
  public_access_block:
    description: The bucket's public access block. Unset suboptions default to V(true).
    type: dict
    suboptions:
      block_public_acls:
        description: Reject requests that grant public ACLs.
        type: bool
        default: true
      ignore_public_acls:
        description: Ignore public ACLs.
        type: bool
        default: true
      block_public_policy:
        description: Reject bucket policies that grant public access.
        type: bool
        default: true
      restrict_public_buckets:
        description: Restrict access to buckets with public policies.
        type: bool
        default: true
  object_ownership:
    description: The bucket's object ownership control.
    type: str
    choices: [BucketOwnerEnforced, BucketOwnerPreferred, ObjectWriter]
  lifecycle_rules:
    description:
      - Lifecycle rules in the S3 API's shape (C(ID), C(Status), C(Filter), C(Expiration), ...).
        An empty list removes the lifecycle configuration.
      - Checked before anything is created (botocore's request shape, then C(Status), one of C(Filter)/C(Prefix),
        at least one action, unique C(ID)s, positive day counts), so check mode predicts the same failure.
    type: list
    elements: dict
  tags:
    description: Tags of the bucket. Unset leaves tags alone.
    type: dict
  purge_tags:
    description: Remove tags not listed in O(tags).
    type: bool
    default: true
  force:
    description: With O(state=absent), delete every object and object version first.
    type: bool
    default: false
extends_documentation_fragment:
  - llmtwin.deploy.aws
  - llmtwin.deploy.aws.attributes
  - llmtwin.deploy.actions
"""

EXAMPLES = r"""
- name: The ZenML artifact store's bucket
  llmtwin.deploy.aws_s3_bucket:
    name: llm-twin-artifacts-123456789012
    region: us-east-1
    versioning: true
    encryption: AES256
    public_access_block: {}
    object_ownership: BucketOwnerEnforced
    lifecycle_rules:
      - ID: abort-incomplete-uploads
        Status: Enabled
        Filter: {Prefix: ""}
        AbortIncompleteMultipartUpload: {DaysAfterInitiation: 7}
    tags:
      project: llm-twin

- name: Delete it with its content
  llmtwin.deploy.aws_s3_bucket:
    name: llm-twin-artifacts-123456789012
    state: absent
    force: true
"""

RETURN = r"""
bucket:
  description: The bucket as it is after the task (as it would be, in check mode). Empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: The bucket name.
      type: str
      sample: llm-twin-artifacts-123456789012
    arn:
      description: The bucket ARN.
      type: str
      sample: arn:aws:s3:::llm-twin-artifacts-123456789012
    region:
      description: The bucket's region.
      type: str
      sample: us-east-1
    versioning:
      description: V(Enabled), V(Suspended), or none when versioning was never enabled.
      type: str
      sample: Enabled
    encryption:
      description: The default encryption rule, with keys C(SSEAlgorithm), C(KMSMasterKeyID) and C(BucketKeyEnabled).
      type: dict
    public_access_block:
      description: The four public access block flags.
      type: dict
    object_ownership:
      description: The object ownership setting.
      type: str
      sample: BucketOwnerEnforced
    lifecycle_rules:
      description: The lifecycle rules.
      type: list
      elements: dict
    tags:
      description: The tags.
      type: dict
      sample:
        project: llm-twin
actions:
  description:
    - What the task did, or in check mode would do, one entry per change, in the order made.
    - "Each entry reads C(<verb> <kind> <name>) or C(<verb> <kind> <name>: <detail>), verb one of
      C(create), C(update), C(delete). Empty when nothing changed."
    - Also returned when the task fails, listing only what was really done before the failure.
  returned: always
  type: list
  elements: str
  sample: ["create bucket llm-twin-artifacts-123456789012", "update bucket llm-twin-artifacts-123456789012: versioning Enabled"]
resources:
  description:
    - Every resource the task reconciled, changed or not, one C(<kind> <name>) entry each.
  returned: always
  type: list
  elements: str
  sample: ["bucket llm-twin-artifacts-123456789012"]
"""

import re
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.llmtwin.deploy.plugins.module_utils._aws import (
    AWSResource, aws_errors, call, check_request, check_tags, create_or_adopt, dict_to_tags, error_code, merged_tags,
    pages, read_or_none, tag_changes, tag_detail, tags_to_dict, translate,
)
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError

BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
IP_ADDRESS = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
SETTINGS = ("versioning", "encryption", "public_access_block", "object_ownership", "lifecycle_rules", "tags")
PAB_KEYS = (("block_public_acls", "BlockPublicAcls"), ("ignore_public_acls", "IgnorePublicAcls"),
            ("block_public_policy", "BlockPublicPolicy"), ("restrict_public_buckets", "RestrictPublicBuckets"))


def bucket_name_problem(name):
    """Why name is not a valid S3 bucket name, or None."""
    if not BUCKET_NAME.match(name):
        return ("3-63 characters of lowercase letters, digits, dots and hyphens, "
                "beginning and ending with a letter or digit")
    if ".." in name or ".-" in name or "-." in name:
        return "no adjacent dots, and no dot next to a hyphen"
    if IP_ADDRESS.match(name):
        return "not formatted as an IP address"
    if name.startswith(("xn--", "sthree-")) or name.endswith(("-s3alias", "--ol-s3")):
        return "no reserved prefix (xn--, sthree-) or suffix (-s3alias, --ol-s3)"
    return None


RULE_ACTIONS = ("Expiration", "Transitions", "NoncurrentVersionExpiration", "NoncurrentVersionTransitions",
                "AbortIncompleteMultipartUpload")
FILTER_KINDS = ("Prefix", "Tag", "And", "ObjectSizeGreaterThan", "ObjectSizeLessThan")
POSITIVE_DAYS = (("Expiration", "Days"), ("NoncurrentVersionExpiration", "NoncurrentDays"),
                 ("AbortIncompleteMultipartUpload", "DaysAfterInitiation"))


def lifecycle_problem(rules):
    """What S3 would reject in rules that botocore's shape check lets through, or None."""
    if len(rules) > 1000:
        return "at most 1000 rules, got %d" % len(rules)
    ids = [r.get("ID") for r in rules if r.get("ID")]
    if len(ids) != len(set(ids)):
        return "rule IDs must be unique, got %s" % ", ".join(sorted(ids))
    for index, rule in enumerate(rules):
        where = "rule %s" % (rule.get("ID") or "[%d]" % index)
        if rule.get("Status") not in ("Enabled", "Disabled"):
            return "%s: Status must be Enabled or Disabled, got %r" % (where, rule.get("Status"))
        if ("Filter" in rule) == ("Prefix" in rule):
            return "%s: exactly one of Filter and Prefix (Filter: {} for the whole bucket)" % where
        if len([k for k in FILTER_KINDS if k in (rule.get("Filter") or {})]) > 1:
            return "%s: Filter takes one of %s (use And to combine)" % (where, ", ".join(FILTER_KINDS))
        if not any(k in rule for k in RULE_ACTIONS):
            return "%s: needs at least one action among %s" % (where, ", ".join(RULE_ACTIONS))
        expiration = rule.get("Expiration")
        if expiration is not None and len([k for k in ("Days", "Date", "ExpiredObjectDeleteMarker")
                                           if k in expiration]) != 1:
            return "%s: Expiration takes exactly one of Days, Date, ExpiredObjectDeleteMarker" % where
        for action, key in POSITIVE_DAYS:
            days = (rule.get(action) or {}).get(key)
            if days is not None and days < 1:
                return "%s: %s.%s must be at least 1, got %s" % (where, action, key, days)
    return None


def check_input(params):
    """The module's own options, before any connection: a bad rule must not leave a new bucket behind."""
    problem = bucket_name_problem(params["name"])
    if problem:
        raise ModuleError("name: invalid bucket name %r: expected %s" % (params["name"], problem))
    if params["kms_key_id"] and params["encryption"] != "aws:kms":
        raise ModuleError("kms_key_id needs encryption=aws:kms")
    check_tags(params["tags"])
    if params["lifecycle_rules"]:
        check_request("s3", "PutBucketLifecycleConfiguration",
                      {"Bucket": params["name"], "LifecycleConfiguration": {"Rules": params["lifecycle_rules"]}},
                      {"LifecycleConfiguration.Rules": "lifecycle_rules"})
        problem = lifecycle_problem(params["lifecycle_rules"])
        if problem:
            raise ModuleError("lifecycle_rules: %s" % problem)


def desired_encryption(params):
    if params["encryption"] is None:
        return None
    rule = {"SSEAlgorithm": params["encryption"]}
    if params["encryption"] == "aws:kms" and params["kms_key_id"]:
        rule["KMSMasterKeyID"] = params["kms_key_id"]
    rule["BucketKeyEnabled"] = bool(params["bucket_key_enabled"]) if params["encryption"] == "aws:kms" else False
    return rule


def desired_pab(params):
    if params["public_access_block"] is None:
        return None
    return dict((api, bool(params["public_access_block"][opt])) for opt, api in PAB_KEYS)


def encryption_equal(current, desired):
    if current is None:
        return False
    keys = ("SSEAlgorithm", "KMSMasterKeyID")
    if any(current.get(k) != desired.get(k) for k in keys):
        return False
    return bool(current.get("BucketKeyEnabled")) == desired["BucketKeyEnabled"]


def lifecycle_equal(current, desired):
    def key(rules):
        return sorted(rules, key=lambda r: str(r.get("ID", "")))
    return key(current) == key(desired)


def unset_settings(params):
    """The managed settings of a bucket that does not exist yet (create_bucket sets the ownership)."""
    fresh = {"versioning": None, "encryption": None, "public_access_block": None,
             "object_ownership": params["object_ownership"], "lifecycle_rules": [], "tags": {}}
    return dict((k, fresh[k]) for k in SETTINGS if params[k] is not None)


def describe(name, region, settings):
    result = {"name": name, "arn": "arn:aws:s3:::%s" % name, "region": region}
    result.update(settings)
    return result


class Bucket(AWSResource):
    resource = kind = "bucket"
    service = "s3"
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        versioning=dict(type="bool"),
        encryption=dict(type="str", choices=["AES256", "aws:kms"]),
        kms_key_id=dict(type="str", no_log=False),
        bucket_key_enabled=dict(type="bool", default=False),
        public_access_block=dict(type="dict", options=dict(
            block_public_acls=dict(type="bool", default=True),
            ignore_public_acls=dict(type="bool", default=True),
            block_public_policy=dict(type="bool", default=True),
            restrict_public_buckets=dict(type="bool", default=True),
        )),
        object_ownership=dict(type="str", choices=["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"]),
        lifecycle_rules=dict(type="list", elements="dict"),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        force=dict(type="bool", default=False),
    )

    def check_input(self):
        check_input(self.params)

    # ---- reads
    def exists(self):
        try:
            self.client.head_bucket(Bucket=self.name)
            return True
        except aws_errors() as exc:
            code = error_code(exc)
            if code in ("404", "NoSuchBucket", "NotFound"):
                return False
            if code in ("403", "AccessDenied", "Forbidden"):
                raise ModuleError("Failed to read bucket %s: it exists but belongs to another account, or access "
                                  "is denied (bucket names are global: choose another name)" % self.name)
            raise translate("read", "bucket %s" % self.name, exc)

    def read(self):
        """The current settings that this task manages (fewer reads when options are unset).

        The reads are independent, so they run concurrently: one round trip instead of up to six.
        """
        readers = dict((key, getattr(self, "_read_" + key)) for key in SETTINGS if self.params[key] is not None)
        if len(readers) < 2:
            return dict((key, reader()) for key, reader in readers.items())
        with ThreadPoolExecutor(max_workers=len(readers)) as pool:
            futures = dict((key, pool.submit(reader)) for key, reader in readers.items())
            return dict((key, future.result()) for key, future in futures.items())

    def _read(self, setting, missing_codes, fn):
        return read_or_none("read %s of" % setting, "bucket %s" % self.name, missing_codes, fn, Bucket=self.name)

    def _read_versioning(self):
        return call("read versioning of", "bucket %s" % self.name, self.client.get_bucket_versioning,
                    Bucket=self.name).get("Status")

    def _read_encryption(self):
        enc = self._read("encryption", ("ServerSideEncryptionConfigurationNotFoundError",), self.client.get_bucket_encryption)
        rules = (enc or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
        if not rules:
            return None
        return dict(rules[0].get("ApplyServerSideEncryptionByDefault", {}),
                    BucketKeyEnabled=bool(rules[0].get("BucketKeyEnabled")))

    def _read_public_access_block(self):
        pab = self._read("public access block", ("NoSuchPublicAccessBlockConfiguration",),
                         self.client.get_public_access_block)
        return (pab or {}).get("PublicAccessBlockConfiguration")

    def _read_object_ownership(self):
        own = self._read("ownership controls", ("OwnershipControlsNotFoundError",),
                         self.client.get_bucket_ownership_controls)
        rules = (own or {}).get("OwnershipControls", {}).get("Rules", [])
        return rules[0]["ObjectOwnership"] if rules else None

    def _read_lifecycle_rules(self):
        lc = self._read("lifecycle", ("NoSuchLifecycleConfiguration",), self.client.get_bucket_lifecycle_configuration)
        return (lc or {}).get("Rules", [])

    def _read_tags(self):
        tg = self._read("tags", ("NoSuchTagSet",), self.client.get_bucket_tagging)
        return tags_to_dict((tg or {}).get("TagSet"))

    # ---- writes
    def update(self, detail, action, fn, **kwargs):
        super(Bucket, self).update(detail, action, fn, Bucket=self.name, **kwargs)

    def create(self):
        """Create the bucket; False when a concurrent run created it first (then adopt it)."""
        if self.check_mode:
            self.act("create", "bucket", self.name)
            return True
        kwargs = {"Bucket": self.name}
        region = self.params["region"]
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        if self.params["object_ownership"]:
            kwargs["ObjectOwnership"] = self.params["object_ownership"]
        created = create_or_adopt("create", "bucket %s" % self.name, ("BucketAlreadyOwnedByYou",),
                                  self.client.create_bucket, **kwargs)
        if created is not None:
            self.act("create", "bucket", self.name)  # made just above: the answer tells creation from adoption
        # S3 is eventually consistent: the settings below need the bucket to be visible first
        waiter = self.client.get_waiter("bucket_exists")
        call("wait for", "bucket %s" % self.name, waiter.wait, Bucket=self.name,
             WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        return created is not None

    def reconcile(self, cur):
        """Apply every difference; returns the settings after the change."""
        p, after = self.params, dict(cur)
        if p["versioning"] is not None:
            want = "Enabled" if p["versioning"] else "Suspended"
            # a never-versioned bucket (None) already matches "suspended"
            if cur.get("versioning") != want and not (want == "Suspended" and cur.get("versioning") is None):
                self.update("versioning %s" % want, "set versioning of", self.client.put_bucket_versioning,
                            VersioningConfiguration={"Status": want})
                after["versioning"] = want
        enc = desired_encryption(p)
        if enc is not None and not encryption_equal(cur.get("encryption"), enc):
            default = dict((k, v) for k, v in enc.items() if k != "BucketKeyEnabled")
            self.update("encryption %s" % enc["SSEAlgorithm"], "set encryption of", self.client.put_bucket_encryption,
                        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": default,
                                                                      "BucketKeyEnabled": enc["BucketKeyEnabled"]}]})
            after["encryption"] = enc
        pab = desired_pab(p)
        if pab is not None and cur.get("public_access_block") != pab:
            self.update("public access block", "set public access block of", self.client.put_public_access_block,
                        PublicAccessBlockConfiguration=pab)
            after["public_access_block"] = pab
        own = p["object_ownership"]
        if own is not None and cur.get("object_ownership") != own:
            self.update("object ownership %s" % own, "set ownership controls of", self.client.put_bucket_ownership_controls,
                        OwnershipControls={"Rules": [{"ObjectOwnership": own}]})
            after["object_ownership"] = own
        rules = p["lifecycle_rules"]
        if rules is not None and not lifecycle_equal(cur.get("lifecycle_rules") or [], rules):
            if rules:
                self.update("lifecycle rules", "set lifecycle of", self.client.put_bucket_lifecycle_configuration,
                            LifecycleConfiguration={"Rules": rules})
            else:
                self.update("lifecycle rules removed", "delete lifecycle of", self.client.delete_bucket_lifecycle)
            after["lifecycle_rules"] = rules
        if p["tags"] is not None:
            to_set, to_remove = tag_changes(cur.get("tags", {}), p["tags"], p["purge_tags"])
            if to_set or to_remove:
                tags = merged_tags(cur.get("tags", {}), p["tags"], p["purge_tags"])
                if tags:  # S3 replaces the whole tag set
                    self.update(tag_detail(to_set, to_remove), "set tags of", self.client.put_bucket_tagging,
                                Tagging={"TagSet": dict_to_tags(tags)})
                else:
                    self.update(tag_detail(to_set, to_remove), "delete tags of", self.client.delete_bucket_tagging)
                after["tags"] = tags
        return after

    def object_count(self):
        """Objects plus versions and delete markers (a versioned bucket is not empty while versions remain)."""
        page = call("list objects of", "bucket %s" % self.name, self.client.list_object_versions, Bucket=self.name,
                    MaxKeys=1)
        return len(page.get("Versions", [])) + len(page.get("DeleteMarkers", []))

    def empty(self):
        for page in pages("list objects of", "bucket %s" % self.name, self.client, "list_object_versions", Bucket=self.name):
            batch = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                     for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
            if batch:
                self.update("delete %d objects or versions" % len(batch), "delete objects of", self.client.delete_objects,
                            Delete={"Objects": batch, "Quiet": True})

    # ---- the two states
    def absent(self):
        exists = self.exists()
        if exists:
            count = self.object_count()
            if count and not self.params["force"]:
                raise ModuleError("Refusing to delete bucket %s: it is not empty (objects or versions remain); "
                                  "set force=true to delete its content too" % self.name)
            if count:
                self.empty()
            self.act("delete", "bucket", self.name,
                     lambda: call("delete", "bucket %s" % self.name, self.client.delete_bucket, Bucket=self.name))
        self.diff({"name": self.name} if exists else {}, {})
        return {}

    def present(self):
        p = self.params
        exists = self.exists()
        # a concurrent run may win the create: the bucket is then adopted and read like an existing one
        adopted = not exists and not self.create()
        if exists or adopted:
            before = self.read()
            current = dict(before)
        else:
            before = None
            current = unset_settings(p)
        after = describe(self.name, p["region"], self.reconcile(current))
        self.diff(describe(self.name, p["region"], before) if before is not None else {}, after)
        return after


def main():
    Bucket.main()


if __name__ == "__main__":
    main()
