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

from ansible_collections.llmtwin.deploy.plugins.module_utils._aws import AWSFailure  # noqa: E402

RULE = {"rulePriority": 1, "description": "keep 20", "action": {"type": "expire"},
        "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 20}}


SESSION = {}


class Checker(object):
    """Just enough of AWSModule for check_input: params, a botocore session, the request shape check."""

    def __init__(self, **params):
        import botocore.session
        from ansible_collections.llmtwin.deploy.plugins.module_utils._aws import AWSModule

        self.params = dict({"name": "e11-repo", "kms_key": None, "encryption": None, "tags": None,
                            "lifecycle_policy": None}, **params)
        self._session = SESSION.setdefault("s", botocore.session.Session())  # one model load for all tests
        self.validate_request = AWSModule.validate_request.__get__(self)

    def session(self):
        return self._session


def test_valid_lifecycle_policies_pass():
    tagged = dict(RULE, rulePriority=2, selection={"tagStatus": "tagged", "tagPrefixList": ["v"], "countNumber": 7,
                                                   "countType": "sinceImagePushed", "countUnit": "days"})
    assert mod.check_input(Checker(lifecycle_policy={"rules": [RULE, tagged]}))["rules"][1] == tagged
    assert mod.check_input(Checker(lifecycle_policy={})) == {}
    assert mod.check_input(Checker(lifecycle_policy=None)) is None


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
    with pytest.raises(AWSFailure) as err:
        mod.check_input(Checker(lifecycle_policy=policy))
    assert message in str(err.value)


def test_policy_text_under_ecr_minimum_length_fails_naming_the_option():
    short = {"rules": [{"rulePriority": 1, "action": {"type": "expire"},
                        "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1}}]}
    # ~135 characters: fine (ECR's minimum is 100)
    mod.check_input(Checker(lifecycle_policy=short))
    with pytest.raises(AWSFailure, match="lifecycle_policy: at most 30720 characters as JSON"):
        mod.check_input(Checker(lifecycle_policy={"rules": [dict(RULE, description="x" * 31000)]}))
    # the minimum is botocore's check: an unrealistic short text would be named too
    with pytest.raises(AWSFailure, match="lifecycle_policy: Invalid length for parameter lifecycle_policy"):
        Checker().validate_request("ecr", "PutLifecyclePolicy", {"repositoryName": "e11-repo", "lifecyclePolicyText": "{}"},
                                   {"lifecyclePolicyText": "lifecycle_policy"})
