# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Reads the cluster and keys, reports what would be created or deleted, and touches nothing.
    support: full
  diff_mode:
    description: Not supported.
    support: none
  idempotent:
    description:
      - A second run finds the cluster by name and, given the key kept from the first run in
        O(database_api_key), reports no change. Without the kept key it must create a new key (and revoke
        the unusable one), which is a change.
    support: full
notes:
  - The Qdrant Cloud API is not available locally; this module's requests and answers are unit-tested
    against hand-written fixtures validated against Qdrant's published API definitions
    (qdrant-cloud-public-api, the JSON mapping of its protos).
  - Errors are reported as one message, never a traceback, and never contain the management key.
"""
