"""aws_caller_info on the module contract: the identity at the top level (the roles read it there) and
under `caller`, nothing reconciled, one message when the endpoint is not AWS."""
import json
from unittest import mock

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.llmtwin.deploy.plugins.module_utils import _aws
from ansible_collections.llmtwin.deploy.plugins.modules import aws_caller_info as mod


def run_module(capsys, sts, **args):
    args = dict({"region": "cn-north-1", "access_key": "AKIDTEST", "secret_key": "SECRETTEST"}, **args)
    with patch_module_args(dict(args, _ansible_check_mode=True)):
        with mock.patch.object(_aws.AWS, "client", return_value=sts), pytest.raises(SystemExit):
            mod.main()
    return json.loads(capsys.readouterr().out)


def test_the_identity_is_returned_at_the_top_level_and_as_one_document(capsys):
    sts = mock.Mock()
    sts.get_caller_identity.return_value = {"Account": "123456789012", "Arn": "arn:aws-cn:iam::123456789012:user/d",
                                            "UserId": "AID"}
    result = run_module(capsys, sts)
    identity = {"account": "123456789012", "arn": "arn:aws-cn:iam::123456789012:user/d", "user_id": "AID",
                "region": "cn-north-1", "partition": "aws-cn", "dns_suffix": "amazonaws.com.cn"}
    assert result["caller"] == identity and dict((k, result[k]) for k in identity) == identity
    assert result["changed"] is False and result["actions"] == [] and result["resources"] == []


def test_a_document_without_the_account_is_not_an_aws_answer(capsys):
    sts = mock.Mock()
    sts.get_caller_identity.return_value = {}
    result = run_module(capsys, sts, endpoint_url="http://127.0.0.1:8080")
    assert result["failed"] is True and "account" not in result
    assert result["msg"].startswith("Failed to read the answer of http://127.0.0.1:8080: it is not an AWS API response")
