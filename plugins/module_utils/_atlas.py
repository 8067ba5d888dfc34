# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The MongoDB Atlas Admin API v2 backend: shared options, one client, error translation.

Every request goes through AtlasClient.send (one seam, which the unit tests replace with fixtures
validated against the published Admin API v2 definition). Authentication is HTTP digest with an API
key pair, or OAuth2 client credentials with a service account.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import time

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import quote, urlencode
from ansible.module_utils.urls import Request
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import mask_uri, retry

API_PATH = "/api/atlas/v2"
RETRY_STATUSES = (429, 500, 502, 503, 504)
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


def atlas_argument_spec(**extra):
    spec = dict(
        api_base_url=dict(type="str", default="https://cloud.mongodb.com",
                          fallback=(env_fallback, ["MONGODB_ATLAS_BASE_URL"])),
        public_key=dict(type="str", no_log=False, fallback=(env_fallback, ["MONGODB_ATLAS_PUBLIC_KEY"])),
        private_key=dict(type="str", no_log=True, fallback=(env_fallback, ["MONGODB_ATLAS_PRIVATE_KEY"])),
        client_id=dict(type="str", no_log=False, fallback=(env_fallback, ["MONGODB_ATLAS_CLIENT_ID"])),
        client_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["MONGODB_ATLAS_CLIENT_SECRET"])),
        api_timeout=dict(type="int", default=30),
    )
    spec.update(extra)
    return spec


def check_credentials(params):
    """Error text when neither an API key pair nor a service account is complete, else None."""
    if params.get("public_key") and params.get("private_key"):
        return None
    if params.get("client_id") and params.get("client_secret"):
        return None
    return ("Atlas credentials are missing: set public_key and private_key (an API key, digest "
            "authentication) or client_id and client_secret (a service account)")


class AtlasError(Exception):
    """An Admin API error: HTTP status, Atlas errorCode and its detail text."""

    def __init__(self, status, error_code, detail):
        super(AtlasError, self).__init__(detail if not status else "%s %s: %s" % (status, error_code, detail))
        self.status = status
        self.error_code = error_code
        self.detail = detail


class AtlasClient(object):
    def __init__(self, params):
        self.base_url = params["api_base_url"].rstrip("/")
        self.timeout = params["api_timeout"]
        self.params = params
        self._token = None

    # The one place that talks HTTP; tests replace it.
    def send(self, method, url, headers, data):
        request = Request(timeout=self.timeout, validate_certs=True, follow_redirects="safe")
        auth = {}
        if not headers.get("Authorization"):
            auth = dict(url_username=self.params["public_key"], url_password=self.params["private_key"],
                        force_basic_auth=False)
        try:
            response = request.open(method, url, data=data, headers=headers, **auth)
            return response.getcode(), response.read()
        except HTTPError as exc:
            return exc.code, exc.read()

    def _bearer(self):
        if self._token is None:
            basic = base64.b64encode(("%s:%s" % (self.params["client_id"], self.params["client_secret"]))
                                     .encode("utf-8")).decode("ascii")
            status, body = self.send("POST", self.base_url + "/api/oauth/token",
                                     {"Authorization": "Basic " + basic, "Accept": "application/json",
                                      "Content-Type": "application/x-www-form-urlencoded"},
                                     urlencode({"grant_type": "client_credentials"}))
            document = _json(body)
            if status != 200 or not document.get("access_token"):
                raise AtlasError(status, document.get("error", "TOKEN_REQUEST_FAILED"),
                                 "the service account could not get an access token (check client_id and "
                                 "client_secret)")
            self._token = document["access_token"]
        return "Bearer " + self._token

    def request(self, method, template, body=None, query=None, **path):
        """The decoded JSON of a successful call (one of API), or None for a 404 whose errorCode says the
        resource does not exist; raises AtlasError otherwise. path fills the template's {names}."""
        version, missing_codes = API[(method, template)]
        media = "application/vnd.atlas.%s+json" % version
        headers = {"Accept": media}
        if body is not None:
            headers["Content-Type"] = media
        if not (self.params.get("public_key") and self.params.get("private_key")):
            headers["Authorization"] = self._bearer()
        resolved = template.format(**dict((k, path_part(v)) for k, v in path.items()))
        url = self.base_url + API_PATH + resolved + ("?" + urlencode(query) if query else "")
        data = json.dumps(body) if body is not None else None

        def call():
            try:
                status, raw = self.send(method, url, headers, data)
            except (URLError, OSError) as exc:
                raise AtlasError(0, "UNREACHABLE", "cannot reach %s: %s" % (self.base_url, getattr(exc, "reason", exc)))
            if status in RETRY_STATUSES:
                raise _Retry(status, raw)
            return status, raw

        try:
            status, raw = retry(call, _Retry, timeout=min(60, self.timeout * 2))
        except _Retry as exc:
            status, raw = exc.status, exc.raw
        document = _json(raw)
        if 200 <= status < 300:
            return document
        code = document.get("errorCode") if isinstance(document, dict) else None
        if status == 404 and code in missing_codes:
            return None
        if not isinstance(document, dict):
            document = {}
        raise AtlasError(status, code or document.get("error") or "HTTP_%s" % status,
                         document.get("detail") or document.get("reason") or "no detail")

    def wait_for(self, read, done, timeout, interval=10):
        """Poll read() until done(result) or timeout seconds pass; returns (result, finished)."""
        deadline = time.monotonic() + timeout
        while True:
            result = read()
            if done(result):
                return result, True
            if time.monotonic() + interval > deadline:
                return result, False
            time.sleep(interval)


class _Retry(Exception):
    def __init__(self, status, raw):
        super(_Retry, self).__init__(status)
        self.status = status
        self.raw = raw


def _json(raw):
    if not raw:
        return {}
    try:
        document = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except ValueError:
        return {}
    return document if isinstance(document, (dict, list)) else {}


def path_part(value):
    return quote(str(value), safe="")


def describe(exc):
    if isinstance(exc, AtlasError):
        hint = ""
        if exc.status == 401:
            hint = " (check the API key or service account credentials)"
        elif exc.status == 403:
            hint = " (the credentials lack the role for this call, or this address is not on the API access list)"
        elif exc.status == 410:
            hint = " (Atlas retired this API version: _atlas.API needs the spec's current one)"
        return mask_uri("%s%s" % (exc, hint))
    return mask_uri(str(exc))


def find_project(client, project_id=None, project_name=None):
    """The project (group) by id or name, or None."""
    if project_id:
        return client.request("GET", "/groups/{groupId}", groupId=project_id)
    return client.request("GET", "/groups/byName/{groupName}", groupName=project_name)
