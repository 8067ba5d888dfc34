# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The MongoDB Atlas Admin API v2 backend: shared options, one client, error translation.

Every request goes through AtlasClient.send (one seam, which the unit tests replace with fixtures
validated against the published Admin API v2 definition). Authentication is HTTP digest with an API
key pair, or OAuth2 client credentials with a service account. Every failure is a ModuleError reading
"Failed to <action> <resource>: <status> <errorCode>: <detail>".
"""

from __future__ import annotations

import base64
import json

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.six.moves.urllib.parse import quote, urlencode
from ansible_collections.llmtwin.deploy.plugins.module_utils import _http
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError, failed, mask_uri

API_PATH = "/api/atlas/v2"
_PROJECT_MISSING = ("GROUP_NOT_FOUND", "GROUP_NAME_NOT_FOUND")
_CLUSTER_MISSING = ("CLUSTER_NOT_FOUND", "FLEX_CLUSTER_NOT_FOUND")
_USER_MISSING = ("USERNAME_NOT_FOUND", "USER_NOT_FOUND")
_ENTRY_MISSING = ("ATLAS_NETWORK_PERMISSION_ENTRY_NOT_FOUND",)

# Every call the modules make: (method, path template) -> (versioned media type date, the errorCodes of a
# 404 that mean "this resource does not exist"). The dates are the newest version of each operation in
# the Admin API v2 spec (mongodb/atlas-sdk-go openapi/atlas-api-transformed.yaml, commit 68a9d51c,
# vendored as an excerpt in tests/unit/fixtures/definitions; a unit test keeps this table equal to it).
# Atlas retires superseded versions (410 VERSION_GONE), so a date here changes only with the spec.
# A 404 with any other errorCode (a missing project under a cluster path, a wrong base URL) is an error.
API = {
    ("POST", "/groups"): ("2023-01-01", ()),
    ("GET", "/groups/{groupId}"): ("2023-01-01", _PROJECT_MISSING),
    ("GET", "/groups/byName/{groupName}"): ("2023-01-01", _PROJECT_MISSING),
    ("POST", "/groups/{groupId}/flexClusters"): ("2024-11-13", ()),
    ("GET", "/groups/{groupId}/flexClusters/{name}"): ("2024-11-13", _CLUSTER_MISSING),
    ("PATCH", "/groups/{groupId}/flexClusters/{name}"): ("2024-11-13", ()),
    ("DELETE", "/groups/{groupId}/flexClusters/{name}"): ("2024-11-13", _CLUSTER_MISSING),
    ("POST", "/groups/{groupId}/clusters"): ("2024-10-23", ()),
    ("GET", "/groups/{groupId}/clusters/{clusterName}"): ("2024-08-05", _CLUSTER_MISSING),
    ("PATCH", "/groups/{groupId}/clusters/{clusterName}"): ("2024-10-23", ()),
    ("DELETE", "/groups/{groupId}/clusters/{clusterName}"): ("2023-02-01", _CLUSTER_MISSING),
    ("POST", "/groups/{groupId}/databaseUsers"): ("2023-01-01", ()),
    ("GET", "/groups/{groupId}/databaseUsers/{databaseName}/{username}"): ("2023-01-01", _USER_MISSING),
    ("PATCH", "/groups/{groupId}/databaseUsers/{databaseName}/{username}"): ("2023-01-01", ()),
    ("DELETE", "/groups/{groupId}/databaseUsers/{databaseName}/{username}"): ("2023-01-01", _USER_MISSING),
    ("GET", "/groups/{groupId}/accessList"): ("2023-01-01", ()),
    ("POST", "/groups/{groupId}/accessList"): ("2023-01-01", ()),
    ("DELETE", "/groups/{groupId}/accessList/{entryValue}"): ("2023-01-01", _ENTRY_MISSING),
}

# What the user should check after an error status, beyond Atlas's own detail
HINTS = {
    401: "check the API key or service account credentials",
    403: "the credentials lack the role for this call, or this address is not on the API access list",
    410: "Atlas retired this API version: _atlas.API needs the spec's current one",
}
# An operation's verb in "Failed to <verb> ..." when the module does not name one
VERBS = {"GET": "read", "POST": "create", "PATCH": "update", "DELETE": "delete"}


def atlas_argument_spec():
    return dict(
        api_base_url=dict(type="str", default="https://cloud.mongodb.com",
                          fallback=(env_fallback, ["MONGODB_ATLAS_BASE_URL"])),
        public_key=dict(type="str", no_log=False, fallback=(env_fallback, ["MONGODB_ATLAS_PUBLIC_KEY"])),
        private_key=dict(type="str", no_log=True, fallback=(env_fallback, ["MONGODB_ATLAS_PRIVATE_KEY"])),
        client_id=dict(type="str", no_log=False, fallback=(env_fallback, ["MONGODB_ATLAS_CLIENT_ID"])),
        client_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["MONGODB_ATLAS_CLIENT_SECRET"])),
        api_timeout=dict(type="int", default=30),
    )


def check_connection(params):
    """Raise ModuleError unless an API key pair or a service account is complete and api_timeout is usable."""
    if not (params.get("public_key") and params.get("private_key")) and \
            not (params.get("client_id") and params.get("client_secret")):
        raise ModuleError("Atlas credentials are missing: set public_key and private_key (an API key, digest "
                          "authentication) or client_id and client_secret (a service account)")
    if params["api_timeout"] <= 0:
        raise ModuleError("api_timeout must be a positive number of seconds, got %s" % params["api_timeout"])


class AtlasClient(object):
    def __init__(self, params):
        self.base_url = params["api_base_url"].rstrip("/")
        self.timeout = params["api_timeout"]
        self.params = params
        self._token = None

    # The one place that talks HTTP; tests replace it.
    def send(self, method, url, headers, data):
        if headers.get("Authorization"):
            return _http.send(method, url, headers, data, self.timeout)
        return _http.send(method, url, headers, data, self.timeout,
                          username=self.params["public_key"], password=self.params["private_key"])

    def _exchange(self, method, url, headers, data, action, resource):
        # throttling and server errors are retried for up to twice the request timeout (at most a minute)
        return _http.exchange(lambda: self.send(method, url, headers, data), url, action, resource,
                              retry_timeout=min(60, self.timeout * 2))

    def _bearer(self):
        if self._token is None:
            basic = base64.b64encode(("%s:%s" % (self.params["client_id"], self.params["client_secret"]))
                                     .encode("utf-8")).decode("ascii")
            what = "service account %s" % self.params["client_id"]
            status, raw = self._exchange("POST", self.base_url + "/api/oauth/token",
                                         {"Authorization": "Basic " + basic, "Accept": "application/json",
                                          "Content-Type": "application/x-www-form-urlencoded"},
                                         urlencode({"grant_type": "client_credentials"}),
                                         "get an access token for", what)
            document = _http.decode(raw)
            if status != 200 or not isinstance(document, dict) or not document.get("access_token"):
                raise failed("get an access token for", what, "%s %s: check client_id and client_secret" % (
                    status, (document or {}).get("error", "TOKEN_REQUEST_FAILED")))
            self._token = document["access_token"]
        return "Bearer " + self._token

    def request(self, method, template, resource, path=None, body=None, query=None, action=None):
        """The decoded JSON of a successful call (one of API), or None for a 404 whose errorCode says the
        resource does not exist. path fills the template's {names}. Any other answer raises
        failed(action, resource, ...); action defaults to the method's verb (read, create, ...)."""
        action = action or VERBS[method]
        version, missing_codes = API[(method, template)]
        media = "application/vnd.atlas.%s+json" % version
        headers = {"Accept": media}
        if body is not None:
            headers["Content-Type"] = media
        if not (self.params.get("public_key") and self.params.get("private_key")):
            headers["Authorization"] = self._bearer()
        resolved = template.format(**dict((k, path_part(v)) for k, v in (path or {}).items()))
        url = self.base_url + API_PATH + resolved + ("?" + urlencode(query) if query else "")
        data = json.dumps(body) if body is not None else None
        status, raw = self._exchange(method, url, headers, data, action, resource)
        document = _http.decode(raw)
        if 200 <= status < 300:
            if document is None:
                raise failed(action, resource, "HTTP %s: the answer is not JSON" % status)
            return document
        if not isinstance(document, dict):
            document = {}
        code = document.get("errorCode")
        if status == 404 and code in missing_codes:
            return None
        cause = "%s %s: %s" % (status, code or document.get("error") or "HTTP_%s" % status,
                               document.get("detail") or document.get("reason") or "no detail")
        if status in HINTS:
            cause += " (%s)" % HINTS[status]
        raise failed(action, resource, mask_uri(cause))


def path_part(value):
    return quote(str(value), safe="")


def find_project(client, project_id=None, project_name=None):
    """The project (group) by id or name, or None."""
    label = "project %s" % (project_id or project_name)
    if project_id:
        return client.request("GET", "/groups/{groupId}", label, path=dict(groupId=project_id))
    return client.request("GET", "/groups/byName/{groupName}", label, path=dict(groupName=project_name))
