"""docker_image_build / docker_image_push against the local stack's dockerd and registry.

The .dockerignore semantics are checked against Docker itself: the docker CLI builds the same
context with `COPY . /ctx/`, and the files in its image must be exactly the files our module hashed
and streamed (which its own `COPY . /ctx/` image must contain too).
"""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import uuid

import docker
import pytest
import requests

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

DOCKERIGNORE = """
# comments and blank lines are skipped

*.log
!important.log
build/
**/__pycache__
docs/**/*.md
!docs/keep/*.md
/secret.txt
data
!data/keep.txt
sub/*/deep.txt
?.tmp
"""

FILES = [
    "Dockerfile", "app.py", "a.log", "important.log", "build/out.bin", "pkg/__pycache__/m.pyc", "pkg/m.py",
    "docs/index.txt", "docs/x/y/readme.md", "docs/keep/keep.md", "docs/top.md", "secret.txt", "sub/secret.txt",
    "data/drop.txt", "data/keep.txt", "sub/a/deep.txt", "sub/a/b/deep.txt", "x.tmp", "xy.tmp",
]


@pytest.fixture()
def client(stack):
    c = docker.DockerClient(base_url=stack.docker_host, timeout=120)
    yield c
    c.close()


@pytest.fixture()
def name():
    return "itest-mod-%s" % uuid.uuid4().hex[:8]


@pytest.fixture()
def context(tmp_path):
    root = tmp_path / "ctx"
    for rel in FILES:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("content of %s\n" % rel)
    (root / "Dockerfile").write_text("FROM scratch\nCOPY . /ctx/\n")
    (root / ".dockerignore").write_text(DOCKERIGNORE)
    (root / "run.sh").write_text("#!/bin/sh\n")
    (root / "run.sh").chmod(0o755)
    os.symlink("app.py", root / "link.py")
    return root


def module(stack, name, args, check=False, timeout=300):
    """Run one module through `ansible localhost -m` and return (rc, result dict, raw output)."""
    cmd = [str(BIN / "ansible"), "localhost", "-m", "llmtwin.deploy.%s" % name, "-a", json.dumps(args), "-o"]
    if check:
        cmd.append("--check")
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False,
                          env={**stack.env(), "ANSIBLE_NOCOLOR": "1"})
    out = proc.stdout + proc.stderr
    body = out[out.index("{"):] if "{" in out else "{}"
    try:
        result = json.JSONDecoder().raw_decode(body)[0]
    except ValueError:
        result = {}
    return proc.returncode, result, out


def image_files(client, reference):
    """The files under /ctx of an image (export of a created, never started container)."""
    container = client.containers.create(reference, command=["none"])
    try:
        data = b"".join(container.export())
    finally:
        container.remove()
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return sorted(m.name[len("ctx/"):] for m in tar.getmembers() if m.isfile() or m.issym()
                      if m.name.startswith("ctx/"))


def remove_images(client, name):
    """Every image tagged or pushed under name, including ones left with only a repo digest."""
    def ours(ref):
        ref = ref.split("@")[0]
        return ref == name or ref.rsplit(":", 1)[0] == name

    for image in client.images.list():
        for tag in image.tags:
            if ours(tag):
                client.images.remove(tag, force=True)
    for image in client.images.list():
        if any(ours(ref) for ref in image.attrs.get("RepoDigests") or []):
            try:
                client.images.remove(image.id, force=True)
            except docker.errors.APIError:  # still the parent of another image: it goes with that one
                pass


def test_context_matches_what_docker_sends(stack, client, context, name):
    rc, result, out = module(stack, "docker_image_build", {"name": name, "path": str(context)})
    try:
        assert rc == 0, out
        ours = image_files(client, result["image"]["reference"])
        cli = shutil.which("docker") or "/usr/bin/docker"
        reference = "%s:cli" % name
        proc = subprocess.run([cli, "build", "-q", "--network", "host", "-t", reference, str(context)],
                              capture_output=True, text=True, timeout=300, check=False,
                              env={**stack.env(), "DOCKER_BUILDKIT": "0"})
        assert proc.returncode == 0, proc.stderr
        theirs = image_files(client, reference)
        assert ours == theirs
        # spot checks, so a test that cannot fail does not pass by both sides being empty
        assert "important.log" in ours and "a.log" not in ours
        assert "docs/keep/keep.md" in ours and "docs/x/y/readme.md" not in ours
        assert "data/keep.txt" in ours and "data/drop.txt" not in ours
        assert "sub/secret.txt" in ours and "secret.txt" not in ours
        assert "link.py" in ours and "x.tmp" not in ours and "xy.tmp" in ours
        assert result["image"]["files"] == len([f for f in ours if f != "link.py"])
    finally:
        remove_images(client, name)


def test_build_is_skipped_when_the_hash_is_built_and_errors_are_one_message(stack, client, context, name):
    try:
        rc, check, out = module(stack, "docker_image_build", {"name": name, "path": str(context)}, check=True)
        assert rc == 0 and check["changed"] and check["built"] and check["image"]["id"] is None, out
        assert not client.images.list(name=name)
        rc, first, out = module(stack, "docker_image_build", {"name": name, "path": str(context)})
        assert rc == 0 and first["changed"] and first["image"]["tag"] == check["image"]["tag"], out
        assert "logs" not in first
        started = time.monotonic()
        rc, second, out = module(stack, "docker_image_build", {"name": name, "path": str(context)})
        assert rc == 0 and not second["changed"] and not second["built"], out
        assert second["image"]["id"] == first["image"]["id"]
        assert time.monotonic() - started < 10
        # a build arg or a file's mode is part of the hash; mtimes are not
        rc, other, out = module(stack, "docker_image_build", {"name": name, "path": str(context), "build_args": {"X": "1"}},
                                check=True)
        assert other["changed"] and other["image"]["tag"] != first["image"]["tag"]
        os.utime(context / "app.py", (1, 1))
        rc, same, out = module(stack, "docker_image_build", {"name": name, "path": str(context)}, check=True)
        assert not same["changed"]
        (context / "app.py").chmod(0o700)
        rc, mode, out = module(stack, "docker_image_build", {"name": name, "path": str(context)}, check=True)
        assert mode["changed"]

        (context / "Dockerfile").write_text("FROM scratch\nCOPY missing-file /x\n")
        rc, failed, out = module(stack, "docker_image_build", {"name": name, "path": str(context)})
        assert rc != 0 and "Traceback" not in out
        assert failed["msg"].startswith("Failed to build image %s:" % name) and "missing-file" in failed["msg"], out

        rc, failed, out = module(stack, "docker_image_build", {"name": name, "path": str(context), "dockerfile": "Nope"})
        assert rc != 0 and "dockerfile Nope does not exist" in failed["msg"], out
        rc, failed, out = module(stack, "docker_image_build", {"name": name, "path": str(context / "nowhere")})
        assert rc != 0 and "path must be an existing build context directory" in failed["msg"], out
        rc, failed, out = module(stack, "docker_image_build", {"name": name, "path": str(context),
                                                               "docker_host": "unix:///nonexistent/docker.sock"})
        assert rc != 0 and "Traceback" not in out
        assert failed["msg"].startswith("Failed to connect to the Docker daemon at unix:///nonexistent/docker.sock")

        rc, gone, out = module(stack, "docker_image_build", {"name": name, "state": "absent"})
        assert rc == 0 and gone["changed"] and gone["removed"] == [first["image"]["reference"]], out
        rc, again, out = module(stack, "docker_image_build", {"name": name, "state": "absent"})
        assert rc == 0 and not again["changed"], out
    finally:
        remove_images(client, name)


def test_push_moves_latest_and_reports_digest_changes_only(stack, client, context, name):
    base = {"name": name, "registry": stack.registry}
    auth = requests.auth.HTTPBasicAuth(stack.registry_user, stack.registry_password)
    accept = {"Accept": "application/vnd.docker.distribution.manifest.v2+json"}

    def remote(tag):
        r = requests.head("http://%s/v2/%s/manifests/%s" % (stack.registry, name, tag), auth=auth, headers=accept,
                          timeout=10)
        return r.headers.get("Docker-Content-Digest") if r.status_code == 200 else None

    try:
        rc, built, out = module(stack, "docker_image_build", {"name": name, "path": str(context)})
        assert rc == 0, out
        source = built["image"]["reference"]
        tag = built["image"]["tag"]
        rc, check, out = module(stack, "docker_image_push", {**base, "source": source}, check=True)
        assert rc == 0 and check["changed"] and check["pushed"] == [tag, "latest"], out
        assert remote(tag) is None
        rc, pushed, out = module(stack, "docker_image_push", {**base, "source": source})
        assert rc == 0 and pushed["changed"], out
        digest = pushed["image"]["digest"]
        assert digest.startswith("sha256:") and remote(tag) == digest and remote("latest") == digest
        assert pushed["image"]["reference"] == "%s/%s:%s" % (stack.registry, name, tag)
        for check_mode in (True, False):
            rc, again, out = module(stack, "docker_image_push", {**base, "source": source}, check=check_mode)
            assert rc == 0 and not again["changed"] and again["pushed"] == [], out

        # drift: latest moved by hand to another image; check mode sees it, a run repairs it
        (context / "app.py").write_text("changed\n")
        rc, other, out = module(stack, "docker_image_build", {"name": name, "path": str(context)})
        low = docker.APIClient(base_url=stack.docker_host, timeout=60)
        low.tag(other["image"]["reference"], "%s/%s" % (stack.registry, name), "latest")
        list(low.push("%s/%s" % (stack.registry, name), "latest", stream=True, decode=True,
                      auth_config={"username": stack.registry_user, "password": stack.registry_password}))
        low.close()
        assert remote("latest") != digest
        rc, drift, out = module(stack, "docker_image_push", {**base, "source": source}, check=True)
        assert rc == 0 and drift["changed"] and drift["pushed"] == ["latest"], out
        rc, fixed, out = module(stack, "docker_image_push", {**base, "source": source})
        assert rc == 0 and fixed["changed"] and remote("latest") == digest, out

        # refused credentials: one clear message, no traceback, the password nowhere
        rc, failed, out = module(stack, "docker_image_push", {**base, "source": source, "registry_auth": "basic",
                                                              "registry_username": "AWS", "registry_password": "wrong-pw"})
        assert rc != 0 and "Traceback" not in out and "refused the credentials" in failed["msg"], out
        assert "Try checking" in failed["msg"] and "wrong-pw" not in out
        rc, failed, out = module(stack, "docker_image_push", {**base, "source": "%s:nope" % name})
        assert rc != 0 and "does not exist. Build it first" in failed["msg"], out

        rc, gone, out = module(stack, "docker_image_push", {**base, "state": "absent"})
        assert rc == 0 and gone["changed"] and remote(tag) is None and remote("latest") is None, out
        assert not [t for i in client.images.list() for t in i.tags if t.startswith("%s/%s:" % (stack.registry, name))]
        rc, again, out = module(stack, "docker_image_push", {**base, "state": "absent"})
        assert rc == 0 and not again["changed"], out
    finally:
        remove_images(client, name)
        remove_images(client, "%s/%s" % (stack.registry, name))
        session = requests.Session()
        r = session.get("http://%s/v2/%s/tags/list" % (stack.registry, name), auth=auth, timeout=10)
        for t in (r.json().get("tags") or []) if r.status_code == 200 else []:
            d = session.head("http://%s/v2/%s/manifests/%s" % (stack.registry, name, t), auth=auth,
                             headers=accept, timeout=10).headers.get("Docker-Content-Digest")
            if d:
                session.delete("http://%s/v2/%s/manifests/%s" % (stack.registry, name, d), auth=auth, timeout=10)
