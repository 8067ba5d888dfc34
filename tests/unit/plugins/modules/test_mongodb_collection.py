"""mongodb_collection (and mongodb_database's collections): input checks before connecting, and the
create / collMod plan, from the shared _mongodb_collection."""
from __future__ import annotations

import pytest

from ansible_collections.llmtwin.deploy.plugins.module_utils import _mongodb_collection as m
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError
from ansible_collections.llmtwin.deploy.plugins.module_utils._mongodb_index import from_server

BASE = dict(database="twin", name="users", validator=None, validation_level=None, validation_action=None, ttl=None,
            capped=None, size=None, max=None)
SCHEMA = {"$jsonSchema": {"bsonType": "object", "required": ["a"]}}


def params(**overrides):
    return dict(BASE, **overrides)


def error(options, where=""):
    """check_options' message, or None when the options are accepted."""
    try:
        m.check_options(options, where)
    except ModuleError as exc:
        return str(exc)
    return None


def existing(**options):
    return m.current_state("twin", "users", {"name": "users", "options": options}, [], None)


def test_validator_must_be_a_document():
    assert "validator must be a document" in error(params(validator="[1, 2]"))
    assert "validator must be a document" in error(params(validator=["a"]))
    p = params(validator='{"$jsonSchema": {"bsonType": "object"}}')
    assert error(p) is None and p["validator"] == {"$jsonSchema": {"bsonType": "object"}}


def test_capped_needs_size_and_size_needs_capped():
    assert "size is required" in error(params(capped=True))
    assert "only to capped" in error(params(size=100))
    assert error(params(capped=True, size=4096, max=10)) is None


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
    state = m.current_state("twin", "s", info, [from_server({"name": "created_at_1", "key": {"created_at": 1},
                                                             "expireAfterSeconds": 60})], "created_at")
    assert state["ttl"] == {"field": "created_at", "expire_after_seconds": 60, "index_name": "created_at_1"}


@pytest.mark.parametrize("overrides, text", [
    (dict(capped=True, size=2 ** 64), "size must be between 1 and 1125899906842624"),
    (dict(capped=True, size=-4096), "size must be between 1"),
    (dict(capped=True, size=4096, max=2 ** 64), "max must be between 1 and 9223372036854775807"),
    (dict(ttl=dict(field="", expire_after_seconds=60)), "ttl.field must be a non-empty field name"),
    (dict(ttl=dict(field="created_at", expire_after_seconds=10 ** 12)),
     "ttl.expire_after_seconds must be between 0 and 2147483647, got 1000000000000"),
    (dict(ttl=dict(field="created_at", expire_after_seconds=2 ** 64)), "ttl.expire_after_seconds must be between 0"),
])
def test_bad_input_names_the_option(overrides, text):
    assert text in (error(params(**overrides)) or "")
    # mongodb_database names the list entry
    assert "collections[2]." + text.split(" ")[0] in (error(params(**overrides), "collections[2].") or "")


@pytest.mark.parametrize("database, name, text", [
    ("", "users", "database must be a non-empty database name"),
    ("a/b", "users", "database 'a/b' is not a valid database name"),
    ("my db", "users", "database 'my db' is not a valid database name"),
    ("x" * 64, "users", "database must be at most 63 bytes long"),
    ("twin", "", "name must be a non-empty collection name"),
    ("twin", "a$b", "name 'a$b' is not a valid collection name"),
    ("twin", ".a", "no empty part between dots"),
    ("twin", "system.users", "system.* collections belong to MongoDB"),
])
def test_bad_names_name_the_option(database, name, text):
    from ansible_collections.llmtwin.deploy.plugins.module_utils._mongodb import collection_name_error, database_name_error

    assert text in (database_name_error(database) or collection_name_error(name, database) or "")
