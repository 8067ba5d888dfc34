"""Pure helpers of zenml_secret (in module_utils/_zenml_plan.py, shared with zenml_stack's `secrets`)."""
from ansible_collections.llmtwin.deploy.plugins.module_utils import _zenml_plan as m

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


def test_check_secret():
    assert m.check_secret(dict(BASE)) is None
    assert "values is required" in m.check_secret(dict(BASE, values=None))
    assert m.check_secret(dict(BASE, values=None, state="absent")) is None
    assert "name: expected" in m.check_secret(dict(BASE, name=" "))
    assert "key names" in m.check_secret(dict(BASE, values={" ": "x"}))
    # an item of zenml_stack's secrets: the message names the item
    assert m.check_secret(dict(BASE, values=None), "secrets[1].").startswith("secrets[1].values is required")
