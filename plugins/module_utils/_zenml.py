# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ZenML backend: the shared argument spec, the module base (lazy import, deadline, quiet stdout),
error translation, and the store's reads and writes as plain functions over a zenml Client.

ZenML is imported only after the arguments were checked: the import plus the first store access cost
~5 s, and bad input must fail before paying that. The pure planning half is in _zenml_plan.py.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import signal
import socket
from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.llmtwin.deploy.plugins.module_utils._common import (
    ModuleError,
    ResourceModule,
    failed,
)
from ansible_collections.llmtwin.deploy.plugins.module_utils._zenml_plan import (
    MASK,
    check_common_params,
    plan_secret,
    secret_markers,
)


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


@contextlib.contextmanager
def quiet():
    """Keep ZenML's console output (warnings, progress) out of the module's stdout JSON."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        yield sink


class _Deadline(BaseException):
    """Raised by the alarm; a BaseException so that SDK code catching Exception cannot swallow it."""


def _fmt_seconds(seconds):
    return ("%d" % seconds) if float(seconds).is_integer() else ("%.1f" % seconds)


@contextlib.contextmanager
def deadline(seconds, action, resource):
    """Abort the block after `seconds` with a clear message (SIGALRM: modules run in the main thread)."""
    def _expire(signum, frame):
        raise _Deadline()

    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Deadline:
        raise failed(action, resource, "no answer within %s s (timeout); check the ZenML store and the AWS "
                     "endpoint are reachable" % _fmt_seconds(seconds)) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


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


# Secret values of the running module: every translated error is scrubbed of them.
SECRETS = []


@contextlib.contextmanager
def zenml_errors(action, resource):
    """Turn any SDK error inside the block into ModuleError("Failed to <action> <resource>: <cause>")."""
    try:
        yield
    except ModuleError:
        raise
    except Exception as exc:  # the SDK raises anything from KeyError to pydantic and HTTP errors
        cause = error_cause(exc)
        if "unexpected error" in cause and LOGS.messages:
            cause = "%s (%s)" % (cause.rstrip("."), " ".join(LOGS.messages[-1].split()))
        raise ModuleError(scrub(failed(action, resource, cause), SECRETS)) from None


# ---------------------------------------------------------------- the module base

class ZenMLModule(ResourceModule):
    """ResourceModule for ZenML: imports zenml in connect() (after validate()), runs the store work
    under one deadline with stdout kept clean, and scrubs secret values from every error."""

    backend_spec = staticmethod(zenml_argument_spec)

    def __init__(self):
        super(ZenMLModule, self).__init__()
        SECRETS[:] = [self.params.get("store_api_key")]

    def validate(self):
        problem = check_common_params(self.params)
        if problem:
            raise ModuleError(problem)

    def connect(self):
        """Set ZenML's environment, then import it (seconds); the store is opened in run()."""
        os.environ.update(zenml_environment(self.params))
        try:
            with quiet():
                from zenml.client import Client  # noqa: F401 pylint: disable=unused-import
        except ImportError as exc:
            raise ModuleError("%s (%s)" % (missing_required_lib("zenml"), exc)) from None
        logging.getLogger().addHandler(LOGS)

    def run(self):
        with quiet(), deadline(self.params["timeout"], "reconcile", self.what()):
            with zenml_errors("open", "the ZenML store"):
                from zenml.client import Client
                self.client = Client()
            return self.reconcile()

    def what(self):
        """The resource the deadline message names ("stack aws-stack")."""
        raise NotImplementedError

    def reconcile(self):
        raise NotImplementedError

    def write(self, verb, kind, name, call, detail=None):
        """act() with SDK errors translated: "Failed to <verb> <kind> <name>: <cause>"."""
        def guarded():
            with zenml_errors(verb, "%s %s" % (kind, name)):
                return call()
        return self.act(verb, kind, name, guarded, detail)

    def reconcile_secret(self, name, state, values, purge=True, keep=(), private=False):
        """Create, update or delete one secret. Returns (document, current values, diff before, diff after)."""
        SECRETS.extend(values.values())
        existing = read_secret(self.client, name, private)
        current = dict(existing["values"]) if existing else {}
        secret_id = existing["id"] if existing else None
        self.manage("secret", name)
        if state == "absent":
            if existing:
                self.write("delete", "secret", name,
                           lambda: self.client.delete_secret(existing["id"], private=existing["private"]))
            before = dict(name=name, keys=secret_markers(current, {})[0]) if existing else {}
            return dict(name=name, id=None, keys=[], private=private), current, before, {}
        add_or_update, remove, final = plan_secret(current, values, purge, keep)
        before, after = secret_markers(current, final)
        if existing is None:
            secret_id = self.write("create", "secret", name,
                                   lambda: create_or_adopt_secret(self.client, name, values, private, purge, keep))
        elif add_or_update or remove:
            changed = sorted(set(add_or_update) | set(remove))
            self.write("update", "secret", name,
                       lambda: self.client.update_secret(existing["id"], private=existing["private"],
                                                         add_or_update_values=add_or_update, remove_values=remove),
                       detail="keys %s" % ", ".join(changed))
        document = dict(name=name, id=secret_id, keys=sorted(final), private=private)
        return (document, current, dict(name=name, keys=before) if existing else {}, dict(name=name, keys=after))


# ---------------------------------------------------------------- store reads (plain dicts out)

def _first(page, name):
    found = [item for item in page.items if item.name == name]
    return found[0] if found else None


def read_secret(client, name, private):
    with zenml_errors("read", "secret %s" % name):
        try:
            model = client.get_secret(name, private=private, allow_partial_name_match=False,
                                      allow_partial_id_match=False)
        except KeyError:
            return None
    return dict(id=str(model.id), private=model.private, values=dict(model.secret_values))


def read_connector(client, name):
    """The stored connector with its (plain) configuration, or None."""
    with zenml_errors("read", "connector %s" % name):
        model = _first(client.list_service_connectors(name=name, hydrate=True, expand_secrets=True), name)
    if model is None:
        return None
    config = model.configuration
    plain = config.plain if hasattr(config, "plain") else dict(config)
    ctype = model.connector_type if isinstance(model.connector_type, str) else model.connector_type.connector_type
    return dict(id=model.id, name=model.name, type=ctype, auth_method=model.auth_method,
                configuration=dict((k, v) for k, v in plain.items() if v is not None),
                resource_types=list(model.resource_types or []), resource_id=model.resource_id)


def read_connector_type(client, connector_type):
    """(resource types, auth methods) of a connector type; ModuleError naming the option when unknown."""
    with zenml_errors("read", "connector type %s" % connector_type):
        try:
            model = client.get_service_connector_type(connector_type)
        except KeyError:
            raise ModuleError("connector.type: unknown ZenML service connector type %r (is the ZenML integration "
                              "for it installed?)" % connector_type) from None
    return [r.resource_type for r in model.resource_types], [a.auth_method for a in model.auth_methods]


def read_component(client, ctype, name):
    with zenml_errors("read", "%s %s" % (ctype, name)):
        model = _first(client.list_stack_components(name=name, type=ctype, hydrate=True), name)
    if model is None:
        return None
    return dict(id=model.id, name=model.name, flavor=model.flavor_name, configuration=dict(model.configuration),
                connector_id=model.connector.id if model.connector else None,
                connector_name=model.connector.name if model.connector else None,
                connector_resource_id=model.connector_resource_id)


def read_stack(client, name):
    """The stored stack: id, name and its components by type ([{id, name}]), or None."""
    with zenml_errors("read", "stack %s" % name):
        model = _first(client.list_stacks(name=name, hydrate=True), name)
    if model is None:
        return None
    return dict(id=model.id, name=model.name,
                components=dict((t.value, [dict(id=c.id, name=c.name) for c in comps])
                                for t, comps in model.components.items() if comps))


def stacks_using(client, component_id):
    """[(id, name)] of the stacks that contain a component."""
    with zenml_errors("list", "the stacks using component %s" % component_id):
        return [(s.id, s.name) for s in client.list_stacks(component_id=component_id, size=50).items]


def components_using(client, connector_id):
    """[(id, name)] of the components linked to a connector."""
    with zenml_errors("list", "the components using connector %s" % connector_id):
        return [(c.id, c.name) for c in client.list_stack_components(connector_id=connector_id, size=50).items]


def active_stack_id(client):
    with zenml_errors("read", "the active stack"):
        return client.active_stack_model.id


def component_flavor(client, ctype, flavor_name):
    """The flavor model; ModuleError naming the option and the available flavors when unknown."""
    from zenml.enums import StackComponentType
    with zenml_errors("read", "flavor %s of %s" % (flavor_name, ctype)):
        try:
            return client.get_flavor_by_name_and_type(name=flavor_name, component_type=StackComponentType(ctype))
        except KeyError:
            names = sorted(set(f.name for f in client.list_flavors(type=StackComponentType(ctype), size=200).items))
    raise ModuleError("components.%s.flavor: unknown ZenML flavor %r for %s (available: %s)"
                      % (ctype, flavor_name, ctype, ", ".join(names) or "none"))


def validated_configuration(flavor, ctype, configuration):
    """(configuration as the flavor's config class stores it, names of its secret fields).

    Comparing the validated form means defaults the flavor fills in are not drift."""
    from zenml.enums import StackComponentType
    from zenml.stack.flavor import Flavor
    from zenml.stack.utils import validate_stack_component_config
    from zenml.utils.secret_utils import is_secret_field
    with zenml_errors("validate", "components.%s.configuration for flavor %s" % (ctype, flavor.name)):
        config_class = Flavor.from_model(flavor).config_class
        validated = validate_stack_component_config(configuration_dict=dict(configuration), flavor=flavor,
                                                    component_type=StackComponentType(ctype))
        desired = validated.model_dump(mode="json", exclude_unset=True)
    return desired, set(k for k, f in config_class.model_fields.items() if is_secret_field(f))


# ---------------------------------------------------------------- store writes (called through write())

def create_or_adopt_secret(client, name, values, private, purge, keep):
    """Create a secret; when a concurrent run created it first, adopt it and converge its values."""
    from zenml.exceptions import EntityExistsError

    try:
        return str(client.create_secret(name=name, values=values, private=private).id)
    except EntityExistsError:
        existing = read_secret(client, name, private)
        if existing is None:  # created and deleted again meanwhile: nothing to adopt
            raise
    add_or_update, remove, dummy = plan_secret(existing["values"], values, purge, keep)
    if add_or_update or remove:
        client.update_secret(existing["id"], private=existing["private"],
                             add_or_update_values=add_or_update, remove_values=remove)
    return existing["id"]


def update_stack_components(client, stack_id, ids):
    """Point a stack at these component ids (one per type), keeping the active-stack cache in step."""
    from zenml.config.global_config import GlobalConfiguration
    from zenml.enums import StackComponentType
    from zenml.models import StackUpdate
    update = StackUpdate(components=dict((StackComponentType(t), [i]) for t, i in ids.items()))
    updated = client.zen_store.update_stack(stack_id=stack_id, stack_update=update)
    if GlobalConfiguration().active_stack_id == updated.id:
        GlobalConfiguration().set_active_stack(updated)
