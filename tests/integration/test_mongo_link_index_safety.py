"""The mongo role's unique link index against documents shaped exactly as the LLM Engineer's Handbook
writes them (llm_engineering/domain/documents.py and base/nosql.py, NoSQLBaseDocument.to_mongo):
`_id` a UUID string, `content` a dict, `platform`, `author_id` (UUID string), `author_full_name`, and
for posts `image` and `link` that may be None (PostDocument.link: str | None = None).

The role runs into a database and application user of this test's own (d11_twin_<random>).
"""
from __future__ import annotations

import secrets
import uuid

import pymongo
import pytest

PLAYBOOK = "playbooks/mongo.yml"
AUTHOR_ID = str(uuid.uuid4())
OLD_LINK_INDEX = {"keys": [{"link": 1}], "unique": True, "partial_filter_expression": {"link": {"$exists": True}}}


def handbook_document(kind, link, **extra):
    """What NoSQLBaseDocument.to_mongo() returns for a PostDocument / ArticleDocument / RepositoryDocument."""
    document = {"content": {"Title": "A title", "Content": "Some text"} if kind == "article" else {"Content": "text"},
                "platform": {"post": "linkedin", "article": "medium", "repository": "github"}[kind],
                "author_id": AUTHOR_ID, "author_full_name": "Paul Iusztin"}
    if kind == "post":
        document["image"] = extra.pop("image", None)
    if kind == "repository":
        document["name"] = extra.pop("name", "repo")
    document["link"] = link
    document["_id"] = str(uuid.uuid4())
    return document


@pytest.fixture()
def deployment(stack):
    admin = pymongo.MongoClient(stack.mongo_host, stack.mongo_port, username="admin",
                                password=stack.mongo_admin_password, authSource="admin",
                                authMechanism="SCRAM-SHA-256", directConnection=True, serverSelectionTimeoutMS=5000)
    suffix = secrets.token_hex(4)
    names = dict(mongo_database_name="d11_twin_%s" % suffix, mongo_app_user="d11_app_%s" % suffix,
                 mongo_app_password=secrets.token_urlsafe(24))
    yield admin, names
    admin.drop_database(names["mongo_database_name"])
    if admin.admin.command("usersInfo", names["mongo_app_user"])["users"]:
        admin.admin.command("dropUser", names["mongo_app_user"])
    admin.close()


def app_client(stack, names):
    return pymongo.MongoClient(stack.mongo_host, stack.mongo_port, username=names["mongo_app_user"],
                               password=names["mongo_app_password"], authSource="admin", directConnection=True,
                               serverSelectionTimeoutMS=5000)


def test_the_handbooks_null_link_posts_fit_the_deployed_index_and_duplicate_links_do_not(stack, playbook, deployment):
    admin, names = deployment
    database = names["mongo_database_name"]
    old_indexes = [{"collection": c, "indexes": [{"keys": [{"author_id": 1}]}, OLD_LINK_INDEX]}
                   for c in ("articles", "posts", "repositories")]

    # the earlier deployment: {link: {$exists: true}} indexes null, so a second null-link post is refused
    run = playbook(PLAYBOOK, extra_vars=dict(names, mongo_indexes=old_indexes))
    assert run.rc == 0 and run.failed == 0, run
    app = app_client(stack, names)
    try:
        posts = app[database].posts
        posts.insert_one(handbook_document("post", None))
        with pytest.raises(pymongo.errors.DuplicateKeyError):
            posts.insert_one(handbook_document("post", None))

        # the role's defaults replace the index in place (the null-link post already stored stays)
        plan = playbook(PLAYBOOK, "--check", extra_vars=names)
        assert plan.rc == 0 and plan.changed == 1, plan
        run = playbook(PLAYBOOK, extra_vars=names)
        assert run.rc == 0 and run.changed == 1, run
        for collection in ("articles", "posts", "repositories"):
            link_index = [i for i in admin[database][collection].list_indexes() if i["name"] == "link_1"]
            assert len(link_index) == 1 and link_index[0]["unique"] is True, collection
            assert link_index[0]["partialFilterExpression"] == {"link": {"$type": "string"}}, collection
        again = playbook(PLAYBOOK, extra_vars=names)
        assert again.rc == 0 and again.changed == 0, again

        # posts without a link, as the Handbook saves them, any number of times
        for _copy in range(2):
            posts.insert_one(handbook_document("post", None))
        posts.insert_one(handbook_document("post", None, image="https://example.com/i.png"))
        assert posts.count_documents({"link": None}) == 4
        # a real link is unique, in posts, articles and repositories alike
        link = "https://medium.com/@paul/some-article-%s" % secrets.token_hex(3)
        for collection, kind in (("posts", "post"), ("articles", "article"), ("repositories", "repository")):
            app[database][collection].insert_one(handbook_document(kind, link))
            with pytest.raises(pymongo.errors.DuplicateKeyError):
                app[database][collection].insert_one(handbook_document(kind, link))
            assert app[database][collection].count_documents({"link": link}) == 1
    finally:
        app.close()
