"""The Atlas client: versioned media types, digest vs service account auth, retries, error text."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from ansible_collections.llmtwin.deploy.plugins.module_utils import _atlas, _http
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fixtures" / "atlas"))
from atlas_fake import FakeAtlas  # noqa: E402  (fixtures checked against the Admin API v2 spec)

REAL_SLEEP = time.sleep
PARAMS = dict(api_base_url="https://cloud.mongodb.com", public_key="pub", private_key="priv-SECRET",
              client_id=None, client_secret=None, api_timeout=5)


def client_with(monkeypatch, routes, **params):
    fake = FakeAtlas(routes)
    monkeypatch.setattr(_atlas.AtlasClient, "send", fake.send)
    monkeypatch.setattr(_http.time, "sleep", lambda s: None)
    return _atlas.AtlasClient(dict(PARAMS, **params)), fake


def test_get_sends_versioned_accept_and_no_bearer_with_api_key(monkeypatch):
    client, fake = client_with(monkeypatch, {("GET", "/groups/byName/llm-twin"): [(200, "group")]})
    group = _atlas.find_project(client, project_name="llm-twin")
    assert group["id"] == "65a1b2c3d4e5f6a7b8c9d0e1"
    headers = fake.calls[0]["headers"]
    assert headers["Accept"] == "application/vnd.atlas.2023-01-01+json"
    assert "Authorization" not in headers  # digest is negotiated by the HTTP layer


def test_missing_project_is_none(monkeypatch):
    client, _fake = client_with(monkeypatch, {("GET", "/groups/byName/llm-twin"): [(404, "group_not_found")]})
    assert _atlas.find_project(client, project_name="llm-twin") is None


def test_service_account_gets_a_token_once(monkeypatch):
    client, fake = client_with(monkeypatch, {
        ("POST", "/api/oauth/token"): [(200, "oauth_token")],
        ("GET", "/groups/byName/llm-twin"): [(200, "group")],
    }, public_key=None, private_key=None, client_id="mdb_sa_id", client_secret="mdb_sa_sk_SECRET")
    _atlas.find_project(client, project_name="llm-twin")
    _atlas.find_project(client, project_name="llm-twin")
    assert fake.methods().count(("POST", "/api/oauth/token")) == 1
    assert fake.calls[0]["body"] == "grant_type=client_credentials"
    assert fake.calls[1]["headers"]["Authorization"].startswith("Bearer eyJ")


def test_throttling_is_retried(monkeypatch):
    client, fake = client_with(monkeypatch, {("GET", "/groups/byName/llm-twin"): [(429, "rate_limited"), (200, "group")]})
    assert _atlas.find_project(client, project_name="llm-twin")["name"] == "llm-twin"
    assert len(fake.calls) == 2


def test_errors_carry_code_detail_and_a_hint(monkeypatch):
    client, _fake = client_with(monkeypatch, {("GET", "/groups/byName/llm-twin"): [(401, "unauthorized")]})
    with pytest.raises(ModuleError) as info:
        _atlas.find_project(client, project_name="llm-twin")
    assert str(info.value) == ("Failed to read project llm-twin: 401 UNAUTHORIZED: You are not authorized for this "
                               "resource. (check the API key or service account credentials)")


def test_throttling_that_outlasts_the_retries_is_reported(monkeypatch):
    client, fake = client_with(monkeypatch, {("GET", "/groups/byName/llm-twin"): [(429, "rate_limited")]},
                               api_timeout=1)
    monkeypatch.setattr(_http.time, "sleep", REAL_SLEEP)  # real backoff: about 2 s, a handful of calls
    with pytest.raises(ModuleError) as info:
        _atlas.find_project(client, project_name="llm-twin")
    assert str(info.value).startswith("Failed to read project llm-twin: 429 ") and len(fake.calls) > 1


def test_a_token_that_cannot_be_had_names_the_service_account(monkeypatch):
    client, fake = client_with(monkeypatch, {("POST", "/api/oauth/token"): [(401, {"error": "invalid_client"})]},
                               public_key=None, private_key=None, client_id="mdb_sa_id", client_secret="mdb_sa_sk_SECRET")
    with pytest.raises(ModuleError) as info:
        _atlas.find_project(client, project_name="llm-twin")
    assert str(info.value) == ("Failed to get an access token for service account mdb_sa_id: 401 invalid_client: "
                               "check client_id and client_secret")
    assert fake.methods() == [("POST", "/api/oauth/token")]


def test_credentials_must_be_a_complete_pair():
    assert _atlas.check_connection(PARAMS) is None
    with pytest.raises(ModuleError, match="client_id and client_secret"):
        _atlas.check_connection(dict(PARAMS, private_key=None))
    assert _atlas.check_connection(dict(PARAMS, public_key=None, private_key=None, client_id="a",
                                        client_secret="b")) is None
    with pytest.raises(ModuleError, match="api_timeout must be a positive number of seconds, got 0"):
        _atlas.check_connection(dict(PARAMS, api_timeout=0))


def test_a_retired_api_version_says_so(monkeypatch):
    client, _fake = client_with(monkeypatch, {("GET", "/groups/byName/llm-twin"): [
        (410, {"error": 410, "errorCode": "VERSION_GONE", "detail": "This version is no longer available."})]})
    with pytest.raises(ModuleError) as info:
        _atlas.find_project(client, project_name="llm-twin")
    assert "410 VERSION_GONE" in str(info.value) and "retired this API version" in str(info.value)
