# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The Qdrant Cloud API options (and what the module supports) of llmtwin.deploy.qdrant_cloud_cluster."""

    DOCUMENTATION = r"""
options:
  api_url:
    description: Base URL of the Qdrant Cloud API.
    type: str
    default: https://api.cloud.qdrant.io
  management_key:
    description:
      - A Qdrant Cloud management key (not a database key). Never logged or returned.
      - Falls back to the E(QDRANT_CLOUD_MANAGEMENT_KEY) environment variable.
    type: str
    required: true
  account_id:
    description: The Qdrant Cloud account id (UUID).
    type: str
    required: true
  timeout:
    description:
      - Seconds each API request may take. Throttled (429) answers are retried with jittered backoff for up
        to twice this long (at most a minute), and so are server errors (5xx) of reads.
    type: int
    default: 30
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
