"""zenml_secret's `keep`: keys that purge never removes (the Qdrant Cloud key another role stored)."""
from __future__ import annotations

from ansible_collections.llmtwin.deploy.plugins.module_utils import _zenml_plan as m


def test_purge_spares_kept_keys_and_still_updates_them():
    current = {"DATABASE_NAME": "twin", "QDRANT_APIKEY": "k1", "OLD": "x"}
    add, remove, final = m.plan_secret(current, {"DATABASE_NAME": "twin"}, purge=True, keep=["QDRANT_APIKEY"])
    assert (add, remove) == ({}, ["OLD"]) and final == {"DATABASE_NAME": "twin", "QDRANT_APIKEY": "k1"}
    add, remove, _final = m.plan_secret(current, {"QDRANT_APIKEY": "k2"}, purge=True, keep=["QDRANT_APIKEY"])
    assert add == {"QDRANT_APIKEY": "k2"} and remove == ["DATABASE_NAME", "OLD"]
    assert m.plan_secret(current, {}, purge=True)[1] == ["DATABASE_NAME", "OLD", "QDRANT_APIKEY"]
