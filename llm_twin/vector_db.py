"""Qdrant: the cleaned_* and embedded_* collections the qdrant role creates.

Collections are never created here: a missing or mis-sized collection means the infrastructure was
not deployed (or not for this model), and the run stops saying so.
"""
from __future__ import annotations

from .documents import CATEGORIES
from .settings import Settings

TIMEOUT_S = 30


class VectorDBError(RuntimeError):
    """Qdrant is missing a collection or refused an operation."""


def cleaned_collection(category: str) -> str:
    return f"cleaned_{category}"


def embedded_collection(category: str) -> str:
    return f"embedded_{category}"


def all_collections() -> list[str]:
    return [name for category in CATEGORIES for name in (cleaned_collection(category), embedded_collection(category))]


def connect(settings: Settings):
    """An embedded client for QDRANT_PATH, else Qdrant Cloud or a server (close it when done)."""
    from qdrant_client import QdrantClient

    if settings.QDRANT_PATH:
        return QdrantClient(path=settings.QDRANT_PATH)
    if settings.USE_QDRANT_CLOUD:
        if not settings.QDRANT_CLOUD_URL:
            raise VectorDBError("USE_QDRANT_CLOUD is true but QDRANT_CLOUD_URL is not set")
        api_key = settings.QDRANT_APIKEY.get_secret_value() if settings.QDRANT_APIKEY else None
        return QdrantClient(url=settings.QDRANT_CLOUD_URL, api_key=api_key, timeout=TIMEOUT_S)
    return QdrantClient(host=settings.QDRANT_DATABASE_HOST, port=settings.QDRANT_DATABASE_PORT, timeout=TIMEOUT_S)


def _vector_name_and_size(info) -> tuple[str | None, int | None]:
    """(vector name or None for the unnamed vector, its size); (None, None) for no vectors."""
    vectors = info.config.params.vectors
    if vectors is None or vectors == {}:
        return None, None
    if isinstance(vectors, dict):
        if len(vectors) != 1:
            raise VectorDBError(f"expected one vector per point, found {', '.join(vectors)}")
        name, params = next(iter(vectors.items()))
        return name, params.size
    return None, vectors.size


def check_collections(client, embedding_size: int) -> dict[str, str | None]:
    """Verify every collection exists (embedded_* with vectors of embedding_size); name -> vector name."""
    missing = [name for name in all_collections() if not client.collection_exists(name)]
    if missing:
        raise VectorDBError(
            f"Qdrant collection(s) {', '.join(missing)} do not exist. The qdrant role creates them "
            "(ansible-playbook site.yml --tags qdrant); the pipelines never create collections.")
    vector_names: dict[str, str | None] = {}
    for category in CATEGORIES:
        name = embedded_collection(category)
        vector_name, size = _vector_name_and_size(client.get_collection(name))
        if size != embedding_size:
            raise VectorDBError(f"Qdrant collection {name} has vectors of size {size}, the embedding model "
                                f"produces {embedding_size}: redeploy it with the qdrant role")
        vector_names[name] = vector_name
    return vector_names


def upsert_cleaned(client, documents: list[dict]) -> dict[str, int]:
    """Write cleaned documents (payload only) to cleaned_<category>; returns points per collection."""
    from qdrant_client import models

    counts: dict[str, int] = {}
    for category in CATEGORIES:
        points = [models.PointStruct(id=d["id"], vector={}, payload={k: v for k, v in d.items() if k != "id"})
                  for d in documents if d["category"] == category]
        if points:
            client.upsert(cleaned_collection(category), points=points, wait=True)
        counts[cleaned_collection(category)] = len(points)
    return counts


def upsert_embedded(client, chunks: list[dict], vector_names: dict[str, str | None]) -> dict[str, int]:
    """Write embedded chunks to embedded_<category> and drop a document's chunks the new run no longer has."""
    from qdrant_client import models

    counts: dict[str, int] = {}
    for category in CATEGORIES:
        name = embedded_collection(category)
        mine = [c for c in chunks if c["category"] == category]
        vector_name = vector_names.get(name)
        points = [models.PointStruct(
            id=c["id"], vector={vector_name: c["embedding"]} if vector_name else c["embedding"],
            payload={k: v for k, v in c.items() if k not in ("id", "embedding")}) for c in mine]
        if points:
            client.upsert(name, points=points, wait=True)
        for document_id in sorted({c["document_id"] for c in mine}):
            keep = [c["id"] for c in mine if c["document_id"] == document_id]
            stale = models.Filter(
                must=[models.FieldCondition(key="document_id", match=models.MatchValue(value=document_id))],
                must_not=[models.HasIdCondition(has_id=keep)])
            client.delete(name, points_selector=models.FilterSelector(filter=stale), wait=True)
        counts[name] = len(points)
    return counts
