"""mongodb_user (and mongodb_database's users): role parsing (exact, sorted, deduplicated) and the user's returned shape."""
from __future__ import annotations

import pytest

from ansible_collections.llmtwin.deploy.plugins.module_utils import _mongodb_user as m
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError


def test_roles_forms_sorted_and_deduplicated():
    roles = m.parse_roles(["read", {"role": "readWrite", "db": "twin"}, {"role": "readWrite", "db": "twin"}], "admin")
    assert roles == [{"role": "read", "db": "admin"}, {"role": "readWrite", "db": "twin"}]


@pytest.mark.parametrize("raw", [[{"db": "twin"}], [{"role": "x", "database": "twin"}], [3], [""]])
def test_bad_roles_name_the_option(raw):
    with pytest.raises(ModuleError, match=r"roles\[0\]"):
        m.parse_roles(raw, "admin")


def test_user_state_never_carries_credentials():
    state = m.user_state("u", "admin", {"user": "u", "db": "admin", "credentials": {"SCRAM-SHA-256": "x"},
                                        "roles": [{"role": "readWrite", "db": "twin"}],
                                        "mechanisms": ["SCRAM-SHA-256"]})
    assert state == {"name": "u", "database": "admin", "exists": True,
                     "roles": [{"role": "readWrite", "db": "twin"}], "mechanisms": ["SCRAM-SHA-256"]}


def test_roles_of_a_listed_user_name_the_entry():
    with pytest.raises(ModuleError, match=r"^users\[1\]\.roles\[0\]\.db must name a database"):
        m.check_user(dict(name="u", database="admin", roles=[{"role": "read", "db": ""}]), "users[1].")
    with pytest.raises(ModuleError, match=r"^users\[0\]\.name must be a non-empty user name"):
        m.check_user(dict(name="", database="admin", roles=[]), "users[0].")
