import pytest

from llm_twin.preprocessing import CHUNK_PARAMETERS, chunk_document, chunk_id, chunk_text, clean_document, clean_text

TEXT = ("Retrieval needs clean data. Chunks should be small enough to be specific. "
        "They should be large enough to keep context! Overlap helps neighbours share it? "
        "Embedding maps every chunk to a vector.")


def test_clean_text_drops_symbols_and_collapses_whitespace():
    assert clean_text("Hello,   **world**!\n\n🚀 #RAG  (v2)") == "Hello, world ! RAG v2"
    assert clean_text("  ") == ""
    assert clean_text("keep. these, marks! ok?") == "keep. these, marks! ok?"


def test_clean_document_joins_content_and_keeps_identity():
    doc = {"_id": "d1", "author_id": "a1", "link": "https://x", "platform": "medium",
           "content": {"Title": "A **title**", "Content": "Body 👍 text"}}
    cleaned = clean_document(doc, "Ada Lovelace", "articles")
    assert cleaned["content"] == "A title Body text"
    assert cleaned["id"] == cleaned["document_id"] == "d1"
    assert (cleaned["author_id"], cleaned["author_full_name"], cleaned["link"], cleaned["platform"],
            cleaned["category"]) == ("a1", "Ada Lovelace", "https://x", "medium", "articles")
    assert "name" not in cleaned
    repo = dict(doc, name="notes", content={"README.md": "x"})
    assert clean_document(repo, "Ada Lovelace", "repositories")["name"] == "notes"


@pytest.mark.parametrize("size, overlap", [(40, 0), (60, 20), (80, 30), (1000, 100)])
def test_chunks_respect_the_size_and_cover_the_text(size, overlap):
    chunks = chunk_text(TEXT, size, overlap)
    assert all(0 < len(c) <= size for c in chunks)
    words = TEXT.split()
    covered = " ".join(chunks).split()
    assert all(w in covered for w in words)
    if size >= len(TEXT):
        assert chunks == [TEXT]


def test_chunks_break_at_sentences_and_overlap():
    chunks = chunk_text(TEXT, 120, 60)
    assert len(chunks) > 1
    assert all(c.endswith((".", "!", "?")) for c in chunks)
    # the last sentence of a chunk opens the next one when it fits in the overlap
    assert any(a.split(". ")[-1] in b for a, b in zip(chunks, chunks[1:]))


def test_long_words_are_cut():
    chunks = chunk_text("x" * 25, 10, 0)
    assert chunks == ["x" * 10, "x" * 10, "x" * 5]


def test_empty_text_has_no_chunks():
    assert chunk_text("", 100, 10) == []


@pytest.mark.parametrize("size, overlap", [(0, 0), (10, 10), (10, -1)])
def test_bad_chunk_parameters(size, overlap):
    with pytest.raises(ValueError, match="chunk_size"):
        chunk_text(TEXT, size, overlap)


def test_chunk_document_ids_are_deterministic():
    cleaned = {"id": "d1", "document_id": "d1", "content": TEXT * 3, "platform": "linkedin",
               "author_id": "a1", "author_full_name": "Ada Lovelace", "link": "https://x", "category": "posts",
               "metadata": {}}
    first, second = chunk_document(cleaned), chunk_document(dict(cleaned))
    assert [c["id"] for c in first] == [c["id"] for c in second]
    assert len({c["id"] for c in first}) == len(first) > 1
    assert first[0]["id"] == chunk_id("d1", 0) != chunk_id("d2", 0)
    for index, chunk in enumerate(first):
        assert len(chunk["content"]) <= CHUNK_PARAMETERS["posts"]["chunk_size"]
        assert chunk["metadata"]["chunk_index"] == index and chunk["metadata"]["chunk_count"] == len(first)
        assert chunk["document_id"] == "d1" and chunk["author_id"] == "a1" and "embedding" not in chunk
