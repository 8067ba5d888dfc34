"""Cleaning and chunking: pure functions, no model and no database."""
from __future__ import annotations

import re
import uuid

# chunking parameters per category (characters), close to the Handbook's
CHUNK_PARAMETERS = {
    "posts": {"chunk_size": 250, "chunk_overlap": 25},
    "articles": {"chunk_size": 1000, "chunk_overlap": 100},
    "repositories": {"chunk_size": 1500, "chunk_overlap": 100},
}
# a fixed namespace so the same document chunk always gets the same point id
POINT_NAMESPACE = uuid.UUID("5b0c3f6e-8f4e-4a43-9d0b-2a1d6f0c9e21")

_NOT_TEXT = re.compile(r"[^\w\s.,!?]")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def clean_text(text: str) -> str:
    """Keep words, whitespace and basic punctuation; collapse whitespace (the Handbook's clean_text)."""
    return _SPACES.sub(" ", _NOT_TEXT.sub(" ", text)).strip()


def clean_document(document: dict, author_full_name: str, category: str) -> dict:
    """A raw warehouse document -> the payload of a cleaned_<category> point."""
    cleaned = {
        "id": document["_id"],
        "content": clean_text(" #### ".join(str(v) for v in document["content"].values())),
        "platform": document["platform"],
        "document_id": document["_id"],
        "author_id": document["author_id"],
        "author_full_name": author_full_name,
        "link": document["link"],
        "category": category,
        "metadata": {},
    }
    if document.get("name"):
        cleaned["name"] = document["name"]
    return cleaned


def chunk_text(text: str, chunk_size: int, chunk_overlap: int) -> list[str]:
    """Split text into chunks of at most chunk_size characters, breaking at sentence ends, then spaces.

    Consecutive chunks share up to chunk_overlap characters of whole sentences/words for context.
    """
    if chunk_size <= 0 or not 0 <= chunk_overlap < chunk_size:
        raise ValueError(f"need chunk_size > 0 and 0 <= chunk_overlap < chunk_size, "
                         f"got {chunk_size} and {chunk_overlap}")
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        if len(sentence) <= chunk_size:
            pieces.append(sentence)
            continue
        # a sentence longer than a chunk: fall back to words, then to hard cuts
        for word in sentence.split():
            pieces.extend(word[i:i + chunk_size] for i in range(0, len(word), chunk_size))
    chunks: list[str] = []
    current: list[str] = []
    for piece in (p for p in pieces if p):
        if current and len(" ".join(current + [piece])) > chunk_size:
            chunks.append(" ".join(current))
            overlap: list[str] = []
            for prev in reversed(current):
                candidate = [prev] + overlap
                if len(" ".join(candidate)) > chunk_overlap or len(" ".join(candidate + [piece])) > chunk_size:
                    break
                overlap = candidate
            current = overlap
        current.append(piece)
    if current:
        chunks.append(" ".join(current))
    return chunks


def chunk_id(document_id: str, index: int) -> str:
    return str(uuid.uuid5(POINT_NAMESPACE, f"{document_id}/{index}"))


def chunk_document(cleaned: dict) -> list[dict]:
    """A cleaned document -> its chunks, each with a deterministic id (a re-run upserts, not duplicates)."""
    params = CHUNK_PARAMETERS[cleaned["category"]]
    texts = chunk_text(cleaned["content"], **params)
    chunks = []
    for index, text in enumerate(texts):
        chunk = {k: v for k, v in cleaned.items() if k not in ("id", "content", "metadata")}
        chunk.update(id=chunk_id(cleaned["document_id"], index), content=text,
                     metadata={**params, "chunk_index": index, "chunk_count": len(texts)})
        chunks.append(chunk)
    return chunks
