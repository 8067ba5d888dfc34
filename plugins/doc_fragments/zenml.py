# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  config_path:
    description:
      - The ZenML configuration folder (E(ZENML_CONFIG_PATH)); with no O(store_url) it holds the local
        SQLite store. Set before ZenML is imported.
      - Falls back to the E(ZENML_CONFIG_PATH) environment variable, then to ZenML's own default.
    type: path
  store_url:
    description:
      - URL of a ZenML server to use instead of the local store (production).
    type: str
  store_api_key:
    description:
      - API key of a service account of the ZenML server at O(store_url). Never logged or returned.
    type: str
  aws_endpoint_url:
    description:
      - Exported as E(AWS_ENDPOINT_URL) in the module's process, so the boto3 calls ZenML makes itself
        (service connector verification, STS) go to this endpoint, for example a local moto server.
      - Falls back to the E(AWS_ENDPOINT_URL) environment variable.
    type: str
  timeout:
    description:
      - Seconds the ZenML work of one module call may take (store access and AWS verification calls
        included) before the module fails with a timeout message.
      - With the import of ZenML (several seconds) a store that accepts connections but never answers
        fails the task within a minute by default; raise it for a slow remote server.
    type: float
    default: 40
requirements:
  - zenml (with the AWS integration's flavors, C(zenml[connectors-aws]))
notes:
  - ZenML is imported only after the options were checked (its import costs several seconds), so bad
    input fails fast. ZenML's console output is kept out of the module's result.
  - Every error is reported as one message, never a traceback, and secret values are masked in it.
"""

    ATTRIBUTES = r"""
attributes:
  check_mode:
    description: Reads the ZenML store, computes the changes, reports them and touches nothing.
    support: full
  diff_mode:
    description: Returns the resources before and after the change, with secret values masked.
    support: full
  idempotent:
    description: A second run with the same options reports no change.
    support: full
"""
