"""The mongo role and the mongodb_* modules against the local stack's SecantusDB, checked with pymongo.

The role's defaults (database twin, user twin_app) belong to these tests and the role's molecule
scenario; the bad-input cases use throw-away names with a random suffix and clean up after themselves.
"""
from __future__ import annotations

import re
import secrets
import time

import pymongo
import pytest

PLAYBOOK = "playbooks/mongo.yml"
COLLECTIONS = {"users", "articles", "posts", "repositories"}
DOCUMENT_INDEXES = {
    "author_id_1": {"key": {"author_id": 1}},
    "link_1": {"key": {"link": 1}, "unique": True, "partialFilterExpression": {"link": {"$type": "string"}}},
}
EXPECTED_INDEXES = {
    "users": {"first_name_1_last_name_1": {"key": {"first_name": 1, "last_name": 1}}},
    "articles": DOCUMENT_INDEXES, "posts": DOCUMENT_INDEXES, "repositories": DOCUMENT_INDEXES,
}


@pytest.fixture(scope="module")
def admin(stack):
    client = pymongo.MongoClient(stack.mongo_host, stack.mongo_port, username="admin",
                                 password=stack.mongo_admin_password, authSource="admin",
                                 authMechanism="SCRAM-SHA-256", directConnection=True,
                                 serverSelectionTimeoutMS=5000)
    yield client
    client.close()


def reset(admin):
    admin.drop_database("twin")
    if admin.admin.command("usersInfo", "twin_app")["users"]:
        admin.admin.command("dropUser", "twin_app")


def indexes(admin, collection):
    result = {}
    for index in admin.twin[collection].list_indexes():
        if index["name"] == "_id_":
            continue
        spec = {"key": dict(index["key"])}
        for option in ("unique", "sparse", "partialFilterExpression", "expireAfterSeconds"):
            if option in index:
                spec[option] = index[option]
        result[index["name"]] = spec
    return result


def app_password(stack):
    return (stack.dir / "secrets" / "mongo_app_password").read_text().strip()


def test_converge_check_idempotence_and_drift(stack, admin, playbook):
    reset(admin)

    plan = playbook(PLAYBOOK, "--check", "--diff")
    assert plan.failed == 0 and plan.changed > 0, plan
    assert "twin" not in admin.list_database_names(), "check mode created the database"
    assert not admin.admin.command("usersInfo", "twin_app")["users"], "check mode created the user"

    run = playbook(PLAYBOOK)
    assert run.failed == 0 and run.changed > 0, run
    assert set(admin.twin.list_collection_names()) == COLLECTIONS
    for collection, expected in EXPECTED_INDEXES.items():
        assert indexes(admin, collection) == expected, collection
    users_options = admin.twin.command("listCollections", filter={"name": "users"})["cursor"]["firstBatch"][0]["options"]
    assert users_options["validator"]["$jsonSchema"]["required"] == ["first_name", "last_name"]
    assert users_options.get("validationLevel") == "moderate"
    user = admin.admin.command("usersInfo", "twin_app")["users"][0]
    assert [(r["role"], r["db"]) for r in user["roles"]] == [("readWrite", "twin")]
    assert user["mechanisms"] == ["SCRAM-SHA-256"]

    # the application user works on twin only
    app = pymongo.MongoClient(stack.mongo_host, stack.mongo_port, username="twin_app", password=app_password(stack),
                              authSource="admin", directConnection=True, serverSelectionTimeoutMS=5000)
    try:
        app.twin.posts.insert_one({"_id": "probe", "author_id": "a"})
        app.twin.posts.delete_one({"_id": "probe"})
        with pytest.raises(pymongo.errors.OperationFailure):
            app.other_db.things.insert_one({"x": 1})
    finally:
        app.close()

    for args in (("--check",), ()):
        again = playbook(PLAYBOOK, *args)
        assert again.failed == 0 and again.changed == 0, again

    # drift: a dropped index and an edited validator are seen in check mode, then repaired
    admin.twin.articles.drop_index("link_1")
    admin.twin.command("collMod", "users", validator={"$jsonSchema": {"bsonType": "object"}})
    # one mongodb_database task reconciles both: one changed task, two actions
    drift_actions = ('"update collection twin.users: validator"', '"create index twin.articles.link_1"')
    plan = playbook(PLAYBOOK, "--check", "--diff", "-v")
    assert plan.failed == 0 and plan.changed == 1, plan
    assert all(action in plan.stdout for action in drift_actions), plan
    assert "link_1" not in indexes(admin, "articles")
    repair = playbook(PLAYBOOK, "-v")
    assert repair.failed == 0 and repair.changed == 1, repair
    assert all(action in repair.stdout for action in drift_actions), repair
    assert indexes(admin, "articles") == DOCUMENT_INDEXES
    users_options = admin.twin.command("listCollections", filter={"name": "users"})["cursor"]["firstBatch"][0]["options"]
    assert users_options["validator"]["$jsonSchema"]["required"] == ["first_name", "last_name"]


def test_no_secret_in_verbose_output(stack, admin, playbook):
    run = playbook(PLAYBOOK, "-vvv", "--diff")
    assert run.failed == 0, run
    output = run.stdout + run.stderr
    for secret in (stack.mongo_admin_password, app_password(stack)):
        assert secret not in output
    # no URI with the app user's credentials; the summary shows DATABASE_HOST with its password masked
    assert re.findall(r"twin_app:[^@\s]*@", output) in ([], ["twin_app:********@"]), re.findall(r"twin_app:\S*", output)


def test_absent_refuses_data_then_removes_with_force(admin, playbook):
    playbook(PLAYBOOK)
    admin.twin.articles.insert_one({"_id": "keep-me", "link": "https://example.com/a"})
    refused = playbook(PLAYBOOK, extra_vars={"mongo_state": "absent"})
    assert refused.failed == 1 and "holds documents" in refused.stdout, refused
    assert admin.twin.articles.count_documents({}) == 1

    removed = playbook(PLAYBOOK, extra_vars={"mongo_state": "absent", "mongo_force": True})
    assert removed.failed == 0 and removed.changed > 0, removed
    assert "twin" not in admin.list_database_names()
    assert not admin.admin.command("usersInfo", "twin_app")["users"]
    again = playbook(PLAYBOOK, extra_vars={"mongo_state": "absent"})
    assert again.failed == 0 and again.changed == 0, again

    restored = playbook(PLAYBOOK)  # leave the declared state for the molecule scenario and later roles
    assert restored.failed == 0, restored


BAD_INPUT = """
- hosts: deployer
  gather_facts: false
  module_defaults:
    llmtwin.deploy.mongodb_collection: &login
      login_user: admin
      login_password: "{{{{ local_mongo_admin_password }}}}"
      login_port: "{{{{ local_mongo_port | int }}}}"
      connect_timeout: 2
    llmtwin.deploy.mongodb_index: *login
    llmtwin.deploy.mongodb_user: *login
  tasks:
    - name: unknown index direction
      llmtwin.deploy.mongodb_index:
        database: {db}
        collection: c
        indexes: [{{keys: [{{author_id: sideways}}]}}]
      ignore_errors: true
    - name: validator that is not a document
      llmtwin.deploy.mongodb_collection:
        database: {db}
        name: c
        validator: "[1, 2]"
      ignore_errors: true
    - name: role on a missing database
      llmtwin.deploy.mongodb_user:
        name: {db}_user
        password: some-password-{db}
        roles: [{{role: readWrite, db: {db}_missing}}]
      ignore_errors: true
    - name: wrong password
      llmtwin.deploy.mongodb_collection:
        database: {db}
        name: c
        login_password: not-the-password
      ignore_errors: true
    - name: unreachable host
      llmtwin.deploy.mongodb_collection:
        database: {db}
        name: c
        login_port: 1
      ignore_errors: true
"""


def test_bad_input_fails_clearly_and_makes_nothing(admin, playbook, tmp_path):
    db = "mongo_bad_%s" % secrets.token_hex(4)
    book = tmp_path / "bad.yml"
    book.write_text(BAD_INPUT.format(db=db))
    started = time.monotonic()
    run = playbook(book, timeout=120)
    elapsed = time.monotonic() - started
    try:
        output = run.stdout + run.stderr
        assert "Traceback" not in output
        assert run.recap["localhost"]["ignored"] == 5, run
        for message in ("indexes[0].keys.author_id: direction must be one of",
                        "validator must be a document",
                        "roles refer to database(s) that do not exist: %s_missing" % db,
                        "authentication failed for admin",
                        "cannot reach 127.0.0.1:1 within 2s"):
            assert message in output, message
        assert elapsed < 60, elapsed
        assert db not in admin.list_database_names()
        assert not admin.admin.command("usersInfo", "%s_user" % db)["users"]
    finally:
        admin.drop_database(db)


# ------------------------------------------------------------ mongodb_database: one task, the whole database

def database_args(stack, database, user, password):
    """mongodb_database's arguments for the role's default layout, in a database of the test's own."""
    document_indexes = [{"keys": [{"author_id": 1}]},
                        {"keys": [{"link": 1}], "unique": True, "partial_filter_expression": {"link": {"$type": "string"}}}]
    collections = [{"name": "users", "validation_level": "moderate", "validation_action": "error",
                    "validator": {"$jsonSchema": {"bsonType": "object", "required": ["first_name", "last_name"]}},
                    "indexes": [{"keys": [{"first_name": 1}, {"last_name": 1}]}], "purge_indexes": True}]
    collections += [{"name": name, "indexes": document_indexes, "purge_indexes": True}
                    for name in ("articles", "posts", "repositories")]
    return dict(login_host=stack.mongo_host, login_port=stack.mongo_port, login_user="admin",
                login_password=stack.mongo_admin_password, connect_timeout=5, database=database,
                collections=collections,
                users=[{"name": user, "password": password, "roles": [{"role": "readWrite", "db": database}]}])


def handbook_post(link):
    """A PostDocument as the Handbook's NoSQLBaseDocument.to_mongo() stores it (link may be None)."""
    import uuid

    return {"_id": str(uuid.uuid4()), "content": {"Content": "text"}, "platform": "linkedin",
            "author_id": str(uuid.uuid4()), "author_full_name": "Paul Iusztin", "image": None, "link": link}


def test_mongodb_database_plans_converges_repairs_and_stays_put(stack, admin):
    from module_run import run_module

    suffix = secrets.token_hex(4)
    database, user, password = "d11_db_%s" % suffix, "d11_dbu_%s" % suffix, "p@ss/w:rd-" + secrets.token_hex(6)
    args = database_args(stack, database, user, password)
    try:
        plan = run_module("mongodb_database", args, check=True, diff=True)
        assert plan.rc == 0 and plan.result["changed"] is True, plan
        assert "create collection %s.users" % database in plan.result["actions"]
        assert "create index %s.posts.link_1" % database in plan.result["actions"]
        assert "create user admin.%s" % user in plan.result["actions"]
        assert not plan.result.get("warnings"), plan  # the user's role names the database this task creates
        assert database not in admin.list_database_names(), "check mode created the database"
        assert not admin.admin.command("usersInfo", user)["users"], "check mode created the user"

        first = run_module("mongodb_database", args)
        assert first.rc == 0 and first.result["changed"] is True, first
        assert first.result["actions"] == plan.result["actions"]
        assert "diff" not in first.result  # diff only in diff mode
        assert password not in first.output
        assert set(admin[database].list_collection_names()) == COLLECTIONS
        for collection, expected in EXPECTED_INDEXES.items():
            found = {i["name"]: i for i in admin[database][collection].list_indexes() if i["name"] != "_id_"}
            assert {n: {"key": dict(i["key"]), **{k: i[k] for k in ("unique", "partialFilterExpression") if k in i}}
                    for n, i in found.items()} == expected, collection
        returned = first.result["database"]
        assert returned["users"][user]["uri"] == "mongodb://%s@%s:%s/?authSource=admin" % (user, stack.mongo_host, stack.mongo_port)
        assert [i["name"] for i in returned["collections"]["posts"]["indexes"]] == ["_id_", "author_id_1", "link_1"]

        for check in (True, False):
            again = run_module("mongodb_database", args, check=check)
            assert again.rc == 0 and again.result["changed"] is False and again.result["actions"] == [], again
            assert len(again.result["resources"]) == 4 + 7 + 1  # collections, indexes, the user

        # drift: an edited validator, a dropped index, an index whose options changed by hand
        admin[database].command("collMod", "users", validator={"$jsonSchema": {"bsonType": "object"}})
        admin[database].articles.drop_index("author_id_1")
        admin[database].posts.drop_index("link_1")
        admin[database].posts.create_index("link", name="link_1", sparse=True)
        expected_actions = ["update collection %s.users: validator" % database,
                            "create index %s.articles.author_id_1" % database,
                            "update index %s.posts.link_1: rebuilt, unique, sparse, partial_filter_expression differ"
                            % database]
        plan = run_module("mongodb_database", args, check=True, diff=True)
        assert plan.rc == 0 and plan.result["actions"] == expected_actions, plan
        assert plan.result["diff"]["before"]["collections"]["users"]["validator"] == {"$jsonSchema": {"bsonType": "object"}}
        assert "author_id_1" not in admin[database].articles.index_information(), "check mode repaired the drift"
        repair = run_module("mongodb_database", args)
        assert repair.rc == 0 and repair.result["actions"] == expected_actions, repair
        options = admin[database].command("listCollections", filter={"name": "users"})["cursor"]["firstBatch"][0]["options"]
        assert options["validator"]["$jsonSchema"]["required"] == ["first_name", "last_name"]
        link = admin[database].posts.index_information()["link_1"]
        assert link.get("unique") is True and not link.get("sparse") and link["partialFilterExpression"] == {"link": {"$type": "string"}}
        assert "author_id_1" in admin[database].articles.index_information()
        again = run_module("mongodb_database", args)
        assert again.rc == 0 and again.result["changed"] is False, again

        # the application user writes Handbook-shaped posts: any number without a link, a link once
        app = pymongo.MongoClient(stack.mongo_host, stack.mongo_port, username=user, password=password,
                                  authSource="admin", directConnection=True, serverSelectionTimeoutMS=5000)
        try:
            posts = app[database].posts
            for _copy in range(3):
                posts.insert_one(handbook_post(None))
            posts.insert_one(handbook_post("https://www.linkedin.com/posts/1"))
            with pytest.raises(pymongo.errors.DuplicateKeyError):
                posts.insert_one(handbook_post("https://www.linkedin.com/posts/1"))
            assert posts.count_documents({"link": None}) == 3
        finally:
            app.close()

        # absent refuses a database holding documents, and then touches nothing (the user neither)
        refused = run_module("mongodb_database", dict(args, state="absent"))
        assert refused.rc != 0 and "holds documents" in refused.result["msg"] and refused.result["changed"] is False, refused
        assert admin.admin.command("usersInfo", user)["users"] and admin[database].posts.count_documents({}) == 4
        removed = run_module("mongodb_database", dict(args, state="absent", force=True))
        assert removed.rc == 0 and removed.result["changed"] is True, removed
        assert database not in admin.list_database_names() and not admin.admin.command("usersInfo", user)["users"]
        gone = run_module("mongodb_database", dict(args, state="absent"))
        assert gone.rc == 0 and gone.result["changed"] is False, gone
    finally:
        admin.drop_database(database)
        if admin.admin.command("usersInfo", user)["users"]:
            admin.admin.command("dropUser", user)
