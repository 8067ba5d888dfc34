#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: qdrant_alias
short_description: Point Qdrant collection aliases at collections, atomically
version_added: 0.1.0
description:
  - Creates an alias, moves it to another collection, or deletes it; or, with O(aliases), a list of
    aliases in one run.
  - Every change of the task (moving an alias is deleting and re-creating it) is sent in one
    C(update_collection_aliases) request, which Qdrant applies atomically, so readers of an alias
    never see it missing (the blue/green switch), and several aliases switch together.
author: LLM Twin deploy team (@llmtwin)
options:
  name:
    description:
      - Name of the alias.
      - Exactly one of O(name) and O(aliases) is required.
    type: str
  collection:
    description: The collection the alias points at. Required with O(state=present); it must exist.
    type: str
  aliases:
    description:
      - Several aliases in one task, each a dict with C(name) (required), C(collection) and C(state),
        meaning what O(name), O(collection) and O(state) mean. O(state) is the default of the elements
        that do not set C(state).
      - The result is RV(aliases) instead of RV(alias). Errors name the element, for example
        C(aliases[1].collection).
    type: list
    elements: dict
  state:
    description: Whether the alias should exist.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - llmtwin.deploy.qdrant
  - llmtwin.deploy.qdrant.attributes
  - llmtwin.deploy.actions
"""

EXAMPLES = r"""
- name: Serve posts from the new collection
  llmtwin.deploy.qdrant_alias:
    url: "{{ qdrant_url }}"
    api_key: "{{ qdrant_api_key }}"
    name: posts
    collection: embedded_posts_v2

- name: Switch two aliases at once and remove a third
  llmtwin.deploy.qdrant_alias:
    path: /srv/qdrant
    aliases:
      - {name: posts, collection: embedded_posts_v2}
      - {name: articles, collection: embedded_articles_v2}
      - {name: old, state: absent}

- name: Remove the alias
  llmtwin.deploy.qdrant_alias:
    path: /srv/qdrant
    name: posts
    state: absent
"""

RETURN = r"""
alias:
  description: The alias after the task (predicted in check mode).
  returned: when O(name) is given
  type: dict
  contains:
    name: {description: Alias name., type: str}
    exists: {description: Whether the alias exists., type: bool}
    collection: {description: The collection it points at (null when absent)., type: str}
  sample: {name: posts, exists: true, collection: embedded_posts}
aliases:
  description: With O(aliases), each alias after the task (predicted in check mode), in the order given, keys as in RV(alias).
  returned: when O(aliases) is given
  type: list
  elements: dict
  sample: [{name: posts, exists: true, collection: embedded_posts}, {name: old, exists: false, collection: null}]
actions:
  description:
    - What the task did, or in check mode would do, one entry per change, in the order made.
    - >-
      Each entry reads C(<verb> <kind> <name>) or C(<verb> <kind> <name>: <detail>), verb one of
      C(create), C(update), C(delete). Empty when nothing changed.
    - Also returned when the task fails, listing only what was really done before the failure.
    - >-
      Here: C(create alias <name>: collection <c>), C(update alias <name>: collection <old> -> <new>),
      C(delete alias <name>).
  returned: always
  type: list
  elements: str
  sample: ["update alias posts: collection embedded_posts -> embedded_posts_v2"]
resources:
  description:
    - Every resource the task reconciled, changed or not, one C(<kind> <name>) entry each.
  returned: always
  type: list
  elements: str
  sample: ["alias posts"]
"""

from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError, failed
from ansible_collections.llmtwin.deploy.plugins.module_utils._qdrant import (
    QdrantModule, check_elements, check_name, check_unique, list_aliases, list_collection_names,
)

try:
    from qdrant_client import models
except ImportError:
    pass  # QdrantModule.validate_connection() reports the missing library

ALIAS_OPTIONS = dict(name="str", collection="str", state="str")


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


def action_of(current, ops):
    """(verb, detail) of one alias's operations: create, update (a move) or delete."""
    if len(ops) == 2:
        return "update", "collection %s -> %s" % (current, ops[1][1])
    if ops[0][0] == "create":
        return "create", "collection %s" % ops[0][1]
    return "delete", None


class Aliases(QdrantModule):
    resource = "alias"
    argument_spec = dict(
        name=dict(type="str"),
        collection=dict(type="str"),
        aliases=dict(type="list", elements="dict"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module_kwargs = dict(
        mutually_exclusive=QdrantModule.module_kwargs["mutually_exclusive"] + [("name", "aliases"), ("collection", "aliases")],
        required_one_of=QdrantModule.module_kwargs["required_one_of"] + [("name", "aliases")],
    )

    def validate(self):
        self.validate_connection()
        if self.params["aliases"] is None:
            specs, prefixes = [dict((k, self.params[k]) for k in ALIAS_OPTIONS)], [""]
        else:
            self.resource = "aliases"
            specs = check_elements("aliases", self.params["aliases"], ALIAS_OPTIONS, {"state": ("present", "absent")})
            for spec in specs:
                spec.setdefault("state", self.params["state"])
            prefixes = ["aliases[%d]." % index for index in range(len(specs))]
        for spec, where in zip(specs, prefixes):
            if spec.get("name") is None:
                raise ModuleError("%sname is required" % where)
            check_name(spec["name"], where + "name")
            if spec["state"] == "present" and spec.get("collection") is None:
                raise ModuleError("%scollection is required with state present" % where)
            if spec.get("collection") is not None:
                check_name(spec["collection"], where + "collection")
        check_unique("aliases", [spec["name"] for spec in specs])
        self.specs = specs
        names = [spec["name"] for spec in specs]
        self.label = ("manage", "alias %s" % names[0] if len(names) == 1 else ("aliases " + ", ".join(names)).strip())

    def may_create_store(self):
        # an alias never creates a store; in check mode an earlier qdrant_collection task may be about to
        return self.check_mode and any(spec["state"] == "present" for spec in self.specs)

    def run(self):
        with self.translated(*self.label):
            alias_list = list_aliases(self.client)
            names = list_collection_names(self.client)
        planned, operations, befores, afters = [], [], [], []
        for spec in self.specs:
            name, collection, state = spec["name"], spec.get("collection"), spec["state"]
            self.manage("alias", name)
            current, ops = plan_alias(name, collection, state, alias_list)
            if state == "present":
                if collection not in names and self.check_mode:
                    self.warn("Collection %s does not exist; check mode assumes an earlier task creates it" % collection)
                elif collection not in names:
                    raise failed("point", "alias %s at collection %s" % (name, collection), "the collection does not "
                                 "exist; create it first (llmtwin.deploy.qdrant_collection)")
                if name in names:
                    raise failed("create", "alias %s" % name, "a collection has that name")
            if ops:
                planned.append((name,) + action_of(current, ops))
                operations.extend(to_operations(name, ops))
            befores.append(alias_view(name, current))
            afters.append(alias_view(name, collection if state == "present" else None))
        # One request for every change: Qdrant applies it atomically, so no reader sees an alias missing
        # or half of a switch. The actions are recorded once it succeeded (or, in check mode, planned).
        if operations and not self.check_mode:
            with self.translated("update", "aliases %s" % ", ".join(p[0] for p in planned)):
                self.client.update_collection_aliases(change_aliases_operations=operations, timeout=self.params["timeout"])
        for name, verb, detail in planned:
            self.act(verb, "alias", name, None, detail)
        if self.resource == "alias":
            self.diff(befores[0], afters[0])
            return afters[0]
        self.diff(dict((b["name"], b) for b in befores), dict((a["name"], a) for a in afters))
        return afters


def main():
    Aliases.main()


if __name__ == "__main__":
    main()
