"""mongodb_atlas_access_list against recorded Admin API v2 responses."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.llmtwin.deploy.plugins.module_utils import _atlas
from ansible_collections.llmtwin.deploy.plugins.modules import mongodb_atlas_access_list as m

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fixtures" / "atlas"))
from atlas_fake import FakeAtlas  # noqa: E402  (recorded Admin API v2 responses)

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


def test_add_and_purge(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {
        ("GET", LIST): [(200, "access_list")],
        ("POST", LIST): [(201, "access_list")],
        ("DELETE", LIST + "/198.51.100.0%2F24"): [(204, None)],
    }, entries=["203.0.113.7", {"cidr_block": "192.0.2.0/28", "comment": "ci"}], purge=True)
    assert result["changes"] == ["add 192.0.2.0/28", "remove 198.51.100.0/24"]
    assert fake.calls[1]["body"] == [{"cidrBlock": "192.0.2.0/28", "comment": "ci"}]


def test_bad_entry_fails_before_any_call(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {}, entries=["not-an-ip"])
    assert result["failed"] is True and "entries[0] must be an IP address or CIDR block" in result["msg"]
    assert fake.calls == []
