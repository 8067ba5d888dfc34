"""The qdrant role's shape (read from its YAML): one module task per resource kind and step, connection options
only in module_defaults, and the documented output fact."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROLE = Path(__file__).resolve().parents[3] / "roles" / "qdrant"
CONNECTION = {"url", "api_key", "path", "timeout", "key_wait_timeout"}


def tasks(name):
    """Every task of tasks/<name>.yml, blocks flattened."""
    found = []

    def walk(items):
        for task in items or []:
            found.append(task)
            walk(task.get("block"))

    walk(yaml.safe_load((ROLE / "tasks" / name).read_text()))
    return found


def module_tasks(name):
    return [(t, key) for t in tasks(name) for key in t if key.startswith("llmtwin.deploy.qdrant_")
            and not key.startswith("llmtwin.deploy.qdrant_cloud")]


@pytest.mark.parametrize("name, modules", [
    ("present.yml", ["llmtwin.deploy.qdrant_collection", "llmtwin.deploy.qdrant_alias"]),
    ("absent.yml", ["llmtwin.deploy.qdrant_alias", "llmtwin.deploy.qdrant_collection"]),
    ("verify.yml", ["llmtwin.deploy.qdrant_collection_info"]),
])
def test_each_step_runs_each_module_once_with_the_list_form_and_no_connection_options(name, modules):
    found = module_tasks(name)
    assert [key for _task, key in found] == modules
    for task, key in found:
        assert "loop" not in task and "with_items" not in task, "%s loops over %s" % (name, key)
        args = task[key]
        assert set(args) & {"collections", "aliases", "names"}, args
        assert not set(args) & CONNECTION, "%s passes connection options to %s: use module_defaults" % (name, key)


def test_the_connection_comes_from_module_defaults_of_the_qdrant_group():
    main = tasks("main.yml")
    blocks = [t for t in main if "block" in t]
    assert [b["module_defaults"] for b in blocks] == [{"group/llmtwin.deploy.qdrant": "{{ __qdrant_connection }}"}]
    included = [t["ansible.builtin.include_tasks"] for t in blocks[0]["block"]]
    assert included == ["present.yml", "absent.yml"]
    verify = module_tasks("verify.yml")[0][0]
    assert verify["module_defaults"] == {"group/llmtwin.deploy.qdrant": "{{ __qdrant_connection }}"}
    assert "__qdrant_connection" in yaml.safe_load((ROLE / "vars" / "main.yml").read_text())


def test_outputs_publish_qdrant_outputs_and_the_deprecated_alias_in_a_no_log_task():
    publish = tasks("outputs.yml")[0]
    facts = publish["ansible.builtin.set_fact"]
    assert set(facts["qdrant_outputs"]) == {"provider", "settings", "collections", "endpoint"}
    assert facts["qdrant_settings"] == facts["qdrant_outputs"]["settings"]
    assert publish["no_log"] == "{{ qdrant_secure_logging }}"
    description = " ".join(yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())
                           ["argument_specs"]["main"]["description"])
    assert "qdrant_outputs" in description and "deprecated" in description
