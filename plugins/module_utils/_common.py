# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers every backend shares: masking secrets in text, and retrying with jittered backoff."""

from __future__ import annotations

import random
import re
import time

MASK = "********"
_URI_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]+):(?P<password>[^@/\s]+)@")


def mask_uri(text):
    """Replace the password of every `scheme://user:password@` in text; other text is unchanged."""
    if not text:
        return text
    return _URI_PASSWORD.sub(lambda m: "%s%s:%s@" % (m.group("scheme"), m.group("user"), MASK), str(text))


def retry(call, retry_on, timeout=60.0, base_delay=0.5, max_delay=8.0):
    """Call `call()` until it stops raising one of `retry_on` or `timeout` seconds pass.

    Full-jitter exponential backoff, so parallel runs do not retry in lockstep against a throttled or
    eventually consistent API. The last exception is re-raised when time runs out.
    """
    deadline = time.monotonic() + timeout
    attempt = 0
    while True:
        try:
            return call()
        except retry_on:
            attempt += 1
            delay = random.uniform(0, min(max_delay, base_delay * 2 ** attempt))
            if time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
