from pathlib import Path

import pytest

from llm_twin.documents import DocumentError, load_file, load_folder, split_front_matter
from llm_twin.warehouse import split_full_name

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_sample_loads():
    docs = load_folder(SAMPLE)
    assert sorted({d.category for d in docs}) == ["articles", "posts", "repositories"]
    assert len(docs) == 5
    assert len({d.link for d in docs}) == 5
    for doc in docs:
        assert doc.link.startswith("https://") and doc.platform in ("medium", "linkedin", "github")
        assert all(isinstance(v, str) and v for v in doc.content.values())
    assert sum(len(p.read_bytes()) for p in SAMPLE.rglob("*") if p.is_file()) < 20_000


def test_front_matter_is_optional():
    assert split_front_matter("just text\n") == ({}, "just text")
    assert split_front_matter("---\nlink: https://x\n---\nbody\n") == ({"link": "https://x"}, "body")


@pytest.mark.parametrize("text, message", [
    ("---\nlink: x\nbody", "never closed"),
    ("---\n- a\n---\nbody", "key: value"),
    ("---\nlink: [x\n---\nbody", "invalid front matter"),
])
def test_bad_front_matter(tmp_path, text, message):
    with pytest.raises(DocumentError, match=message):
        load_file(write(tmp_path / "a.md", text), "posts")


def test_defaults_per_category(tmp_path):
    article = load_file(write(tmp_path / "articles" / "my-post.md", "Hello"), "articles")
    assert (article.link, article.platform, article.content) == (
        "local://articles/my-post.md", "medium", {"Title": "my-post", "Content": "Hello"})
    repo = load_file(write(tmp_path / "repositories" / "tool.md", "---\nlink: https://g\n---\n# Tool"), "repositories")
    assert (repo.name, repo.platform, repo.content) == ("tool", "github", {"README.md": "# Tool"})
    mongo = repo.to_mongo("author-1")
    assert mongo["author_id"] == "author-1" and mongo["name"] == "tool" and len(mongo["_id"]) == 36
    assert repo.to_mongo("author-1", document_id="keep")["_id"] == "keep"


def test_empty_document_is_refused(tmp_path):
    with pytest.raises(DocumentError, match="no text"):
        load_file(write(tmp_path / "a.md", "---\nlink: x\n---\n\n"), "posts")


def test_folder_errors(tmp_path):
    with pytest.raises(DocumentError, match="does not exist"):
        load_folder(tmp_path / "missing")
    write(tmp_path / "notes" / "a.md", "ignored: not a category")
    write(tmp_path / "posts" / "image.png", "ignored: not text")
    with pytest.raises(DocumentError, match="no documents"):
        load_folder(tmp_path)
    write(tmp_path / "posts" / "a.md", "---\nlink: https://same\n---\none")
    write(tmp_path / "posts" / "b.md", "---\nlink: https://same\n---\ntwo")
    with pytest.raises(DocumentError, match="share a link: https://same"):
        load_folder(tmp_path)


@pytest.mark.parametrize("name, expected", [
    ("Ada Lovelace", ("Ada", "Lovelace")),
    ("Ada King Lovelace", ("Ada King", "Lovelace")),
    ("Plato", ("Plato", "Plato")),
])
def test_split_full_name(name, expected):
    assert split_full_name(name) == expected


def test_empty_full_name():
    with pytest.raises(ValueError, match="empty"):
        split_full_name("  ")
