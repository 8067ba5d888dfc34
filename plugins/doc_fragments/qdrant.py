# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  url:
    description:
      - URL of a Qdrant server or Qdrant Cloud cluster, for example C(https://xyz.eu-central-1-0.aws.cloud.qdrant.io:6333).
      - Exactly one of O(url) and O(path) is required.
    type: str
  api_key:
    description:
      - The database API key sent with every request to O(url). Never logged or returned.
      - Falls back to E(QDRANT_API_KEY), then E(QDRANT_APIKEY).
    type: str
  path:
    description:
      - Folder of qdrant-client's embedded engine (C(QdrantClient(path=...))), the local default.
      - The embedded engine locks the folder for one client at a time; the module opens it, does its
        work and closes it before it exits, and waits up to O(timeout) for another holder to let go.
      - The embedded engine does not apply payload indexes, HNSW, optimizer or quantization settings,
        on-disk payload, shards, replication or snapshots. In path mode the module warns that such
        options are not applied and does not report them as changes.
    type: path
  timeout:
    description: Seconds each request to the server may take (and the longest wait for the embedded store's lock).
    type: int
    default: 30
requirements:
  - qdrant-client >= 1.12
notes:
  - Errors are reported as one message (C(Failed to <action> <resource>) followed by the cause), never a traceback.
"""

    ATTRIBUTES = r"""
attributes:
  check_mode:
    description: Reads the resource, computes the changes, reports them and touches nothing.
    support: full
  diff_mode:
    description: Returns the resource before and after the change (no secrets).
    support: full
  idempotent:
    description: A second run with the same options reports no change.
    support: full
"""

    INFO_ATTRIBUTES = r"""
attributes:
  check_mode:
    description: Read-only; runs the same in check mode.
    support: full
  diff_mode:
    description: Changes nothing, so there is nothing to diff.
    support: none
  idempotent:
    description: Read-only.
    support: full
"""
