#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: mongodb_atlas_access_list
short_description: The IP access list of a MongoDB Atlas project
version_added: 1.0.0
description:
  - Ensures the listed addresses may connect to the clusters of an Atlas project, through the Admin API
    v2 (C(/groups/{groupId}/accessList)). Entries are compared as CIDR blocks (an address is its C(/32)).
  - With O(purge=true), entries not listed are removed.
  - Atlas applies access list changes asynchronously (a minute or two); a connection attempted right
    after this task may still be refused. The mongo role waits for the first connection with retries.
  - B(Not exercised against Atlas by this collection's tests;) unit-tested against fixtures validated
    against an excerpt of the published Admin API v2 definition.
author: LLM Twin deploy team (@llmtwin)
extends_documentation_fragment:
  - llmtwin.deploy.atlas
  - llmtwin.deploy.actions
attributes:
  check_mode:
    description: Reads the list and reports what would change.
    support: full
  diff_mode:
    description: Returns the entries before and after, in diff mode only.
    support: full
  idempotent:
    description: A second run with the same options reports no change.
    support: full
options:
  project_id:
    description: The project (group) ID.
    type: str
    required: true
  entries:
    description:
      - The entries, each a CIDR block or address string, or a mapping with C(cidr_block) (or
        C(ip_address)) and an optional C(comment) (at most 80 characters).
      - With O(state=present) at least one entry is required (an empty list would leave Atlas refusing
        every connection, or with O(purge=true) remove every entry).
    type: list
    elements: raw
    default: []
  purge:
    description: Remove entries that O(entries) does not list.
    type: bool
    default: false
  state:
    description: V(present) adds the entries, V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Let the deployer and the app's NAT address in
  llmtwin.deploy.mongodb_atlas_access_list:
    public_key: "{{ atlas_public_key }}"
    private_key: "{{ atlas_private_key }}"
    project_id: "{{ atlas.project.id }}"
    entries:
      - 203.0.113.7
      - {cidr_block: 198.51.100.0/24, comment: office}
"""

RETURN = r"""
entries:
  description: The project's entries after the task, as CIDR blocks with comments.
  returned: always
  type: list
  elements: dict
  sample: [{"cidr_block": "203.0.113.7/32", "comment": ""}]
actions:
  description:
    - What the task did, or in check mode would do, one entry per change, in the order made.
    - "Each entry reads C(<verb> <kind> <name>) or C(<verb> <kind> <name>: <detail>), verb one of
      C(create), C(update), C(delete). Empty when nothing changed."
    - Also returned when the task fails, listing only what was really done before the failure.
  returned: always
  type: list
  elements: str
  sample: ["create access_list_entry 192.0.2.0/28", "delete access_list_entry 198.51.100.0/24"]
resources:
  description:
    - Every resource the task reconciled, changed or not, one C(<kind> <name>) entry each.
  returned: always
  type: list
  elements: str
  sample: ["access_list_entry 192.0.2.0/28", "access_list_entry 203.0.113.7/32"]
"""

import ipaddress

from ansible_collections.llmtwin.deploy.plugins.module_utils._atlas import (
    AtlasClient,
    atlas_argument_spec,
    check_connection,
)
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError, ResourceModule

COMMENT_MAX = 80  # NetworkPermissionEntry.comment maxLength in the Admin API v2 spec
LIST = "/groups/{groupId}/accessList"
KIND = "access_list_entry"


def cidr(value, where):
    try:
        return str(ipaddress.ip_network(str(value).strip(), strict=False))
    except ValueError:
        raise ModuleError("%s must be an IP address or CIDR block, got %r" % (where, value))


def parse_entries(raw_entries):
    entries = {}
    for position, raw in enumerate(raw_entries):
        where = "entries[%d]" % position
        if isinstance(raw, dict):
            value = raw.get("cidr_block") or raw.get("ip_address")
            if not value:
                raise ModuleError("%s needs cidr_block or ip_address" % where)
            comment = str(raw.get("comment") or "")
            if len(comment) > COMMENT_MAX:
                raise ModuleError("%s.comment must be at most %d characters, got %d" % (where, COMMENT_MAX, len(comment)))
            entries[cidr(value, where)] = comment
        else:
            entries[cidr(raw, where)] = ""
    return entries


def current_entries(document):
    result = {}
    for item in (document or {}).get("results") or []:
        block = item.get("cidrBlock") or (item.get("ipAddress") and "%s/32" % item["ipAddress"])
        if block:
            result[str(ipaddress.ip_network(block, strict=False))] = item.get("comment") or ""
    return result


def entry_body(block, comment):
    body = dict(cidrBlock=block)
    if comment:
        body["comment"] = comment
    return body


def as_list(entries):
    return [dict(cidr_block=k, comment=v) for k, v in sorted(entries.items())]


class AtlasAccessList(ResourceModule):
    resource = "entries"
    backend_spec = staticmethod(atlas_argument_spec)
    argument_spec = dict(
        project_id=dict(type="str", required=True),
        entries=dict(type="list", elements="raw", default=[]),
        purge=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )

    def validate(self):
        check_connection(self.params)
        self.wanted = parse_entries(self.params["entries"])
        if self.params["state"] == "present" and not self.wanted:
            raise ModuleError("entries must list at least one IP address or CIDR block with state=present")

    def connect(self):
        self.client = AtlasClient(self.params)

    def run(self):
        p, wanted = self.params, self.wanted
        label = "the access list of project %s" % p["project_id"]
        group = dict(groupId=p["project_id"])
        before = current_entries(self.client.request("GET", LIST, label, path=group, query=dict(itemsPerPage=500)))
        for block in sorted(wanted):
            self.manage(KIND, block)
        if p["state"] == "absent":
            add, remove = [], sorted(set(wanted) & set(before))
        else:
            add = sorted(k for k, v in wanted.items() if k not in before or (v and before[k] != v))
            remove = sorted(set(before) - set(wanted)) if p["purge"] else []
        after = dict((k, v) for k, v in before.items() if k not in remove)
        after.update((k, wanted[k]) for k in add)

        def add_all():
            self.client.request("POST", LIST, label, path=group, body=[entry_body(k, wanted[k]) for k in add],
                                action="add entries to")
        for position, block in enumerate(add):
            # one POST adds (or re-comments) every entry: the first action makes it, the rest are recorded
            self.act("update" if block in before else "create", KIND, block, add_all if position == 0 else None)
        for block in remove:
            self.act("delete", KIND, block, lambda block=block: self.client.request(
                "DELETE", LIST + "/{entryValue}", label, path=dict(group, entryValue=block),
                action="remove %s from" % block))
        self.diff(dict(entries=as_list(before)), dict(entries=as_list(after)))
        return as_list(after)


def main():
    AtlasAccessList.main()


if __name__ == "__main__":
    main()
