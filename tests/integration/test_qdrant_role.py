"""The qdrant role and modules against qdrant-client's embedded engine (the local stack's Qdrant).

Module- and drift-level runs use their own temporary store; the real local store (local_qdrant_path)
is only touched by the role's own default collections. Server/Cloud paths run against a replay of
hand-written Qdrant REST answers on 127.0.0.1 (see tests/unit/fixtures/qdrant/replay.py).
"""
from __future__ import annotations

import importlib.util
import sys
import textwrap
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "unit" / "fixtures" / "qdrant"
if "qdrant_replay" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("qdrant_replay", FIXTURES / "replay.py")
    sys.modules["qdrant_replay"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["qdrant_replay"])
replay_mod = sys.modules["qdrant_replay"]

ROLE_PLAYBOOK = REPO / "playbooks" / "qdrant.yml"
DEFAULT_COLLECTIONS = {"cleaned_posts", "cleaned_articles", "cleaned_repositories",
                       "embedded_posts", "embedded_articles", "embedded_repositories"}
SECRET = "qdrant-integration-secret-7f3a9c"


def open_store(path):
    from qdrant_client import QdrantClient
    return QdrantClient(path=str(path))


def snapshot(path):
    """{collection: vector size or None} and {alias: collection}, read independently of the modules."""
    client = open_store(path)
    try:
        collections = {}
        for c in client.get_collections().collections:
            vectors = client.get_collection(c.name).config.params.vectors
            collections[c.name] = (vectors.size, vectors.distance.value) if hasattr(vectors, "size") else None
        aliases = {a.alias_name: a.collection_name for a in client.get_aliases().aliases}
        return collections, aliases
    finally:
        client.close()


def test_role_four_steps_drift_and_refused_size_change(stack, playbook, tmp_path):
    store = tmp_path / "qdrant"
    extra = {"qdrant_path": str(store), "qdrant_aliases": [{"name": "posts", "collection": "embedded_posts"}]}

    run = playbook(ROLE_PLAYBOOK, "--check", extra_vars=extra)
    assert run.rc == 0 and run.changed > 0, run
    assert snapshot(store) == ({}, {})

    start = time.monotonic()
    run = playbook(ROLE_PLAYBOOK, extra_vars=extra)
    converge_seconds = time.monotonic() - start
    assert run.rc == 0 and run.changed > 0, run
    collections, aliases = snapshot(store)
    assert set(collections) == DEFAULT_COLLECTIONS
    assert collections["embedded_posts"] == (384, "Cosine") and collections["cleaned_posts"] is None
    assert aliases == {"posts": "embedded_posts"}

    run = playbook(ROLE_PLAYBOOK, "--check", extra_vars=extra)
    assert run.rc == 0 and run.changed == 0, run
    run = playbook(ROLE_PLAYBOOK, extra_vars=extra)
    assert run.rc == 0 and run.changed == 0, run

    # drift: a collection deleted and the alias moved by hand
    from qdrant_client import models
    client = open_store(store)
    try:
        client.delete_collection("embedded_articles")
        client.update_collection_aliases(change_aliases_operations=[
            models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name="posts")),
            models.CreateAliasOperation(create_alias=models.CreateAlias(collection_name="cleaned_posts",
                                                                        alias_name="posts"))])
        client.upsert("embedded_posts", points=[models.PointStruct(id=1, vector=[0.1] * 384, payload={"author_id": "a"})])
    finally:
        client.close()
    run = playbook(ROLE_PLAYBOOK, "--check", extra_vars=extra)
    assert run.rc == 0 and run.changed >= 2, run
    assert "embedded_articles" not in snapshot(store)[0]
    run = playbook(ROLE_PLAYBOOK, extra_vars=extra)
    assert run.rc == 0 and run.changed >= 2, run
    collections, aliases = snapshot(store)
    assert set(collections) == DEFAULT_COLLECTIONS and aliases == {"posts": "embedded_posts"}

    # a vector size change is refused with a clear message, and the data is kept
    bigger = dict(extra, qdrant_vector_size=768, qdrant_embedding_model_id="sentence-transformers/all-mpnet-base-v2")
    run = playbook(ROLE_PLAYBOOK, extra_vars=bigger)
    assert run.rc != 0, run
    assert "vectors.size 384 -> 768" in run.stdout and "recreate: true" in run.stdout, run
    assert "Traceback" not in run.stdout + run.stderr
    client = open_store(store)
    try:
        assert client.count("embedded_posts").count == 1
        assert client.get_collection("embedded_posts").config.params.vectors.size == 384
    finally:
        client.close()
    print("converge of an empty store: %.1f s" % converge_seconds)


def test_role_absent_refuses_points_then_removes_with_force(stack, playbook, tmp_path):
    store = tmp_path / "qdrant"
    extra = {"qdrant_path": str(store), "qdrant_aliases": [{"name": "posts", "collection": "embedded_posts"}]}
    assert playbook(ROLE_PLAYBOOK, extra_vars=extra).rc == 0
    from qdrant_client import models
    client = open_store(store)
    try:
        client.upsert("cleaned_posts", points=[models.PointStruct(id=1, vector={}, payload={"content": "x"})])
    finally:
        client.close()
    run = playbook(ROLE_PLAYBOOK, extra_vars=dict(extra, qdrant_state="absent"))
    assert run.rc != 0 and "holds 1 points; set force: true" in run.stdout, run
    run = playbook(ROLE_PLAYBOOK, extra_vars=dict(extra, qdrant_state="absent", qdrant_force=True))
    assert run.rc == 0 and run.changed > 0, run
    assert snapshot(store) == ({}, {})
    run = playbook(ROLE_PLAYBOOK, extra_vars=dict(extra, qdrant_state="absent"))
    assert run.rc == 0 and run.changed == 0, run


def test_role_converges_the_local_store(stack, playbook):
    """The role's defaults in the real local store: converged, then unchanged, then verified."""
    run = playbook(ROLE_PLAYBOOK)
    assert run.rc == 0, run
    run = playbook(ROLE_PLAYBOOK)
    assert run.rc == 0 and run.changed == 0, run
    collections = snapshot(stack.qdrant_path)[0]
    assert DEFAULT_COLLECTIONS <= set(collections)
    assert all(collections[n] == (384, "Cosine") for n in DEFAULT_COLLECTIONS if n.startswith("embedded_"))


def test_model_and_vector_size_must_agree(stack, playbook, tmp_path):
    run = playbook(ROLE_PLAYBOOK, extra_vars={"qdrant_path": str(tmp_path / "q"), "qdrant_vector_size": 768})
    assert run.rc != 0 and "all-MiniLM-L6-v2 (384 dimensions)" in run.stdout, run
    assert not (tmp_path / "q").exists()


def write_playbook(tmp_path, task):
    path = tmp_path / "play.yml"
    path.write_text("- hosts: deployer\n  gather_facts: false\n  tasks:\n    - name: The task under test\n"
                    + textwrap.indent(textwrap.dedent(task), " " * 6))
    return path


@pytest.mark.parametrize("options, message", [
    ("vectors: {size: 384, distance: Cosinus}", "vectors.distance must be one of Cosine, Euclid, Dot, Manhattan"),
    ("vectors: {size: 0, distance: Cosine}", "vectors.size must be a positive integer, got 0"),
    ("vectors: {size: -5, distance: Cosine}", "vectors.size must be a positive integer, got -5"),
    ("payload_indexes: {author_id: string}", "payload_indexes.author_id: unknown payload schema type 'string'"),
])
def test_bad_input_fails_with_one_clear_message(stack, playbook, tmp_path, options, message):
    play = write_playbook(tmp_path, """\
        llmtwin.deploy.qdrant_collection:
          path: %s
          name: bad_input
          %s
        """ % (tmp_path / "q", options))
    start = time.monotonic()
    run = playbook(play, timeout=120)
    assert run.rc != 0 and message in run.stdout, run
    assert "Traceback" not in run.stdout + run.stderr
    assert time.monotonic() - start < 60


def test_unreachable_url_fails_within_the_timeout(stack, playbook, tmp_path):
    with replay_mod.Replay() as replay:
        url = replay.url  # free a moment ago, closed now
    play = write_playbook(tmp_path, """\
        llmtwin.deploy.qdrant_collection_info:
          url: %s
          timeout: 5
        """ % url)
    start = time.monotonic()
    run = playbook(play, timeout=120)
    assert run.rc != 0 and "Failed to read collections: cannot reach the Qdrant server" in run.stdout, run
    assert "Traceback" not in run.stdout + run.stderr
    assert time.monotonic() - start < 60


def test_wrong_api_key_fails_and_no_key_appears_with_vvv(stack, playbook, tmp_path):
    with replay_mod.server(api_key="the-right-key") as replay:
        play = write_playbook(tmp_path, """\
            llmtwin.deploy.qdrant_collection:
              url: %s
              api_key: %s
              name: embedded_posts
              vectors: {size: 384, distance: Cosine}
            """ % (replay.url, SECRET))
        run = playbook(play, "-vvv", timeout=120)
    assert run.rc != 0 and "authentication failed (HTTP 403): check api_key" in run.stdout, run
    assert SECRET not in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def test_role_against_a_server_keeps_the_key_out_of_vvv_output(stack, playbook):
    with replay_mod.server(existing=(), api_key=SECRET) as replay:
        run = playbook(ROLE_PLAYBOOK, "-vvv", extra_vars={
            "qdrant_provider": "cloud", "qdrant_url": replay.url, "qdrant_api_key": SECRET,
            "qdrant_aliases": []})
        created = sorted(r["path"] for r in replay.writes() if r["path"].count("/") == 2)
    assert run.rc == 0, run
    assert created == sorted("/collections/%s" % n for n in DEFAULT_COLLECTIONS)
    assert SECRET not in run.stdout + run.stderr
    assert '"USE_QDRANT_CLOUD": true' in run.stdout and '"QDRANT_APIKEY": "********"' in run.stdout
