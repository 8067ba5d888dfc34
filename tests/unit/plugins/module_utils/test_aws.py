"""module_utils/_aws: tag and policy comparison, region data, error translation, ECR authorization."""
import base64
import json
import os
import subprocess
import sys
from unittest import mock

import botocore.session
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.parsers import ResponseParserError

from ansible_collections.llmtwin.deploy.plugins.module_utils import _aws
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError


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
    with pytest.raises(ModuleError, match="assume_role_policy: malformed policy JSON"):
        _aws.load_policy('{"Statement": [', "assume_role_policy")
    with pytest.raises(ModuleError, match="must be a JSON object"):
        _aws.load_policy("[1]", "x")
    assert _aws.load_policy('{"a": 1}', "x") == {"a": 1}


def test_known_regions_from_partition_data():
    regions = _aws.known_regions(botocore.session.Session())
    assert {"us-east-1", "eu-central-1", "cn-north-1"} <= regions
    assert "us-moon-1" not in regions and "aws-global" not in regions


def test_call_translates_errors_without_traceback():
    def fail():
        raise client_error("AccessDenied", "no way")
    with pytest.raises(ModuleError, match=r"^Failed to read bucket b: no way \(AccessDenied\)$"):
        _aws.call("read", "bucket b", fail)

    def unreachable():
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")
    with pytest.raises(ModuleError, match="Failed to read x: Could not connect"):
        _aws.call("read", "x", unreachable)


def test_read_or_none_only_swallows_not_found_codes():
    def missing():
        raise client_error("NoSuchTagSet")
    assert _aws.read_or_none("read tags of", "bucket b", ("NoSuchTagSet",), missing) is None

    def denied():
        raise client_error("AccessDenied")
    with pytest.raises(ModuleError, match=r"^Failed to read tags of bucket b: boom \(AccessDenied\)$"):
        _aws.read_or_none("read tags of", "bucket b", ("NoSuchTagSet",), denied)


def test_argument_spec_marks_credentials_no_log():
    spec = _aws.aws_argument_spec()
    assert all(spec[k]["no_log"] for k in ("access_key", "secret_key", "session_token"))
    assert spec["endpoint_url"]["fallback"][1] == ["AWS_ENDPOINT_URL"]
    assert spec["retry_mode"]["choices"] == ["standard", "adaptive"]


def test_load_policy_rejects_a_list_or_number_naming_the_option():
    for value, kind in (([{"Statement": []}], "list"), (5, "int")):
        with pytest.raises(ModuleError, match="lifecycle_policy: expected a policy document .*got a %s" % kind):
            _aws.load_policy(value, "lifecycle_policy")


def test_create_or_adopt_returns_none_when_a_concurrent_run_created_it():
    def create(**kwargs):
        raise client_error("EntityAlreadyExists", "Role with name r already exists.")
    assert _aws.create_or_adopt("create", "role r", ("EntityAlreadyExists",), create) is None
    with pytest.raises(ModuleError, match="Failed to create role r: .*EntityAlreadyExists"):
        _aws.create_or_adopt("create", "role r", ("NoSuchEntity",), create)


class _Http(object):
    def __init__(self, headers, content=b"<html>It works!</html>", status_code=200):
        self.headers, self.content, self.status_code = headers, content, status_code


def test_an_answer_without_a_request_id_is_not_an_aws_response():
    _aws.require_request_id(http_response=_Http({"x-amz-request-id": "1"}), parsed={})
    _aws.require_request_id(http_response=_Http({"X-Amzn-RequestId": "1"}), parsed={})
    _aws.require_request_id(http_response=_Http({}), parsed={"ResponseMetadata": {"RequestId": "1"}})
    with pytest.raises(ResponseParserError, match="HTTP 200 without an AWS request id .*It works!"):
        _aws.require_request_id(http_response=_Http({"content-type": "text/html"}), parsed={})
    with pytest.raises(ModuleError, match="Failed to read bucket b: the answer is not an AWS API response"):
        _aws.call("read", "bucket b", _aws.require_request_id, http_response=_Http({}), parsed={})


def test_default_timeouts_bound_a_hung_endpoint_within_a_minute():
    spec = _aws.aws_argument_spec()
    # each attempt waits read_timeout; standard-mode backoff adds at most 1 + 2 s between 3 attempts
    assert spec["max_attempts"]["default"] * spec["read_timeout"]["default"] + 3 <= 50


def test_max_attempts_is_the_total_number_of_attempts():
    # botocore's retries "max_attempts" counts retries: 3 meant 4 attempts (121-132 s on a hung endpoint)
    aws = _aws.AWS(dict(region="us-east-1", profile=None, access_key="a", secret_key="b", session_token=None,
                        endpoint_url="http://127.0.0.1:9", connect_timeout=5.0, read_timeout=15.0, max_attempts=3,
                        retry_mode="standard"))
    client = aws.client("sts")
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert (client.meta.config.connect_timeout, client.meta.config.read_timeout) == (5.0, 15.0)
    aws.close()


def connection(**kw):
    return dict(dict(region="us-east-1", profile=None, access_key=None, secret_key=None, session_token=None,
                     endpoint_url=None, connect_timeout=5.0, read_timeout=15.0, max_attempts=3,
                     retry_mode="standard"), **kw)


@pytest.mark.parametrize("kw, message", [
    ({"region": None}, "region is required: set the region option or AWS_REGION / AWS_DEFAULT_REGION"),
    ({"region": "us-moon-1"}, "region: unknown AWS region 'us-moon-1'"),
    ({"profile": "e11-no-such-profile", "region": None}, "profile: unknown AWS profile 'e11-no-such-profile'"),
    ({"endpoint_url": "localhost:5000"}, "endpoint_url: expected an http:// or https:// URL"),
    ({"access_key": "a"}, "access_key and secret_key must be given together"),
    ({"read_timeout": 0}, "read_timeout must be a positive number of seconds"),
    ({"max_attempts": 0}, "max_attempts must be at least 1"),
])
def test_connection_options_are_checked_before_any_connection(kw, message):
    with pytest.raises(ModuleError) as err:
        _aws.check_connection_options(connection(**kw))
    assert str(err.value).startswith(message)


def test_connection_options_that_are_fine_pass():
    _aws.check_connection_options(connection(access_key="a", secret_key="b", endpoint_url="http://127.0.0.1:9"))


def test_check_request_names_the_option():
    with pytest.raises(ModuleError, match=r'^lifecycle_policy: Invalid length for parameter lifecycle_policy'):
        _aws.check_request("ecr", "PutLifecyclePolicy", {"repositoryName": "repo", "lifecyclePolicyText": "{}"},
                           {"lifecyclePolicyText": "lifecycle_policy"})


def test_an_html_answer_read_as_a_document_is_one_message():
    with pytest.raises(ModuleError) as err:
        with _aws.aws_answers({"endpoint_url": "http://127.0.0.1:8080"}):
            {}["Account"]
    assert str(err.value).startswith("Failed to read the answer of http://127.0.0.1:8080: it is not an AWS API "
                                     "response (KeyError: 'Account'); check endpoint_url and region")


def test_importing_aws_does_not_import_botocore():
    # a module that never talks to AWS (an unchanged image push with static keys) must not pay ~0.8 s for it
    code = ("import sys; from ansible_collections.llmtwin.deploy.plugins.module_utils import _aws; "
            "_aws.ecr_argument_spec(); _aws.aws_argument_spec(); print('botocore' in sys.modules)")
    collections = [p for p in sys.path if os.path.isdir(os.path.join(p, "ansible_collections", "llmtwin"))]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                         env=dict(os.environ, PYTHONPATH=os.pathsep.join(collections)))
    assert out.stdout.strip() == "False", out.stderr


def test_missing_botocore_is_one_message_naming_the_library(monkeypatch):
    monkeypatch.setitem(sys.modules, "botocore.session", None)  # None in sys.modules makes the import fail
    with pytest.raises(ModuleError, match="botocore"):
        _aws.AWS(connection()).client("sts")


def test_ecr_argument_spec_is_the_aws_credentials_and_the_registry_id():
    spec = _aws.ecr_argument_spec()
    assert sorted(spec) == ["access_key", "ecr_registry_id", "endpoint_url", "profile", "region", "secret_key",
                            "session_token"]
    assert all(spec[k]["no_log"] for k in ("access_key", "secret_key", "session_token"))
    assert spec["region"]["aliases"] == ["aws_region"]
    assert spec["region"]["fallback"][1] == ["AWS_REGION", "AWS_DEFAULT_REGION"]
    assert spec["profile"]["fallback"][1] == ["AWS_PROFILE"]


# ---------------------------------------------------------------- ECR authorization (moved from _docker)

def test_ecr_authorization_decodes_the_token_and_the_endpoint():
    token = base64.b64encode(b"AWS:123456789012-auth-token").decode()
    fake = mock.Mock()
    fake.get_authorization_token.return_value = {"authorizationData": [{
        "authorizationToken": token, "proxyEndpoint": "https://123456789012.dkr.ecr.us-east-1.amazonaws.com"}]}
    with mock.patch.object(_aws, "ecr_client", return_value=fake):
        user, password, host = _aws.ecr_authorization({"region": "us-east-1", "ecr_registry_id": "123456789012"})
    assert (user, password, host) == ("AWS", "123456789012-auth-token", "123456789012.dkr.ecr.us-east-1.amazonaws.com")
    fake.get_authorization_token.assert_called_once_with(registryIds=["123456789012"])
    fake.close.assert_called_once_with()


def test_ecr_authorization_needs_a_region():
    with pytest.raises(ModuleError, match="region is required"):
        _aws.ecr_authorization({"region": None})


def test_ecr_authorization_through_botocore_translates_errors():
    fake = mock.Mock()
    fake.get_authorization_token.side_effect = client_error("AccessDeniedException", "not allowed")
    with mock.patch.object(_aws, "ecr_client", return_value=fake):
        with pytest.raises(ModuleError) as err:
            _aws.ecr_authorization({"region": "us-east-1", "profile": "p"})
    assert str(err.value) == "Failed to get an ECR authorization token: not allowed (AccessDeniedException)"
    fake.close.assert_called_once_with()


@pytest.mark.parametrize("extra", [{}, {"session_token": "SESSION"}, {"ecr_registry_id": "123456789012"},
                                   {"endpoint_url": "http://127.0.0.1:5005"}])
def test_ecr_token_request_is_signed_exactly_like_botocore(extra):
    import datetime

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    params = dict({"region": "eu-central-1", "access_key": "AKIDEXAMPLE", "secret_key": "wJalrXUtnFEMI/K7MDENG"}, **extra)
    now = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    url, headers, body = _aws.ecr_token_request(params, now=now)
    request = AWSRequest(method="POST", url=url, data=body,
                         headers={"Content-Type": headers["content-type"], "X-Amz-Target": headers["x-amz-target"]})
    with mock.patch("botocore.auth.get_current_datetime", return_value=now.replace(tzinfo=None)):
        SigV4Auth(Credentials(params["access_key"], params["secret_key"], params.get("session_token")), "ecr",
                  params["region"]).add_auth(request)
    assert headers["authorization"] == request.headers["Authorization"]


def _answer(monkeypatch, status, body):
    response = mock.Mock(status=status)
    response.read.return_value = body
    connection = mock.Mock()
    connection.getresponse.return_value = response
    monkeypatch.setattr(_aws, "HTTPSConnection", mock.Mock(return_value=connection))
    return connection


def test_ecr_authorization_with_static_keys_reads_the_token_without_botocore(monkeypatch):
    token = base64.b64encode(b"AWS:pw").decode()
    connection = _answer(monkeypatch, 200, ('{"authorizationData": [{"authorizationToken": "%s", '
                                            '"proxyEndpoint": "https://1.dkr.ecr.eu-central-1.amazonaws.com"}]}'
                                            % token).encode())
    with mock.patch.object(_aws, "ecr_client", side_effect=AssertionError("botocore used")):
        got = _aws.ecr_authorization({"region": "eu-central-1", "access_key": "A", "secret_key": "S"})
    assert got == ("AWS", "pw", "1.dkr.ecr.eu-central-1.amazonaws.com")
    assert connection.request.call_args.args[:2] == ("POST", "/")


def test_ecr_authorization_error_is_one_message(monkeypatch):
    _answer(monkeypatch, 400, b'{"__type": "com.amazon#UnrecognizedClientException", "message": "bad token"}')
    with pytest.raises(ModuleError) as exc:
        _aws.ecr_authorization({"region": "eu-central-1", "access_key": "A", "secret_key": "S"})
    assert str(exc.value) == "Failed to get an ECR authorization token: UnrecognizedClientException: bad token"


def test_ecr_authorization_of_a_web_page_names_the_endpoint(monkeypatch):
    _answer(monkeypatch, 200, b"<html>It works!</html>")
    with pytest.raises(ModuleError) as exc:
        _aws.ecr_authorization({"region": "eu-central-1", "access_key": "A", "secret_key": "S",
                                "endpoint_url": "https://127.0.0.1:8443"})
    assert str(exc.value) == ("Failed to get an ECR authorization token: the answer of https://127.0.0.1:8443 is not "
                              "an ECR API response; check endpoint_url")


def test_ecr_delete_tags_returns_the_tags_that_were_there():
    fake = mock.Mock()
    fake.batch_delete_image.return_value = {"imageIds": [{"imageTag": "b", "imageDigest": "sha256:1"},
                                                         {"imageTag": "a", "imageDigest": "sha256:1"}]}
    with mock.patch.object(_aws, "ecr_client", return_value=fake):
        gone = _aws.ecr_delete_tags({"region": "us-east-1", "ecr_registry_id": "1"}, "app", ["a", "b", "c"])
    assert gone == ["a", "b"]
    fake.batch_delete_image.assert_called_once_with(repositoryName="app", registryId="1",
                                                    imageIds=[{"imageTag": "a"}, {"imageTag": "b"}, {"imageTag": "c"}])
    fake.close.assert_called_once_with()
    fake.batch_delete_image.side_effect = client_error("RepositoryNotFoundException", "no repo")
    with mock.patch.object(_aws, "ecr_client", return_value=fake):
        with pytest.raises(ModuleError, match=r"^Failed to delete tags of ECR repository app: no repo"):
            _aws.ecr_delete_tags({"region": "us-east-1"}, "app", ["a"])
