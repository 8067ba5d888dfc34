"""The embedded Qdrant store (qdrant-client's path mode) under concurrent runs and mistyped paths.

Every test uses its own temporary store; the local stack's store is never touched. The modules run as
ansible runs them (a process each, see module_run.py).
"""
from __future__ import annotations

import json
import threading
import time

import pytest

from module_run import run_module


def store_collections(path):
    """The collections the store's own metadata lists, read without opening a client (no lock, no writes)."""
    return sorted(json.loads((path / "meta.json").read_text())["collections"])


def run_together(calls):
    """Start every (module, args) at the same moment in its own process; the results in order."""
    results = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def worker(position, name, args):
        barrier.wait()
        results[position] = run_module(name, args)

    threads = [threading.Thread(target=worker, args=(i, name, args)) for i, (name, args) in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


LOCK_FILE = ".llmtwin-deploy.lock"  # the lock every module takes in path mode (plugins/module_utils/_qdrant.py)

SLOW_RUN = """
import fcntl, sys, time
from qdrant_client import QdrantClient, models
store = sys.argv[1]
with open(store + "/%s", "a") as lock:
    fcntl.flock(lock, fcntl.LOCK_EX)
    client = QdrantClient(path=store)
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
    client.create_collection("slow_run", vectors_config=models.VectorParams(size=4, distance=models.Distance.COSINE))
    client.close()
""" % LOCK_FILE


def populated_store(path, count=6, points=500):
    """A store holding `count` collections with points, as a used store is: opening it takes a while,
    which is the window in which qdrant-client has read meta.json but not yet taken its folder lock."""
    from qdrant_client import QdrantClient, models

    client = QdrantClient(path=str(path))
    try:
        for i in range(count):
            name = "existing_%d" % i
            client.create_collection(name, vectors_config=models.VectorParams(size=4, distance=models.Distance.COSINE))
            client.upsert(name, points=[models.PointStruct(id=p, vector=[0.1, 0.2, 0.3, p], payload={"n": p})
                                        for p in range(points)])
    finally:
        client.close()
    return ["existing_%d" % i for i in range(count)]


@pytest.mark.parametrize("trial", range(2))
def test_concurrent_creates_on_one_store_lose_nothing(tmp_path, trial):
    """A slow run holds the store (as a module run does) while three creates and a reader queue up."""
    import subprocess
    import sys

    store = tmp_path / "qdrant"
    existing = populated_store(store)
    slow = subprocess.Popen([sys.executable, "-c", SLOW_RUN, str(store), "4"], stdout=subprocess.PIPE, text=True)
    try:
        assert slow.stdout.readline().strip() == "holding"
        names = ["race_%d_%d" % (trial, i) for i in range(3)]
        calls = [("qdrant_collection", dict(path=str(store), name=n, vectors={"size": 4, "distance": "Cosine"}))
                 for n in names]
        calls.append(("qdrant_collection_info", dict(path=str(store))))
        results = run_together(calls)
    finally:
        assert slow.wait(timeout=120) == 0
    for result in results:
        assert result.rc == 0, result
    assert [r.result["changed"] for r in results[:3]] == [True] * 3
    assert store_collections(store) == sorted(existing + names + ["slow_run"])


def test_the_store_lock_is_waited_for_then_fails_with_a_clear_message(tmp_path):
    import fcntl

    store = tmp_path / "qdrant"
    assert run_module("qdrant_collection", dict(path=str(store), name="a")).rc == 0
    lock_file = store / ".llmtwin-deploy.lock"
    assert lock_file.exists()
    with open(lock_file, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        started = time.monotonic()
        blocked = run_module("qdrant_collection", dict(path=str(store), name="b", timeout=2))
        waited = time.monotonic() - started
    assert blocked.rc != 0 and waited < 20, blocked
    assert blocked.result["msg"].startswith("Failed to lock the embedded Qdrant store %s" % store), blocked
    assert "timeout" in blocked.result["msg"] and "Traceback" not in blocked.output
    assert store_collections(store) == ["a"]


# ------------------------------------------------------------ a path that is not a store

def missing(tmp_path):
    return tmp_path / "no-such-folder" / "qdrant"


SITUATIONS = [
    # (id, module, args (path filled in), check mode, the message's start)
    ("info", "qdrant_collection_info", {}, False, "path {path} does not exist"),
    ("info-check", "qdrant_collection_info", {}, True, "path {path} does not exist"),
    ("absent", "qdrant_collection", {"name": "posts", "state": "absent"}, False, "path {path} does not exist"),
    ("absent-check", "qdrant_collection", {"name": "posts", "state": "absent"}, True, "path {path} does not exist"),
    ("present-no-parent", "qdrant_collection", {"name": "posts"}, False, "path {path} does not exist"),
    ("present-no-parent-check", "qdrant_collection", {"name": "posts"}, True, "path {path} does not exist"),
    ("alias", "qdrant_alias", {"name": "p", "collection": "posts"}, False, "path {path} does not exist"),
]


@pytest.mark.parametrize("module, args, check, message", [s[1:] for s in SITUATIONS], ids=[s[0] for s in SITUATIONS])
def test_a_mistyped_path_fails_naming_the_option_and_creates_nothing(tmp_path, module, args, check, message):
    path = missing(tmp_path)
    run = run_module(module, dict(args, path=str(path)), check=check)
    assert run.rc != 0 and run.result.get("failed") is True, run
    assert run.result["msg"].startswith(message.format(path=path)), run.result["msg"]
    assert "Traceback" not in run.output
    assert not path.parent.exists(), "a store (or its parent) was created"


@pytest.mark.parametrize("module, args", [
    ("qdrant_collection_info", {}),
    ("qdrant_collection", {"name": "posts", "state": "absent"}),
    ("qdrant_collection", {"name": "posts"}),
    ("qdrant_alias", {"name": "p", "collection": "posts"}),
], ids=["info", "absent", "present", "alias"])
def test_a_folder_that_is_not_a_store_is_refused_and_left_alone(tmp_path, module, args):
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a Qdrant store")
    run = run_module(module, dict(args, path=str(folder)))
    assert run.rc != 0 and run.result["msg"].startswith("path %s is not an embedded Qdrant store" % folder), run
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_present_creates_a_new_store_only_where_its_parent_exists_and_check_mode_only_predicts(tmp_path):
    store = tmp_path / "qdrant"
    args = dict(path=str(store), name="posts", vectors={"size": 4, "distance": "Cosine"})
    plan = run_module("qdrant_collection", args, check=True)
    assert plan.rc == 0 and plan.result["changed"] is True, plan
    assert plan.result["actions"] == ["create collection posts"]
    assert not store.exists(), "check mode created the store"
    alias_plan = run_module("qdrant_alias", dict(path=str(store), name="p", collection="posts"), check=True)
    assert alias_plan.rc == 0 and alias_plan.result["changed"] is True, alias_plan
    assert not store.exists(), "check mode created the store"

    created = run_module("qdrant_collection", args)
    assert created.rc == 0 and created.result["changed"] is True, created
    assert store_collections(store) == ["posts"]
    for check in (True, False):
        again = run_module("qdrant_collection", args, check=check)
        assert again.rc == 0 and again.result["changed"] is False, again
    info = run_module("qdrant_collection_info", dict(path=str(store)))
    assert info.rc == 0 and [c["name"] for c in info.result["collections"]] == ["posts"], info
