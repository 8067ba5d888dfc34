"""Pure helpers of zenml_secret."""
from ansible_collections.llmtwin.deploy.plugins.modules import zenml_secret as m

BASE = {"name": "settings", "state": "present", "values": {"A": "1"}, "purge": True, "private": False,
        "store_url": None, "store_api_key": None, "aws_endpoint_url": None, "config_path": None, "timeout": 60}


def test_desired_values_leave_out_unset():
    assert m.desired_values({"A": None, "B": "", "C": False, "D": 6333, "E": "x", "F": "None"}) == {
        "C": "false", "D": "6333", "E": "x"}
    assert m.desired_values(None) == {}


def test_plan_only_changes_differing_values():
    current = {"A": "1", "B": "2", "OLD": "x"}
    add, remove, final = m.plan_secret(current, {"A": "1", "B": "3", "C": "4"}, purge=True)
    assert add == {"B": "3", "C": "4"} and remove == ["OLD"]
    assert final == {"A": "1", "B": "3", "C": "4"}
    add, remove, final = m.plan_secret(current, {"A": "1"}, purge=False)
    assert add == {} and remove == [] and final == current
    assert m.plan_secret(current, dict(current), purge=True)[:2] == ({}, [])


def test_check_params():
    assert m.check_params(dict(BASE)) is None
    assert "values is required" in m.check_params(dict(BASE, values=None))
    assert m.check_params(dict(BASE, values=None, state="absent")) is None
    assert "name: expected" in m.check_params(dict(BASE, name=" "))
    assert "key names" in m.check_params(dict(BASE, values={" ": "x"}))
