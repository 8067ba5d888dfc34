"""mongodb_index against the local stack's SecantusDB: a replacement that cannot be built leaves the
working index in place, and option drift under the same keys is seen in check mode and repaired.

Each test works in a database of its own (d11_idx_<random>) and drops it afterwards.
"""
from __future__ import annotations

import secrets

import pymongo
import pytest

from module_run import run_module


@pytest.fixture()
def mongo(stack):
    client = pymongo.MongoClient(stack.mongo_host, stack.mongo_port, username="admin",
                                 password=stack.mongo_admin_password, authSource="admin",
                                 authMechanism="SCRAM-SHA-256", directConnection=True, serverSelectionTimeoutMS=5000)
    database = "d11_idx_%s" % secrets.token_hex(4)
    yield client, database
    client.drop_database(database)
    client.close()


def login(stack):
    return dict(login_host=stack.mongo_host, login_port=stack.mongo_port, login_user="admin",
                login_password=stack.mongo_admin_password, connect_timeout=5)


def server_indexes(client, database, collection):
    """{name: {key, and the options that are set}} as the server lists them, without _id_."""
    result = {}
    for index in client[database][collection].list_indexes():
        if index["name"] != "_id_":
            result[index["name"]] = dict((k, v) for k, v in index.items() if k not in ("v", "ns", "name"))
            result[index["name"]]["key"] = dict(index["key"])
    return result


def test_a_replacement_that_cannot_be_built_keeps_the_working_index(stack, mongo):
    client, database = mongo
    articles = client[database].articles
    articles.insert_many([{"_id": "a", "link": "https://example.com/1"}, {"_id": "b", "link": "https://example.com/1"}])
    args = dict(login(stack), database=database, collection="articles")
    plain_index = [{"keys": [{"link": 1}]}]
    unique_index = [{"keys": [{"link": 1}], "unique": True}]

    created = run_module("mongodb_index", dict(args, indexes=plain_index))
    assert created.rc == 0 and created.result["changed"] is True, created
    assert server_indexes(client, database, "articles") == {"link_1": {"key": {"link": 1}}}

    plan = run_module("mongodb_index", dict(args, indexes=unique_index), check=True)
    assert plan.rc == 0 and plan.result["actions"] == [
        "update index %s.articles.link_1: rebuilt, unique differs" % database], plan

    # the duplicate links make the unique build fail: twice, and the plain index serves all along
    for _attempt in range(2):
        refused = run_module("mongodb_index", dict(args, indexes=unique_index))
        assert refused.rc != 0 and refused.result.get("failed") is True, refused
        assert server_indexes(client, database, "articles") == {"link_1": {"key": {"link": 1}}}
        assert "Traceback" not in refused.output
        message = refused.result["msg"]
        assert "E11000" in message and "link_1" in message, message
        assert "left in place" in message, message
        assert refused.result["changed"] is False, refused

    articles.delete_one({"_id": "b"})
    repaired = run_module("mongodb_index", dict(args, indexes=unique_index))
    assert repaired.rc == 0 and repaired.result["changed"] is True, repaired
    assert server_indexes(client, database, "articles") == {"link_1": {"key": {"link": 1}, "unique": True}}
    for check in (True, False):
        again = run_module("mongodb_index", dict(args, indexes=unique_index), check=check)
        assert again.rc == 0 and again.result["changed"] is False, again
    with pytest.raises(pymongo.errors.DuplicateKeyError):
        articles.insert_one({"_id": "c", "link": "https://example.com/1"})


def test_a_new_name_for_the_same_keys_is_built_before_the_old_index_goes(stack, mongo):
    client, database = mongo
    client[database].posts.insert_many([{"_id": "a", "author_id": "x"}, {"_id": "b", "author_id": "x"}])
    args = dict(login(stack), database=database, collection="posts")
    assert run_module("mongodb_index", dict(args, indexes=[{"keys": [{"author_id": 1}], "name": "by_author"}])).rc == 0
    # a unique index under the new name cannot be built: the old one stays
    unique = [{"keys": [{"author_id": 1}], "name": "author", "unique": True}]
    refused = run_module("mongodb_index", dict(args, indexes=unique))
    assert refused.rc != 0, refused
    assert server_indexes(client, database, "posts") == {"by_author": {"key": {"author_id": 1}}}
    assert "left in place" in refused.result["msg"] and refused.result["changed"] is False, refused
    renamed = run_module("mongodb_index", dict(args, indexes=[{"keys": [{"author_id": 1}], "name": "author"}]))
    assert renamed.rc == 0 and renamed.result["changed"] is True, renamed
    assert server_indexes(client, database, "posts") == {"author": {"key": {"author_id": 1}}}


OPTION_DRIFT = [
    # (what the task declares, what the index is changed to by hand, what the plan must name)
    ({"keys": [{"link": 1}], "sparse": True},
     dict(sparse=False), "sparse"),
    ({"keys": [{"link": 1}], "unique": True, "partial_filter_expression": {"link": {"$type": "string"}}},
     dict(unique=True, partialFilterExpression={"link": {"$exists": True}}), "partial_filter_expression"),
    ({"keys": [{"created_at": 1}], "expire_after_seconds": 3600},
     dict(expireAfterSeconds=60), "expire_after_seconds"),
]


@pytest.mark.parametrize("declared, drifted, option", OPTION_DRIFT, ids=["sparse", "partial_filter", "ttl"])
def test_option_drift_under_the_same_keys_is_planned_and_repaired(stack, mongo, declared, drifted, option):
    client, database = mongo
    args = dict(login(stack), database=database, collection="docs", indexes=[declared])
    first = run_module("mongodb_index", args)
    assert first.rc == 0 and first.result["changed"] is True, first
    wanted = server_indexes(client, database, "docs")
    assert len(wanted) == 1
    name, spec = next(iter(wanted.items()))

    # drift: the same name and keys, another option, made by hand
    client[database].docs.drop_index(name)
    client[database].docs.create_index(list(spec["key"].items()), name=name, **drifted)
    drifted_state = server_indexes(client, database, "docs")
    assert drifted_state != wanted

    plan = run_module("mongodb_index", args, check=True, diff=True)
    assert plan.rc == 0 and plan.result["changed"] is True, plan
    assert plan.result["actions"] == ["update index %s.docs.%s: rebuilt, %s differs" % (database, name, option)], plan
    assert server_indexes(client, database, "docs") == drifted_state, "check mode touched the index"

    repair = run_module("mongodb_index", args)
    assert repair.rc == 0 and repair.result["changed"] is True, repair
    assert server_indexes(client, database, "docs") == wanted
    for check in (True, False):
        again = run_module("mongodb_index", args, check=check)
        assert again.rc == 0 and again.result["changed"] is False, again
