"""Pure helpers of zenml_stack: option checks, connector and configuration comparison, diff views."""
import copy

import pytest

from ansible_collections.llmtwin.deploy.plugins.modules import zenml_stack as m

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
