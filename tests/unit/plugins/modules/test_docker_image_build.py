"""docker_image_build: input validation, and the decide-then-act logic against a fake daemon client,
through the module contract (actions, resources, changed, diff only in diff mode)."""
import json
from unittest import mock

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError
from ansible_collections.llmtwin.deploy.plugins.modules import docker_image_build as mod


def params(context, **kwargs):
    base = dict(name="app", path=str(context) if context else None, dockerfile="Dockerfile", build_args={}, target=None, network_mode=None,
                pull=False, labels={}, return_logs=False, hash_cache=None, state="present", build_timeout=600)
    base.update(kwargs)
    return base


@pytest.fixture()
def context(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY app.py /\n")
    (tmp_path / "app.py").write_text("print(1)\n")
    return tmp_path


@pytest.mark.parametrize("override, message", [
    (dict(path=None), "path is required"),
    (dict(path="/nonexistent/ctx"), "path must be an existing build context directory"),
    (dict(dockerfile="Nope"), "dockerfile Nope does not exist"),
    (dict(dockerfile="../Dockerfile"), "dockerfile must be relative to path and inside it"),
    (dict(dockerfile="/abs/Dockerfile"), "dockerfile must be relative to path and inside it"),
    (dict(build_args={"A": [1]}), "build_args values must be strings"),
])
def test_bad_input_fails_before_connecting(context, override, message):
    with pytest.raises(ModuleError, match=message):
        mod.validate(params(context, **override))


def test_hash_cache_inside_the_context_is_refused_unless_dockerignored(context):
    with pytest.raises(ModuleError, match="hash_cache must be outside the build context or excluded"):
        mod.validate(params(context, hash_cache=str(context / "state" / "cache.json")))
    (context / ".dockerignore").write_text("state/\n")
    mod.validate(params(context, hash_cache=str(context / "state" / "cache.json")))


def test_absent_needs_no_path():
    mod.validate(params(None, state="absent"))


class FakeDaemon(object):
    def __init__(self, client):
        self.api = client

    def inspect_image(self, reference):
        return self.api.inspect_image(reference)

    def close(self):
        pass


def run(capsys, client, check_mode=False, diff=False, **args):
    """The whole module (validate, connect, run, result) with the daemon replaced by `client`."""
    def connect(self):
        self.daemon = FakeDaemon(client)

    with patch_module_args(dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)):
        with mock.patch.object(mod.ImageBuild, "connect", connect), pytest.raises(SystemExit):
            mod.main()
    return json.loads(capsys.readouterr().out)


def test_existing_tag_means_no_build_call(capsys, context):
    client = mock.Mock()
    client.inspect_image.return_value = {"Id": "sha256:existing"}
    result = run(capsys, client, name="app", path=str(context))
    assert result["changed"] is False and result["built"] is False and result["actions"] == []
    assert result["image"]["id"] == "sha256:existing" and len(result["image"]["tag"]) == 16
    assert result["resources"] == ["image " + result["image"]["reference"]] and "diff" not in result
    client.build.assert_not_called()


def test_check_mode_reports_a_build_without_building(capsys, context):
    client = mock.Mock()
    client.inspect_image.return_value = None
    result = run(capsys, client, check_mode=True, diff=True, name="app", path=str(context))
    reference = result["image"]["reference"]
    assert result["changed"] is True and result["built"] is True and result["image"]["id"] is None
    assert result["actions"] == ["create image " + reference]
    assert result["diff"] == {"before": {"reference": None}, "after": {"reference": reference}}
    client.build.assert_not_called()


def test_build_stream_error_becomes_one_message_and_no_change(capsys, context):
    client = mock.Mock()
    client.inspect_image.return_value = None

    def build(fileobj, **kwargs):
        b"".join(fileobj)  # the daemon reads the whole context
        return iter([{"stream": "Step 1/2 : FROM scratch\n"}, {"stream": "Step 2/2 : COPY app.py /\n"},
                     {"error": "COPY failed: file not found", "errorDetail": {"message": "COPY failed: file not found"}}])

    client.build.side_effect = build
    result = run(capsys, client, name="app", path=str(context))
    assert result["failed"] and result["msg"].startswith("Failed to build image app:")
    assert "(at Step 2/2 : COPY app.py /)" in result["msg"] and "COPY failed: file not found" in result["msg"]
    assert result["changed"] is False and result["actions"] == []


def test_successful_build_counts_cache_hits_and_keeps_logs_only_when_asked(capsys, context):
    client = mock.Mock()
    client.inspect_image.side_effect = [None, {"Id": "sha256:new"}, None, {"Id": "sha256:new"}]

    def build(fileobj, **kwargs):
        b"".join(fileobj)
        assert kwargs["labels"]["org.llmtwin.content-hash"]
        return iter([{"stream": "Step 1/2\n"}, {"stream": " ---> Using cache\n"}, {"aux": {"ID": "sha256:new"}}])

    client.build.side_effect = build
    result = run(capsys, client, name="app", path=str(context))
    assert result["changed"] and result["cache_hits"] == 1 and "logs" not in result
    assert result["image"]["id"] == "sha256:new" and result["actions"] == ["create image " + result["image"]["reference"]]
    result = run(capsys, client, name="app", path=str(context), return_logs=True)
    assert result["logs"] == ["Step 1/2", " ---> Using cache"]


def test_absent_removes_only_the_named_repository_tags(capsys):
    client = mock.Mock()
    client.images.return_value = [{"RepoTags": ["app:1", "other:1", "app:2"]}]
    result = run(capsys, client, name="app", state="absent")
    assert result["changed"] and result["removed"] == ["app:1", "app:2"]
    assert result["actions"] == ["delete image app:1", "delete image app:2"]
    assert [c.args[0] for c in client.remove_image.call_args_list] == ["app:1", "app:2"]
    client.images.return_value = []
    again = run(capsys, client, name="app", state="absent")
    assert again["changed"] is False and again["actions"] == [] and again["resources"] == ["image app"]


def test_absent_failing_midway_reports_what_was_removed(capsys):
    from docker.errors import APIError

    client = mock.Mock()
    client.images.return_value = [{"RepoTags": ["app:1", "app:2"]}]
    client.remove_image.side_effect = [None, APIError("conflict", explanation="image is in use by a container")]
    result = run(capsys, client, name="app", state="absent")
    assert result["failed"] and result["changed"] is True and result["actions"] == ["delete image app:1"]
    assert result["msg"] == ("Failed to remove image app:2: image is in use by a container "
                             "(already done: delete image app:1)")


def test_the_build_stream_has_its_own_timeout_apart_from_the_api_timeout(tmp_path):
    """The daemon's API timeout (handshake included) is short; only the build stream waits build_timeout."""
    from ansible_collections.llmtwin.deploy.plugins.module_utils._docker import docker_argument_spec

    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    client = mock.Mock()
    client.build.side_effect = lambda fileobj, **kwargs: (b"".join(fileobj), iter([{"aux": {"ID": "sha256:x"}}]))[1]
    mod.build(client, params(tmp_path, build_timeout=1234), [], "app:x", "h")
    assert client.build.call_args.kwargs["timeout"] == 1234
    assert docker_argument_spec()["timeout"]["default"] <= 30
