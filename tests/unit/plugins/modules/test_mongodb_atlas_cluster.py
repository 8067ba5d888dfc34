"""mongodb_atlas_cluster against hand-written Admin API v2 fixtures (validated against the spec by test_fixture_definitions) (tests/unit/fixtures/atlas).

Atlas cannot run locally: these runs replace AtlasClient.send with the fixtures and drive main().
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.llmtwin.deploy.plugins.module_utils import _atlas, _http
from ansible_collections.llmtwin.deploy.plugins.modules import mongodb_atlas_cluster

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fixtures" / "atlas"))
from atlas_fake import FakeAtlas, fixture  # noqa: E402  (fixtures checked against the Admin API v2 spec)

GROUP = "/groups/65a1b2c3d4e5f6a7b8c9d0e1"
FLEX = GROUP + "/flexClusters/twin"
AUTH = dict(public_key="pub", private_key="priv-SECRET")


def run(monkeypatch, capsys, routes, check_mode=False, diff=False, **args):
    fake = FakeAtlas(routes)
    monkeypatch.setattr(_atlas.AtlasClient, "send", fake.send)
    monkeypatch.setattr(_http.time, "sleep", lambda s: None)
    module_args = dict(AUTH, name="twin", **args)
    if check_mode:
        module_args["_ansible_check_mode"] = True
    if diff:
        module_args["_ansible_diff"] = True
    with patch_module_args(module_args), pytest.raises(SystemExit):
        mongodb_atlas_cluster.main()
    result = json.loads(capsys.readouterr().out)
    assert "priv-SECRET" not in json.dumps(result)
    return result, fake


def test_creates_project_and_flex_cluster_then_waits_for_idle(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {
        ("GET", "/groups/byName/llm-twin"): [(404, "group_not_found")],
        ("POST", "/groups"): [(200, "group")],
        ("GET", FLEX): [(404, "flex_cluster_not_found"), (200, "flex_cluster_creating"), (200, "flex_cluster_idle")],
        ("POST", GROUP + "/flexClusters"): [(201, "flex_cluster_creating")],
    }, project_name="llm-twin", org_id="5f1b2c3d4e5f6a7b8c9d0e1f", diff=True)
    assert result["changed"] is True
    assert result["actions"] == ["create project llm-twin", "create cluster twin: FLEX, AWS US_EAST_1"]
    assert result["resources"] == ["project llm-twin", "cluster twin"]
    assert result["diff"]["before"]["exists"] is False and result["diff"]["after"]["state_name"] == "IDLE"
    assert result["cluster"]["state_name"] == "IDLE"
    assert result["cluster"]["connection_string_srv"] == "mongodb+srv://twin.abcde.mongodb.net"
    assert result["project"]["id"] == "65a1b2c3d4e5f6a7b8c9d0e1"
    create = [c for c in fake.calls if c["method"] == "POST" and c["path"].endswith("flexClusters")][0]
    assert create["headers"]["Accept"] == "application/vnd.atlas.2024-11-13+json"
    assert create["body"] == fixture("request_create_flex_cluster")
    assert fake.calls[1]["body"] == fixture("request_create_group")


def test_idle_cluster_is_unchanged_with_one_read_each(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {
        ("GET", "/groups/byName/llm-twin"): [(200, "group")],
        ("GET", FLEX): [(200, "flex_cluster_idle")],
    }, project_name="llm-twin")
    assert result["changed"] is False and result["actions"] == [] and "diff" not in result
    assert result["resources"] == ["project llm-twin", "cluster twin"]
    assert fake.methods() == [("GET", "/groups/byName/llm-twin"), ("GET", FLEX)]


def test_check_mode_reports_and_creates_nothing(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {
        ("GET", "/groups/byName/llm-twin"): [(404, "group_not_found")],
    }, check_mode=True, project_name="llm-twin", org_id="5f1b2c3d4e5f6a7b8c9d0e1f")
    assert result["changed"] is True and result["cluster"]["exists"] is True
    assert result["actions"] == ["create project llm-twin", "create cluster twin: FLEX, AWS US_EAST_1"]
    assert result["project"] == {"id": None, "name": "llm-twin", "org_id": "5f1b2c3d4e5f6a7b8c9d0e1f"}
    assert [c["method"] for c in fake.calls] == ["GET"]


def test_missing_project_without_org_is_one_clear_error(monkeypatch, capsys):
    result, _fake = run(monkeypatch, capsys, {("GET", "/groups/byName/llm-twin"): [(404, "group_not_found")]},
                        project_name="llm-twin")
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"] == "Failed to find project llm-twin: it does not exist; set org_id to create it"


def test_region_cannot_move(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {
        ("GET", "/groups/byName/llm-twin"): [(200, "group")],
        ("GET", FLEX): [(200, "flex_cluster_idle")],
    }, project_name="llm-twin", region="EU_WEST_1")
    assert result["failed"] is True and "region cannot change in place" in result["msg"]
    assert all(c["method"] == "GET" for c in fake.calls)


def test_m0_uses_the_clusters_api_with_a_tenant_region_config(monkeypatch, capsys):
    path = GROUP + "/clusters/twin"
    result, fake = run(monkeypatch, capsys, {
        ("GET", GROUP): [(200, "group")],
        ("GET", path): [(404, {"error": 404, "errorCode": "CLUSTER_NOT_FOUND", "detail": "No cluster named twin",
                               "parameters": ["twin"], "reason": "Not Found"}),
                        (200, "m0_cluster_idle")],
        ("POST", GROUP + "/clusters"): [(201, "m0_cluster_idle")],
    }, project_id="65a1b2c3d4e5f6a7b8c9d0e1", tier="M0")
    assert result["changed"] is True and result["cluster"]["tier"] == "M0"
    create = [c for c in fake.calls if c["method"] == "POST"][0]
    # 2024-08-05 is deprecated for POST/PATCH: the spec's current version is 2024-10-23; reads stay 2024-08-05
    assert create["headers"]["Accept"] == create["headers"]["Content-Type"] == "application/vnd.atlas.2024-10-23+json"
    assert [c["headers"]["Accept"] for c in fake.calls if c["method"] == "GET" and c["path"] == path] == [
        "application/vnd.atlas.2024-08-05+json"] * 2
    assert create["body"] == fixture("request_create_m0_cluster")


def test_wait_times_out_with_the_last_state(monkeypatch, capsys):
    result, _fake = run(monkeypatch, capsys, {
        ("GET", "/groups/byName/llm-twin"): [(200, "group")],
        ("GET", FLEX): [(404, "flex_cluster_not_found"), (200, "flex_cluster_creating")],
        ("POST", GROUP + "/flexClusters"): [(201, "flex_cluster_creating")],
    }, project_name="llm-twin", wait_timeout=0)
    assert result["failed"] is True and "not IDLE after 0s (state CREATING)" in result["msg"]
    # the cluster was created before the wait failed: the failure says so
    assert result["changed"] is True and result["actions"] == ["create cluster twin: FLEX, AWS US_EAST_1"]


def test_delete_waits_until_gone_and_absent_again_is_unchanged(monkeypatch, capsys):
    routes = {("GET", "/groups/byName/llm-twin"): [(200, "group")],
              ("GET", FLEX): [(200, "flex_cluster_idle"), (404, "flex_cluster_not_found")],
              ("DELETE", FLEX): [(202, None)]}
    result, fake = run(monkeypatch, capsys, routes, project_name="llm-twin", state="absent")
    assert result["changed"] is True and ("DELETE", FLEX) in fake.methods()
    assert result["actions"] == ["delete cluster twin"] and result["cluster"]["exists"] is False
    result, _fake = run(monkeypatch, capsys, {("GET", "/groups/byName/llm-twin"): [(200, "group")],
                                              ("GET", FLEX): [(404, "flex_cluster_not_found")]},
                        project_name="llm-twin", state="absent")
    assert result["changed"] is False


def test_bad_credentials_fail_before_any_call(monkeypatch, capsys):
    fake = FakeAtlas({})
    monkeypatch.setattr(_atlas.AtlasClient, "send", fake.send)
    monkeypatch.delenv("MONGODB_ATLAS_PRIVATE_KEY", raising=False)
    with patch_module_args(dict(name="twin", project_name="p", public_key="pub")), pytest.raises(SystemExit):
        mongodb_atlas_cluster.main()
    result = json.loads(capsys.readouterr().out)
    assert "Atlas credentials are missing" in result["msg"] and fake.calls == []


def test_api_errors_are_translated(monkeypatch, capsys):
    result, _fake = run(monkeypatch, capsys, {("GET", "/groups/byName/llm-twin"): [(401, "unauthorized")]},
                        project_name="llm-twin")
    assert result["msg"].startswith("Failed to read project llm-twin: 401 UNAUTHORIZED")


def test_m0_delete_uses_the_only_version_the_spec_has(monkeypatch, capsys):
    path = GROUP + "/clusters/twin"
    result, fake = run(monkeypatch, capsys, {
        ("GET", GROUP): [(200, "group")],
        ("GET", path): [(200, "m0_cluster_idle"), (404, {"error": 404, "errorCode": "CLUSTER_NOT_FOUND"})],
        ("DELETE", path): [(202, None)],
    }, project_id="65a1b2c3d4e5f6a7b8c9d0e1", tier="M0", state="absent")
    assert result["changed"] is True
    delete = [c for c in fake.calls if c["method"] == "DELETE"][0]
    assert delete["headers"]["Accept"] == "application/vnd.atlas.2023-02-01+json"


def test_termination_protection_is_patched_with_the_spec_body(monkeypatch, capsys):
    result, fake = run(monkeypatch, capsys, {
        ("GET", "/groups/byName/llm-twin"): [(200, "group")],
        ("GET", FLEX): [(200, "flex_cluster_idle")],
        ("PATCH", FLEX): [(200, "flex_cluster_idle")],
    }, project_name="llm-twin", termination_protection=True, wait=False)
    assert result["actions"] == ["update cluster twin: termination_protection False -> True"]
    assert [c["body"] for c in fake.calls if c["method"] == "PATCH"] == [fixture("request_update_flex_cluster")]


@pytest.mark.parametrize("answer", [
    {"error": 404, "errorCode": "GROUP_NOT_FOUND", "detail": "No group with ID 65a1b2c3d4e5f6a7b8c9d0e1 exists."},
    {"error": 404, "errorCode": "RESOURCE_NOT_FOUND", "detail": "Cannot find resource /api/atlas/v2/groups/x."},
    None,
])
def test_a_404_that_is_not_the_cluster_missing_is_an_error(monkeypatch, capsys, answer):
    """Only CLUSTER_NOT_FOUND / FLEX_CLUSTER_NOT_FOUND mean "no such cluster": a missing project, an
    unknown path or a bare 404 (a proxy, a wrong api_base_url) must not read as "create it"."""
    result, fake = run(monkeypatch, capsys, {
        ("GET", "/groups/byName/llm-twin"): [(200, "group")],
        ("GET", FLEX): [(404, answer)],
    }, project_name="llm-twin")
    assert result["failed"] is True and result["msg"].startswith("Failed to read cluster twin: 404")
    assert all(c["method"] == "GET" for c in fake.calls)


def test_atlas_absent_in_check_mode_predicts_the_delete_and_touches_nothing(monkeypatch, capsys):
    routes = {("GET", "/groups/byName/llm-twin"): [(200, "group")], ("GET", FLEX): [(200, "flex_cluster_idle")]}
    result, fake = run(monkeypatch, capsys, routes, check_mode=True, project_name="llm-twin", state="absent")
    assert result["changed"] is True and result["actions"] == ["delete cluster twin"]
    assert result["cluster"]["exists"] is False and all(c["method"] == "GET" for c in fake.calls)
    result, fake = run(monkeypatch, capsys, {("GET", "/groups/byName/llm-twin"): [(404, "group_not_found")]},
                       check_mode=True, project_name="llm-twin", state="absent")
    assert result["changed"] is False and fake.methods() == [("GET", "/groups/byName/llm-twin")]
