"""Fixtures for integration tests: they run against the local stack (scripts/local-stack up).

The stack must already be up (the test command starts it); tests never start services themselves.
`run_playbook` drives real ansible-playbook runs from the repository root and parses the recap.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Under pytest-xdist (the test command runs two workers), each worker has a stack of its own:
# LLMTWIN_TEST_STACK_DIRS lists them (":"-separated) and worker gwN takes the Nth. Exported here, at
# import, so every playbook and client a test starts reaches this worker's stack.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_STACKS = [d for d in os.environ.get("LLMTWIN_TEST_STACK_DIRS", "").split(":") if d]
if _WORKER.startswith("gw") and _STACKS:
    os.environ["LLMTWIN_STACK_DIR"] = _STACKS[int(_WORKER[2:]) % len(_STACKS)]
STACK_DIR = Path(os.environ.get("LLMTWIN_STACK_DIR", REPO / ".local-stack")).resolve()
# The longest file first: a worker starts it while the other takes the rest.
_FIRST = ("test_site.py",)
BIN = Path(sys.executable).parent
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)"
                   r"\s+skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)", re.M)


@dataclass
class Stack:
    """The running stack as its stack.json describes it (ports differ between a deployment's and the tests')."""
    dir: Path
    mongo_host: str
    mongo_port: int
    aws_endpoint_url: str
    registry: str
    zenml_url: str
    registry_user: str = "AWS"
    registry_password: str = "123456789012-auth-token"
    region: str = "us-east-1"

    @property
    def mongo_admin_password(self) -> str:
        return (self.dir / "secrets" / "mongo_admin_password").read_text().strip()

    @classmethod
    def load(cls, folder: Path) -> "Stack":
        import json

        described = json.loads((folder / "stack.json").read_text())
        return cls(dir=folder, mongo_host=described["host"], mongo_port=described["ports"]["mongo"],
                   aws_endpoint_url=described["aws_endpoint_url"], registry=described["registry"],
                   zenml_url=described["zenml_url"])

    @property
    def zenml_api_key(self) -> str:
        return (self.dir / "secrets" / "zenml_api_key").read_text().strip()

    @property
    def docker_host(self) -> str:
        return f"unix://{self.dir / 'run' / 'docker.sock'}"

    @property
    def zenml_config_path(self) -> Path:
        return self.dir / "zenml"

    @property
    def qdrant_path(self) -> Path:
        return self.dir / "qdrant"

    def env(self) -> dict[str, str]:
        """Environment for a subprocess that talks to the stack (dummy AWS keys are moto's)."""
        return {
            **os.environ,
            "LLMTWIN_STACK_DIR": str(self.dir),
            "AWS_ENDPOINT_URL": self.aws_endpoint_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": self.region,
            "DOCKER_HOST": self.docker_host,
            "ZENML_CONFIG_PATH": str(self.zenml_config_path),
            "ZENML_STORE_URL": self.zenml_url,
            "ZENML_STORE_API_KEY": self.zenml_api_key,
            "ZENML_ANALYTICS_OPT_IN": "false",
        }


def pytest_collection_modifyitems(config, items):
    """The longest file first. The test command runs pytest-xdist with --dist loadfile: a file's tests,
    and so its module fixtures (one deployment, one moto), stay on one worker, in order, as serially."""
    items.sort(key=lambda item: item.path.name not in _FIRST)


@pytest.fixture(scope="session")
def stack() -> Stack:
    if not (STACK_DIR / "run" / "mongo.pid").exists() or not (STACK_DIR / "stack.json").exists():
        pytest.fail(f"the local stack is not up (no {STACK_DIR}/run/mongo.pid): run scripts/local-stack up")
    return Stack.load(STACK_DIR)


@dataclass
class PlaybookRun:
    rc: int
    stdout: str
    stderr: str
    recap: dict[str, dict[str, int]]

    def ran(self) -> dict[str, dict[str, int]]:
        """The recap, once the return code agrees with it: a playbook that did not load (rc 4 or 1, no
        recap) or died mid-run must fail every assertion on changed/failed, not pass as "0 failed"."""
        if not self.recap:
            raise AssertionError(f"the playbook did not run (no recap):\n{self}")
        failures = sum(h["failed"] + h["unreachable"] for h in self.recap.values())
        if (self.rc == 0) != (failures == 0):
            raise AssertionError(f"rc {self.rc} disagrees with the recap ({failures} failed/unreachable):\n{self}")
        return self.recap

    @property
    def changed(self) -> int:
        return sum(h["changed"] for h in self.ran().values())

    @property
    def failed(self) -> int:
        return sum(h["failed"] + h["unreachable"] for h in self.ran().values())

    def __str__(self) -> str:  # what pytest shows when an assertion on a run fails
        return f"rc={self.rc}\n--- stdout ---\n{self.stdout[-6000:]}\n--- stderr ---\n{self.stderr[-3000:]}"


def run_playbook(playbook: str | Path, *args: str, extra_vars: dict | None = None, env: dict | None = None,
                 timeout: int = 900) -> PlaybookRun:
    """ansible-playbook PLAYBOOK ARGS... from the repository root, with the local inventory."""
    import json

    cmd = [str(BIN / "ansible-playbook"), str(playbook), *args]
    if extra_vars:
        cmd += ["-e", json.dumps(extra_vars)]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False,
                          env={**os.environ, "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1", **(env or {})})
    recap = {m[0]: dict(zip(("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored"),
                            map(int, m[1:])))
             for m in RECAP.findall(proc.stdout)}
    return PlaybookRun(proc.returncode, proc.stdout, proc.stderr, recap)


@pytest.fixture(scope="session")
def playbook():
    return run_playbook


@pytest.fixture()
def silent_endpoint():
    """The URL of a TCP endpoint that accepts connections and never answers (a hung service): what a
    client's timeouts, not its connection errors, must end."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.2)
    held, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % server.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        server.close()
