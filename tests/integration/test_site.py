"""The whole deployment (issue 7): site.yml in order, plan, verify, pipelines, tags, teardown.

One module-scoped deployment; the tests run in file order and share it. They end with a teardown, so
this file is the last integration file to touch the role defaults (twin, aws-stack, ...).
"""
from __future__ import annotations

import json
import subprocess
import sys

import boto3
import pymongo
import pytest

from conftest import run_playbook

TARGETS = ("mongo", "qdrant", "aws_zenml", "image")


def summary_of(tmp_path, *args, extra_vars=None):
    """Run site.yml with the JSON summary switched on; return (run, summary)."""
    path = tmp_path / f"summary-{len(list(tmp_path.iterdir()))}.json"
    run = run_playbook("site.yml", *args, extra_vars=extra_vars, env={"LLMTWIN_SUMMARY_JSON": str(path)},
                       timeout=3000)
    summary = json.loads(path.read_text()) if path.exists() else {}
    return run, summary


@pytest.fixture(scope="module")
def deployed(stack, tmp_path_factory):
    run, summary = summary_of(tmp_path_factory.mktemp("site"))
    assert run.rc == 0, run
    return run, summary


def mongo_admin(stack):
    return pymongo.MongoClient(stack.mongo_host, stack.mongo_port, username="admin",
                               password=stack.mongo_admin_password, authSource="admin",
                               authMechanism="SCRAM-SHA-256", serverSelectionTimeoutMS=3000)


def qdrant_probe(stack, code: str) -> dict:
    """Run qdrant-client against the embedded store in a child process that exits (and unlocks) at once."""
    script = ("import json, sys\nfrom qdrant_client import QdrantClient, models\n"
              f"client = QdrantClient(path={str(stack.qdrant_path)!r})\n"
              "try:\n" + "".join(f"    {line}\n" for line in code.splitlines()) +
              "finally:\n    client.close()\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_deploy_ends_with_a_summary_of_every_target(deployed):
    run, summary = deployed
    assert "LLM TWIN SUMMARY" in run.stdout
    assert set(summary["targets"]) == {*TARGETS, "pipelines"}
    for target in TARGETS:
        assert summary["targets"][target]["verify"] == "passed", summary["targets"][target]
    assert summary["targets"]["image"]["endpoints"]["digest"].startswith("sha256:")
    assert "Traceback" not in run.stdout + run.stderr


def test_documents_reached_mongodb(deployed, stack):
    client = mongo_admin(stack)
    try:
        twin = client["twin"]
        user = twin["users"].find_one({"first_name": "Ada", "last_name": "Lovelace"})
        assert user is not None and isinstance(user["_id"], str)
        counts = {name: twin[name].count_documents({"author_id": user["_id"]})
                  for name in ("articles", "posts", "repositories")}
        assert all(count > 0 for count in counts.values()), counts
    finally:
        client.close()


def test_chunks_and_embeddings_reached_qdrant_and_filter_by_author(deployed, stack):
    client = mongo_admin(stack)
    try:
        author_id = client["twin"]["users"].find_one({"first_name": "Ada", "last_name": "Lovelace"})["_id"]
    finally:
        client.close()
    found = qdrant_probe(stack, f"""
info = client.get_collection('embedded_articles')
author = models.Filter(must=[models.FieldCondition(key='author_id', match=models.MatchValue(value={author_id!r}))])
points, _ = client.scroll('embedded_articles', scroll_filter=author, limit=100, with_vectors=True)
hits = client.query_points('embedded_articles', query=points[0].vector, query_filter=author, limit=3).points
cleaned = client.count('cleaned_articles', count_filter=author).count
print(json.dumps({{'size': info.config.params.vectors.size, 'points': len(points),
                  'dims': sorted({{len(p.vector) for p in points}}), 'hits': len(hits), 'cleaned': cleaned,
                  'authors': sorted({{p.payload['author_id'] for p in points}})}}))""")
    assert found["size"] == 384 and found["dims"] == [384]
    assert found["points"] > 0 and found["hits"] > 0 and found["cleaned"] > 0
    assert found["authors"] == [author_id]


def test_second_run_changes_nothing(deployed, tmp_path):
    run, summary = summary_of(tmp_path)
    assert run.rc == 0, run
    assert run.changed == 0, run
    assert {t["status"] for t in summary["targets"].values()} == {"unchanged"}
    assert "pipelines" in summary["targets"]  # the pipelines ran again and said they changed nothing


def test_each_tag_touches_only_its_target(deployed, tmp_path):
    for target in TARGETS:
        run, summary = summary_of(tmp_path, "--tags", target)
        assert run.rc == 0, run
        assert run.changed == 0, run
        assert set(summary["targets"]) == {target}, (target, summary)


def test_plan_after_a_manual_deletion_reports_exactly_that_resource(deployed, stack, tmp_path):
    client = mongo_admin(stack)
    try:
        indexes = client["twin"]["posts"].index_information()
        by_author = [name for name, spec in indexes.items() if spec["key"] == [("author_id", 1)]]
        assert by_author, indexes
        client["twin"]["posts"].drop_index(by_author[0])
    finally:
        client.close()
    run, summary = summary_of(tmp_path, "--check", "--diff")
    assert run.rc == 0, run
    assert run.changed == 1, run
    assert "LLM TWIN PLAN" in run.stdout
    changed = {name for name, t in summary["targets"].items() if t["status"] != "unchanged"}
    assert changed == {"mongo"}, summary
    run = run_playbook("site.yml", "--tags", "mongo")
    assert run.rc == 0 and run.changed == 1, run
    run = run_playbook("site.yml", "--tags", "mongo")
    assert run.rc == 0 and run.changed == 0, run


def test_no_secret_in_verbose_output(deployed, stack):
    run = run_playbook("site.yml", "-vvv", "--skip-tags", "pipelines")
    assert run.rc == 0, run
    text = run.stdout + run.stderr
    assert stack.mongo_admin_password not in text
    app_password = (stack.dir / "secrets" / "mongo_app_password")
    if app_password.exists():
        assert app_password.read_text().strip() not in text
    assert stack.registry_password not in text


def test_teardown_refuses_data_then_removes_everything(deployed, stack, tmp_path):
    refused = run_playbook("playbooks/teardown.yml")
    assert refused.rc != 0, refused
    assert "force" in refused.stdout.lower(), refused
    assert "Traceback" not in refused.stdout + refused.stderr

    gone = run_playbook("playbooks/teardown.yml", extra_vars={"teardown_force": True})
    assert gone.rc == 0, gone
    again = run_playbook("playbooks/teardown.yml", extra_vars={"teardown_force": True})
    assert again.rc == 0 and again.changed == 0, again

    aws = dict(endpoint_url=stack.aws_endpoint_url, region_name=stack.region,
               aws_access_key_id="testing", aws_secret_access_key="testing")
    buckets = [b["Name"] for b in boto3.client("s3", **aws).list_buckets()["Buckets"]]
    assert not [b for b in buckets if b.startswith("llm-twin")], buckets
    repos = [r["repositoryName"] for r in boto3.client("ecr", **aws).describe_repositories()["repositories"]]
    assert "llm-twin" not in repos, repos
    roles = [r["RoleName"] for r in boto3.client("iam", **aws).list_roles()["Roles"]]
    assert not [r for r in roles if r.startswith("llm-twin")], roles
    client = mongo_admin(stack)
    try:
        assert "twin" not in client.list_database_names()
    finally:
        client.close()
    probe = tmp_path / "zenml_probe.py"  # a file: ZenML refuses `python -c`
    probe.write_text(
        "import json\nfrom zenml.client import Client\nc = Client()\n"
        "print(json.dumps({'stacks': [s.name for s in c.list_stacks(size=100).items],\n"
        "    'components': [x.name for x in c.list_stack_components(size=100).items],\n"
        "    'connectors': [x.name for x in c.list_service_connectors(size=100).items],\n"
        "    'secrets': [x.name for x in c.list_secrets(size=100).items]}))\n")
    out = subprocess.run([sys.executable, str(probe)], env=stack.env(), capture_output=True, text=True,
                         timeout=180, check=False)
    assert out.returncode == 0, out.stderr
    zenml = json.loads(out.stdout.strip().splitlines()[-1])
    assert "aws-stack" not in zenml["stacks"], zenml
    assert not {"s3", "aws", "sagemaker"} & set(zenml["components"]), zenml
    assert "aws" not in zenml["connectors"] and "settings" not in zenml["secrets"], zenml
    names = qdrant_probe(stack, "print(json.dumps([c.name for c in client.get_collections().collections]))")
    assert not [n for n in names if n.startswith(("cleaned_", "embedded_"))], names

    # leave the stack deployed for whatever runs next (molecule, a user's `make deploy`)
    redeploy = run_playbook("site.yml", "--skip-tags", "pipelines", timeout=3000)
    assert redeploy.rc == 0, redeploy
