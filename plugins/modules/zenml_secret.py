#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: zenml_secret
short_description: Upsert a ZenML secret from a dict, comparing values without printing them
version_added: 1.0.0
description:
  - Creates, updates or deletes a ZenML secret (for example the LLM Twin's C(settings) secret).
  - Values that are null or empty are left out of the secret, never stored as the string C(None).
  - Current and desired values are compared inside the module; only key names are ever returned.
options:
  name:
    description: Name of the secret.
    type: str
    required: true
  state:
    description: Whether the secret should exist.
    type: str
    choices: [present, absent]
    default: present
  values:
    description:
      - The secret's key/value pairs. Booleans are stored as C(true)/C(false), lists and dicts as JSON,
        everything else as its string form. Null or empty values are left out.
      - Required with O(state=present).
    type: dict
  purge:
    description: Remove the keys of the existing secret that are not in O(values) (except those in O(keep)).
    type: bool
    default: true
  keep:
    description:
      - Keys that O(purge) never removes, for values another role writes and only the secret still holds
        (the Qdrant Cloud database API key, shown once by Qdrant Cloud).
    type: list
    elements: str
    default: []
  reveal:
    description:
      - Return the current values of these keys in RV(values), to read back a value kept in the secret
        (the qdrant role reads its database API key this way). The task must set C(no_log).
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
author:
  - LLM Twin deploy team (@llmtwin)
"""

EXAMPLES = r"""
- name: The application's settings secret
  llmtwin.deploy.zenml_secret:
    name: settings
    config_path: "{{ local_zenml_config_path }}"
    values:
      DATABASE_HOST: "{{ mongo_database_host }}"
      DATABASE_NAME: twin
      QDRANT_APIKEY: "{{ qdrant_settings.QDRANT_APIKEY }}"   # left out when empty
  no_log: true

- name: Remove it
  llmtwin.deploy.zenml_secret:
    name: settings
    state: absent
"""

RETURN = r"""
secret:
  description: The secret, without its values.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the secret.
      type: str
      sample: settings
    id:
      description: ID of the secret (null when it does not exist, or would be created in check mode).
      type: str
    keys:
      description: The sorted key names the secret holds (or would hold).
      type: list
      elements: str
      sample: [DATABASE_HOST, DATABASE_NAME]
    private:
      description: Whether the secret is private.
      type: bool
values:
  description: The current values of the keys named in O(reveal) that the secret holds. Secret.
  returned: when reveal is set
  type: dict
diff:
  description: Key names before and after; values are shown as V(<hidden>), V(<changed>) or V(<unchanged>).
  returned: when diff mode is on
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.llmtwin.deploy.plugins.module_utils._zenml import (
    Action,
    ZenMLFailure,
    check_common_params,
    deadline,
    get_client,
    import_zenml,
    quiet,
    secret_markers,
    stringify,
    zenml_argument_spec,
)


def desired_values(values):
    """The values as stored strings, without null/empty ones."""
    result = {}
    for key, value in (values or {}).items():
        text = stringify(value)
        if text is not None:
            result[str(key)] = text
    return result


def plan_secret(current, desired, purge, keep=()):
    """Return (add_or_update, remove, final) for current/desired value dicts."""
    add_or_update = dict((k, v) for k, v in desired.items() if current.get(k) != v)
    remove = sorted(k for k in current if k not in desired and k not in keep) if purge else []
    final = dict(current)
    final.update(desired)
    for key in remove:
        final.pop(key)
    return add_or_update, remove, final


def check_params(params):
    problem = check_common_params(params)
    if problem:
        return problem
    if not params["name"] or not params["name"].strip():
        return "name: expected a non-empty secret name"
    if params["state"] == "present" and params["values"] is None:
        return "values is required with state=present"
    for key in params["values"] or {}:
        if not str(key).strip():
            return "values: key names must be non-empty strings"
    return None


def read_secret(client, name, private):
    try:
        return client.get_secret(name, private=private, allow_partial_name_match=False,
                                 allow_partial_id_match=False)
    except KeyError:
        return None


def create_or_adopt(client, name, desired, private, params):
    """Create the secret; when a concurrent run created it first, adopt it and converge its values."""
    from zenml.exceptions import EntityExistsError

    try:
        return str(client.create_secret(name=name, values=desired, private=private).id)
    except EntityExistsError:
        existing = read_secret(client, name, private)
        if existing is None:  # created and deleted again meanwhile: nothing to adopt
            raise
    add_or_update, remove, dummy = plan_secret(dict(existing.secret_values), desired, params["purge"], params["keep"])
    if add_or_update or remove:
        client.update_secret(str(existing.id), private=existing.private,
                             add_or_update_values=add_or_update, remove_values=remove)
    return str(existing.id)


def main():
    argument_spec = zenml_argument_spec()
    argument_spec.update(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        values=dict(type="dict", no_log=True),
        purge=dict(type="bool", default=True),
        keep=dict(type="list", elements="str", default=[], no_log=False),
        reveal=dict(type="list", elements="str", default=[]),
        private=dict(type="bool", default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    problem = check_params(params)
    if problem:
        module.fail_json(msg=problem)

    name, private = params["name"], params["private"]
    desired = desired_values(params["values"])
    secrets = list(desired.values()) + [params.get("store_api_key")]
    import_zenml(module)
    changed = False
    try:
        with quiet(), deadline(params["timeout"], "reconcile secret %s" % name):
            with Action("read secret %s" % name, secrets):
                client = get_client()
                existing = read_secret(client, name, private)
            current = dict(existing.secret_values) if existing is not None else {}
            secret_id = str(existing.id) if existing is not None else None
            if params["state"] == "absent":
                final = {}
                if existing is not None:
                    changed = True
                    if not module.check_mode:
                        with Action("delete secret %s" % name, secrets):
                            client.delete_secret(str(existing.id), private=existing.private)
                diff = {"before": {"name": name, "keys": secret_markers(current, {})[0]} if existing is not None else {},
                        "after": {}}
            else:
                add_or_update, remove, final = plan_secret(current, desired, params["purge"], params["keep"])
                before, after = secret_markers(current, final)
                if existing is None:
                    changed = True
                    if not module.check_mode:
                        with Action("create secret %s" % name, secrets):
                            secret_id = create_or_adopt(client, name, desired, private, params)
                elif add_or_update or remove:
                    changed = True
                    if not module.check_mode:
                        with Action("update secret %s" % name, secrets):
                            client.update_secret(str(existing.id), private=existing.private,
                                                 add_or_update_values=add_or_update, remove_values=remove)
                diff = {"before": {"name": name, "keys": before} if existing is not None else {},
                        "after": {"name": name, "keys": after}}
    except ZenMLFailure as exc:
        module.fail_json(msg=str(exc))

    if params["state"] == "absent":
        secret_id = None
    result = dict(changed=changed, secret=dict(name=name, id=secret_id, keys=sorted(final), private=private))
    if params["reveal"]:
        result["values"] = dict((k, current[k]) for k in params["reveal"] if k in current)
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
