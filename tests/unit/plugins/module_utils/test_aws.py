"""module_utils/_aws: tag and policy comparison, region data, error translation."""
import json

import botocore.session
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from ansible_collections.llmtwin.deploy.plugins.module_utils import _aws


def client_error(code, message="boom"):
    return ClientError({"Error": {"Code": code, "Message": message}}, "Op")


def test_tag_changes_purge_and_keep():
    current = {"a": "1", "b": "2"}
    assert _aws.tag_changes(current, {"a": "1", "c": 3}, purge=True) == ({"c": "3"}, ["b"])
    assert _aws.tag_changes(current, {"a": "9"}, purge=False) == ({"a": "9"}, [])
    assert _aws.tag_changes(current, None, purge=True) == ({}, [])
    assert _aws.merged_tags(current, {"c": "3"}, purge=False) == {"a": "1", "b": "2", "c": "3"}
    assert _aws.merged_tags(current, {"c": "3"}, purge=True) == {"c": "3"}


def test_policies_equal_ignores_order_and_single_item_lists():
    a = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]},
        {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}]}
    b = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*"}]}
    assert _aws.policies_equal(a, json.dumps(b))
    b["Statement"][1]["Action"].append("s3:DeleteObject")
    assert not _aws.policies_equal(a, b)
    assert _aws.policies_equal(None, None) and not _aws.policies_equal(a, None)


def test_load_policy_rejects_malformed_json_naming_the_option():
    with pytest.raises(_aws.AWSFailure, match="assume_role_policy: malformed policy JSON"):
        _aws.load_policy('{"Statement": [', "assume_role_policy")
    with pytest.raises(_aws.AWSFailure, match="must be a JSON object"):
        _aws.load_policy("[1]", "x")
    assert _aws.load_policy('{"a": 1}', "x") == {"a": 1}


def test_known_regions_from_partition_data():
    regions = _aws.known_regions(botocore.session.Session())
    assert {"us-east-1", "eu-central-1", "cn-north-1"} <= regions
    assert "us-moon-1" not in regions and "aws-global" not in regions


def test_call_translates_errors_without_traceback():
    def fail():
        raise client_error("AccessDenied", "no way")
    with pytest.raises(_aws.AWSFailure, match=r"^Failed to read bucket b: no way \(AccessDenied\)$"):
        _aws.call("read bucket b", fail)

    def unreachable():
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")
    with pytest.raises(_aws.AWSFailure, match="Failed to read x: Could not connect"):
        _aws.call("read x", unreachable)


def test_read_or_none_only_swallows_not_found_codes():
    def missing():
        raise client_error("NoSuchTagSet")
    assert _aws.read_or_none("read tags", ("NoSuchTagSet",), missing) is None

    def denied():
        raise client_error("AccessDenied")
    with pytest.raises(_aws.AWSFailure, match="Failed to read tags"):
        _aws.read_or_none("read tags", ("NoSuchTagSet",), denied)


def test_argument_spec_marks_credentials_no_log():
    spec = _aws.aws_argument_spec()
    assert all(spec[k]["no_log"] for k in ("access_key", "secret_key", "session_token"))
    assert spec["endpoint_url"]["fallback"][1] == ["AWS_ENDPOINT_URL"]
    assert spec["retry_mode"]["choices"] == ["standard", "adaptive"]


def test_load_policy_rejects_a_list_or_number_naming_the_option():
    for value, kind in (([{"Statement": []}], "list"), (5, "int")):
        with pytest.raises(_aws.AWSFailure, match="lifecycle_policy: expected a policy document .*got a %s" % kind):
            _aws.load_policy(value, "lifecycle_policy")


def test_create_or_adopt_returns_none_when_a_concurrent_run_created_it():
    def create(**kwargs):
        raise client_error("EntityAlreadyExists", "Role with name r already exists.")
    assert _aws.create_or_adopt("create role r", ("EntityAlreadyExists",), create) is None
    with pytest.raises(_aws.AWSFailure, match="Failed to create role r: .*EntityAlreadyExists"):
        _aws.create_or_adopt("create role r", ("NoSuchEntity",), create)


class _Http(object):
    def __init__(self, headers, content=b"<html>It works!</html>", status_code=200):
        self.headers, self.content, self.status_code = headers, content, status_code


def test_an_answer_without_a_request_id_is_not_an_aws_response():
    _aws.require_request_id(http_response=_Http({"x-amz-request-id": "1"}), parsed={})
    _aws.require_request_id(http_response=_Http({"X-Amzn-RequestId": "1"}), parsed={})
    _aws.require_request_id(http_response=_Http({}), parsed={"ResponseMetadata": {"RequestId": "1"}})
    with pytest.raises(_aws.ResponseParserError, match="HTTP 200 without an AWS request id .*It works!"):
        _aws.require_request_id(http_response=_Http({"content-type": "text/html"}), parsed={})
    with pytest.raises(_aws.AWSFailure, match="Failed to read bucket b: the answer is not an AWS API response"):
        _aws.call("read bucket b", _aws.require_request_id, http_response=_Http({}), parsed={})


def test_default_timeouts_bound_a_hung_endpoint_within_a_minute():
    spec = _aws.aws_argument_spec()
    # each attempt waits read_timeout; standard-mode backoff adds at most 1 + 2 s between 3 attempts
    assert spec["max_attempts"]["default"] * spec["read_timeout"]["default"] + 3 <= 50


def test_max_attempts_is_the_total_number_of_attempts():
    # botocore's retries "max_attempts" counts retries: 3 meant 4 attempts (121-132 s on a hung endpoint)
    module = object.__new__(_aws.AWSModule)
    module.params = dict(region="us-east-1", profile=None, access_key="a", secret_key="b", session_token=None,
                         endpoint_url="http://127.0.0.1:9", connect_timeout=5.0, read_timeout=15.0, max_attempts=3,
                         retry_mode="standard")
    module._session = botocore.session.Session()
    client = module.client("sts")
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 3}
    client.close()
