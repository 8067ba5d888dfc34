"""site.yml against the production inventory without a ZenML server: refused at the preflight play.

No service is involved (the preflight only asserts on inputs), so nothing here needs the local stack or
the network: every AWS/ZenML variable of the environment is removed, and a proxy that answers nothing
is set so that any HTTP(S) attempt would fail rather than reach out.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# What mongo and qdrant need to pass their own checks (dummy values; never used: nothing connects).
OTHER_TARGETS = {"MONGODB_ATLAS_PUBLIC_KEY": "pub", "MONGODB_ATLAS_PRIVATE_KEY": "priv",
                 "MONGODB_ATLAS_DEPLOYER_PASSWORD": "deployer-pw", "MONGODB_APP_PASSWORD": "app-pw",
                 "QDRANT_CLOUD_URL": "https://qdrant.example.com", "QDRANT_APIKEY": "qdrant-key"}
MESSAGE = re.compile(r"needs a ZenML server.*ZENML_STORE_URL and ZENML_STORE_API_KEY.*zenml login", re.S)


def production(*args, env=None):
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("AWS_", "ZENML_", "MONGODB_", "QDRANT_", "LLMTWIN_"))}
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", "inventories/production", "site.yml", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
                          env={**clean, "ANSIBLE_NOCOLOR": "1", "HTTPS_PROXY": "http://127.0.0.1:9",
                               "HTTP_PROXY": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "AKIATESTKEY",
                               "AWS_SECRET_ACCESS_KEY": "test-secret", **(env or {})})
    plays = re.findall(r"^PLAY \[(.*?)\]", proc.stdout, re.M)
    return proc, plays


@pytest.mark.parametrize("args,env", [
    (["--check"], OTHER_TARGETS),
    ([], OTHER_TARGETS),
    (["--check", "--tags", "aws_zenml"], {}),
], ids=["plan", "run", "plan-aws_zenml-only"])
def test_no_zenml_server_fails_at_preflight(args, env):
    proc, plays = production(*args, env=env)
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert MESSAGE.search(proc.stdout), proc.stdout[-3000:]
    # refused in the first play, before any target's play started
    assert plays == ["Preflight: validate every target's inputs"], plays
    assert "test-secret" not in proc.stdout + proc.stderr


def test_a_server_url_passes_the_preflight():
    # the next play starts (and then stops at whatever needs a real service or more input: only the
    # preflight is under test here)
    proc, plays = production("--check", "--tags", "aws_zenml",
                             env={"ZENML_STORE_URL": "https://zenml.example.com", "ZENML_STORE_API_KEY": "zenml-key"})
    assert not MESSAGE.search(proc.stdout), proc.stdout[-3000:]
    assert plays[0] == "Preflight: validate every target's inputs" and len(plays) > 1, plays
    assert proc.stdout.count("llmtwin.deploy.aws_zenml : Check") == 3
    assert "zenml-key" not in proc.stdout + proc.stderr


def test_other_targets_do_not_require_the_zenml_server():
    proc, plays = production("--check", "--tags", "qdrant", env=OTHER_TARGETS)
    assert not MESSAGE.search(proc.stdout), proc.stdout[-3000:]
    assert len(plays) > 1 and "Preflight" in plays[0], plays
