"""aws_s3_bucket helpers: bucket name rules and the desired settings."""
import pytest

from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError
from ansible_collections.llmtwin.deploy.plugins.modules import aws_s3_bucket as mod


@pytest.mark.parametrize("name", ["llm-twin-artifacts-123456789012", "abc", "a.b-c", "a" * 63])
def test_valid_bucket_names(name):
    assert mod.bucket_name_problem(name) is None


@pytest.mark.parametrize("name", ["ab", "a" * 64, "Bad_Bucket", "-abc", "abc-", "a..b", "a.-b", "192.168.1.1",
                                  "xn--abc", "abc-s3alias"])
def test_invalid_bucket_names(name):
    assert mod.bucket_name_problem(name)


def params(**kw):
    base = {"encryption": None, "kms_key_id": None, "bucket_key_enabled": False, "public_access_block": None,
            "versioning": None, "object_ownership": None, "lifecycle_rules": None, "tags": None}
    base.update(kw)
    return base


def test_encryption_comparison():
    want = mod.desired_encryption(params(encryption="AES256"))
    assert mod.encryption_equal({"SSEAlgorithm": "AES256", "BucketKeyEnabled": False}, want)
    assert not mod.encryption_equal(None, want)
    kms = mod.desired_encryption(params(encryption="aws:kms", kms_key_id="k", bucket_key_enabled=True))
    assert kms == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "k", "BucketKeyEnabled": True}
    assert not mod.encryption_equal({"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "k"}, kms)


def test_public_access_block_and_unset_settings():
    pab = mod.desired_pab(params(public_access_block={"block_public_acls": True, "ignore_public_acls": True,
                                                      "block_public_policy": False, "restrict_public_buckets": True}))
    assert pab == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
                   "RestrictPublicBuckets": True}
    assert mod.desired_pab(params()) is None
    # only managed settings appear for a bucket about to be created
    assert mod.unset_settings(params(versioning=True, tags={})) == {"versioning": None, "tags": {}}


def test_lifecycle_rules_compare_regardless_of_order():
    a, b = {"ID": "a", "Status": "Enabled"}, {"ID": "b", "Status": "Enabled"}
    assert mod.lifecycle_equal([a, b], [b, a])
    assert not mod.lifecycle_equal([a], [a, b])


def inputs(**kw):
    return dict({"name": "e11-bucket", "kms_key_id": None, "encryption": None, "tags": None, "lifecycle_rules": None},
                **kw)


RULE = {"ID": "abort", "Status": "Enabled", "Filter": {"Prefix": ""}, "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}


def test_valid_lifecycle_rules_pass():
    mod.check_input(inputs(lifecycle_rules=[RULE, dict(RULE, ID="exp", Expiration={"Days": 30})]))
    mod.check_input(inputs(lifecycle_rules=[]))


@pytest.mark.parametrize("rules, message", [
    # issue 11: S3 refused these only after the bucket had been created
    ([{"ID": "r", "Filter": {"Prefix": ""}, "Expiration": {"Days": 7}}],
     'lifecycle_rules: Missing required parameter in lifecycle_rules[0]: "Status"'),
    ([dict(RULE, Status="On")], "lifecycle_rules: rule abort: Status must be Enabled or Disabled, got 'On'"),
    ([dict(RULE, Expiration="7 days")], "lifecycle_rules: Invalid type for parameter lifecycle_rules[0].Expiration"),
    ([dict(RULE, Bogus=1)], 'lifecycle_rules: Unknown parameter in lifecycle_rules[0]: "Bogus"'),
    ([{"ID": "r", "Status": "Enabled", "Expiration": {"Days": 7}}], "rule r: exactly one of Filter and Prefix"),
    ([{"ID": "r", "Status": "Enabled", "Filter": {}}], "rule r: needs at least one action"),
    ([dict(RULE, Expiration={"Days": 7, "ExpiredObjectDeleteMarker": True})], "Expiration takes exactly one of"),
    ([dict(RULE, AbortIncompleteMultipartUpload={"DaysAfterInitiation": 0})],
     "AbortIncompleteMultipartUpload.DaysAfterInitiation must be at least 1"),
    ([RULE, RULE], "rule IDs must be unique"),
    ([dict(RULE, Filter={"Prefix": "a", "ObjectSizeGreaterThan": 5})], "Filter takes one of"),
])
def test_invalid_lifecycle_rules_fail_before_any_connection(rules, message):
    with pytest.raises(ModuleError) as err:
        mod.check_input(inputs(lifecycle_rules=rules))
    assert message in str(err.value)


def test_tags_are_checked_before_any_connection():
    with pytest.raises(ModuleError, match="tags: at most 50 tags"):
        mod.check_input(inputs(tags=dict(("k%d" % i, "v") for i in range(51))))


# ---------------------------------------------------------------- the module on the contract, with a fake S3

import json  # noqa: E402
from unittest import mock  # noqa: E402

from ansible.module_utils.testing import patch_module_args  # noqa: E402

from ansible_collections.llmtwin.deploy.plugins.module_utils import _aws  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402


def client_error(code, message="boom"):
    return ClientError({"Error": {"Code": code, "Message": message}}, "Op")


def fake_s3(exists=False, versioning=None, tags=None):
    s3 = mock.Mock()
    if not exists:
        s3.head_bucket.side_effect = client_error("404", "Not Found")
    s3.get_bucket_versioning.return_value = {"Status": versioning} if versioning else {}
    if tags:
        s3.get_bucket_tagging.return_value = {"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]}
    else:
        s3.get_bucket_tagging.side_effect = client_error("NoSuchTagSet")
    return s3


def run_module(capsys, s3, check_mode=False, diff=False, **args):
    args = dict({"name": "b-e11", "region": "eu-west-1", "access_key": "AKIDTEST", "secret_key": "SECRETTEST"}, **args)
    with patch_module_args(dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)):
        with mock.patch.object(_aws.AWS, "client", return_value=s3), pytest.raises(SystemExit):
            mod.main()
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_new_bucket_is_created_then_configured_and_check_mode_writes_nothing(capsys, check_mode):
    s3 = fake_s3()
    result = run_module(capsys, s3, check_mode=check_mode, diff=True, versioning=True, tags={"a": "1"})
    assert result["changed"] is True and result["resources"] == ["bucket b-e11"]
    assert result["actions"] == ["create bucket b-e11", "update bucket b-e11: versioning Enabled",
                                 "update bucket b-e11: tags +a"]
    assert result["bucket"]["versioning"] == "Enabled" and result["bucket"]["tags"] == {"a": "1"}
    assert result["diff"]["before"] == {} and result["diff"]["after"] == result["bucket"]
    written = [s3.create_bucket, s3.put_bucket_versioning, s3.put_bucket_tagging]
    assert all(w.called for w in written) if not check_mode else not any(w.called for w in written)
    if not check_mode:
        s3.create_bucket.assert_called_once_with(Bucket="b-e11", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})


def test_an_unchanged_bucket_has_no_actions_and_no_diff_outside_diff_mode(capsys):
    s3 = fake_s3(exists=True, versioning="Enabled", tags={"a": "1"})
    result = run_module(capsys, s3, versioning=True, tags={"a": "1"})
    assert result["changed"] is False and result["actions"] == [] and result["resources"] == ["bucket b-e11"]
    assert "diff" not in result and not s3.put_bucket_versioning.called and not s3.put_bucket_tagging.called


def test_a_concurrent_create_is_adopted_not_reported(capsys):
    s3 = fake_s3(versioning="Enabled")
    s3.create_bucket.side_effect = client_error("BucketAlreadyOwnedByYou")
    result = run_module(capsys, s3, versioning=True)
    assert result["changed"] is False and result["actions"] == []


def test_a_failure_after_a_write_reports_changed_and_what_was_done(capsys):
    s3 = fake_s3()
    s3.put_bucket_versioning.side_effect = client_error("AccessDenied", "denied")
    result = run_module(capsys, s3, versioning=True)
    assert result["failed"] is True and result["changed"] is True and result["actions"] == ["create bucket b-e11"]
    assert result["msg"] == ("Failed to set versioning of bucket b-e11: denied (AccessDenied) "
                             "(already done: create bucket b-e11)")


def test_purging_the_last_tags_and_lifecycle_rules(capsys):
    s3 = fake_s3(exists=True, tags={"a": "1", "b": "2"})
    s3.get_bucket_lifecycle_configuration.return_value = {"Rules": [RULE]}
    result = run_module(capsys, s3, tags={}, lifecycle_rules=[])
    assert result["actions"] == ["update bucket b-e11: lifecycle rules removed", "update bucket b-e11: tags -a,b"]
    s3.delete_bucket_tagging.assert_called_once_with(Bucket="b-e11")
    s3.delete_bucket_lifecycle.assert_called_once_with(Bucket="b-e11")


def test_deleting_a_non_empty_bucket_is_refused_without_force(capsys):
    s3 = fake_s3(exists=True)
    s3.list_object_versions.return_value = {"Versions": [{"Key": "k", "VersionId": "1"}]}
    result = run_module(capsys, s3, state="absent")
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"].startswith("Refusing to delete bucket b-e11: it is not empty")
    s3.get_paginator.return_value.paginate.return_value = [{"Versions": [{"Key": "k", "VersionId": "1"}]}]
    result = run_module(capsys, s3, state="absent", force=True)
    assert result["actions"] == ["update bucket b-e11: delete 1 objects or versions", "delete bucket b-e11"]
    s3.delete_bucket.assert_called_once_with(Bucket="b-e11")


def test_a_bucket_of_another_account_is_one_message(capsys):
    s3 = fake_s3(exists=True)
    s3.head_bucket.side_effect = client_error("403", "Forbidden")
    result = run_module(capsys, s3)
    assert result["msg"].startswith("Failed to read bucket b-e11: it exists but belongs to another account")


def test_an_answer_that_is_not_aws_is_one_message(capsys):
    s3 = fake_s3(exists=True)
    # an HTML page parsed by botocore: a document without the expected keys
    s3.get_bucket_ownership_controls.return_value = {"OwnershipControls": {"Rules": [{}]}}
    result = run_module(capsys, s3, object_ownership="BucketOwnerEnforced", endpoint_url="http://127.0.0.1:8080")
    assert result["failed"] is True
    assert result["msg"].startswith("Failed to read the answer of http://127.0.0.1:8080: it is not an AWS API response")
