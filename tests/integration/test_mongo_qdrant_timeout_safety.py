"""A MongoDB or Qdrant endpoint that accepts connections and never answers: with the default timeouts
every mongodb_* and qdrant_* module (server mode) fails within 60 s, with one message saying so."""
from __future__ import annotations

import socket
import threading
import time

import pytest

from module_run import run_module

TASK_BUDGET = 60

CASES = [
    ("mongodb_info", {}),
    ("mongodb_collection", {"database": "d11_hung", "name": "c"}),
    ("mongodb_index", {"database": "d11_hung", "collection": "c", "indexes": [{"keys": [{"a": 1}]}]}),
    ("mongodb_user", {"name": "d11_hung", "password": "an-unused-password"}),
    ("qdrant_collection", {"name": "c"}),
    ("qdrant_alias", {"name": "a", "collection": "c"}),
    ("qdrant_collection_info", {}),
]


@pytest.fixture(scope="module")
def silent_endpoint():
    """A TCP port that completes the handshake (the kernel's backlog) and never sends a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    yield server.getsockname()[1]
    server.close()


def test_a_silent_endpoint_fails_every_module_within_the_budget(silent_endpoint):
    runs = {}

    def worker(name, args):
        if name.startswith("mongodb_"):
            args = dict(args, login_port=silent_endpoint, login_user="admin", login_password="an-unused-password")
        else:
            args = dict(args, url="http://127.0.0.1:%d" % silent_endpoint)
        started = time.monotonic()
        run = run_module(name, args, timeout=TASK_BUDGET * 3)
        runs[name] = (run, time.monotonic() - started)

    # each backend's modules at once (they wait on the network, not the CPU); the backends one after
    # the other, so that seven Python start-ups on a small machine do not eat into one task's budget
    for backend in ("mongodb_", "qdrant_"):
        threads = [threading.Thread(target=worker, args=case) for case in CASES if case[0].startswith(backend)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    for name, _args in CASES:
        run, seconds = runs[name]
        assert run.rc != 0 and run.result.get("failed") is True, run
        assert seconds < TASK_BUDGET, "%s took %.0f s" % (name, seconds)
        assert "Traceback" not in run.output
        if name.startswith("mongodb_"):
            assert "cannot reach 127.0.0.1:%d within 10s" % silent_endpoint in run.result["msg"], run.result["msg"]
        else:
            assert "cannot reach the Qdrant server" in run.result["msg"] and "timeout" in run.result["msg"], run.result["msg"]
        print("%s: failed after %.1f s" % (name, seconds))
