"""What the role tests share: the Qdrant REST replay server and the Qdrant Cloud API replay, loaded once."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[1]


def _load(name, path):
    """The Python file at path as module `name`, once per session: neither file is part of a package, and
    a second copy would have its own classes (isinstance and shared state would break between them)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


@pytest.fixture(scope="session")
def qdrant_replay():
    """tests/unit/fixtures/qdrant/replay.py: the stateful Qdrant REST server and the fixtures."""
    return _load("qdrant_replay", UNIT / "fixtures" / "qdrant" / "replay.py")


@pytest.fixture(scope="session")
def qdrant_cloud_api(qdrant_replay):
    """The Qdrant Cloud API replay and its constants (cloud(), ACCOUNT, MGMT_KEY, NEW_KEY, ...), from the
    qdrant_cloud_cluster module tests."""
    return _load("test_qdrant_cloud_cluster", UNIT / "plugins" / "modules" / "test_qdrant_cloud_cluster.py")
