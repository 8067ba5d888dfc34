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
    assert result["actions"] == ["create database_user twin_app"] and result["resources"] == ["database_user twin_app"]
    assert fake.calls[1]["body"] == fixture("request_create_database_user")  # groupId included, as the spec requires


def test_unchanged_with_on_create(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {("GET", USER): [(200, "database_user")]})
    assert result["changed"] is False and fake.methods() == [("GET", USER)]
    assert result["actions"] == [] and result["resources"] == ["database_user twin_app"]


def test_role_drift_is_patched_without_password(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {("GET", USER): [(200, "database_user")], ("PATCH", USER): [(200, "database_user")]},
                       roles=[{"role": "read", "db": "twin"}])
    assert result["actions"] == ["update database_user twin_app: roles"]
    assert fake.calls[1]["body"] == fixture("request_update_database_user")  # complete, without the password


def test_absent(monkeypatch, capsys):
    result, _fake = run(monkeypatch, capsys, {("GET", USER): [(200, "database_user")], ("DELETE", USER): [(204, None)]},
                        state="absent")
    assert result["changed"] is True and result["user"]["exists"] is False
    assert result["actions"] == ["delete database_user twin_app"]


def test_a_missing_project_is_not_a_missing_user(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {("GET", USER): [(404, "group_not_found")]})
    assert result["failed"] is True and "404 GROUP_NAME_NOT_FOUND" in result["msg"]
    assert result["msg"].startswith("Failed to read database user twin_app: ")
    assert fake.methods() == [("GET", USER)]


def test_check_mode_predicts_creation_without_writing(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {("GET", USER): [(404, "database_user_not_found")]}, _ansible_check_mode=True)
    assert result["changed"] is True and fake.methods() == [("GET", USER)]


def test_update_password_always_patches_it_every_run(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {("GET", USER): [(200, "database_user")], ("PATCH", USER): [(200, "database_user")]},
                       update_password="always")
    assert result["actions"] == ["update database_user twin_app: password"]
    assert fake.calls[1]["body"]["password"] == "app-SECRET"  # sent, never printed (run() checks the output)


@pytest.mark.parametrize("args, message", [
    (dict(roles=[]), "roles must name at least one role for state=present"),
    (dict(roles=[{"role": "read", "db": "twin", "x": 1}]), "roles[0] must be a role name or a mapping"),
    (dict(api_timeout=0), "api_timeout must be a positive number of seconds"),
])
def test_bad_input_fails_before_any_call(monkeypatch, capsys, args, message):
    result, fake = run(monkeypatch, capsys, {}, **args)
    assert result["failed"] is True and message in result["msg"] and fake.calls == []


def test_creating_without_a_password_fails_after_the_read_only(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {("GET", USER): [(404, "database_user_not_found")]}, password=None)
    assert result["msg"] == "Failed to create database user twin_app: password is required"
    assert fake.methods() == [("GET", USER)] and result["changed"] is False
