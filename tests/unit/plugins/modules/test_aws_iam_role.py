"""aws_iam_role: input checks (before any connection) and document decoding."""
import json
import re

import pytest

from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError
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
    with pytest.raises(ModuleError, match=re.escape(message)):
        mod.check_input(params(**kw))


def test_policy_doc_decodes_url_encoded_json():
    assert mod.policy_doc("%7B%22a%22%3A%201%7D") == {"a": 1}
    assert mod.policy_doc({"a": 1}) == {"a": 1}


# ---------------------------------------------------------------- the module on the contract, with a fake IAM

from unittest import mock  # noqa: E402

from ansible.module_utils.testing import patch_module_args  # noqa: E402

from ansible_collections.llmtwin.deploy.plugins.module_utils import _aws  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402


def fake_iam(role=None, attached=(), inline=None):
    iam = mock.Mock()
    if role:
        iam.get_role.return_value = {"Role": role}
    else:
        iam.get_role.side_effect = ClientError({"Error": {"Code": "NoSuchEntity", "Message": "no role"}}, "GetRole")
    iam.create_role.return_value = {"Role": {"RoleName": "r", "Arn": "arn:aws:iam::123456789012:role/r",
                                             "AssumeRolePolicyDocument": TRUST, "Path": "/"}}
    listings = {"list_attached_role_policies": [{"AttachedPolicies": [{"PolicyArn": a} for a in attached]}],
                "list_role_policies": [{"PolicyNames": sorted(inline or {})}],
                "list_instance_profiles_for_role": [{"InstanceProfiles": [{"InstanceProfileName": "ip"}]}]}
    iam.get_paginator.side_effect = lambda op: mock.Mock(paginate=mock.Mock(return_value=listings[op]))
    iam.get_role_policy.side_effect = lambda RoleName, PolicyName: {"PolicyDocument": (inline or {})[PolicyName]}
    return iam


def run_module(capsys, iam, check_mode=False, **args):
    args = dict({"name": "r", "region": "us-east-1", "access_key": "AKIDTEST", "secret_key": "SECRETTEST"}, **args)
    with patch_module_args(dict(args, _ansible_check_mode=check_mode)):
        with mock.patch.object(_aws.AWS, "client", return_value=iam), pytest.raises(SystemExit):
            mod.main()
    return json.loads(capsys.readouterr().out)


READONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_new_role_with_policies(capsys, check_mode):
    iam = fake_iam()
    result = run_module(capsys, iam, check_mode=check_mode, assume_role_policy=TRUST, managed_policies=[READONLY],
                        inline_policies={"p": ALLOW})
    assert result["changed"] is True and result["resources"] == ["role r"]
    assert result["actions"] == ["create role r", "update role r: attach policy %s" % READONLY,
                                 "update role r: inline policy p"]
    assert iam.create_role.called is not check_mode and iam.put_role_policy.called is not check_mode


def test_a_failure_after_the_create_reports_it(capsys):
    iam = fake_iam()
    iam.attach_role_policy.side_effect = ClientError({"Error": {"Code": "NoSuchEntity", "Message": "no policy"}}, "A")
    result = run_module(capsys, iam, assume_role_policy=TRUST, managed_policies=[READONLY])
    assert result["failed"] is True and result["changed"] is True and result["actions"] == ["create role r"]
    assert result["msg"] == ("Failed to attach policy %s to role r: no policy (NoSuchEntity) "
                             "(already done: create role r)" % READONLY)


def test_an_equivalent_role_is_unchanged_and_purges_are_updates(capsys):
    role = {"RoleName": "r", "Arn": "arn:aws:iam::123456789012:role/r", "Path": "/", "MaxSessionDuration": 3600,
            "AssumeRolePolicyDocument": json.dumps(TRUST), "Tags": [{"Key": "a", "Value": "1"}]}
    iam = fake_iam(role, attached=[READONLY], inline={"p": ALLOW})
    result = run_module(capsys, iam, assume_role_policy=TRUST, managed_policies=[READONLY], inline_policies={"p": ALLOW},
                        tags={"a": "1"})
    assert result["changed"] is False and result["actions"] == [] and result["resources"] == ["role r"]
    result = run_module(capsys, iam, managed_policies=[], inline_policies={}, max_session_duration=7200, tags={})
    assert result["actions"] == ["update role r: max session duration", "update role r: tags -a",
                                 "update role r: detach policy %s" % READONLY, "update role r: remove inline policy p"]


def test_deleting_a_role_detaches_everything_first(capsys):
    role = {"RoleName": "r", "AssumeRolePolicyDocument": TRUST}
    iam = fake_iam(role, attached=[READONLY], inline={"p": ALLOW})
    result = run_module(capsys, iam, state="absent")
    assert result["actions"] == ["update role r: detach policy %s" % READONLY, "update role r: remove inline policy p",
                                 "update role r: remove from instance profile ip", "delete role r"]
    iam.delete_role.assert_called_once_with(RoleName="r")
