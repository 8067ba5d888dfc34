"""The build context the image role sends (docker SDK, as the role builds): the app and nothing secret."""
from pathlib import Path

import pytest

build = pytest.importorskip("docker.utils.build")
REPO = Path(__file__).resolve().parents[3]


def context_of(root: Path) -> set[str]:
    patterns = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    return set(build.exclude_paths(str(root), patterns, dockerfile="Dockerfile"))


def test_only_the_app_goes_into_the_context(tmp_path):
    for rel in ("Dockerfile", "requirements-app.txt", ".wheelhouse/a-1.0-py3-none-any.whl", ".wheelhouse/.hash",
                "llm_twin/__init__.py", "llm_twin/.env", "llm_twin/__pycache__/x.pyc", "configs/x.yaml",
                "data/sample/posts/a.md", "data/other/b.md", ".env", ".env.production", ".git/config",
                ".venv/bin/python", ".local-stack/secrets/mongo_admin_password", "tests/unit/x.py",
                "roles/image/tasks/main.yml", "plugins/modules/x.py", "inventories/local/hosts.yml",
                "collections/x", "bench/x.py", "docs/x.md", "README.md", "site.yml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    files = {f for f in context_of(tmp_path) if (tmp_path / f).is_file()}
    assert files == {"Dockerfile", "requirements-app.txt", ".wheelhouse/a-1.0-py3-none-any.whl",
                     "llm_twin/__init__.py", "configs/x.yaml", "data/sample/posts/a.md"}
