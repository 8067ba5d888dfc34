from ansible_collections.llmtwin.deploy.plugins.module_utils import _common


def test_mask_uri_hides_every_password_and_keeps_the_rest():
    text = "mongodb+srv://app:s3cr3t@c0.mongodb.net/twin and http://u:p@h:1/x and http://h/no-auth"
    masked = _common.mask_uri(text)
    assert "s3cr3t" not in masked and ":p@" not in masked
    assert masked == ("mongodb+srv://app:********@c0.mongodb.net/twin and http://u:********@h:1/x"
                      " and http://h/no-auth")


def test_mask_uri_passes_empty_values_through():
    assert _common.mask_uri(None) is None
    assert _common.mask_uri("") == ""


def test_retry_returns_after_transient_failures():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("not yet")
        return "ok"

    assert _common.retry(flaky, ConnectionError, timeout=10, base_delay=0.01) == "ok"
    assert len(calls) == 3


def test_retry_reraises_when_time_runs_out():
    def always():
        raise TimeoutError("still down")

    try:
        _common.retry(always, TimeoutError, timeout=0.05, base_delay=0.02)
    except TimeoutError as exc:
        assert "still down" in str(exc)
    else:
        raise AssertionError("retry swallowed the final error")


# ---------------------------------------------------------------- the module contract

import json  # noqa: E402

import pytest  # noqa: E402
from ansible.module_utils.testing import patch_module_args  # noqa: E402


class Thing(_common.ResourceModule):
    """A module with one resource held in memory: enough to exercise the whole contract."""

    resource = "thing"
    argument_spec = dict(name=dict(type="str", required=True), size=dict(type="int", default=1),
                         password=dict(type="str", no_log=True), fail_after_write=dict(type="bool", default=False))
    store = {}
    events = []

    @staticmethod
    def backend_spec():
        return dict(endpoint=dict(type="str", default="memory"))

    def validate(self):
        if self.params["size"] < 1:
            raise _common.ModuleError("size must be at least 1, got %d" % self.params["size"])

    def connect(self):
        Thing.events.append("connect %s" % self.params["endpoint"])

    def close(self):
        Thing.events.append("close")

    def run(self):
        name = self.params["name"]
        before = Thing.store.get(name)
        after = {"name": name, "size": self.params["size"]}
        self.manage("thing", name)
        if before is None:
            self.act("create", "thing", name, lambda: Thing.store.__setitem__(name, after))
        elif before != after:
            self.act("update", "thing", name, lambda: Thing.store.__setitem__(name, after),
                     detail="size %s -> %s" % (before["size"], after["size"]))
        if self.params["fail_after_write"]:
            raise _common.failed("resize", "thing %s" % name, "the backend\nsaid no")
        self.diff(before, after)
        return after


def run_thing(capsys, check_mode=False, diff=False, **args):
    Thing.events = []
    with patch_module_args(dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)):
        with pytest.raises(SystemExit):
            Thing.main()
    return json.loads(capsys.readouterr().out)


def test_contract_creates_then_reports_unchanged(capsys):
    Thing.store = {}
    first = run_thing(capsys, name="a", size=2)
    assert first["changed"] is True and first["actions"] == ["create thing a"]
    assert first["resources"] == ["thing a"] and first["thing"] == {"name": "a", "size": 2}
    assert "diff" not in first  # diff only in diff mode
    assert Thing.events == ["connect memory", "close"]  # the backend spec is merged in
    second = run_thing(capsys, name="a", size=2)
    assert second["changed"] is False and second["actions"] == [] and second["resources"] == ["thing a"]


def test_contract_check_mode_records_and_does_nothing(capsys):
    Thing.store = {}
    result = run_thing(capsys, check_mode=True, diff=True, name="b")
    assert result["changed"] is True and result["actions"] == ["create thing b"]
    assert Thing.store == {}
    assert result["diff"] == {"before": {}, "after": {"name": "b", "size": 1}}


def test_contract_update_carries_its_detail(capsys):
    Thing.store = {"c": {"name": "c", "size": 1}}
    result = run_thing(capsys, diff=True, name="c", size=3)
    assert result["actions"] == ["update thing c: size 1 -> 3"]
    assert result["diff"]["before"] == {"name": "c", "size": 1}


def test_contract_bad_input_fails_before_connecting(capsys):
    result = run_thing(capsys, name="d", size=0)
    assert result["failed"] is True and result["msg"] == "size must be at least 1, got 0"
    assert result["changed"] is False and Thing.events == []


def test_contract_failure_after_a_write_says_what_was_done(capsys):
    Thing.store = {}
    result = run_thing(capsys, name="e", fail_after_write=True, password="hunter22")
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"] == "Failed to resize thing e: the backend said no (already done: create thing e)"
    assert result["actions"] == ["create thing e"] and Thing.events[-1] == "close"
    assert "hunter22" not in json.dumps(result)


def test_contract_failure_in_check_mode_reports_no_change(capsys):
    Thing.store = {}
    result = run_thing(capsys, check_mode=True, name="f", fail_after_write=True)
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"] == "Failed to resize thing f: the backend said no"


def test_action_verbs_are_closed():
    assert _common.action_text("delete", "index", "twin.posts.link_1") == "delete index twin.posts.link_1"
    with pytest.raises(ValueError):
        _common.action_text("tag", "bucket", "b")
