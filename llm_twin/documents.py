"""Documents as the data warehouse stores them, and loading them from a local folder.

A source folder holds one sub-folder per category (articles/, posts/, repositories/) of markdown or
text files. A file may start with a front matter block (`---` lines around `key: value` pairs):
`link` (the document's natural key; default `local://<category>/<file name>`), `platform`, `title`
(articles) and `name` (repositories). This replaces the Handbook's crawlers, which need the web.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml

# category -> (MongoDB collection, default platform)
CATEGORIES = {
    "articles": "medium",
    "posts": "linkedin",
    "repositories": "github",
}
SUFFIXES = {".md", ".markdown", ".txt"}


class DocumentError(ValueError):
    """A source folder or file that cannot be loaded."""


@dataclass
class SourceDocument:
    category: str
    link: str
    platform: str
    content: dict[str, str]
    name: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def to_mongo(self, author_id: str, document_id: str | None = None) -> dict:
        doc = {
            "_id": document_id or str(uuid.uuid4()),
            "author_id": author_id,
            "link": self.link,
            "platform": self.platform,
            "content": self.content,
        }
        if self.name:
            doc["name"] = self.name
        return doc


def split_front_matter(text: str) -> tuple[dict, str]:
    """(front matter, body); a file without a front matter block has an empty one."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, text.strip()
    for end, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            try:
                meta = yaml.safe_load("\n".join(lines[1:end])) or {}
            except yaml.YAMLError as exc:
                raise DocumentError(f"invalid front matter: {exc}") from exc
            if not isinstance(meta, dict):
                raise DocumentError("front matter must be key: value pairs")
            return meta, "\n".join(lines[end + 1:]).strip()
    raise DocumentError("front matter opened with '---' but never closed")


def load_file(path: Path, category: str) -> SourceDocument:
    if category not in CATEGORIES:
        raise DocumentError(f"unknown category {category!r} (expected one of {', '.join(CATEGORIES)})")
    try:
        meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    except DocumentError as exc:
        raise DocumentError(f"{path}: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DocumentError(f"cannot read {path}: {exc}") from exc
    if not body:
        raise DocumentError(f"{path}: the document has no text")
    link = str(meta.get("link") or f"local://{category}/{path.name}")
    platform = str(meta.get("platform") or CATEGORIES[category])
    name = None
    # content keys follow the Handbook's crawlers
    if category == "articles":
        content = {"Title": str(meta.get("title") or path.stem), "Content": body}
    elif category == "posts":
        content = {"Content": body}
    else:
        name = str(meta.get("name") or path.stem)
        content = {"README.md": body}
    return SourceDocument(category=category, link=link, platform=platform, content=content, name=name)


def load_folder(folder: str | Path) -> list[SourceDocument]:
    """Every document under folder/<category>/, sorted by category and file name."""
    root = Path(folder)
    if not root.is_dir():
        raise DocumentError(f"source folder {root} does not exist")
    documents = []
    for category in CATEGORIES:
        sub = root / category
        if not sub.is_dir():
            continue
        for path in sorted(sub.iterdir()):
            if path.is_file() and path.suffix.lower() in SUFFIXES:
                documents.append(load_file(path, category))
    if not documents:
        raise DocumentError(f"no documents under {root} (expected {', '.join(c + '/' for c in CATEGORIES)}"
                            f" with {', '.join(sorted(SUFFIXES))} files)")
    links = [d.link for d in documents]
    duplicates = sorted({link for link in links if links.count(link) > 1})
    if duplicates:
        raise DocumentError(f"several files under {root} share a link: {', '.join(duplicates)}")
    return documents
