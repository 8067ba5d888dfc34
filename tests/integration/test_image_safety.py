"""Data safety of docker_image_push state=absent against the local stack's registry and dockerd (issue 11).

The local registry (distribution 2.8) can only delete a manifest by digest, which takes every tag that
points at it: removing one tag must never take its neighbours with it.
"""
from __future__ import annotations

import uuid

import docker
import pytest
import requests

from test_image_modules import module, remove_images

ACCEPT = {"Accept": "application/vnd.docker.distribution.manifest.v2+json"}


@pytest.fixture()
def name():
    return "e11-img-%s" % uuid.uuid4().hex[:8]


@pytest.fixture()
def client(stack):
    c = docker.DockerClient(base_url=stack.docker_host, timeout=120)
    yield c
    c.close()


def build(stack, name, root, content):
    root.mkdir(parents=True, exist_ok=True)
    (root / "Dockerfile").write_text("FROM scratch\nCOPY app.txt /app.txt\n")
    (root / "app.txt").write_text(content)
    rc, built, out = module(stack, "docker_image_build", {"name": name, "path": str(root)})
    assert rc == 0, out
    return built["image"]


def test_absent_removes_exactly_the_tags_asked_for(stack, client, name, tmp_path):
    auth = requests.auth.HTTPBasicAuth(stack.registry_user, stack.registry_password)
    base = {"name": name, "registry": stack.registry}
    repository = "%s/%s" % (stack.registry, name)

    def remote(tag):
        r = requests.head("http://%s/v2/%s/manifests/%s" % (stack.registry, name, tag), auth=auth, headers=ACCEPT,
                          timeout=10)
        return r.headers.get("Docker-Content-Digest") if r.status_code == 200 else None

    def local():
        return sorted(t for i in client.images.list() for t in i.tags if t.startswith(repository + ":"))

    try:
        first = build(stack, name, tmp_path / "a", "one\n")
        second = build(stack, name, tmp_path / "b", "two\n")
        h = first["tag"]
        # H and latest share one manifest; x is another image
        rc, pushed, out = module(stack, "docker_image_push", {**base, "source": first["reference"]})
        assert rc == 0 and pushed["changed"], out
        rc, pushed_x, out = module(stack, "docker_image_push", {**base, "source": second["reference"], "tag": "x",
                                                                "extra_tags": []})
        assert rc == 0 and pushed_x["changed"], out
        shared = remote(h)
        assert shared and remote("latest") == shared and remote("x") not in (None, shared)
        assert local() == sorted(["%s:%s" % (repository, t) for t in (h, "latest", "x")])

        # one tag on its own manifest: only that tag goes, remotely and locally, and removed says so
        for check_mode in (True, False):
            rc, gone, out = module(stack, "docker_image_push", {**base, "state": "absent", "tag": "x"}, check=check_mode)
            assert rc == 0 and gone["changed"], out
            assert gone["removed"] == ["%s:x" % repository, "%s:x" % repository], out
        assert remote("x") is None and remote(h) == shared and remote("latest") == shared
        assert local() == sorted(["%s:%s" % (repository, t) for t in (h, "latest")])

        # a tag that shares its manifest with a tag that stays cannot be deleted alone on this registry:
        # refused, in check mode too, one message naming the neighbour, and nothing deleted
        for check_mode in (True, False):
            rc, refused, out = module(stack, "docker_image_push", {**base, "state": "absent", "tag": h, "extra_tags": []},
                                      check=check_mode)
            assert rc != 0 and "Traceback" not in out, out
            assert "latest" in refused["msg"] and "extra_tags" in refused["msg"], out
            assert refused.get("changed") is False, out
        assert remote(h) == shared and remote("latest") == shared
        assert local() == sorted(["%s:%s" % (repository, t) for t in (h, "latest")])

        # asking for both removes the shared manifest, and removed lists both tags and both local references
        rc, both, out = module(stack, "docker_image_push", {**base, "state": "absent", "tag": h, "extra_tags": ["latest"]})
        assert rc == 0 and both["changed"], out
        expected = sorted("%s:%s" % (repository, t) for t in (h, "latest"))
        assert sorted(both["removed"]) == sorted(expected * 2), out
        assert remote(h) is None and remote("latest") is None and local() == []
        rc, again, out = module(stack, "docker_image_push", {**base, "state": "absent", "tag": h, "extra_tags": ["latest"]})
        assert rc == 0 and not again["changed"] and again["removed"] == [], out
    finally:
        remove_images(client, name)
        remove_images(client, repository)
        session = requests.Session()
        r = session.get("http://%s/v2/%s/tags/list" % (stack.registry, name), auth=auth, timeout=10)
        for t in (r.json().get("tags") or []) if r.status_code == 200 else []:
            d = session.head("http://%s/v2/%s/manifests/%s" % (stack.registry, name, t), auth=auth,
                             headers=ACCEPT, timeout=10).headers.get("Docker-Content-Digest")
            if d:
                session.delete("http://%s/v2/%s/manifests/%s" % (stack.registry, name, d), auth=auth, timeout=10)


# ------------------------------------------------------------------ a hung daemon or registry fails within a minute

def test_a_hung_daemon_or_registry_fails_within_a_minute_with_the_defaults(stack, tmp_path, silent_endpoint):
    """The build timeout (600 s) used to cover the daemon's version handshake too: 602 s on a hung daemon."""
    import socket
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from test_aws_safety import run

    path = tmp_path / "hung.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.listen(16)
    server.settimeout(0.2)
    held, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    threading.Thread(target=accept, daemon=True).start()
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM scratch\n")
    try:
        url = silent_endpoint
        with ThreadPoolExecutor(3) as pool:
            cases = [
                ("docker_image_build", {"name": "e11-hung", "path": str(context), "docker_host": "unix://%s" % path}),
                ("docker_image_build", {"name": "e11-hung", "state": "absent", "docker_host": "unix://%s" % path}),
                ("docker_image_push", {"name": "e11-hung", "source": "e11-hung:x", "registry_auth": "none",
                                       "registry": url.replace("http://", "")}),
            ]
            # bounded: the subprocess timeout stops a hang at 75 s
            runs = list(pool.map(lambda c: run(c[0], c[1], stack, timeout=75), cases))
    finally:
        stop.set()
        for conn in held:
            conn.close()
        server.close()
    for (module, args), (rc, result, out, seconds) in zip(cases, runs):
        assert rc != 0 and "Traceback" not in out, out
        assert "timed out" in result["msg"], out
        assert seconds <= 60, "%s took %.1f s" % (module, seconds)


def test_an_ecr_endpoint_answering_garbage_or_an_unknown_profile_is_one_message(stack):
    import os

    from test_aws_safety import garbage_endpoint, run

    base = {"name": "e11-garbage", "source": "e11-garbage:x", "registry": stack.registry, "region": stack.region}
    with garbage_endpoint() as url:
        for extra in ({"access_key": "testing", "secret_key": "testing"}, {}):
            rc, result, out, _seconds = run("docker_image_push", dict(base, endpoint_url=url, **extra), stack, timeout=90,
                                            env={"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
            assert rc != 0 and "Traceback" not in out, out
            assert "Failed to get an ECR authorization token" in result["msg"], out
    rc, result, out, _seconds = run("docker_image_push", dict(base, profile="e11-no-such-profile"), stack,
                                    env={"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    assert rc != 0 and "Traceback" not in out, out
    assert result["msg"].startswith("profile: unknown AWS profile 'e11-no-such-profile'"), out
