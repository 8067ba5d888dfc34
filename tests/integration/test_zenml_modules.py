"""llmtwin.deploy.zenml_stack and zenml_secret against a real ZenML store and the local moto server.

Every test uses its own ZENML_CONFIG_PATH under tmp_path (the shared store in .local-stack/zenml
belongs to the aws_zenml role), drives the modules through real playbooks, and checks the result
independently with ZenML's Client in a separate script (ZenML refuses `python -c`).
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SECRET_KEY = "zsk-" + uuid.uuid4().hex  # a made-up AWS secret key that must never be printed
ROLE = "arn:aws:iam::123456789012:role/zenml-test"
REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"

QUERY = r'''
import json, os, sys
from zenml.client import Client
c = Client()
out = {"stacks": {}, "components": {}, "connectors": {}, "secrets": {}}
for s in c.list_stacks(size=100, hydrate=True).items:
    out["stacks"][s.name] = {"id": str(s.id), "components": {t.value: [x.name for x in v] for t, v in s.components.items()}}
out["active"] = c.active_stack_model.name
for comp in c.list_stack_components(size=100, hydrate=True).items:
    out["components"]["%s/%s" % (comp.type.value, comp.name)] = {
        "flavor": comp.flavor_name, "configuration": comp.configuration,
        "connector": comp.connector.name if comp.connector else None,
        "connector_resource_id": comp.connector_resource_id}
for conn in c.list_service_connectors(size=100, hydrate=True, expand_secrets=True).items:
    out["connectors"][conn.name] = {"auth_method": conn.auth_method,
                                    "configuration": conn.configuration.plain}
for sec in c.list_secrets(size=100).items:
    out["secrets"][sec.name] = c.get_secret(sec.id).secret_values
print("@@" + json.dumps(out, default=str))
'''

EDIT = r'''
import json, sys
from zenml.client import Client
from zenml.enums import StackComponentType as T
c = Client()
for ctype, name, config in json.loads(sys.argv[1]):
    c.update_stack_component(name, T(ctype), configuration=config)
'''


@pytest.fixture()
def zenv(tmp_path, stack):
    """Environment of a private ZenML store (the dummy AWS keys are moto's): a throwaway SQLite folder,
    so tests of the module's own logic cannot disturb each other; the roles' tests use the server."""
    env = stack.env()
    env.pop("ZENML_STORE_URL")
    env.pop("ZENML_STORE_API_KEY")
    env["ZENML_CONFIG_PATH"] = str(tmp_path / "zenml")
    return env


def zenml_script(env, tmp_path, code, *args):
    script = tmp_path / ("q%s.py" % uuid.uuid4().hex[:6])
    script.write_text(code)
    proc = subprocess.run([sys.executable, str(script), *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def query(env, tmp_path):
    out = zenml_script(env, tmp_path, QUERY)
    return json.loads(out.split("@@", 1)[1])


def write_playbook(tmp_path, tasks):
    """A playbook on the local inventory's localhost (JSON is YAML)."""
    path = tmp_path / ("play-%s.yml" % uuid.uuid4().hex[:6])
    path.write_text(json.dumps([{"name": "zenml test", "hosts": "localhost", "gather_facts": False,
                                 "tasks": tasks}], indent=1))
    return path


def stack_args(env, state="present", orchestrator_flavor="sagemaker", synchronous=False, verify=False,
               endpoint=None, timeout=60, **extra):
    orchestrator = {"name": "sagemaker", "flavor": orchestrator_flavor, "configuration": {}}
    if orchestrator_flavor == "sagemaker":
        orchestrator["configuration"] = {"execution_role": ROLE, "synchronous": synchronous}
    args = {
        "name": "aws-stack", "state": state, "activate": True, "config_path": env["ZENML_CONFIG_PATH"],
        "aws_endpoint_url": endpoint or env["AWS_ENDPOINT_URL"], "timeout": timeout,
        "connector": {"name": "aws", "auth_method": "secret-key", "region": "us-east-1",
                      "aws_access_key_id": "testing", "aws_secret_access_key": SECRET_KEY, "verify": verify},
        "components": {
            "artifact_store": {"name": "s3", "flavor": "s3", "configuration": {"path": "s3://zenml-test-bucket"}},
            "container_registry": {"name": "aws", "flavor": "aws",
                                   "configuration": {"uri": REGISTRY, "default_repository": "llm-twin"}},
            "orchestrator": orchestrator,
        },
    }
    args.update(extra)
    return args


def run_stack(playbook, tmp_path, env, *flags, **kwargs):
    path = write_playbook(tmp_path, [{"name": "stack", "llmtwin.deploy.zenml_stack": stack_args(env, **kwargs),
                                      "register": "result"},
                                     {"name": "show", "ansible.builtin.debug": {"var": "result"}}])
    started = time.monotonic()
    run = playbook(path, *flags, env=env, timeout=300)
    run.seconds = time.monotonic() - started
    return run


def test_stack_four_steps_drift_replace_and_absent(playbook, tmp_path, zenv):
    # 1. check mode on an empty store: reports the plan, creates nothing
    run = run_stack(playbook, tmp_path, zenv, "--check", "--diff")
    assert run.failed == 0 and run.changed == 1, run
    state = query(zenv, tmp_path)
    assert "aws-stack" not in state["stacks"] and not state["connectors"], state
    assert not [k for k in state["components"] if not k.endswith("/default")], state

    # 2. real run
    run = run_stack(playbook, tmp_path, zenv)
    assert run.failed == 0 and run.changed == 1, run
    print("fresh converge (incl. store init): %.1f s" % run.seconds)
    state = query(zenv, tmp_path)
    assert state["stacks"]["aws-stack"]["components"] == {
        "artifact_store": ["s3"], "container_registry": ["aws"], "orchestrator": ["sagemaker"]}
    assert state["active"] == "aws-stack"
    assert state["connectors"]["aws"]["auth_method"] == "secret-key"
    assert state["connectors"]["aws"]["configuration"]["aws_secret_access_key"] == SECRET_KEY
    orch = state["components"]["orchestrator/sagemaker"]
    assert orch["flavor"] == "sagemaker" and orch["connector"] == "aws"
    assert orch["configuration"]["execution_role"] == ROLE and orch["configuration"]["synchronous"] is False
    assert state["components"]["artifact_store/s3"]["connector_resource_id"] == "s3://zenml-test-bucket"
    assert state["components"]["container_registry/aws"]["connector_resource_id"] == REGISTRY
    assert SECRET_KEY not in json.dumps(state["components"])

    # 3./4. check mode again and real again: nothing to do
    run = run_stack(playbook, tmp_path, zenv, "--check")
    assert run.failed == 0 and run.changed == 0, run
    run = run_stack(playbook, tmp_path, zenv)
    assert run.failed == 0 and run.changed == 0, run
    print("converge with nothing to change: %.1f s" % run.seconds)

    # drift: a component's configuration edited by hand (a changed value and an extra key)
    zenml_script(zenv, tmp_path, EDIT, json.dumps([["orchestrator", "sagemaker",
                                                    {"synchronous": True, "instance_type": "ml.t3.medium"}]]))
    run = run_stack(playbook, tmp_path, zenv, "--check", "--diff")
    assert run.failed == 0 and run.changed == 1, run
    assert "update orchestrator sagemaker: configuration instance_type, synchronous" in run.stdout, run
    assert query(zenv, tmp_path)["components"]["orchestrator/sagemaker"]["configuration"]["synchronous"] is True
    run = run_stack(playbook, tmp_path, zenv)
    assert run.failed == 0 and run.changed == 1, run
    config = query(zenv, tmp_path)["components"]["orchestrator/sagemaker"]["configuration"]
    assert config["synchronous"] is False and config["instance_type"] == "ml.m5.xlarge", config
    run = run_stack(playbook, tmp_path, zenv)
    assert run.changed == 0, run

    # a changed flavor replaces the component (the stack keeps working throughout)
    run = run_stack(playbook, tmp_path, zenv, orchestrator_flavor="local")
    assert run.failed == 0 and run.changed == 1, run
    state = query(zenv, tmp_path)
    assert state["components"]["orchestrator/sagemaker"]["flavor"] == "local"
    assert not [k for k in state["components"] if "replaced" in k], state
    run = run_stack(playbook, tmp_path, zenv)
    assert run.failed == 0 and run.changed == 1, run
    assert query(zenv, tmp_path)["components"]["orchestrator/sagemaker"]["flavor"] == "sagemaker"

    # state=absent: check mode deletes nothing; the real run deletes stack, components, connector
    run = run_stack(playbook, tmp_path, zenv, "--check", state="absent")
    assert run.failed == 0 and run.changed == 1, run
    assert "aws-stack" in query(zenv, tmp_path)["stacks"]
    run = run_stack(playbook, tmp_path, zenv, state="absent")
    assert run.failed == 0 and run.changed == 1, run
    state = query(zenv, tmp_path)
    assert "aws-stack" not in state["stacks"] and not state["connectors"], state
    assert all(k.endswith("/default") for k in state["components"]), state
    assert state["active"] == "default"
    run = run_stack(playbook, tmp_path, zenv, state="absent")
    assert run.failed == 0 and run.changed == 0, run


def test_stack_verify_against_moto_and_no_secret_in_vvv(playbook, tmp_path, zenv):
    run = run_stack(playbook, tmp_path, zenv, "-vvv", "--diff", verify=True)
    assert run.failed == 0 and run.changed == 1, run
    run2 = run_stack(playbook, tmp_path, zenv, "-vvv", "--diff", verify=True)
    assert run2.failed == 0 and run2.changed == 0, run2
    for output in (run.stdout + run.stderr, run2.stdout + run2.stderr):
        assert SECRET_KEY not in output
        assert "aws_secret_access_key" in output  # the key name is there, masked
    printed = zenml_script(zenv, tmp_path, "from zenml.cli.cli import cli\ncli()\n", "stack", "describe", "aws-stack")
    assert SECRET_KEY not in printed


def _bad(playbook, tmp_path, zenv, limit, **kwargs):
    started = time.monotonic()
    run = run_stack(playbook, tmp_path, zenv, **kwargs)
    elapsed = time.monotonic() - started
    assert run.failed == 1, run
    assert "Traceback" not in run.stdout + run.stderr, run
    assert SECRET_KEY not in run.stdout + run.stderr
    assert elapsed < limit, "took %.1f s" % elapsed
    return run


def test_unknown_flavor_fails_with_one_message(playbook, tmp_path, zenv):
    args = stack_args(zenv)
    args["components"]["orchestrator"] = {"name": "o", "flavor": "no-such-flavor"}
    run = _bad(playbook, tmp_path, zenv, 60, components=args["components"])
    assert "components.orchestrator.flavor: unknown ZenML flavor 'no-such-flavor' for orchestrator" in run.stdout
    assert "sagemaker" in run.stdout  # the available flavors are listed


def test_bad_component_type_fails_before_importing_zenml(playbook, tmp_path, zenv):
    args = stack_args(zenv)
    args["components"]["orchestratr"] = args["components"].pop("orchestrator")
    run = _bad(playbook, tmp_path, zenv, 15, components=args["components"])
    assert "components: unknown component type 'orchestratr'" in run.stdout


def test_unreachable_endpoint_with_verify_fails_fast(playbook, tmp_path, zenv):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = _bad(playbook, tmp_path, zenv, 60, verify=True, endpoint="http://127.0.0.1:%d" % port)
    assert "Failed to verify connector aws: AWS endpoint http://127.0.0.1:%d is not reachable" % port in run.stdout
    assert "aws-stack" not in query(zenv, tmp_path)["stacks"]


def test_silent_endpoint_with_verify_hits_the_timeout(playbook, tmp_path, zenv, silent_endpoint):
    """An endpoint that accepts connections and never answers: the module's deadline ends it."""
    run = _bad(playbook, tmp_path, zenv, 60, verify=True, timeout=15, endpoint=silent_endpoint)
    assert "Failed to reconcile stack aws-stack: no answer within 15 s (timeout)" in run.stdout, run


def list_args(env, state="present"):
    """aws-stack and a local stack that shares its connector-linked components, plus a secret."""
    aws = stack_args(env)
    local = {"name": "local-test", "components": dict(aws["components"], orchestrator={"name": "local-test",
                                                                                       "flavor": "local"})}
    items = [{k: aws[k] for k in ("name", "connector", "components")}, local]
    if state == "absent":  # the local stack and its own orchestrator first, then aws-stack with the rest
        items = [dict(local, components={"orchestrator": local["components"]["orchestrator"]}), items[0]]
    # a fresh SQLite store initializes in the first call: slow on a loaded machine
    return {"state": state, "config_path": env["ZENML_CONFIG_PATH"], "aws_endpoint_url": env["AWS_ENDPOINT_URL"],
            "timeout": 120,
            "stacks": items,
            "secrets": [{"name": "settings-list", "values": {"DATABASE_HOST": "mongodb://app:%s@h" % SECRET_KEY,
                                                             "DATABASE_NAME": "twin", "UNSET": None}}]}


def run_list(playbook, tmp_path, env, *flags, state="present"):
    path = write_playbook(tmp_path, [{"name": "stacks", "llmtwin.deploy.zenml_stack": list_args(env, state),
                                      "register": "result"},
                                     {"name": "show", "ansible.builtin.debug": {"var": "result"}}])
    return playbook(path, *flags, env=env, timeout=300)


def result_of(run):
    """The registered result the debug task printed (JSON is in the default callback's output)."""
    text = run.stdout[run.stdout.index('"result": {'):]
    return json.JSONDecoder().raw_decode(text[len('"result": '):])[0]


def test_stacks_list_form_shares_components_and_carries_the_secret(playbook, tmp_path, zenv):
    run = run_list(playbook, tmp_path, zenv, "--check", "--diff")
    assert run.failed == 0 and run.changed == 1, run
    result = result_of(run)
    # shared components are planned once, the stacks and the secret each once, in the contract's grammar
    assert result["actions"] == [
        "create connector aws", "create orchestrator sagemaker: flavor sagemaker", "create artifact_store s3: flavor s3",
        "create container_registry aws: flavor aws", "create stack aws-stack",
        "create orchestrator local-test: flavor local", "create stack local-test", "create secret settings-list"], result
    assert "stack local-test" in result["resources"] and result["resources"].count("artifact_store s3") == 1
    assert query(zenv, tmp_path)["stacks"].keys() == {"default"}
    assert SECRET_KEY not in run.stdout + run.stderr

    run = run_list(playbook, tmp_path, zenv)
    assert run.failed == 0 and run.changed == 1, run
    state = query(zenv, tmp_path)
    assert state["stacks"]["local-test"]["components"] == {
        "artifact_store": ["s3"], "container_registry": ["aws"], "orchestrator": ["local-test"]}
    assert state["components"]["artifact_store/s3"]["connector"] == "aws"
    assert state["secrets"]["settings-list"] == {"DATABASE_HOST": "mongodb://app:%s@h" % SECRET_KEY,
                                                 "DATABASE_NAME": "twin"}
    result = result_of(run)
    assert [s["name"] for s in result["stacks"]] == ["aws-stack", "local-test"] and result["stack"]["name"] == "aws-stack"
    assert result["secrets"][0]["keys"] == ["DATABASE_HOST", "DATABASE_NAME"] and result["connector"]["name"] == "aws"
    for flags in (("--check",), ()):
        run = run_list(playbook, tmp_path, zenv, *flags)
        assert run.failed == 0 and run.changed == 0, run
        assert result_of(run)["actions"] == []

    # absent in one call: the check-mode plan already counts the local stack as gone, so nothing is "still used"
    run = run_list(playbook, tmp_path, zenv, "--check", state="absent")
    assert run.failed == 0 and run.changed == 1 and "still used" not in run.stdout, run
    assert "delete connector aws" in result_of(run)["actions"]
    run = run_list(playbook, tmp_path, zenv, state="absent")
    assert run.failed == 0 and run.changed == 1, run
    state = query(zenv, tmp_path)
    assert state["stacks"].keys() == {"default"} and not state["connectors"] and "settings-list" not in state["secrets"]
    run = run_list(playbook, tmp_path, zenv, state="absent")
    assert run.failed == 0 and run.changed == 0, run


def run_secret(playbook, tmp_path, env, values, *flags, state="present", purge=True):
    task = {"name": "secret", "no_log": False, "register": "result",
            "llmtwin.deploy.zenml_secret": {"name": "settings-test", "state": state, "values": values,
                                            "purge": purge, "config_path": env["ZENML_CONFIG_PATH"]}}
    path = write_playbook(tmp_path, [task, {"name": "show", "ansible.builtin.debug": {"var": "result"}}])
    return playbook(path, *flags, env=env, timeout=300)


def test_secret_four_steps_unset_values_and_no_values_printed(playbook, tmp_path, zenv):
    values = {"DATABASE_HOST": "mongodb://app:%s@127.0.0.1:27017" % SECRET_KEY, "DATABASE_NAME": "twin",
              "QDRANT_APIKEY": None, "QDRANT_CLOUD_URL": "", "USE_QDRANT_CLOUD": False, "QDRANT_DATABASE_PORT": 6333}
    run = run_secret(playbook, tmp_path, zenv, values, "--check", "--diff", "-vvv")
    assert run.failed == 0 and run.changed == 1, run
    assert "settings-test" not in query(zenv, tmp_path)["secrets"]
    run = run_secret(playbook, tmp_path, zenv, values, "--diff", "-vvv")
    assert run.failed == 0 and run.changed == 1, run
    assert SECRET_KEY not in run.stdout + run.stderr
    assert '"<changed>"' in run.stdout
    stored = query(zenv, tmp_path)["secrets"]["settings-test"]
    assert stored == {"DATABASE_HOST": values["DATABASE_HOST"], "DATABASE_NAME": "twin",
                      "USE_QDRANT_CLOUD": "false", "QDRANT_DATABASE_PORT": "6333"}, "unset values left out"
    for flags in (("--check",), ()):
        run = run_secret(playbook, tmp_path, zenv, values, *flags)
        assert run.failed == 0 and run.changed == 0, run

    # one value differs: changed, and only that key is marked
    values["DATABASE_NAME"] = "twin2"
    run = run_secret(playbook, tmp_path, zenv, values, "--diff", "-vvv")
    assert run.failed == 0 and run.changed == 1, run
    assert SECRET_KEY not in run.stdout + run.stderr
    assert query(zenv, tmp_path)["secrets"]["settings-test"]["DATABASE_NAME"] == "twin2"

    # a value that becomes unset is removed (purge), never stored as "None"
    values["DATABASE_NAME"] = None
    run = run_secret(playbook, tmp_path, zenv, values)
    assert run.failed == 0 and run.changed == 1, run
    assert "DATABASE_NAME" not in query(zenv, tmp_path)["secrets"]["settings-test"]

    run = run_secret(playbook, tmp_path, zenv, None, state="absent")
    assert run.failed == 0 and run.changed == 1, run
    assert "settings-test" not in query(zenv, tmp_path)["secrets"]
    run = run_secret(playbook, tmp_path, zenv, None, state="absent")
    assert run.failed == 0 and run.changed == 0, run
