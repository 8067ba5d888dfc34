"""Application settings: the environment first, then the ZenML secret `settings`.

The names match the LLM Engineer's Handbook so an existing `.env` or ZenML secret keeps working.
QDRANT_PATH is our addition: an embedded Qdrant folder used instead of a server when set.
"""
from __future__ import annotations

import logging
import os
from typing import Any

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger(__name__)

SECRET_NAME = "settings"
EMBEDDING_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"


class Settings(BaseSettings):
    # no env_file: the image must never depend on (or carry) a .env
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=True)

    # MongoDB: DATABASE_HOST is a connection URI and may embed the password, hence SecretStr
    DATABASE_HOST: SecretStr = SecretStr("mongodb://127.0.0.1:27017")
    DATABASE_NAME: str = "twin"

    USE_QDRANT_CLOUD: bool = False
    QDRANT_DATABASE_HOST: str = "localhost"
    QDRANT_DATABASE_PORT: int = 6333
    QDRANT_CLOUD_URL: str | None = None
    QDRANT_APIKEY: SecretStr | None = None
    QDRANT_PATH: str | None = None

    AWS_REGION: str | None = None
    AWS_ACCESS_KEY: SecretStr | None = None
    AWS_SECRET_KEY: SecretStr | None = None
    AWS_ARN_ROLE: str | None = None

    TEXT_EMBEDDING_MODEL_ID: str = EMBEDDING_MODEL_ID

    def secret_values(self) -> dict[str, str]:
        """The values as the ZenML secret stores them: strings, with unset values left out."""
        values: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            if value is None or value == "":
                continue
            values[name] = str(value).lower() if isinstance(value, bool) else str(value)
        return values


def _zenml_secret_values() -> dict[str, Any]:
    """Values of the ZenML secret `settings`, or {} when there is no store, no secret or no ZenML."""
    try:
        from zenml.client import Client
    except ImportError:
        return {}
    try:
        secret = Client().get_secret(SECRET_NAME)
    except KeyError:
        log.info("no ZenML secret %r: settings come from the environment", SECRET_NAME)
        return {}
    except (RuntimeError, OSError, ValueError) as exc:  # no reachable store: the environment must do
        log.warning("cannot read the ZenML secret %r (%s): settings come from the environment",
                    SECRET_NAME, type(exc).__name__)
        return {}
    return dict(secret.secret_values)


def load_settings(use_zenml_secret: bool = True) -> Settings:
    """Settings from the environment; names the environment leaves unset come from the ZenML secret."""
    from_secret = _zenml_secret_values() if use_zenml_secret else {}
    known = set(Settings.model_fields)
    fallback = {k: v for k, v in from_secret.items() if k in known and k not in os.environ}
    return Settings(**fallback)
