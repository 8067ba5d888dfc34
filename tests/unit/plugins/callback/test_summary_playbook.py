"""The summary callback at the end of a real ansible-playbook run: a role named qdrant creates, keeps and
plans the removal of a collection of an embedded Qdrant store (llmtwin.deploy.qdrant_collection on a
temporary folder, no network), a role named mongo publishes mongo_outputs with no_log."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[4]
SECRET = "pw-s3cret"


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def project(tmp_path):
    write(tmp_path / "roles" / "qdrant" / "tasks" / "main.yml", [
        # one module task: each module process costs seconds on a loaded machine (loops: see test_summary.py)
        {"name": "Collection", "llmtwin.deploy.qdrant_collection": {
            "path": str(tmp_path / "qdrant"), "name": "embedded_posts", "state": "{{ state }}",
            "vectors": {"size": 4, "distance": "Cosine"}}, "register": "__collection"},
        # what the module itself listed (debug runs on the controller: no extra process)
        {"name": "Show the resources", "ansible.builtin.debug": {
            "msg": "LISTED={{ __collection.resources | default([]) | length }}"}},
        {"name": "Outputs", "ansible.builtin.set_fact": {"qdrant_outputs": {
            "provider": "local", "endpoint": str(tmp_path / "qdrant"), "settings": {"QDRANT_APIKEY": "k-" + SECRET}}},
         "tags": ["always"]}])
    write(tmp_path / "roles" / "mongo" / "tasks" / "main.yml", [
        {"name": "Outputs", "no_log": True, "tags": ["always"], "ansible.builtin.set_fact": {"mongo_outputs": {
            "database_name": "twin", "database_host": "mongodb://twin_app:%s@127.0.0.1:1/?authSource=twin" % SECRET}}},
        {"name": "A builtin task", "ansible.builtin.debug": {"msg": "no resource here"}}])
    write(tmp_path / "site.yml", [
        {"name": target, "hosts": "deployer", "gather_facts": False, "tags": [target], "roles": [target]}
        for target in ("mongo", "qdrant")])


def playbook(tmp_path, *args):
    json_path = tmp_path / "summary.json"
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), LLMTWIN_SUMMARY_JSON=str(json_path),
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    run = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "deployer,", "-c", "local",
         "-e", "ansible_python_interpreter=" + sys.executable, str(tmp_path / "site.yml"), *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout[run.stdout.index("LLM TWIN"):]
    summary = json.loads(json_path.read_text())
    assert SECRET not in run.stdout + run.stderr + json_path.read_text()
    return out, summary, int(re.search(r"LISTED=(\d+)", run.stdout).group(1))


def test_the_table_of_a_run_a_rerun_and_a_plan(tmp_path):
    project(tmp_path)
    out, summary, _listed = playbook(tmp_path, "-e", "state=present", "--diff")
    assert out.startswith("LLM TWIN SUMMARY ")
    assert "\nqdrant     changed       created 1, updated 0, unchanged 0, removed 0" in out
    assert "\n    collection       created 1, updated 0, unchanged 0, removed 0\n" in out
    assert "\n    created collection embedded_posts\n" in out
    assert "\n    endpoint:        %s\n" % (tmp_path / "qdrant") in out
    # mongo's builtin task is no resource; its endpoints come from the no_log fact, the password masked
    assert "\nmongo      unchanged     created 0, updated 0, unchanged 0, removed 0" in out
    assert "\n    host:            mongodb://twin_app:********@127.0.0.1:1/?authSource=twin\n" in out
    assert list(summary["targets"]) == ["mongo", "qdrant"]
    assert summary["check_mode"] is False and summary["targets"]["qdrant"]["created"] == 1

    out, summary, listed = playbook(tmp_path, "-e", "state=present")
    # what the module listed with no action is unchanged (a module not converted yet lists nothing)
    assert "\nqdrant     unchanged     created 0, updated 0, unchanged %d, removed 0" % listed in out
    assert summary["targets"]["qdrant"]["unchanged"] == listed and summary["targets"]["qdrant"]["changes"] == []

    out, summary, _listed = playbook(tmp_path, "-e", "state=absent", "--check")
    assert out.startswith("LLM TWIN PLAN (check mode: nothing was changed) ")
    assert "\nqdrant     would change  created 0, updated 0, unchanged 0, removed 1" in out
    assert "\n    would remove collection embedded_posts\n" in out
    assert summary["check_mode"] is True and summary["targets"]["qdrant"]["kinds"]["collection"]["removed"] == 1
