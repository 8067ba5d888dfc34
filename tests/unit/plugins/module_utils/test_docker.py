"""module_utils/_docker.py: .dockerignore semantics, the content hash, the context stream, the registry
client's auth flow and error messages, the ECR token decoding."""
import base64
import io
import os
import tarfile
from unittest import mock

import pytest

from ansible_collections.llmtwin.deploy.plugins.module_utils import _docker


def ignored(text, path):
    patterns = _docker.parse_dockerignore(text)
    return _docker.IgnoreMatcher(patterns).ignored(path)


@pytest.mark.parametrize("pattern, path, expected", [
    ("*.log", "a.log", True),
    ("*.log", "sub/a.log", False),            # '*' does not cross '/'
    ("**/*.log", "sub/deep/a.log", True),
    ("**/*.log", "a.log", True),              # '**/' also matches zero directories
    ("build", "build/x/y.bin", True),         # a parent directory match excludes the children
    ("build/", "build/x", True),              # trailing slash is cleaned away
    ("/secret.txt", "secret.txt", True),      # leading slash is stripped
    ("/secret.txt", "sub/secret.txt", False),
    ("?.tmp", "x.tmp", True),
    ("?.tmp", "xy.tmp", False),
    ("docs/**", "docs/a/b.md", True),
    ("a/../b", "b", True),                    # patterns are cleaned like filepath.Clean
    ("./c", "c", True),
    ("[ab].txt", "a.txt", True),
    ("[ab].txt", "c.txt", False),
    ("file.with.dots", "fileXwithXdots", False),
    ("# comment", "# comment", False),
])
def test_single_patterns_match_like_docker(pattern, path, expected):
    assert ignored(pattern, path) is expected


def test_the_last_matching_pattern_wins_and_exceptions_bring_files_back():
    text = "*.log\n!important.log\nimportant.log\n"
    assert ignored(text, "important.log")
    text = "*.log\n!important.log\n"
    assert not ignored(text, "important.log") and ignored(text, "other.log")


def test_an_ignored_directory_is_entered_only_for_an_exception_below_it():
    matcher = _docker.IgnoreMatcher(_docker.parse_dockerignore("data\n!data/keep.txt\nbuild\n"))
    assert matcher.may_reinclude_under("data")
    assert not matcher.may_reinclude_under("build")


def make_tree(root, files):
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def test_context_entries_apply_dockerignore_and_always_send_the_dockerfile(tmp_path):
    make_tree(tmp_path, {
        "Dockerfile": "FROM scratch\n", ".dockerignore": "Dockerfile\n.dockerignore\n*.log\ndata\n!data/keep.txt\n",
        "a.log": "", "app.py": "", "data/drop.txt": "", "data/keep.txt": "", "pkg/m.py": "",
    })
    os.symlink("app.py", tmp_path / "link.py")
    paths = [(e.path, e.kind) for e in _docker.context_entries(str(tmp_path), "Dockerfile")]
    assert paths == [(".dockerignore", "file"), ("Dockerfile", "file"), ("app.py", "file"), ("data/keep.txt", "file"),
                     ("link.py", "symlink"), ("pkg", "dir"), ("pkg/m.py", "file")]


def test_hash_depends_on_content_mode_args_and_dockerfile_but_not_mtime(tmp_path):
    make_tree(tmp_path, {"Dockerfile": "FROM scratch\n", "app.py": "print(1)\n"})

    def digest(**kwargs):
        entries = _docker.context_entries(str(tmp_path), kwargs.pop("dockerfile", "Dockerfile"))
        return _docker.context_hash(entries, "Dockerfile", **kwargs)

    base = digest()
    assert digest() == base
    os.utime(tmp_path / "app.py", (1, 1))
    assert digest() == base
    assert digest(build_args={"A": "1"}) != base
    assert digest(build_args={"A": "1", "B": "2"}) == digest(build_args={"B": "2", "A": "1"})
    assert digest(target="final") != base
    (tmp_path / "app.py").chmod(0o755)
    assert digest() != base
    (tmp_path / "app.py").chmod(0o644)
    assert digest() == base
    (tmp_path / "app.py").write_text("print(2)\n")
    assert digest() != base


def test_hash_cache_skips_reading_unchanged_files_and_notices_changes(tmp_path):
    ctx = tmp_path / "ctx"
    make_tree(ctx, {"Dockerfile": "FROM scratch\n", "big.bin": "x" * 4096})
    cache_file = str(tmp_path / "cache.json")
    entries = _docker.context_entries(str(ctx), "Dockerfile")
    cache = _docker.load_hash_cache(cache_file, str(ctx))
    assert cache == {}
    first = _docker.context_hash(entries, "Dockerfile", cache=cache)
    _docker.save_hash_cache(cache_file, str(ctx), cache, entries)
    cache = _docker.load_hash_cache(cache_file, str(ctx))
    assert set(cache) == {"Dockerfile", "big.bin"}
    with mock.patch.object(_docker, "file_digest", side_effect=AssertionError("read again")):
        assert _docker.context_hash(entries, "Dockerfile", cache=cache) == first
    (ctx / "big.bin").write_text("y" * 4097)
    entries = _docker.context_entries(str(ctx), "Dockerfile")
    assert _docker.context_hash(entries, "Dockerfile", cache=cache) != first
    assert _docker.load_hash_cache(cache_file, "/another/context") == {}


def test_context_stream_is_a_tar_of_exactly_the_entries(tmp_path):
    make_tree(tmp_path, {"Dockerfile": "FROM scratch\n", "a/b.txt": "hello", ".dockerignore": "skip.txt\n",
                         "skip.txt": "no"})
    entries = _docker.context_entries(str(tmp_path), "Dockerfile")
    stream = _docker.ContextStream(entries)
    data = b"".join(stream)
    stream.close()
    assert stream.error is None
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        names = tar.getnames()
        assert tar.extractfile("a/b.txt").read() == b"hello"
    assert sorted(names) == sorted(e.path for e in entries) and "skip.txt" not in names


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


def test_registry_client_uses_https_off_loopback_and_http_on_it():
    assert _docker.RegistryClient("127.0.0.1:5000").base == "http://127.0.0.1:5000"
    assert _docker.RegistryClient("localhost:5000").base == "http://localhost:5000"
    assert _docker.RegistryClient("1.dkr.ecr.us-east-1.amazonaws.com").base == "https://1.dkr.ecr.us-east-1.amazonaws.com"


def test_registry_client_sends_basic_auth_and_follows_a_bearer_challenge_once():
    client = _docker.RegistryClient("registry.example.com", "u", "p")
    challenge = 'Bearer realm="https://auth.example.com/token",service="registry.example.com"'
    responses = [(401, {"www-authenticate": challenge}, b""), (200, {}, b'{"token": "T"}'),
                 (200, {"docker-content-digest": "sha256:abc"}, b"")]
    with mock.patch.object(client, "_send", side_effect=responses) as send:
        assert client.manifest_digest("app", "latest") == "sha256:abc"
    first, token, last = send.call_args_list
    assert first.args[2]["Authorization"] == "Basic " + base64.b64encode(b"u:p").decode()
    assert token.args[1].startswith("https://auth.example.com/token?")
    assert "scope=repository%3Aapp%3Apull" in token.args[1]
    assert last.args[0] == "HEAD" and last.args[2]["Authorization"] == "Bearer T"
    assert "manifest.v2+json" in last.args[2]["Accept"]


def test_registry_client_missing_manifest_is_none_and_refusal_is_one_clear_message():
    client = _docker.RegistryClient("127.0.0.1:5000", "AWS", "secret-pw")
    with mock.patch.object(client, "_send", return_value=(404, {}, b"")):
        assert client.manifest_digest("app", "x") is None
    with mock.patch.object(client, "_send", return_value=(401, {"www-authenticate": "Basic"}, b"")):
        with pytest.raises(_docker.DockerFailure) as exc:
            client.manifest_digest("app", "x")
    assert "refused the credentials" in str(exc.value) and "secret-pw" not in str(exc.value)


def test_registry_client_lists_tags_and_deletes_by_digest():
    client = _docker.RegistryClient("127.0.0.1:5000")
    with mock.patch.object(client, "_send", return_value=(200, {}, b'{"name": "app", "tags": ["b", "a"]}')):
        assert client.tags("app") == ["a", "b"]
    with mock.patch.object(client, "_send", return_value=(202, {}, b"")) as send:
        assert client.delete_manifest("app", "sha256:d") is True
    assert send.call_args.args[:2] == ("DELETE", "http://127.0.0.1:5000/v2/app/manifests/sha256:d")


def test_registry_client_network_errors_become_failures():
    client = _docker.RegistryClient("127.0.0.1:1")
    with pytest.raises(_docker.DockerFailure) as exc:
        client.manifest_digest("app", "x")
    assert str(exc.value).startswith("Failed to reach the registry 127.0.0.1:1:")


def test_daemon_reader_failure_names_the_socket_and_the_fix():
    reader = _docker.DaemonReader("unix:///nonexistent/docker.sock", 5)
    with pytest.raises(_docker.DockerFailure) as exc:
        reader.inspect_image("app:1")
    assert str(exc.value).startswith("Failed to connect to the Docker daemon at unix:///nonexistent/docker.sock")


def test_sdk_exception_names_stay_importable():
    from ansible_collections.llmtwin.deploy.plugins.module_utils._docker import APIError, DockerException
    assert issubclass(APIError, DockerException)


def test_ecr_authorization_decodes_the_token_and_the_endpoint():
    token = base64.b64encode(b"AWS:123456789012-auth-token").decode()
    fake = mock.Mock()
    fake.get_authorization_token.return_value = {"authorizationData": [{
        "authorizationToken": token, "proxyEndpoint": "https://123456789012.dkr.ecr.us-east-1.amazonaws.com"}]}
    with mock.patch.object(_docker, "ecr_client", return_value=fake):
        user, password, host = _docker.ecr_authorization({"region": "us-east-1", "ecr_registry_id": "123456789012"})
    assert (user, password, host) == ("AWS", "123456789012-auth-token", "123456789012.dkr.ecr.us-east-1.amazonaws.com")
    fake.get_authorization_token.assert_called_once_with(registryIds=["123456789012"])
    fake.close.assert_called_once_with()


def test_ecr_authorization_needs_a_region():
    with pytest.raises(_docker.DockerFailure, match="region is required"):
        _docker.ecr_authorization({"region": None})


def test_docker_client_failure_names_the_host_and_the_fix():
    with pytest.raises(_docker.DockerFailure) as exc:
        _docker.docker_client("unix:///nonexistent/docker.sock", 5)
    message = str(exc.value)
    assert message.startswith("Failed to connect to the Docker daemon at unix:///nonexistent/docker.sock")
    assert "Is dockerd running" in message


@pytest.mark.parametrize("extra", [{}, {"session_token": "SESSION"}, {"ecr_registry_id": "123456789012"},
                                   {"endpoint_url": "http://127.0.0.1:5005"}])
def test_ecr_token_request_is_signed_exactly_like_botocore(extra):
    import datetime

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    params = dict({"region": "eu-central-1", "access_key": "AKIDEXAMPLE", "secret_key": "wJalrXUtnFEMI/K7MDENG"}, **extra)
    now = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    url, headers, body = _docker.ecr_token_request(params, now=now)
    request = AWSRequest(method="POST", url=url, data=body,
                         headers={"Content-Type": headers["content-type"], "X-Amz-Target": headers["x-amz-target"]})
    with mock.patch("botocore.auth.get_current_datetime", return_value=now.replace(tzinfo=None)):
        SigV4Auth(Credentials(params["access_key"], params["secret_key"], params.get("session_token")), "ecr",
                  params["region"]).add_auth(request)
    assert headers["authorization"] == request.headers["Authorization"]


def test_ecr_authorization_without_botocore_reads_the_token(monkeypatch):
    token = base64.b64encode(b"AWS:pw").decode()
    response = mock.Mock(status=200)
    response.read.return_value = ('{"authorizationData": [{"authorizationToken": "%s", '
                                  '"proxyEndpoint": "https://1.dkr.ecr.eu-central-1.amazonaws.com"}]}' % token).encode()
    connection = mock.Mock()
    connection.getresponse.return_value = response
    monkeypatch.setattr(_docker, "HTTPSConnection", mock.Mock(return_value=connection))
    with mock.patch.object(_docker, "ecr_client", side_effect=AssertionError("botocore used")):
        got = _docker.ecr_authorization({"region": "eu-central-1", "access_key": "A", "secret_key": "S"})
    assert got == ("AWS", "pw", "1.dkr.ecr.eu-central-1.amazonaws.com")
    assert connection.request.call_args.args[:2] == ("POST", "/")


def test_ecr_authorization_error_is_one_message(monkeypatch):
    response = mock.Mock(status=400)
    response.read.return_value = b'{"__type": "com.amazon#UnrecognizedClientException", "message": "bad token"}'
    connection = mock.Mock()
    connection.getresponse.return_value = response
    monkeypatch.setattr(_docker, "HTTPSConnection", mock.Mock(return_value=connection))
    with pytest.raises(_docker.DockerFailure) as exc:
        _docker.ecr_authorization({"region": "eu-central-1", "access_key": "A", "secret_key": "S"})
    assert str(exc.value) == "Failed to get an ECR authorization token: UnrecognizedClientException: bad token"
