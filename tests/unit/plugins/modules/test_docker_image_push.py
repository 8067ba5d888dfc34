"""docker_image_push: validation, and push decisions from local and remote digests (fake clients), through
the module contract (actions, resources, changed, diff only in diff mode)."""
import json
import re
from unittest import mock

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError
from ansible_collections.llmtwin.deploy.plugins.modules import docker_image_push as mod

REPO = "127.0.0.1:5000/app"


def params(**kwargs):
    base = dict(name="app", source="app:abc", tag=None, extra_tags=["latest"], state="present", registry="127.0.0.1:5000",
                registry_auth="ecr", registry_username=None, registry_password=None, region="us-east-1")
    base.update(kwargs)
    return base


@pytest.mark.parametrize("override, message", [
    (dict(name="App/Bad"), "name must be a repository name"),
    (dict(name="127.0.0.1:5000/app"), "name must be a repository name"),
    (dict(source=None), "source is required"),
    (dict(source="app"), "source must carry a tag"),
    (dict(extra_tags=["bad tag"]), "is not a valid Docker tag"),
    (dict(registry_auth="none", registry=None), "registry is required unless registry_auth=ecr"),
    (dict(registry_auth="basic"), "registry_username and registry_password are required"),
    (dict(region=None), "region is required with registry_auth=ecr"),
])
def test_bad_input_fails_before_connecting(override, message):
    with pytest.raises(ModuleError, match=message):
        mod.validate(params(**override))


class FakeDaemon(object):
    def __init__(self, client):
        self.api = client

    def inspect_image(self, reference):
        return self.api.inspect_image(reference)

    def close(self):
        pass


def run(capsys, client, reg, host="127.0.0.1:5000", is_ecr=False, auth=None, check_mode=False, diff=False, **args):
    """The whole module with the daemon, the registry and the credentials replaced by fakes."""
    def connect(self):
        self.daemon = FakeDaemon(client)
        self.registry, self.registry_host, self.is_ecr, self.auth_config = reg, host, is_ecr, auth

    args = dict(dict(name="app", source="app:abc", registry=host, region="us-east-1"), **args)
    with patch_module_args(dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)):
        with mock.patch.object(mod.ImagePush, "connect", connect), pytest.raises(SystemExit):
            mod.main()
    return json.loads(capsys.readouterr().out)


def registry(digests):
    fake = mock.Mock()
    fake.manifest_digest.side_effect = lambda name, tag: digests.get(tag)
    return fake


def daemon(repo_digests, pushes=None):
    client = mock.Mock()
    client.inspect_image.return_value = {"Id": "sha256:img", "RepoDigests": repo_digests}
    pushes = pushes or {}
    client.push.side_effect = lambda repo, tag, **kw: iter([{"status": "Pushed"},
                                                           {"aux": {"Tag": tag, "Digest": pushes.get(tag, "sha256:new")}}])
    return client


def test_nothing_is_pushed_when_remote_digests_equal_the_local_ones(capsys):
    client = daemon([REPO + "@sha256:d1"])
    result = run(capsys, client, registry({"abc": "sha256:d1", "latest": "sha256:d1"}))
    assert result["changed"] is False and result["pushed"] == [] and result["actions"] == []
    assert result["resources"] == ["tag %s:abc" % REPO, "tag %s:latest" % REPO]
    assert result["image"]["digest"] == "sha256:d1" and result["image"]["reference"] == REPO + ":abc"
    client.push.assert_not_called()


def test_only_latest_moves_when_it_points_elsewhere(capsys):
    client = daemon([REPO + "@sha256:d1"], pushes={"latest": "sha256:d1"})
    result = run(capsys, client, registry({"abc": "sha256:d1", "latest": "sha256:old"}),
                 auth={"username": "AWS", "password": "x"})
    assert result["changed"] is True and result["pushed"] == ["latest"]
    assert result["actions"] == ["update tag %s:latest: digest sha256:d1" % REPO]
    client.tag.assert_called_once_with("sha256:img", REPO, tag="latest", force=True)
    assert client.push.call_args.kwargs["auth_config"] == {"username": "AWS", "password": "x"}


def test_first_push_pushes_both_and_returns_the_digest(capsys):
    client = daemon([], pushes={"abc": "sha256:d2", "latest": "sha256:d2"})
    result = run(capsys, client, registry({}), diff=True)
    assert result["changed"] and result["pushed"] == ["abc", "latest"] and result["image"]["digest"] == "sha256:d2"
    assert result["actions"] == ["create tag %s:abc: digest sha256:d2" % REPO, "create tag %s:latest: digest sha256:d2" % REPO]
    assert result["diff"]["before"] == {"tags": {"abc": None, "latest": None}}
    assert result["diff"]["after"] == {"tags": {"abc": "sha256:d2", "latest": "sha256:d2"}}


def test_a_push_that_leaves_the_remote_digest_unchanged_is_not_a_change(capsys):
    """The tag was pushed by someone else with the same digest: pushed again, but nothing changed."""
    client = daemon([], pushes={"abc": "sha256:d1", "latest": "sha256:d1"})
    result = run(capsys, client, registry({"abc": "sha256:d1", "latest": "sha256:d1"}))
    assert result["pushed"] == ["abc"] and result["changed"] is False and result["actions"] == []


def test_check_mode_reports_without_tagging_or_pushing_even_before_the_build(capsys):
    client = daemon([])
    client.inspect_image.return_value = None
    result = run(capsys, client, registry({}), check_mode=True)
    assert result["changed"] and result["pushed"] == ["abc", "latest"]
    assert result["actions"] == ["create tag %s:abc" % REPO, "create tag %s:latest" % REPO]
    client.tag.assert_not_called()
    client.push.assert_not_called()


def test_missing_local_image_fails_with_a_next_step(capsys):
    client = daemon([])
    client.inspect_image.return_value = None
    result = run(capsys, client, registry({}))
    assert result["failed"] and "does not exist. Build it first" in result["msg"] and result["changed"] is False


def test_push_stream_unauthorized_becomes_a_clear_failure_with_a_hint(capsys):
    client = daemon([])
    client.push.side_effect = lambda repo, tag, **kw: iter([{"errorDetail": {"message": "unauthorized: authentication required"},
                                                            "error": "unauthorized: authentication required"}])
    result = run(capsys, client, registry({}))
    assert result["msg"] == ("Failed to push 127.0.0.1:5000/app:abc: unauthorized: authentication required. "
                             "Try checking registry_auth and the credentials for 127.0.0.1:5000.")


def test_a_failure_after_the_first_push_reports_it(capsys):
    client = daemon([], pushes={"abc": "sha256:d2"})
    pushes = client.push.side_effect
    client.push.side_effect = lambda repo, tag, **kw: pushes(repo, tag) if tag == "abc" else iter([{"error": "denied"}])
    result = run(capsys, client, registry({}))
    assert result["failed"] and result["changed"] is True
    assert result["actions"] == ["create tag %s:abc: digest sha256:d2" % REPO]
    assert result["msg"].startswith("Failed to push %s:latest: denied." % REPO)


def test_absent_deletes_each_digest_once_and_untags_locally(capsys):
    client = mock.Mock()
    client.images.return_value = [{"RepoTags": [REPO + ":abc", REPO + ":latest", "app:abc"]}]
    reg = registry({"abc": "sha256:d1", "latest": "sha256:d1", "old": "sha256:d0"})
    reg.tags.return_value = ["abc", "latest", "old"]
    result = run(capsys, client, reg, source=None, state="absent")
    assert result["changed"]
    assert sorted(c.args[1] for c in reg.delete_manifest.call_args_list) == ["sha256:d0", "sha256:d1"]
    assert [c.args[0] for c in client.remove_image.call_args_list] == [REPO + ":abc", REPO + ":latest"]
    assert result["actions"] == ["delete tag %s:old: manifest sha256:d0" % REPO,
                                 "delete tag %s:abc: manifest sha256:d1" % REPO,
                                 "delete tag %s:latest: manifest sha256:d1" % REPO,
                                 "delete image %s:abc" % REPO, "delete image %s:latest" % REPO]


def test_absent_on_ecr_uses_the_ecr_api(capsys):
    client = mock.Mock()
    client.images.return_value = []
    reg = registry({"abc": "sha256:d1"})
    with mock.patch.object(mod, "ecr_delete_tags", return_value=["abc"]) as delete:
        result = run(capsys, client, reg, host="1.dkr.ecr", is_ecr=True, source=None, state="absent", tag="abc",
                     extra_tags=[])
    delete.assert_called_once()
    assert delete.call_args.args[1:] == ("app", ["abc"])
    reg.delete_manifest.assert_not_called()
    assert result["removed"] == ["1.dkr.ecr/app:abc"] and result["actions"] == ["delete tag 1.dkr.ecr/app:abc"]


def test_credentials_take_the_ecr_endpoint_unless_overridden():
    with mock.patch.object(mod, "ecr_authorization", return_value=("AWS", "tok", "1.dkr.ecr.us-east-1.amazonaws.com")):
        assert mod.credentials(params(registry=None)) == ("AWS", "tok", "1.dkr.ecr.us-east-1.amazonaws.com", True)
        assert mod.credentials(params()) == ("AWS", "tok", "127.0.0.1:5000", False)


def absent_case(tags):
    """A daemon holding REPO:<t> for every remote tag (and app:abc), and the registry."""
    client = mock.Mock()
    client.images.return_value = [{"RepoTags": [REPO + ":" + t for t in tags] + ["app:abc"]}]
    reg = registry(tags)
    reg.tags.return_value = sorted(tags)
    return client, reg


def test_absent_one_tag_removes_only_that_tag_not_latest_or_neighbours(capsys):
    client, reg = absent_case({"abc": "sha256:d1", "latest": "sha256:d1", "x": "sha256:d2"})
    result = run(capsys, client, reg, source=None, state="absent", tag="x")
    assert [c.args for c in reg.delete_manifest.call_args_list] == [("app", "sha256:d2")]
    assert [c.args[0] for c in client.remove_image.call_args_list] == [REPO + ":x"]
    assert result["removed"] == [REPO + ":x", REPO + ":x"] and result["changed"]


def test_absent_refuses_a_tag_whose_manifest_a_kept_tag_shares_and_deletes_nothing(capsys):
    client, reg = absent_case({"abc": "sha256:d1", "latest": "sha256:d1"})
    result = run(capsys, client, reg, source=None, state="absent", tag="abc")
    assert result["failed"] and result["changed"] is False and result["actions"] == []
    assert re.search(r"app:abc: .*abc shares its manifest with latest.*extra_tags", result["msg"]), result["msg"]
    reg.delete_manifest.assert_not_called()
    client.remove_image.assert_not_called()


def test_absent_removes_a_shared_manifest_when_every_tag_of_it_is_asked_for(capsys):
    client, reg = absent_case({"abc": "sha256:d1", "latest": "sha256:d1", "x": "sha256:d2"})
    result = run(capsys, client, reg, source=None, state="absent", tag="abc", extra_tags=["latest"])
    assert [c.args for c in reg.delete_manifest.call_args_list] == [("app", "sha256:d1")]
    assert result["removed"] == [REPO + ":abc", REPO + ":latest", REPO + ":abc", REPO + ":latest"]


def test_absent_on_ecr_deletes_by_tag_even_when_the_image_is_shared_and_reports_what_went(capsys):
    client, reg = absent_case({"abc": "sha256:d1", "latest": "sha256:d1"})
    with mock.patch.object(mod, "ecr_delete_tags", return_value=["abc"]) as delete:
        result = run(capsys, client, reg, host="1.dkr.ecr", is_ecr=True, source=None, state="absent", tag="abc")
    assert delete.call_args.args[1:] == ("app", ["abc"])
    reg.tags.assert_not_called()
    assert result["removed"] == ["1.dkr.ecr/app:abc"]


def test_absent_in_check_mode_deletes_nothing_and_says_what_would_go(capsys):
    client, reg = absent_case({"abc": "sha256:d1", "x": "sha256:d2"})
    result = run(capsys, client, reg, check_mode=True, source=None, state="absent", tag="x")
    assert result["changed"] and result["actions"] == ["delete tag %s:x: manifest sha256:d2" % REPO, "delete image %s:x" % REPO]
    reg.delete_manifest.assert_not_called()
    client.remove_image.assert_not_called()


def test_extra_tags_default_to_latest_only_when_pushing():
    assert mod.extra_tags(params(extra_tags=None)) == ["latest"]
    assert mod.extra_tags(params(extra_tags=None, state="absent")) == []
    assert mod.extra_tags(params(extra_tags=["v1"], state="absent")) == ["v1"]
