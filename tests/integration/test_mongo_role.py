"""The mongo role and the mongodb_* modules against the local stack's SecantusDB, checked with pymongo.

The role's defaults (database twin, user twin_app) belong to these tests and the role's molecule
scenario; the bad-input cases use throw-away names with a random suffix and clean up after themselves.
"""
from __future__ import annotations

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
    plan = playbook(PLAYBOOK, "--check", "--diff")
    assert plan.failed == 0 and plan.changed == 2, plan
    assert "link_1" not in indexes(admin, "articles")
    repair = playbook(PLAYBOOK)
    assert repair.failed == 0 and repair.changed == 2, repair
    assert indexes(admin, "articles") == DOCUMENT_INDEXES
    users_options = admin.twin.command("listCollections", filter={"name": "users"})["cursor"]["firstBatch"][0]["options"]
    assert users_options["validator"]["$jsonSchema"]["required"] == ["first_name", "last_name"]


def test_no_secret_in_verbose_output(stack, admin, playbook):
    run = playbook(PLAYBOOK, "-vvv", "--diff")
    assert run.failed == 0, run
    output = run.stdout + run.stderr
    for secret in (stack.mongo_admin_password, app_password(stack)):
        assert secret not in output
    assert "twin_app:" not in output  # no URI with the app user's credentials


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
