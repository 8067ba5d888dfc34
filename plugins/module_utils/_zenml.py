# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ZenML backend: the shared argument spec, the (lazy) client factory, error translation and the
pure helpers both zenml_* modules use.

ZenML is imported only after the arguments were checked: the import plus the first store access cost
~5 s, and bad input must fail before paying that.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import io
import json
import logging
import os
import signal
import socket
from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback, missing_required_lib

MASK = "********"
HIDDEN = "<hidden>"
CHANGED = "<changed>"
UNCHANGED = "<unchanged>"

# StackComponentType values of ZenML 0.98, checked before zenml is imported.
COMPONENT_TYPES = (
    "alerter", "annotator", "artifact_store", "container_registry", "data_validator", "deployer",
    "experiment_tracker", "feature_store", "image_builder", "log_store", "model_deployer",
    "model_registry", "orchestrator", "step_operator",
)
# The order components are reported and created in (the stack needs them all first).
CONNECTOR_SECRET_KEYS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")


class ZenMLFailure(Exception):
    """A failure with a user-facing message; the module turns it into fail_json."""


def zenml_argument_spec():
    """Options shared by every zenml_* module (documented in doc_fragments/zenml.py)."""
    return dict(
        config_path=dict(type="path", fallback=(env_fallback, ["ZENML_CONFIG_PATH"])),
        store_url=dict(type="str", no_log=False),
        store_api_key=dict(type="str", no_log=True),
        aws_endpoint_url=dict(type="str", fallback=(env_fallback, ["AWS_ENDPOINT_URL"])),
        # with the ~5 s zenml import and Python start, a hung store fails the task within a minute
        timeout=dict(type="float", default=40.0),
    )


def check_common_params(params):
    """Return the first problem with the shared options, or None (no I/O)."""
    for name in ("store_url", "aws_endpoint_url"):
        url = params.get(name)
        if url and not (url.startswith("http://") or url.startswith("https://")):
            return "%s: expected an http:// or https:// URL, got %r" % (name, url)
    if params.get("store_api_key") and not params.get("store_url"):
        return "store_api_key needs store_url (the ZenML server it authenticates to)"
    if params.get("timeout") is not None and params["timeout"] <= 0:
        return "timeout must be a positive number of seconds, got %s" % params["timeout"]
    return None


def zenml_environment(params):
    """The environment variables ZenML reads at import time, derived from the module options."""
    env = {
        "ZENML_ANALYTICS_OPT_IN": "false",
        # ZenML logs to stdout, which must carry nothing but the module's JSON: quiet() swallows it and
        # WARN keeps the warnings that explain a failure for the error message (see LogCollector).
        "ZENML_LOGGING_VERBOSITY": "WARN",
        "ZENML_LOGGING_COLORS_DISABLED": "true",
        "ZENML_ENABLE_RICH_TRACEBACK": "false",
        "AUTO_OPEN_DASHBOARD": "false",
    }
    if params.get("config_path"):
        env["ZENML_CONFIG_PATH"] = params["config_path"]
    if params.get("store_url"):
        env["ZENML_STORE_URL"] = params["store_url"]
    if params.get("store_api_key"):
        env["ZENML_STORE_API_KEY"] = params["store_api_key"]
    if params.get("aws_endpoint_url"):
        env["AWS_ENDPOINT_URL"] = params["aws_endpoint_url"]
    # Bounded retries for ZenML's own boto3 calls (connector verification); the deadline bounds the rest.
    env["AWS_MAX_ATTEMPTS"] = os.environ.get("AWS_MAX_ATTEMPTS", "2")
    return env


class LogCollector(logging.Handler):
    """Keeps ZenML's last warnings: some SDK errors only say "an unexpected error occurred" and log the cause."""

    def __init__(self):
        super(LogCollector, self).__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        try:
            self.messages = (self.messages + [record.getMessage()])[-20:]
        except (TypeError, ValueError):
            pass


LOGS = LogCollector()


def import_zenml(module):
    """Set ZenML's environment, then import it; fail the module cleanly when it is missing."""
    os.environ.update(zenml_environment(module.params))
    try:
        with quiet():
            from zenml.client import Client  # noqa: F401 pylint: disable=unused-import
    except ImportError as exc:
        module.fail_json(msg=missing_required_lib("zenml"), exception=str(exc))
    logging.getLogger().addHandler(LOGS)


def get_client():
    from zenml.client import Client
    return Client()


@contextlib.contextmanager
def quiet():
    """Keep ZenML's console output (warnings, progress) out of the module's stdout JSON."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        yield sink


class _Deadline(BaseException):
    """Raised by the alarm; a BaseException so that SDK code catching Exception cannot swallow it."""


@contextlib.contextmanager
def deadline(seconds, what):
    """Abort the block after `seconds` with a clear message (SIGALRM: modules run in the main thread)."""
    def _expire(signum, frame):
        raise _Deadline()

    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Deadline:
        raise ZenMLFailure("Failed to %s: no answer within %s s (timeout); check the ZenML store and the "
                           "AWS endpoint are reachable" % (what, _fmt_seconds(seconds)))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _fmt_seconds(seconds):
    return ("%d" % seconds) if float(seconds).is_integer() else ("%.1f" % seconds)


def probe_endpoint(url, timeout=5.0):
    """Return None when a TCP connection to the URL's host and port opens within timeout, else the cause.

    botocore retries a dead endpoint for a long time and ZenML then reports "an unexpected error";
    one socket connect tells the user plainly that the endpoint is down.
    """
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        sock = socket.create_connection((parts.hostname, port), timeout=timeout)
    except socket.timeout:
        return "no answer within %s s" % _fmt_seconds(timeout)
    except (OSError, ValueError) as exc:
        return getattr(exc, "strerror", None) or str(exc)
    sock.close()
    return None


def scrub(text, secrets):
    """Replace every secret value in text with the mask (messages of SDK errors may echo inputs)."""
    text = str(text)
    for value in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(str(value), MASK)
    return text


def error_cause(exc):
    """One line out of an SDK exception: KeyError quotes its message, pydantic lists every field."""
    if isinstance(exc, KeyError) and exc.args:
        text = str(exc.args[0])
    else:
        text = str(exc) or type(exc).__name__
    errors = getattr(exc, "errors", None)
    if callable(errors) and type(exc).__name__ == "ValidationError":
        try:
            text = "; ".join("%s: %s" % (".".join(str(p) for p in e.get("loc", ())) or "value", e.get("msg"))
                             for e in errors())
        except (TypeError, ValueError):
            pass
    return " ".join(text.split())


class Action(object):
    """`with Action("create stack aws-stack", secrets):` turns any SDK error into one clear ZenMLFailure."""

    def __init__(self, what, secrets=()):
        self.what = what
        self.secrets = secrets

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None or isinstance(exc, (ZenMLFailure, _Deadline)) or not isinstance(exc, Exception):
            return False
        cause = error_cause(exc)
        if "unexpected error" in cause and LOGS.messages:
            cause = "%s (%s)" % (cause.rstrip("."), " ".join(LOGS.messages[-1].split()))
        raise ZenMLFailure(scrub("Failed to %s: %s" % (self.what, cause), self.secrets)) from None


def stringify(value):
    """The string form of a setting stored in a ZenML secret; None for values that must be left out."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    text = str(value)
    if text == "" or text == "None":
        return None
    return text


def masked_mapping(values, secret_keys):
    """A copy of a configuration with the values of secret keys replaced by the mask."""
    return dict((k, MASK if k in secret_keys and v is not None else v) for k, v in sorted(values.items()))


def secret_markers(current, desired):
    """Diff views of two secret value dicts that show key names only.

    before: every current key -> "<hidden>"; after: every desired key -> "<changed>" when the value
    is new or different, "<unchanged>" otherwise.
    """
    before = dict((k, HIDDEN) for k in sorted(current))
    after = dict((k, UNCHANGED if k in current and current[k] == v else CHANGED) for k, v in sorted(desired.items()))
    return before, after
