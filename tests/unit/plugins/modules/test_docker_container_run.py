"""docker_container_run: input checks, the result line, and a job's run through the module contract
against a fake daemon client."""
import json
from unittest import mock

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError
from ansible_collections.llmtwin.deploy.plugins.modules import docker_container_run as mod


def test_volumes_become_docker_binds():
    assert mod.parse_volumes(["/srv/q:/qdrant", "/etc/x:/x:ro"]) == {
        "/srv/q": {"bind": "/qdrant", "mode": "rw"}, "/etc/x": {"bind": "/x", "mode": "ro"}}


@pytest.mark.parametrize("spec", ["relative:/x", "/a:relative", "/a:/b:rx", "/a", "/a:/b:ro:extra"])
def test_bad_volumes_fail_naming_the_option(spec):
    with pytest.raises(ModuleError, match="volumes"):
        mod.parse_volumes([spec])


def test_the_last_result_line_decides():
    lines = ['llm_twin result: {"changed": true}', "noise", 'llm_twin result: {"changed": false, "n": 1}']
    assert mod.parse_result(lines, "llm_twin result: ") == {"changed": False, "n": 1}


@pytest.mark.parametrize("lines", [[], ["llm_twin result: not json"], ["llm_twin result: [1, 2]"]])
def test_no_usable_result_line_gives_none(lines):
    assert mod.parse_result(lines, "llm_twin result: ") is None


def job(output, code=0):
    client = mock.Mock()
    client.create_container.return_value = {"Id": "c0ffee" * 4}
    client.inspect_container.side_effect = [{"State": {"Running": False}}, {"State": {"ExitCode": code}}]
    client.logs.return_value = output.encode()
    return client


def run(capsys, client, check_mode=False, **args):
    daemon = mock.Mock(api=client)

    def connect(self):
        self.daemon = daemon

    args = dict(dict(image="app:1", command=["run", "etl"], env={"DATABASE_HOST": "mongodb://u:s3cret@h/db"}), **args)
    with patch_module_args(dict(args, _ansible_check_mode=check_mode)):
        with mock.patch.object(mod.ContainerRun, "connect", connect), pytest.raises(SystemExit):
            mod.main()
    return json.loads(capsys.readouterr().out)


def test_a_job_that_reports_no_change_is_not_a_change(capsys):
    client = job('connecting to mongodb://u:s3cret@h/db\nllm_twin result: {"changed": false, "n": 3}\n')
    result = run(capsys, client)
    assert result["changed"] is False and result["actions"] == [] and result["resources"] == ["job app:1"]
    assert result["result"] == {"changed": False, "n": 3} and result["exit_code"] == 0 and result["image"] == "app:1"
    assert "s3cret" not in json.dumps(result)
    assert client.create_container.call_args.kwargs["environment"] == {"DATABASE_HOST": "mongodb://u:s3cret@h/db"}
    client.remove_container.assert_called_once()


def test_a_job_without_a_result_line_counts_as_a_change(capsys):
    result = run(capsys, job("done\n"))
    assert result["changed"] is True and result["actions"] == ["update job app:1: run etl"] and result["result"] == {}


def test_check_mode_runs_nothing_and_says_the_job_would_run(capsys):
    client = job("")
    result = run(capsys, client, check_mode=True)
    assert result["changed"] and result["actions"] == ["update job app:1: run etl"]
    assert result["msg"] == "check mode: the job would run"
    client.create_container.assert_not_called()


def test_a_failed_job_fails_with_its_exit_code_and_last_lines(capsys):
    result = run(capsys, job("boom\n", code=3))
    assert result["failed"] and result["exit_code"] == 3 and result["output"] == ["boom"] and result["image"] == "app:1"
    assert result["msg"] == "The job in app:1 exited with 3; its last lines: boom"


def test_bad_input_fails_before_connecting_and_names_the_image(capsys):
    result = run(capsys, job(""), wait_timeout=0)
    assert result["failed"] and result["msg"].startswith("wait_timeout:") and result["image"] == "app:1"
