"""Shared harness of the reliability suite (issue 11): the integration tests' stack and playbook runner,
a timed module runner, SDK clients that check what really exists, and the suite's own counts.

Everything this suite creates is named rl-* / rl_* (its own prefix), so it runs on a stack that already
holds a deployment or the integration tests' leftovers, and it removes what it created.
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

INTEGRATION = Path(__file__).resolve().parents[1] / "integration"
sys.path.insert(0, str(INTEGRATION))


def _integration_conftest():
    """The integration tests' conftest under a name of its own: both folders' conftests are `conftest`."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("llmtwin_integration_conftest", INTEGRATION / "conftest.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


_shared = sys.modules.get("llmtwin_integration_conftest") or _integration_conftest()
REPO, STACK_DIR, Stack, run_playbook = _shared.REPO, _shared.STACK_DIR, _shared.Stack, _shared.run_playbook

from module_run import ModuleRun, run_module  # noqa: E402

# what passed, per kind; what was tried, per kind (the summary prints both when they differ)
PASSED: Counter = Counter()
TRIED: Counter = Counter()
KINDS = ("inputs", "faults", "drift", "secrets", "races", "safety")


def tally(kind: str, n: int = 1) -> None:
    """Count n cases of KIND as passed; call it after the case's last assertion."""
    PASSED[kind] += n


def tried(kind: str, n: int = 1) -> None:
    TRIED[kind] += n


def summary() -> str | None:
    if not TRIED and not PASSED:
        return None
    parts = []
    for kind in KINDS:
        if TRIED[kind] or PASSED[kind]:
            part = f"{PASSED[kind]} {kind}"
            if TRIED[kind] != PASSED[kind]:
                part += f" (of {TRIED[kind]} tried)"
            parts.append(part)
    return "reliability: " + ", ".join(parts)


@dataclass
class Timed:
    run: ModuleRun
    seconds: float

    @property
    def result(self) -> dict:
        return self.run.result

    @property
    def failed(self) -> bool:
        return self.run.rc != 0 and self.run.result.get("failed") is True

    @property
    def changed(self) -> bool:
        return self.run.result.get("changed") is True

    @property
    def msg(self) -> str:
        return str(self.run.result.get("msg", ""))

    def __str__(self) -> str:
        return f"{self.seconds:.1f} s, {self.run}"


def module(name: str, args: dict, check: bool = False, diff: bool = False, timeout: float = 180,
           env: dict | None = None) -> Timed:
    started = time.monotonic()
    run = run_module(name, args, check=check, diff=diff, timeout=timeout, env=env)
    return Timed(run, time.monotonic() - started)


def parallel(calls, workers: int = 3) -> list:
    """Run zero-argument callables on a small pool (the CI machine has 2 cores; modules mostly wait)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return [f.result() for f in [pool.submit(c) for c in calls]]


@pytest.fixture(scope="session")
def stack() -> Stack:
    if not (STACK_DIR / "run" / "mongo.pid").exists() or not (STACK_DIR / "stack.json").exists():
        pytest.fail(f"the local stack is not up (no {STACK_DIR}/run/mongo.pid): run scripts/local-stack up")
    return Stack.load(STACK_DIR)


@pytest.fixture(scope="session")
def playbook():
    return run_playbook


def connection(stack: Stack, family: str, zenml_config: Path | None = None) -> dict:
    """The connection options of a module family against the stack (as the local inventory sets them)."""
    if family == "mongodb":
        return {"login_host": stack.mongo_host, "login_port": stack.mongo_port, "login_user": "admin",
                "login_password": stack.mongo_admin_password}
    if family == "aws":
        return {"region": stack.region, "endpoint_url": stack.aws_endpoint_url, "access_key": "testing",
                "secret_key": "testing"}
    if family == "zenml":
        return {"store_url": stack.zenml_url, "store_api_key": stack.zenml_api_key,
                "config_path": str(zenml_config or stack.zenml_config_path)}
    if family == "docker":
        return {"docker_host": stack.docker_host}
    if family == "registry":
        return {"docker_host": stack.docker_host, "registry": stack.registry, "registry_auth": "basic",
                "registry_username": stack.registry_user, "registry_password": stack.registry_password}
    return {}


@pytest.fixture(scope="session")
def zenml_config():
    """A client config folder of the suite's own: the stack's belongs to the aws_zenml role."""
    with tempfile.TemporaryDirectory(prefix="rl-zenml-") as folder:
        yield Path(folder)


# ---------------------------------------------------------------- SDK views of what exists

@pytest.fixture(scope="session")
def mongo(stack):
    import pymongo

    client = pymongo.MongoClient(stack.mongo_host, stack.mongo_port, username="admin",
                                 password=stack.mongo_admin_password, authSource="admin",
                                 authMechanism="SCRAM-SHA-256", serverSelectionTimeoutMS=10000)
    yield client
    client.close()


@pytest.fixture(scope="session")
def aws(stack):
    import boto3
    from botocore.config import Config

    kw = dict(endpoint_url=stack.aws_endpoint_url, aws_access_key_id="testing", aws_secret_access_key="testing",
              config=Config(connect_timeout=5, read_timeout=20, retries={"max_attempts": 2}))
    clients = {svc: boto3.client(svc, region_name=stack.region, **kw) for svc in ("ecr", "iam", "s3", "sts")}
    clients["s3-eu"] = boto3.client("s3", region_name="eu-west-1", **kw)
    return clients


@pytest.fixture(scope="session")
def docker_client(stack):
    import docker

    client = docker.DockerClient(base_url=stack.docker_host, timeout=60)
    yield client
    client.close()


class ZenML:
    """The ZenML server's REST API with the service account's key: no `import zenml` (seconds per process)."""

    def __init__(self, url: str, api_key: str):
        self.url = url
        form = urllib.parse.urlencode({"password": api_key}).encode()
        with urllib.request.urlopen(f"{url}/api/v1/login", data=form, timeout=20) as resp:
            self.token = json.load(resp)["access_token"]

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        req = urllib.request.Request(f"{self.url}/api/v1{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {self.token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=20) as resp:
            return json.load(resp)

    def items(self, kind: str, **query) -> list[dict]:
        query.setdefault("size", 200)
        return self.call("GET", f"/{kind}?{urllib.parse.urlencode(query)}")["items"]

    def names(self, kind: str) -> set[str]:
        return {item["name"] for item in self.items(kind)}

    def find(self, kind: str, name: str) -> dict | None:
        found = [i for i in self.items(kind, name=name, hydrate="true") if i["name"] == name]
        return found[0] if found else None


@pytest.fixture(scope="session")
def zenml(stack):
    return ZenML(stack.zenml_url, stack.zenml_api_key)


def registry_tags(stack: Stack, repository: str) -> list[str]:
    import requests

    r = requests.get(f"http://{stack.registry}/v2/{repository}/tags/list", timeout=10,
                     auth=(stack.registry_user, stack.registry_password))
    if r.status_code == 404:
        return []
    r.raise_for_status()
    return sorted(r.json().get("tags") or [])


__all__ = ["REPO", "Stack", "connection", "module", "parallel", "registry_tags", "tally", "tried", "Timed"]


def remove_named(prefix: str, mongo=None, aws=None, zenml=None, docker_client=None) -> None:
    """Remove whatever carries the suite's PREFIX (rl-x / rl_x spellings), best effort: a defect under test
    may have created it, and a rerun must start from nothing."""
    under = prefix.replace("-", "_")
    if mongo is not None:
        for db in mongo.list_database_names():
            if db.startswith(under):
                mongo.drop_database(db)
        for user in mongo.admin.command("usersInfo")["users"]:
            if user["user"].startswith(under):
                mongo[user["db"]].command("dropUser", user["user"])
    if aws is not None:
        for s3 in (aws["s3"], aws["s3-eu"]):
            for bucket in s3.list_buckets()["Buckets"]:
                if bucket["Name"].startswith(prefix):
                    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket["Name"]):
                        for v in page.get("Versions", []) + page.get("DeleteMarkers", []):
                            s3.delete_object(Bucket=bucket["Name"], Key=v["Key"], VersionId=v["VersionId"])
                    s3.delete_bucket(Bucket=bucket["Name"])
        for repo in aws["ecr"].describe_repositories()["repositories"]:
            if repo["repositoryName"].startswith(prefix):
                aws["ecr"].delete_repository(repositoryName=repo["repositoryName"], force=True)
        iam = aws["iam"]
        for role in iam.list_roles()["Roles"]:
            if role["RoleName"].startswith(prefix):
                name = role["RoleName"]
                for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
                    iam.detach_role_policy(RoleName=name, PolicyArn=p["PolicyArn"])
                for p in iam.list_role_policies(RoleName=name)["PolicyNames"]:
                    iam.delete_role_policy(RoleName=name, PolicyName=p)
                iam.delete_role(RoleName=name)
    if zenml is not None:
        for kind in ("stacks", "components", "service_connectors", "secrets"):
            for item in zenml.items(kind):
                if item["name"].startswith(prefix):
                    try:
                        zenml.call("DELETE", f"/{kind}/{item['id']}")
                    except urllib.error.HTTPError:
                        pass  # still in use by a stack that failed to go: the next kind's pass reports it
    if docker_client is not None:
        for image in docker_client.images.list():
            if any(t.startswith(prefix) or f"/{prefix}" in t for t in image.tags):
                docker_client.images.remove(image.id, force=True)
