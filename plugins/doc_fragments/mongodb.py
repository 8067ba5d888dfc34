# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The connection options of every llmtwin.deploy.mongodb_* module."""

    DOCUMENTATION = r"""
options:
  login_uri:
    description:
      - A full connection string (C(mongodb://...) or C(mongodb+srv://...)).
      - When set, O(login_host) and O(login_port) are ignored. Credentials may be given here or with
        O(login_user)/O(login_password) (those win).
      - Treated as a secret; it is never returned and is masked in error messages.
      - Falls back to the E(MONGODB_URI) environment variable.
    type: str
  login_host:
    description: The host to connect to when O(login_uri) is not set (a direct connection).
    type: str
    default: 127.0.0.1
  login_port:
    description: The port to connect to when O(login_uri) is not set.
    type: int
    default: 27017
  login_user:
    description:
      - The user to authenticate as. Without it the connection is unauthenticated.
      - Falls back to the E(MONGODB_USER) environment variable.
    type: str
  login_password:
    description:
      - The password of O(login_user). Never logged or returned.
      - Falls back to the E(MONGODB_PASSWORD) environment variable.
    type: str
  login_database:
    description: The database that holds O(login_user) (the authentication source).
    type: str
    default: admin
  auth_mechanism:
    description: The SCRAM mechanism used to authenticate O(login_user).
    type: str
    default: SCRAM-SHA-256
    choices: [SCRAM-SHA-256, SCRAM-SHA-1]
  tls:
    description: Whether to connect with TLS (an SRV O(login_uri) turns TLS on by itself).
    type: bool
    default: false
  tls_ca_file:
    description: A CA bundle to verify the server's certificate with. A file that does not exist is an error.
    type: path
  tls_certificate_key_file:
    description: A client certificate and its key in one PEM file. A file that does not exist is an error.
    type: path
  tls_allow_invalid_certificates:
    description: Accept a server certificate that does not verify. For tests only.
    type: bool
    default: false
  connect_timeout:
    description:
      - Seconds to wait for the server to be selected and for a connection, from 1 to 3600. No call
        waits longer than this (commands themselves time out after the larger of this and 30 seconds).
      - With the default, a server that accepts connections and never answers fails the task in about 10 seconds.
    type: int
    default: 10
requirements:
  - pymongo >= 4.0
notes:
  - The modules run where the connection is made from (usually the control node with
    a local connection); pymongo must be installed for that Python.
"""
