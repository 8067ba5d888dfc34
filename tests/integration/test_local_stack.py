"""The local stack is real software: each service answers real clients (issue: foundation)."""
from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import boto3
import docker
import pymongo
import pytest
from pymongo.errors import OperationFailure

REPO = Path(__file__).resolve().parents[2]


def test_mongo_authenticated_ping(stack):
    client = pymongo.MongoClient(stack.mongo_host, stack.mongo_port, username="admin",
                                 password=stack.mongo_admin_password, authSource="admin",
                                 authMechanism="SCRAM-SHA-256", serverSelectionTimeoutMS=3000)
    try:
        assert client.admin.command("ping")["ok"] == 1
        users = client.admin.command("connectionStatus")["authInfo"]["authenticatedUsers"]
        assert {"user": "admin", "db": "admin"} in users
    finally:
        client.close()


def test_mongo_refuses_a_wrong_password(stack):
    client = pymongo.MongoClient(stack.mongo_host, stack.mongo_port, username="admin",
                                 password="not-the-password", authSource="admin",
                                 authMechanism="SCRAM-SHA-256", serverSelectionTimeoutMS=3000)
    try:
        with pytest.raises(OperationFailure):
            client.admin.command("listDatabases")
    finally:
        client.close()


def test_mongo_refuses_unauthenticated_reads(stack):
    client = pymongo.MongoClient(stack.mongo_host, stack.mongo_port, serverSelectionTimeoutMS=3000)
    try:
        with pytest.raises(OperationFailure):
            client.admin.command("listDatabases")
    finally:
        client.close()


def test_moto_creates_an_s3_bucket(stack):
    s3 = boto3.client("s3", endpoint_url=stack.aws_endpoint_url, region_name=stack.region,
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    name = f"stack-test-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    try:
        assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    finally:
        s3.delete_bucket(Bucket=name)


def test_docker_builds_from_scratch_and_pushes_to_the_registry(stack, tmp_path):
    client = docker.DockerClient(base_url=stack.docker_host, timeout=120)
    repo = f"{stack.registry}/stack-test-{uuid.uuid4().hex[:8]}"
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        for name, data in (("Dockerfile", b"FROM scratch\nCOPY hello.txt /hello.txt\n"),
                           ("hello.txt", uuid.uuid4().hex.encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    context.seek(0)
    try:
        image, _logs = client.images.build(fileobj=context, custom_context=True, tag=f"{repo}:v1", rm=True)
        auth = {"username": stack.registry_user, "password": stack.registry_password}
        stream = client.images.push(repo, tag="v1", auth_config=auth, stream=True, decode=True)
        errors = [line["error"] for line in stream if "error" in line]
        assert errors == []
        pushed = client.images.get_registry_data(f"{repo}:v1", auth_config=auth)
        assert pushed.id.startswith("sha256:")
        # a wrong password is refused by the registry
        refused = client.images.push(repo, tag="v1", auth_config={**auth, "password": "wrong"},
                                     stream=True, decode=True)
        assert any("error" in line for line in refused)
    finally:
        client.images.remove(f"{repo}:v1", force=True)
        client.close()


def test_zenml_client_reaches_the_server_with_the_api_key(stack, tmp_path):
    """As in production: a REST store at the server's URL, authenticated as the service account."""
    # a script file, not `python -c`: ZenML derives its source root from the main module's file
    probe = tmp_path / "probe.py"
    probe.write_text("from zenml.client import Client\nc = Client()\n"
                     "print(c.zen_store.type.value, c.active_user.name, c.active_user.is_service_account)\n")
    out = subprocess.run([sys.executable, str(probe)], env=stack.env(), capture_output=True, text=True,
                         timeout=180, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "rest llmtwin-deploy True"


def zenml_login(stack, form: dict) -> int:
    data = urllib.parse.urlencode(form).encode()
    try:
        with urllib.request.urlopen(f"{stack.zenml_url}/api/v1/login", data=data, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_zenml_server_authenticates(stack):
    """The server runs with OAuth2 login: the service account's key works, a wrong key and no key do not."""
    assert zenml_login(stack, {"password": stack.zenml_api_key}) == 200
    assert zenml_login(stack, {"password": "ZENKEY_" + "0" * 40}) == 401
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{stack.zenml_url}/api/v1/stacks", timeout=10)
    assert refused.value.code == 401


def test_generated_secrets_are_private_and_never_printed(stack):
    secrets_dir = stack.dir / "secrets"
    assert oct(secrets_dir.stat().st_mode & 0o777) == "0o700"
    for path in secrets_dir.iterdir():
        assert oct(path.stat().st_mode & 0o777) == "0o600", path
    printed = ""
    for command in ("status", "env"):
        out = subprocess.run([str(REPO / "scripts" / "local-stack"), command], capture_output=True, text=True,
                             timeout=240, env=stack.env(), check=False)
        printed += out.stdout + out.stderr
    for path in secrets_dir.iterdir():
        assert path.read_text().strip() not in printed, path.name


def test_qdrant_embedded_storage_opens(stack):
    from qdrant_client import QdrantClient

    client = QdrantClient(path=str(stack.qdrant_path))
    try:
        assert isinstance(client.get_collections().collections, list)
    finally:
        client.close()


def test_status_reports_every_service_healthy(stack):
    out = subprocess.run([str(REPO / "scripts" / "local-stack"), "status"], capture_output=True, text=True,
                         timeout=240, env=stack.env(), check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    for name in ("mongo", "moto", "docker", "registry", "zenml-server", "zenml", "qdrant"):
        assert f"{name}" in out.stdout and "unhealthy" not in out.stdout


def test_up_twice_starts_nothing_twice(stack):
    pids_before = {p.name: p.read_text() for p in (stack.dir / "run").glob("*.pid")}
    out = subprocess.run([str(REPO / "scripts" / "local-stack"), "up"], capture_output=True, text=True,
                         timeout=300, env=stack.env(), check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "started" not in out.stdout
    pids_after = {p.name: p.read_text() for p in (stack.dir / "run").glob("*.pid")}
    assert pids_after == pids_before


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_a_second_stack_runs_beside_and_down_stops_exactly_what_up_started(stack):
    """Ports are configurable, so a second stack (a deployment's beside the tests') runs on one machine;
    `down` stops exactly its own processes, frees its ports, leaves no mount behind and touches no
    other stack."""
    # a short path: containerd's socket lives under the folder and unix socket paths end at 108 bytes
    folder = Path(tempfile.mkdtemp(prefix="stack-", dir="/tmp"))
    ports = {"mongo": 27217, "moto": 5205, "registry": 5200, "zenml": 8437}
    env = {**os.environ, "LLMTWIN_STACK_DIR": str(folder),
           **{f"LLMTWIN_{name.upper()}_PORT": str(port) for name, port in ports.items()}}
    script = str(REPO / "scripts" / "local-stack")
    try:
        up = subprocess.run([script, "up"], capture_output=True, text=True, timeout=300, env=env, check=False)
        assert up.returncode == 0, up.stdout + up.stderr
        assert json.loads((folder / "stack.json").read_text())["ports"] == ports
        pids = {p.stem: int(p.read_text()) for p in (folder / "run").glob("*.pid")}
        assert set(pids) == {"mongo", "moto", "docker", "registry", "zenml-server"}, pids
        assert all(port_open(port) for port in ports.values())
    finally:
        down = subprocess.run([script, "down"], capture_output=True, text=True, timeout=120, env=env, check=False)
    assert down.returncode == 0, down.stdout + down.stderr
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(port_open(port) for port in ports.values()):
        time.sleep(0.2)
    assert not [name for name, port in ports.items() if port_open(port)]
    for name, pid in pids.items():
        assert not os.path.exists(f"/proc/{pid}"), f"{name} (pid {pid}) still runs"
    assert not list((folder / "run").glob("*.pid"))
    with open("/proc/mounts", encoding="utf-8") as mounts:
        assert str(folder) not in mounts.read()
    shutil.rmtree(folder)
    # the stack the tests use was not touched
    status = subprocess.run([script, "status"], capture_output=True, text=True, timeout=240, env=stack.env(),
                            check=False)
    assert status.returncode == 0, status.stdout
