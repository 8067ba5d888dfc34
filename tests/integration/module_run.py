"""Run one of the collection's modules the way ansible does (a fresh Python process, arguments in a
file), without a playbook around it: the result comes back as the module's own JSON, warnings and all.
A playbook run costs ~2 s; this costs ~0.4 s, which matters for the tests that run a module dozens of times.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass
class ModuleRun:
    rc: int
    result: dict
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return f"rc={self.rc}\n--- stdout ---\n{self.stdout[-4000:]}\n--- stderr ---\n{self.stderr[-3000:]}"


def run_module(name: str, args: dict, check: bool = False, diff: bool = False, timeout: float = 180,
               env: dict | None = None) -> ModuleRun:
    """llmtwin.deploy.NAME with ARGS in a subprocess; `result` is {} when the output is not the module's JSON."""
    payload = {"ANSIBLE_MODULE_ARGS": dict(args, _ansible_check_mode=check, _ansible_diff=diff)}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(payload, handle)
    try:
        proc = subprocess.run([sys.executable, "-m", "ansible_collections.llmtwin.deploy.plugins.modules." + name,
                               handle.name], capture_output=True, text=True, timeout=timeout, check=False,
                              env={**os.environ, "PYTHONPATH": str(REPO / "collections"), **(env or {})})
    finally:
        os.unlink(handle.name)
    try:
        result = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else {}
    except ValueError:
        result = {}
    return ModuleRun(proc.returncode, result, proc.stdout, proc.stderr)
