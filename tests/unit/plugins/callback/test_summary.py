"""The summary callback: what it counts per target, and that it prints no secret."""
from types import SimpleNamespace

from ansible_collections.llmtwin.deploy.plugins.callback.summary import CallbackModule


class Role:
    def __init__(self, name):
        self.name = name

    def get_name(self, include_role_fqcn=True):
        return ("llmtwin.deploy." if include_role_fqcn else "") + self.name


class Task:
    def __init__(self, name, role=None, tags=(), check_mode=False):
        self._role = Role(role) if role else None
        self.tags = list(tags)
        self.check_mode = check_mode
        self._name = name

    def get_name(self):
        return self._name


def result(task, **res):
    return SimpleNamespace(_task=task, _result=res)


def make(check=False):
    callback = CallbackModule()
    callback._check_mode = check
    return callback


def test_counts_created_updated_unchanged_and_ignores_output_tasks():
    cb = make()
    cb.v2_runner_on_ok(result(Task("Create collections", "mongo"), changed=True, diff={"before": {}, "after": {"a": 1}}))
    cb.v2_runner_on_ok(result(Task("Indexes", "mongo"), changed=True, diff={"before": {"a": 1}, "after": {"a": 2}}))
    cb.v2_runner_on_ok(result(Task("User", "mongo"), changed=False))
    cb.v2_runner_on_ok(result(Task("Outputs", "qdrant", tags=["always"]), changed=False))
    cb.v2_runner_on_ok(result(Task("Predict", "qdrant", check_mode=True), changed=True))
    summary = cb.summary()
    mongo = summary["targets"]["mongo"]
    assert (mongo["status"], mongo["created"], mongo["updated"], mongo["unchanged"]) == (
        "changed", ["Create collections"], ["Indexes"], 1)
    assert "qdrant" not in summary["targets"]  # only read-only and predicted work there


def test_check_mode_is_a_plan_and_failures_win():
    cb = make(check=True)
    cb.v2_runner_on_ok(result(Task("Bucket", "aws_zenml"), changed=True))
    cb.v2_runner_on_failed(result(Task("Push", "image"), msg="no"))
    targets = cb.summary()["targets"]
    assert targets["aws_zenml"]["status"] == "would change"
    assert targets["image"]["status"] == "failed" and targets["image"]["failed"] == ["Push"]


def test_endpoints_are_masked_and_secret_facts_are_never_read():
    cb = make()
    facts = {"qdrant_settings": {"QDRANT_CLOUD_URL": "https://u:pw@cloud.example", "QDRANT_APIKEY": "k-123"},
             "mongo_database_host": "mongodb://twin_app:s3cret@h/twin", "mongo_database_name": "twin"}
    cb.v2_runner_on_ok(result(Task("Outputs", "qdrant", tags=["always"]), ansible_facts=facts))
    cb.v2_runner_on_ok(result(Task("Collections", "qdrant"), changed=False))
    cb.v2_runner_on_ok(result(Task("Collections", "mongo"), changed=False))
    text = repr(cb.summary())
    assert "cloud.example" in text and "twin" in text
    assert "pw@" not in text and "k-123" not in text and "s3cret" not in text


def test_verify_play_results_are_checks_not_changes():
    cb = make()
    cb.v2_playbook_on_play_start(SimpleNamespace(tags=["verify"], get_variable_manager=lambda: None))
    cb.v2_runner_on_ok(result(Task("Ping", "mongo"), changed=False))
    cb.v2_runner_on_failed(result(Task("Stack complete", "aws_zenml")))
    targets = cb.summary()["targets"]
    assert targets["mongo"]["verify"] == "passed" and targets["mongo"]["unchanged"] == 0
    assert targets["aws_zenml"]["verify"] == "failed: Stack complete"
