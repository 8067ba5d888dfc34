"""mongodb_atlas_database_user against hand-written Admin API v2 fixtures (validated against the spec by test_fixture_definitions)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.llmtwin.deploy.plugins.module_utils import _atlas
from ansible_collections.llmtwin.deploy.plugins.modules import mongodb_atlas_database_user as m

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fixtures" / "atlas"))
from atlas_fake import FakeAtlas, fixture  # noqa: E402  (fixtures checked against the Admin API v2 spec)

GROUP = "/groups/65a1b2c3d4e5f6a7b8c9d0e1"
USER = GROUP + "/databaseUsers/admin/twin_app"
ARGS = dict(public_key="pub", private_key="priv-SECRET", project_id="65a1b2c3d4e5f6a7b8c9d0e1", username="twin_app",
            password="app-SECRET", roles=[{"role": "readWrite", "db": "twin"}], clusters=["twin"])


def run(monkeypatch, capsys, routes, **args):
    fake = FakeAtlas(routes)
    monkeypatch.setattr(_atlas.AtlasClient, "send", fake.send)
    with patch_module_args(dict(ARGS, **args)), pytest.raises(SystemExit):
        m.main()
    out = capsys.readouterr().out
    assert "SECRET" not in out
    return json.loads(out), fake


def test_create(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {("GET", USER): [(404, "database_user_not_found")],
                                             ("POST", GROUP + "/databaseUsers"): [(201, "database_user")]})
    assert result["changed"] is True and result["user"]["roles"] == [{"role": "readWrite", "db": "twin"}]
    assert fake.calls[1]["body"] == fixture("request_create_database_user")  # groupId included, as the spec requires


def test_unchanged_with_on_create(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {("GET", USER): [(200, "database_user")]})
    assert result["changed"] is False and fake.methods() == [("GET", USER)]


def test_role_drift_is_patched_without_password(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {("GET", USER): [(200, "database_user")], ("PATCH", USER): [(200, "database_user")]},
                       roles=[{"role": "read", "db": "twin"}])
    assert result["changes"] == ["set roles and scopes of twin_app"]
    assert fake.calls[1]["body"] == fixture("request_update_database_user")  # complete, without the password


def test_absent(monkeypatch, capsys):
    result, _fake = run(monkeypatch, capsys, {("GET", USER): [(200, "database_user")], ("DELETE", USER): [(204, None)]},
                        state="absent")
    assert result["changed"] is True and result["user"]["exists"] is False


def test_a_missing_project_is_not_a_missing_user(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {("GET", USER): [(404, "group_not_found")]})
    assert result["failed"] is True and "404 GROUP_NAME_NOT_FOUND" in result["msg"]
    assert fake.methods() == [("GET", USER)]


def test_check_mode_predicts_creation_without_writing(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {("GET", USER): [(404, "database_user_not_found")]}, _ansible_check_mode=True)
    assert result["changed"] is True and fake.methods() == [("GET", USER)]
