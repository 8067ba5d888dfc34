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
  - llmtwin.deploy.actions
notes:
  - M(llmtwin.deploy.zenml_stack) reconciles secrets too (its O(llmtwin.deploy.zenml_stack#module:secrets) option),
    in the same process as the stacks; this module serves a secret on its own and reads values back (O(reveal)).
author:
  - LLM Twin deploy team (@llmtwin)
"""

EXAMPLES = r"""
- name: The application's settings secret
  llmtwin.deploy.zenml_secret:
    name: settings
    config_path: "{{ local_zenml_config_path }}"
    values:
      DATABASE_HOST: "{{ mongo_outputs.database_host }}"
      DATABASE_NAME: twin
      QDRANT_APIKEY: "{{ qdrant_outputs.settings.QDRANT_APIKEY | default(none) }}"   # left out when unset
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
actions:
  description:
    - What the task did, or in check mode would do, one entry per change, in the order made.
    - "Each entry reads C(<verb> <kind> <name>) or C(<verb> <kind> <name>: <detail>), verb one of
      C(create), C(update), C(delete). Empty when nothing changed."
    - Also returned when the task fails, listing only what was really done before the failure.
  returned: always
  type: list
  elements: str
  sample: ["update secret settings: keys DATABASE_HOST"]
resources:
  description:
    - Every resource the task reconciled, changed or not, one C(<kind> <name>) entry each.
  returned: always
  type: list
  elements: str
  sample: ["secret settings"]
"""

from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError
from ansible_collections.llmtwin.deploy.plugins.module_utils._zenml import ZenMLModule
from ansible_collections.llmtwin.deploy.plugins.module_utils._zenml_plan import check_secret, desired_values


class Secret(ZenMLModule):
    resource = "secret"
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        values=dict(type="dict", no_log=True),
        purge=dict(type="bool", default=True),
        keep=dict(type="list", elements="str", default=[], no_log=False),
        reveal=dict(type="list", elements="str", default=[]),
        private=dict(type="bool", default=False),
    )

    def validate(self):
        super(Secret, self).validate()
        problem = check_secret(self.params)
        if problem:
            raise ModuleError(problem)

    def what(self):
        return "secret %s" % self.params["name"]

    def reconcile(self):
        p = self.params
        document, current, before, after = self.reconcile_secret(p["name"], p["state"], desired_values(p["values"]),
                                                                 p["purge"], p["keep"], p["private"])
        self.diff(before, after)
        if p["reveal"]:
            self.returns["values"] = dict((k, current[k]) for k in p["reveal"] if k in current)
        return document


def main():
    Secret.main()


if __name__ == "__main__":
    main()
