"""Steps of feature_engineering: warehouse documents -> cleaned and embedded points in Qdrant."""
from __future__ import annotations

from typing import Annotated

from zenml import step

from llm_twin import embeddings, preprocessing, vector_db, warehouse
from llm_twin.settings import load_settings


@step(enable_cache=False)
def check_vector_db() -> Annotated[dict, "vector_names"]:
    """Fail early, before any embedding work, when the qdrant role has not created the collections."""
    client = vector_db.connect(load_settings())
    try:
        return vector_db.check_collections(client, embeddings.EMBEDDING_SIZE)
    finally:
        client.close()


@step(enable_cache=False)
def query_data_warehouse(author_full_names: list[str]) -> Annotated[list, "raw_documents"]:
    """Every article, post and repository of the named authors, each tagged with category and author."""
    settings = load_settings()
    client = warehouse.connect(settings)
    found = []
    try:
        db = client[settings.DATABASE_NAME]
        for full_name in author_full_names:
            user = warehouse.find_user(db, full_name)
            if user is None:
                raise ValueError(f"no user {full_name!r} in the data warehouse: run digital_data_etl first")
            for category, docs in warehouse.documents_by_author(db, user["_id"]).items():
                for doc in docs:
                    found.append({"category": category, "author_full_name": full_name, "document": doc})
    finally:
        client.close()
    print(f"{len(found)} documents of {', '.join(author_full_names)} in the data warehouse")
    return found


@step
def clean_documents(raw_documents: list) -> Annotated[list, "cleaned_documents"]:
    return [preprocessing.clean_document(item["document"], item["author_full_name"], item["category"])
            for item in raw_documents]


@step
def chunk_and_embed(cleaned_documents: list) -> Annotated[list, "embedded_chunks"]:
    chunks = [chunk for doc in cleaned_documents for chunk in preprocessing.chunk_document(doc)]
    if not chunks:
        return []
    model_id = load_settings().TEXT_EMBEDDING_MODEL_ID
    vectors, model_metadata = embeddings.embed([c["content"] for c in chunks], model_id)
    for chunk, vector in zip(chunks, vectors):
        chunk["embedding"] = vector
        chunk["metadata"] = {**chunk["metadata"], **model_metadata}
    return chunks


@step(enable_cache=False)
def load_to_vector_db(documents: list, vector_names: dict) -> Annotated[dict, "points_written"]:
    """Upsert cleaned documents (no "embedding" key) or embedded chunks into their collections."""
    client = vector_db.connect(load_settings())
    try:
        if documents and "embedding" in documents[0]:
            counts = vector_db.upsert_embedded(client, documents, vector_names)
        else:
            counts = vector_db.upsert_cleaned(client, documents)
    finally:
        client.close()
    print("points written: " + ", ".join(f"{name} {n}" for name, n in counts.items()))
    return counts
