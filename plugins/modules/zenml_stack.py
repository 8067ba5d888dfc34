#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: zenml_stack
short_description: Reconcile a ZenML stack, its components and its service connector in one call
version_added: 1.0.0
description:
  - Registers, updates or deletes a ZenML service connector, the stack components linked to it and the
    stack made of them, in one process (importing ZenML costs seconds, so this is one module, not
    one module per component).
  - Each component's flavor and configuration are compared with the store. Configuration is compared
    after validation by the flavor's configuration class, so defaults the flavor fills in are not
    drift. A changed configuration is updated in place; a changed flavor replaces the component.
  - With O(state=absent), the stack is deleted first, then its components, then the connector; a
    component or connector still used by another stack or component is left in place with a warning.
options:
  name:
    description: Name of the stack, for example C(aws-stack).
    type: str
    required: true
  state:
    description: Whether the stack (and its components and connector) should exist.
    type: str
    choices: [present, absent]
    default: present
  activate:
    description:
      - Make the stack the active stack of the ZenML configuration. V(false) leaves the active stack alone.
      - With O(state=absent), an active stack is first replaced by the C(default) stack.
    type: bool
    default: false
  connector:
    description:
      - The service connector the components use. Left out, no connector is managed and the
        components' links are left as they are.
    type: dict
    suboptions:
      name:
        description: Name of the connector.
        type: str
        default: aws
      type:
        description: Connector type.
        type: str
        default: aws
      auth_method:
        description:
          - Authentication method, for example V(secret-key), V(iam-role), V(implicit), V(sts-token).
          - Required with O(state=present).
        type: str
      region:
        description: AWS region of the connector.
        type: str
      role_arn:
        description: IAM role to assume (V(iam-role), optionally V(implicit)).
        type: str
      profile_name:
        description:
          - AWS profile the V(implicit) method reads where the connector is used (the ZenML server or the
            client), instead of the default credential chain.
        type: str
      aws_access_key_id:
        description: Access key id (V(secret-key), V(iam-role), V(sts-token)). Never returned.
        type: str
      aws_secret_access_key:
        description: Secret access key. Never logged, returned or shown in diffs.
        type: str
      aws_session_token:
        description: Session token (V(sts-token)). Never logged, returned or shown in diffs.
        type: str
      endpoint_url:
        description:
          - AWS endpoint stored in the connector's configuration (for clients that use the connector
            later). Unrelated to O(aws_endpoint_url), which only affects this module's own calls.
        type: str
      verify:
        description:
          - Check the credentials against AWS (STS) before registering or updating the connector, and
            on every run. V(false) registers it without calling AWS.
        type: bool
        default: false
  components:
    description:
      - The stack's components, keyed by component type (V(artifact_store), V(container_registry),
        V(orchestrator), V(step_operator), ...). The stack is made of exactly these components.
      - Left out with O(state=present), an existing stack keeps its components; with O(state=absent),
        the stack's current components are deleted.
    type: dict
extends_documentation_fragment:
  - llmtwin.deploy.zenml
  - llmtwin.deploy.zenml.attributes
notes:
  - "Each value of O(components) is a dict: C(name) (required), C(flavor) (required), C(configuration)
    (dict, default empty) and C(connector) (bool, default true: link the component to the connector
    when its flavor can use one; the connector resource is the flavor's resource attribute, for
    example the artifact store's C(path) or the registry's C(uri))."
  - Configuration keys not in O(components) are removed from an existing component.
author:
  - LLM Twin deploy team (@llmtwin)
"""

EXAMPLES = r"""
- name: The AWS stack of the LLM Twin
  llmtwin.deploy.zenml_stack:
    name: aws-stack
    config_path: "{{ local_zenml_config_path }}"
    aws_endpoint_url: "{{ local_aws_endpoint_url }}"
    activate: true
    connector:
      name: aws
      auth_method: secret-key
      region: us-east-1
      aws_access_key_id: "{{ aws_access_key }}"
      aws_secret_access_key: "{{ aws_secret_key }}"
    components:
      artifact_store:
        name: s3
        flavor: s3
        configuration: {path: "s3://llm-twin-artifacts"}
      container_registry:
        name: aws
        flavor: aws
        configuration:
          uri: 123456789012.dkr.ecr.us-east-1.amazonaws.com
          default_repository: llm-twin
      orchestrator:
        name: sagemaker
        flavor: sagemaker
        configuration:
          execution_role: arn:aws:iam::123456789012:role/llm-twin-sagemaker
          synchronous: false

- name: Tear it down (stack, then components, then connector)
  llmtwin.deploy.zenml_stack:
    name: aws-stack
    state: absent
    connector: {name: aws, auth_method: secret-key}
"""

RETURN = r"""
stack:
  description: The stack as it is (or would be, in check mode) after the run.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the stack.
      type: str
    id:
      description: ID of the stack; null when absent or only planned in check mode.
      type: str
    active:
      description: Whether the stack is the active stack.
      type: bool
    components:
      description: The stack's components by type.
      type: dict
      sample:
        artifact_store: {name: s3, flavor: s3, id: 4c1e..., configuration: {path: "s3://bucket"}}
connector:
  description: The service connector, never with its credentials. Empty when O(connector) is not given.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the connector.
      type: str
    type:
      description: Connector type.
      type: str
    auth_method:
      description: Authentication method.
      type: str
    id:
      description: ID of the connector; null when absent or only planned in check mode.
      type: str
    resource_types:
      description: Resource types the connector gives access to.
      type: list
      elements: str
actions:
  description: What was (or, in check mode, would be) done, in order.
  returned: always
  type: list
  elements: str
  sample: ["create connector aws", "update orchestrator sagemaker (configuration: synchronous)"]
diff:
  description: Connector, components and stack before and after; secret values masked.
  returned: when diff mode is on
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.llmtwin.deploy.plugins.module_utils._common import mask_uri
from ansible_collections.llmtwin.deploy.plugins.module_utils._zenml import (
    CHANGED,
    COMPONENT_TYPES,
    CONNECTOR_SECRET_KEYS,
    HIDDEN,
    Action,
    ZenMLFailure,
    check_common_params,
    deadline,
    get_client,
    import_zenml,
    masked_mapping,
    probe_endpoint,
    quiet,
    zenml_argument_spec,
)

CONNECTOR_CONFIG_KEYS = ("region", "role_arn", "profile_name", "aws_access_key_id", "aws_secret_access_key",
                         "aws_session_token", "endpoint_url")
COMPONENT_KEYS = ("name", "flavor", "configuration", "connector")
# Creation and report order: what a stack cannot exist without first.
TYPE_ORDER = dict((t, i) for i, t in enumerate(("orchestrator", "artifact_store", "container_registry",
                                                "step_operator")))


def ordered_types(types):
    return sorted(types, key=lambda t: (TYPE_ORDER.get(t, 99), t))


def check_params(params):
    """Return the first problem with the options (no I/O, nothing imported), or None."""
    problem = check_common_params(params)
    if problem:
        return problem
    if not params["name"].strip():
        return "name: expected a non-empty stack name"
    conn = params["connector"]
    if conn is not None:
        if not conn["name"] or not conn["name"].strip():
            return "connector.name: expected a non-empty connector name"
        if params["state"] == "present" and not conn["auth_method"]:
            return "connector.auth_method is required with state=present (for example secret-key or iam-role)"
        if bool(conn["aws_access_key_id"]) != bool(conn["aws_secret_access_key"]):
            return "connector.aws_access_key_id and connector.aws_secret_access_key must be given together"
        if params["state"] == "present" and conn["auth_method"] in ("secret-key", "iam-role", "sts-token",
                                                                    "session-token", "federation-token"):
            if not conn["aws_access_key_id"]:
                return ("connector.aws_access_key_id and connector.aws_secret_access_key are required with "
                        "auth_method %s" % conn["auth_method"])
        if params["state"] == "present" and conn["auth_method"] == "iam-role" and not conn["role_arn"]:
            return "connector.role_arn is required with auth_method iam-role"
        if params["state"] == "present" and conn["type"] == "aws" and not conn["region"]:
            return "connector.region is required for an aws connector"
    components = params["components"]
    if components is None:
        return None
    for ctype, spec in components.items():
        if spec is None:  # an optional component the caller left unset, e.g. step_operator
            continue
        where = "components.%s" % ctype
        if ctype not in COMPONENT_TYPES:
            return "components: unknown component type %r (expected one of %s)" % (ctype, ", ".join(COMPONENT_TYPES))
        if not isinstance(spec, dict):
            return "%s: expected a dict with name, flavor, configuration, connector" % where
        unknown = sorted(set(spec) - set(COMPONENT_KEYS))
        if unknown:
            return "%s: unknown keys %s (expected %s)" % (where, ", ".join(unknown), ", ".join(COMPONENT_KEYS))
        for key in ("name", "flavor"):
            if not isinstance(spec.get(key), str) or not spec[key].strip():
                return "%s.%s: expected a non-empty string" % (where, key)
        if spec.get("configuration") is not None and not isinstance(spec["configuration"], dict):
            return "%s.configuration: expected a dict" % where
        if not isinstance(spec.get("connector", True), bool):
            return "%s.connector: expected true or false" % where
    wanted = wanted_components(components)
    if params["state"] == "present" and ("orchestrator" not in wanted or "artifact_store" not in wanted):
        return "components: a stack needs at least an orchestrator and an artifact_store"
    return None


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


class Reconciler(object):
    """Reads the store once, plans, and applies unless in check mode."""

    def __init__(self, module, client, secrets):
        from zenml.enums import StackComponentType
        self.module = module
        self.params = module.params
        self.client = client
        self.secrets = secrets
        self.check = module.check_mode
        self.T = StackComponentType
        self.actions = []
        self.warnings = []
        self.before = {}
        self.after = {}

    def act(self, what):
        return Action(what, self.secrets)

    # ---- reads ----
    def find_connector(self, name):
        with self.act("read service connector %s" % name):
            page = self.client.list_service_connectors(name=name, hydrate=True, expand_secrets=True)
        found = [c for c in page.items if c.name == name]
        return found[0] if found else None

    def find_component(self, ctype, name):
        with self.act("read %s %s" % (ctype, name)):
            page = self.client.list_stack_components(name=name, type=ctype, hydrate=True)
        found = [c for c in page.items if c.name == name]
        return found[0] if found else None

    def find_stack(self, name):
        with self.act("read stack %s" % name):
            page = self.client.list_stacks(name=name, hydrate=True)
        found = [s for s in page.items if s.name == name]
        return found[0] if found else None

    def stacks_using(self, component_id):
        with self.act("list the stacks using component %s" % component_id):
            return list(self.client.list_stacks(component_id=component_id, size=50).items)

    def active_stack_id(self):
        with self.act("read the active stack"):
            return self.client.active_stack_model.id

    @staticmethod
    def stored_connector(model):
        config = model.configuration
        plain = config.plain if hasattr(config, "plain") else dict(config)
        ctype = model.connector_type if isinstance(model.connector_type, str) else model.connector_type.connector_type
        return dict(name=model.name, type=ctype, auth_method=model.auth_method,
                    configuration=dict((k, v) for k, v in plain.items() if v is not None),
                    resource_types=list(model.resource_types or []), resource_id=model.resource_id)

    # ---- connector ----
    def reconcile_connector(self):
        """Return (connector id, resource types it serves); the id is None when absent or only planned."""
        spec = self.params["connector"]
        if spec is None:
            return None, []
        desired = desired_connector(spec)
        name = desired["name"]
        model = self.find_connector(name)
        with self.act("read service connector type %s" % desired["type"]):
            try:
                ctype = self.client.get_service_connector_type(desired["type"])
            except KeyError:
                raise ZenMLFailure("connector.type: unknown ZenML service connector type %r (is the ZenML "
                                   "integration for it installed?)" % desired["type"])
        all_types = [r.resource_type for r in ctype.resource_types]
        auth_methods = [a.auth_method for a in ctype.auth_methods]
        if desired["auth_method"] not in auth_methods:
            raise ZenMLFailure("connector.auth_method: %r is not an auth method of %s connectors (expected one "
                               "of %s)" % (desired["auth_method"], desired["type"], ", ".join(auth_methods)))
        verify = spec["verify"]
        if verify:
            self.probe(name, desired)
        current = self.stored_connector(model) if model is not None else None
        self.before["connector"] = connector_view(current)
        self.after["connector"] = connector_after_view(current, desired)
        if current is None:
            self.actions.append("create connector %s" % name)
            with self.act("%s service connector %s" % ("verify" if verify else "validate", name)):
                result = self.client.create_service_connector(
                    name=name, connector_type=desired["type"], auth_method=desired["auth_method"],
                    configuration=desired["configuration"], verify=verify, list_resources=False,
                    register=not self.check)[0]
            self.connector_info = dict(name=name, type=desired["type"], auth_method=desired["auth_method"],
                                       id=None if self.check else str(result.id), resource_types=all_types)
            return (None if self.check else result.id), all_types
        if current["type"] != desired["type"]:
            raise ZenMLFailure("connector.type: connector %s exists with type %s, not %s; delete it first or pick "
                               "another name" % (name, current["type"], desired["type"]))
        changes = connector_changes(current, desired, all_types)
        if changes:
            self.actions.append("update connector %s (%s)" % (name, ", ".join(changes)))
            with self.act("%s service connector %s" % ("verify" if verify else "update", name)):
                self.client.update_service_connector(
                    model.id, auth_method=desired["auth_method"], configuration=desired["configuration"],
                    resource_type="", resource_id="", verify=verify, list_resources=False,
                    update=not self.check)
        elif verify:
            with self.act("verify service connector %s" % name):
                resources = self.client.verify_service_connector(model.id, list_resources=False)
            if resources.error:
                raise ZenMLFailure("Failed to verify service connector %s: %s" % (name, resources.error))
        self.connector_info = dict(name=name, type=desired["type"], auth_method=desired["auth_method"],
                                   id=str(model.id), resource_types=all_types)
        return model.id, all_types

    def probe(self, name, desired):
        """Fail fast and plainly when the AWS endpoint that verification would call is down."""
        endpoint = desired["configuration"].get("endpoint_url") or self.params["aws_endpoint_url"]
        if not endpoint:
            return
        cause = probe_endpoint(endpoint, timeout=min(5.0, self.params["timeout"]))
        if cause:
            raise ZenMLFailure("Failed to verify service connector %s: AWS endpoint %s is not reachable (%s)"
                               % (name, mask_uri(endpoint), cause))

    # ---- components ----
    def flavor(self, ctype, name):
        T = self.T(ctype)
        try:
            return self.client.get_flavor_by_name_and_type(name=name, component_type=T)
        except KeyError:
            with self.act("list %s flavors" % ctype):
                names = sorted(set(f.name for f in self.client.list_flavors(type=T, size=200).items))
            raise ZenMLFailure("components.%s.flavor: unknown ZenML flavor %r for %s (available: %s)"
                               % (ctype, name, ctype, ", ".join(names) or "none"))

    def plan_component(self, ctype, spec, connector_id, connector_types):
        """Validate the desired component against its flavor and compare it with the stored one."""
        from zenml.stack.flavor import Flavor
        from zenml.stack.utils import validate_stack_component_config
        from zenml.utils.secret_utils import is_secret_field
        name, flavor_name = spec["name"], spec["flavor"]
        with self.act("read flavor %s of %s" % (flavor_name, ctype)):
            flavor = self.flavor(ctype, flavor_name)
        with self.act("validate components.%s.configuration for flavor %s" % (ctype, flavor_name)):
            config_class = Flavor.from_model(flavor).config_class
            validated = validate_stack_component_config(configuration_dict=dict(spec.get("configuration") or {}),
                                                        flavor=flavor, component_type=self.T(ctype))
            desired_config = validated.model_dump(mode="json", exclude_unset=True)
        secret_keys = set(k for k, f in config_class.model_fields.items() if is_secret_field(f))
        link = None
        if spec.get("connector", True) and self.params["connector"] is not None and flavor.connector_resource_type:
            if (flavor.connector_type in (None, self.params["connector"]["type"])
                    and flavor.connector_resource_type in connector_types):
                attr = flavor.connector_resource_id_attr
                link = (connector_id, desired_config.get(attr) if attr else None)
        current = self.find_component(ctype, name)
        plan = dict(type=ctype, name=name, flavor=flavor_name, config=desired_config, link=link,
                    secret_keys=secret_keys, current=current, action=None, payload=None)
        self.before.setdefault("components", {})
        self.after.setdefault("components", {})
        if current is not None:
            self.before["components"][ctype] = self.component_view(ctype, current.name, current.flavor_name,
                                                                   current.configuration, secret_keys,
                                                                   current.connector.name if current.connector else None)
        conn_name = self.params["connector"]["name"] if link else None
        self.after["components"][ctype] = self.component_view(ctype, name, flavor_name, desired_config,
                                                              secret_keys, conn_name)
        if current is None:
            plan["action"] = "create"
            self.actions.append("create %s %s (flavor %s)" % (ctype, name, flavor_name))
        elif current.flavor_name != flavor_name:
            plan["action"] = "replace"
            self.actions.append("replace %s %s (flavor %s -> %s)" % (ctype, name, current.flavor_name, flavor_name))
        else:
            changed, payload = config_update(dict(current.configuration), desired_config)
            current_link = (current.connector.id if current.connector else None, current.connector_resource_id)
            relink = link is not None and (connector_id is None or current_link != link)
            unlink = link is None and not spec.get("connector", True) and current.connector is not None
            if changed or relink or unlink:
                plan["action"] = "update"
                plan["payload"] = payload if changed else None
                plan["relink"], plan["unlink"] = relink, unlink
                what = []
                if changed:
                    what.append("configuration: %s" % ", ".join(changed))
                if relink:
                    what.append("connector link")
                if unlink:
                    what.append("connector unlinked")
                self.actions.append("update %s %s (%s)" % (ctype, name, "; ".join(what)))
        return plan

    @staticmethod
    def component_view(ctype, name, flavor, configuration, secret_keys, connector):
        return dict(name=name, flavor=flavor, configuration=masked_mapping(dict(configuration), secret_keys),
                    connector=connector)

    def link_component(self, ctype, component_id, link):
        with self.act("link %s to service connector" % ctype):
            return self.client.update_stack_component(component_id, self.T(ctype), connector_id=link[0],
                                                      connector_resource_id=link[1])

    def apply_component(self, plan, connector_id):
        """Apply one planned component; return its id (None in check mode for a new one)."""
        ctype, name, T = plan["type"], plan["name"], self.T(plan["type"])
        current = plan["current"]
        link = (connector_id, plan["link"][1]) if plan["link"] else None
        if plan["action"] is None:
            return current.id
        if self.check:
            return None if plan["action"] in ("create", "replace") else current.id
        if plan["action"] == "update":
            with self.act("update %s %s" % (ctype, name)):
                self.client.update_stack_component(
                    current.id, T, configuration=plan["payload"], disconnect=plan["unlink"] or None,
                    connector_id=link[0] if link and plan["relink"] else None,
                    connector_resource_id=link[1] if link and plan["relink"] else None)
            return current.id
        if plan["action"] == "replace":
            users = self.stacks_using(current.id)
            if users:
                # The stack cannot lose a required component: rename the old one, swap it out of the
                # stack, and delete it once the stack uses the new one.
                with self.act("rename %s %s before replacing it" % (ctype, name)):
                    self.client.update_stack_component(current.id, T, name="%s-replaced-%s" % (name, str(current.id)[:8]))
                self.replaced.append((ctype, current.id, name))
            else:
                with self.act("delete %s %s (flavor change)" % (ctype, name)):
                    self.client.delete_stack_component(current.id, T)
        with self.act("create %s %s" % (ctype, name)):
            created = self.client.create_stack_component(name=name, flavor=plan["flavor"], component_type=T,
                                                         configuration=plan["config"])
        if link:
            self.link_component(ctype, created.id, link)
        return created.id

    # ---- stack ----
    def present(self):
        name = self.params["name"]
        self.replaced = []
        connector_id, connector_types = self.reconcile_connector()
        specs = wanted_components(self.params["components"])
        stack = self.find_stack(name)
        if specs is None and stack is None:
            raise ZenMLFailure("components is required to create stack %s" % name)
        plans = [self.plan_component(t, specs[t], connector_id, connector_types) for t in ordered_types(specs or {})]
        current_map = {}
        if stack is not None:
            current_map = dict((t.value, sorted(str(c.id) for c in comps)) for t, comps in stack.components.items() if comps)
            self.before["stack"] = dict(name=name, components=dict((t.value, [c.name for c in comps])
                                                                   for t, comps in stack.components.items() if comps))
        # In check mode only the ids of components that stay are known.
        ids = self.ids = {}
        for plan in plans:
            ids[plan["type"]] = self.apply_component(plan, connector_id)
        if specs is None:
            desired_map = current_map
        else:
            desired_map = dict((t, [str(i)] if i else [None]) for t, i in ids.items())
        self.after["stack"] = dict(name=name, components=dict((p["type"], [p["name"]]) for p in plans)
                                   if specs is not None else self.before.get("stack", {}).get("components", {}))
        stack_id = stack.id if stack is not None else None
        if stack is None:
            self.actions.append("create stack %s" % name)
            if not self.check:
                with self.act("create stack %s" % name):
                    stack_id = self.client.create_stack(name, dict((self.T(t), i) for t, i in ids.items())).id
        elif desired_map != current_map:
            self.actions.append("update stack %s (components)" % name)
            if not self.check:
                self.update_stack_components(stack, ids)
        self.cleanup_replaced(stack_id)
        active = stack_id is not None and self.active_stack_id() == stack_id
        if stack is not None:
            self.before["stack"]["active"] = active
        if self.params["activate"] and not active:
            self.actions.append("activate stack %s" % name)
            if not self.check:
                with self.act("activate stack %s" % name):
                    self.client.activate_stack(stack_id)
            active = True
        self.after["stack"]["active"] = active
        return self.result(stack_id, active)

    def update_stack_components(self, stack, ids):
        from zenml.config.global_config import GlobalConfiguration
        from zenml.models import StackUpdate
        with self.act("update stack %s" % stack.name):
            update = StackUpdate(components=dict((self.T(t), [i]) for t, i in ids.items()))
            updated = self.client.zen_store.update_stack(stack_id=stack.id, stack_update=update)
            if GlobalConfiguration().active_stack_id == updated.id:
                GlobalConfiguration().set_active_stack(updated)

    def cleanup_replaced(self, stack_id):
        for ctype, old_id, name in self.replaced:
            others = [s.name for s in self.stacks_using(old_id) if s.id != stack_id]
            if others:
                self.warnings.append("%s %s was replaced in this stack, but its old version (flavor changed) is "
                                     "still used by stack(s) %s and was left in place" % (ctype, name, ", ".join(others)))
                continue
            with self.act("delete the replaced %s %s" % (ctype, name)):
                self.client.delete_stack_component(old_id, self.T(ctype))

    def absent(self):
        name = self.params["name"]
        stack = self.find_stack(name)
        targets = []  # (type, name) of the components to delete
        specs = wanted_components(self.params["components"])
        if specs is not None:
            targets = [(t, specs[t]["name"]) for t in ordered_types(specs)]
        elif stack is not None:
            targets = [(t.value, comps[0].name) for t, comps in stack.components.items() if comps]
        if stack is not None:
            self.before["stack"] = dict(name=name, components=dict((t.value, [c.name for c in comps])
                                                                   for t, comps in stack.components.items() if comps))
            self.actions.append("delete stack %s" % name)
            if not self.check:
                if self.active_stack_id() == stack.id:
                    with self.act("activate the default stack before deleting %s" % name):
                        self.client.activate_stack("default")
                with self.act("delete stack %s" % name):
                    self.client.delete_stack(stack.id)
        self.before["components"] = {}
        deleted = set()
        for ctype, cname in targets:
            comp = self.find_component(ctype, cname)
            if comp is None:
                continue
            self.before["components"][ctype] = dict(name=comp.name, flavor=comp.flavor_name)
            users = [s.name for s in self.stacks_using(comp.id) if stack is None or s.id != stack.id]
            if users:
                self.warnings.append("%s %s is still used by stack(s) %s and was left in place"
                                     % (ctype, cname, ", ".join(users)))
                continue
            self.actions.append("delete %s %s" % (ctype, cname))
            deleted.add(comp.id)
            if not self.check:
                with self.act("delete %s %s" % (ctype, cname)):
                    self.client.delete_stack_component(comp.id, self.T(ctype))
        spec = self.params["connector"]
        if spec is not None:
            model = self.find_connector(spec["name"])
            if model is not None:
                self.before["connector"] = connector_view(self.stored_connector(model))
                with self.act("list the components using connector %s" % spec["name"]):
                    page = self.client.list_stack_components(connector_id=model.id, size=50)
                # In check mode the components planned for deletion are still there.
                users = [c.name for c in page.items if c.id not in deleted]
                if users:
                    self.warnings.append("service connector %s is still used by component(s) %s and was left in "
                                         "place" % (spec["name"], ", ".join(sorted(users))))
                else:
                    self.actions.append("delete connector %s" % spec["name"])
                    if not self.check:
                        with self.act("delete service connector %s" % spec["name"]):
                            self.client.delete_service_connector(model.id)
        self.connector_info = {}
        return dict(stack=dict(name=name, id=None, active=False, components={}), connector={})

    def result(self, stack_id, active):
        components = {}
        for ctype, view in (self.after.get("components") or {}).items():
            component_id = self.ids.get(ctype)
            components[ctype] = dict(name=view["name"], flavor=view["flavor"],
                                     id=str(component_id) if component_id else None,
                                     configuration=view["configuration"])
        return dict(stack=dict(name=self.params["name"], id=str(stack_id) if stack_id else None, active=active,
                               components=components),
                    connector=getattr(self, "connector_info", {}) or {})


def main():
    argument_spec = zenml_argument_spec()
    argument_spec.update(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        activate=dict(type="bool", default=False),
        connector=dict(type="dict", options=dict(
            name=dict(type="str", default="aws"),
            type=dict(type="str", default="aws"),
            auth_method=dict(type="str"),
            region=dict(type="str"),
            role_arn=dict(type="str"),
            profile_name=dict(type="str"),
            aws_access_key_id=dict(type="str", no_log=True),
            aws_secret_access_key=dict(type="str", no_log=True),
            aws_session_token=dict(type="str", no_log=True),
            endpoint_url=dict(type="str"),
            verify=dict(type="bool", default=False),
        )),
        components=dict(type="dict"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    problem = check_params(module.params)
    if problem:
        module.fail_json(msg=problem)
    conn = module.params["connector"] or {}
    secrets = [conn.get(k) for k in CONNECTOR_SECRET_KEYS] + [module.params["store_api_key"]]

    import_zenml(module)
    try:
        with quiet(), deadline(module.params["timeout"], "reconcile stack %s" % module.params["name"]):
            with Action("open the ZenML store", secrets):
                client = get_client()
            reconciler = Reconciler(module, client, secrets)
            if module.params["state"] == "present":
                result = reconciler.present()
            else:
                result = reconciler.absent()
    except ZenMLFailure as exc:
        module.fail_json(msg=str(exc))

    result.update(changed=bool(reconciler.actions), actions=reconciler.actions)
    if module._diff:
        result["diff"] = dict(before=reconciler.before, after=reconciler.after)
    for warning in reconciler.warnings:
        module.warn(warning)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
