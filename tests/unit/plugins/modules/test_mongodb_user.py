"""mongodb_user: role parsing (exact, sorted, deduplicated) and the user's returned shape."""
from __future__ import annotations

import pytest

from ansible_collections.llmtwin.deploy.plugins.modules import mongodb_user as m


def test_roles_forms_sorted_and_deduplicated():
    roles = m.parse_roles(["read", {"role": "readWrite", "db": "twin"}, {"role": "readWrite", "db": "twin"}], "admin")
    assert roles == [{"role": "read", "db": "admin"}, {"role": "readWrite", "db": "twin"}]


@pytest.mark.parametrize("raw", [[{"db": "twin"}], [{"role": "x", "database": "twin"}], [3], [""]])
def test_bad_roles_name_the_option(raw):
    with pytest.raises(ValueError, match=r"roles\[0\]"):
        m.parse_roles(raw, "admin")


def test_user_state_never_carries_credentials():
    state = m.user_state("u", "admin", {"user": "u", "db": "admin", "credentials": {"SCRAM-SHA-256": "x"},
                                        "roles": [{"role": "readWrite", "db": "twin"}],
                                        "mechanisms": ["SCRAM-SHA-256"]})
    assert state == {"name": "u", "database": "admin", "exists": True,
                     "roles": [{"role": "readWrite", "db": "twin"}], "mechanisms": ["SCRAM-SHA-256"]}
