"""aws_s3_bucket, aws_ecr_repository, aws_iam_role against moto, with unique names.

Four steps per change (check, real, check, real), each result checked with botocore; then what the
role does not exercise: tag purge on/off, refusing to delete a non-empty versioned bucket, bad input
failing before any connection, and no secret key in -vvv output.
"""
from __future__ import annotations

import json
import secrets
import time

import botocore.session
import pytest
import yaml

CREDENTIALS = {"region": "us-east-1", "access_key": "testing", "secret_key": "testing"}
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}


@pytest.fixture(scope="module")
def name():
    return "it-" + secrets.token_hex(4)


@pytest.fixture(scope="module")
def aws(stack):
    session = botocore.session.get_session()
    kw = dict(region_name=stack.region, endpoint_url=stack.aws_endpoint_url,
              aws_access_key_id="testing", aws_secret_access_key="testing")
    clients = {svc: session.create_client(svc, **kw) for svc in ("s3", "ecr", "iam")}
    yield clients
    for client in clients.values():
        client.close()


@pytest.fixture
def play(playbook, tmp_path, stack):
    """play(tasks, *args): run the tasks (module: args dicts) as a playbook; returns the run."""
    endpoint = dict(CREDENTIALS, endpoint_url=stack.aws_endpoint_url)

    def run(tasks, *args):
        path = tmp_path / "play.yml"
        path.write_text(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False,
                                         "tasks": [{k: dict(endpoint, **v)} for t in tasks for k, v in t.items()]}]))
        return playbook(path, *args, timeout=120)
    return run


def four_steps(play, tasks, changed):
    run = play(tasks, "--check")
    assert run.rc == 0 and run.changed == changed, run
    before = run
    run = play(tasks)
    assert run.rc == 0 and run.changed == changed, run
    for args in (("--check",), ()):
        again = play(tasks, *args)
        assert again.rc == 0 and again.changed == 0, again
    return before


def test_bucket(play, aws, name):
    bucket = {"name": name, "versioning": True, "encryption": "AES256", "public_access_block": {},
              "object_ownership": "BucketOwnerEnforced", "tags": {"a": "1", "b": "2"}}
    four_steps(play, [{"llmtwin.deploy.aws_s3_bucket": bucket}], 1)
    assert aws["s3"].get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    rule = aws["s3"].get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"

    # tags: without purge an extra tag stays; with purge it goes
    keep = dict(bucket, tags={"a": "1"}, purge_tags=False)
    assert play([{"llmtwin.deploy.aws_s3_bucket": keep}]).changed == 0
    four_steps(play, [{"llmtwin.deploy.aws_s3_bucket": dict(bucket, tags={"a": "1"})}], 1)
    assert aws["s3"].get_bucket_tagging(Bucket=name)["TagSet"] == [{"Key": "a", "Value": "1"}]

    # a versioned bucket holding only a delete marker is still not empty
    aws["s3"].put_object(Bucket=name, Key="k", Body=b"x")
    aws["s3"].delete_object(Bucket=name, Key="k")
    absent = {"name": name, "state": "absent"}
    run = play([{"llmtwin.deploy.aws_s3_bucket": absent}])
    assert run.rc != 0 and "Refusing to delete bucket %s: it is not empty" % name in run.stdout, run
    aws["s3"].head_bucket(Bucket=name)
    four_steps(play, [{"llmtwin.deploy.aws_s3_bucket": dict(absent, force=True)}], 1)
    with pytest.raises(aws["s3"].exceptions.ClientError):
        aws["s3"].head_bucket(Bucket=name)


def test_repository(play, aws, name):
    repo = {"name": name, "image_tag_mutability": "IMMUTABLE", "scan_on_push": True, "tags": {"a": "1"},
            "lifecycle_policy": json.dumps({"rules": [{"rulePriority": 1, "selection": {
                "tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 5}, "action": {"type": "expire"}}]})}
    four_steps(play, [{"llmtwin.deploy.aws_ecr_repository": repo}], 1)
    found = aws["ecr"].describe_repositories(repositoryNames=[name])["repositories"][0]
    assert found["imageTagMutability"] == "IMMUTABLE" and found["imageScanningConfiguration"]["scanOnPush"]
    # an empty dict removes the lifecycle policy
    four_steps(play, [{"llmtwin.deploy.aws_ecr_repository": dict(repo, lifecycle_policy={})}], 1)
    with pytest.raises(aws["ecr"].exceptions.LifecyclePolicyNotFoundException):
        aws["ecr"].get_lifecycle_policy(repositoryName=name)
    run = play([{"llmtwin.deploy.aws_ecr_repository": dict(repo, encryption="KMS")}])
    assert run.rc != 0 and "encryption can only be set when a repository is created" in run.stdout, run
    four_steps(play, [{"llmtwin.deploy.aws_ecr_repository": {"name": name, "state": "absent"}}], 1)


def test_role(play, aws, name):
    role = {"name": name, "assume_role_policy": TRUST, "max_session_duration": 7200, "tags": {"a": "1"},
            "managed_policies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            "inline_policies": {"p": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}}}
    four_steps(play, [{"llmtwin.deploy.aws_iam_role": role}], 1)
    assert aws["iam"].get_role(RoleName=name)["Role"]["MaxSessionDuration"] == 7200
    # purge: managed policies and inline policies not listed go
    four_steps(play, [{"llmtwin.deploy.aws_iam_role": dict(role, managed_policies=[], inline_policies={})}], 1)
    assert aws["iam"].list_attached_role_policies(RoleName=name)["AttachedPolicies"] == []
    assert aws["iam"].list_role_policies(RoleName=name)["PolicyNames"] == []
    four_steps(play, [{"llmtwin.deploy.aws_iam_role": {"name": name, "state": "absent"}}], 1)


@pytest.mark.parametrize("module, args, message", [
    ("aws_iam_role", {"name": "x", "assume_role_policy": "{not json"}, "assume_role_policy: malformed policy JSON"),
    ("aws_s3_bucket", {"name": "Bad_Bucket"}, "name: invalid bucket name 'Bad_Bucket'"),
    ("aws_ecr_repository", {"name": "Bad Repo"}, "name: invalid repository name"),
    ("aws_s3_bucket", {"name": "fine-name", "region": "eu-moon-9"}, "region: unknown AWS region 'eu-moon-9'"),
])
def test_bad_input_fails_before_connecting(play, module, args, message):
    # an unreachable endpoint proves no connection was attempted: the input error comes first, fast
    start = time.monotonic()
    run = play([{"llmtwin.deploy." + module: dict(args, endpoint_url="http://127.0.0.1:9")}])
    assert run.rc != 0 and message in run.stdout, run
    assert "Traceback" not in run.stdout + run.stderr
    assert time.monotonic() - start < 30


def test_unreachable_endpoint_fails_within_timeout(play):
    start = time.monotonic()
    run = play([{"llmtwin.deploy.aws_s3_bucket": {"name": "fine-name", "endpoint_url": "http://127.0.0.1:9",
                                                  "connect_timeout": 2, "max_attempts": 2}}])
    assert run.rc != 0 and "Failed to read bucket fine-name: Could not connect" in run.stdout, run
    assert "Traceback" not in run.stdout + run.stderr
    assert time.monotonic() - start < 30


def test_secret_key_not_in_verbose_output(play, name):
    secret = "sk-" + secrets.token_hex(16)
    run = play([{"llmtwin.deploy.aws_ecr_repository": {"name": name + "-s", "secret_key": secret, "tags": {}}},
                {"llmtwin.deploy.aws_ecr_repository": {"name": name + "-s", "secret_key": secret,
                                                       "state": "absent"}}], "-vvv", "--diff")
    assert run.rc == 0, run
    assert secret not in run.stdout + run.stderr
