"""Which AWS credential route becomes which ZenML connector, and which inputs the role refuses.

The aws_zenml role's own validate.yml and vars run in a tiny playbook (no AWS, no ZenML: the role
derives the connector from its inputs alone); one play per case, in one ansible-playbook process.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ENV = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
ROLE_ARN = "arn:aws:iam::123456789012:role/zenml-connector"
KEYS = {"aws_zenml_access_key": "AKIATESTKEY", "aws_zenml_secret_key": "test-secret"}
SERVER = {"aws_zenml_zenml_store_url": "https://zenml.example.com", "aws_zenml_zenml_store_api_key": "ZENKEY"}

PLAY = """
- name: {name}
  hosts: localhost
  gather_facts: false
  vars: {vars}
  tasks:
    - name: Validate and render
      block:
        - name: Validate
          ansible.builtin.import_role:
            name: llmtwin.deploy.aws_zenml
            tasks_from: validate
        - name: Render
          ansible.builtin.debug:
            msg: "RESULT {name} {{{{ {{'connector': __aws_zenml_connector}} | to_json }}}}"
      rescue:
        - name: Refused
          ansible.builtin.debug:
            msg: "RESULT {name} {{{{ {{'refused': ansible_failed_result.msg}} | to_json }}}}"
"""

# name: (inputs, expected connector or the variable names the refusal must mention)
CASES = {
    "keys": ({**KEYS}, {"auth_method": "secret-key", "aws_access_key_id": "AKIATESTKEY",
                        "aws_secret_access_key": "test-secret"}),
    "keys_and_role": ({**KEYS, "aws_zenml_connector_role_arn": ROLE_ARN},
                      {"auth_method": "iam-role", "role_arn": ROLE_ARN, "aws_access_key_id": "AKIATESTKEY",
                       "aws_secret_access_key": "test-secret"}),
    # a profile (or SSO, an instance role, env credentials) gives the role no keys: implicit, nothing stored
    "profile": ({"aws_zenml_profile": "llm-twin"}, {"auth_method": "implicit"}),
    "machine": ({}, {"auth_method": "implicit"}),
    # the profile the connector itself reads is named on its own: the deployer's profile is not forwarded
    "implicit_with_profile": ({"aws_zenml_profile": "deployer", "aws_zenml_connector_profile_name": "zenml-server"},
                              {"auth_method": "implicit", "profile_name": "zenml-server"}),
    "implicit_with_role": ({**KEYS, "aws_zenml_connector_auth_method": "implicit",
                            "aws_zenml_connector_role_arn": ROLE_ARN},
                           {"auth_method": "implicit", "role_arn": ROLE_ARN}),
    "secret_key_without_keys": ({"aws_zenml_connector_auth_method": "secret-key", "aws_zenml_profile": "p"},
                                ["aws_zenml_access_key", "aws_zenml_secret_key", "aws_zenml_profile",
                                 "ZENML_ENABLE_IMPLICIT_AUTH_METHODS"]),
    "iam_role_without_arn": ({**KEYS, "aws_zenml_connector_auth_method": "iam-role"},
                             ["aws_zenml_connector_role_arn", "aws_zenml_connector_auth_method"]),
    "half_a_key_pair": ({"aws_zenml_access_key": "AKIATESTKEY"}, ["aws_zenml_secret_key"]),
    "malformed_role_arn": ({**KEYS, "aws_zenml_connector_role_arn": "zenml-connector"},
                           ["aws_zenml_connector_role_arn"]),
    "no_server": ({**KEYS, "aws_zenml_zenml_store_url": None, "aws_zenml_zenml_store_api_key": None},
                  ["ZENML_STORE_URL", "ZENML_STORE_API_KEY", "zenml login"]),
    "sqlite_folder": ({**KEYS, "aws_zenml_zenml_store_url": None, "aws_zenml_zenml_config_path": "/tmp/zenml"},
                      ["ZENML_STORE_URL"]),
    "sqlite_folder_allowed": ({**KEYS, "aws_zenml_zenml_store_url": None, "aws_zenml_zenml_store_api_key": None,
                               "aws_zenml_zenml_config_path": "/tmp/zenml", "aws_zenml_allow_local_store": True},
                              {"auth_method": "secret-key", "aws_access_key_id": "AKIATESTKEY",
                               "aws_secret_access_key": "test-secret"}),
    "api_key_without_server": ({**KEYS, "aws_zenml_zenml_store_url": None, "aws_zenml_allow_local_store": True},
                               ["aws_zenml_zenml_store_url"]),
    "teardown_without_server": ({**KEYS, "aws_zenml_state": "absent", "aws_zenml_zenml_store_url": None,
                                 "aws_zenml_zenml_store_api_key": None},
                                {"auth_method": "secret-key", "aws_access_key_id": "AKIATESTKEY",
                                 "aws_secret_access_key": "test-secret"}),
}


def run(playbook_text, tmp_path, *args, env=None):
    playbook = tmp_path / "play.yml"
    playbook.write_text(playbook_text)
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook), *args],
                          cwd=REPO, env={**ENV, **(env or {})}, capture_output=True, text=True, timeout=120,
                          check=False)
    # the default callback prints each msg as a JSON string: "msg": "RESULT <case> <json>"
    results = {name: json.loads(json.loads('"%s"' % text))
               for name, text in re.findall(r'"msg": "RESULT (\S+) (.*)"$', proc.stdout, re.M)}
    return proc, results


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    plays = "".join(PLAY.format(name=name, vars=json.dumps({**SERVER, **inputs}))
                    for name, (inputs, _expected) in CASES.items())
    proc, results = run(plays, tmp_path_factory.mktemp("creds"))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return results


@pytest.mark.parametrize("case", sorted(CASES))
def test_connector_follows_the_credentials(rendered, case):
    expected = CASES[case][1]
    result = rendered[case]
    if isinstance(expected, dict):
        assert result.get("connector") == {"name": "aws", "region": "us-east-1", "verify": False, **expected}, result
    else:
        message = result.get("refused", "")
        assert message, result
        for word in expected:
            assert word in message, (word, message)
        # a refusal never echoes a credential
        assert "test-secret" not in message and "ZENKEY" not in message


PRODUCTION = """
- name: Production
  hosts: deployer
  gather_facts: false
  tasks:
    - name: Validate
      ansible.builtin.import_role:
        name: llmtwin.deploy.aws_zenml
        tasks_from: validate
    - name: Render
      ansible.builtin.debug:
        msg: "RESULT production {{ {'method': __aws_zenml_connector.auth_method,
          'keys': 'aws_access_key_id' in __aws_zenml_connector, 'profile': aws_zenml_profile} | to_json }}"
"""


@pytest.mark.parametrize("env,method,keys", [
    ({"AWS_ACCESS_KEY_ID": "AKIATESTKEY", "AWS_SECRET_ACCESS_KEY": "s"}, "secret-key", True),
    ({"AWS_ACCESS_KEY_ID": "AKIATESTKEY", "AWS_SECRET_ACCESS_KEY": "s", "ZENML_AWS_CONNECTOR_ROLE_ARN": ROLE_ARN},
     "iam-role", True),
    ({"AWS_PROFILE": "llm-twin"}, "implicit", False),
    # exported SSO / assumed-role credentials are temporary: never stored in the connector
    ({"AWS_ACCESS_KEY_ID": "ASIATEMP", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"}, "implicit", False),
], ids=["keys", "keys+role", "profile", "session-credentials"])
def test_production_inventory_routes(tmp_path, env, method, keys):
    clean = {k: v for k, v in ENV.items() if not k.startswith(("AWS_", "ZENML_"))}
    playbook = tmp_path / "play.yml"
    playbook.write_text(PRODUCTION)
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", "inventories/production", str(playbook)], cwd=REPO,
                          env={**clean, "ZENML_STORE_URL": "https://zenml.example.com", **env},
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    found = re.search(r'"msg": "RESULT production (.*)"$', proc.stdout, re.M)
    result = json.loads(json.loads('"%s"' % found[1]))
    assert result["method"] == method and result["keys"] is keys, result
