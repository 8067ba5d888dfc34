"""The SageMaker execution role the aws_zenml role deploys can run the pipeline's jobs, and no more.

A moto server of this test's own (never the shared stack's) enforces IAM after its first
INITIAL_NO_AUTH_ACTION_COUNT requests: those create an admin user (AdministratorAccess) and its key.
As that admin, the real aws_zenml play deploys the bucket, repository and role (the ZenML part goes to a
throwaway SQLite folder, aws_zenml_allow_local_store), so the policy under test is the deployed one.
Then the execution role is assumed through STS and its calls are checked.

What moto's enforcement evaluates (moto 5.2, moto/iam/access_control.py and core/authorization.py):
- S3: action and the real bucket / object ARN; STS AssumeRole: action, role ARN and the trust policy.
- Every other service (ECR, SageMaker, IAM, logs): the action only; the resource is always "*", so a
  statement scoped to an ARN never matches there, and an allowed ECR/SageMaker call on our own ARNs is
  refused by moto too. For those, the deployed policy is evaluated with moto's own policy evaluator
  (IAMPolicy) against the ARNs AWS would authorize (repository, processing-job, role).
- Conditions: only StringEquals, only with values the request carries; other operators (StringLike) are
  ignored. iam:PassRole is not an API call, so no server can exercise it: it is evaluated the same way,
  with iam:PassedToService supplied.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.iam.access_control import IAMPolicy, PermissionResult

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ACCOUNT = "123456789012"
REGION = "us-east-1"
PREFIX = "iamtest"
BUCKET = f"{PREFIX}-artifacts-{ACCOUNT}"
ROLE = f"{PREFIX}-sagemaker-execution"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"
SAGEMAKER = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"
# the admin's CreateUser, AttachUserPolicy and CreateAccessKey; every later request is authorized
NO_AUTH_REQUESTS = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def moto_url(tmp_path_factory):
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("w")
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(NO_AUTH_REQUESTS), "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    proc = subprocess.Popen([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:  # moto-api requests are not counted as actions
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"moto_server on port {port} did not start")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def client(url, service, creds):
    return boto3.client(service, endpoint_url=url, region_name=REGION, config=Config(retries={"max_attempts": 1}),
                        **creds)


@pytest.fixture(scope="module")
def admin(moto_url):
    iam = client(moto_url, "iam", {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"})
    iam.create_user(UserName="admin")
    iam.attach_user_policy(UserName="admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}


@pytest.fixture(scope="module")
def deployed(moto_url, admin, tmp_path_factory):
    """Run the real aws_zenml play as the admin; return the execution role's deployed inline policy."""
    tmp = tmp_path_factory.mktemp("deploy")
    inventory = tmp / "hosts.yml"
    inventory.write_text(json.dumps({"deployer": {"hosts": {"localhost": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}))
    extra = {"aws_zenml_endpoint_url": moto_url, "aws_zenml_region": REGION, "aws_zenml_prefix": PREFIX,
             "aws_zenml_access_key": admin["aws_access_key_id"], "aws_zenml_secret_key": admin["aws_secret_access_key"],
             "aws_zenml_zenml_config_path": str(tmp / "zenml"), "aws_zenml_zenml_store_url": None,
             "aws_zenml_zenml_store_api_key": None, "aws_zenml_allow_local_store": True}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ZENML_"))}
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(inventory), "playbooks/aws_zenml.yml",
                           "-e", json.dumps(extra)], cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
                          env={**env, "ANSIBLE_NOCOLOR": "1", "ZENML_ANALYTICS_OPT_IN": "false"})
    shutil.rmtree(tmp / "zenml", ignore_errors=True)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    assert admin["aws_secret_access_key"] not in proc.stdout + proc.stderr
    iam = client(moto_url, "iam", admin)
    return iam.get_role_policy(RoleName=ROLE, PolicyName="zenml-stack")["PolicyDocument"]


@pytest.fixture(scope="module")
def as_role(moto_url, admin, deployed):
    """Clients signed with the execution role's STS credentials."""
    sts = client(moto_url, "sts", admin)
    # The deployed trust policy names only sagemaker.amazonaws.com. moto cannot evaluate a "Service"
    # principal (AssumeRole answers a 500: TypeError in _check_principal), so for the test the trust policy
    # is replaced by one naming the admin; the permission policy under test is left as deployed.
    iam = client(moto_url, "iam", admin)
    trust = iam.get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"]
    assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "sagemaker.amazonaws.com"}]
    iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/admin"}}]}))
    creds = sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="step")["Credentials"]
    role_creds = {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
                  "aws_session_token": creds["SessionToken"]}
    # a bucket the role must not reach
    client(moto_url, "s3", admin).create_bucket(Bucket="someone-elses-bucket")
    return lambda service: client(moto_url, service, role_creds)


def denied(call, **kwargs):
    with pytest.raises(ClientError) as error:
        call(**kwargs)
    # moto answers JSON-protocol services (ECR, SageMaker) with an XML AccessDenied body: check status and text
    response = error.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403 and "AccessDenied" in str(response["Error"]), response


def test_deployed_policy_is_scoped(deployed):
    statements = {s["Sid"]: s for s in deployed["Statement"]}
    actions = [a for s in statements.values() for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    assert not any(a.endswith(":*") or a == "*" for a in actions), actions
    pass_role = statements["PassThisRoleToSageMaker"]
    assert pass_role["Action"] == "iam:PassRole" and pass_role["Resource"] == ROLE_ARN
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    jobs = [f"{SAGEMAKER}:processing-job/*", f"{SAGEMAKER}:training-job/*"]
    assert sorted(statements["PipelineJobs"]["Resource"]) == jobs
    # only the two actions that have no resource-level scope in AWS use "*"
    assert sorted(a for s in statements.values() if s["Resource"] == "*"
                  for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])) == [
        "cloudwatch:PutMetricData", "ecr:GetAuthorizationToken"]


def test_a_step_reads_and_writes_the_artifact_bucket(as_role):
    s3 = as_role("s3")
    s3.put_object(Bucket=BUCKET, Key="artifacts/step/output.json", Body=b"{}")
    assert s3.get_object(Bucket=BUCKET, Key="artifacts/step/output.json")["Body"].read() == b"{}"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]] == ["artifacts/step/output.json"]
    s3.delete_object(Bucket=BUCKET, Key="artifacts/step/output.json")


def test_nothing_outside_the_bucket_or_beyond_objects(as_role):
    s3 = as_role("s3")
    denied(s3.put_object, Bucket="someone-elses-bucket", Key="x", Body=b"x")
    denied(s3.get_object, Bucket="someone-elses-bucket", Key="x")
    denied(s3.delete_bucket, Bucket=BUCKET)
    denied(s3.put_bucket_policy, Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": []}))
    denied(s3.create_bucket, Bucket="another-bucket")


def test_registry_login_but_no_other_ecr_or_iam_or_pipeline_calls(as_role):
    assert as_role("ecr").get_authorization_token()["authorizationData"]
    # action-level in moto: none of these actions is granted at all
    denied(as_role("ecr").create_repository, repositoryName="other")
    denied(as_role("ecr").put_image, repositoryName=PREFIX, imageManifest="{}", imageTag="x")
    denied(as_role("iam").create_user, UserName="mallory")
    denied(as_role("iam").attach_role_policy, RoleName=ROLE, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    denied(as_role("sagemaker").create_pipeline, PipelineName="p", PipelineDefinition="{}", RoleArn=ROLE_ARN,
           ClientRequestToken="token-token-token-token-token-token")


def permitted(policy, action, resource, **conditions):
    return IAMPolicy(json.dumps(policy)).is_action_permitted(
        action, resource, incoming_condition_values=conditions or None) == PermissionResult.PERMITTED


REPOSITORY = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{PREFIX}"


@pytest.mark.parametrize("action,resource", [
    ("ecr:BatchGetImage", REPOSITORY),
    ("ecr:GetDownloadUrlForLayer", REPOSITORY),
    ("sagemaker:CreateTrainingJob", f"{SAGEMAKER}:training-job/pipelines-abc-trainer"),
    ("sagemaker:DescribeTrainingJob", f"{SAGEMAKER}:training-job/pipelines-abc-trainer"),
    ("sagemaker:StopTrainingJob", f"{SAGEMAKER}:training-job/pipelines-abc-trainer"),
    ("sagemaker:CreateProcessingJob", f"{SAGEMAKER}:processing-job/pipelines-abc-step"),
    ("sagemaker:DescribeProcessingJob", f"{SAGEMAKER}:processing-job/pipelines-abc-step"),
    ("sagemaker:StopProcessingJob", f"{SAGEMAKER}:processing-job/pipelines-abc-step"),
    ("sagemaker:AddTags", f"{SAGEMAKER}:processing-job/pipelines-abc-step"),
    ("logs:PutLogEvents", f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/sagemaker/TrainingJobs:log-stream:x"),
])
def test_the_jobs_a_pipeline_runs_are_allowed(deployed, action, resource):
    assert permitted(deployed, action, resource)


@pytest.mark.parametrize("action,resource", [
    ("ecr:BatchGetImage", f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/another-repository"),
    ("ecr:PutImage", REPOSITORY),
    ("sagemaker:CreateProcessingJob", f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:processing-job/x"),
    ("sagemaker:CreateTrainingJob", f"arn:aws:sagemaker:{REGION}:210987654321:training-job/x"),
    ("sagemaker:CreateEndpoint", f"{SAGEMAKER}:endpoint/x"),
    ("sagemaker:AddTags", f"{SAGEMAKER}:pipeline/x"),
    ("logs:PutLogEvents", f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/x:log-stream:x"),
    ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/admin-role"),
])
def test_other_resources_are_not(deployed, action, resource):
    assert not permitted(deployed, action, resource, **({"iam:PassedToService": "sagemaker.amazonaws.com"}
                                                        if action == "iam:PassRole" else {}))


def test_the_role_passes_only_itself_and_only_to_sagemaker(deployed):
    assert permitted(deployed, "iam:PassRole", ROLE_ARN, **{"iam:PassedToService": "sagemaker.amazonaws.com"})
    assert not permitted(deployed, "iam:PassRole", ROLE_ARN, **{"iam:PassedToService": "ec2.amazonaws.com"})
    assert not permitted(deployed, "iam:PassRole", ROLE_ARN, **{"iam:PassedToService": "lambda.amazonaws.com"})
