# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Qdrant Cloud API (REST/JSON gateway of qdrant-cloud-public-api): options, a small client, errors.

Paths follow the published service definitions: cluster v1
(/api/cluster/v1/accounts/{account_id}/clusters), database API keys v2
(/api/cluster/auth/v2/accounts/{account_id}/database-api-keys) and booking v1 packages.
Authentication is `Authorization: apikey <management key>`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.six.moves.urllib.parse import urlencode
from ansible.module_utils.urls import fetch_url
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import MASK

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


class QdrantCloudError(Exception):
    pass


def cloud_argument_spec():
    return dict(
        api_url=dict(type="str", default="https://api.cloud.qdrant.io"),
        management_key=dict(type="str", no_log=True, required=True,
                            fallback=(_env, ["QDRANT_CLOUD_MANAGEMENT_KEY"])),
        account_id=dict(type="str", required=True),
        timeout=dict(type="int", default=30),
    )


def _env(*names):
    import os
    from ansible.module_utils.basic import AnsibleFallbackNotFound
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    raise AnsibleFallbackNotFound


def snake(data):
    """The gateway answers in lowerCamelCase JSON; the modules use snake_case (both are accepted)."""
    if isinstance(data, dict):
        return dict((_CAMEL.sub("_", k).lower(), snake(v)) for k, v in data.items())
    if isinstance(data, list):
        return [snake(v) for v in data]
    return data


class CloudClient:
    def __init__(self, module):
        self.module = module
        self.base = module.params["api_url"].rstrip("/")
        self.key = module.params["management_key"]
        self.account = module.params["account_id"]
        self.timeout = module.params["timeout"]

    def call(self, method, path, body=None, query=None, action="call the Qdrant Cloud API"):
        url = self.base + path % {"account": self.account}
        if query:
            url += "?" + urlencode(query)
        headers = {"Authorization": "apikey %s" % self.key, "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        resp, info = fetch_url(self.module, url, data=data, headers=headers, method=method, timeout=self.timeout)
        status = info.get("status", -1)
        raw = resp.read() if resp is not None else info.get("body", b"")
        if status < 200 or status >= 300:
            raise QdrantCloudError("Failed to %s: %s" % (action, self._explain(status, info, raw)))
        try:
            return snake(json.loads(to_text(raw) or "{}"))
        except ValueError:
            raise QdrantCloudError("Failed to %s: the answer is not JSON" % action)

    def _explain(self, status, info, raw):
        try:
            message = json.loads(to_text(raw)).get("message")
        except (ValueError, AttributeError):
            message = None
        if status == -1:
            text = "cannot reach %s: %s" % (self.base, info.get("msg"))
        elif status in (401, 403):
            text = "HTTP %s, check management_key and its permissions for account %s" % (status, self.account)
        else:
            text = "HTTP %s %s" % (status, message or to_text(raw)[:300] or info.get("msg"))
        return text.replace(self.key, MASK) if self.key else text
