"""aws_iam_role: input checks (before any connection) and document decoding."""
import json
import re

import pytest

from ansible_collections.llmtwin.deploy.plugins.module_utils._aws import AWSFailure
from ansible_collections.llmtwin.deploy.plugins.modules import aws_iam_role as mod

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}


def params(**kw):
    base = {"name": "r", "path": "/", "max_session_duration": None, "assume_role_policy": TRUST,
            "inline_policies": None, "managed_policies": None}
    base.update(kw)
    return base


ALLOW = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}


def test_check_input_parses_json_policies():
    trust, inline = mod.check_input(params(assume_role_policy=json.dumps(TRUST), inline_policies={"p": json.dumps(ALLOW)}))
    assert trust == TRUST and inline == {"p": ALLOW}


@pytest.mark.parametrize("kw, message", [
    ({"name": "bad name"}, "name: invalid role name"),
    ({"path": "x"}, "path: must begin and end with '/'"),
    ({"max_session_duration": 60}, "max_session_duration: expected 3600-43200"),
    ({"assume_role_policy": "{not json"}, "assume_role_policy: malformed policy JSON"),
    ({"inline_policies": {"p": "{"}}, "inline_policies.p: malformed policy JSON"),
    ({"inline_policies": {"p": {"Version": "2012-10-17"}}}, "inline_policies.p: Statement: expected a statement"),
    # issue 11: invalid documents that IAM only refused after the role had been created
    ({"inline_policies": {"p": {"Statement": [{"Effect": "Maybe", "Action": "s3:GetObject", "Resource": "*"}]}}},
     "inline_policies.p: Statement[0].Effect 'Maybe': expected Allow or Deny"),
    ({"inline_policies": {"p": {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}}},
     "inline_policies.p: Statement[0]: expected exactly one of Resource and NotResource"),
    ({"inline_policies": {"p": {"Statement": [{"Effect": "Allow", "Action": "GetObject", "Resource": "*"}]}}},
     "inline_policies.p: Statement[0].Action: expected 'service:Action'"),
    ({"inline_policies": {"p": dict(ALLOW, Version="2020-01-01")}}, "inline_policies.p: Version '2020-01-01'"),
    ({"inline_policies": {"p": TRUST}}, "inline_policies.p: Statement[0]: expected exactly one of Resource"),
    ({"assume_role_policy": dict(TRUST, Statement=[{"Effect": "Allow", "Action": "sts:AssumeRole"}])},
     "assume_role_policy: Statement[0]: expected exactly one of Principal and NotPrincipal"),
    ({"assume_role_policy": ALLOW}, "assume_role_policy: Statement[0]: expected exactly one of Principal"),
    # raw exceptions before: a list or a number where a document belongs, a null document
    ({"assume_role_policy": [TRUST]}, "assume_role_policy: expected a policy document (a dict or a JSON object string), "
                                      "got a list"),
    ({"inline_policies": {"p": [ALLOW]}}, "inline_policies.p: expected a policy document"),
    ({"inline_policies": {"p": None}}, "inline_policies.p: expected a policy document (a dict or a JSON object string), "
                                       "got null"),
    ({"inline_policies": {"bad name": ALLOW}}, "inline_policies.bad name: invalid policy name"),
    ({"tags": {"k": None}}, "tags.k: expected a string value"),
    ({"description": "x" * 1001}, "description: at most 1000 characters"),
    ({"managed_policies": ["ReadOnlyAccess"]}, "managed_policies: expected policy ARNs"),
    ({"managed_policies": ["arn:aws:s3:::bucket"]}, "managed_policies: expected policy ARNs"),
])
def test_check_input_rejects_bad_input(kw, message):
    with pytest.raises(AWSFailure, match=re.escape(message)):
        mod.check_input(params(**kw))


def test_policy_doc_decodes_url_encoded_json():
    assert mod.policy_doc("%7B%22a%22%3A%201%7D") == {"a": 1}
    assert mod.policy_doc({"a": 1}) == {"a": 1}
