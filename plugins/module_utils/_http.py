# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""JSON over HTTPS, as the two cloud APIs (the Atlas Admin API, the Qdrant Cloud API) need it: one request
with a timeout, throttling and server errors retried with jittered backoff, an unreachable server turned
into the collection's one error, and a bounded wait for a resource that takes time."""

from __future__ import annotations

import json
import time
from http.client import HTTPException

from ansible.module_utils.six.moves.urllib.error import HTTPError
from ansible.module_utils.six.moves.urllib.parse import urlsplit
from ansible.module_utils.urls import Request
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import failed, retry

# Throttled (429) or a server that failed for the moment: asking again later is the documented answer
RETRY_STATUSES = (429, 500, 502, 503, 504)


def send(method, url, headers, data, timeout, username=None, password=None):
    """(status, body bytes) of one HTTP request; an HTTP error status is an answer like any other.

    With username and password the server's digest (or basic) challenge is answered. An unreachable
    server raises OSError (URLError is one) or HTTPException."""
    request = Request(timeout=timeout, validate_certs=True, follow_redirects="safe")
    auth = dict(url_username=username, url_password=password, force_basic_auth=False) if username else {}
    try:
        response = request.open(method, url, data=data, headers=headers, **auth)
        return response.getcode(), response.read()
    except HTTPError as exc:
        return exc.code, exc.read()


class _Busy(Exception):
    """A retryable answer, carried out of retry() when time runs out."""

    def __init__(self, answer):
        super(_Busy, self).__init__(answer[0])
        self.answer = answer


def exchange(send_once, url, action, resource, retry_statuses=RETRY_STATUSES, retry_timeout=60):
    """(status, body bytes) of send_once(), a request to url, asked again with backoff while the status is
    in retry_statuses (at most retry_timeout seconds; then the last answer counts). Raises
    failed(action, resource, ...) when the server cannot be reached."""
    def attempt():
        try:
            answer = send_once()
        except (OSError, HTTPException) as exc:
            raise failed(action, resource, "cannot reach %s: %s" % (origin(url), getattr(exc, "reason", exc)))
        if answer[0] in retry_statuses:
            raise _Busy(answer)
        return answer

    try:
        return retry(attempt, _Busy, timeout=retry_timeout)
    except _Busy as exc:
        return exc.answer


def origin(url):
    """scheme://host[:port] of a URL: enough to say which server, without its path or query."""
    parts = urlsplit(url)
    return "%s://%s" % (parts.scheme, parts.netloc) if parts.netloc else url


def decode(raw):
    """The JSON document of a body: {} when it is empty, None when it is not JSON."""
    if not raw:
        return {}
    try:
        return json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except ValueError:
        return None


def wait_until(read, done, timeout, delay, max_delay=None):
    """Call read() until done(result) or timeout seconds pass; returns (last result, whether done).

    The delay doubles up to max_delay (default: it stays the same); the first read is immediate."""
    deadline = time.monotonic() + timeout
    while True:
        result = read()
        if done(result):
            return result, True
        if time.monotonic() + delay > deadline:
            return result, False
        time.sleep(delay)
        delay = min(delay * 2, max_delay) if max_delay else delay
