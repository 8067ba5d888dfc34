# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  region:
    description:
      - The AWS region, for example C(us-east-1). Checked against botocore's partition data before
        any connection is made.
      - Falls back to the E(AWS_REGION) then E(AWS_DEFAULT_REGION) environment variables.
    type: str
    aliases: [aws_region]
  profile:
    description:
      - A named profile of the AWS shared configuration files. Falls back to E(AWS_PROFILE).
      - An unknown profile fails before any connection.
    type: str
    aliases: [aws_profile]
  access_key:
    description:
      - The AWS access key id. Falls back to E(AWS_ACCESS_KEY_ID), then to botocore's credential chain.
    type: str
    aliases: [aws_access_key_id]
  secret_key:
    description:
      - The AWS secret access key. Falls back to E(AWS_SECRET_ACCESS_KEY). Never logged or returned.
    type: str
    aliases: [aws_secret_access_key]
  session_token:
    description:
      - A session token for temporary credentials. Falls back to E(AWS_SESSION_TOKEN).
    type: str
    aliases: [aws_session_token]
  endpoint_url:
    description:
      - Send the API calls to this URL instead of AWS (for example a local moto server).
      - Falls back to E(AWS_ENDPOINT_URL).
    type: str
    aliases: [aws_endpoint_url]
  connect_timeout:
    description: Seconds to wait for a connection to the endpoint.
    type: float
    default: 5.0
  read_timeout:
    description:
      - Seconds to wait for an answer once connected.
      - An endpoint that accepts connections but never answers fails a task after about
        O(max_attempts) x O(read_timeout) seconds plus a few seconds of backoff (under a minute with the defaults).
    type: float
    default: 15.0
  max_attempts:
    description: Attempts per API call in all, including the first, for throttling and transient errors.
    type: int
    default: 3
  retry_mode:
    description: botocore's retry mode (jittered exponential backoff; V(adaptive) also rate-limits the client).
    type: str
    default: standard
    choices: [standard, adaptive]
requirements:
  - botocore
notes:
  - Every API call has a timeout and bounded retries; errors are reported as one message, never a traceback.
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
