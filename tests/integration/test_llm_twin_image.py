"""The llm_twin image, built and run for real against the local stack's dockerd, MongoDB and an
embedded Qdrant folder.

The image is tagged by a hash of everything that goes into it, so a re-run reuses it instead of
building again (the first build takes a few minutes; the base image and the wheelhouse are cached in
~/.cache/llmtwin-deploy). Containers run with the host network (dockerd has no bridge), as uid 1000.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import time
from pathlib import Path

import pytest

docker = pytest.importorskip("docker")

REPO = Path(__file__).resolve().parents[2]
CONTEXT = ["Dockerfile", ".dockerignore", "requirements-app.txt", "llm_twin", "configs", "data/sample"]
AUTHOR = "Ada Lovelace"
CATEGORIES = ("articles", "posts", "repositories")
SAMPLE_COUNTS = {"articles": 2, "posts": 2, "repositories": 1}
RUN_TIMEOUT = 600


def content_hash() -> str:
    digest = hashlib.sha256()
    for entry in CONTEXT:
        path = REPO / entry
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            if "__pycache__" in file.parts or file.suffix == ".pyc":
                continue
            digest.update(str(file.relative_to(REPO)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@pytest.fixture(scope="module")
def client(stack):
    client = docker.DockerClient(base_url=stack.docker_host, timeout=RUN_TIMEOUT)
    yield client
    client.close()


@pytest.fixture(scope="module")
def image(stack, client) -> str:
    tag = f"llm-twin-test:{content_hash()}"
    try:
        client.images.get(tag)
        print(f"\nreusing {tag}")
        return tag
    except docker.errors.ImageNotFound:
        pass
    env = stack.env()
    for script in (["scripts/local-stack", "base-image"], ["scripts/wheelhouse.sh"]):
        proc = subprocess.run(script, cwd=REPO, env=env, capture_output=True, text=True, timeout=1800, check=False)
        assert proc.returncode == 0, f"{' '.join(script)} failed:\n{proc.stdout}\n{proc.stderr}"
    start = time.monotonic()
    # the docker SDK's build is the classic builder, as the image role uses it; no network: the wheelhouse must do
    client.images.build(path=str(REPO), tag=tag, rm=True, forcerm=True, network_mode="none", timeout=1800)
    print(f"\nbuilt {tag} in {time.monotonic() - start:.0f}s")
    return tag


def run(client, image: str, command: list[str], *, env: dict | None = None, volumes: dict | None = None,
        entrypoint: list[str] | None = None) -> tuple[int, str]:
    """(exit code, output) of a container run as the image's default user, removed afterwards."""
    container = client.containers.run(image, command, entrypoint=entrypoint, environment=env or {},
                                      volumes=volumes or {}, network_mode="host", detach=True)
    try:
        code = container.wait(timeout=RUN_TIMEOUT)["StatusCode"]
        return code, container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)


@pytest.fixture(scope="module")
def mongo(stack):
    """A throwaway database and a user that may only read/write it (the admin password never reaches a container)."""
    import pymongo

    suffix = secrets.token_hex(4)
    db_name, user, password = f"twin_it_{suffix}", f"llmtwin_it_{suffix}", secrets.token_urlsafe(18)
    admin = pymongo.MongoClient(stack.mongo_host, stack.mongo_port, username="admin",
                                password=stack.mongo_admin_password, authSource="admin",
                                authMechanism="SCRAM-SHA-256", serverSelectionTimeoutMS=5000)
    admin.admin.command("createUser", user, pwd=password, roles=[{"role": "readWrite", "db": db_name}],
                        mechanisms=["SCRAM-SHA-256"])
    uri = (f"mongodb://{user}:{password}@{stack.mongo_host}:{stack.mongo_port}/"
           "?authSource=admin&authMechanism=SCRAM-SHA-256")
    try:
        yield {"uri": uri, "db_name": db_name, "password": password, "db": admin[db_name]}
    finally:
        admin.drop_database(db_name)
        admin.admin.command("dropUser", user)
        admin.close()


def scratch_folder(tmp_path_factory, name: str) -> Path:
    """A folder the container's uid 1000 can write: zenml/ (its own local store) and qdrant/."""
    root = tmp_path_factory.mktemp(name)
    for sub in ("zenml", "qdrant"):
        (root / sub).mkdir()
    for path in [root, *root.rglob("*")]:
        os.chown(path, 1000, 1000)
    return root


def create_collections(qdrant_path: Path) -> None:
    """What the qdrant role does (not ours to call here): cleaned_* without vectors, embedded_* 384/Cosine."""
    from qdrant_client import QdrantClient, models

    qdrant = QdrantClient(path=str(qdrant_path))
    try:
        for category in CATEGORIES:
            qdrant.create_collection(f"cleaned_{category}", vectors_config={})
            qdrant.create_collection(f"embedded_{category}", vectors_config=models.VectorParams(
                size=384, distance=models.Distance.COSINE))
    finally:
        qdrant.close()
    for path in [qdrant_path, *qdrant_path.rglob("*")]:
        os.chown(path, 1000, 1000)


def app_env(mongo) -> dict[str, str]:
    """Settings by environment at run time: nothing of this is in the image."""
    return {"DATABASE_HOST": mongo["uri"], "DATABASE_NAME": mongo["db_name"],
            "ZENML_CONFIG_PATH": "/scratch/zenml", "QDRANT_PATH": "/scratch/qdrant"}


def scratch_volume(scratch: Path) -> dict:
    return {str(scratch): {"bind": "/scratch", "mode": "rw"}}


def test_image_runs_as_non_root_with_offline_model(client, image):
    code, out = run(client, image, ["-c", (
        "import os, llm_twin.cli, llm_twin.embeddings as e; "
        "m = e.load_model(); v, meta = e.embed(['hello']); "
        "print(os.getuid(), os.environ['HF_HUB_OFFLINE'], len(v[0]), meta['embedding_model_id'])")],
        entrypoint=["python"])
    assert code == 0, out
    assert out.strip().splitlines()[-1] == "1000 1 384 sentence-transformers/all-MiniLM-L6-v2"


def test_image_has_the_aws_and_s3_integrations(client, image):
    """What a step on SageMaker imports: the S3 artifact store (s3fs) and the orchestrator (sagemaker);
    ZenML's own integration check agrees, and the SageMaker SDK's telemetry is switched off."""
    code, out = run(client, image, ["-c", (
        "import s3fs, sagemaker, aws_profile_manager\n"
        "from zenml.integrations.registry import integration_registry as r\n"
        "from sagemaker.config import load_sagemaker_config\n"
        "opt_out = load_sagemaker_config()['SageMaker']['PythonSDK']['Modules']['TelemetryOptOut']\n"
        "print(r.is_installed('aws'), r.is_installed('s3'), sagemaker.__version__.split('.')[0], opt_out)")],
        entrypoint=["python"])
    assert code == 0, out
    assert out.strip().splitlines()[-1] == "True True 2 True"


def test_image_carries_only_the_app(client, image):
    code, out = run(client, image, ["-c", "ls -A /app; find / -xdev -name '.env*' 2>/dev/null; true"],
                    entrypoint=["sh"])
    assert code == 0, out
    assert sorted(out.split()) == ["configs", "data", "llm_twin"]


def test_digital_data_etl_loads_the_sample_idempotently(client, image, mongo, tmp_path_factory):
    scratch = scratch_folder(tmp_path_factory, "etl")
    start = time.monotonic()
    code, out = run(client, image, ["run", "digital_data_etl", "--config", "configs/digital_data_etl.yaml"],
                    env=app_env(mongo), volumes=scratch_volume(scratch))
    print(f"\ndigital_data_etl in a container: {time.monotonic() - start:.1f}s")
    assert code == 0, out
    assert "5 created" in out, out
    db = mongo["db"]
    users = list(db.users.find())
    assert [(u["first_name"], u["last_name"]) for u in users] == [("Ada", "Lovelace")]
    author_id = users[0]["_id"]
    first = {}
    for category, count in SAMPLE_COUNTS.items():
        docs = list(db[category].find())
        assert len(docs) == count, category
        for doc in docs:
            assert doc["author_id"] == author_id and isinstance(doc["_id"], str) and len(doc["_id"]) == 36
            assert doc["link"] and doc["platform"] and isinstance(doc["content"], dict)
        first[category] = sorted(d["_id"] for d in docs)

    code, out = run(client, image, ["run", "digital_data_etl", "--no-cache"],
                    env=app_env(mongo), volumes=scratch_volume(scratch))
    assert code == 0, out
    assert "0 created, 0 updated, 5 unchanged" in out, out
    assert db.users.count_documents({}) == 1
    assert {c: sorted(d["_id"] for d in db[c].find()) for c in CATEGORIES} == first


def test_feature_engineering_refuses_missing_collections(client, image, mongo, tmp_path_factory):
    scratch = scratch_folder(tmp_path_factory, "nocollections")
    code, out = run(client, image, ["run", "feature_engineering"], env=app_env(mongo),
                    volumes=scratch_volume(scratch))
    assert code == 1, out
    assert "do not exist. The qdrant role creates them" in out
    assert not any((scratch / "qdrant" / "collection").glob("*")), "the pipeline created a collection"


def test_feature_engineering_writes_chunks_and_embeddings(client, image, mongo, tmp_path_factory):
    from qdrant_client import QdrantClient, models

    scratch = scratch_folder(tmp_path_factory, "features")
    create_collections(scratch / "qdrant")
    code, out = run(client, image, ["run", "digital_data_etl"], env=app_env(mongo), volumes=scratch_volume(scratch))
    assert code == 0, out
    author_id = mongo["db"].users.find_one({"first_name": "Ada"})["_id"]

    def snapshot() -> dict[str, list]:
        qdrant = QdrantClient(path=str(scratch / "qdrant"))
        try:
            return {name: sorted(qdrant.scroll(name, limit=1000, with_vectors=True)[0], key=lambda p: str(p.id))
                    for name in (f"{kind}_{c}" for kind in ("cleaned", "embedded") for c in CATEGORIES)}
        finally:
            qdrant.close()

    start = time.monotonic()
    code, out = run(client, image, ["run", "feature_engineering"], env=app_env(mongo), volumes=scratch_volume(scratch))
    print(f"\nfeature_engineering in a container: {time.monotonic() - start:.1f}s")
    assert code == 0, out
    points = snapshot()
    for category, count in SAMPLE_COUNTS.items():
        assert len(points[f"cleaned_{category}"]) == count
        assert len(points[f"embedded_{category}"]) >= count
    for name, found in points.items():
        for point in found:
            payload = point.payload
            assert {"content", "platform", "document_id", "author_id", "author_full_name", "link",
                    "metadata"} <= set(payload), name
            assert payload["author_id"] == author_id and payload["author_full_name"] == AUTHOR
            if name.startswith("embedded_"):
                assert len(point.vector) == 384
                assert payload["metadata"]["embedding_model_id"] == "sentence-transformers/all-MiniLM-L6-v2"
            else:
                assert not point.vector

    qdrant = QdrantClient(path=str(scratch / "qdrant"))
    try:
        query = points["embedded_articles"][0].vector
        mine = models.Filter(must=[models.FieldCondition(key="author_id", match=models.MatchValue(value=author_id))])
        hits = qdrant.query_points("embedded_articles", query=query, query_filter=mine, limit=3).points
        assert hits and all(h.payload["author_id"] == author_id for h in hits)
        assert hits[0].score > 0.99
        nobody = models.Filter(must=[models.FieldCondition(key="author_id", match=models.MatchValue(value="nobody"))])
        assert qdrant.query_points("embedded_articles", query=query, query_filter=nobody, limit=3).points == []
    finally:
        qdrant.close()

    # a re-run (no cache: everything re-embedded) upserts the same point ids instead of adding points
    code, out = run(client, image, ["run", "feature_engineering", "--no-cache"], env=app_env(mongo),
                    volumes=scratch_volume(scratch))
    assert code == 0, out
    again = snapshot()
    assert {n: [str(p.id) for p in ps] for n, ps in again.items()} == {n: [str(p.id) for p in ps]
                                                                       for n, ps in points.items()}


def test_no_secret_in_image_history_or_config(client, image, stack, mongo):
    history = client.api.history(image)
    config = client.images.get(image).attrs["Config"]
    text = "\n".join(str(layer.get("CreatedBy", "")) for layer in history) + "\n" + "\n".join(config.get("Env") or [])
    for secret in (stack.mongo_admin_password, mongo["password"], stack.registry_password):
        assert secret not in text
    for name in ("DATABASE_HOST", "QDRANT_APIKEY", "AWS_SECRET_KEY", "AWS_ACCESS_KEY", ".env"):
        assert name not in text
    assert config["User"] == "twin"
    assert "HF_HUB_OFFLINE=1" in config["Env"]
