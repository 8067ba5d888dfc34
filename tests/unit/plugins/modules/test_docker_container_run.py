import pytest

from ansible_collections.llmtwin.deploy.plugins.module_utils._docker import DockerFailure
from ansible_collections.llmtwin.deploy.plugins.modules import docker_container_run as mod


def test_volumes_become_docker_binds():
    assert mod.parse_volumes(["/srv/q:/qdrant", "/etc/x:/x:ro"]) == {
        "/srv/q": {"bind": "/qdrant", "mode": "rw"}, "/etc/x": {"bind": "/x", "mode": "ro"}}


@pytest.mark.parametrize("spec", ["relative:/x", "/a:relative", "/a:/b:rx", "/a", "/a:/b:ro:extra"])
def test_bad_volumes_fail_naming_the_option(spec):
    with pytest.raises(DockerFailure, match="volumes"):
        mod.parse_volumes([spec])


def test_the_last_result_line_decides():
    lines = ['llm_twin result: {"changed": true}', "noise", 'llm_twin result: {"changed": false, "n": 1}']
    assert mod.parse_result(lines, "llm_twin result: ") == {"changed": False, "n": 1}


@pytest.mark.parametrize("lines", [[], ["llm_twin result: not json"], ["llm_twin result: [1, 2]"]])
def test_no_usable_result_line_gives_none(lines):
    assert mod.parse_result(lines, "llm_twin result: ") is None
