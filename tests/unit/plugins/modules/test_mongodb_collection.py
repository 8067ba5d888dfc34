"""mongodb_collection: input checks before connecting, and the create / collMod plan."""
from __future__ import annotations

from ansible_collections.llmtwin.deploy.plugins.modules import mongodb_collection as m

BASE = dict(validator=None, validation_level=None, validation_action=None, ttl=None, capped=None, size=None, max=None)
SCHEMA = {"$jsonSchema": {"bsonType": "object", "required": ["a"]}}


def params(**overrides):
    return dict(BASE, **overrides)


def existing(**options):
    return m.current_state("twin", "users", {"name": "users", "options": options}, [], None)


def test_validator_must_be_a_document():
    assert "validator must be a document" in m.validate(params(validator="[1, 2]"))
    assert "validator must be a document" in m.validate(params(validator=["a"]))
    p = params(validator='{"$jsonSchema": {"bsonType": "object"}}')
    assert m.validate(p) is None and p["validator"] == {"$jsonSchema": {"bsonType": "object"}}


def test_capped_needs_size_and_size_needs_capped():
    assert "size is required" in m.validate(params(capped=True))
    assert "only to capped" in m.validate(params(size=100))
    assert m.validate(params(capped=True, size=4096, max=10)) is None


def test_create_carries_every_option():
    create, coll_mod = m.plan(params(validator=SCHEMA, validation_level="moderate", capped=True, size=4096),
                              m.absent_state("twin", "users"))
    assert create == {"validator": SCHEMA, "validationLevel": "moderate", "capped": True, "size": 4096}
    assert coll_mod == {}


def test_collmod_only_for_what_drifted():
    before = existing(validator=SCHEMA, validationLevel="moderate")
    assert m.plan(params(validator=SCHEMA, validation_level="moderate", validation_action="error"), before) == (None, {})
    edited = existing(validator={"$jsonSchema": {"bsonType": "object"}}, validationLevel="moderate")
    assert m.plan(params(validator=SCHEMA, validation_level="moderate"), edited) == (None, {"validator": SCHEMA})
    # unset options are left alone
    assert m.plan(params(), edited) == (None, {})


def test_capped_cannot_change_in_place():
    before = existing()
    assert "cannot be changed" in m.capped_conflict(params(capped=True, size=4096), before)
    assert m.capped_conflict(params(capped=False), before) is None
    assert m.capped_conflict(params(), before) is None


def test_ttl_index_is_found_by_name_or_key():
    info = {"name": "s", "options": {}}
    state = m.current_state("twin", "s", info, [{"name": "created_at_1", "key": {"created_at": 1},
                                                 "expireAfterSeconds": 60}], "created_at")
    assert state["ttl"] == {"field": "created_at", "expire_after_seconds": 60, "index_name": "created_at_1"}
