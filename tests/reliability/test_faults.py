"""Faults, one representative per backend: a service paused (SIGSTOP on the stack's own process, SIGCONT in
a finally) or an endpoint answering garbage, before a module runs. The module must fail within a bound
(60 s per task plus process overhead) with one clear message; after the service resumes, the same task
converges and what was there before the fault is still there, once.

The paused services are paused together and their modules run at the same time (paused processes use no
CPU): the batch costs one timeout, not five.
"""
from __future__ import annotations

import os
import signal
import threading
import uuid
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness import connection, module, parallel, tally, tried

BOUND = 60 + 15  # the 60 s per task, plus a module process's start under a loaded CI machine
HARD_STOP = 100  # a module still running then is killed: the test fails instead of eating the budget
TAG = uuid.uuid4().hex[:6]
NAMES = {"db": f"rl_fault_{TAG}", "bucket": f"rl-fault-{TAG}", "secret": f"rl-fault-{TAG}",
         "image": f"rl-fault-{TAG}"}


def pid_of(stack, name):
    return int((stack.dir / "run" / f"{name}.pid").read_text().strip())


@contextmanager
def paused(stack, names):
    pids = [pid_of(stack, n) for n in names]
    stopped = []
    try:
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
            stopped.append(pid)
        yield
    finally:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)


class Garbage(BaseHTTPRequestHandler):
    """Answers everything with an HTML page or half a JSON document."""

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        html = self.path.endswith("/") or "html" in self.path or self.command == "GET"
        body = b"<html><body>502 Bad Gateway</body></html>" if html else b'{"items": [1, 2'
        self.send_response(200)
        self.send_header("Content-Type", "text/html" if html else "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def garbage():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Garbage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    ctx = tmp_path_factory.mktemp("rl-fault-ctx")
    (ctx / "Dockerfile").write_text("FROM scratch\nCOPY f /f\n")
    (ctx / "f").write_text("fault\n")
    return ctx


def tasks(stack, zenml_config, context):
    """The task each backend runs during its fault and again after it (the same arguments both times)."""
    return {
        "mongo": ("mongodb_collection", dict(connection(stack, "mongodb"), database=NAMES["db"], name="docs",
                                             validation_level="moderate", validator={"$jsonSchema": {
                                                 "bsonType": "object", "required": ["n"]}})),
        "moto": ("aws_s3_bucket", dict(connection(stack, "aws"), name=NAMES["bucket"], tags={"fault": "survived"},
                                       versioning=True)),
        "zenml-server": ("zenml_secret", dict(connection(stack, "zenml", zenml_config), name=NAMES["secret"],
                                              values={"K1": "v1", "K2": "v2"})),
        "docker": ("docker_image_build", dict(connection(stack, "docker"), name=NAMES["image"],
                                              path=str(context))),
    }


@pytest.fixture(scope="module")
def seeded(stack, mongo, aws, zenml, zenml_config, context):
    """What exists before the faults: documents and an index, an object, a secret."""
    db = mongo[NAMES["db"]]
    db.docs.insert_many([{"n": i} for i in range(3)])
    db.docs.create_index("n", name="by_n")
    aws["s3"].create_bucket(Bucket=NAMES["bucket"])
    aws["s3"].put_object(Bucket=NAMES["bucket"], Key="keep.txt", Body=b"keep")
    first = module("zenml_secret", dict(connection(stack, "zenml", zenml_config), name=NAMES["secret"],
                                        values={"K1": "v1"}))
    assert first.run.rc == 0, first
    yield
    mongo.drop_database(NAMES["db"])
    for page in aws["s3"].get_paginator("list_object_versions").paginate(Bucket=NAMES["bucket"]):
        for v in page.get("Versions", []) + page.get("DeleteMarkers", []):
            aws["s3"].delete_object(Bucket=NAMES["bucket"], Key=v["Key"], VersionId=v["VersionId"])
    aws["s3"].delete_bucket(Bucket=NAMES["bucket"])
    found = zenml.find("secrets", NAMES["secret"])
    if found:
        zenml.call("DELETE", f"/secrets/{found['id']}")
    import docker

    client = docker.DockerClient(base_url=stack.docker_host, timeout=60)
    for image in client.images.list(name=NAMES["image"]):
        client.images.remove(image.id, force=True)
    client.close()


@pytest.fixture(scope="module")
def during_and_after(stack, seeded, zenml_config, context):
    jobs = tasks(stack, zenml_config, context)
    with paused(stack, list(jobs)):
        during = dict(zip(jobs, parallel([lambda m=m, a=a: module(m, a, timeout=HARD_STOP)
                                          for m, a in jobs.values()], workers=len(jobs))))
    after = dict(zip(jobs, parallel([lambda m=m, a=a: module(m, a, timeout=HARD_STOP) for m, a in jobs.values()],
                                    workers=2)))
    return during, after


@pytest.mark.parametrize("service", ["mongo", "moto", "zenml-server", "docker"])
def test_paused_service_fails_in_bounds_then_converges(service, during_and_after, stack, mongo, aws, zenml,
                                                       docker_client):
    tried("faults")
    during, after = during_and_after
    fault = during[service]
    assert fault.failed, fault
    assert fault.seconds < BOUND, f"{service} paused: the task took {fault.seconds:.0f} s\n{fault}"
    assert fault.msg and "Traceback" not in fault.run.output and len(fault.msg) < 2000, fault
    recovered = after[service]
    assert recovered.run.rc == 0, recovered
    # nothing lost, nothing duplicated
    if service == "mongo":
        db = mongo[NAMES["db"]]
        assert db.list_collection_names() == ["docs"] and db.docs.count_documents({}) == 3
        assert "by_n" in db.docs.index_information()
        assert db.command("listCollections", filter={"name": "docs"})["cursor"]["firstBatch"][0]["options"][
            "validator"] == {"$jsonSchema": {"bsonType": "object", "required": ["n"]}}
    elif service == "moto":
        objects = aws["s3"].list_objects_v2(Bucket=NAMES["bucket"]).get("Contents", [])
        assert [o["Key"] for o in objects] == ["keep.txt"]
        assert aws["s3"].get_bucket_tagging(Bucket=NAMES["bucket"])["TagSet"] == [{"Key": "fault", "Value": "survived"}]
    elif service == "zenml-server":
        same = [s for s in zenml.items("secrets", name=NAMES["secret"]) if s["name"] == NAMES["secret"]]
        assert len(same) == 1, same
        values = zenml.call("GET", f"/secrets/{same[0]['id']}")["body"]["values"]
        assert values == {"K1": "v1", "K2": "v2"}
    else:
        assert len(docker_client.images.list(name=NAMES["image"])) == 1
    again = module(*tasks(stack, None, None)[service]) if service == "mongo" else None
    if again is not None:
        assert again.run.rc == 0 and not again.changed, again
    tally("faults")


GARBAGE_CASES = {
    "aws": ("aws_s3_bucket", lambda url, stack: dict(connection(stack, "aws"), endpoint_url=url,
                                                     name=f"rl-garbage-{TAG}")),
    "zenml": ("zenml_secret", lambda url, stack: {"store_url": url, "store_api_key": "rl-not-a-key",
                                                  "name": f"rl-garbage-{TAG}", "values": {"K": "v"}}),
    "qdrant": ("qdrant_collection", lambda url, stack: {"url": url, "api_key": "rl-not-a-key",
                                                        "name": f"rl_garbage_{TAG}"}),
    "docker": ("docker_image_push", lambda url, stack: dict(connection(stack, "registry"),
                                                            docker_host=url.replace("http://", "tcp://"),
                                                            name=f"rl-garbage-{TAG}", source=f"rl-garbage-{TAG}:1")),
    "mongodb": ("mongodb_collection", lambda url, stack: dict(connection(stack, "mongodb"), login_port=int(
        url.rsplit(":", 1)[1]), connect_timeout=5, database=f"rl_garbage_{TAG}", name="c")),
}


@pytest.fixture(scope="module")
def garbage_runs(garbage, stack, zenml_config, tmp_path_factory):
    calls = [lambda m=m, build=build: module(m, build(garbage, stack), timeout=HARD_STOP)
             for m, build in GARBAGE_CASES.values()]
    return dict(zip(GARBAGE_CASES, parallel(calls, workers=3)))


@pytest.mark.parametrize("backend", list(GARBAGE_CASES))
def test_endpoint_answering_garbage_fails_with_one_message(backend, garbage_runs, mongo):
    tried("faults")
    run = garbage_runs[backend]
    assert run.failed, run
    assert run.seconds < BOUND, run
    assert run.msg and "Traceback" not in run.run.output and len(run.msg) < 2000, run
    assert "rl-not-a-key" not in run.run.output, run
    if backend == "mongodb":
        assert f"rl_garbage_{TAG}" not in mongo.list_database_names()
    tally("faults")
