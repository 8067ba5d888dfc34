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
        Every module also holds a lock of its own (C(.llmtwin-deploy.lock) in the folder) from before
        opening the store until after closing it, so concurrent runs cannot undo each other's changes.
      - A path that does not exist, or a folder that is not a store (files but no C(meta.json)), is an
        error, so a mistyped path never becomes a new empty store. Only
        M(llmtwin.deploy.qdrant_collection) with O(llmtwin.deploy.qdrant_collection#module:state=present)
        creates a store, in an empty or new folder whose parent folder exists; in check mode it creates
        nothing and reports the store's collections as they would be (none).
      - The embedded engine does not apply payload indexes, HNSW, optimizer or quantization settings,
        on-disk payload, shards, replication or snapshots. In path mode the module warns that such
        options are not applied and does not report them as changes.
    type: path
  timeout:
    description: Seconds each request to the server may take (and the longest wait for the embedded store's lock).
    type: int
    default: 30
  key_wait_timeout:
    description:
      - Server only. Seconds to keep retrying, with jittered backoff, while the server answers 401, 403 or
        5xx before the module's first request; a Qdrant Cloud database API key is refused for a short
        while after it is created. V(0) (the default) fails at once on a wrong key.
    type: int
    default: 0
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
