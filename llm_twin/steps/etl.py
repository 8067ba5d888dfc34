"""Steps of digital_data_etl: the author's documents from local files into the MongoDB warehouse."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

from zenml import get_step_context, step

from llm_twin import documents, warehouse
from llm_twin.settings import load_settings


def _record(**metadata) -> None:
    try:
        get_step_context().add_output_metadata(metadata)  # shown in the dashboard; not essential
    except (RuntimeError, KeyError, ValueError):
        pass


# touching external state: never served from the cache
@step(enable_cache=False)
def get_or_create_user(user_full_name: str) -> Annotated[dict, "user"]:
    settings = load_settings()
    client = warehouse.connect(settings)
    try:
        user, created = warehouse.get_or_create_user(client[settings.DATABASE_NAME], user_full_name)
    finally:
        client.close()
    _record(created=created)
    print(f"user {user['first_name']} {user['last_name']}: {'created' if created else 'exists'} (id {user['_id']})")
    return {"id": user["_id"], "first_name": user["first_name"], "last_name": user["last_name"]}


@step(enable_cache=False)
def ingest_documents(user: dict, source_dir: str) -> Annotated[dict, "ingested"]:
    """Load every document under source_dir and save it for the user, keyed by link (re-runs are no-ops)."""
    folder = Path(source_dir)
    if not folder.is_absolute():
        # relative folders are relative to the application root (the image's /app), not the cwd
        folder = Path(__file__).resolve().parents[2] / folder
    sources = documents.load_folder(folder)
    settings = load_settings()
    client = warehouse.connect(settings)
    outcome = {"created": 0, "updated": 0, "unchanged": 0}
    try:
        db = client[settings.DATABASE_NAME]
        for source in sources:
            outcome[warehouse.save_document(db, source, user["id"])] += 1
    finally:
        client.close()
    _record(**outcome)
    print(f"documents from {folder}: " + ", ".join(f"{n} {k}" for k, n in outcome.items()))
    return {"author_id": user["id"], "source_dir": str(folder), **outcome}
