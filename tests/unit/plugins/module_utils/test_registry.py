"""module_utils/_registry.py: the registry HTTP API v2 client's scheme choice, auth flow and error messages."""
import base64
from unittest import mock

import pytest

from ansible_collections.llmtwin.deploy.plugins.module_utils import _registry
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError


def test_registry_client_uses_https_off_loopback_and_http_on_it():
    assert _registry.RegistryClient("127.0.0.1:5000").base == "http://127.0.0.1:5000"
    assert _registry.RegistryClient("localhost:5000").base == "http://localhost:5000"
    assert _registry.RegistryClient("1.dkr.ecr.us-east-1.amazonaws.com").base == "https://1.dkr.ecr.us-east-1.amazonaws.com"


def test_registry_client_sends_basic_auth_and_follows_a_bearer_challenge_once():
    client = _registry.RegistryClient("registry.example.com", "u", "p")
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
    client = _registry.RegistryClient("127.0.0.1:5000", "AWS", "secret-pw")
    with mock.patch.object(client, "_send", return_value=(404, {}, b"")):
        assert client.manifest_digest("app", "x") is None
    with mock.patch.object(client, "_send", return_value=(401, {"www-authenticate": "Basic"}, b"")):
        with pytest.raises(ModuleError) as exc:
            client.manifest_digest("app", "x")
    assert "refused the credentials" in str(exc.value) and "secret-pw" not in str(exc.value)


def test_registry_client_lists_tags_and_deletes_by_digest():
    client = _registry.RegistryClient("127.0.0.1:5000")
    with mock.patch.object(client, "_send", return_value=(200, {}, b'{"name": "app", "tags": ["b", "a"]}')):
        assert client.tags("app") == ["a", "b"]
    with mock.patch.object(client, "_send", return_value=(202, {}, b"")) as send:
        assert client.delete_manifest("app", "sha256:d") is True
    assert send.call_args.args[:2] == ("DELETE", "http://127.0.0.1:5000/v2/app/manifests/sha256:d")


def test_registry_client_network_errors_become_failures():
    client = _registry.RegistryClient("127.0.0.1:1")
    with pytest.raises(ModuleError) as exc:
        client.manifest_digest("app", "x")
    assert str(exc.value).startswith("Failed to reach the registry 127.0.0.1:1:")
