# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Qdrant Cloud API (REST/JSON gateway of qdrant-cloud-public-api): options, a small client, errors.

Paths follow the published service definitions: cluster v1
(/api/cluster/v1/accounts/{account_id}/clusters), database API keys v2
(/api/cluster/auth/v2/accounts/{account_id}/database-api-keys) and booking v1 packages.
Authentication is `Authorization: apikey <management key>`. Every failure is a ModuleError reading
"Failed to <action> <resource>: <cause>", without the management key.
"""

from __future__ import annotations

import json
import re

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.six.moves.urllib.parse import urlencode
from ansible_collections.llmtwin.deploy.plugins.module_utils import _http
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import MASK, ModuleError, failed

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def cloud_argument_spec():
    return dict(
        api_url=dict(type="str", default="https://api.cloud.qdrant.io"),
        management_key=dict(type="str", no_log=True, required=True,
                            fallback=(env_fallback, ["QDRANT_CLOUD_MANAGEMENT_KEY"])),
        account_id=dict(type="str", required=True),
        timeout=dict(type="int", default=30),
    )


def check_connection(params):
    """Raise ModuleError unless account_id and timeout are usable (before any request)."""
    if not UUID.match(params["account_id"] or ""):
        raise ModuleError("account_id must be a UUID, got %r" % params["account_id"])
    if params["timeout"] <= 0:
        raise ModuleError("timeout must be a positive number of seconds, got %s" % params["timeout"])


def snake(data):
    """The gateway answers in lowerCamelCase JSON; the modules use snake_case (both are accepted)."""
    if isinstance(data, dict):
        return dict((_CAMEL.sub("_", k).lower(), snake(v)) for k, v in data.items())
    if isinstance(data, list):
        return [snake(v) for v in data]
    return data


class CloudClient(object):
    def __init__(self, params):
        self.base = params["api_url"].rstrip("/")
        self.key = params["management_key"]
        self.account = params["account_id"]
        self.timeout = params["timeout"]

    def call(self, method, path, action, resource, body=None, query=None):
        """The snake_case JSON answer of a successful call; anything else raises failed(action, resource, ...).
        path may hold %(account)s."""
        url = self.base + path % {"account": self.account}
        if query:
            url += "?" + urlencode(query)
        headers = {"Authorization": "apikey %s" % self.key, "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        # a read is safe to repeat after a server error; a write only after throttling (it was not done)
        retry_statuses = _http.RETRY_STATUSES if method == "GET" else (429,)
        status, raw = _http.exchange(lambda: _http.send(method, url, headers, data, self.timeout), url,
                                     action, resource, retry_statuses, retry_timeout=min(60, self.timeout * 2))
        document = _http.decode(raw)
        if not 200 <= status < 300:
            raise failed(action, resource, self._explain(status, document, raw))
        if not isinstance(document, dict):
            raise failed(action, resource, "the answer is not a JSON object")
        return snake(document)

    def _explain(self, status, document, raw):
        if status in (401, 403):
            text = "HTTP %s, check management_key and its permissions for account %s" % (status, self.account)
        else:
            message = document.get("message") if isinstance(document, dict) else None
            text = "HTTP %s %s" % (status, message or to_text(raw)[:300])
        return text.replace(self.key, MASK) if self.key else text
