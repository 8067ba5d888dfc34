#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: zenml_stack
short_description: Reconcile ZenML stacks, their components and service connector (and secrets) in one call
version_added: 1.0.0
description:
  - Registers, updates or deletes a ZenML service connector, the stack components linked to it and the
    stack made of them, in one process (importing ZenML costs seconds, so this is one module, not
    one module per component).
  - "Two forms: one stack (O(name), O(connector), O(components), O(activate)), or several (O(stacks),
    each item with the same options). A component that several stacks share is declared the same in
    each and reconciled once. O(secrets) reconciles ZenML secrets in the same process, like
    M(llmtwin.deploy.zenml_secret) does."
  - Each component's flavor and configuration are compared with the store. Configuration is compared
    after validation by the flavor's configuration class, so defaults the flavor fills in are not
    drift. A changed configuration is updated in place; a changed flavor replaces the component.
  - With O(state=absent), the stack is deleted first, then its components, then the connector; a
    component or connector still used by another stack or component (one this call does not delete)
    is left in place with a warning.
options:
  name:
    description:
      - Name of the stack, for example C(aws-stack) (the single form). Give O(name) or O(stacks).
    type: str
  state:
    description:
      - Whether the stack (and its components and connector) should exist.
      - The default of every item of O(stacks) and O(secrets) that sets no O(stacks[].state) of its own.
    type: str
    choices: [present, absent]
    default: present
  activate:
    description:
      - Make the stack the active stack of the ZenML configuration. V(false) leaves the active stack alone.
      - With O(state=absent), an active stack is first replaced by the C(default) stack.
      - Single form only; with O(stacks) set O(stacks[].activate).
    type: bool
    default: false
  connector: &connector
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
  components: &components
    description:
      - The stack's components, keyed by component type (V(artifact_store), V(container_registry),
        V(orchestrator), V(step_operator), ...). The stack is made of exactly these components.
      - Left out with O(state=present), an existing stack keeps its components; with O(state=absent),
        the stack's current components are deleted.
    type: dict
  stacks:
    description:
      - Several stacks in one call, reconciled in order (the list form; instead of O(name)).
      - A component declared by more than one stack must be declared the same in each (name, flavor,
        configuration); it is reconciled once, where it first appears.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the stack.
        type: str
        required: true
      state:
        description: Whether this stack should exist; unset, O(state) applies.
        type: str
        choices: [present, absent]
      activate:
        description: Make this stack the active stack.
        type: bool
        default: false
      connector: *connector
      components: *components
  secrets:
    description:
      - ZenML secrets reconciled in the same process after the stacks (the application's C(settings)
        secret), with the rules of M(llmtwin.deploy.zenml_secret).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the secret.
        type: str
        required: true
      state:
        description: Whether the secret should exist; unset, O(state) applies.
        type: str
        choices: [present, absent]
      values:
        description:
          - The secret's key/value pairs; null or empty values are left out. Required with state V(present).
            Never logged or returned.
        type: dict
      purge:
        description: Remove the keys of the existing secret that are not in O(secrets[].values) (except O(secrets[].keep)).
        type: bool
        default: true
      keep:
        description: Keys that O(secrets[].purge) never removes.
        type: list
        elements: str
        default: []
      private:
        description: Whether the secret is private to the ZenML user that runs the module.
        type: bool
        default: false
extends_documentation_fragment:
  - llmtwin.deploy.zenml
  - llmtwin.deploy.zenml.attributes
  - llmtwin.deploy.actions
notes:
  - "Each value of O(components) is a dict: C(name) (required), C(flavor) (required), C(configuration)
    (dict, default empty) and C(connector) (bool, default true: link the component to the connector
    when its flavor can use one; the connector resource is the flavor's resource attribute, for
    example the artifact store's C(path) or the registry's C(uri))."
  - Configuration keys not in O(components) are removed from an existing component.
  - "Action kinds: C(connector), C(stack), C(secret) and the component type (C(orchestrator s3)...). A
    flavor change is C(update <type> <name>: flavor a -> b (replaced)); activating a stack is
    C(update stack <name>: activate)."
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

- name: Two stacks sharing the artifact store, and the settings secret, in one process
  llmtwin.deploy.zenml_stack:
    stacks:
      - name: aws-stack
        connector: {name: aws, auth_method: implicit, region: us-east-1}
        components:
          artifact_store: {name: s3, flavor: s3, configuration: {path: "s3://llm-twin-artifacts"}}
          orchestrator: {name: sagemaker, flavor: sagemaker, configuration: {execution_role: "{{ role_arn }}"}}
      - name: local-pipelines
        components:
          artifact_store: {name: s3, flavor: s3, configuration: {path: "s3://llm-twin-artifacts"}}
          orchestrator: {name: local-pipelines, flavor: local}
    secrets:
      - name: settings
        values: {DATABASE_NAME: twin}
  no_log: true

- name: Tear it down (stack, then components, then connector)
  llmtwin.deploy.zenml_stack:
    name: aws-stack
    state: absent
    connector: {name: aws, auth_method: secret-key}
"""

RETURN = r"""
stack:
  description: The stack as it is (or would be, in check mode) after the run; with O(stacks), the first one.
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
stacks:
  description: Every stack of the call, in order, each shaped like RV(stack).
  returned: always
  type: list
  elements: dict
connector:
  description:
    - The service connector, never with its credentials; with O(stacks), the first one declared.
      Empty when no connector is given.
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
secrets:
  description: The secrets of O(secrets) without their values (name, id, keys, private), in order.
  returned: always
  type: list
  elements: dict
  sample: [{name: settings, id: 0f3e..., keys: [AWS_REGION, DATABASE_NAME], private: false}]
diff:
  description:
    - Connectors, components, stacks and secrets before and after, by name; secret values masked
      (secrets show key names only).
  returned: when diff mode is on
  type: dict
actions:
  description:
    - What the task did, or in check mode would do, one entry per change, in the order made.
    - "Each entry reads C(<verb> <kind> <name>) or C(<verb> <kind> <name>: <detail>), verb one of
      C(create), C(update), C(delete). Empty when nothing changed."
    - Also returned when the task fails, listing only what was really done before the failure.
  returned: always
  type: list
  elements: str
  sample: ["create connector aws", "update orchestrator sagemaker: configuration synchronous"]
resources:
  description:
    - Every resource the task reconciled, changed or not, one C(<kind> <name>) entry each.
  returned: always
  type: list
  elements: str
  sample: ["connector aws", "orchestrator sagemaker", "artifact_store s3", "stack aws-stack"]
"""

from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError, failed, mask_uri
from ansible_collections.llmtwin.deploy.plugins.module_utils._zenml import (
    SECRETS,
    ZenMLModule,
    active_stack_id,
    component_flavor,
    components_using,
    probe_endpoint,
    read_component,
    read_connector,
    read_connector_type,
    read_stack,
    stacks_using,
    update_stack_components,
    validated_configuration,
    zenml_errors,
)
from ansible_collections.llmtwin.deploy.plugins.module_utils._zenml_plan import (
    CONNECTOR_SECRET_KEYS,
    check_params,
    component_view,
    connector_after_view,
    connector_changes,
    connector_view,
    desired_connector,
    desired_values,
    ordered_types,
    plan_component,
    secret_items,
    stack_items,
    stack_view,
    wanted_components,
)

CONNECTOR_OPTIONS = dict(
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
)
STATES = ["present", "absent"]


class Stack(ZenMLModule):
    resource = "stack"
    argument_spec = dict(
        name=dict(type="str"),
        state=dict(type="str", default="present", choices=STATES),
        activate=dict(type="bool", default=False),
        connector=dict(type="dict", options=CONNECTOR_OPTIONS),
        components=dict(type="dict"),
        stacks=dict(type="list", elements="dict", options=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=STATES),
            activate=dict(type="bool", default=False),
            connector=dict(type="dict", options=CONNECTOR_OPTIONS),
            components=dict(type="dict"),
        )),
        secrets=dict(type="list", elements="dict", no_log=False, options=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=STATES),
            values=dict(type="dict", no_log=True),
            purge=dict(type="bool", default=True),
            keep=dict(type="list", elements="str", default=[], no_log=False),
            private=dict(type="bool", default=False),
        )),
    )
    module_kwargs = dict(mutually_exclusive=[("name", "stacks"), ("connector", "stacks"), ("components", "stacks")],
                         required_one_of=[("name", "stacks", "secrets")])

    def validate(self):
        super(Stack, self).validate()
        problem = check_params(self.params)
        if problem:
            raise ModuleError(problem)
        self.stacks = stack_items(self.params)
        self.secrets = secret_items(self.params)
        for stack in self.stacks:
            SECRETS.extend((stack["connector"] or {}).get(k) for k in CONNECTOR_SECRET_KEYS)

    def what(self):
        names = [s["name"] for s in self.stacks] or [s["name"] for s in self.secrets]
        kind = "stack" if self.stacks else "secret"
        return "%s%s %s" % (kind, "s" if len(names) > 1 else "", ", ".join(names))

    # ---- the run: every stack in order, then the secrets
    def reconcile(self):
        from zenml.enums import StackComponentType
        self.T = StackComponentType
        self.before = dict(connectors={}, components={}, stacks={}, secrets={})
        self.after = dict(connectors={}, components={}, stacks={}, secrets={})
        self.connectors = {}     # name -> (id, resource types, returned document): one read per connector
        self.components = {}     # (type, name) -> (id, returned document): shared components once
        self.replaced = []       # (type, old id, name) of components swapped out for a new flavor
        self.gone_stacks = set()       # ids this run deletes (still there in check mode)
        self.gone_components = set()
        stacks = [self.present(s) if s["state"] == "present" else self.absent(s) for s in self.stacks]
        self.cleanup_replaced()
        secrets = []
        for spec in self.secrets:
            document, dummy, before, after = self.reconcile_secret(
                spec["name"], spec["state"], desired_values(spec["values"]), spec["purge"], spec["keep"],
                spec["private"])
            self.before["secrets"][spec["name"]] = before
            self.after["secrets"][spec["name"]] = after
            secrets.append(document)
        self.diff(self.before, self.after)
        first_connector = [c for c in (s["connector"] for s in self.stacks if s["state"] == "present") if c]
        self.returns.update(stacks=stacks, secrets=secrets,
                            connector=self.connectors[first_connector[0]["name"]][2] if first_connector else {})
        return stacks[0] if stacks else {}

    # ---- connector
    def connector(self, spec):
        """Reconcile the connector once per run; return (its id, the resource types it serves)."""
        if spec is None:
            return None, []
        if spec["name"] not in self.connectors:
            self.connectors[spec["name"]] = self.reconcile_connector(spec)
        return self.connectors[spec["name"]][:2]

    def reconcile_connector(self, spec):
        client, desired, name, verify = self.client, desired_connector(spec), spec["name"], spec["verify"]
        current = read_connector(client, name)
        all_types, auth_methods = read_connector_type(client, desired["type"])
        if desired["auth_method"] not in auth_methods:
            raise ModuleError("connector.auth_method: %r is not an auth method of %s connectors (expected one of %s)"
                              % (desired["auth_method"], desired["type"], ", ".join(auth_methods)))
        if current is not None and current["type"] != desired["type"]:
            raise ModuleError("connector.type: connector %s exists with type %s, not %s; delete it first or pick "
                              "another name" % (name, current["type"], desired["type"]))
        if verify:
            self.probe(name, desired)
        self.manage("connector", name)
        self.before["connectors"][name] = connector_view(current)
        self.after["connectors"][name] = connector_after_view(current, desired)
        changes = connector_changes(current, desired, all_types) if current else []

        def create(register):
            return client.create_service_connector(
                name=name, connector_type=desired["type"], auth_method=desired["auth_method"],
                configuration=desired["configuration"], verify=verify, list_resources=False, register=register)[0]

        def update(apply):
            return client.update_service_connector(
                current["id"], auth_method=desired["auth_method"], configuration=desired["configuration"],
                resource_type="", resource_id="", verify=verify, list_resources=False, update=apply)

        if self.check_mode and (current is None or changes):
            # ZenML validates (and with verify, checks against AWS) without registering: a plan that
            # would fail on the real run fails here too.
            with zenml_errors("verify" if verify else "validate", "connector %s" % name):
                if current is None:
                    create(False)
                else:
                    update(False)
        connector_id = current["id"] if current else None
        if current is None:
            created = self.write("create", "connector", name, lambda: create(True))
            connector_id = created.id if created is not None else None
        elif changes:
            self.write("update", "connector", name, lambda: update(True), detail=", ".join(changes))
        elif verify:
            with zenml_errors("verify", "connector %s" % name):
                resources = client.verify_service_connector(connector_id, list_resources=False)
            if resources.error:
                raise failed("verify", "connector %s" % name, resources.error)
        document = dict(name=name, type=desired["type"], auth_method=desired["auth_method"],
                        id=str(connector_id) if connector_id else None, resource_types=all_types)
        return connector_id, all_types, document

    def probe(self, name, desired):
        """Fail fast and plainly when the AWS endpoint that verification would call is down."""
        endpoint = desired["configuration"].get("endpoint_url") or self.params["aws_endpoint_url"]
        cause = probe_endpoint(endpoint, timeout=min(5.0, self.params["timeout"])) if endpoint else None
        if cause:
            raise failed("verify", "connector %s" % name, "AWS endpoint %s is not reachable (%s)" % (mask_uri(endpoint), cause))

    # ---- components
    def component(self, ctype, spec, connector, connector_id, connector_types):
        """Reconcile one component once per run; return (its id or None when only planned, its document)."""
        key = (ctype, spec["name"])
        if key not in self.components:
            self.components[key] = self.reconcile_component(ctype, spec, connector, connector_id, connector_types)
        return self.components[key]

    def reconcile_component(self, ctype, spec, connector, connector_id, connector_types):
        client, name, T = self.client, spec["name"], self.T(ctype)
        flavor = component_flavor(client, ctype, spec["flavor"])
        config, secret_keys = validated_configuration(flavor, ctype, spec["configuration"])
        link = None
        if (spec["connector"] and connector is not None and flavor.connector_resource_type
                and flavor.connector_type in (None, connector["type"])
                and flavor.connector_resource_type in connector_types):
            attr = flavor.connector_resource_id_attr
            link = (connector_id, config.get(attr) if attr else None)
        current = read_component(client, ctype, name)
        plan = plan_component(current, dict(name=name, flavor=spec["flavor"], configuration=config, link=link,
                                            keep_link=spec["connector"]))
        label = "%s %s" % (ctype, name)
        self.manage(ctype, name)
        if current is not None:
            self.before["components"][label] = component_view(name, current["flavor"], current["configuration"],
                                                              secret_keys, current["connector_name"])
        view = component_view(name, spec["flavor"], config, secret_keys, connector["name"] if link else None)
        self.after["components"][label] = view
        component_id = current["id"] if current else None
        if plan["verb"] == "update":
            self.write("update", ctype, name, detail=plan["detail"], call=lambda: client.update_stack_component(
                current["id"], T, configuration=plan["payload"], disconnect=plan["unlink"] or None,
                connector_id=link[0] if link and plan["relink"] else None,
                connector_resource_id=link[1] if link and plan["relink"] else None))
        elif plan["verb"] == "create":
            component_id = self.write("create", ctype, name, detail=plan["detail"], call=lambda: self.create_component(
                T, spec["flavor"], name, config, link))
        elif plan["verb"] == "replace":
            component_id = self.write("update", ctype, name, detail=plan["detail"] + " (replaced)",
                                      call=lambda: self.replace_component(T, current, spec["flavor"], config, link))
        document = dict(name=name, flavor=spec["flavor"], id=str(component_id) if component_id else None,
                        configuration=view["configuration"])
        return component_id, document

    def create_component(self, T, flavor, name, config, link):
        created = self.client.create_stack_component(name=name, flavor=flavor, component_type=T, configuration=config)
        if link:
            self.client.update_stack_component(created.id, T, connector_id=link[0], connector_resource_id=link[1])
        return created.id

    def replace_component(self, T, current, flavor, config, link):
        if stacks_using(self.client, current["id"]):
            # A stack cannot lose a required component: rename the old one, let the stack switch to the
            # new one, and delete the old one at the end of the run (cleanup_replaced).
            old_name = "%s-replaced-%s" % (current["name"], str(current["id"])[:8])
            self.client.update_stack_component(current["id"], T, name=old_name)
            self.replaced.append((T, current["id"], current["name"]))
        else:
            self.client.delete_stack_component(current["id"], T)
        return self.create_component(T, flavor, current["name"], config, link)

    def cleanup_replaced(self):
        for T, old_id, name in self.replaced:
            others = [n for i, n in stacks_using(self.client, old_id)]
            if others:
                self.warn("%s %s was replaced, but its old version (flavor changed) is still used by stack(s) %s "
                          "and was left in place" % (T.value, name, ", ".join(others)))
                continue
            with zenml_errors("delete", "the replaced %s %s" % (T.value, name)):
                self.client.delete_stack_component(old_id, T)

    # ---- stacks
    def present(self, stack):
        client, name = self.client, stack["name"]
        connector_id, connector_types = self.connector(stack["connector"])
        specs = wanted_components(stack["components"])
        current = read_stack(client, name)
        if specs is None and current is None:
            raise ModuleError("%scomponents is required to create stack %s" % (stack["where"], name))
        reconciled = dict((t, self.component(t, specs[t], stack["connector"], connector_id, connector_types))
                          for t in ordered_types(specs or {}))
        ids = dict((t, r[0]) for t, r in reconciled.items())
        self.manage("stack", name)
        current_map = {}
        if current is not None:
            self.before["stacks"][name] = stack_view(current)
            current_map = dict((t, sorted(str(c["id"]) for c in comps)) for t, comps in current["components"].items())
        # in check mode only the ids of components that stay are known
        desired_map = current_map if specs is None else dict((t, [str(i) if i else None]) for t, i in ids.items())
        stack_id = current["id"] if current else None
        if current is None:
            stack_id = self.write("create", "stack", name, lambda: client.create_stack(
                name, dict((self.T(t), i) for t, i in ids.items())).id)
        elif desired_map != current_map:
            self.write("update", "stack", name, lambda: update_stack_components(client, stack_id, ids),
                       detail="components")
        active = stack_id is not None and active_stack_id(client) == stack_id
        if current is not None:
            self.before["stacks"][name]["active"] = active
        if stack["activate"] and not active:
            self.write("update", "stack", name, lambda: client.activate_stack(stack_id), detail="activate")
            active = True
        components = (dict((t, [specs[t]["name"]]) for t in specs) if specs is not None
                      else stack_view(current)["components"])
        self.after["stacks"][name] = dict(name=name, components=components, active=active)
        return dict(name=name, id=str(stack_id) if stack_id else None, active=active,
                    components=dict((t, r[1]) for t, r in reconciled.items()))

    def absent(self, stack):
        client, name = self.client, stack["name"]
        current = read_stack(client, name)
        specs = wanted_components(stack["components"])
        if specs is not None:
            targets = [(t, specs[t]["name"]) for t in ordered_types(specs)]
        else:
            targets = [(t, comps[0]["name"]) for t, comps in (current or {}).get("components", {}).items()]
        self.manage("stack", name)
        if current is not None:
            self.before["stacks"][name] = stack_view(current)
            self.write("delete", "stack", name, lambda: self.delete_stack(current))
            self.gone_stacks.add(current["id"])
        for ctype, cname in targets:
            self.manage(ctype, cname)
            comp = read_component(client, ctype, cname)
            if comp is None or comp["id"] in self.gone_components:
                continue
            self.before["components"]["%s %s" % (ctype, cname)] = dict(name=cname, flavor=comp["flavor"])
            users = [n for i, n in stacks_using(client, comp["id"]) if i not in self.gone_stacks]
            if users:
                self.warn("%s %s is still used by stack(s) %s and was left in place" % (ctype, cname, ", ".join(users)))
                continue
            self.write("delete", ctype, cname, lambda c=comp["id"], t=self.T(ctype): client.delete_stack_component(c, t))
            self.gone_components.add(comp["id"])
        if stack["connector"] is not None:
            self.delete_connector(stack["connector"]["name"])
        return dict(name=name, id=None, active=False, components={})

    def delete_stack(self, current):
        if active_stack_id(self.client) == current["id"]:
            with zenml_errors("activate", "the default stack before deleting stack %s" % current["name"]):
                self.client.activate_stack("default")
        self.client.delete_stack(current["id"])

    def delete_connector(self, name):
        self.manage("connector", name)
        current = read_connector(self.client, name)
        if current is None:
            return
        self.before["connectors"][name] = connector_view(current)
        # in check mode the components planned for deletion are still there
        users = [n for i, n in components_using(self.client, current["id"]) if i not in self.gone_components]
        if users:
            self.warn("connector %s is still used by component(s) %s and was left in place" % (name, ", ".join(sorted(users))))
            return
        self.write("delete", "connector", name, lambda: self.client.delete_service_connector(current["id"]))


def main():
    Stack.main()


if __name__ == "__main__":
    main()
