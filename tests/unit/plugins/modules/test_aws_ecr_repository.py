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
