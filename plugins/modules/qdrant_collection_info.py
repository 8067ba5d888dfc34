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
  - Read-only. Returns one collection (O(name)), the collections listed in O(names), or every
    collection, plus every alias.
  - A collection that does not exist is returned as C({name, exists=false}), not as an error.
author: LLM Twin deploy team (@llmtwin)
options:
  name:
    description: Only this collection (an alias name is not resolved). Unset (and no O(names)) returns every collection.
    type: str
  names:
    description: Only these collections, in this order (alias names are not resolved). Mutually exclusive with O(name).
    type: list
    elements: str
extends_documentation_fragment:
  - llmtwin.deploy.qdrant
  - llmtwin.deploy.qdrant.info_attributes
  - llmtwin.deploy.actions
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

- name: Read the collections the application uses
  llmtwin.deploy.qdrant_collection_info:
    path: "{{ local_qdrant_path }}"
    names: [cleaned_posts, embedded_posts]
"""

RETURN = r"""
collections:
  description:
    - The collections (see M(llmtwin.deploy.qdrant_collection) for the keys); in name order when every
      collection is read, else in the order of O(name) or O(names). Returned as a list in every form.
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
actions:
  description: Always empty, the module changes nothing.
  returned: always
  type: list
  elements: str
  sample: []
resources:
  description: Always empty, the module reconciles nothing.
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible_collections.llmtwin.deploy.plugins.module_utils._qdrant import (
    QdrantModule, check_name, list_aliases, list_collection_names, read_collection,
)


class CollectionInfo(QdrantModule):
    resource = "collections"
    argument_spec = dict(name=dict(type="str"), names=dict(type="list", elements="str"))
    module_kwargs = dict(QdrantModule.module_kwargs,
                         mutually_exclusive=QdrantModule.module_kwargs["mutually_exclusive"] + [("name", "names")])
    label = ("read", "collections")

    def validate(self):
        self.validate_connection()
        if self.params["name"] is not None:
            self.wanted = [check_name(self.params["name"], "name")]
        elif self.params["names"] is not None:
            self.wanted = [check_name(n, "names[%d]" % i) for i, n in enumerate(self.params["names"])]
        else:
            self.wanted = None  # every collection

    def run(self):
        # read-only: a missing store is an error, never created (may_create_store() is False)
        with self.translated(*self.label):
            alias_list = list_aliases(self.client)
            existing = list_collection_names(self.client)
            collections = [read_collection(self.client, n, alias_list, existing) for n in (existing if self.wanted is None else self.wanted)]
        aliases = dict((a["alias_name"], a["collection_name"]) for a in alias_list)
        self.returns["aliases"] = aliases  # every alias of the store, beside the collections (see RETURN)
        return collections


def main():
    CollectionInfo.main()


if __name__ == "__main__":
    main()
