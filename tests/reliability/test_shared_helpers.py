"""The integration tests' PlaybookRun (issue 11's test-suite gap): a playbook that does not even load
(rc 4, no recap) or whose rc disagrees with its recap must fail every assertion on changed/failed."""
from __future__ import annotations

import json

import pytest

from harness import run_playbook


def test_a_playbook_that_does_not_load_fails_changed_and_failed(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("- hosts: deployer\n  tasks:\n    - llmtwin.deploy.no_such_module: {}\n")
    run = run_playbook(broken, timeout=120)
    assert run.rc != 0 and run.recap == {}, run
    with pytest.raises(AssertionError, match="did not run"):
        assert run.failed == 0
    with pytest.raises(AssertionError, match="did not run"):
        assert run.changed == 0


def test_rc_disagreeing_with_the_recap_is_refused_and_a_real_failure_still_counts(tmp_path):
    play = tmp_path / "fail.yml"
    play.write_text(json.dumps([{"hosts": "deployer", "gather_facts": False,
                                 "tasks": [{"ansible.builtin.fail": {"msg": "rl expected"}}]}]))
    run = run_playbook(play, timeout=120)
    assert run.rc == 2 and run.failed == 1 and run.changed == 0, run
    run.rc = 0  # what a helper that ignored rc would have accepted
    with pytest.raises(AssertionError, match="disagrees"):
        assert run.failed == 1
