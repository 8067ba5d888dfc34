"""AtlasClient.send over real HTTP: a local server that answers like Atlas, with a digest challenge.

Atlas API keys authenticate with HTTP digest (RFC 7616, MD5, qop=auth): the first request gets a 401
with a nonce, the client answers with the hash. This checks our client does that handshake through
ansible's Request, sends the versioned media type, and surfaces Atlas's error envelope.
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.llmtwin.deploy.plugins.module_utils import _atlas
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError

REALM, NONCE, USER, KEY = "MMS Public API", "abc123nonce", "pubkey", "priv-SECRET"


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()  # nosec - RFC 7616 digest, as Atlas uses it


class Handler(BaseHTTPRequestHandler):
    seen = []

    def log_message(self, *args):  # keep pytest output clean
        pass

    def _authorized(self):
        header = self.headers.get("Authorization", "")
        if not header.startswith("Digest "):
            return False
        fields = dict(re.findall(r'(\w+)="?([^",]+)"?', header))
        ha1 = md5("%s:%s:%s" % (USER, REALM, KEY))
        ha2 = md5("%s:%s" % (self.command, fields["uri"]))
        expected = md5(":".join((ha1, NONCE, fields["nc"], fields["cnonce"], "auth", ha2)))
        return fields.get("username") == USER and fields.get("response") == expected

    def do_GET(self):  # noqa: N802 (http.server's naming)
        if not self._authorized():
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Digest realm="%s", qop="auth", nonce="%s", algorithm=MD5' % (REALM, NONCE))
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error": 401, "errorCode": "UNAUTHORIZED", "detail": "You are not authorized."}')
            return
        Handler.seen.append((self.path, self.headers.get("Accept")))
        if self.path.endswith("/groups/byName/llm-twin"):
            body, status = {"id": "65a1b2c3d4e5f6a7b8c9d0e1", "name": "llm-twin", "orgId": "5f1b"}, 200
        else:
            body, status = {"error": 403, "errorCode": "ORG_REQUIRES_ACCESS_LIST",
                            "detail": "This organization requires access through an access list."}, 403
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.atlas.2023-01-01+json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@pytest.fixture()
def atlas_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # shutdown() waits for serve_forever's next poll: keep it short (the default 0.5 s is pure waiting)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


def client(url, **overrides):
    params = dict(api_base_url=url, public_key=USER, private_key=KEY, client_id=None, client_secret=None,
                  api_timeout=5)
    params.update(overrides)
    return _atlas.AtlasClient(params)


def test_digest_handshake_and_versioned_accept(atlas_url):
    Handler.seen.clear()
    group = _atlas.find_project(client(atlas_url), project_name="llm-twin")
    assert group["id"] == "65a1b2c3d4e5f6a7b8c9d0e1"
    assert Handler.seen == [("/api/atlas/v2/groups/byName/llm-twin", "application/vnd.atlas.2023-01-01+json")]


def test_wrong_key_is_a_401_with_a_hint(atlas_url):
    with pytest.raises(ModuleError) as info:
        _atlas.find_project(client(atlas_url, private_key="wrong"), project_name="llm-twin")
    assert str(info.value).startswith("Failed to read project llm-twin: 401 ")
    assert "check the API key" in str(info.value) and "wrong" not in str(info.value)


def test_error_envelope_is_surfaced(atlas_url):
    with pytest.raises(ModuleError) as info:
        client(atlas_url).request("GET", "/groups/{groupId}/flexClusters/{name}", "cluster twin",
                                  path=dict(groupId="65a1b2c3d4e5f6a7b8c9d0e1", name="twin"))
    assert str(info.value).startswith("Failed to read cluster twin: 403 ORG_REQUIRES_ACCESS_LIST: This organization "
                                      "requires access through an access list.")


def test_unreachable_api_is_one_error_within_the_timeout():
    with pytest.raises(ModuleError) as info:
        _atlas.find_project(client("http://127.0.0.1:1", api_timeout=2), project_name="llm-twin")
    assert str(info.value).startswith("Failed to read project llm-twin: cannot reach http://127.0.0.1:1: ")
