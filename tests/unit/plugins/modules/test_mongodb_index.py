"""mongodb_index: key parsing, and the comparison by keys AND options that decides drops and creates."""
from __future__ import annotations

import pytest

from ansible_collections.llmtwin.deploy.plugins.modules import mongodb_index as m


def server(name, key, **options):
    return m.from_server(dict(v=2, key=key, name=name, **options))


ID = server("_id_", {"_id": 1})


def desired(*raw):
    return m.desired_indexes([dict(dict(name=None, unique=False, sparse=False, partial_filter_expression=None,
                                        expire_after_seconds=None), **r) for r in raw])


@pytest.mark.parametrize("raw, expected", [
    ([{"first_name": 1}, {"last_name": -1}], [("first_name", 1), ("last_name", -1)]),
    ({"a": 1, "b": "hashed"}, [("a", 1), ("b", "hashed")]),
    ([["a", "1"], ["b", -1.0]], [("a", 1), ("b", -1)]),
])
def test_keys_forms(raw, expected):
    assert m.parse_keys(raw, "indexes[0].keys") == expected


@pytest.mark.parametrize("raw, text", [
    ([{"a": "sideways"}], "indexes[0].keys.a: direction must be one of"),
    ([{"a": True}], "direction must be one of"),
    ("a", "must be a list"),
    ([], "at least one field"),
    ([{"a": 1, "b": 1}], "one-field mapping"),
    ([{"a": 1}, {"a": -1}], "appears twice"),
])
def test_bad_keys_name_the_option(raw, text):
    with pytest.raises(ValueError, match=None) as info:
        m.parse_keys(raw, "indexes[0].keys")
    assert text in str(info.value)


def test_default_names_and_duplicates():
    assert [i["name"] for i in desired({"keys": [{"a": 1}, {"b": -1}]})] == ["a_1_b_-1"]
    with pytest.raises(ValueError, match="listed twice"):
        desired({"keys": [{"a": 1}]}, {"keys": {"a": 1}})
    with pytest.raises(ValueError, match="_id_"):
        desired({"keys": [{"_id": 1}], "name": "_id_"})
    with pytest.raises(ValueError, match="single-field"):
        desired({"keys": [{"a": 1}, {"b": 1}], "expire_after_seconds": 5})


def test_nothing_to_do_when_keys_and_options_match():
    current = [ID, server("link_1", {"link": 1}, unique=True, partialFilterExpression={"link": {"$exists": True}})]
    want = desired({"keys": [{"link": 1}], "unique": True, "partial_filter_expression": {"link": {"$exists": True}}})
    drops, creates, notes, after = m.reconcile(want, current, "present", purge=True)
    assert (drops, creates, notes) == ([], [], [])
    assert [i["name"] for i in after] == ["_id_", "link_1"]


def test_same_name_other_options_is_recreated():
    current = [ID, server("link_1", {"link": 1})]
    drops, creates, notes = m.reconcile(desired({"keys": [{"link": 1}], "unique": True}), current, "present", False)[:3]
    assert drops == ["link_1"] and [c["name"] for c in creates] == ["link_1"]
    assert notes == ["recreate link_1 (unique differs)"]


def test_same_name_other_keys_is_recreated():
    # community.mongodb reports ok here; we compare keys too
    current = [ID, server("by_author", {"author": 1})]
    drops, notes = m.reconcile(desired({"keys": [{"author_id": 1}], "name": "by_author"}), current,
                               "present", False)[::2]
    assert drops == ["by_author"] and notes == ["recreate by_author (keys differs)"]


def test_same_keys_other_name_is_adopted_unless_a_name_is_given():
    current = [ID, server("custom", {"a": 1})]
    assert m.reconcile(desired({"keys": [{"a": 1}]}), current, "present", True)[2] == []
    drops, creates = m.reconcile(desired({"keys": [{"a": 1}], "name": "wanted"}), current, "present", True)[:2]
    assert drops == ["custom"] and [c["name"] for c in creates] == ["wanted"]


def test_purge_drops_unlisted_but_never_id():
    current = [ID, server("a_1", {"a": 1}), server("old_1", {"old": 1})]
    drops, _creates, notes, after = m.reconcile(desired({"keys": [{"a": 1}]}), current, "present", purge=True)
    assert drops == ["old_1"] and notes == ["drop old_1 (not listed, purge)"]
    assert [i["name"] for i in after] == ["_id_", "a_1"]
    assert m.reconcile([], [ID], "present", purge=True)[0] == []


def test_absent_drops_only_listed_existing():
    current = [ID, server("a_1", {"a": 1})]
    drops, creates = m.reconcile(desired({"keys": [{"a": 1}]}, {"keys": [{"b": 1}]}), current, "absent", False)[:2]
    assert drops == ["a_1"] and creates == []


def test_create_spec_only_sends_set_options():
    index = desired({"keys": [{"ts": 1}], "expire_after_seconds": 60})[0]
    assert m.create_spec(index) == ([("ts", 1)], {"name": "ts_1", "expireAfterSeconds": 60})
