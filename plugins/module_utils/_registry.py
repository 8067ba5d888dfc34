# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small registry HTTP API v2 client (HEAD/DELETE manifests, list tags) with Basic auth and the Bearer
token flow. Standard library HTTP only: an unchanged image costs one round trip per tag, no SDK import."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import re

from http.client import HTTPConnection, HTTPException, HTTPSConnection
from urllib.parse import urlencode, urlsplit

from ansible_collections.llmtwin.deploy.plugins.module_utils._common import failed

MANIFEST_TYPES = ", ".join([
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
])
LOOPBACK = re.compile(r"^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$")


class RegistryClient(object):
    """HEAD/DELETE manifests and list tags; Basic auth, or the Bearer token flow when challenged.
    Every failure is a ModuleError."""

    def __init__(self, registry, username=None, password=None, insecure=False, timeout=30):
        scheme = "http" if insecure or LOOPBACK.match(registry) else "https"
        self.base = "%s://%s" % (scheme, registry)
        self.registry = registry
        self.timeout = timeout
        self.basic = None
        if username is not None:
            pair = ("%s:%s" % (username, password or "")).encode("utf-8")
            self.basic = "Basic " + base64.b64encode(pair).decode("ascii")
        self._bearer = None
        self._connections = {}

    def close(self):
        for connection in self._connections.values():
            connection.close()
        self._connections = {}

    def _send(self, method, url, headers):
        """One request on a kept-alive connection per host: (status, headers, body)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        target = parts.path + ("?" + parts.query if parts.query else "")
        for attempt in range(2):
            connection = self._connections.get(key)
            if connection is None:
                cls = HTTPSConnection if parts.scheme == "https" else HTTPConnection
                connection = self._connections[key] = cls(parts.netloc, timeout=self.timeout)
            try:
                connection.request(method, target, headers=headers)
                response = connection.getresponse()
                body = response.read()
                return response.status, dict((k.lower(), v) for k, v in response.getheaders()), body
            except (OSError, HTTPException) as exc:
                connection.close()
                del self._connections[key]
                # a kept-alive connection the registry closed meanwhile is retried once on a fresh one
                if attempt or not isinstance(exc, (HTTPException, ConnectionResetError, BrokenPipeError)):
                    raise failed("reach", "the registry %s" % self.registry, exc)
        raise failed("reach", "the registry %s" % self.registry, "no answer")  # pragma: no cover

    def _request(self, method, path, scope, headers=None):
        for _attempt in range(2):
            send = dict(headers or {})
            send["User-Agent"] = "llmtwin.deploy"
            if self._bearer:
                send["Authorization"] = "Bearer %s" % self._bearer
            elif self.basic:
                send["Authorization"] = self.basic
            status, response_headers, body = self._send(method, self.base + path, send)
            challenge = response_headers.get("www-authenticate", "")
            if status == 401 and challenge.lower().startswith("bearer") and not self._bearer:
                self._bearer = self._token(challenge, scope)
                continue
            break
        return status, response_headers, body

    def _token(self, challenge, scope):
        params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        realm = params.pop("realm", None)
        if not realm:
            raise failed("authenticate to", "the registry %s" % self.registry, "no token realm offered")
        params.setdefault("scope", scope)
        headers = {"User-Agent": "llmtwin.deploy"}
        if self.basic:
            headers["Authorization"] = self.basic
        status, _headers, body = self._send("GET", realm + "?" + urlencode(sorted(params.items())), headers)
        if status != 200:
            raise failed("authenticate to", "the registry %s" % self.registry,
                         "HTTP %d. Check the registry credentials." % status)
        data = json.loads(body.decode("utf-8"))
        return data.get("token") or data.get("access_token")

    def _check(self, status, body, action, resource):
        if status in (401, 403):
            raise failed(action, resource, "the registry %s refused the credentials (HTTP %d, unauthorized). "
                         "Try checking registry_auth and the credentials for this registry." % (self.registry, status))
        if status >= 400:
            raise failed(action, resource, "HTTP %d from %s: %s"
                         % (status, self.registry, body[:300].decode("utf-8", "replace").strip()))

    def manifest_digest(self, name, reference):
        """The digest the registry serves for name:reference, or None when it does not exist."""
        status, headers, body = self._request("HEAD", "/v2/%s/manifests/%s" % (name, reference),
                                              "repository:%s:pull" % name, {"Accept": MANIFEST_TYPES})
        if status == 404:
            return None
        self._check(status, body, "read the manifest of", "%s/%s:%s" % (self.registry, name, reference))
        return headers.get("docker-content-digest")

    def tags(self, name):
        status, _headers, body = self._request("GET", "/v2/%s/tags/list" % name, "repository:%s:pull" % name)
        if status == 404:
            return []
        self._check(status, body, "list the tags of", "%s/%s" % (self.registry, name))
        return sorted((json.loads(body.decode("utf-8")) or {}).get("tags") or [])

    def delete_manifest(self, name, digest):
        status, _headers, body = self._request("DELETE", "/v2/%s/manifests/%s" % (name, digest),
                                               "repository:%s:delete" % name)
        if status == 404:
            return False
        self._check(status, body, "delete", "%s/%s@%s" % (self.registry, name, digest))
        return True
