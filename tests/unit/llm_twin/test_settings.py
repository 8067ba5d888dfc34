import pytest

from llm_twin import settings as settings_mod
from llm_twin.settings import Settings, load_settings

NAMES = ["DATABASE_HOST", "DATABASE_NAME", "USE_QDRANT_CLOUD", "QDRANT_DATABASE_HOST", "QDRANT_DATABASE_PORT",
         "QDRANT_CLOUD_URL", "QDRANT_APIKEY", "QDRANT_PATH", "AWS_REGION", "AWS_ACCESS_KEY", "AWS_SECRET_KEY",
         "AWS_ARN_ROLE", "TEXT_EMBEDDING_MODEL_ID"]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)


def test_defaults_match_the_handbook():
    s = Settings()
    assert s.DATABASE_NAME == "twin"
    assert s.QDRANT_DATABASE_PORT == 6333
    assert s.USE_QDRANT_CLOUD is False
    assert s.TEXT_EMBEDDING_MODEL_ID == "sentence-transformers/all-MiniLM-L6-v2"
    assert s.QDRANT_PATH is None


def test_environment_is_read(monkeypatch):
    monkeypatch.setenv("DATABASE_HOST", "mongodb://u:pw@db:27017")
    monkeypatch.setenv("USE_QDRANT_CLOUD", "true")
    monkeypatch.setenv("QDRANT_DATABASE_PORT", "7000")
    monkeypatch.setenv("QDRANT_PATH", "/data/qdrant")
    s = Settings()
    assert s.DATABASE_HOST.get_secret_value() == "mongodb://u:pw@db:27017"
    assert s.USE_QDRANT_CLOUD is True and s.QDRANT_DATABASE_PORT == 7000 and s.QDRANT_PATH == "/data/qdrant"


def test_secrets_do_not_show_in_repr(monkeypatch):
    monkeypatch.setenv("DATABASE_HOST", "mongodb://u:hunter2@db:27017")
    monkeypatch.setenv("QDRANT_APIKEY", "qd-key-123")
    monkeypatch.setenv("AWS_SECRET_KEY", "aws-secret-456")
    text = repr(Settings()) + str(Settings())
    for secret in ("hunter2", "qd-key-123", "aws-secret-456"):
        assert secret not in text


def test_secret_values_leave_unset_values_out():
    values = Settings(QDRANT_APIKEY="k", AWS_REGION="", USE_QDRANT_CLOUD=True).secret_values()
    assert "None" not in values.values()
    assert not {"QDRANT_CLOUD_URL", "QDRANT_PATH", "AWS_REGION", "AWS_ACCESS_KEY", "AWS_SECRET_KEY",
                "AWS_ARN_ROLE"} & set(values)
    assert values["QDRANT_APIKEY"] == "k"
    assert values["USE_QDRANT_CLOUD"] == "true"
    assert values["QDRANT_DATABASE_PORT"] == "6333"
    assert all(isinstance(v, str) for v in values.values())


def test_secret_values_round_trip():
    original = Settings(DATABASE_HOST="mongodb://x", QDRANT_CLOUD_URL="https://q", USE_QDRANT_CLOUD=True)
    assert Settings(**original.secret_values()) == original


def test_zenml_secret_fills_what_the_environment_leaves_unset(monkeypatch):
    monkeypatch.setenv("DATABASE_NAME", "from_env")
    monkeypatch.setattr(settings_mod, "_zenml_secret_values",
                        lambda: {"DATABASE_NAME": "from_secret", "QDRANT_CLOUD_URL": "https://q", "UNKNOWN": "x"})
    s = load_settings()
    assert s.DATABASE_NAME == "from_env"
    assert s.QDRANT_CLOUD_URL == "https://q"


def test_no_zenml_secret_means_environment_only(monkeypatch):
    monkeypatch.setattr(settings_mod, "_zenml_secret_values", lambda: {})
    assert load_settings() == Settings()
    called = []
    monkeypatch.setattr(settings_mod, "_zenml_secret_values", lambda: called.append(1) or {})
    load_settings(use_zenml_secret=False)
    assert not called
