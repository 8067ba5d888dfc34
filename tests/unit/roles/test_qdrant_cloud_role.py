"""The qdrant role's Qdrant Cloud path, end to end through ansible-playbook, without any real service:
the Qdrant Cloud API fixtures and the stateful Qdrant server replay on 127.0.0.1, and a throwaway local
ZenML store (ZENML_CONFIG_PATH in tmp_path) holding the `settings` secret the role keeps the key in."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]

# find_spec, not import: zenml must stay out of this process (test_zenml checks that module_utils never import it)
pytestmark = pytest.mark.skipif(importlib.util.find_spec("zenml") is None, reason="zenml is not installed")


def cluster_at(replay_mod, name, qdrant):
    """A cluster fixture whose endpoint is the server replay."""
    document = replay_mod.fixture(name)
    host, port = qdrant.url.rsplit(":", 1)
    cluster = document["cluster"] if "cluster" in document else document["items"][0]
    cluster["state"]["endpoint"].update(url=host, restPort=int(port))
    return document


def play(cloud_api, cloud, tmp_path, *args, key_wait_timeout=20):
    extra = {"qdrant_provider": "cloud", "qdrant_cloud_manage_cluster": True,
             "qdrant_cloud_management_key": cloud_api.MGMT_KEY, "qdrant_cloud_account_id": cloud_api.ACCOUNT,
             "qdrant_cloud_api_url": cloud.url, "qdrant_cloud_key_wait_timeout": key_wait_timeout,
             "qdrant_cloud_key_store_zenml": {"config_path": str(tmp_path / "zenml")},
             "qdrant_collections": [{"name": "cleaned_posts"},
                                    {"name": "embedded_posts", "vectors": {"size": 384, "distance": "Cosine"}}]}
    (tmp_path / "extra.json").write_text(json.dumps(extra))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / "collections"), ZENML_ANALYTICS_OPT_IN="false",
               ZENML_CONFIG_PATH=str(tmp_path / "zenml"))
    env.pop("QDRANT_APIKEY", None)
    env.pop("QDRANT_API_KEY", None)
    run = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", "deployer,", "-c", "local",
                          "-e", "ansible_python_interpreter=" + sys.executable, "-e", "@" + str(tmp_path / "extra.json"),
                          "playbooks/qdrant.yml", *args], capture_output=True, text=True, cwd=REPO, env=env, timeout=600,
                         check=False)
    output = run.stdout + run.stderr
    assert cloud_api.NEW_KEY not in output and cloud_api.MGMT_KEY not in output
    recap = next(line for line in run.stdout.splitlines() if line.startswith("deployer") and "ok=" in line)
    fields = dict(part.split("=") for part in recap.split(":", 1)[1].split())
    return int(fields["changed"]), int(fields["failed"]), run.stdout


def test_rerun_without_the_key_in_the_environment_is_unchanged_and_a_failed_first_run_keeps_the_key(
        tmp_path, qdrant_replay, qdrant_cloud_api):
    replay_mod, cloud_api = qdrant_replay, qdrant_cloud_api
    with replay_mod.server(existing=(), api_key=cloud_api.NEW_KEY) as qdrant:
        qdrant.refuse_first = 10 ** 6  # the first run fails after the key is created: Qdrant refuses it
        with cloud_api.cloud(existing=False) as first:
            first.add("POST", cloud_api.BASE, cluster_at(replay_mod, "cloud_cluster_creating", qdrant))
            first.add("GET", cloud_api.BASE + "/" + cloud_api.CLUSTER, cluster_at(replay_mod, "cloud_cluster_healthy", qdrant))
            changed, failed, out = play(cloud_api, first, tmp_path, "--check")
            assert (changed, failed) == (1, 0) and "created, stored in the ZenML secret settings (check mode" in out
            assert first.writes() == [] and qdrant.requests == []
            changed, failed, out = play(cloud_api, first, tmp_path, key_wait_timeout=2)
            assert failed == 1 and "authentication failed (HTTP 401)" in out
        qdrant.refuse_first = 0  # the key is active by the time the deployment is run again
        kept = cloud_api.cloud(existing=True, keys=first.keys.items)
        with kept:
            kept.add("GET", cloud_api.BASE, cluster_at(replay_mod, "cloud_clusters", qdrant))
            kept.add("GET", cloud_api.BASE + "/" + cloud_api.CLUSTER, cluster_at(replay_mod, "cloud_cluster_healthy", qdrant))
            changed, failed, out = play(cloud_api, kept, tmp_path)
            assert failed == 0 and changed == 1, out  # the collections; the key was kept, not replaced
            assert "database API key llm-twin-app: kept (read back from the ZenML secret settings)" in out
            changed, failed, out = play(cloud_api, kept, tmp_path)
            assert (changed, failed) == (0, 0), out
            assert kept.writes() == []
        assert sorted(qdrant.state.collections) == ["cleaned_posts", "embedded_posts"]
