"""Both inventories parse and every playbook passes --syntax-check against each (no services needed)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PLAYBOOKS = ["site.yml", "playbooks/verify.yml", "playbooks/teardown.yml", "playbooks/pipelines.yml"]
ENV = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}


@pytest.mark.parametrize("inventory", ["inventories/local", "inventories/production"])
def test_inventory_lists_the_deployer(inventory):
    out = subprocess.run([str(BIN / "ansible-inventory"), "-i", inventory, "--list"], cwd=REPO, env=ENV,
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["deployer"]["hosts"] == ["localhost"]


@pytest.mark.parametrize("inventory", ["inventories/local", "inventories/production"])
def test_every_playbook_passes_syntax_check(inventory):
    out = subprocess.run([str(BIN / "ansible-playbook"), "-i", inventory, "--syntax-check", *PLAYBOOKS],
                         cwd=REPO, env=ENV, capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


def test_production_inventory_commits_no_secret():
    for path in (REPO / "inventories" / "production").rglob("*.yml"):
        for line in path.read_text().splitlines():
            if line.lstrip().startswith("#"):
                continue
            key, _colon, value = line.partition(":")
            if any(word in key.lower() for word in ("password", "secret", "api_key", "apikey", "token")):
                assert "lookup(" in value or value.strip() in ("", "''", '""', "null", "~"), (path, line)
