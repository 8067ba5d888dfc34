"""mongodb_index (and mongodb_database's indexes): key parsing, and the comparison by keys AND options
that decides drops and creates, from the shared _mongodb_index."""
from __future__ import annotations

import pytest

from ansible_collections.llmtwin.deploy.plugins.module_utils import _mongodb, _mongodb_index as m
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError, ResourceModule


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
    with pytest.raises(ModuleError, match=None) as info:
        m.parse_keys(raw, "indexes[0].keys")
    assert text in str(info.value)


def test_default_names_and_duplicates():
    assert [i["name"] for i in desired({"keys": [{"a": 1}, {"b": -1}]})] == ["a_1_b_-1"]
    with pytest.raises(ModuleError, match="listed twice"):
        desired({"keys": [{"a": 1}]}, {"keys": {"a": 1}})
    with pytest.raises(ModuleError, match="_id_"):
        desired({"keys": [{"_id": 1}], "name": "_id_"})
    with pytest.raises(ModuleError, match="single-field"):
        desired({"keys": [{"a": 1}, {"b": 1}], "expire_after_seconds": 5})


class Recorder(ResourceModule):
    """Collects what apply() records, as a module would (check mode: nothing is called)."""

    def __init__(self):  # pylint: disable=super-init-not-called
        self.check_mode, self.actions, self.resources = True, [], []


def plan(want, current, state="present", purge=False, keep=()):
    """reconcile() as (names dropped, names built, the actions apply() records, names after)."""
    operations, after, _declared = m.reconcile(want, current, state, purge, keep)
    recorder = Recorder()
    m.apply(recorder, None, "twin.c", operations, {})
    return ([old["name"] for old, _new, _why in operations if old is not None],
            [new["name"] for _old, new, _why in operations if new is not None],
            recorder.actions, [i["name"] for i in after])


def test_nothing_to_do_when_keys_and_options_match():
    current = [ID, server("link_1", {"link": 1}, unique=True, partialFilterExpression={"link": {"$type": "string"}})]
    want = desired({"keys": [{"link": 1}], "unique": True, "partial_filter_expression": {"link": {"$type": "string"}}})
    assert plan(want, current, purge=True) == ([], [], [], ["_id_", "link_1"])


def test_same_name_other_options_is_replaced_in_one_operation():
    current = [ID, server("link_1", {"link": 1})]
    operations, _after, declared = m.reconcile(desired({"keys": [{"link": 1}], "unique": True}), current, "present", False)
    assert [(old["name"], new["name"], why) for old, new, why in operations] == [("link_1", "link_1", "unique differs")]
    assert declared == ["link_1"]
    assert plan(desired({"keys": [{"link": 1}], "unique": True}), current)[2] == [
        "update index twin.c.link_1: rebuilt, unique differs"]


@pytest.mark.parametrize("option, value, server_option, server_value", [
    ("sparse", True, "sparse", False),
    ("partial_filter_expression", {"link": {"$type": "string"}}, "partialFilterExpression", {"link": {"$exists": True}}),
    ("expire_after_seconds", 3600, "expireAfterSeconds", 60),
])
def test_each_option_drift_is_a_replacement(option, value, server_option, server_value):
    current = [ID, server("link_1", {"link": 1}, **{server_option: server_value})]
    assert plan(desired({"keys": [{"link": 1}], option: value}), current)[2] == [
        "update index twin.c.link_1: rebuilt, %s differs" % option]


def test_same_name_other_keys_is_recreated():
    # community.mongodb reports ok here; we compare keys too
    current = [ID, server("by_author", {"author": 1})]
    drops, _builds, notes, _after = plan(desired({"keys": [{"author_id": 1}], "name": "by_author"}), current)
    assert drops == ["by_author"] and notes == ["update index twin.c.by_author: rebuilt, keys differs"]


def test_same_keys_other_name_is_adopted_unless_a_name_is_given():
    current = [ID, server("custom", {"a": 1})]
    assert plan(desired({"keys": [{"a": 1}]}), current, purge=True)[2] == []
    drops, builds, actions = plan(desired({"keys": [{"a": 1}], "name": "wanted"}), current, purge=True)[:3]
    assert drops == ["custom"] and builds == ["wanted"]
    assert actions == ["create index twin.c.wanted: replaces custom, name differs",
                       "delete index twin.c.custom: replaced by wanted"]


def test_purge_drops_unlisted_but_never_id_and_only_after_the_builds():
    current = [ID, server("a_1", {"a": 1}), server("old_1", {"old": 1})]
    drops, builds, notes, after = plan(desired({"keys": [{"a": 1}]}, {"keys": [{"b": 1}]}), current, purge=True)
    assert drops == ["old_1"] and builds == ["b_1"]
    assert notes == ["create index twin.c.b_1", "delete index twin.c.old_1: not listed (purge)"]
    assert after == ["_id_", "a_1", "b_1"]
    assert plan([], [ID], purge=True)[0] == []


def test_purge_keeps_the_indexes_managed_elsewhere():
    current = [ID, server("at_ttl", {"at": 1}, expireAfterSeconds=60), server("old_1", {"old": 1})]
    assert plan([], current, purge=True, keep=("at_ttl",))[0] == ["old_1"]


def test_absent_drops_only_listed_existing():
    current = [ID, server("a_1", {"a": 1})]
    drops, builds, actions = plan(desired({"keys": [{"a": 1}]}, {"keys": [{"b": 1}]}), current, state="absent")[:3]
    assert drops == ["a_1"] and builds == [] and actions == ["delete index twin.c.a_1"]


def test_create_spec_only_sends_set_options():
    index = desired({"keys": [{"ts": 1}], "expire_after_seconds": 60})[0]
    assert m.create_spec(index) == ([("ts", 1)], {"name": "ts_1", "expireAfterSeconds": 60})
    assert m.create_spec(index, "ts_1__llmtwin_new")[1]["name"] == "ts_1__llmtwin_new"


# ------------------------------------------------------------ replace(): never neither index

class Refused(Exception):
    """Stands in for pymongo's OperationFailure (a code and a message)."""

    def __init__(self, code, text):
        super().__init__(text)
        self.code = code


class FakeCollection:
    """Index builds and drops on a dict; `refuse` maps an index name to the error its build raises."""

    def __init__(self, names, refuse=None, conflicts_on_same_keys=False):
        self.names, self.refuse, self.conflicts, self.calls = list(names), dict(refuse or {}), conflicts_on_same_keys, []

    def create_index(self, keys, name, **options):
        self.calls.append(("create", name))
        if self.conflicts and self.names:
            raise Refused(85, "Index already exists with a different name")
        if name in self.refuse:
            raise self.refuse.pop(name)
        self.names.append(name)

    def drop_index(self, name):
        self.calls.append(("drop", name))
        self.names.remove(name)


@pytest.fixture()
def errors(monkeypatch):
    monkeypatch.setattr(_mongodb, "pymongo_exceptions", lambda: (Refused,))
    monkeypatch.setattr(_mongodb, "describe_error", lambda exc, params=None: str(exc))


def test_replacement_is_built_first_and_a_failed_build_keeps_the_old_index(errors):
    old = server("link_1", {"link": 1})
    new = desired({"keys": [{"link": 1}], "unique": True})[0]
    collection = FakeCollection(["link_1"], refuse={"link_1__llmtwin_new": Refused(11000, "E11000 duplicate key")})
    error, changed = m.replace(collection, old, new, {})
    assert (error, changed) == ("E11000 duplicate key; the index link_1 is left in place", False)
    assert collection.calls == [("create", "link_1__llmtwin_new")] and collection.names == ["link_1"]

    collection = FakeCollection(["link_1"])
    assert m.replace(collection, old, new, {}) == (None, True)
    assert collection.calls == [("create", "link_1__llmtwin_new"), ("drop", "link_1"), ("drop", "link_1__llmtwin_new"),
                                ("create", "link_1")]
    assert collection.names == ["link_1"]


def test_a_new_name_is_built_under_that_name_then_the_old_dropped(errors):
    old = server("by_author", {"author_id": 1})
    new = desired({"keys": [{"author_id": 1}], "name": "author", "sparse": True})[0]
    collection = FakeCollection(["by_author"])
    assert m.replace(collection, old, new, {}) == (None, True)
    assert collection.calls == [("create", "author"), ("drop", "by_author")]


def test_a_server_with_one_index_per_keys_gets_the_old_index_rebuilt_when_the_new_fails(errors):
    old = server("link_1", {"link": 1})
    new = desired({"keys": [{"link": 1}], "unique": True})[0]

    class OneIndexPerKeys(FakeCollection):
        def create_index(self, keys, name, **options):
            if name.endswith("__llmtwin_new"):
                self.calls.append(("create", name))
                raise Refused(85, "Index already exists with a different name")
            if options.get("unique"):
                self.calls.append(("create", name))
                raise Refused(11000, "E11000 duplicate key")
            super().create_index(keys, name, **options)

    collection = OneIndexPerKeys(["link_1"])
    error, changed = m.replace(collection, old, new, {})
    assert (error, changed) == ("E11000 duplicate key; the index link_1 is left in place (rebuilt as it was)", False)
    assert collection.names == ["link_1"]
    assert collection.calls == [("create", "link_1__llmtwin_new"), ("drop", "link_1"), ("create", "link_1"),
                                ("create", "link_1")]


def test_a_failed_replacement_is_one_error_and_changed_only_when_something_was_done(errors):
    old = server("link_1", {"link": 1})
    new = desired({"keys": [{"link": 1}], "unique": True})[0]
    recorder = Recorder()
    recorder.check_mode = False
    collection = FakeCollection(["link_1"], refuse={"link_1__llmtwin_new": Refused(11000, "E11000 duplicate key")})
    with pytest.raises(ModuleError) as info:
        m.apply(recorder, collection, "twin.c", [(old, new, "unique differs")], {})
    assert str(info.value) == "Failed to replace index twin.c.link_1: E11000 duplicate key; the index link_1 is left in place"
    assert recorder.actions == []  # nothing was done: changed stays false


@pytest.mark.parametrize("indexes, text", [
    ([{"keys": [{"": 1}]}], "indexes[0].keys: field names must be non-empty"),
    ([{"keys": [{"a..b": 1}]}], "indexes[0].keys: field names must be non-empty"),
    ([{"keys": [{"ts": 1}], "expire_after_seconds": 10 ** 12}], "indexes[0].expire_after_seconds must be between 0 and 2147483647"),
    ([{"keys": [{"ts": 1}], "expire_after_seconds": -1}], "indexes[0].expire_after_seconds must be between 0"),
])
def test_bad_index_options_name_the_option(indexes, text):
    with pytest.raises(ModuleError) as info:
        desired(*indexes)
    assert text in str(info.value)
