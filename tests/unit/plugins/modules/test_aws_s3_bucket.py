"""aws_s3_bucket helpers: bucket name rules and the desired settings."""
import pytest

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
