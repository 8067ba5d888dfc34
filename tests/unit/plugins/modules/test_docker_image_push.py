"""docker_image_push: validation, and push decisions from local and remote digests (fake clients)."""
from unittest import mock

import pytest

from ansible_collections.llmtwin.deploy.plugins.module_utils._docker import DockerFailure
from ansible_collections.llmtwin.deploy.plugins.modules import docker_image_push as mod

REPO = "127.0.0.1:5000/app"


def params(**kwargs):
    base = dict(name="app", source="app:abc", tag=None, extra_tags=["latest"], state="present", registry="127.0.0.1:5000",
                registry_auth="ecr", registry_username=None, registry_password=None)
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
])
def test_bad_input_fails_before_connecting(override, message):
    with pytest.raises(DockerFailure, match=message):
        mod.validate(params(**override))


class FakeModule(object):
    def __init__(self, p, client, check_mode=False, diff=False):
        self.params = p
        self.client = client
        self.check_mode = check_mode
        self._diff = diff

    def inspect_image(self, reference):
        return self.client.inspect_image(reference)


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


def test_nothing_is_pushed_when_remote_digests_equal_the_local_ones():
    client = daemon([REPO + "@sha256:d1"])
    result = mod.ensure_present(FakeModule(params(), client), registry({"abc": "sha256:d1", "latest": "sha256:d1"}),
                                "127.0.0.1:5000", None)
    assert result["changed"] is False and result["pushed"] == []
    assert result["image"]["digest"] == "sha256:d1" and result["image"]["reference"] == REPO + ":abc"
    client.push.assert_not_called()


def test_only_latest_moves_when_it_points_elsewhere():
    client = daemon([REPO + "@sha256:d1"])
    result = mod.ensure_present(FakeModule(params(), client), registry({"abc": "sha256:d1", "latest": "sha256:old"}),
                                "127.0.0.1:5000", {"username": "AWS", "password": "x"})
    assert result["changed"] is True and result["pushed"] == ["latest"]
    client.tag.assert_called_once_with("sha256:img", REPO, tag="latest", force=True)
    assert client.push.call_args.kwargs["auth_config"] == {"username": "AWS", "password": "x"}


def test_first_push_pushes_both_and_returns_the_digest():
    client = daemon([], pushes={"abc": "sha256:d2", "latest": "sha256:d2"})
    result = mod.ensure_present(FakeModule(params(), client, diff=True), registry({}), "127.0.0.1:5000", None)
    assert result["changed"] and result["pushed"] == ["abc", "latest"] and result["image"]["digest"] == "sha256:d2"
    assert result["diff"]["before"] == {"tags": {"abc": None, "latest": None}}
    assert result["diff"]["after"] == {"tags": {"abc": "sha256:d2", "latest": "sha256:d2"}}


def test_check_mode_reports_without_tagging_or_pushing_even_before_the_build():
    client = daemon([])
    client.inspect_image.return_value = None
    result = mod.ensure_present(FakeModule(params(), client, check_mode=True), registry({}), "127.0.0.1:5000", None)
    assert result["changed"] and result["pushed"] == ["abc", "latest"]
    client.tag.assert_not_called()
    client.push.assert_not_called()


def test_missing_local_image_fails_with_a_next_step():
    client = daemon([])
    client.inspect_image.return_value = None
    with pytest.raises(DockerFailure, match="does not exist. Build it first"):
        mod.ensure_present(FakeModule(params(), client), registry({}), "127.0.0.1:5000", None)


def test_push_stream_unauthorized_becomes_a_clear_failure_with_a_hint():
    client = daemon([])
    client.push.side_effect = lambda repo, tag, **kw: iter([{"errorDetail": {"message": "unauthorized: authentication required"},
                                                            "error": "unauthorized: authentication required"}])
    with pytest.raises(DockerFailure) as exc:
        mod.ensure_present(FakeModule(params(), client), registry({}), "127.0.0.1:5000", None)
    assert str(exc.value) == ("Failed to push 127.0.0.1:5000/app:abc: unauthorized: authentication required. "
                              "Try checking registry_auth and the credentials for 127.0.0.1:5000.")


def test_absent_deletes_each_digest_once_and_untags_locally():
    client = mock.Mock()
    client.images.return_value = [{"RepoTags": [REPO + ":abc", REPO + ":latest", "app:abc"]}]
    reg = registry({"abc": "sha256:d1", "latest": "sha256:d1", "old": "sha256:d0"})
    reg.tags.return_value = ["abc", "latest", "old"]
    result = mod.ensure_absent(FakeModule(params(source=None), client), reg, "127.0.0.1:5000", False)
    assert result["changed"]
    assert sorted(c.args[1] for c in reg.delete_manifest.call_args_list) == ["sha256:d0", "sha256:d1"]
    assert [c.args[0] for c in client.remove_image.call_args_list] == [REPO + ":abc", REPO + ":latest"]


def test_absent_on_ecr_uses_the_ecr_api():
    client = mock.Mock()
    client.images.return_value = []
    reg = registry({"abc": "sha256:d1"})
    with mock.patch.object(mod, "ecr_delete_tags", return_value=["abc"]) as delete:
        result = mod.ensure_absent(FakeModule(params(tag="abc", extra_tags=[]), client), reg, "1.dkr.ecr", True)
    delete.assert_called_once()
    assert delete.call_args.args[1:] == ("app", ["abc"])
    reg.delete_manifest.assert_not_called()
    assert result["removed"] == ["1.dkr.ecr/app:abc"]


def test_credentials_take_the_ecr_endpoint_unless_overridden():
    with mock.patch.object(mod, "ecr_authorization", return_value=("AWS", "tok", "1.dkr.ecr.us-east-1.amazonaws.com")):
        assert mod.credentials(params(registry=None)) == ("AWS", "tok", "1.dkr.ecr.us-east-1.amazonaws.com", True)
        assert mod.credentials(params()) == ("AWS", "tok", "127.0.0.1:5000", False)


def absent_case(tags, **overrides):
    """A module asked to remove, a daemon holding REPO:<t> for every remote tag, and the registry."""
    client = mock.Mock()
    client.images.return_value = [{"RepoTags": [REPO + ":" + t for t in tags] + ["app:abc"]}]
    reg = registry(tags)
    reg.tags.return_value = sorted(tags)
    overrides = dict(dict(source=None, state="absent", extra_tags=None), **overrides)
    return FakeModule(params(**overrides), client), client, reg


def test_absent_one_tag_removes_only_that_tag_not_latest_or_neighbours():
    module, client, reg = absent_case({"abc": "sha256:d1", "latest": "sha256:d1", "x": "sha256:d2"}, tag="x")
    result = mod.ensure_absent(module, reg, "127.0.0.1:5000", False)
    assert [c.args for c in reg.delete_manifest.call_args_list] == [("app", "sha256:d2")]
    assert [c.args[0] for c in client.remove_image.call_args_list] == [REPO + ":x"]
    assert result["removed"] == [REPO + ":x", REPO + ":x"] and result["changed"]


def test_absent_refuses_a_tag_whose_manifest_a_kept_tag_shares_and_deletes_nothing():
    module, client, reg = absent_case({"abc": "sha256:d1", "latest": "sha256:d1"}, tag="abc")
    with pytest.raises(DockerFailure, match=r"app:abc: .*abc shares its manifest with latest.*extra_tags"):
        mod.ensure_absent(module, reg, "127.0.0.1:5000", False)
    reg.delete_manifest.assert_not_called()
    client.remove_image.assert_not_called()


def test_absent_removes_a_shared_manifest_when_every_tag_of_it_is_asked_for():
    module, client, reg = absent_case({"abc": "sha256:d1", "latest": "sha256:d1", "x": "sha256:d2"},
                                      tag="abc", extra_tags=["latest"])
    result = mod.ensure_absent(module, reg, "127.0.0.1:5000", False)
    assert [c.args for c in reg.delete_manifest.call_args_list] == [("app", "sha256:d1")]
    assert result["removed"] == [REPO + ":abc", REPO + ":latest", REPO + ":abc", REPO + ":latest"]


def test_absent_on_ecr_deletes_by_tag_even_when_the_image_is_shared_and_reports_what_went():
    module, client, reg = absent_case({"abc": "sha256:d1", "latest": "sha256:d1"}, tag="abc")
    with mock.patch.object(mod, "ecr_delete_tags", return_value=["abc"]) as delete:
        result = mod.ensure_absent(module, reg, "1.dkr.ecr", True)
    assert delete.call_args.args[1:] == ("app", ["abc"])
    reg.tags.assert_not_called()
    assert result["removed"] == ["1.dkr.ecr/app:abc"]


def test_extra_tags_default_to_latest_only_when_pushing():
    assert mod.extra_tags(params(extra_tags=None)) == ["latest"]
    assert mod.extra_tags(params(extra_tags=None, state="absent")) == []
    assert mod.extra_tags(params(extra_tags=["v1"], state="absent")) == ["v1"]
