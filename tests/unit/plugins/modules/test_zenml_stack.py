"""Pure helpers of zenml_stack (module_utils/_zenml_plan.py): option checks, connector, component and
configuration comparison, diff views, the list form."""
import copy

import pytest

from ansible_collections.llmtwin.deploy.plugins.module_utils import _zenml_plan as m

CONNECTOR = {"name": "aws", "type": "aws", "auth_method": "secret-key", "region": "us-east-1", "role_arn": None,
             "aws_access_key_id": "AKIA", "aws_secret_access_key": "SECRET", "aws_session_token": None,
             "endpoint_url": None, "verify": False}
PARAMS = {
    "name": "aws-stack", "state": "present", "activate": False, "store_url": None, "store_api_key": None,
    "aws_endpoint_url": None, "config_path": None, "timeout": 60, "connector": CONNECTOR,
    "components": {
        "artifact_store": {"name": "s3", "flavor": "s3", "configuration": {"path": "s3://b"}},
        "orchestrator": {"name": "sagemaker", "flavor": "sagemaker", "configuration": {"execution_role": "r"}},
    },
}


def params(**changes):
    p = copy.deepcopy(PARAMS)
    for key, value in changes.items():
        p[key] = value
    return p


def test_valid_params_pass():
    assert m.check_params(params()) is None


@pytest.mark.parametrize("change, message", [
    ({"name": " "}, "name: expected a non-empty stack name"),
    ({"components": {"orchestratr": {"name": "o", "flavor": "local"}}}, "unknown component type 'orchestratr'"),
    ({"components": {"orchestrator": {"name": "o"}, "artifact_store": {"name": "a", "flavor": "s3"}}},
     "components.orchestrator.flavor: expected a non-empty string"),
    ({"components": {"orchestrator": {"name": "o", "flavor": "local", "config": {}},
                     "artifact_store": {"name": "a", "flavor": "s3"}}}, "unknown keys config"),
    ({"components": {"orchestrator": {"name": "o", "flavor": "local", "configuration": []},
                     "artifact_store": {"name": "a", "flavor": "s3"}}}, "configuration: expected a dict"),
    ({"components": {"orchestrator": {"name": "o", "flavor": "local", "connector": "yes"},
                     "artifact_store": {"name": "a", "flavor": "s3"}}}, "connector: expected true or false"),
    ({"components": {"artifact_store": {"name": "a", "flavor": "s3"}}}, "needs at least an orchestrator"),
    ({"aws_endpoint_url": "127.0.0.1:5005"}, "aws_endpoint_url: expected an http"),
])
def test_bad_params_named(change, message):
    assert message in m.check_params(params(**change))


def test_connector_key_rules():
    conn = dict(CONNECTOR, aws_secret_access_key=None)
    assert "must be given together" in m.check_params(params(connector=conn))
    conn = dict(CONNECTOR, aws_access_key_id=None, aws_secret_access_key=None)
    assert "required with auth_method secret-key" in m.check_params(params(connector=conn))
    assert m.check_params(params(connector=dict(conn, auth_method="implicit"))) is None
    assert "role_arn is required" in m.check_params(params(connector=dict(CONNECTOR, auth_method="iam-role")))
    assert "region is required" in m.check_params(params(connector=dict(CONNECTOR, region=None)))
    # absent needs no credentials
    assert m.check_params(params(state="absent", connector=dict(conn, region=None))) is None


def test_desired_connector_leaves_out_unset_keys():
    desired = m.desired_connector(CONNECTOR)
    assert desired["configuration"] == {"region": "us-east-1", "aws_access_key_id": "AKIA",
                                        "aws_secret_access_key": "SECRET"}


ALL = ["aws-generic", "s3-bucket", "kubernetes-cluster", "docker-registry"]


def stored(**changes):
    base = {"name": "aws", "type": "aws", "auth_method": "secret-key", "resource_types": list(ALL),
            "resource_id": None, "configuration": {"region": "us-east-1", "aws_access_key_id": "AKIA",
                                                   "aws_secret_access_key": "SECRET"}}
    base.update(changes)
    return base


def test_connector_changes():
    desired = m.desired_connector(CONNECTOR)
    assert m.connector_changes(stored(), desired, ALL) == []
    assert m.connector_changes(stored(auth_method="iam-role"), desired, ALL) == ["auth_method"]
    changed = stored(configuration=dict(stored()["configuration"], aws_secret_access_key="OLD", endpoint_url="x"))
    assert m.connector_changes(changed, desired, ALL) == ["aws_secret_access_key", "endpoint_url"]
    assert m.connector_changes(stored(resource_types=["s3-bucket"]), desired, ALL) == ["resource_types"]
    assert m.connector_changes(stored(resource_id="b"), desired, ALL) == ["resource_types"]


def test_connector_views_never_show_secrets():
    desired = m.desired_connector(CONNECTOR)
    before = m.connector_view(stored(configuration=dict(stored()["configuration"], aws_secret_access_key="OLD")))
    after = m.connector_after_view(stored(configuration=dict(stored()["configuration"],
                                                             aws_secret_access_key="OLD")), desired)
    text = repr(before) + repr(after)
    assert "SECRET" not in text and "OLD" not in text and "AKIA" not in text
    assert after["configuration"]["aws_secret_access_key"] == "<changed>"
    assert after["configuration"]["aws_access_key_id"] == "<hidden>"
    assert m.connector_after_view(None, desired)["configuration"]["aws_secret_access_key"] == "<changed>"


def test_config_update_unsets_extra_keys_and_ignores_equal_ones():
    changed, payload = m.config_update({"synchronous": True, "instance_type": "x", "extra": 1},
                                       {"synchronous": False, "instance_type": "x"})
    assert changed == ["extra", "synchronous"]
    assert payload == {"synchronous": False, "instance_type": "x", "extra": None}
    assert m.config_update({"a": 1}, {"a": 1}) == ([], {"a": 1})


def test_ordered_types_put_required_components_first():
    assert m.ordered_types(["step_operator", "container_registry", "artifact_store", "orchestrator", "alerter"]) == [
        "orchestrator", "artifact_store", "container_registry", "step_operator", "alerter"]


def test_unset_components_and_configuration_values_are_left_out():
    components = {"orchestrator": {"name": "o", "flavor": "sagemaker",
                                   "configuration": {"execution_role": "r", "instance_type": None}},
                  "artifact_store": {"name": "a", "flavor": "s3"}, "step_operator": None}
    assert m.check_params(params(components=components)) is None
    wanted = m.wanted_components(components)
    assert sorted(wanted) == ["artifact_store", "orchestrator"]
    assert wanted["orchestrator"]["configuration"] == {"execution_role": "r"}
    assert wanted["artifact_store"] == {"name": "a", "flavor": "s3", "configuration": {}, "connector": True}


def test_auth_method_needed_only_to_create():
    conn = dict(CONNECTOR, auth_method=None)
    assert "auth_method is required" in m.check_params(params(connector=conn))
    assert m.check_params(params(connector=conn, state="absent")) is None


# ---- the list form: several stacks (and secrets) in one call

LOCAL = {"name": "local-pipelines", "state": None, "activate": False, "connector": None,
         "components": {"artifact_store": {"name": "s3", "flavor": "s3", "configuration": {"path": "s3://b"}},
                        "orchestrator": {"name": "local-pipelines", "flavor": "local"}}}


def listed(*stacks, **changes):
    p = params(name=None, connector=None, components=None, stacks=[copy.deepcopy(s) for s in stacks], secrets=None)
    p.update(changes)
    return p


def test_list_form_items_inherit_state_and_name_their_place():
    aws = dict(PARAMS, state=None, where=None)
    del aws["where"]
    p = listed({k: aws[k] for k in ("name", "state", "activate", "connector", "components")}, LOCAL)
    assert m.check_params(p) is None
    items = m.stack_items(dict(p, state="absent"))
    assert [(i["name"], i["state"], i["where"]) for i in items] == [
        ("aws-stack", "absent", "stacks[0]."), ("local-pipelines", "absent", "stacks[1].")]
    assert m.stack_items(params())[0]["where"] == ""
    broken = dict(LOCAL, components={"artifact_store": {"name": "s3", "flavor": "s3"}})
    assert m.check_params(listed(LOCAL, broken)).startswith("stacks[1].components: a stack needs")
    assert m.check_params(listed(LOCAL, dict(LOCAL, name=" "))).startswith("stacks[1].name: expected")
    assert "stacks[0].connector.region is required" in m.check_params(listed(dict(LOCAL, connector=dict(CONNECTOR, region=None))))


def test_a_shared_component_must_be_declared_the_same():
    other = dict(LOCAL, name="other", components=dict(LOCAL["components"], artifact_store={
        "name": "s3", "flavor": "s3", "configuration": {"path": "s3://elsewhere"}}))
    message = m.check_params(listed(LOCAL, other))
    assert message.startswith("stacks[1].components.artifact_store: component s3 is declared differently in "
                              "stacks[0].components.artifact_store")
    # the same declaration (unset values left out) is fine
    same = dict(LOCAL, name="same", components=dict(LOCAL["components"], step_operator=None))
    assert m.check_params(listed(LOCAL, same)) is None


def test_activate_belongs_to_an_item_in_the_list_form():
    assert m.check_params(listed(LOCAL, activate=True)).startswith("activate: with stacks")


def test_secret_items_are_checked_and_inherit_state():
    p = listed(LOCAL, secrets=[{"name": "settings", "state": None, "values": None, "purge": True, "keep": [],
                                "private": False}])
    assert m.check_params(p) == "secrets[0].values is required with state=present"
    assert m.check_params(dict(p, state="absent")) is None
    assert m.secret_items(dict(p, state="absent"))[0]["state"] == "absent"
    # secrets alone: no stack at all
    assert m.stack_items(dict(p, stacks=None)) == []


# ---- one component: create, replace, update or nothing

STORED = {"id": "c1", "name": "s3", "flavor": "s3", "configuration": {"path": "s3://b"},
          "connector_id": "k1", "connector_name": "aws", "connector_resource_id": "s3://b"}


def desired(**changes):
    base = {"name": "s3", "flavor": "s3", "configuration": {"path": "s3://b"}, "link": ("k1", "s3://b"),
            "keep_link": True}
    base.update(changes)
    return base


def test_plan_component():
    assert m.plan_component(None, desired()) == {"verb": "create", "detail": "flavor s3"}
    assert m.plan_component(STORED, desired()) == {"verb": None, "detail": None}
    assert m.plan_component(STORED, desired(flavor="local"))["detail"] == "flavor s3 -> local"
    assert m.plan_component(STORED, desired(flavor="local"))["verb"] == "replace"
    plan = m.plan_component(STORED, desired(configuration={"path": "s3://c"}, link=("k1", "s3://c")))
    assert plan["verb"] == "update" and plan["detail"] == "configuration path; connector link"
    assert plan["payload"] == {"path": "s3://c"} and plan["relink"] and not plan["unlink"]
    # a connector only planned (check mode) means the link will be made
    assert m.plan_component(STORED, desired(link=(None, "s3://b")))["detail"] == "connector link"
    # connector: false unlinks; no connector given (link None, keep_link true) leaves the link alone
    assert m.plan_component(STORED, desired(link=None, keep_link=False))["detail"] == "connector unlinked"
    assert m.plan_component(STORED, desired(link=None))["verb"] is None


def test_stack_view():
    stored = {"id": "s", "name": "aws-stack", "components": {"orchestrator": [{"id": 1, "name": "sagemaker"}]}}
    assert m.stack_view(stored) == {"name": "aws-stack", "components": {"orchestrator": ["sagemaker"]}}
