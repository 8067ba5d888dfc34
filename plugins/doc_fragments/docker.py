# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The daemon connection, shared by every docker_* module (module_utils/_docker.py docker_argument_spec).
    DOCUMENTATION = r"""
options:
  docker_host:
    description:
      - The Docker daemon's API endpoint, for example C(unix:///var/run/docker.sock) or C(tcp://host:2376).
      - If not set, the environment variable E(DOCKER_HOST) is used.
    type: str
    default: unix:///var/run/docker.sock
    aliases: [docker_url]
  timeout:
    description:
      - Seconds to wait for any one answer of the daemon's API, the version handshake included, so an
        unresponsive daemon fails the task within about that long.
      - A build's output may be silent longer; docker_image_build waits its own C(build_timeout) for it.
    type: int
    default: 30
requirements:
  - docker (the Python SDK) >= 7.0
"""

    # Registry endpoint and credentials (module_utils/_docker.py registry_argument_spec); the registry
    # client is module_utils/_registry.py.
    REGISTRY = r"""
options:
  registry:
    description:
      - The registry host (C(host[:port])) to push to and read manifests from.
      - With I(registry_auth=ecr) it defaults to the host of ECR's C(proxyEndpoint); set it to use the ECR token
        against another endpoint (a local registry standing in for ECR's data plane).
      - Loopback registries (C(127.0.0.1), C(localhost)) are reached over plain HTTP, others over HTTPS.
    type: str
  registry_auth:
    description:
      - C(ecr) gets the credentials from ECR's C(GetAuthorizationToken) (they stay inside the module);
        C(basic) uses I(registry_username)/I(registry_password); C(none) sends no credentials.
    type: str
    choices: [ecr, basic, none]
    default: ecr
  registry_username:
    description: User name for I(registry_auth=basic).
    type: str
  registry_password:
    description: Password for I(registry_auth=basic). Never returned or logged.
    type: str
  registry_insecure:
    description: Use plain HTTP for a registry that is not on a loopback address.
    type: bool
    default: false
  registry_timeout:
    description: Seconds to wait for the registry's HTTP API.
    type: int
    default: 30
"""

    # ECR authorization (module_utils/_aws.py ecr_argument_spec), used with registry_auth=ecr.
    ECR = r"""
options:
  ecr_registry_id:
    description: The AWS account ID of the ECR registry; defaults to the caller's account.
    type: str
  region:
    description: AWS region of the ECR registry. If not set, E(AWS_REGION) or E(AWS_DEFAULT_REGION) is used.
    type: str
    aliases: [aws_region]
  endpoint_url:
    description: ECR API endpoint (for example a moto server). If not set, E(AWS_ENDPOINT_URL) is used.
    type: str
    aliases: [aws_endpoint_url]
  access_key:
    description: AWS access key ID. If not set, E(AWS_ACCESS_KEY_ID) or the default credential chain is used.
    type: str
    aliases: [aws_access_key_id]
  secret_key:
    description: AWS secret access key. If not set, E(AWS_SECRET_ACCESS_KEY) or the default chain is used.
    type: str
    aliases: [aws_secret_access_key]
  session_token:
    description: AWS session token. If not set, E(AWS_SESSION_TOKEN) is used.
    type: str
    aliases: [aws_session_token]
  profile:
    description: AWS profile. If not set, E(AWS_PROFILE) is used.
    type: str
    aliases: [aws_profile]
requirements:
  - botocore, for registry_auth=ecr with a profile or the default credential chain, and to remove ECR tags
    (static keys get the token without it)
"""
