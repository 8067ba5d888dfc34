"""module_utils/_docker.py: stream errors, references, the daemon reader and client factory, error
translation into the one error type, and the base of the docker_* modules."""
import json
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.llmtwin.deploy.plugins.module_utils import _docker
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError


@pytest.mark.parametrize("message, expected", [
    ({"error": "boom", "errorDetail": {"message": "boom"}}, "boom"),
    ({"errorDetail": {"message": "only detail"}}, "only detail"),
    ({"stream": "Step 1/2"}, None),
    ("not a dict", None),
])
def test_stream_error(message, expected):
    assert _docker.stream_error(message) == expected


def test_split_reference_handles_registry_ports():
    assert _docker.split_reference("127.0.0.1:5000/app:abc") == ("127.0.0.1:5000/app", "abc")
    assert _docker.split_reference("127.0.0.1:5000/app") == ("127.0.0.1:5000/app", None)
    assert _docker.split_reference("app") == ("app", None)


@pytest.mark.parametrize("name, ok", [("app", True), ("127.0.0.1:5000/app", True), ("localhost/a/b", True),
                                      ("App", False), ("reg.io/Bad", False), ("a:tag", False)])
def test_repository_name_error_names_the_option(name, ok):
    error = _docker.repository_name_error(name)
    assert (error is None) is ok
    if not ok:
        assert error.startswith("name must be a repository name")


def test_daemon_reader_failure_names_the_socket_and_the_fix():
    reader = _docker.DaemonReader("unix:///nonexistent/docker.sock", 5)
    with pytest.raises(ModuleError) as exc:
        reader.inspect_image("app:1")
    assert str(exc.value).startswith("Failed to connect to the Docker daemon at unix:///nonexistent/docker.sock")


def test_daemon_reads_without_the_sdk_on_a_unix_socket():
    daemon = _docker.Daemon("unix:///run/x.sock", 5)
    with mock.patch.object(_docker.DaemonReader, "get", return_value=(404, b"")) as get, \
            mock.patch.object(_docker, "docker_client", side_effect=AssertionError("SDK used")):
        assert daemon.inspect_image("app:1") is None
    assert get.call_args.args == ("/images/app:1/json",)
    with mock.patch.object(_docker.DaemonReader, "get", return_value=(500, b"boom\n")):
        with pytest.raises(ModuleError, match=r"^Failed to inspect image app:1: HTTP 500: boom$"):
            daemon.inspect_image("app:1")


def test_sdk_exception_names_stay_importable():
    from ansible_collections.llmtwin.deploy.plugins.module_utils._docker import APIError, DockerException
    assert issubclass(APIError, DockerException)


def test_docker_client_failure_names_the_host_and_the_fix():
    with pytest.raises(ModuleError) as exc:
        _docker.docker_client("unix:///nonexistent/docker.sock", 5)
    message = str(exc.value)
    assert message.startswith("Failed to connect to the Docker daemon at unix:///nonexistent/docker.sock")
    assert "Is dockerd running" in message


def test_sdk_errors_become_one_line_failures_with_masked_uris():
    error = mock.Mock(explanation="pull access denied\n for mongodb://u:secret@h/db")
    message = str(_docker.docker_error("push", "app:1", error))
    assert message == "Failed to push app:1: pull access denied for mongodb://u:********@h/db"


class Probe(_docker.DockerResource):
    resource = "image"
    argument_spec = dict(name=dict(type="str", required=True), registry_timeout=dict(type="int", default=30),
                         fail=dict(type="bool", default=False))

    def connect(self):
        super(Probe, self).connect()
        Probe.daemon_seen = self.daemon

    def run(self):
        self.returns["pushed"] = ["latest"]
        self.act("create", "tag", "r/%s:latest" % self.params["name"])
        if self.params["fail"]:
            raise ModuleError("Failed to push r/x: no")
        return {"name": self.params["name"]}


def run_probe(capsys, **args):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            Probe.main()
    return json.loads(capsys.readouterr().out)


def test_the_base_returns_the_contract_plus_the_modules_own_values(capsys):
    result = run_probe(capsys, name="x")
    assert result["changed"] and result["actions"] == ["create tag r/x:latest"] and result["pushed"] == ["latest"]
    assert result["image"] == {"name": "x"} and result["resources"] == ["tag r/x:latest"]
    # the daemon was opened lazily: no SDK client for a run that never asked it anything
    assert isinstance(Probe.daemon_seen, _docker.Daemon) and Probe.daemon_seen._api is None
    failed = run_probe(capsys, name="x", fail=True)
    assert failed["failed"] and failed["changed"] and failed["pushed"] == ["latest"]
    assert failed["msg"] == "Failed to push r/x: no (already done: create tag r/x:latest)"


@pytest.mark.parametrize("args, message", [
    (dict(timeout=0), "timeout must be a positive number of seconds, got 0"),
    (dict(registry_timeout=-3), "registry_timeout must be a positive number of seconds, got -3"),
])
def test_timeouts_must_be_positive_before_anything_connects(capsys, args, message):
    Probe.daemon_seen = None
    result = run_probe(capsys, name="x", **args)
    assert result["failed"] and result["msg"] == message and Probe.daemon_seen is None


UNCHANGED_PUSH = """
import base64, json, sys
from unittest import mock
sys.path.insert(0, sys.argv[1])
from ansible.module_utils.testing import patch_module_args
from ansible_collections.llmtwin.deploy.plugins.module_utils import _aws, _docker, _registry
from ansible_collections.llmtwin.deploy.plugins.modules import docker_image_push

token = base64.b64encode(b"AWS:pw").decode()
answer = mock.Mock(status=200)
answer.read.return_value = json.dumps({"authorizationData": [{"authorizationToken": token,
                                       "proxyEndpoint": "https://1.dkr.ecr.us-east-1.amazonaws.com"}]}).encode()
_aws.HTTPConnection = mock.Mock(return_value=mock.Mock(**{"getresponse.return_value": answer}))
_registry.RegistryClient._send = lambda self, method, url, headers: (200, {"docker-content-digest": "sha256:d1"}, b"")
_docker.DaemonReader.get = lambda self, path: (200, json.dumps(
    {"Id": "sha256:img", "RepoDigests": ["127.0.0.1:5000/app@sha256:d1"]}).encode())
with patch_module_args(dict(name="app", source="app:abc", registry="127.0.0.1:5000", region="us-east-1",
                            endpoint_url="http://127.0.0.1:1", access_key="A", secret_key="S")):
    try:
        docker_image_push.main()
    except SystemExit:
        pass
print()
print(json.dumps(sorted(m for m in ("botocore", "docker", "requests") if m in sys.modules)))
"""


def test_an_unchanged_image_push_with_static_keys_imports_neither_botocore_nor_the_docker_sdk():
    """The ECR token (signed by hand), the registry HEADs and the image inspect need the standard library only."""
    collections = str(Path(__file__).resolve().parents[4] / "collections")
    out = subprocess.run([sys.executable, "-c", UNCHANGED_PUSH, collections], capture_output=True, text=True,
                         timeout=60, check=True).stdout.strip().splitlines()
    result = json.loads(out[0])
    assert result["changed"] is False and result["image"]["digest"] == "sha256:d1", result
    assert json.loads(out[-1]) == []
