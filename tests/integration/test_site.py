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


def zenml_probe(stack, tmp_path, code: str) -> dict:
    """Run ZenML's client through the stack's server (URL + API key) in a child process; return its JSON."""
    probe = tmp_path / "zenml_probe.py"  # a file: ZenML refuses `python -c`
    probe.write_text("import json\nfrom zenml.client import Client\nc = Client()\n" + code)
    out = subprocess.run([sys.executable, str(probe)], env=stack.env(), capture_output=True, text=True,
                         timeout=180, check=False, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def aws_client(stack, service):
    return boto3.client(service, endpoint_url=stack.aws_endpoint_url, region_name=stack.region,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_pipeline_artifacts_are_objects_in_the_s3_bucket(deployed, stack, tmp_path):
    """The pipelines ran through the ZenML server on the S3 artifact store: every artifact of the last
    feature_engineering run is an object that s3fs wrote into moto's bucket from inside the image."""
    runs = zenml_probe(stack, tmp_path, (
        "run = c.get_pipeline('feature_engineering').last_run\n"
        "uris = [v.uri for step in run.steps.values() for vs in step.outputs.values() for v in vs]\n"
        "print(json.dumps({'stack': run.stack.name, 'status': str(run.status), 'uris': uris,\n"
        "    'store': c.zen_store.type.value}))\n"))
    assert runs["store"] == "rest" and runs["stack"] == "local-pipelines", runs
    assert runs["status"].endswith("completed") and runs["uris"], runs
    bucket = "llm-twin-artifacts-123456789012"
    assert all(uri.startswith(f"s3://{bucket}/") for uri in runs["uris"]), runs["uris"]
    listed = aws_client(stack, "s3").list_objects_v2(Bucket=bucket, MaxKeys=1000).get("Contents", [])
    keys = [o["Key"] for o in listed]
    for uri in runs["uris"]:
        prefix = uri[len(f"s3://{bucket}/"):].rstrip("/") + "/"
        assert any(key.startswith(prefix) for key in keys), (uri, keys[:20])


def test_sagemaker_submission_names_the_ecr_image_and_the_execution_role(deployed, stack, tmp_path):
    """`--tags sagemaker_submit` submits feature_engineering to aws-stack's SageMaker orchestrator from
    the image: moto now holds a SageMaker pipeline whose steps run the pushed image of the ECR
    repository with the execution role (read back with boto3, as AWS would answer)."""
    run = run_playbook("site.yml", "--tags", "sagemaker_submit")
    assert run.rc == 0, run
    assert "submitted" in run.stdout, run
    tag = deployed[1]["targets"]["image"]["endpoints"]["image"].rpartition(":")[2]
    sagemaker = aws_client(stack, "sagemaker")
    pipelines = sagemaker.list_pipelines(PipelineNamePrefix="feature-engineering")["PipelineSummaries"]
    assert pipelines, "no SageMaker pipeline was created"
    newest = max(pipelines, key=lambda p: p["CreationTime"])["PipelineName"]
    role = "arn:aws:iam::123456789012:role/llm-twin-sagemaker-execution"
    assert sagemaker.describe_pipeline(PipelineName=newest)["RoleArn"] == role
    executions = sagemaker.list_pipeline_executions(PipelineName=newest)["PipelineExecutionSummaries"]
    assert executions, "the pipeline was created but not started"
    definition = json.loads(sagemaker.describe_pipeline_definition_for_execution(
        PipelineExecutionArn=executions[0]["PipelineExecutionArn"])["PipelineDefinition"])
    steps = definition["Steps"]
    assert {s["Name"] for s in steps} >= {"query_data_warehouse", "chunk_and_embed"}, [s["Name"] for s in steps]
    for step in steps:
        args = step["Arguments"]
        image_uri = (args.get("AlgorithmSpecification", {}).get("TrainingImage")
                     or args.get("AppSpecification", {}).get("ImageUri"))
        assert image_uri == f"123456789012.dkr.ecr.us-east-1.amazonaws.com/llm-twin:{tag}", step["Name"]
        assert args["RoleArn"] == role, step["Name"]
    # the image it names is the one the image role pushed (the registry stands in for ECR's data plane)
    tags = subprocess.run(["curl", "-sf", "-u", f"{stack.registry_user}:{stack.registry_password}",
                           f"http://{stack.registry}/v2/llm-twin/tags/list"], capture_output=True, text=True,
                          timeout=30, check=False)
    assert tag in json.loads(tags.stdout)["tags"], tags.stdout


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
    """The pipelines included: their containers get the ZenML API key and read the app password."""
    run = run_playbook("site.yml", "-vvv", "--diff")
    assert run.rc == 0, run
    text = run.stdout + run.stderr
    assert stack.mongo_admin_password not in text
    assert stack.zenml_api_key not in text
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
    zenml = zenml_probe(stack, tmp_path, (
        "print(json.dumps({'stacks': [s.name for s in c.list_stacks(size=100).items],\n"
        "    'components': [x.name for x in c.list_stack_components(size=100).items],\n"
        "    'connectors': [x.name for x in c.list_service_connectors(size=100).items],\n"
        "    'secrets': [x.name for x in c.list_secrets(size=100).items]}))\n"))
    assert not {"aws-stack", "local-pipelines"} & set(zenml["stacks"]), zenml
    assert not {"s3", "aws", "sagemaker", "local-pipelines"} & set(zenml["components"]), zenml
    assert "aws" not in zenml["connectors"] and "settings" not in zenml["secrets"], zenml
    names = qdrant_probe(stack, "print(json.dumps([c.name for c in client.get_collections().collections]))")
    assert not [n for n in names if n.startswith(("cleaned_", "embedded_"))], names

    # leave the stack deployed for whatever runs next (molecule, a user's `make deploy`)
    redeploy = run_playbook("site.yml", "--skip-tags", "pipelines", timeout=3000)
    assert redeploy.rc == 0, redeploy
