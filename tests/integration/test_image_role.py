"""The image role against the local stack: moto's ECR token, the private dockerd, the local registry.

Uses a copy of the molecule scenario's tiny FROM scratch context and a repository name of its own,
so it never touches the application's image. Four steps, a one-line change, drift, bad input,
secrets in -vvv, and teardown.
"""
from __future__ import annotations

import base64
import shutil
import time
import uuid
from pathlib import Path

import docker
import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
CONTEXT = REPO / "roles" / "image" / "molecule" / "default" / "files" / "context"
PLAYBOOK = REPO / "playbooks" / "image.yml"
ACCEPT = {"Accept": "application/vnd.docker.distribution.manifest.v2+json"}
# the image target, then a play that checks what it published (tagged always: it runs under any --tags)
OUTPUTS_PLAY = """
- name: The image target
  ansible.builtin.import_playbook: %s

- name: Check what the image target published
  hosts: deployer
  gather_facts: false
  tags: [always]
  tasks:
    - name: Check image_outputs
      ansible.builtin.assert:
        that:
          - image_outputs.digest == '%s'
          - image_outputs.repository == '%s'
          - image_outputs.reference == image_outputs.repository ~ ':%s'
          - image_outputs.latest == image_outputs.repository ~ ':latest'
          - image_reference == image_outputs.reference and image_digest == image_outputs.digest
          - image_latest == image_outputs.latest
"""


@pytest.fixture()
def setup(stack, tmp_path, playbook):
    context = tmp_path / "context"
    shutil.copytree(CONTEXT, context, symlinks=True)
    name = "itest-image-%s" % uuid.uuid4().hex[:8]
    extra = {"image_context_dir": str(context), "image_repository_name": name,
             "image_pipeline_configs_dir": str(tmp_path / "configs"),
             "image_hash_cache": str(tmp_path / "hash-cache.json")}
    yield context, name, extra
    playbook(PLAYBOOK, extra_vars={**extra, "image_state": "absent"}, env=stack.env())
    client = docker.DockerClient(base_url=stack.docker_host, timeout=60)
    for image in client.images.list():
        if any(name in ref for ref in image.tags + image.attrs.get("RepoDigests", [])):
            try:
                client.images.remove(image.id, force=True)
            except docker.errors.NotFound:
                pass
    client.close()


def remote(stack, name, tag):
    r = requests.head("http://%s/v2/%s/manifests/%s" % (stack.registry, name, tag), headers=ACCEPT, timeout=10,
                      auth=(stack.registry_user, stack.registry_password))
    return r.headers.get("Docker-Content-Digest") if r.status_code == 200 else None


def local_tags(stack, name):
    client = docker.DockerClient(base_url=stack.docker_host, timeout=60)
    try:
        return sorted(t for i in client.images.list() for t in i.tags if t.split(":")[0].endswith(name))
    finally:
        client.close()


def test_role_builds_pushes_is_idempotent_and_tears_down(stack, setup, playbook):
    context, name, extra = setup
    env = stack.env()

    check = playbook(PLAYBOOK, "--check", extra_vars=extra, env=env)
    assert check.rc == 0 and check.changed >= 2, check
    assert local_tags(stack, name) == [] and remote(stack, name, "latest") is None

    run = playbook(PLAYBOOK, extra_vars=extra, env=env)
    assert run.rc == 0 and run.changed >= 2, run
    digest = remote(stack, name, "latest")
    assert digest and digest.startswith("sha256:")
    (tag,) = [t.split(":")[1] for t in local_tags(stack, name) if t.startswith(name + ":")]
    assert remote(stack, name, tag) == digest
    config = (Path(extra["image_pipeline_configs_dir"]) / "pipeline.yaml").read_text()
    assert "parent_image: %s/%s:latest" % (stack.registry, name) in config and "skip_build: true" in config

    for args in (("--check",), ()):
        again = playbook(PLAYBOOK, *args, extra_vars=extra, env=env)
        assert again.rc == 0 and again.changed == 0, again
        # nothing was built or pushed: the build and push tasks report ok, not changed
        assert "changed: [localhost]" not in again.stdout

    # the outputs under --tags of another role: computed read-only, still the same facts; image_outputs
    # and its deprecated aliases agree, and name the pushed digest
    outputs = context.parent / "outputs.yml"
    outputs.write_text(OUTPUTS_PLAY % (PLAYBOOK, digest, "%s/%s" % (stack.registry, name), tag))
    facts = playbook(outputs, "--tags", "nothing-else", extra_vars=extra, env=env)
    assert facts.rc == 0 and facts.changed == 0, facts
    assert "Compute the image's content hash" in facts.stdout and "Set the image facts" in facts.stdout
    assert "Check image_outputs" in facts.stdout, facts

    # a one-line source change: new tag, latest moved, the unchanged app/ layer reused
    client = docker.DockerClient(base_url=stack.docker_host, timeout=60)
    old_layers = client.images.get("%s:%s" % (name, tag)).attrs["RootFS"]["Layers"]
    (context / "VERSION").write_text("2\n")
    changed = playbook(PLAYBOOK, extra_vars=extra, env=env)
    assert changed.rc == 0 and changed.changed >= 2, changed
    new_tags = [t.split(":")[1] for t in local_tags(stack, name) if t.startswith(name + ":") and not t.endswith(tag)]
    assert len(new_tags) == 1
    new_digest = remote(stack, name, new_tags[0])
    assert new_digest and new_digest != digest and remote(stack, name, "latest") == new_digest
    assert remote(stack, name, tag) == digest  # the old tag stays: pipelines may still run it
    new_layers = client.images.get("%s:%s" % (name, new_tags[0])).attrs["RootFS"]["Layers"]
    assert new_layers[0] == old_layers[0] and new_layers[-1] != old_layers[-1]

    # drift: latest deleted by hand in the registry (with the digest it shares with the new tag)
    requests.delete("http://%s/v2/%s/manifests/%s" % (stack.registry, name, new_digest), timeout=10,
                    auth=(stack.registry_user, stack.registry_password))
    assert remote(stack, name, "latest") is None
    drift = playbook(PLAYBOOK, "--check", extra_vars=extra, env=env)
    assert drift.rc == 0 and drift.changed >= 1 and remote(stack, name, "latest") is None, drift
    repaired = playbook(PLAYBOOK, extra_vars=extra, env=env)
    assert repaired.rc == 0 and repaired.changed >= 1 and remote(stack, name, "latest"), repaired
    client.close()

    gone = playbook(PLAYBOOK, extra_vars={**extra, "image_state": "absent"}, env=env)
    assert gone.rc == 0 and gone.changed >= 1, gone
    assert remote(stack, name, "latest") is None and remote(stack, name, tag) is None
    assert local_tags(stack, name) == []
    assert not (Path(extra["image_pipeline_configs_dir"]) / "pipeline.yaml").exists()
    again = playbook(PLAYBOOK, extra_vars={**extra, "image_state": "absent"}, env=env)
    assert again.rc == 0 and again.changed == 0, again


@pytest.mark.parametrize("override, message", [
    ({"image_dockerfile": "Nope"}, "dockerfile Nope does not exist in the build context"),
    ({"image_context_dir": "/nonexistent/context"}, "path must be an existing build context directory"),
    ({"image_docker_host": "unix:///nonexistent/docker.sock"}, "Failed to connect to the Docker daemon"),
    # moto hands out a token for the asked registry id, which the local registry does not accept
    ({"image_registry_id": "210987654321"}, "refused the credentials"),
])
def test_bad_input_fails_with_one_clear_message(stack, setup, playbook, override, message):
    _context, _name, extra = setup
    started = time.monotonic()
    run = playbook(PLAYBOOK, extra_vars={**extra, **override}, env=stack.env(), timeout=120)
    assert run.rc != 0 and run.failed == 1, run
    assert message in run.stdout, run
    assert "Traceback" not in run.stdout + run.stderr
    assert time.monotonic() - started < 60


def test_no_registry_secret_in_verbose_output(stack, setup, playbook):
    _context, _name, extra = setup
    run = playbook(PLAYBOOK, "-vvv", extra_vars=extra, env=stack.env())
    assert run.rc == 0, run
    out = run.stdout + run.stderr
    token = base64.b64encode(("AWS:" + stack.registry_password).encode()).decode()
    assert stack.registry_password not in out and token not in out
