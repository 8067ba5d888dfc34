"""qdrant_alias and qdrant_collection_info against the (stateful) Qdrant REST replay, and the embedded engine."""
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
API_KEY, run_module, server, args_for = replay_mod.API_KEY, replay_mod.run_module, replay_mod.server, replay_mod.args_for
four_steps = replay_mod.four_steps


def test_alias_already_right_is_unchanged(capsys):
    with server() as replay:
        result, _out = run_module(qdrant_alias.main, args_for(replay, name="posts", collection="embedded_posts"), capsys)
    assert result["changed"] is False
    assert replay.writes() == []


def test_alias_switch_is_one_atomic_request(capsys):
    with server() as replay:
        replay.add("POST", "/collections/aliases", {"result": True, "status": "ok", "time": 0.001})
        result, _out = run_module(qdrant_alias.main, args_for(replay, name="posts", collection="cleaned_posts"),
                                  capsys, diff=True)
    assert result["changed"] is True
    writes = replay.writes()
    assert len(writes) == 1 and writes[0]["path"] == "/collections/aliases"
    assert writes[0]["body"]["actions"] == [
        {"delete_alias": {"alias_name": "posts"}},
        {"create_alias": {"collection_name": "cleaned_posts", "alias_name": "posts"}}]
    assert result["diff"] == {"before": {"name": "posts", "exists": True, "collection": "embedded_posts"},
                              "after": {"name": "posts", "exists": True, "collection": "cleaned_posts"}}


def test_alias_check_mode_and_missing_collection(capsys):
    with server() as replay:
        result, _out = run_module(qdrant_alias.main, args_for(replay, name="articles", collection="cleaned_posts"),
                                  capsys, check_mode=True)
        assert result["changed"] is True
        result, _out = run_module(qdrant_alias.main, args_for(replay, name="articles", collection="nope"), capsys,
                                  check_mode=True)
        assert result["changed"] is True and "check mode assumes" in str(result["warnings"])
        result, out = run_module(qdrant_alias.main, args_for(replay, name="articles", collection="nope"), capsys)
    assert result["failed"] is True and "the collection does not exist" in result["msg"]
    assert replay.writes() == [] and "Traceback" not in out


def test_alias_absent(capsys):
    with server() as replay:
        replay.add("POST", "/collections/aliases", {"result": True, "status": "ok", "time": 0.001})
        result, _out = run_module(qdrant_alias.main, args_for(replay, name="posts", state="absent"), capsys)
        assert result["changed"] is True
        result, _out = run_module(qdrant_alias.main, args_for(replay, name="nothing", state="absent"), capsys)
        assert result["changed"] is False
    assert [w["body"]["actions"] for w in replay.writes()] == [[{"delete_alias": {"alias_name": "posts"}}]]


def test_info_reads_everything_and_changes_nothing(capsys):
    with server() as replay:
        result, out = run_module(qdrant_collection_info.main, args_for(replay), capsys)
    assert result["changed"] is False and replay.writes() == []
    by_name = {c["name"]: c for c in result["collections"]}
    assert by_name["embedded_posts"]["vectors"]["size"] == 384
    assert by_name["embedded_posts"]["aliases"] == ["posts"]
    assert by_name["cleaned_posts"]["payload_indexes"] == {"author_id": "keyword", "platform": "text"}
    assert by_name["cleaned_posts"]["points_count"] == 12
    assert result["aliases"] == {"posts": "embedded_posts"}
    assert API_KEY not in out.replace('"api_key": "********"', "")


def test_info_on_a_missing_collection(capsys):
    with server() as replay:
        result, _out = run_module(qdrant_collection_info.main, args_for(replay, name="missing"), capsys)
    assert result["collections"] == [{"name": "missing", "exists": False}]


def test_embedded_alias_create_switch_and_drift(tmp_path, capsys):
    path = str(tmp_path / "q")
    for name in ("a", "b"):
        run_module(qdrant_collection.main, dict(path=path, name=name), capsys)
    result, _out = run_module(qdrant_alias.main, dict(path=path, name="live", collection="a"), capsys)
    assert result["changed"] is True
    result, _out = run_module(qdrant_alias.main, dict(path=path, name="live", collection="a"), capsys)
    assert result["changed"] is False
    result, _out = run_module(qdrant_alias.main, dict(path=path, name="live", collection="b"), capsys)
    assert result["changed"] is True
    result, _out = run_module(qdrant_collection_info.main, dict(path=path), capsys)
    assert result["aliases"] == {"live": "b"}
    assert json.dumps(result["collections"][1]["aliases"]) == '["live"]'


@pytest.mark.parametrize("args, final", [
    (dict(name="articles", collection="cleaned_posts"), {"posts": "embedded_posts", "articles": "cleaned_posts"}),
    (dict(name="posts", collection="cleaned_posts"), {"posts": "cleaned_posts"}),
    (dict(name="posts", state="absent"), {}),
])
def test_server_path_four_steps(capsys, args, final):
    with server() as replay:
        assert four_steps(qdrant_alias.main, args_for(replay, **args), replay, capsys) == [True, True, False, False]
    assert replay.state.aliases == final
