# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure half of the zenml_* modules: option checks, desired state and comparisons.

Nothing here imports ZenML or touches a store, so all of it is unit-tested directly; the reads and
writes are in _zenml.py and the modules compose the two.
"""

from __future__ import annotations

import json

HIDDEN = "<hidden>"
CHANGED = "<changed>"
UNCHANGED = "<unchanged>"
MASK = "********"

# StackComponentType values of ZenML 0.98, checked before zenml is imported.
COMPONENT_TYPES = (
    "alerter", "annotator", "artifact_store", "container_registry", "data_validator", "deployer",
    "experiment_tracker", "feature_store", "image_builder", "log_store", "model_deployer",
    "model_registry", "orchestrator", "step_operator",
)
COMPONENT_KEYS = ("name", "flavor", "configuration", "connector")
CONNECTOR_SECRET_KEYS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")
CONNECTOR_CONFIG_KEYS = ("region", "role_arn", "profile_name", "aws_access_key_id", "aws_secret_access_key",
                         "aws_session_token", "endpoint_url")
# Auth methods of the aws connector that store keys.
KEYED_AUTH_METHODS = ("secret-key", "iam-role", "sts-token", "session-token", "federation-token")
# Creation and report order: what a stack cannot exist without first.
TYPE_ORDER = dict((t, i) for i, t in enumerate(("orchestrator", "artifact_store", "container_registry",
                                                "step_operator")))


# ---------------------------------------------------------------- option checks (no I/O)

def check_common_params(params):
    """Return the first problem with the shared connection options, or None."""
    for name in ("store_url", "aws_endpoint_url"):
        url = params.get(name)
        if url and not (url.startswith("http://") or url.startswith("https://")):
            return "%s: expected an http:// or https:// URL, got %r" % (name, url)
    if params.get("store_api_key") and not params.get("store_url"):
        return "store_api_key needs store_url (the ZenML server it authenticates to)"
    if params.get("timeout") is not None and params["timeout"] <= 0:
        return "timeout must be a positive number of seconds, got %s" % params["timeout"]
    return None


def check_connector(conn, state, where=""):
    if conn is None:
        return None
    if not conn["name"] or not conn["name"].strip():
        return "%sconnector.name: expected a non-empty connector name" % where
    if bool(conn["aws_access_key_id"]) != bool(conn["aws_secret_access_key"]):
        return "%sconnector.aws_access_key_id and %sconnector.aws_secret_access_key must be given together" % (where, where)
    if state != "present":
        return None  # deleting needs the name only
    if not conn["auth_method"]:
        return "%sconnector.auth_method is required with state=present (for example secret-key or iam-role)" % where
    if conn["auth_method"] in KEYED_AUTH_METHODS and not conn["aws_access_key_id"]:
        return ("%sconnector.aws_access_key_id and %sconnector.aws_secret_access_key are required with "
                "auth_method %s" % (where, where, conn["auth_method"]))
    if conn["auth_method"] == "iam-role" and not conn["role_arn"]:
        return "%sconnector.role_arn is required with auth_method iam-role" % where
    if conn["type"] == "aws" and not conn["region"]:
        return "%sconnector.region is required for an aws connector" % where
    return None


def check_components(components, state, where=""):
    if components is None:
        return None
    for ctype, spec in components.items():
        if spec is None:  # an optional component the caller left unset, e.g. step_operator
            continue
        at = "%scomponents.%s" % (where, ctype)
        if ctype not in COMPONENT_TYPES:
            return "%scomponents: unknown component type %r (expected one of %s)" % (where, ctype, ", ".join(COMPONENT_TYPES))
        if not isinstance(spec, dict):
            return "%s: expected a dict with name, flavor, configuration, connector" % at
        unknown = sorted(set(spec) - set(COMPONENT_KEYS))
        if unknown:
            return "%s: unknown keys %s (expected %s)" % (at, ", ".join(unknown), ", ".join(COMPONENT_KEYS))
        for key in ("name", "flavor"):
            if not isinstance(spec.get(key), str) or not spec[key].strip():
                return "%s.%s: expected a non-empty string" % (at, key)
        if spec.get("configuration") is not None and not isinstance(spec["configuration"], dict):
            return "%s.configuration: expected a dict" % at
        if not isinstance(spec.get("connector", True), bool):
            return "%s.connector: expected true or false" % at
    wanted = wanted_components(components)
    if state == "present" and ("orchestrator" not in wanted or "artifact_store" not in wanted):
        return "%scomponents: a stack needs at least an orchestrator and an artifact_store" % where
    return None


def check_stack(stack, where=""):
    """The first problem with one stack's options (single form: where="", list form: "stacks[i].")."""
    if not stack["name"] or not stack["name"].strip():
        return "%sname: expected a non-empty stack name" % where
    return (check_connector(stack["connector"], stack["state"], where)
            or check_components(stack["components"], stack["state"], where))


def stack_items(params):
    """The stacks of a call as one list: the single form is a list of one. Items inherit `state`."""
    if params.get("stacks") is None:
        if params.get("name") is None:
            return []
        return [dict(name=params["name"], state=params["state"], activate=params["activate"],
                     connector=params["connector"], components=params["components"], where="")]
    return [dict(item, state=item.get("state") or params["state"], activate=bool(item.get("activate")),
                 where="stacks[%d]." % i) for i, item in enumerate(params["stacks"])]


def secret_items(params):
    return [dict(item, state=item.get("state") or params["state"], where="secrets[%d]." % i)
            for i, item in enumerate(params.get("secrets") or [])]


def check_secret(secret, where=""):
    if not secret["name"] or not secret["name"].strip():
        return "%sname: expected a non-empty secret name" % where
    if secret["state"] == "present" and secret["values"] is None:
        return "%svalues is required with state=present" % where
    for key in secret["values"] or {}:
        if not str(key).strip():
            return "%svalues: key names must be non-empty strings" % where
    return None


def check_params(params):
    """Return the first problem with zenml_stack's options (no I/O, nothing imported), or None."""
    problem = check_common_params(params)
    if problem:
        return problem
    if params.get("stacks") is not None and params.get("activate"):
        return "activate: with stacks, set activate on the stack it is for"
    stacks = stack_items(params)
    declared = {}  # (type, name) -> (where, spec): a component shared by two stacks must be the same
    for stack in stacks:
        problem = check_stack(stack, stack["where"])
        if problem:
            return problem
        for ctype, spec in (wanted_components(stack["components"]) or {}).items():
            first = declared.setdefault((ctype, spec["name"]), (stack["where"], spec))
            if first[1] != spec:
                return ("%scomponents.%s: component %s is declared differently in %scomponents.%s; a component "
                        "shared by stacks must be the same" % (stack["where"], ctype, spec["name"],
                                                               first[0], ctype))
    for secret in secret_items(params):
        problem = check_secret(secret, secret["where"])
        if problem:
            return problem
    return None


# ---------------------------------------------------------------- desired state

def ordered_types(types):
    return sorted(types, key=lambda t: (TYPE_ORDER.get(t, 99), t))


def wanted_components(components):
    """The components asked for: null entries and null configuration values mean "not set"."""
    if components is None:
        return None
    wanted = {}
    for ctype, spec in components.items():
        if spec is None:
            continue
        config = dict((k, v) for k, v in (spec.get("configuration") or {}).items() if v is not None)
        wanted[ctype] = dict(name=spec["name"], flavor=spec["flavor"], configuration=config,
                             connector=spec.get("connector", True))
    return wanted


def desired_connector(conn):
    """The connector as stored: name, type, auth method and configuration without unset keys."""
    config = dict((k, conn[k]) for k in CONNECTOR_CONFIG_KEYS if conn.get(k) not in (None, ""))
    return dict(name=conn["name"], type=conn["type"], auth_method=conn["auth_method"], configuration=config)


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


def desired_values(values):
    """A secret's values as stored strings, without null/empty ones."""
    result = {}
    for key, value in (values or {}).items():
        text = stringify(value)
        if text is not None:
            result[str(key)] = text
    return result


# ---------------------------------------------------------------- comparisons

def connector_changes(current, desired, all_resource_types):
    """Names of what differs between a stored connector view and the desired one."""
    changes = []
    if current["auth_method"] != desired["auth_method"]:
        changes.append("auth_method")
    keys = sorted(set(current["configuration"]) | set(desired["configuration"]))
    changes.extend(k for k in keys if current["configuration"].get(k) != desired["configuration"].get(k))
    if sorted(current["resource_types"]) != sorted(all_resource_types) or current["resource_id"]:
        changes.append("resource_types")
    return changes


def config_update(current, desired):
    """(changed keys, update payload): the payload sets desired values and unsets extra keys (None)."""
    keys = sorted(set(current) | set(desired))
    changed = [k for k in keys if current.get(k) != desired.get(k)]
    payload = dict(desired)
    payload.update((k, None) for k in current if k not in desired)
    return changed, payload


def plan_component(current, desired):
    """What to do with one component: a dict with `verb` (None, create, replace or update) and `detail`.

    current: the stored component (read_component()) or None; desired: name, flavor, configuration
    (validated by the flavor), link ((connector id, resource id) or None) and keep_link (the spec's
    `connector` flag: false unlinks a linked component).
    """
    if current is None:
        return dict(verb="create", detail="flavor %s" % desired["flavor"])
    if current["flavor"] != desired["flavor"]:
        return dict(verb="replace", detail="flavor %s -> %s" % (current["flavor"], desired["flavor"]))
    changed, payload = config_update(current["configuration"], desired["configuration"])
    link = desired["link"]
    relink = link is not None and (link[0] is None or (current["connector_id"], current["connector_resource_id"]) != link)
    unlink = link is None and not desired["keep_link"] and current["connector_id"] is not None
    what = []
    if changed:
        what.append("configuration %s" % ", ".join(changed))
    if relink:
        what.append("connector link")
    if unlink:
        what.append("connector unlinked")
    if not what:
        return dict(verb=None, detail=None)
    return dict(verb="update", detail="; ".join(what), payload=payload if changed else None,
                relink=relink, unlink=unlink)


def plan_secret(current, desired, purge, keep=()):
    """Return (add_or_update, remove, final) for current/desired value dicts."""
    add_or_update = dict((k, v) for k, v in desired.items() if current.get(k) != v)
    remove = sorted(k for k in current if k not in desired and k not in keep) if purge else []
    final = dict(current)
    final.update(desired)
    for key in remove:
        final.pop(key)
    return add_or_update, remove, final


# ---------------------------------------------------------------- views without secrets

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


def connector_view(conn):
    """A diff view of a connector dict (name/type/auth_method/configuration), secrets shown as "<hidden>"."""
    if not conn:
        return {}
    config = conn.get("configuration") or {}
    masked = dict((k, HIDDEN if k in CONNECTOR_SECRET_KEYS else v) for k, v in sorted(config.items()))
    return dict(name=conn["name"], type=conn["type"], auth_method=conn["auth_method"], configuration=masked)


def connector_after_view(current, desired):
    """The desired connector for the diff: secrets show "<changed>" when they differ, else "<hidden>"."""
    view = connector_view(desired)
    old = (current or {}).get("configuration") or {}
    for key in CONNECTOR_SECRET_KEYS:
        if key in desired["configuration"]:
            view["configuration"][key] = HIDDEN if old.get(key) == desired["configuration"][key] else CHANGED
    return view


def component_view(name, flavor, configuration, secret_keys, connector):
    return dict(name=name, flavor=flavor, configuration=masked_mapping(dict(configuration), secret_keys),
                connector=connector)


def stack_view(stack):
    """The diff/result view of a stored stack: its component names by type."""
    return dict(name=stack["name"], components=dict((t, [c["name"] for c in comps])
                                                    for t, comps in stack["components"].items()))
