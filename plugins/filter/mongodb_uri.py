# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: mongodb_uri
short_description: Put a user and password, percent-encoded, into a MongoDB connection string
version_added: 0.1.0
description:
  - Returns the connection string with the password (and the user, when given) inserted, escaped as
    MongoDB requires (colon, slash, question mark, hash, brackets, at sign and every other reserved
    character), and optionally its query string replaced.
  - Modules never return a password (Ansible would mask it in any returned string), so a module such
    as M(llmtwin.deploy.mongodb_user) returns the user's URI without it, and this filter adds it in a
    task that has C(no_log).
author: LLM Twin deploy team (@llmtwin)
options:
  _input:
    description: A C(mongodb://) or C(mongodb+srv://) connection string, with or without a user.
    type: str
    required: true
  password:
    description: The password to insert. Leave it out to only set the user or the query.
    type: str
  user:
    description: The user name, replacing the one in the input (needed when the input has none, such as an Atlas SRV string).
    type: str
  query:
    description: The query string, such as C(authSource=admin&tls=true), replacing the input's (kept when not given).
    type: str
"""

EXAMPLES = r"""
- name: DATABASE_HOST from the user's URI that the module returned
  ansible.builtin.set_fact:
    database_host: "{{ app_user.user.uri | llmtwin.deploy.mongodb_uri(password=app_password) }}"
  no_log: true

- name: DATABASE_HOST from an Atlas SRV string
  ansible.builtin.set_fact:
    database_host: >-
      {{ cluster.cluster.connection_string_srv
         | llmtwin.deploy.mongodb_uri(user='twin_app', password=app_password, query='retryWrites=true&w=majority') }}
  no_log: true
"""

RETURN = r"""
_value:
  description: The connection string, credentials included (a secret).
  type: str
  sample: mongodb://twin_app:p%40ss%2Fword@127.0.0.1:27017/?authSource=admin
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.llmtwin.deploy.plugins.module_utils._mongodb import uri_with_credentials


def mongodb_uri(uri, password=None, user=None, query=None):
    try:
        return uri_with_credentials(uri, user=user or None, password=password or None, query=query)
    except ValueError as exc:
        # the input is not secret, but the password must never reach the message
        raise AnsibleFilterError("mongodb_uri: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"mongodb_uri": mongodb_uri}
