"""The MongoDB data warehouse: users and their articles, posts and repositories."""
from __future__ import annotations

import uuid

from .documents import CATEGORIES, SourceDocument
from .settings import Settings

TIMEOUT_MS = 10_000


class WarehouseError(RuntimeError):
    """The data warehouse cannot be reached or refused an operation."""


def connect(settings: Settings):
    """A MongoClient for DATABASE_HOST (close it when done: its threads delay interpreter exit)."""
    import pymongo

    return pymongo.MongoClient(settings.DATABASE_HOST.get_secret_value(), serverSelectionTimeoutMS=TIMEOUT_MS,
                               connectTimeoutMS=TIMEOUT_MS, socketTimeoutMS=60_000, appname="llm-twin")


def split_full_name(full_name: str) -> tuple[str, str]:
    """'Ada King Lovelace' -> ('Ada King', 'Lovelace'); a single name is both first and last (Handbook)."""
    tokens = full_name.split()
    if not tokens:
        raise ValueError("the user's full name is empty")
    if len(tokens) == 1:
        return tokens[0], tokens[0]
    return " ".join(tokens[:-1]), tokens[-1]


def find_user(db, full_name: str) -> dict | None:
    first_name, last_name = split_full_name(full_name)
    return db.users.find_one({"first_name": first_name, "last_name": last_name})


def get_or_create_user(db, full_name: str) -> tuple[dict, bool]:
    """(user, created)."""
    user = find_user(db, full_name)
    if user is not None:
        return user, False
    first_name, last_name = split_full_name(full_name)
    user = {"_id": str(uuid.uuid4()), "first_name": first_name, "last_name": last_name}
    db.users.insert_one(user)
    return user, True


def save_document(db, source: SourceDocument, author_id: str) -> str:
    """Insert or update one document, keyed by its link: 'created', 'updated' or 'unchanged'."""
    collection = db[source.category]
    existing = collection.find_one({"link": source.link})
    if existing is None:
        collection.insert_one(source.to_mongo(author_id))
        return "created"
    wanted = source.to_mongo(author_id, document_id=existing["_id"])
    if all(existing.get(k) == v for k, v in wanted.items()):
        return "unchanged"
    collection.replace_one({"_id": existing["_id"]}, wanted)
    return "updated"


def documents_by_author(db, author_id: str) -> dict[str, list[dict]]:
    return {category: list(db[category].find({"author_id": author_id}).sort("link", 1))
            for category in CATEGORIES}
