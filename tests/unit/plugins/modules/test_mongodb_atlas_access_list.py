"""mongodb_atlas_access_list against hand-written Admin API v2 fixtures (validated against the spec by test_fixture_definitions)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.llmtwin.deploy.plugins.module_utils import _atlas
from ansible_collections.llmtwin.deploy.plugins.modules import mongodb_atlas_access_list as m

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fixtures" / "atlas"))
from atlas_fake import FakeAtlas, fixture  # noqa: E402  (fixtures checked against the Admin API v2 spec)

LIST = "/groups/65a1b2c3d4e5f6a7b8c9d0e1/accessList"
ARGS = dict(public_key="pub", private_key="priv", project_id="65a1b2c3d4e5f6a7b8c9d0e1")


def run(monkeypatch, capsys, routes, **args):
    fake = FakeAtlas(routes)
    monkeypatch.setattr(_atlas.AtlasClient, "send", fake.send)
    with patch_module_args(dict(ARGS, **args)), pytest.raises(SystemExit):
        m.main()
    return json.loads(capsys.readouterr().out), fake


def test_an_address_matches_its_slash_32(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {("GET", LIST): [(200, "access_list")]}, entries=["203.0.113.7"])
    assert result["changed"] is False and len(fake.calls) == 1
    assert result["actions"] == [] and result["resources"] == ["access_list_entry 203.0.113.7/32"]


def test_a_new_comment_is_an_update_and_a_failed_delete_keeps_what_was_done(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {
        ("GET", LIST): [(200, "access_list")],
        ("POST", LIST): [(201, "access_list")],
        ("DELETE", LIST + "/198.51.100.0%2F24"): [(403, "unauthorized")],
    }, entries=[{"cidr_block": "203.0.113.7", "comment": "deployer laptop"}], purge=True)
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith("Failed to remove 198.51.100.0/24 from the access list of project")
    assert result["actions"] == ["update access_list_entry 203.0.113.7/32"]


def test_add_and_purge(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {
        ("GET", LIST): [(200, "access_list")],
        ("POST", LIST): [(201, "access_list")],
        ("DELETE", LIST + "/198.51.100.0%2F24"): [(204, None)],
    }, entries=["203.0.113.7", {"cidr_block": "192.0.2.0/28", "comment": "ci"}], purge=True)
    assert result["actions"] == ["create access_list_entry 192.0.2.0/28", "delete access_list_entry 198.51.100.0/24"]
    assert result["resources"] == ["access_list_entry 192.0.2.0/28", "access_list_entry 203.0.113.7/32",
                                   "access_list_entry 198.51.100.0/24"]
    assert {"cidr_block": "192.0.2.0/28", "comment": "ci"} in result["entries"] and "diff" not in result
    assert fake.calls[1]["body"] == fixture("request_add_access_list")


def test_bad_entry_fails_before_any_call(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {}, entries=["not-an-ip"])
    assert result["failed"] is True and "entries[0] must be an IP address or CIDR block" in result["msg"]
    assert fake.calls == []


@pytest.mark.parametrize("entries, message", [
    ([], "entries must list at least one IP address or CIDR block"),
    (["10.0.0.0/33"], "entries[0] must be an IP address or CIDR block"),
    ([{"cidr_block": "10.0.0.0/8", "comment": "x" * 81}], "entries[0].comment must be at most 80 characters"),
])
def test_empty_or_invalid_entries_fail_before_any_call(monkeypatch, capsys, entries, message):
    result, fake = run(monkeypatch, capsys, {}, entries=entries)
    assert result["failed"] is True and message in result["msg"] and fake.calls == []
