#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: qdrant_alias
short_description: Point a Qdrant collection alias at a collection, atomically
version_added: 0.1.0
description:
  - Creates an alias, moves it to another collection, or deletes it.
  - Moving an alias deletes and re-creates it in one C(update_collection_aliases) request, which Qdrant
    applies atomically, so readers of the alias never see it missing (the blue/green switch).
author: LLM Twin deploy team (@llmtwin)
options:
  name:
    description: Name of the alias.
    type: str
    required: true
  collection:
    description: The collection the alias points at. Required with O(state=present); it must exist.
    type: str
  state:
    description: Whether the alias should exist.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - llmtwin.deploy.qdrant
  - llmtwin.deploy.qdrant.attributes
"""

EXAMPLES = r"""
- name: Serve posts from the new collection
  llmtwin.deploy.qdrant_alias:
    url: "{{ qdrant_url }}"
    api_key: "{{ qdrant_api_key }}"
    name: posts
    collection: embedded_posts_v2

- name: Remove the alias
  llmtwin.deploy.qdrant_alias:
    path: /srv/qdrant
    name: posts
    state: absent
"""

RETURN = r"""
alias:
  description: The alias after the task (predicted in check mode).
  returned: always
  type: dict
  contains:
    name: {description: Alias name., type: str}
    exists: {description: Whether the alias exists., type: bool}
    collection: {description: The collection it points at (null when absent)., type: str}
  sample: {name: posts, exists: true, collection: embedded_posts}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.llmtwin.deploy.plugins.module_utils._qdrant import (
    QDRANT_MUTUALLY_EXCLUSIVE, QDRANT_REQUIRED_ONE_OF, QdrantModuleError, check_sdk, describe_error, list_aliases,
    list_collection_names, name_error, open_client, qdrant_argument_spec, sdk_errors,
)

try:
    from qdrant_client import models
except ImportError:
    pass  # check_sdk() reports the missing library


def alias_view(name, collection):
    return {"name": name, "exists": collection is not None, "collection": collection}


def plan_alias(name, want_collection, state, alias_list):
    """(current target or None, operations as [(kind, collection)]) for the wanted state."""
    current = next((a["collection_name"] for a in alias_list if a["alias_name"] == name), None)
    if state == "absent":
        return current, ([("delete", current)] if current is not None else [])
    if current == want_collection:
        return current, []
    ops = [("delete", current)] if current is not None else []
    ops.append(("create", want_collection))
    return current, ops


def to_operations(name, ops):
    result = []
    for kind, collection in ops:
        if kind == "delete":
            result.append(models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=name)))
        else:
            result.append(models.CreateAliasOperation(
                create_alias=models.CreateAlias(collection_name=collection, alias_name=name)))
    return result


def run(module, client):
    params = module.params
    name, collection, state = params["name"], params["collection"], params["state"]
    current, ops = plan_alias(name, collection, state, list_aliases(client))
    if state == "present":
        names = list_collection_names(client)
        if collection not in names and module.check_mode:
            module.warn("Collection %s does not exist; check mode assumes an earlier task creates it" % collection)
        elif collection not in names:
            raise QdrantModuleError("Failed to point alias %s at collection %s: the collection does not exist; "
                                    "create it first (llmtwin.deploy.qdrant_collection)" % (name, collection))
        if name in names:
            raise QdrantModuleError("Failed to create alias %s: a collection has that name" % name)
    if ops and not module.check_mode:
        client.update_collection_aliases(change_aliases_operations=to_operations(name, ops), timeout=params["timeout"])
    after = alias_view(name, collection if state == "present" else None)
    return bool(ops), alias_view(name, current), after


def main():
    argument_spec = qdrant_argument_spec()
    argument_spec.update(
        name=dict(type="str", required=True),
        collection=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        mutually_exclusive=QDRANT_MUTUALLY_EXCLUSIVE,
        required_one_of=QDRANT_REQUIRED_ONE_OF,
        required_if=[("state", "present", ("collection",))],
        supports_check_mode=True,
    )
    check_sdk(module)
    for option in ("name", "collection"):
        if option == "name" or module.params[option] is not None:
            error = name_error(module.params[option], option)
            if error:
                module.fail_json(msg=error)
    try:
        # the alias never creates a store; in check mode an earlier qdrant_collection task may be about to
        with open_client(module, may_be_new=module.check_mode and module.params["state"] == "present") as client:
            changed, before, after = run(module, client)
    except QdrantModuleError as exc:
        module.fail_json(msg=describe_error(exc, module.params.get("api_key")))
    except sdk_errors() as exc:
        module.fail_json(msg="Failed to manage alias %s: %s"
                         % (module.params["name"], describe_error(exc, module.params.get("api_key"))))
    result = dict(changed=changed, alias=after)
    if module._diff:
        result["diff"] = dict(before=before, after=after)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
