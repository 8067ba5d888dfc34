# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The MongoDB Atlas Admin API v2 backend: shared options, one client, error translation.

Every request goes through AtlasClient.send (one seam, which the unit tests replace with recorded
Admin API v2 responses). Authentication is HTTP digest with an API key pair, or OAuth2 client
credentials with a service account.
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
# The versioned media types (Accept / Content-Type) each resource family is used with.
VERSION_DEFAULT = "2023-01-01"
VERSION_FLEX = "2024-11-13"
VERSION_CLUSTERS = "2024-08-05"
RETRY_STATUSES = (429, 500, 502, 503, 504)


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

    def request(self, method, path, version=VERSION_DEFAULT, body=None, query=None):
        """The decoded JSON of a successful call, None for 404 on GET; raises AtlasError otherwise."""
        media = "application/vnd.atlas.%s+json" % version
        headers = {"Accept": media}
        if body is not None:
            headers["Content-Type"] = media
        if not (self.params.get("public_key") and self.params.get("private_key")):
            headers["Authorization"] = self._bearer()
        url = self.base_url + API_PATH + path + ("?" + urlencode(query) if query else "")
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
        if status == 404 and method == "GET":
            return None
        raise AtlasError(status, document.get("errorCode") or document.get("error") or "HTTP_%s" % status,
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
        return mask_uri("%s%s" % (exc, hint))
    return mask_uri(str(exc))


def find_project(client, project_id=None, project_name=None):
    """The project (group) by id or name, or None."""
    if project_id:
        return client.request("GET", "/groups/%s" % path_part(project_id))
    return client.request("GET", "/groups/byName/%s" % path_part(project_name))
