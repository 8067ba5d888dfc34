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


SESSION = {}


class Checker(object):
    """Just enough of AWSModule for check_input: params, a botocore session, the request shape check."""

    def __init__(self, **params):
        import botocore.session
        from ansible_collections.llmtwin.deploy.plugins.module_utils._aws import AWSModule

        self.params = dict({"name": "e11-bucket", "kms_key_id": None, "encryption": None, "tags": None,
                            "lifecycle_rules": None}, **params)
        self._session = SESSION.setdefault("s", botocore.session.Session())  # one model load for all tests
        self.validate_request = AWSModule.validate_request.__get__(self)

    def session(self):
        return self._session


RULE = {"ID": "abort", "Status": "Enabled", "Filter": {"Prefix": ""}, "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}


def test_valid_lifecycle_rules_pass():
    mod.check_input(Checker(lifecycle_rules=[RULE, dict(RULE, ID="exp", Expiration={"Days": 30})]))
    mod.check_input(Checker(lifecycle_rules=[]))


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
    from ansible_collections.llmtwin.deploy.plugins.module_utils._aws import AWSFailure

    with pytest.raises(AWSFailure) as err:
        mod.check_input(Checker(lifecycle_rules=rules))
    assert message in str(err.value)


def test_tags_are_checked_before_any_connection():
    from ansible_collections.llmtwin.deploy.plugins.module_utils._aws import AWSFailure

    with pytest.raises(AWSFailure, match="tags: at most 50 tags"):
        mod.check_input(Checker(tags=dict(("k%d" % i, "v") for i in range(51))))
