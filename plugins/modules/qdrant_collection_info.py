#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: qdrant_collection_info
short_description: Read Qdrant collections, their configuration, points count, payload schema and aliases
version_added: 0.1.0
description:
  - Read-only. Returns one collection (O(name)) or every collection, plus every alias.
  - A collection that does not exist is returned as C({name, exists=false}), not as an error.
author: LLM Twin deploy team (@llmtwin)
options:
  name:
    description: Only this collection (an alias name is not resolved). Unset returns every collection.
    type: str
extends_documentation_fragment:
  - llmtwin.deploy.qdrant
  - llmtwin.deploy.qdrant.info_attributes
"""

EXAMPLES = r"""
- name: Read every collection of the local store
  llmtwin.deploy.qdrant_collection_info:
    path: "{{ local_qdrant_path }}"
  register: qdrant_info

- name: Read one collection on Qdrant Cloud
  llmtwin.deploy.qdrant_collection_info:
    url: "{{ qdrant_url }}"
    api_key: "{{ qdrant_api_key }}"
    name: embedded_posts
"""

RETURN = r"""
collections:
  description: The collections, in name order (see M(llmtwin.deploy.qdrant_collection) for the keys).
  returned: always
  type: list
  elements: dict
  sample:
    - name: embedded_posts
      exists: true
      points_count: 0
      vectors: {size: 384, distance: Cosine, on_disk: null}
      payload_indexes: {author_id: keyword}
      aliases: []
aliases:
  description: Every alias, as alias name to collection name.
  returned: always
  type: dict
  sample: {posts: embedded_posts}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.llmtwin.deploy.plugins.module_utils._qdrant import (
    QDRANT_MUTUALLY_EXCLUSIVE, QDRANT_REQUIRED_ONE_OF, QdrantModuleError, check_sdk, describe_error, list_aliases,
    list_collection_names, name_error, open_client, qdrant_argument_spec, read_collection, sdk_errors,
)


def run(client, name):
    alias_list = list_aliases(client)
    existing = list_collection_names(client)
    collections = [read_collection(client, n, alias_list, existing) for n in ([name] if name else existing)]
    return collections, dict((a["alias_name"], a["collection_name"]) for a in alias_list)


def main():
    argument_spec = qdrant_argument_spec()
    argument_spec.update(name=dict(type="str"))
    module = AnsibleModule(
        argument_spec=argument_spec,
        mutually_exclusive=QDRANT_MUTUALLY_EXCLUSIVE,
        required_one_of=QDRANT_REQUIRED_ONE_OF,
        supports_check_mode=True,
    )
    check_sdk(module)
    if module.params["name"] is not None:
        error = name_error(module.params["name"], "name")
        if error:
            module.fail_json(msg=error)
    try:
        with open_client(module) as client:  # read-only: a missing store is an error, never created
            collections, aliases = run(client, module.params["name"])
    except QdrantModuleError as exc:
        module.fail_json(msg=describe_error(exc, module.params.get("api_key")))
    except sdk_errors() as exc:
        module.fail_json(msg="Failed to read collections: %s" % describe_error(exc, module.params.get("api_key")))
    module.exit_json(changed=False, collections=collections, aliases=aliases)


if __name__ == "__main__":
    main()
