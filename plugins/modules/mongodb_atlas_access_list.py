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
attributes:
  check_mode:
    description: Reads the list and reports what would change.
    support: full
  diff_mode:
    description: Returns the entries before and after.
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
changes:
  description: What was (or in check mode, would be) done.
  returned: always
  type: list
  elements: str
"""

import ipaddress

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.llmtwin.deploy.plugins.module_utils._atlas import (
    AtlasClient,
    AtlasError,
    atlas_argument_spec,
    check_credentials,
    describe,
)

COMMENT_MAX = 80  # NetworkPermissionEntry.comment maxLength in the Admin API v2 spec


def cidr(value, where):
    try:
        return str(ipaddress.ip_network(str(value).strip(), strict=False))
    except ValueError:
        raise ValueError("%s must be an IP address or CIDR block, got %r" % (where, value))


def parse_entries(raw_entries):
    entries = {}
    for position, raw in enumerate(raw_entries):
        where = "entries[%d]" % position
        if isinstance(raw, dict):
            value = raw.get("cidr_block") or raw.get("ip_address")
            if not value:
                raise ValueError("%s needs cidr_block or ip_address" % where)
            comment = str(raw.get("comment") or "")
            if len(comment) > COMMENT_MAX:
                raise ValueError("%s.comment must be at most %d characters, got %d" % (where, COMMENT_MAX, len(comment)))
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


def main():
    module = AnsibleModule(
        argument_spec=atlas_argument_spec(
            project_id=dict(type="str", required=True),
            entries=dict(type="list", elements="raw", default=[]),
            purge=dict(type="bool", default=False),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    error = check_credentials(params)
    if error:
        module.fail_json(msg=error)
    try:
        wanted = parse_entries(params["entries"])
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    if params["state"] == "present" and not wanted:
        module.fail_json(msg="entries must list at least one IP address or CIDR block with state=present")
    base = "/groups/{groupId}/accessList"
    group = dict(groupId=params["project_id"])
    client = AtlasClient(params)
    changes = []
    action = "read the access list of project %s" % params["project_id"]
    try:
        before = current_entries(client.request("GET", base, query=dict(itemsPerPage=500), **group))
        if params["state"] == "absent":
            remove = sorted(set(wanted) & set(before))
            add = []
        else:
            add = sorted(k for k, v in wanted.items() if k not in before or (v and before[k] != v))
            remove = sorted(set(before) - set(wanted)) if params["purge"] else []
        after = dict((k, v) for k, v in before.items() if k not in remove)
        after.update((k, wanted[k]) for k in add)
        changes = ["add %s" % k for k in add] + ["remove %s" % k for k in remove]
        if changes and not module.check_mode:
            if add:
                action = "add to the access list of project %s" % params["project_id"]
                client.request("POST", base, body=[entry_body(k, wanted[k]) for k in add], **group)
            for block in remove:
                action = "remove %s from the access list of project %s" % (block, params["project_id"])
                client.request("DELETE", base + "/{entryValue}", entryValue=block, **group)
    except AtlasError as exc:
        module.fail_json(msg="Failed to %s: %s" % (action, describe(exc)), changes=changes)
    module.exit_json(changed=bool(changes), entries=as_list(after), changes=changes,
                     diff=dict(before=dict(entries=as_list(before)), after=dict(entries=as_list(after))))


if __name__ == "__main__":
    main()
