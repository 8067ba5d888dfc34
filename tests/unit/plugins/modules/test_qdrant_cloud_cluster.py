"""qdrant_cloud_cluster against recorded Qdrant Cloud API responses (REST gateway, camelCase JSON),
replayed over real HTTP on 127.0.0.1. The real Qdrant Cloud API cannot be reached from here."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from ansible_collections.llmtwin.deploy.plugins.modules import qdrant_cloud_cluster

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "qdrant"
if "qdrant_replay" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("qdrant_replay", FIXTURES / "replay.py")
    sys.modules["qdrant_replay"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["qdrant_replay"])
replay_mod = sys.modules["qdrant_replay"]
Replay, recorded, run_module = replay_mod.Replay, replay_mod.recorded, replay_mod.run_module

ACCOUNT = "6a2f8d3c-1b4e-4f7a-8c9d-2e5b7a1f0c33"
CLUSTER = "3e1c6b2a-7d4f-4c1e-9a55-0b8f2d1e6c77"
MGMT_KEY = "mgmt-key-do-not-print-4711"
BASE = "/api/cluster/v1/accounts/%s/clusters" % ACCOUNT
KEYS = "/api/cluster/auth/v2/accounts/%s/database-api-keys" % ACCOUNT


def cloud(existing: bool, keys=()):
    replay = Replay()
    replay.add("GET", BASE, recorded("cloud_clusters") if existing else {"items": []})
    replay.add("GET", BASE + "/" + CLUSTER, recorded("cloud_cluster_healthy"))
    replay.add("POST", BASE, recorded("cloud_cluster_creating"))
    replay.add("DELETE", BASE + "/" + CLUSTER, {})
    replay.add("GET", "/api/booking/v1/accounts/%s/packages" % ACCOUNT, recorded("cloud_packages"))
    replay.add("GET", KEYS, {"items": [{"id": "k1", "name": n, "clusterId": CLUSTER} for n in keys]})
    replay.add("POST", KEYS, recorded("cloud_key_created"))
    return replay


def args(replay, **kwargs):
    return dict(api_url=replay.url, management_key=MGMT_KEY, account_id=ACCOUNT, name="llm-twin", timeout=5, **kwargs)


def test_creates_free_cluster_waits_and_creates_key_once(capsys):
    with cloud(existing=False) as replay:
        result, out = run_module(qdrant_cloud_cluster.main, args(replay, free_tier=True,
                                                                 database_api_key_name="llm-twin-app"), capsys)
    assert result["changed"] is True
    posts = [r for r in replay.requests if r["method"] == "POST"]
    assert posts[0]["path"] == BASE
    assert posts[0]["body"]["cluster"]["configuration"] == {"number_of_nodes": 1,
                                                            "package_id": "39b48a76-2a60-4ee0-9266-6d1e0f91ea14"}
    assert posts[0]["body"]["cluster"]["cloud_provider_region_id"] == "eu-central-1"
    assert posts[1]["body"] == {"database_api_key": {"account_id": ACCOUNT, "cluster_id": CLUSTER, "name": "llm-twin-app"}}
    assert all(r["authorization"] == "apikey " + MGMT_KEY for r in replay.requests)
    assert result["cluster"]["phase"] == "CLUSTER_PHASE_HEALTHY"
    assert result["cluster"]["url"].endswith(".aws.cloud.qdrant.io:6333")
    assert result["database_api_key"]["key"].startswith("eyJ")
    assert MGMT_KEY not in out.replace('"management_key": "********"', "")


def test_existing_cluster_and_key_are_unchanged(capsys):
    with cloud(existing=True, keys=("llm-twin-app",)) as replay:
        result, _out = run_module(qdrant_cloud_cluster.main, args(replay, database_api_key_name="llm-twin-app"), capsys)
    assert result["changed"] is False
    assert [r["method"] for r in replay.requests] == ["GET", "GET"]
    assert result["database_api_key"] == {"id": "k1", "name": "llm-twin-app", "key": None}


def test_check_mode_creates_nothing(capsys):
    with cloud(existing=False) as replay:
        result, _out = run_module(qdrant_cloud_cluster.main, args(replay, free_tier=True, database_api_key_name="app1"),
                                  capsys, check_mode=True)
    assert result["changed"] is True
    assert [r["method"] for r in replay.requests] == ["GET"]


def test_delete_needs_force(capsys):
    with cloud(existing=True) as replay:
        result, _out = run_module(qdrant_cloud_cluster.main, args(replay, state="absent"), capsys)
        assert result["failed"] is True and "force: true" in result["msg"]
        result, _out = run_module(qdrant_cloud_cluster.main, args(replay, state="absent", force=True), capsys)
        assert result["changed"] is True
    assert [r["path"] for r in replay.requests if r["method"] == "DELETE"] == [BASE + "/" + CLUSTER]


def test_wrong_management_key_and_failed_phase(capsys):
    with Replay() as replay:
        replay.add("GET", BASE, {"code": 16, "message": "unauthenticated"}, status=401)
        result, out = run_module(qdrant_cloud_cluster.main, args(replay), capsys)
    assert result["failed"] is True and "HTTP 401, check management_key" in result["msg"]
    assert MGMT_KEY not in out.replace('"management_key": "********"', "") and "Traceback" not in out

    failed = recorded("cloud_cluster_creating")
    failed["cluster"]["state"].update(phase="CLUSTER_PHASE_FAILED_TO_CREATE", reason="quota exceeded")
    with cloud(existing=False) as replay:
        replay.add("GET", BASE + "/" + CLUSTER, failed)
        result, _out = run_module(qdrant_cloud_cluster.main, args(replay, package_id=CLUSTER), capsys)
    assert result["failed"] is True and "CLUSTER_PHASE_FAILED_TO_CREATE (quota exceeded)" in result["msg"]


@pytest.mark.parametrize("bad, message", [
    (dict(account_id="acct"), "account_id must be a UUID"),
    (dict(name="llm twin!"), "name must be 2-64 letters"),
    (dict(number_of_nodes=0), "number_of_nodes must be at least 1"),
])
def test_bad_input_fails_before_any_request(capsys, bad, message):
    with cloud(existing=False) as replay:
        result, _out = run_module(qdrant_cloud_cluster.main, dict(args(replay), **bad), capsys)
    assert result["failed"] is True and message in result["msg"] and replay.requests == []


def test_unreachable_api(capsys):
    with Replay() as replay:
        url = replay.url
    result, out = run_module(qdrant_cloud_cluster.main, dict(api_url=url, management_key=MGMT_KEY, account_id=ACCOUNT,
                                                             name="llm-twin", timeout=3), capsys)
    assert result["failed"] is True and "cannot reach" in result["msg"] and "Traceback" not in out
    assert json.dumps(result).count(MGMT_KEY) == 0
