"""The aws_zenml role against the local stack: moto (S3, ECR, IAM) and the local ZenML store.

One ordered scenario (the steps depend on each other): clean slate, check mode creates nothing,
converge, idempotence (check and real), drift detected and repaired, no secret in -vvv output,
state=absent refuses a non-empty bucket then removes everything. Each state is checked independently
with botocore and the ZenML Client (in a subprocess: ZenML reads its config path at import).
"""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time

import botocore.session
import pytest

PLAY = "playbooks/aws_zenml.yml"
ACCOUNT = "123456789012"
BUCKET = f"llm-twin-artifacts-{ACCOUNT}"
REPO = "llm-twin"
ROLE = "llm-twin-sagemaker-execution"
STACK = "aws-stack"

ZENML_STATE = """
import json
from zenml.client import Client
c = Client()
out = {}
try:
    s = c.get_stack("aws-stack")
    out["stack"] = {t.value: {"name": v[0].name, "flavor": v[0].flavor_name, "configuration": v[0].configuration}
                    for t, v in s.components.items()}
except KeyError:
    out["stack"] = None
try:
    out["secret"] = sorted(c.get_secret("settings").secret_values)
except KeyError:
    out["secret"] = None
try:
    out["connector"] = c.get_service_connector("aws").auth_method
except KeyError:
    out["connector"] = None
print("STATE=" + json.dumps(out, default=str))
"""

EDIT_COMPONENT = """
from zenml.client import Client
Client().update_stack_component("sagemaker", "orchestrator", configuration={"synchronous": True})
"""


@pytest.fixture(scope="module")
def aws(stack):
    session = botocore.session.get_session()
    kw = dict(region_name=stack.region, endpoint_url=stack.aws_endpoint_url,
              aws_access_key_id="testing", aws_secret_access_key="testing")
    clients = {name: session.create_client(name, **kw) for name in ("s3", "ecr", "iam")}
    yield clients
    for client in clients.values():
        client.close()


def zenml(stack, code=ZENML_STATE):
    # from a file: ZenML needs a main module with a path (its source root) to update components
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "zenml_state.py")
        with open(script, "w") as handle:
            handle.write(code)
        proc = subprocess.run([sys.executable, script], env=stack.env(), capture_output=True, text=True,
                              timeout=180, check=True, cwd=tmp)
    line = [x for x in proc.stdout.splitlines() if x.startswith("STATE=")]
    return json.loads(line[0][6:]) if line else None


def exists(aws):
    """Which of bucket, repository, role exist (read independently of the modules)."""
    found = {}
    try:
        aws["s3"].head_bucket(Bucket=BUCKET)
        found["bucket"] = True
    except aws["s3"].exceptions.ClientError:
        found["bucket"] = False
    try:
        aws["ecr"].describe_repositories(repositoryNames=[REPO])
        found["repository"] = True
    except aws["ecr"].exceptions.RepositoryNotFoundException:
        found["repository"] = False
    try:
        aws["iam"].get_role(RoleName=ROLE)
        found["role"] = True
    except aws["iam"].exceptions.NoSuchEntityException:
        found["role"] = False
    return found


def test_role_lifecycle(stack, playbook, aws):
    # a clean slate: what an earlier run may have left
    run = playbook(PLAY, extra_vars={"aws_zenml_state": "absent", "aws_zenml_force": True})
    assert run.rc == 0, run

    # 1. check mode on empty targets: reports changes, creates nothing
    run = playbook(PLAY, "--check")
    assert run.rc == 0 and run.changed == 4, run  # bucket, repository, role, the ZenML task
    assert exists(aws) == {"bucket": False, "repository": False, "role": False}
    state = zenml(stack)
    assert state["stack"] is None and state["secret"] is None and state["connector"] is None

    # 2. converge: bucket, repository, role, and one ZenML task (aws-stack, the local inventory's
    # local-pipelines stack and the settings secret in one process: one zenml import)
    run = playbook(PLAY)
    assert run.rc == 0 and run.changed == 4, run
    assert exists(aws) == {"bucket": True, "repository": True, "role": True}
    assert aws["s3"].get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    pab = aws["s3"].get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert all(pab.values())
    repo = aws["ecr"].describe_repositories(repositoryNames=[REPO])["repositories"][0]
    assert repo["imageTagMutability"] == "MUTABLE" and repo["imageScanningConfiguration"]["scanOnPush"]
    assert aws["ecr"].get_lifecycle_policy(repositoryName=REPO)["lifecyclePolicyText"]
    role = aws["iam"].get_role(RoleName=ROLE)["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert aws["iam"].list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"] == []
    policy = aws["iam"].get_role_policy(RoleName=ROLE, PolicyName="zenml-stack")["PolicyDocument"]
    resources = json.dumps([s["Resource"] for s in policy["Statement"]])
    assert f"arn:aws:s3:::{BUCKET}/*" in resources and f"repository/{REPO}" in resources
    assert "FullAccess" not in json.dumps(policy)
    state = zenml(stack)
    assert state["stack"]["artifact_store"]["configuration"]["path"] == f"s3://{BUCKET}"
    assert state["stack"]["container_registry"]["configuration"]["uri"] == f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"
    assert state["stack"]["orchestrator"]["configuration"]["execution_role"] == role["Arn"]
    assert state["stack"]["orchestrator"]["configuration"]["synchronous"] is False
    assert state["connector"] == "secret-key"
    # unset settings (no mongo/qdrant facts in this play) are left out, never "None"
    assert state["secret"] == ["AWS_ACCESS_KEY", "AWS_ARN_ROLE", "AWS_REGION", "AWS_SECRET_KEY",
                               "TEXT_EMBEDDING_MODEL_ID"]

    # 3. idempotence: check mode then real, both unchanged
    run = playbook(PLAY, "--check")
    assert run.rc == 0 and run.changed == 0, run
    run = playbook(PLAY)
    assert run.rc == 0 and run.changed == 0, run

    # 4. drift: tag mutability switched, the inline policy deleted, a component's config edited
    aws["ecr"].put_image_tag_mutability(repositoryName=REPO, imageTagMutability="IMMUTABLE")
    aws["iam"].delete_role_policy(RoleName=ROLE, PolicyName="zenml-stack")
    aws["iam"].attach_role_policy(RoleName=ROLE, PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    zenml(stack, EDIT_COMPONENT)
    run = playbook(PLAY, "--check")
    assert run.rc == 0 and run.changed == 3, run
    assert aws["ecr"].describe_repositories(repositoryNames=[REPO])["repositories"][0]["imageTagMutability"] == "IMMUTABLE"
    run = playbook(PLAY)
    assert run.rc == 0 and run.changed == 3, run
    assert aws["ecr"].describe_repositories(repositoryNames=[REPO])["repositories"][0]["imageTagMutability"] == "MUTABLE"
    assert aws["iam"].list_role_policies(RoleName=ROLE)["PolicyNames"] == ["zenml-stack"]
    assert aws["iam"].list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"] == []
    assert zenml(stack)["stack"]["orchestrator"]["configuration"]["synchronous"] is False
    run = playbook(PLAY, "--check")
    assert run.rc == 0 and run.changed == 0, run

    # 5. no secret key in -vvv output (moto accepts any key; a unique one makes the search meaningful)
    secret = "sk-" + secrets.token_hex(16)
    run = playbook(PLAY, "-vvv", "--diff", extra_vars={"aws_zenml_secret_key": secret})
    assert run.rc == 0, run
    assert secret not in run.stdout + run.stderr
    run = playbook(PLAY, "-vvv", "--diff", extra_vars={"aws_zenml_secret_key": secret,
                                                       "aws_zenml_secure_logging": False})
    assert run.rc == 0 and run.changed == 0, run
    assert secret not in run.stdout + run.stderr

    # 6. absent refuses a bucket that holds artifacts, before deleting anything
    aws["s3"].put_object(Bucket=BUCKET, Key="artifact.txt", Body=b"x")
    run = playbook(PLAY, extra_vars={"aws_zenml_state": "absent"})
    assert run.rc != 0 and "not empty" in run.stdout and "force" in run.stdout, run
    assert "Traceback" not in run.stdout + run.stderr
    assert exists(aws) == {"bucket": True, "repository": True, "role": True}
    assert zenml(stack)["stack"] is not None

    # 7. absent with force removes everything; check mode first touches nothing
    run = playbook(PLAY, "--check", extra_vars={"aws_zenml_state": "absent", "aws_zenml_force": True})
    assert run.rc == 0 and run.changed == 4, run
    assert exists(aws) == {"bucket": True, "repository": True, "role": True}
    run = playbook(PLAY, extra_vars={"aws_zenml_state": "absent", "aws_zenml_force": True})
    assert run.rc == 0 and run.changed == 4, run
    assert exists(aws) == {"bucket": False, "repository": False, "role": False}
    state = zenml(stack)
    assert state["stack"] is None and state["secret"] is None and state["connector"] is None
    run = playbook(PLAY, extra_vars={"aws_zenml_state": "absent", "aws_zenml_force": True})
    assert run.rc == 0 and run.changed == 0, run

    # leave the target deployed, as make deploy would
    run = playbook(PLAY)
    assert run.rc == 0 and run.changed == 4, run


@pytest.mark.parametrize("extra, message", [
    ({"aws_zenml_bucket_name": "Bad_Bucket"}, "name: invalid bucket name 'Bad_Bucket'"),
    ({"aws_zenml_region": "us-moon-1"}, "region: unknown AWS region 'us-moon-1'"),
    ({"aws_zenml_endpoint_url": "http://127.0.0.1:9"}, "Failed to read the caller identity: Could not connect"),
    ({"aws_zenml_prefix": "Bad Prefix"}, "aws_zenml_prefix lowercase"),
])
def test_bad_input_fails_clearly(playbook, extra, message):
    start = time.monotonic()
    run = playbook(PLAY, "--check", extra_vars=extra, timeout=120)
    assert run.rc != 0 and message in run.stdout, run
    assert "Traceback" not in run.stdout + run.stderr
    assert time.monotonic() - start < 60
