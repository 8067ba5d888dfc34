"""What a pipeline run changed, told honestly: a digest of the data it writes, taken before and after.

`run --report-changes` prints one `llm_twin result: {...}` line with `changed` true only when the
digest moved, so a deployment that re-runs an idempotent pipeline can report changed=0. Reading every
document and point is fine for the sample data of an end-to-end check; it is opt-in for that reason.
"""
from __future__ import annotations

import hashlib
import json

from . import vector_db, warehouse
from .documents import CATEGORIES
from .settings import Settings

WAREHOUSE_COLLECTIONS = ("users", *CATEGORIES)
VECTOR_DECIMALS = 6  # embeddings are recomputed on each run; compare them at float32-stable precision


def _digest(items) -> str:
    hasher = hashlib.sha256()
    for item in items:
        hasher.update(json.dumps(item, sort_keys=True, default=str).encode())
        hasher.update(b"\n")
    return hasher.hexdigest()


def warehouse_digest(settings: Settings) -> str:
    client = warehouse.connect(settings)
    try:
        db = client[settings.DATABASE_NAME]
        return _digest((name, doc) for name in WAREHOUSE_COLLECTIONS for doc in db[name].find().sort("_id", 1))
    finally:
        client.close()


def _points(client, name: str):
    offset = None
    while True:
        points, offset = client.scroll(name, limit=256, offset=offset, with_payload=True, with_vectors=True)
        for point in points:
            vector = point.vector
            if isinstance(vector, dict):
                vector = {k: [round(x, VECTOR_DECIMALS) for x in v] for k, v in sorted(vector.items())}
            elif vector is not None:
                vector = [round(x, VECTOR_DECIMALS) for x in vector]
            yield str(point.id), point.payload, vector
        if offset is None:
            return


def vector_digest(settings: Settings) -> str:
    client = vector_db.connect(settings)
    try:
        existing = [name for name in vector_db.all_collections() if client.collection_exists(name)]
        return _digest((name, *point) for name in existing
                       for point in sorted(_points(client, name), key=lambda p: p[0]))
    finally:
        client.close()


# which data each pipeline writes
DIGESTS = {"digital_data_etl": warehouse_digest, "feature_engineering": vector_digest}
