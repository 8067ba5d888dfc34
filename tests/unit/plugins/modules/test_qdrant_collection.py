"""qdrant_collection: the server code path against a stateful Qdrant REST replay on 127.0.0.1 (real HTTP,
answers built from the hand-written fixtures), and the embedded engine in a temporary folder."""
from __future__ import annotations

import copy
import importlib.util
import json
import sys
import time
from pathlib import Path

import pytest

from ansible_collections.llmtwin.deploy.plugins.modules import qdrant_collection

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "qdrant"
if "qdrant_replay" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("qdrant_replay", FIXTURES / "replay.py")
    sys.modules["qdrant_replay"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["qdrant_replay"])
replay_mod = sys.modules["qdrant_replay"]
Replay, fixture, ok = replay_mod.Replay, replay_mod.fixture, replay_mod.ok
API_KEY, run_module, server, args_for = replay_mod.API_KEY, replay_mod.run_module, replay_mod.server, replay_mod.args_for
four_steps = replay_mod.four_steps
EMBEDDED = {"size": 384, "distance": "Cosine"}


def test_creates_missing_collection_with_vectors_settings_and_indexes(capsys):
    with server(existing=("cleaned_posts",)) as replay:
        result, _out = run_module(qdrant_collection.main, args_for(
            replay, name="embedded_posts", vectors=EMBEDDED, payload_indexes={"author_id": "keyword"},
            hnsw_config={"m": 32}, on_disk_payload=True), capsys)
    assert result["changed"] is True
    writes = replay.writes()
    assert [(w["method"], w["path"]) for w in writes] == [
        ("PUT", "/collections/embedded_posts"), ("PUT", "/collections/embedded_posts/index")]
    assert writes[0]["body"]["vectors"] == {"size": 384, "distance": "Cosine"}
    assert writes[0]["body"]["hnsw_config"] == {"m": 32}
    assert writes[0]["body"]["on_disk_payload"] is True
    assert writes[1]["body"] == {"field_name": "author_id", "field_schema": "keyword"}
    assert all(r["api_key"] == API_KEY for r in replay.requests)
    assert result["actions"] == ["create collection embedded_posts", "create payload_index embedded_posts.author_id: keyword"]
    assert result["resources"] == ["collection embedded_posts", "payload_index embedded_posts.author_id"]


def test_matching_collection_is_unchanged_and_only_read(capsys):
    with server() as replay:
        result, _out = run_module(qdrant_collection.main, args_for(
            replay, name="embedded_posts", vectors=dict(EMBEDDED, distance="cosine"),
            payload_indexes={"author_id": "keyword"}, hnsw_config={"m": 16}, on_disk_payload=True), capsys, diff=True)
    assert result["changed"] is False
    assert replay.writes() == []
    assert result["collection"]["vectors"] == {"size": 384, "distance": "Cosine", "on_disk": None}
    assert result["collection"]["aliases"] == ["posts"]
    assert result["diff"]["before"] == result["diff"]["after"]


def test_check_mode_reports_creation_and_writes_nothing(capsys):
    with server(existing=()) as replay:
        result, _out = run_module(qdrant_collection.main, args_for(
            replay, name="embedded_posts", vectors=EMBEDDED, payload_indexes={"author_id": "uuid"}),
            capsys, check_mode=True, diff=True)
    assert result["changed"] is True
    assert replay.writes() == []
    assert result["diff"]["before"] == {"name": "embedded_posts", "exists": False}
    assert result["diff"]["after"]["payload_indexes"] == {"author_id": "uuid"}


def test_in_place_update_patches_only_what_differs(capsys):
    with server() as replay:
        result, _out = run_module(qdrant_collection.main, args_for(
            replay, name="embedded_posts", vectors=dict(EMBEDDED, on_disk=True), hnsw_config={"m": 32, "ef_construct": 100},
            optimizers_config={"indexing_threshold": 20000}, on_disk_payload=False, replication_factor=2,
            quantization_config={"scalar": {"type": "int8", "always_ram": True}}), capsys)
    assert result["changed"] is True
    writes = replay.writes()
    assert [(w["method"], w["path"]) for w in writes] == [("PATCH", "/collections/embedded_posts")]
    body = writes[0]["body"]
    assert body["vectors"] == {"": {"on_disk": True}}
    assert body["hnsw_config"] == {"m": 32}
    assert body["optimizers_config"] == {"indexing_threshold": 20000}
    assert body["params"] == {"on_disk_payload": False, "replication_factor": 2}
    assert body["quantization_config"] == {"scalar": {"type": "int8", "always_ram": True}}


def test_in_place_update_check_mode_predicts_without_writing(capsys):
    with server() as replay:
        result, _out = run_module(qdrant_collection.main, args_for(
            replay, name="embedded_posts", vectors=EMBEDDED, hnsw_config={"m": 32}), capsys, check_mode=True, diff=True)
    assert result["changed"] is True
    assert replay.writes() == []
    assert result["diff"]["before"]["hnsw_config"]["m"] == 16
    assert result["diff"]["after"]["hnsw_config"]["m"] == 32


def test_vector_size_change_is_refused_without_recreate(capsys):
    with server() as replay:
        result, out = run_module(qdrant_collection.main, args_for(
            replay, name="embedded_posts", vectors={"size": 768, "distance": "Cosine"}), capsys)
    assert result["failed"] is True
    assert "vectors.size 384 -> 768" in result["msg"]
    assert "recreate: true" in result["msg"]
    assert replay.writes() == []
    assert "Traceback" not in out


def test_distance_change_with_recreate_deletes_and_creates_empty_collection(capsys):
    with server() as replay:
        result, _out = run_module(qdrant_collection.main, args_for(
            replay, name="embedded_posts", vectors={"size": 384, "distance": "Dot"}, recreate=True), capsys)
    assert result["changed"] is True
    assert [(w["method"], w["path"]) for w in replay.writes()] == [
        ("DELETE", "/collections/embedded_posts"), ("PUT", "/collections/embedded_posts")]
    assert result["actions"] == ["delete collection embedded_posts: recreate (vectors.distance Cosine -> Dot)",
                                 "create collection embedded_posts"]


def test_recreate_of_collection_with_points_needs_force(capsys):
    with server() as replay:
        result, _out = run_module(qdrant_collection.main, args_for(
            replay, name="cleaned_posts", vectors=EMBEDDED, recreate=True), capsys)
        assert result["failed"] is True
        assert "holds 12 points" in result["msg"] and "force: true" in result["msg"]
        assert replay.writes() == []
        result, _out = run_module(qdrant_collection.main, args_for(
            replay, name="cleaned_posts", vectors=EMBEDDED, recreate=True, force=True), capsys)
    assert result["changed"] is True
    assert replay.writes()[0]["method"] == "DELETE"


def test_payload_index_type_change_replaces_the_index_and_purge_removes_extras(capsys):
    with server() as replay:
        result, _out = run_module(qdrant_collection.main, args_for(
            replay, name="cleaned_posts", payload_indexes={"author_id": "uuid"}, purge_payload_indexes=True), capsys)
    assert result["changed"] is True
    assert [(w["method"], w["path"]) for w in replay.writes()] == [
        ("DELETE", "/collections/cleaned_posts/index/author_id"),
        ("DELETE", "/collections/cleaned_posts/index/platform"),
        ("PUT", "/collections/cleaned_posts/index")]
    assert replay.writes()[2]["body"] == {"field_name": "author_id", "field_schema": "uuid"}


def test_extra_index_is_kept_without_purge(capsys):
    with server() as replay:
        result, _out = run_module(qdrant_collection.main, args_for(
            replay, name="cleaned_posts", payload_indexes={"author_id": "keyword"}), capsys)
    assert result["changed"] is False
    assert replay.writes() == []


def test_absent_refuses_collection_with_points_then_deletes_with_force(capsys):
    with server() as replay:
        result, _out = run_module(qdrant_collection.main, args_for(replay, name="cleaned_posts", state="absent"), capsys)
        assert result["failed"] is True and "holds 12 points" in result["msg"]
        result, _out = run_module(qdrant_collection.main, args_for(
            replay, name="cleaned_posts", state="absent", force=True), capsys)
        assert result["changed"] is True
        result, _out = run_module(qdrant_collection.main, args_for(replay, name="gone", state="absent"), capsys)
        assert result["changed"] is False
    assert [(w["method"], w["path"]) for w in replay.writes()] == [("DELETE", "/collections/cleaned_posts")]


def test_alias_name_is_not_taken_for_the_collection(capsys):
    with server() as replay:
        result, _out = run_module(qdrant_collection.main, args_for(replay, name="posts", vectors=EMBEDDED),
                                  capsys, check_mode=True)
    assert result["changed"] is True
    assert result["collection"]["exists"] is True and result["actions"] == ["create collection posts"]


def test_wrong_api_key_fails_with_one_message_without_the_key(capsys):
    with server(api_key="the-right-key") as replay:
        result, out = run_module(qdrant_collection.main, args_for(replay, name="embedded_posts", vectors=EMBEDDED),
                                 capsys)
    assert result["failed"] is True
    assert "authentication failed" in result["msg"] and "api_key" in result["msg"]
    assert API_KEY not in out.replace('"api_key": "********"', "")
    assert "Traceback" not in out


def test_unreachable_url_fails_fast_with_one_message(capsys):
    with Replay() as replay:
        url = replay.url  # a port that was just free: nothing listens after the with block
    start = time.monotonic()
    result, out = run_module(qdrant_collection.main, dict(url=url, api_key=API_KEY, timeout=3, name="x"), capsys)
    assert time.monotonic() - start < 10
    assert result["failed"] is True
    assert result["msg"].startswith("Failed to manage collection x: cannot reach the Qdrant server")
    assert "Traceback" not in out


@pytest.mark.parametrize("bad, message", [
    (dict(vectors={"size": 384, "distance": "Cosinus"}), "vectors.distance must be one of Cosine"),
    (dict(vectors={"size": 0, "distance": "Cosine"}), "vectors.size must be a positive integer, got 0"),
    (dict(vectors={"size": -3, "distance": "Cosine"}), "vectors.size must be a positive integer, got -3"),
    (dict(named_vectors={"text": {"size": 384}}), "named_vectors.text.distance must be one of"),
    (dict(payload_indexes={"author_id": "string"}), "payload_indexes.author_id: unknown payload schema type 'string'"),
    (dict(hnsw_config={"mm": 3}), "hnsw_config is not valid: mm: Extra inputs are not permitted"),
    (dict(sparse_vectors={"bm25": {"modifier": "tfidf"}}), "sparse_vectors.bm25.modifier must be one of none, idf"),
    (dict(quantization_config={"scalar": {"type": "int4"}}), "quantization_config is not valid"),
])
def test_bad_input_fails_before_connecting(capsys, bad, message):
    with server() as replay:
        result, out = run_module(qdrant_collection.main, args_for(replay, name="embedded_posts", **bad), capsys)
    assert result["failed"] is True
    assert message in result["msg"]
    assert replay.requests == []
    assert "Traceback" not in out


# ------------------------------------------------------------ the embedded engine (path mode)

def test_embedded_engine_create_idempotence_warning_and_refused_size_change(tmp_path, capsys):
    args = dict(path=str(tmp_path / "q"), name="embedded_posts", vectors=EMBEDDED,
                payload_indexes={"author_id": "keyword"}, hnsw_config={"m": 32})
    result, _out = run_module(qdrant_collection.main, args, capsys, check_mode=True)
    assert result["changed"] is True
    result, _out = run_module(qdrant_collection.main, args, capsys)
    assert result["changed"] is True
    assert result["collection"]["vectors"]["size"] == 384
    warnings = json.dumps(result.get("warnings"))
    assert "does not apply hnsw_config, payload_indexes" in warnings
    result, _out = run_module(qdrant_collection.main, args, capsys)
    assert result["changed"] is False
    bigger = dict(args, vectors={"size": 768, "distance": "Cosine"})
    result, _out = run_module(qdrant_collection.main, bigger, capsys)
    assert result["failed"] is True and "vectors.size 384 -> 768" in result["msg"]

    from qdrant_client import QdrantClient
    client = QdrantClient(path=str(tmp_path / "q"))
    try:
        assert client.get_collection("embedded_posts").config.params.vectors.size == 384
    finally:
        client.close()


def test_embedded_engine_check_mode_on_empty_store_creates_nothing(tmp_path, capsys):
    path = tmp_path / "q"
    result, _out = run_module(qdrant_collection.main, dict(path=str(path), name="cleaned_posts"), capsys, check_mode=True)
    assert result["changed"] is True and result["actions"] == ["create collection cleaned_posts"]
    assert not path.exists(), "check mode created the store folder"


# ------------------------------------------------------------ pure helpers

def test_subset_compare_ignores_keys_not_declared():
    assert qdrant_collection._subset_differs({"m": 16}, {"m": 16, "ef_construct": 100}) == []
    assert qdrant_collection._subset_differs({"scalar": {"type": "int8"}}, {"scalar": {"type": "int8", "quantile": 0.9}}) == []
    assert qdrant_collection._subset_differs({"scalar": {"type": "int8"}}, None) == ["scalar"]


def test_recreate_reasons_cover_named_and_sparse_vector_sets():
    desired = {"vectors": None, "named_vectors": {"text": {"size": 384, "distance": "Cosine", "on_disk": None}},
               "sparse_vectors": {"bm25": {"on_disk": None, "modifier": "idf"}}, "shard_number": None}
    current = {"vectors": {"size": 384, "distance": "Cosine", "on_disk": None}, "named_vectors": {},
               "sparse_vectors": {}}
    reasons = qdrant_collection.recreate_reasons(desired, current, embedded=False)
    assert reasons == ["unnamed vector 384/Cosine -> none", "named vectors [] -> [text]", "sparse vectors [] -> [bm25]"]
    same = copy.deepcopy(desired)
    assert qdrant_collection.recreate_reasons(desired, dict(same, shard_number=1), embedded=False) == []


# ------------------------------------------------------------ the four steps against the stateful server

@pytest.mark.parametrize("existing, args", [
    ((), dict(name="embedded_posts", vectors=EMBEDDED, payload_indexes={"author_id": "keyword"})),
    (("embedded_posts",), dict(name="embedded_posts", vectors=dict(EMBEDDED, on_disk=True), hnsw_config={"m": 32},
                               optimizers_config={"indexing_threshold": 20000}, replication_factor=2,
                               payload_indexes={"author_id": "uuid"}, purge_payload_indexes=True)),
    (("embedded_posts",), dict(name="embedded_posts", vectors={"size": 384, "distance": "Dot"}, recreate=True)),
    (("cleaned_posts",), dict(name="cleaned_posts", state="absent", force=True)),
])
def test_server_path_four_steps(capsys, existing, args):
    with server(existing=existing) as replay:
        assert four_steps(qdrant_collection.main, args_for(replay, **args), replay, capsys) == [True, True, False, False]
        final = dict(replay.state.collections)
    if args.get("state") == "absent":
        assert args["name"] not in final
    else:
        params = final[args["name"]]["config"]["params"]
        assert params["vectors"]["distance"] == args["vectors"]["distance"]


def test_a_new_key_refused_for_a_while_is_retried_within_key_wait_timeout(capsys):
    with server(existing=()) as replay:
        replay.refuse_first = 3
        result, _out = run_module(qdrant_collection.main, args_for(replay, name="cleaned_posts", key_wait_timeout=30),
                                  capsys)
        assert result["changed"] is True and "cleaned_posts" in replay.state.collections
        replay.refuse_first = 1
        result, out = run_module(qdrant_collection.main, args_for(replay, name="cleaned_posts"), capsys)
    # without key_wait_timeout a refused key fails at once, with one message
    assert result["failed"] is True and "authentication failed (HTTP 401)" in result["msg"] and "Traceback" not in out


# ------------------------------------------------------------ bad input in path mode: one message, nothing created

QDRANT_BAD_INPUT = [
    ("qdrant_collection", dict(name=""), "name must be a non-empty collection name"),
    ("qdrant_collection", dict(name="../outside"), "name '../outside' is not a valid collection name"),
    ("qdrant_collection", dict(name=".."), "name '..' is not a valid collection name"),
    ("qdrant_collection", dict(name="a" * 256), "name must be at most 255 characters long"),
    ("qdrant_collection", dict(name="c", timeout=-5), "timeout must be a positive number of seconds, got -5"),
    ("qdrant_collection", dict(name="c", vectors={"size": 10 ** 12, "distance": "Cosine"}),
     "vectors.size must be at most 65536"),
    ("qdrant_collection", dict(name="c", named_vectors={"text": {"size": 2 ** 64, "distance": "Cosine"}}),
     "named_vectors.text.size must be at most 65536"),
    ("qdrant_alias", dict(name="", collection="c"), "name must be a non-empty collection name"),
    ("qdrant_alias", dict(name="a", collection="x/y"), "collection 'x/y' is not a valid collection name"),
    ("qdrant_alias", dict(name="a", collection="c", timeout=-5), "timeout must be a positive number of seconds"),
    ("qdrant_collection_info", dict(name="a\\b"), "name 'a\\\\b' is not a valid collection name"),
    ("qdrant_collection_info", dict(timeout=0), "timeout must be a positive number of seconds, got 0"),
]


@pytest.mark.parametrize("module_name, args, message", QDRANT_BAD_INPUT,
                         ids=["%s-%d" % (case[0], i) for i, case in enumerate(QDRANT_BAD_INPUT)])
def test_bad_input_in_path_mode_fails_before_the_store_is_touched(tmp_path, capsys, module_name, args, message):
    import importlib

    module = importlib.import_module("ansible_collections.llmtwin.deploy.plugins.modules." + module_name)
    store = tmp_path / "q"
    result, out = run_module(module.main, dict(args, path=str(store)), capsys)
    assert result["failed"] is True
    assert result["msg"].startswith(message), result["msg"]
    assert "Traceback" not in out
    assert not store.exists()
