"""Every role at -vvv --diff under names of the suite's own: no secret in the output, the returned values
or the image; then data safety: playbooks/teardown.yml without force, with data in Mongo, Qdrant and S3,
must refuse and leave every resource in place; with force it removes them (output checked again).

The pipelines (playbooks/pipelines.yml) are not run: they need the application image (a 10-minute build);
the image role builds the molecule scenario's tiny FROM scratch context instead.
"""
from __future__ import annotations

import json
import secrets
import uuid

import pytest

from harness import REPO, registry_tags, remove_named, tally, tried

TAG = uuid.uuid4().hex[:6]
PREFIX = f"rl-sec-{TAG}"
DB = f"rl_sec_{TAG}"
ROLES = ["mongo", "qdrant", "aws_zenml", "image"]
# wired as site.yml's plays wire them: a role reads no other role's variables, only its own inputs
WIRING = {
    "aws_zenml": {"aws_zenml_app_settings": "{{ mongo_outputs.settings | combine(qdrant_outputs.settings) }}"},
    "image": {"image_repository_uri": "{{ aws_zenml_outputs.repository_uri }}"},
}
DEPLOY = [{"name": "reliability deploy", "hosts": "deployer", "gather_facts": False,
           "roles": [{"role": f"llmtwin.deploy.{r}", "vars": WIRING.get(r, {})} for r in ROLES]}]


@pytest.fixture(scope="module")
def secret_values(stack):
    return {
        "mongo admin password": stack.mongo_admin_password,
        "mongo app password": "rlApp" + secrets.token_hex(12),
        "zenml api key": stack.zenml_api_key,
        "aws secret key (aws_zenml)": "rlAwsSecret" + secrets.token_hex(12),
        "aws secret key (image)": "rlImgSecret" + secrets.token_hex(12),
        "registry password": stack.registry_password,
    }


@pytest.fixture(scope="module")
def extra(secret_values, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rl-sec")
    return {
        "mongo_database_name": DB, "mongo_app_user": f"{DB}_app", "mongo_app_password": secret_values["mongo app password"],
        "qdrant_path": str(tmp / "qdrant"),
        "aws_zenml_prefix": PREFIX, "aws_zenml_stack_name": f"{PREFIX}-stack",
        "aws_zenml_connector_name": f"{PREFIX}-aws", "aws_zenml_artifact_store_name": f"{PREFIX}-s3",
        "aws_zenml_container_registry_name": f"{PREFIX}-ecr", "aws_zenml_orchestrator_name": f"{PREFIX}-sm",
        "aws_zenml_settings_secret_name": f"{PREFIX}-settings", "aws_zenml_local_stack_name": "",
        "aws_zenml_zenml_config_path": str(tmp / "zenml"),
        "aws_zenml_secret_key": secret_values["aws secret key (aws_zenml)"],
        "image_context_dir": str(REPO / "roles/image/molecule/default/files/context"),
        "image_pipeline_configs_dir": str(tmp / "configs"), "image_hash_cache": str(tmp / "hash-cache.json"),
        "image_aws_secret_key": secret_values["aws secret key (image)"],
    }


def leaks(text, secret_values):
    return sorted(name for name, value in secret_values.items() if value and value in text)


@pytest.fixture(scope="module")
def deployed(stack, playbook, extra, tmp_path_factory, mongo, aws, zenml, docker_client):
    path = tmp_path_factory.mktemp("rl-sec-play") / "deploy.yml"
    path.write_text(json.dumps(DEPLOY))
    try:
        run = playbook(path, "-vvv", "--diff", extra_vars=extra, env=stack.env(), timeout=600)
        yield run
    finally:
        # removed with the SDKs, not a forced teardown run (~90 s): the refused teardown already ran every
        # role's absent path at -vvv, and the integration tests cover the forced one
        remove_named(PREFIX, mongo, aws, zenml, docker_client)
        remove_named(DB, mongo)
        delete_registry_repository(stack, PREFIX)


def delete_registry_repository(stack, repository):
    import requests

    auth = (stack.registry_user, stack.registry_password)
    for tag in registry_tags(stack, repository):
        head = requests.head(f"http://{stack.registry}/v2/{repository}/manifests/{tag}", auth=auth, timeout=10,
                             headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"})
        digest = head.headers.get("Docker-Content-Digest")
        if digest:
            requests.delete(f"http://{stack.registry}/v2/{repository}/manifests/{digest}", auth=auth, timeout=10)


def test_every_role_at_vvv_diff_prints_no_secret(deployed, secret_values, docker_client):
    tried("secrets", len(secret_values))
    assert deployed.rc == 0 and deployed.failed == 0, deployed
    for role in ROLES:  # every role really ran (its tasks are in the output)
        assert f"{role} :" in deployed.stdout, f"no task of role {role} ran"
    assert leaks(deployed.stdout + deployed.stderr, secret_values) == [], deployed.stdout[-3000:]
    # the image carries none either (labels, env, history)
    image = [i for i in docker_client.images.list() if any(PREFIX in t for t in i.tags)]
    assert image, "the image role pushed nothing"
    attrs = json.dumps([i.attrs for i in image] + [i.history() for i in image], default=str)
    assert leaks(attrs, secret_values) == []
    tally("secrets", len(secret_values))


def test_refused_teardown_leaves_every_resource_in_place(deployed, stack, playbook, extra, mongo, aws, zenml,
                                                         secret_values):
    tried("safety")
    assert deployed.rc == 0, deployed
    from qdrant_client import QdrantClient, models

    mongo[DB].posts.insert_one({"_id": str(uuid.uuid4()), "author_id": "a", "link": None, "content": {}})
    client = QdrantClient(path=extra["qdrant_path"])
    try:
        client.upsert("embedded_posts", [models.PointStruct(id=1, vector=[0.1] * 384, payload={"author_id": "a"})])
    finally:
        client.close()
    bucket = [b["Name"] for b in aws["s3"].list_buckets()["Buckets"] if b["Name"].startswith(PREFIX)]
    assert len(bucket) == 1, bucket
    aws["s3"].put_object(Bucket=bucket[0], Key="artifact.bin", Body=b"artifact")

    def state():
        client = QdrantClient(path=extra["qdrant_path"])
        try:
            qdrant = {c.name: client.count(c.name).count for c in client.get_collections().collections}
        finally:
            client.close()
        return {
            "mongo": {c: sorted(mongo[DB][c].index_information()) for c in mongo[DB].list_collection_names()},
            "documents": mongo[DB].posts.count_documents({}),
            "qdrant": qdrant,
            "objects": [o["Key"] for o in aws["s3"].list_objects_v2(Bucket=bucket[0]).get("Contents", [])],
            "repository": [r["repositoryName"] for r in aws["ecr"].describe_repositories()["repositories"]
                           if r["repositoryName"] == PREFIX],
            "role": [r["RoleName"] for r in aws["iam"].list_roles()["Roles"] if r["RoleName"].startswith(PREFIX)],
            "zenml": sorted(n for kind in ("stacks", "components", "service_connectors", "secrets")
                            for n in zenml.names(kind) if n.startswith(PREFIX)),
        }

    before = state()
    assert len(before["mongo"]) == 4 and len(before["qdrant"]) == 6 and before["repository"] and before["role"], before
    assert f"{PREFIX}-stack" in before["zenml"], before
    refused = playbook(REPO / "playbooks/teardown.yml", "-vvv", "--diff", extra_vars=extra, env=stack.env(), timeout=600)
    assert refused.rc != 0 and refused.failed >= 1, refused
    assert leaks(refused.stdout + refused.stderr, secret_values) == []
    assert state() == before
    tally("safety")
