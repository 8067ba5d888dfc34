"""The list forms: qdrant_collection `collections`, qdrant_alias `aliases`, qdrant_collection_info `names`, all
reconciled in one run, against the stateful Qdrant REST replay and the embedded engine."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from ansible_collections.llmtwin.deploy.plugins.modules import qdrant_alias, qdrant_collection, qdrant_collection_info

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "qdrant"
if "qdrant_replay" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("qdrant_replay", FIXTURES / "replay.py")
    sys.modules["qdrant_replay"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["qdrant_replay"])
replay_mod = sys.modules["qdrant_replay"]
run_module, server, args_for, four_steps = replay_mod.run_module, replay_mod.server, replay_mod.args_for, replay_mod.four_steps

VEC = {"size": 384, "distance": "Cosine"}
LLM_TWIN = [{"name": "cleaned_posts"}, {"name": "cleaned_articles"},
            {"name": "embedded_posts", "vectors": VEC}, {"name": "embedded_articles", "vectors": VEC}]


def store_names(path):
    return sorted(json.loads((path / "meta.json").read_text())["collections"])


# ------------------------------------------------------------ the embedded engine

def test_check_mode_on_an_empty_store_creates_nothing_then_one_run_creates_all_then_rerun_is_unchanged(tmp_path, capsys):
    store = tmp_path / "q"
    args = dict(path=str(store), collections=LLM_TWIN)
    plan, _out = run_module(qdrant_collection.main, args, capsys, check_mode=True, diff=True)
    assert plan["changed"] is True
    assert plan["actions"] == ["create collection %s" % c["name"] for c in LLM_TWIN]
    assert [c["name"] for c in plan["collections"]] == [c["name"] for c in LLM_TWIN]
    assert "collection" not in plan
    assert plan["diff"]["before"]["embedded_posts"] == {"name": "embedded_posts", "exists": False}
    assert not store.exists(), "check mode created the store"

    created, _out = run_module(qdrant_collection.main, args, capsys)
    assert created["changed"] is True and len(created["actions"]) == 4
    assert store_names(store) == sorted(c["name"] for c in LLM_TWIN)
    assert created["collections"][2]["vectors"] == dict(VEC, on_disk=None)
    assert created["resources"] == ["collection %s" % c["name"] for c in LLM_TWIN]

    for check_mode in (True, False):
        again, _out = run_module(qdrant_collection.main, args, capsys, check_mode=check_mode)
        assert again["changed"] is False and again["actions"] == [], again
        assert again["resources"] == created["resources"]


def test_one_collection_drifted_only_it_changes(tmp_path, capsys):
    store = tmp_path / "q"
    args = dict(path=str(store), collections=LLM_TWIN)
    run_module(qdrant_collection.main, args, capsys)
    from qdrant_client import QdrantClient
    client = QdrantClient(path=str(store))
    try:
        client.delete_collection("embedded_articles")
    finally:
        client.close()
    result, _out = run_module(qdrant_collection.main, args, capsys)
    assert result["changed"] is True and result["actions"] == ["create collection embedded_articles"]


def test_payload_indexes_given_once_are_the_default_of_every_element_and_one_warning_names_them(tmp_path, capsys):
    result, _out = run_module(qdrant_collection.main, dict(
        path=str(tmp_path / "q"), payload_indexes={"author_id": "keyword"},
        collections=[{"name": "a"}, {"name": "b", "payload_indexes": {}}, {"name": "c"}]), capsys)
    assert result["changed"] is True
    # one warning for the whole task (ansible-core keeps earlier tests' warnings in this process: count ours only)
    warnings = json.dumps(result.get("warnings"))
    assert warnings.count("does not apply payload_indexes (collection") == 1, warnings
    assert "does not apply payload_indexes (collections a, c);" in warnings, warnings


@pytest.mark.parametrize("bad, message", [
    ({"name": "c", "vectors": {"size": 0, "distance": "Cosine"}}, "collections[2].vectors.size must be a positive integer, got 0"),
    ({"name": "c", "vectors": {"size": 4, "distance": "Cosinus"}}, "collections[2].vectors.distance must be one of"),
    ({"name": "c", "shard_number": "many"}, "collections[2].shard_number: "),
    ({"name": "c", "colour": "red"}, "collections[2] has unknown keys colour"),
    ({"name": "c", "state": "gone"}, "collections[2].state must be one of present, absent"),
    ({"name": "c", "payload_indexes": {"author_id": "string"}}, "collections[2].payload_indexes.author_id: unknown payload"),
    ({"name": "c", "hnsw_config": {"mm": 3}}, "collections[2].hnsw_config is not valid: mm"),
    ({"name": "c", "vectors": VEC, "named_vectors": {"t": VEC}}, "collections[2].vectors and collections[2].named_vectors"),
    ({"vectors": VEC}, "collections[2].name is required"),
    ({"name": "../x"}, "collections[2].name '../x' is not a valid collection name"),
    ({"name": "a"}, "collections[2].name: a is listed twice"),
    ("c", "Elements value for option 'collections' is of type str"),  # ansible-core's own element check
])
def test_a_bad_element_fails_naming_its_path_before_anything_is_created(tmp_path, capsys, bad, message):
    store = tmp_path / "q"
    result, out = run_module(qdrant_collection.main, dict(
        path=str(store), collections=[{"name": "a"}, {"name": "b", "vectors": VEC}, bad]), capsys)
    assert result["failed"] is True and result["msg"].startswith(message), result["msg"]
    assert result.get("changed") is not True and not result.get("actions")
    assert not store.exists() and "Traceback" not in out


def test_single_form_options_cannot_be_mixed_with_the_list(tmp_path, capsys):
    for extra in (dict(name="a"), dict(vectors=VEC)):
        args = dict(path=str(tmp_path / "q"), collections=[{"name": "b"}], **extra)
        result, _out = run_module(qdrant_collection.main, args, capsys)
        assert result["failed"] is True and "mutually exclusive" in result["msg"] and "collections" in result["msg"]


# ------------------------------------------------------------ the server path (REST replay)

def test_server_list_changes_only_the_drifted_collection(capsys):
    with server() as replay:
        result, _out = run_module(qdrant_collection.main, args_for(replay, collections=[
            {"name": "cleaned_posts", "payload_indexes": {"author_id": "keyword"}},
            {"name": "embedded_posts", "vectors": VEC, "hnsw_config": {"m": 32}},
        ]), capsys, diff=True)
    assert result["changed"] is True
    assert [(w["method"], w["path"]) for w in replay.writes()] == [("PATCH", "/collections/embedded_posts")]
    assert result["actions"] == ["update collection embedded_posts: hnsw_config"]
    assert result["resources"] == ["collection cleaned_posts", "payload_index cleaned_posts.author_id",
                                   "collection embedded_posts"]
    assert result["diff"]["before"]["cleaned_posts"] == result["diff"]["after"]["cleaned_posts"]
    assert result["diff"]["after"]["embedded_posts"]["hnsw_config"]["m"] == 32


def test_server_a_refusal_in_one_element_changes_nothing_in_the_others(capsys):
    with server(existing=("embedded_posts",)) as replay:
        result, _out = run_module(qdrant_collection.main, args_for(replay, collections=[
            {"name": "new_one"}, {"name": "embedded_posts", "vectors": {"size": 768, "distance": "Cosine"}}]), capsys)
    assert result["failed"] is True and "vectors.size 384 -> 768" in result["msg"]
    assert replay.writes() == [] and result["changed"] is False


def test_server_state_and_force_given_once_apply_to_every_element(capsys):
    with server() as replay:
        result, _out = run_module(qdrant_collection.main, args_for(
            replay, state="absent", collections=[{"name": "embedded_posts"}, {"name": "cleaned_posts"}]), capsys)
        assert result["failed"] is True and "cleaned_posts" in result["msg"] and "holds 12 points" in result["msg"]
        assert replay.writes() == []
        result, _out = run_module(qdrant_collection.main, args_for(
            replay, state="absent", force=True,
            collections=[{"name": "embedded_posts"}, {"name": "cleaned_posts"}, {"name": "gone"}]), capsys)
    assert result["actions"] == ["delete collection embedded_posts", "delete collection cleaned_posts"]
    assert result["collections"] == [{"name": n, "exists": False} for n in ("embedded_posts", "cleaned_posts", "gone")]
    assert replay.state.collections == {}


def test_server_list_four_steps(capsys):
    with server(existing=("cleaned_posts",)) as replay:
        args = args_for(replay, payload_indexes={"author_id": "keyword"}, collections=[
            {"name": "cleaned_posts"}, {"name": "embedded_posts", "vectors": VEC}])
        assert four_steps(qdrant_collection.main, args, replay, capsys) == [True, True, False, False]
    assert sorted(replay.state.collections) == ["cleaned_posts", "embedded_posts"]


def test_a_failure_after_a_write_reports_the_change(capsys):
    with server(existing=()) as replay:
        # the second create hits a collection the server already has (created behind the module's back)
        replay.add("PUT", "/collections/b", {"status": {"error": "Wrong input: Collection `b` already exists!"}}, status=409)
        result, _out = run_module(qdrant_collection.main, args_for(replay, collections=[{"name": "a"}, {"name": "b"}]),
                                  capsys)
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith("Failed to create collection b: HTTP 409")
    assert result["actions"] == ["create collection a"]


# ------------------------------------------------------------ aliases and info

def test_alias_list_is_one_atomic_request_and_rerun_is_unchanged(capsys):
    with server() as replay:
        args = args_for(replay, aliases=[{"name": "posts", "collection": "cleaned_posts"},
                                         {"name": "articles", "collection": "embedded_posts"},
                                         {"name": "old", "state": "absent"}])
        result, _out = run_module(qdrant_alias.main, args, capsys, diff=True)
        assert result["changed"] is True
        assert result["actions"] == ["update alias posts: collection embedded_posts -> cleaned_posts",
                                     "create alias articles: collection embedded_posts"]
        assert result["resources"] == ["alias posts", "alias articles", "alias old"]
        assert len(replay.writes()) == 1 and replay.writes()[0]["body"]["actions"] == [
            {"delete_alias": {"alias_name": "posts"}},
            {"create_alias": {"collection_name": "cleaned_posts", "alias_name": "posts"}},
            {"create_alias": {"collection_name": "embedded_posts", "alias_name": "articles"}}]
        assert result["aliases"][2] == {"name": "old", "exists": False, "collection": None}
        again, _out = run_module(qdrant_alias.main, args, capsys)
    assert again["changed"] is False and len(replay.writes()) == 1
    assert replay.state.aliases == {"posts": "cleaned_posts", "articles": "embedded_posts"}


@pytest.mark.parametrize("bad, message", [
    ({"name": "x"}, "aliases[1].collection is required with state present"),
    ({"name": "x", "collection": "a/b"}, "aliases[1].collection 'a/b' is not a valid collection name"),
    ({"collection": "cleaned_posts"}, "aliases[1].name is required"),
    ({"name": "posts", "collection": "cleaned_posts"}, "aliases[1].name: posts is listed twice"),
])
def test_alias_list_bad_element_fails_before_connecting(capsys, bad, message):
    with server() as replay:
        result, _out = run_module(qdrant_alias.main, args_for(
            replay, aliases=[{"name": "posts", "collection": "cleaned_posts"}, bad]), capsys)
    assert result["failed"] is True and result["msg"].startswith(message), result["msg"]
    assert replay.requests == []


def test_alias_list_with_a_missing_collection_changes_nothing(capsys):
    with server() as replay:
        result, _out = run_module(qdrant_alias.main, args_for(
            replay, aliases=[{"name": "a1", "collection": "cleaned_posts"}, {"name": "a2", "collection": "nope"}]), capsys)
    assert result["failed"] is True and "alias a2 at collection nope" in result["msg"]
    assert replay.writes() == []


def test_info_names_in_the_order_given_missing_ones_included(capsys):
    with server() as replay:
        result, _out = run_module(qdrant_collection_info.main, args_for(
            replay, names=["embedded_posts", "missing", "cleaned_posts"]), capsys)
        empty, _out = run_module(qdrant_collection_info.main, args_for(replay, names=[]), capsys)
    assert [c["name"] for c in result["collections"]] == ["embedded_posts", "missing", "cleaned_posts"]
    assert result["collections"][1] == {"name": "missing", "exists": False}
    assert result["aliases"] == {"posts": "embedded_posts"}
    assert result["changed"] is False and result["actions"] == [] and replay.writes() == []
    assert empty["collections"] == []
