"""aws_iam_role: input checks (before any connection) and document decoding."""
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


def test_check_input_parses_json_policies():
    trust, inline = mod.check_input(params(assume_role_policy='{"Statement": []}', inline_policies={"p": TRUST}))
    assert trust == {"Statement": []} and inline == {"p": TRUST}


@pytest.mark.parametrize("kw, message", [
    ({"name": "bad name"}, "name: invalid role name"),
    ({"path": "x"}, "path: must begin and end with '/'"),
    ({"max_session_duration": 60}, "max_session_duration: expected 3600-43200"),
    ({"assume_role_policy": "{not json"}, "assume_role_policy: malformed policy JSON"),
    ({"inline_policies": {"p": "{"}}, "inline_policies.p: malformed policy JSON"),
    ({"inline_policies": {"p": {"Version": "2012-10-17"}}}, "inline_policies.p: a policy document needs a Statement"),
    ({"managed_policies": ["ReadOnlyAccess"]}, "managed_policies: expected policy ARNs"),
])
def test_check_input_rejects_bad_input(kw, message):
    with pytest.raises(AWSFailure, match=message.replace(".", r"\.")):
        mod.check_input(params(**kw))


def test_policy_doc_decodes_url_encoded_json():
    assert mod.policy_doc("%7B%22a%22%3A%201%7D") == {"a": 1}
    assert mod.policy_doc({"a": 1}) == {"a": 1}
