"""The local stack is real software: each service answers real clients (issue: foundation)."""
from __future__ import annotations

import io
import subprocess
import sys
import tarfile
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


def test_zenml_store_answers_active_stack(stack, tmp_path):
    # a script file, not `python -c`: ZenML derives its source root from the main module's file
    probe = tmp_path / "probe.py"
    probe.write_text("from zenml.client import Client\nprint(Client().active_stack.name)\n")
    out = subprocess.run([sys.executable, str(probe)], env=stack.env(), capture_output=True, text=True,
                         timeout=180, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "default"


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
    for name in ("mongo", "moto", "docker", "registry", "zenml", "qdrant"):
        assert f"{name}" in out.stdout and "unhealthy" not in out.stdout


def test_up_twice_starts_nothing_twice(stack):
    pids_before = {p.name: p.read_text() for p in (stack.dir / "run").glob("*.pid")}
    out = subprocess.run([str(REPO / "scripts" / "local-stack"), "up"], capture_output=True, text=True,
                         timeout=300, env=stack.env(), check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "started" not in out.stdout
    pids_after = {p.name: p.read_text() for p in (stack.dir / "run").glob("*.pid")}
    assert pids_after == pids_before
