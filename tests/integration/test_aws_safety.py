"""Data safety of the aws_* modules against moto (issue 11): input checked before the first write,
honest `changed` after a failure, one message instead of a traceback, bounded hangs, race-safe creates.

Every resource is named e11-... and removed afterwards; the names the roles deploy are never touched.
"""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import botocore.session
import pytest

REPO = Path(__file__).resolve().parents[2]
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}
ALLOW = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
EXPIRE = {"rules": [{"rulePriority": 1, "description": "keep 5", "action": {"type": "expire"},
                     "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 5}}]}


def run(module, args, stack, check=False, timeout=120, env=None):
    """One module in a fresh process, as ansible runs it; returns (rc, result, output, seconds)."""
    base = {}
    if module.startswith("aws_"):
        base = {"region": stack.region, "endpoint_url": stack.aws_endpoint_url, "access_key": "testing",
                "secret_key": "testing"}
    payload = {"ANSIBLE_MODULE_ARGS": dict(base, _ansible_check_mode=check, **args)}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(payload, handle)
    started = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, "-m", "ansible_collections.llmtwin.deploy.plugins.modules." + module,
                               handle.name], capture_output=True, text=True, timeout=timeout, check=False,
                              env={**os.environ, "PYTHONPATH": str(REPO / "collections"), **(env or {})})
    finally:
        os.unlink(handle.name)
    seconds = time.monotonic() - started
    try:
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        result = {}
    return proc.returncode, result, proc.stdout + proc.stderr, seconds


@pytest.fixture(scope="module")
def aws(stack):
    session = botocore.session.get_session()
    kw = dict(endpoint_url=stack.aws_endpoint_url, aws_access_key_id="testing", aws_secret_access_key="testing")
    clients = {svc: session.create_client(svc, region_name=stack.region, **kw) for svc in ("ecr", "iam")}
    clients["s3"] = session.create_client("s3", region_name="eu-west-1", **kw)
    yield clients
    for client in clients.values():
        client.close()


def exists(aws, kind, name):
    try:
        if kind == "aws_s3_bucket":
            aws["s3"].head_bucket(Bucket=name)
        elif kind == "aws_ecr_repository":
            aws["ecr"].describe_repositories(repositoryNames=[name])
        else:
            aws["iam"].get_role(RoleName=name)
    except aws["s3"].exceptions.ClientError:
        return False
    return True


def remove(aws, kind, name):
    if not exists(aws, kind, name):
        return
    if kind == "aws_s3_bucket":
        aws["s3"].delete_bucket(Bucket=name)
    elif kind == "aws_ecr_repository":
        aws["ecr"].delete_repository(repositoryName=name, force=True)
    else:
        for p in aws["iam"].list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
            aws["iam"].detach_role_policy(RoleName=name, PolicyArn=p["PolicyArn"])
        for p in aws["iam"].list_role_policies(RoleName=name)["PolicyNames"]:
            aws["iam"].delete_role_policy(RoleName=name, PolicyName=p)
        aws["iam"].delete_role(RoleName=name)


@pytest.fixture()
def name():
    return "e11-" + secrets.token_hex(4)


# ------------------------------------------------------------------ 2. validation before the first write

INVALID = [
    ("aws_s3_bucket", {"lifecycle_rules": [{"ID": "r", "Filter": {"Prefix": ""}, "Expiration": {"Days": 7}}]},
     'lifecycle_rules: Missing required parameter in lifecycle_rules[0]: "Status"'),
    ("aws_s3_bucket", {"lifecycle_rules": [{"ID": "r", "Status": "On", "Filter": {}, "Expiration": {"Days": 7}}]},
     "lifecycle_rules: rule r: Status must be Enabled or Disabled"),
    ("aws_ecr_repository", {"lifecycle_policy": {"rules": [{"rulePriority": 1, "action": {"type": "expire"},
                                                            "selection": {"tagStatus": "any", "countNumber": 3}}]}},
     "lifecycle_policy: rules[0].selection.countType"),
    ("aws_iam_role", {"assume_role_policy": TRUST, "inline_policies": {"p": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Maybe", "Action": "s3:GetObject", "Resource": "*"}]}}},
     "inline_policies.p: Statement[0].Effect 'Maybe'"),
    # 3. raw exceptions and accepted invalid values before
    ("aws_iam_role", {"assume_role_policy": [TRUST]}, "assume_role_policy: expected a policy document"),
    ("aws_ecr_repository", {"lifecycle_policy": [EXPIRE]}, "lifecycle_policy: expected a policy document"),
    ("aws_iam_role", {"assume_role_policy": TRUST, "inline_policies": {"p": None}},
     "inline_policies.p: expected a policy document (a dict or a JSON object string), got null"),
]


INVALID_IDS = ["%s-%s-%d" % (m, msg.split(":")[0], i) for i, (m, a, msg) in enumerate(INVALID)]


@pytest.mark.parametrize("module, args, message", INVALID, ids=INVALID_IDS)
def test_invalid_input_fails_in_check_mode_too_and_creates_nothing(stack, aws, name, module, args, message):
    extra = {"region": "eu-west-1"} if module == "aws_s3_bucket" else {}
    try:
        for check in (True, False):
            rc, result, out, _seconds = run(module, dict(args, name=name, **extra), stack, check=check)
            assert rc != 0 and message in result.get("msg", ""), out
            assert "Traceback" not in out and not result.get("changed"), out
            assert not exists(aws, module, name), "%s created %s before failing" % (module, name)
    finally:
        remove(aws, module, name)


def test_a_failure_after_a_write_reports_changed_and_what_was_done(stack, aws, name):
    # an attachment IAM refuses (a policy that does not exist) can only fail after the role was created
    missing = "arn:aws:iam::aws:policy/E11NoSuchPolicy"
    args = {"name": name, "assume_role_policy": TRUST, "managed_policies": [missing]}
    try:
        rc, check, out, _seconds = run("aws_iam_role", args, stack, check=True)
        assert rc == 0 and check["changed"] and check["actions"] == [
            "create role %s" % name, "update role %s: attach policy %s" % (name, missing)], out
        assert check["resources"] == ["role %s" % name], out
        rc, result, out, _seconds = run("aws_iam_role", args, stack)
        assert rc != 0 and "Traceback" not in out, out
        assert result["changed"] is True and result["actions"] == ["create role %s" % name], out
        assert "already done: create role %s" % name in result["msg"], out
        assert exists(aws, "aws_iam_role", name)
    finally:
        remove(aws, "aws_iam_role", name)


# ------------------------------------------------------------------ 3. one message instead of a traceback

@contextmanager
def garbage_endpoint():
    """An HTTP server that answers every request with an HTML page: not an AWS API."""
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self):
            length = int(self.headers.get("content-length") or 0)
            if length:
                self.rfile.read(length)
            body = b"<html><body>It works! (not an API)</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("module, args", [
    ("aws_caller_info", {}),
    ("aws_s3_bucket", {"name": "e11-garbage", "versioning": True}),
    ("aws_ecr_repository", {"name": "e11-garbage"}),
    ("aws_iam_role", {"name": "e11-garbage", "assume_role_policy": TRUST}),
])
def test_an_endpoint_answering_garbage_is_one_message(stack, module, args):
    with garbage_endpoint() as url:
        rc, result, out, _seconds = run(module, dict(args, endpoint_url=url), stack, timeout=60)
    assert rc != 0 and "Traceback" not in out, out
    assert "not an AWS API response" in result["msg"] and "endpoint_url" in result["msg"], out


def test_an_unknown_profile_is_one_message_naming_the_option(stack, name):
    rc, result, out, _seconds = run("aws_ecr_repository", {"name": name, "profile": "e11-no-such-profile"}, stack,
                                    env={"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    assert rc != 0 and "Traceback" not in out, out
    assert result["msg"].startswith("profile: unknown AWS profile 'e11-no-such-profile'"), out


# ------------------------------------------------------------------ 4. a hung endpoint fails within a minute

def test_a_hung_endpoint_fails_within_a_minute_with_the_defaults(stack, silent_endpoint):
    cases = [("aws_caller_info", {}), ("aws_s3_bucket", {"name": "e11-hung"})]
    url = silent_endpoint  # accepts connections and never answers (conftest.py)
    with ThreadPoolExecutor(len(cases)) as pool:
        # bounded: the old defaults took 121-132 s here; the subprocess timeout stops the test at 75 s
        runs = list(pool.map(lambda case: run(case[0], dict(case[1], endpoint_url=url), stack, timeout=75), cases))
    for (module, _args), (rc, result, out, seconds) in zip(cases, runs):
        assert rc != 0 and "Traceback" not in out, out
        assert "Read timeout on endpoint URL" in result["msg"], out
        assert seconds <= 60, "%s took %.1f s" % (module, seconds)


# ------------------------------------------------------------------ 5. concurrent creates adopt, then converge

RACES = [
    ("aws_s3_bucket", {"region": "eu-west-1", "versioning": True, "tags": {"a": "1"}}),
    ("aws_ecr_repository", {"scan_on_push": True, "lifecycle_policy": EXPIRE, "tags": {"a": "1"}}),
    ("aws_iam_role", {"assume_role_policy": TRUST, "inline_policies": {"p": ALLOW}, "tags": {"a": "1"},
                      "managed_policies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}),
]


@pytest.mark.parametrize("module, args", RACES, ids=[m for m, _args in RACES])
def test_parallel_creates_of_one_resource_all_succeed_and_converge(stack, aws, name, module, args):
    runners = 4
    barrier = threading.Barrier(runners)

    def one(_index):
        barrier.wait()
        return run(module, dict(args, name=name), stack)

    try:
        with ThreadPoolExecutor(runners) as pool:
            results = list(pool.map(one, range(runners)))
        for rc, result, out, _seconds in results:
            assert rc == 0 and "Traceback" not in out, out
        assert any(r[1]["changed"] for r in results)
        # the final state is the one asked for, and a further run has nothing to do
        rc, again, out, _seconds = run(module, dict(args, name=name), stack)
        assert rc == 0 and not again["changed"] and again["actions"] == [], out
        if module == "aws_s3_bucket":
            assert aws["s3"].get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
            assert aws["s3"].get_bucket_tagging(Bucket=name)["TagSet"] == [{"Key": "a", "Value": "1"}]
        elif module == "aws_ecr_repository":
            found = aws["ecr"].describe_repositories(repositoryNames=[name])["repositories"][0]
            assert found["imageScanningConfiguration"]["scanOnPush"] is True
            assert json.loads(aws["ecr"].get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"]) == EXPIRE
        else:
            assert aws["iam"].list_role_policies(RoleName=name)["PolicyNames"] == ["p"]
            attached = aws["iam"].list_attached_role_policies(RoleName=name)["AttachedPolicies"]
            assert [p["PolicyArn"] for p in attached] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    finally:
        remove(aws, module, name)
