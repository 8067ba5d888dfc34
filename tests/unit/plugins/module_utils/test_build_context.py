"""module_utils/_build_context.py: .dockerignore semantics the way Docker reads them, the context entries,
the content hash and its cache, the context stream. Pure: no daemon."""
import io
import os
import tarfile
from unittest import mock

import pytest

from ansible_collections.llmtwin.deploy.plugins.module_utils import _build_context


def ignored(text, path):
    patterns = _build_context.parse_dockerignore(text)
    return _build_context.IgnoreMatcher(patterns).ignored(path)


@pytest.mark.parametrize("pattern, path, expected", [
    ("*.log", "a.log", True),
    ("*.log", "sub/a.log", False),            # '*' does not cross '/'
    ("**/*.log", "sub/deep/a.log", True),
    ("**/*.log", "a.log", True),              # '**/' also matches zero directories
    ("build", "build/x/y.bin", True),         # a parent directory match excludes the children
    ("build/", "build/x", True),              # trailing slash is cleaned away
    ("/secret.txt", "secret.txt", True),      # leading slash is stripped
    ("/secret.txt", "sub/secret.txt", False),
    ("?.tmp", "x.tmp", True),
    ("?.tmp", "xy.tmp", False),
    ("docs/**", "docs/a/b.md", True),
    ("a/../b", "b", True),                    # patterns are cleaned like filepath.Clean
    ("./c", "c", True),
    ("[ab].txt", "a.txt", True),
    ("[ab].txt", "c.txt", False),
    ("file.with.dots", "fileXwithXdots", False),
    ("# comment", "# comment", False),
])
def test_single_patterns_match_like_docker(pattern, path, expected):
    assert ignored(pattern, path) is expected


def test_the_last_matching_pattern_wins_and_exceptions_bring_files_back():
    text = "*.log\n!important.log\nimportant.log\n"
    assert ignored(text, "important.log")
    text = "*.log\n!important.log\n"
    assert not ignored(text, "important.log") and ignored(text, "other.log")


def test_an_ignored_directory_is_entered_only_for_an_exception_below_it():
    matcher = _build_context.IgnoreMatcher(_build_context.parse_dockerignore("data\n!data/keep.txt\nbuild\n"))
    assert matcher.may_reinclude_under("data")
    assert not matcher.may_reinclude_under("build")


def make_tree(root, files):
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def test_context_entries_apply_dockerignore_and_always_send_the_dockerfile(tmp_path):
    make_tree(tmp_path, {
        "Dockerfile": "FROM scratch\n", ".dockerignore": "Dockerfile\n.dockerignore\n*.log\ndata\n!data/keep.txt\n",
        "a.log": "", "app.py": "", "data/drop.txt": "", "data/keep.txt": "", "pkg/m.py": "",
    })
    os.symlink("app.py", tmp_path / "link.py")
    paths = [(e.path, e.kind) for e in _build_context.context_entries(str(tmp_path), "Dockerfile")]
    assert paths == [(".dockerignore", "file"), ("Dockerfile", "file"), ("app.py", "file"), ("data/keep.txt", "file"),
                     ("link.py", "symlink"), ("pkg", "dir"), ("pkg/m.py", "file")]


def test_hash_depends_on_content_mode_args_and_dockerfile_but_not_mtime(tmp_path):
    make_tree(tmp_path, {"Dockerfile": "FROM scratch\n", "app.py": "print(1)\n"})

    def digest(**kwargs):
        entries = _build_context.context_entries(str(tmp_path), kwargs.pop("dockerfile", "Dockerfile"))
        return _build_context.context_hash(entries, "Dockerfile", **kwargs)

    base = digest()
    assert digest() == base
    os.utime(tmp_path / "app.py", (1, 1))
    assert digest() == base
    assert digest(build_args={"A": "1"}) != base
    assert digest(build_args={"A": "1", "B": "2"}) == digest(build_args={"B": "2", "A": "1"})
    assert digest(target="final") != base
    (tmp_path / "app.py").chmod(0o755)
    assert digest() != base
    (tmp_path / "app.py").chmod(0o644)
    assert digest() == base
    (tmp_path / "app.py").write_text("print(2)\n")
    assert digest() != base


def test_hash_cache_skips_reading_unchanged_files_and_notices_changes(tmp_path):
    ctx = tmp_path / "ctx"
    make_tree(ctx, {"Dockerfile": "FROM scratch\n", "big.bin": "x" * 4096})
    cache_file = str(tmp_path / "cache.json")
    entries = _build_context.context_entries(str(ctx), "Dockerfile")
    cache = _build_context.load_hash_cache(cache_file, str(ctx))
    assert cache == {}
    first = _build_context.context_hash(entries, "Dockerfile", cache=cache)
    _build_context.save_hash_cache(cache_file, str(ctx), cache, entries)
    cache = _build_context.load_hash_cache(cache_file, str(ctx))
    assert set(cache) == {"Dockerfile", "big.bin"}
    with mock.patch.object(_build_context, "file_digest", side_effect=AssertionError("read again")):
        assert _build_context.context_hash(entries, "Dockerfile", cache=cache) == first
    (ctx / "big.bin").write_text("y" * 4097)
    entries = _build_context.context_entries(str(ctx), "Dockerfile")
    assert _build_context.context_hash(entries, "Dockerfile", cache=cache) != first
    assert _build_context.load_hash_cache(cache_file, "/another/context") == {}


def test_context_stream_is_a_tar_of_exactly_the_entries(tmp_path):
    make_tree(tmp_path, {"Dockerfile": "FROM scratch\n", "a/b.txt": "hello", ".dockerignore": "skip.txt\n",
                         "skip.txt": "no"})
    entries = _build_context.context_entries(str(tmp_path), "Dockerfile")
    stream = _build_context.ContextStream(entries)
    data = b"".join(stream)
    stream.close()
    assert stream.error is None
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        names = tar.getnames()
        assert tar.extractfile("a/b.txt").read() == b"hello"
    assert sorted(names) == sorted(e.path for e in entries) and "skip.txt" not in names


def test_the_build_context_file_imports_nothing_of_a_daemon_or_registry():
    import ast

    tree = ast.parse(open(_build_context.__file__).read())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    assert imported <= {"__future__", "hashlib", "json", "os", "re", "stat", "tarfile", "threading"}, imported
