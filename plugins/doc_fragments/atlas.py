# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The Atlas Admin API v2 options of every llmtwin.deploy.mongodb_atlas_* module."""

    DOCUMENTATION = r"""
options:
  api_base_url:
    description:
      - The Atlas base URL; requests go to C(<api_base_url>/api/atlas/v2) with versioned
        C(application/vnd.atlas.<date>+json) media types.
      - Falls back to the E(MONGODB_ATLAS_BASE_URL) environment variable.
    type: str
    default: https://cloud.mongodb.com
  public_key:
    description:
      - The public key of an Atlas programmatic API key (HTTP digest authentication, with O(private_key)).
      - Falls back to the E(MONGODB_ATLAS_PUBLIC_KEY) environment variable.
    type: str
  private_key:
    description:
      - The private key of that API key. Never logged or returned.
      - Falls back to the E(MONGODB_ATLAS_PRIVATE_KEY) environment variable.
    type: str
  client_id:
    description:
      - The client ID of an Atlas service account (OAuth 2.0 client credentials, with O(client_secret)),
        used when no API key pair is given.
      - Falls back to the E(MONGODB_ATLAS_CLIENT_ID) environment variable.
    type: str
  client_secret:
    description:
      - The service account's secret. Never logged or returned.
      - Falls back to the E(MONGODB_ATLAS_CLIENT_SECRET) environment variable.
    type: str
  api_timeout:
    description:
      - Seconds each HTTP request may take. Throttled (429) and server-error (5xx) answers are retried
        with jittered backoff for up to twice this long (at most a minute). Must be positive.
    type: int
    default: 30
notes:
  - The Atlas Admin API cannot run locally; these modules are unit-tested against hand-written fixtures
    that a test validates against an excerpt of the published Admin API v2 OpenAPI definition, not against
    Atlas itself.
  - Each call uses the current versioned media type of its operation in that definition; a 404 means
    "not found" only with the resource's own errorCode (for example C(CLUSTER_NOT_FOUND)), any other
    404 (C(GROUP_NOT_FOUND), a wrong O(api_base_url)) is an error.
"""
