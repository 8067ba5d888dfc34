"""qdrant_cloud_cluster against the Qdrant Cloud API fixtures (REST gateway, camelCase JSON; validated against
the published definitions by test_fixture_definitions), served over real HTTP on 127.0.0.1. The real
Qdrant Cloud API cannot be reached from here."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from ansible_collections.llmtwin.deploy.plugins.modules import qdrant_cloud_cluster, qdrant_collection, qdrant_collection_info

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "qdrant"
if "qdrant_replay" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("qdrant_replay", FIXTURES / "replay.py")
    sys.modules["qdrant_replay"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["qdrant_replay"])
replay_mod = sys.modules["qdrant_replay"]
Replay, fixture, run_module, server = replay_mod.Replay, replay_mod.fixture, replay_mod.run_module, replay_mod.server

ACCOUNT = "6a2f8d3c-1b4e-4f7a-8c9d-2e5b7a1f0c33"
CLUSTER = "3e1c6b2a-7d4f-4c1e-9a55-0b8f2d1e6c77"
MGMT_KEY = "mgmt-key-do-not-print-4711"
BASE = "/api/cluster/v1/accounts/%s/clusters" % ACCOUNT
KEYS = "/api/cluster/auth/v2/accounts/%s/database-api-keys" % ACCOUNT


FREE_PACKAGE = "0d4c1b7e-5a3f-4e2b-9c8d-1f6a2b3c4d5e"
NEW_KEY = fixture("cloud_key_created")["databaseApiKey"]["key"]


class CloudKeys:
    """The cluster's database API keys, changed by POST and DELETE like Qdrant Cloud does."""

    def __init__(self, keys):
        self.items = list(keys)

    def listed(self, _body):
        return {"items": self.items}

    def create(self, _body):
        created = fixture("cloud_key_created")
        listed = dict(created["databaseApiKey"])
        listed.pop("key")
        self.items.append(listed)
        return created

    def revoke(self, key_id):
        self.items = [k for k in self.items if k["id"] != key_id]
        return {}


def cloud(existing: bool, keys=()):
    replay = Replay()
    replay.add("GET", BASE, fixture("cloud_clusters") if existing else {"items": []})
    replay.add("GET", BASE + "/" + CLUSTER, fixture("cloud_cluster_healthy"))
    replay.add("POST", BASE, fixture("cloud_cluster_creating"))
    replay.add("DELETE", BASE + "/" + CLUSTER, fixture("cloud_empty"))
    replay.add("GET", "/api/booking/v1/accounts/%s/packages" % ACCOUNT, fixture("cloud_packages"))
    replay.keys = CloudKeys(keys)
    replay.add("GET", KEYS, replay.keys.listed)
    replay.add("POST", KEYS, replay.keys.create)
    for key in keys:
        replay.add("DELETE", KEYS + "/" + key["id"], lambda _body, key_id=key["id"]: replay.keys.revoke(key_id))
    return replay


def old_key(name="llm-twin-app", postfix="Ab12"):
    return {"id": "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e", "accountId": ACCOUNT, "clusterId": CLUSTER, "name": name,
            "createdAt": "2026-01-09T08:00:00Z", "postfix": postfix}


def args(replay, **kwargs):
    return dict(api_url=replay.url, management_key=MGMT_KEY, account_id=ACCOUNT, name="llm-twin", timeout=5, **kwargs)


def test_creates_free_cluster_waits_and_creates_key_once(capsys):
    with cloud(existing=False) as replay:
        result, out = run_module(qdrant_cloud_cluster.main, args(replay, free_tier=True,
                                                                 database_api_key_name="llm-twin-app"), capsys)
    assert result["changed"] is True
    posts = [r for r in replay.requests if r["method"] == "POST"]
    assert posts[0]["path"] == BASE and posts[0]["body"] == fixture("cloud_request_create_cluster")
    assert posts[1]["body"] == fixture("cloud_request_create_key")
    packages = [r for r in replay.requests if "packages" in r["path"]][0]
    assert packages["query"] == "cloudProviderId=aws&cloudProviderRegionId=eu-central-1"
    assert all(r["authorization"] == "apikey " + MGMT_KEY for r in replay.requests)
    assert result["cluster"]["phase"] == "CLUSTER_PHASE_HEALTHY"
    assert result["cluster"]["url"].endswith(".aws.cloud.qdrant.io:6333")
    assert result["database_api_key"]["key"] == NEW_KEY and result["database_api_key"]["action"] == "created"
    assert result["actions"] == ["create cluster llm-twin: aws eu-central-1, 1 node(s)",
                                 "create database_api_key llm-twin-app"]
    assert result["resources"] == ["cluster llm-twin", "database_api_key llm-twin-app"]
    assert MGMT_KEY not in out.replace('"management_key": "********"', "")


def test_the_free_package_is_the_one_of_type_free(capsys):
    paid_only = fixture("cloud_packages")
    paid_only["items"] = [p for p in paid_only["items"] if p["type"] == "paid"]
    with cloud(existing=False) as replay:
        replay.add("GET", "/api/booking/v1/accounts/%s/packages" % ACCOUNT, paid_only)
        result, _out = run_module(qdrant_cloud_cluster.main, args(replay, free_tier=True), capsys)
    assert result["failed"] is True and "none of type free" in result["msg"]
    assert [r["method"] for r in replay.requests] == ["GET", "GET"]


def test_existing_cluster_and_the_kept_key_are_unchanged(capsys):
    with cloud(existing=True, keys=[old_key(postfix="Xk9q")]) as replay:
        result, out = run_module(qdrant_cloud_cluster.main, args(replay, database_api_key_name="llm-twin-app",
                                                                 database_api_key=NEW_KEY), capsys)
    assert result["changed"] is False
    assert [r["method"] for r in replay.requests] == ["GET", "GET"]
    assert result["database_api_key"]["action"] == "kept" and result["database_api_key"]["key"] is None
    assert result["actions"] == [] and result["resources"] == ["cluster llm-twin", "database_api_key llm-twin-app"]
    assert NEW_KEY not in out


def test_without_the_kept_key_a_new_key_replaces_the_unusable_one(capsys):
    with cloud(existing=True, keys=[old_key()]) as replay:
        result, _out = run_module(qdrant_cloud_cluster.main, args(replay, database_api_key_name="llm-twin-app"),
                                  capsys, check_mode=True)
        assert result["changed"] is True and result["database_api_key"]["action"] == "replaced"
        assert replay.writes() == []
        result, _out = run_module(qdrant_cloud_cluster.main, args(replay, database_api_key_name="llm-twin-app"), capsys)
    assert result["changed"] is True
    assert result["database_api_key"]["action"] == "replaced" and result["database_api_key"]["key"] == NEW_KEY
    assert result["database_api_key"]["revoked"] == [old_key()["id"]]
    assert result["actions"] == ["create database_api_key llm-twin-app",
                                 "delete database_api_key llm-twin-app: unusable key %s" % old_key()["id"]]
    assert [(w["method"], w["path"]) for w in replay.writes()] == [("POST", KEYS), ("DELETE", KEYS + "/" + old_key()["id"])]


def test_check_mode_creates_nothing(capsys):
    with cloud(existing=False) as replay:
        result, _out = run_module(qdrant_cloud_cluster.main, args(replay, free_tier=True, database_api_key_name="app1"),
                                  capsys, check_mode=True)
    assert result["changed"] is True and result["cluster"]["exists"] is True
    assert result["database_api_key"]["action"] == "created"
    assert result["actions"] == ["create cluster llm-twin: aws eu-central-1, 1 node(s)", "create database_api_key app1"]
    assert [r["method"] for r in replay.requests] == ["GET"]


def test_delete_needs_force(capsys):
    with cloud(existing=True) as replay:
        result, _out = run_module(qdrant_cloud_cluster.main, args(replay, state="absent"), capsys)
        assert result["failed"] is True and "force: true" in result["msg"]
        result, _out = run_module(qdrant_cloud_cluster.main, args(replay, state="absent", force=True), capsys)
        assert result["changed"] is True and result["actions"] == ["delete cluster llm-twin"]
    assert [r["path"] for r in replay.requests if r["method"] == "DELETE"] == [BASE + "/" + CLUSTER]


def test_wrong_management_key_and_failed_phase(capsys):
    with Replay() as replay:
        replay.add("GET", BASE, fixture("cloud_unauthenticated"), status=401)
        result, out = run_module(qdrant_cloud_cluster.main, args(replay), capsys)
    assert result["failed"] is True and "HTTP 401, check management_key" in result["msg"]
    assert MGMT_KEY not in out.replace('"management_key": "********"', "") and "Traceback" not in out

    failed = fixture("cloud_cluster_creating")
    failed["cluster"]["state"].update(phase="CLUSTER_PHASE_FAILED_TO_CREATE", reason="quota exceeded")
    with cloud(existing=False) as replay:
        replay.add("GET", BASE + "/" + CLUSTER, failed)
        result, _out = run_module(qdrant_cloud_cluster.main, args(replay, package_id=FREE_PACKAGE), capsys)
    assert result["failed"] is True and "CLUSTER_PHASE_FAILED_TO_CREATE (quota exceeded)" in result["msg"]
    # the cluster was created before its phase failed: the failure says so
    assert result["changed"] is True and result["actions"] == ["create cluster llm-twin: aws eu-central-1, 1 node(s)"]


@pytest.mark.parametrize("bad, message", [
    (dict(account_id="acct"), "account_id must be a UUID"),
    (dict(name="llm twin!"), "name must be 2-64 letters"),
    (dict(number_of_nodes=0), "number_of_nodes must be at least 1"),
    (dict(database_api_key_name="k!"), "database_api_key_name must be 4-128"),
    (dict(timeout=0), "timeout must be a positive number of seconds"),
    (dict(wait_timeout=-5), "wait_timeout must be a positive number of seconds"),
    (dict(package_id="small"), "package_id must be a UUID"),
])
def test_bad_input_fails_before_any_request(capsys, bad, message):
    with cloud(existing=False) as replay:
        result, _out = run_module(qdrant_cloud_cluster.main, dict(args(replay), **bad), capsys)
    assert result["failed"] is True and message in result["msg"] and replay.requests == []


@pytest.mark.parametrize("status, retried", [(429, True), (503, False)])
def test_throttled_writes_are_retried_and_failed_ones_are_not(capsys, status, retried):
    """A 429 means the create was not done: ask again (with backoff, up to twice the timeout). A 5xx
    may hide a cluster that was made: a second POST could make another, so it is reported at once."""
    with cloud(existing=False) as replay:
        replay.add("POST", BASE, {"message": "slow down"}, status=status)
        result, _out = run_module(qdrant_cloud_cluster.main, dict(args(replay, package_id=FREE_PACKAGE), timeout=1), capsys)
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"] == "Failed to create cluster llm-twin: HTTP %s slow down" % status
    posts = [r for r in replay.requests if r["method"] == "POST"]
    assert (len(posts) > 1) is retried


def test_unreachable_api(capsys):
    with Replay() as replay:
        url = replay.url
    result, out = run_module(qdrant_cloud_cluster.main, dict(api_url=url, management_key=MGMT_KEY, account_id=ACCOUNT,
                                                             name="llm-twin", timeout=3), capsys)
    assert result["failed"] is True and "cannot reach" in result["msg"] and "Traceback" not in out
    assert json.dumps(result).count(MGMT_KEY) == 0


# ------------------------------------------------- the cloud path across runs (what roles/qdrant does)

def deploy(cloud_api, qdrant, secret, capsys, key_wait_timeout=30):
    """roles/qdrant's cloud path, module by module: `secret` stands for the ZenML settings secret the role
    reads the key back from and writes a new key to at once. Returns each task's `changed` and the key action."""
    kept = {"database_api_key": secret["QDRANT_APIKEY"]} if "QDRANT_APIKEY" in secret else {}
    result, out = run_module(qdrant_cloud_cluster.main, args(cloud_api, free_tier=True, database_api_key_name="llm-twin-app",
                                                             **kept), capsys)
    assert "failed" not in result, result.get("msg")
    if result["database_api_key"]["key"]:
        secret["QDRANT_APIKEY"] = result["database_api_key"]["key"]
    changed = [result["changed"]]
    for name in ("cleaned_posts", "embedded_posts"):
        collection, _out = run_module(qdrant_collection.main, dict(
            url=qdrant.url, api_key=secret["QDRANT_APIKEY"], timeout=5, name=name,
            key_wait_timeout=key_wait_timeout if result["database_api_key"]["key"] else 0), capsys)
        # a failure carries `changed` too (the module contract): report its message instead
        changed.append(collection["msg"] if collection.get("failed") else collection["changed"])
    return changed, result["database_api_key"]["action"]


def test_a_rerun_without_the_key_in_the_environment_changes_nothing(capsys):
    secret = {}
    with server(existing=(), api_key=NEW_KEY) as qdrant:
        qdrant.refuse_first = 2  # the brand-new key is refused for a moment
        with cloud(existing=False) as first:
            assert deploy(first, qdrant, secret, capsys) == ([True, True, True], "created")
        with cloud(existing=True, keys=first.keys.items) as second:
            assert deploy(second, qdrant, secret, capsys) == ([False, False, False], "kept")
        assert second.writes() == []
        info, _out = run_module(qdrant_collection_info.main, dict(url=qdrant.url, api_key=secret["QDRANT_APIKEY"]), capsys)
    assert sorted(c["name"] for c in info["collections"]) == ["cleaned_posts", "embedded_posts"]


def test_a_first_run_that_fails_after_the_key_keeps_the_key(capsys):
    secret = {}
    with server(existing=(), api_key=NEW_KEY) as qdrant:
        qdrant.refuse_first = 10 ** 6  # Qdrant keeps refusing: the first run fails after the key was created
        with cloud(existing=False) as first:
            changed, action = deploy(first, qdrant, secret, capsys, key_wait_timeout=1)
        assert action == "created" and "authentication failed (HTTP 401)" in str(changed[1])
        assert secret["QDRANT_APIKEY"] == NEW_KEY
        qdrant.refuse_first = 0
        with cloud(existing=True, keys=first.keys.items) as second:
            assert deploy(second, qdrant, secret, capsys) == ([False, True, True], "kept")
        assert [w["method"] for w in second.writes()] == []
