"""aws_ecr_repository helpers: the returned shape and encryption."""
from ansible_collections.llmtwin.deploy.plugins.modules import aws_ecr_repository as mod


def test_describe_derives_registry_uri():
    repo = {"repositoryName": "llm-twin", "repositoryArn": "arn:aws:ecr:us-east-1:123456789012:repository/llm-twin",
            "registryId": "123456789012", "repositoryUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/llm-twin",
            "imageTagMutability": "MUTABLE", "imageScanningConfiguration": {"scanOnPush": True},
            "encryptionConfiguration": {"encryptionType": "AES256"}}
    out = mod.describe(repo, {"tags": {"a": "b"}})
    assert out["registry_uri"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com"
    assert out["scan_on_push"] is True and out["tags"] == {"a": "b"}
    assert mod.describe({"repositoryName": "x"}, {})["uri"] is None


def test_repository_names():
    assert mod.REPO_NAME.match("llm-twin") and mod.REPO_NAME.match("team/llm_twin.app")
    assert not mod.REPO_NAME.match("LLM") and not mod.REPO_NAME.match("a//b") and not mod.REPO_NAME.match("-a")


def test_desired_encryption():
    assert mod.desired_encryption({"encryption": None, "kms_key": None}) is None
    assert mod.desired_encryption({"encryption": "KMS", "kms_key": "k"}) == {"encryptionType": "KMS", "kmsKey": "k"}


import pytest  # noqa: E402

from ansible_collections.llmtwin.deploy.plugins.module_utils._aws import check_request  # noqa: E402
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError  # noqa: E402

RULE = {"rulePriority": 1, "description": "keep 20", "action": {"type": "expire"},
        "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 20}}


def inputs(**kw):
    return dict({"name": "e11-repo", "kms_key": None, "encryption": None, "tags": None, "lifecycle_policy": None}, **kw)


def test_valid_lifecycle_policies_pass():
    tagged = dict(RULE, rulePriority=2, selection={"tagStatus": "tagged", "tagPrefixList": ["v"], "countNumber": 7,
                                                   "countType": "sinceImagePushed", "countUnit": "days"})
    assert mod.check_input(inputs(lifecycle_policy={"rules": [RULE, tagged]}))["rules"][1] == tagged
    assert mod.check_input(inputs(lifecycle_policy={})) == {}
    assert mod.check_input(inputs(lifecycle_policy=None)) is None


@pytest.mark.parametrize("policy, message", [
    # issue 11: ECR refused these only after the repository had been created (or, in moto, never)
    ({"rules": [dict(RULE, selection={"tagStatus": "any", "countNumber": 3})]},
     "lifecycle_policy: rules[0].selection.countType: expected one of imageCountMoreThan, sinceImagePushed, got None"),
    ({"rules": []}, "lifecycle_policy: expected {rules: [...]} with at least one rule"),
    ({"rule": [RULE]}, "lifecycle_policy: expected {rules: [...]}"),
    ({"rules": [dict(RULE, action={"type": "delete"})]}, "rules[0].action: expected {type: expire}"),
    ({"rules": [dict(RULE, rulePriority=0)]}, "rules[0].rulePriority: expected a positive integer, got 0"),
    ({"rules": [RULE, RULE]}, "rulePriority values must be unique"),
    ({"rules": [dict(RULE, selection={"tagStatus": "tagged", "countType": "imageCountMoreThan", "countNumber": 1})]},
     "tagStatus tagged needs one of tagPrefixList, tagPatternList"),
    ({"rules": [dict(RULE, selection={"tagStatus": "any", "countType": "sinceImagePushed", "countNumber": 1})]},
     "countUnit: expected days with sinceImagePushed"),
    ({"rules": [dict(RULE, selection=dict(RULE["selection"], countNumber=-1))]}, "countNumber: expected a positive"),
    ({"rules": ["expire"]}, "rules[0]: expected a dict"),
    # raw exceptions before: a policy given as a list or a number
    ([RULE], "lifecycle_policy: expected a policy document (a dict or a JSON object string), got a list"),
    (5, "lifecycle_policy: expected a policy document (a dict or a JSON object string), got a int"),
    ("[1]", "lifecycle_policy: a policy document must be a JSON object"),
])
def test_invalid_lifecycle_policies_fail_before_any_connection(policy, message):
    with pytest.raises(ModuleError) as err:
        mod.check_input(inputs(lifecycle_policy=policy))
    assert message in str(err.value)


def test_policy_text_under_ecr_minimum_length_fails_naming_the_option():
    short = {"rules": [{"rulePriority": 1, "action": {"type": "expire"},
                        "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1}}]}
    # ~135 characters: fine (ECR's minimum is 100)
    mod.check_input(inputs(lifecycle_policy=short))
    with pytest.raises(ModuleError, match="lifecycle_policy: at most 30720 characters as JSON"):
        mod.check_input(inputs(lifecycle_policy={"rules": [dict(RULE, description="x" * 31000)]}))
    # the minimum is botocore's check: an unrealistic short text would be named too
    with pytest.raises(ModuleError, match="lifecycle_policy: Invalid length for parameter lifecycle_policy"):
        check_request("ecr", "PutLifecyclePolicy", {"repositoryName": "e11-repo", "lifecyclePolicyText": "{}"},
                      {"lifecyclePolicyText": "lifecycle_policy"})


# ---------------------------------------------------------------- the module on the contract, with a fake ECR

import json  # noqa: E402
from unittest import mock  # noqa: E402

from ansible.module_utils.testing import patch_module_args  # noqa: E402

from ansible_collections.llmtwin.deploy.plugins.module_utils import _aws  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

REPO = {"repositoryName": "app", "repositoryArn": "arn:aws:ecr:us-east-1:123456789012:repository/app",
        "registryId": "123456789012", "repositoryUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app",
        "imageTagMutability": "MUTABLE", "imageScanningConfiguration": {"scanOnPush": False},
        "encryptionConfiguration": {"encryptionType": "AES256"}}


def client_error(code, message="boom"):
    return ClientError({"Error": {"Code": code, "Message": message}}, "Op")


def fake_ecr(repo=None, tags=None):
    ecr = mock.Mock()
    if repo:
        ecr.describe_repositories.return_value = {"repositories": [repo]}
    else:
        ecr.describe_repositories.side_effect = client_error("RepositoryNotFoundException")
    ecr.create_repository.return_value = {"repository": REPO}
    ecr.get_lifecycle_policy.side_effect = client_error("LifecyclePolicyNotFoundException")
    ecr.list_tags_for_resource.return_value = {"tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()]}
    return ecr


def run_module(capsys, ecr, check_mode=False, **args):
    args = dict({"name": "app", "region": "us-east-1", "access_key": "AKIDTEST", "secret_key": "SECRETTEST"}, **args)
    with patch_module_args(dict(args, _ansible_check_mode=check_mode)):
        with mock.patch.object(_aws.AWS, "client", return_value=ecr), pytest.raises(SystemExit):
            mod.main()
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_new_repository_with_a_lifecycle_policy(capsys, check_mode):
    ecr = fake_ecr()
    result = run_module(capsys, ecr, check_mode=check_mode, lifecycle_policy={"rules": [RULE]})
    assert result["changed"] is True and result["resources"] == ["repository app"]
    assert result["actions"] == ["create repository app", "update repository app: lifecycle policy"]
    assert ecr.put_lifecycle_policy.called is not check_mode and ecr.create_repository.called is not check_mode
    assert result["repository"]["lifecycle_policy"] == {"rules": [RULE]}


def test_an_existing_repository_is_updated_setting_by_setting(capsys):
    ecr = fake_ecr(REPO, tags={"a": "1", "old": "x"})
    result = run_module(capsys, ecr, image_tag_mutability="IMMUTABLE", scan_on_push=True, tags={"a": "2"},
                        lifecycle_policy={})
    assert result["actions"] == ["update repository app: image tag mutability IMMUTABLE",
                                 "update repository app: scan on push true", "update repository app: tags +a",
                                 "update repository app: tags -old"]
    assert result["repository"]["tags"] == {"a": "2"} and result["repository"]["registry_uri"] == REPO["repositoryUri"][:-4]
    assert not ecr.delete_lifecycle_policy.called  # none to remove


def test_deleting_a_repository_holding_images_needs_force(capsys):
    ecr = fake_ecr(REPO)
    ecr.delete_repository.side_effect = client_error("RepositoryNotEmptyException")
    result = run_module(capsys, ecr, state="absent")
    assert result["failed"] is True and result["changed"] is False and result["actions"] == []
    assert result["msg"].startswith("Refusing to delete repository app: it holds images; set force=true")
    ecr.delete_repository.side_effect = None
    result = run_module(capsys, ecr, state="absent", force=True)
    assert result["actions"] == ["delete repository app"] and result["repository"] == {}


def test_encryption_of_an_existing_repository_cannot_change(capsys):
    result = run_module(capsys, fake_ecr(REPO), encryption="KMS")
    assert "encryption can only be set when a repository is created" in result["msg"]
