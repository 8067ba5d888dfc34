"""The summary callback: resources counted per target and kind from the modules' actions/resources, fed
with real plays, role tasks, hosts and CallbackTaskResults built by ansible itself."""
import json

import pytest
import yaml
from ansible.executor.task_result import CallbackTaskResult
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.block import Block
from ansible.playbook.play import Play
from ansible.plugins.loader import callback_loader
from ansible.vars.manager import VariableManager

# role -> its tasks (name, module); the actions are never run, only named: results are fed by hand
ROLES = {
    "mongo": [("Collections", "ansible.builtin.debug"), ("Indexes", "ansible.builtin.debug"),
              ("Legacy", "ansible.builtin.debug"), ("Command", "ansible.builtin.command"),
              ("Outputs", "ansible.builtin.set_fact", ["always"])],
    "qdrant": [("Collections", "llmtwin.deploy.qdrant_collection"), ("Outputs", "ansible.builtin.set_fact", ["always"])],
    "aws_zenml": [("Bucket", "ansible.builtin.debug"), ("Stack complete", "ansible.builtin.debug")],
    "image": [("Push", "ansible.builtin.debug")],
}
SECRET_URI = "mongodb://twin_app:pw%2Fs3cret@127.0.0.1:27017/?authSource=twin"


class Run:
    """One ansible-playbook run as the callback sees it: plays started, task results delivered."""

    def __init__(self, tmp_path, json_path=None):
        for role, tasks in ROLES.items():
            folder = tmp_path / "roles" / role / "tasks"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "main.yml").write_text(yaml.safe_dump(
                [{"name": t[0], t[1]: {}, "tags": t[2] if len(t) > 2 else []} for t in tasks]))
        self.loader = DataLoader()
        self.loader.set_basedir(str(tmp_path))
        self.inventory = InventoryManager(loader=self.loader, sources="deployer,")
        self.variables = VariableManager(loader=self.loader, inventory=self.inventory)
        self.host = self.inventory.get_host("deployer")
        # through the plugin loader, as ansible-playbook loads it: its options come from its DOCUMENTATION
        self.callback = callback_loader.get("llmtwin.deploy.summary")
        self.callback.set_options(direct={"json_path": str(json_path) if json_path else None})
        self.tasks = {}

    def play(self, tags=(), roles=(), tasks=(), check_mode=None):
        """Start a play (like site.yml's per-target plays); its tasks become self.tasks['<role> : <name>']."""
        data = {"name": "play", "hosts": "deployer", "gather_facts": False, "tags": list(tags), "roles": list(roles),
                "tasks": [{"name": name, "ansible.builtin.debug": {}} for name in tasks]}
        if check_mode is not None:
            data["check_mode"] = check_mode
        play = Play.load(data, variable_manager=self.variables, loader=self.loader)
        self.tasks = {task.get_name(include_role_fqcn=False): task for task in walk(play.compile())}
        self.callback.v2_playbook_on_play_start(play)
        return self

    def result(self, task, **data):
        return CallbackTaskResult(self.host, self.tasks[task], data, {})

    def ok(self, task, **data):
        self.callback.v2_runner_on_ok(self.result(task, **data))

    def failed(self, task, ignore_errors=False, **data):
        self.callback.v2_runner_on_failed(self.result(task, **data), ignore_errors=ignore_errors)

    def targets(self):
        return self.callback.summary()["targets"]


def walk(blocks):
    for block in blocks:
        for task in block.block:
            if isinstance(task, Block):
                yield from walk([task])
            else:
                yield task


def counts(entry, kind=None):
    source = entry["kinds"][kind] if kind else entry
    return tuple(source[state] for state in ("created", "updated", "unchanged", "removed"))


def deploy(run, diff=False):
    """One mongo deployment: a collection created, then updated by another task; an index updated; two of
    each unchanged; a builtin task that changed something but is no resource."""
    extra = {"diff": {"before": {}, "after": {}}} if diff else {}
    run.ok("mongo : Collections", changed=True, actions=["create collection posts"],
           resources=["collection posts", "collection users", "collection articles"], **extra)
    run.ok("mongo : Indexes", changed=True,
           actions=["update collection posts: validator", "update index twin.posts.link_1: unique true"],
           resources=["collection posts", "index twin.posts.link_1", "index twin.users.name_1",
                      "index twin.posts.author_id_1"], **extra)
    run.ok("mongo : Command", changed=True, cmd="true", rc=0)


def test_normal_run_counts_resources_per_kind_and_a_creation_once(tmp_path):
    run = Run(tmp_path).play(tags=["mongo"], roles=["mongo"])
    deploy(run)
    mongo = run.targets()["mongo"]
    assert mongo["status"] == "changed"
    assert counts(mongo, "collection") == (1, 0, 2, 0)  # posts created then updated: created, once
    assert counts(mongo, "index") == (0, 1, 2, 0)
    assert counts(mongo) == (1, 1, 4, 0)  # the command task (no resources) is not counted
    assert [(c["change"], c["kind"], c["name"], c["details"]) for c in mongo["changes"]] == [
        ("created", "collection", "posts", ["validator"]), ("updated", "index", "twin.posts.link_1", ["unique true"])]


def test_diff_and_check_runs_count_the_same_and_check_is_a_plan(tmp_path, capsys):
    normal, diff = Run(tmp_path).play(roles=["mongo"]), Run(tmp_path).play(roles=["mongo"])
    check = Run(tmp_path).play(roles=["mongo"], check_mode=True)
    deploy(normal)
    deploy(diff, diff=True)
    deploy(check)
    assert normal.targets() == diff.targets()
    plan = check.targets()["mongo"]
    assert counts(plan) == counts(normal.targets()["mongo"]) and plan["status"] == "would change"
    assert [c["change"] for c in plan["changes"]] == ["would create", "would update"]
    check.callback.v2_playbook_on_stats(None)
    out = capsys.readouterr().out
    assert "LLM TWIN PLAN (check mode: nothing was changed)" in out
    assert "    would create collection posts: validator\n" in out
    assert "    would update index twin.posts.link_1: unique true\n" in out


def test_each_loop_item_counts_and_skipped_items_do_not(tmp_path):
    run = Run(tmp_path).play(roles=["qdrant"])
    run.ok("qdrant : Collections", changed=True, results=[
        {"item": "a", "changed": True, "actions": ["create collection a"], "resources": ["collection a"]},
        {"item": "b", "changed": False, "actions": [], "resources": ["collection b"]},
        {"item": "c", "changed": True, "actions": ["delete collection c"], "resources": ["collection c"]},
        {"item": "d", "skipped": True, "false_condition": "x"}])
    qdrant = run.targets()["qdrant"]
    assert counts(qdrant, "collection") == (1, 0, 1, 1)
    assert [(c["change"], c["name"]) for c in qdrant["changes"]] == [("created", "a"), ("removed", "c")]


def test_a_failed_task_counts_what_it_did_and_fails_its_target(tmp_path):
    run = Run(tmp_path).play(roles=["aws_zenml", "image"])
    run.failed("aws_zenml : Bucket", changed=True, msg="Failed to update bucket b: denied (already done: create bucket b)",
               actions=["create bucket b"], resources=["bucket b"])
    run.failed("image : Push", msg="no registry")
    run.failed("aws_zenml : Stack complete", ignore_errors=True, changed=True, actions=["update stack s: x"],
               resources=["stack s"])
    targets = run.targets()
    assert targets["aws_zenml"]["status"] == "failed" and targets["aws_zenml"]["failed"] == ["aws_zenml : Bucket"]
    assert counts(targets["aws_zenml"]) == (1, 1, 0, 0)  # the ignored failure's update counts, without failing
    assert targets["image"]["status"] == "failed" and counts(targets["image"]) == (0, 0, 0, 0)


def test_resources_without_actions_are_unchanged(tmp_path):
    run = Run(tmp_path).play(roles=["qdrant"])
    run.ok("qdrant : Collections", changed=False, actions=[], resources=["collection a", "alias posts"])
    qdrant = run.targets()["qdrant"]
    assert qdrant["status"] == "unchanged" and counts(qdrant) == (0, 0, 2, 0) and qdrant["changes"] == []


def test_free_text_actions_of_unconverted_modules_update_the_tasks_resource(tmp_path):
    run = Run(tmp_path).play(roles=["mongo", "qdrant"])
    run.ok("mongo : Legacy", changed=True, actions=["Granted role readWrite"], resources=["user twin_app"])
    run.ok("qdrant : Collections", changed=True, actions=["recreate collection x"],
           invocation={"module_args": {"name": "x", "path": "/q"}})
    targets = run.targets()
    assert [(c["change"], c["kind"], c["name"], c["details"]) for c in targets["mongo"]["changes"]] == [
        ("updated", "user", "twin_app", ["Granted role readWrite"])]
    assert [(c["change"], c["kind"], c["name"]) for c in targets["qdrant"]["changes"]] == [
        ("updated", "qdrant_collection", "x")]


def test_output_tasks_and_predictions_inside_a_real_run_are_not_work(tmp_path):
    run = Run(tmp_path)
    # the teardown's first play: a check-mode pass over the targets; one refuses
    run.play(roles=["qdrant", "aws_zenml"], check_mode=True)
    run.ok("qdrant : Collections", changed=True, actions=["delete collection a"], resources=["collection a"])
    run.failed("aws_zenml : Bucket", actions=["delete bucket b"], resources=["bucket b"], msg="bucket b holds data")
    run.play(tags=["mongo"], roles=["mongo"])
    run.ok("mongo : Outputs", ansible_facts={"mongo_outputs": {"database_name": "twin"}},
           actions=["create collection ghost"], resources=["collection ghost"])
    targets = run.callback.summary()
    assert targets["check_mode"] is False
    assert list(targets["targets"]) == ["aws_zenml"]  # mongo ran only its output task, qdrant only predicted
    assert targets["targets"]["aws_zenml"]["failed"] == ["aws_zenml : Bucket"]
    assert counts(targets["targets"]["aws_zenml"]) == (0, 0, 0, 0)  # a refusal removed nothing


def test_verify_play_results_are_checks_not_changes(tmp_path):
    run = Run(tmp_path).play(tags=["verify"], roles=["mongo", "aws_zenml"])
    run.ok("mongo : Collections", changed=False, resources=["collection posts"])
    run.failed("aws_zenml : Stack complete", msg="stack incomplete")
    targets = run.targets()
    assert targets["mongo"]["verify"] == "passed" and counts(targets["mongo"]) == (0, 0, 0, 0)
    assert targets["aws_zenml"]["verify"] == "failed: aws_zenml : Stack complete"
    assert targets["aws_zenml"]["status"] == "unchanged"


def test_a_role_less_task_is_attributed_by_its_plays_target_tag(tmp_path):
    run = Run(tmp_path).play(tags=["pipelines"], tasks=["Run digital_data_etl"])
    run.ok("Run digital_data_etl", changed=True, actions=["update pipeline digital_data_etl: 3 documents"],
           resources=["pipeline digital_data_etl"])
    run.play(tags=["other"], tasks=["Elsewhere"]).ok("Elsewhere", changed=True, actions=["create thing t"])
    targets = run.targets()
    assert list(targets) == ["pipelines"] and counts(targets["pipelines"], "pipeline") == (0, 1, 0, 0)
    assert targets["pipelines"]["verify"] == "n/a"


def test_json_carries_the_printed_counts_and_no_secret_is_output(tmp_path, capsys):
    path = tmp_path / "summary.json"
    run = Run(tmp_path, json_path=path)
    run.variables.set_nonpersistent_facts(run.host.name, {"mongo_outputs": {
        "provider": "local", "database_name": "twin", "database_host": SECRET_URI,
        "settings": {"DATABASE_HOST": SECRET_URI, "DATABASE_NAME": "twin"}}})
    run.play(roles=["mongo", "qdrant"])
    deploy(run)
    # set with no_log: the result reaches callbacks censored; the callback reads the fact from the play's variables
    run.ok("mongo : Outputs", censored="the output has been hidden", changed=False)
    run.ok("qdrant : Outputs", ansible_facts={"qdrant_outputs": {
        "provider": "cloud", "endpoint": "https://u:pw-cloud@cloud.example:6333", "collections": ["a"],
        "settings": {"QDRANT_APIKEY": "k-123", "QDRANT_CLOUD_URL": "https://u:pw-cloud@cloud.example"}}})
    run.ok("qdrant : Collections", changed=True, actions=["update collection a: url mongodb://u:pw-detail@h/x"],
           resources=["collection a"])
    run.callback.v2_playbook_on_stats(None)
    out = capsys.readouterr().out
    data = json.loads(path.read_text())
    mongo = data["targets"]["mongo"]
    assert counts(mongo, "collection") == (1, 0, 2, 0) and counts(mongo) == (1, 1, 4, 0)
    assert "mongo      changed       created 1, updated 1, unchanged 4, removed 0" in out
    assert "    collection       created 1, updated 0, unchanged 2, removed 0\n" in out
    assert mongo["endpoints"] == {"database": "twin", "host": "mongodb://twin_app:********@127.0.0.1:27017/?authSource=twin"}
    assert data["targets"]["qdrant"]["endpoints"] == {"endpoint": "https://u:********@cloud.example:6333"}
    assert "    host:            mongodb://twin_app:********@127.0.0.1:27017/?authSource=twin\n" in out
    for secret in ("s3cret", "pw%2F", "k-123", "pw-cloud", "pw-detail"):
        assert secret not in out and secret not in path.read_text(), secret


@pytest.mark.parametrize("check_mode", [False, True])
def test_nothing_to_report_prints_nothing(tmp_path, capsys, check_mode):
    run = Run(tmp_path, json_path=tmp_path / "s.json").play(tags=["mongo"], roles=["mongo"], check_mode=check_mode)
    run.ok("mongo : Outputs", ansible_facts={"mongo_outputs": {"database_name": "twin"}})
    run.callback.v2_playbook_on_stats(None)
    assert "LLM TWIN" not in capsys.readouterr().out and not (tmp_path / "s.json").exists()
