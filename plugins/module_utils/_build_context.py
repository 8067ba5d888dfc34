# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The build context, pure: .dockerignore matching the way Docker reads it, the entries Docker would
send, their content hash (with a stat -> digest cache), and the tar stream of exactly those entries.
No daemon, no SDK: docker_image_build hashes and decides before it talks to anything."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import re
import stat
import tarfile
import threading

HASH_FORMAT = "llmtwin-context-v1"
TAG_LENGTH = 16
CHUNK = 1024 * 1024


# ---------------------------------------------------------------- .dockerignore, the way Docker reads it

class IgnorePattern(object):
    """One .dockerignore line compiled the way moby's patternmatcher compiles it."""

    def __init__(self, text):
        self.exclusion = text.startswith("!")
        if self.exclusion:
            text = text[1:]
        self.text = _clean(text)
        self.regex = re.compile(_to_regex(self.text))

    def matches(self, path):
        """Whether path, or one of its parent directories, matches (Docker's MatchesOrParentMatches)."""
        if self.regex.match(path):
            return True
        parts = path.split("/")
        for i in range(1, len(parts)):
            if self.regex.match("/".join(parts[:i])):
                return True
        return False


def _clean(pattern):
    """filepath.Clean + ToSlash + leading '/' stripped, as the docker CLI does for each pattern."""
    pattern = pattern.strip()
    absolute = pattern.startswith("/")
    parts = []
    for part in pattern.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not absolute:
                parts.append(part)
            continue
        parts.append(part)
    cleaned = "/".join(parts)
    return cleaned or "."


def _to_regex(pattern):
    out = "^"
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if i + 1 < n and pattern[i + 1] == "*":
                i += 1
                if i + 1 < n and pattern[i + 1] == "/":
                    i += 1
                if i + 1 >= n:
                    out += ".*"
                else:
                    out += "(.*/)?"
            else:
                out += "[^/]*"
        elif ch == "?":
            out += "[^/]"
        elif ch in ".+()|{}$^":
            out += "\\" + ch
        elif ch == "\\":
            if i + 1 < n:
                i += 1
                out += re.escape(pattern[i])
            else:
                out += "\\\\"
        else:
            out += ch
        i += 1
    return out + "$"


def parse_dockerignore(text):
    """The patterns of a .dockerignore text: comments and blank lines dropped, order kept."""
    patterns = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line == "!":
            continue
        patterns.append(IgnorePattern(line))
    return patterns


class IgnoreMatcher(object):
    def __init__(self, patterns):
        self.patterns = patterns
        self.has_exclusions = any(p.exclusion for p in patterns)

    def ignored(self, path):
        """The last matching pattern decides; a `!` pattern brings a path back."""
        result = False
        for pattern in self.patterns:
            if pattern.matches(path):
                result = not pattern.exclusion
        return result

    def may_reinclude_under(self, directory):
        """Docker walks into an ignored directory only if a `!` pattern starts with it."""
        prefix = directory + "/"
        return any(p.exclusion and (p.text + "/").startswith(prefix) for p in self.patterns)


# ---------------------------------------------------------------- the build context

class ContextEntry(object):
    __slots__ = ("path", "abspath", "kind", "mode", "size", "mtime_ns", "inode", "linkname")

    def __init__(self, path, abspath, st, linkname=None):
        self.path = path
        self.abspath = abspath
        if stat.S_ISDIR(st.st_mode):
            self.kind = "dir"
        elif stat.S_ISLNK(st.st_mode):
            self.kind = "symlink"
        else:
            self.kind = "file"
        self.mode = stat.S_IMODE(st.st_mode)
        self.size = st.st_size if self.kind == "file" else 0
        self.mtime_ns = st.st_mtime_ns
        self.inode = st.st_ino
        self.linkname = linkname


def context_matcher(context, dockerfile):
    """The context's .dockerignore rules plus the two files the docker CLI always sends."""
    ignore_file = os.path.join(context, ".dockerignore")
    patterns = []
    if os.path.isfile(ignore_file):
        with open(ignore_file, "r") as handle:
            patterns = parse_dockerignore(handle.read())
    for keep in (".dockerignore", dockerfile):
        patterns.append(IgnorePattern("!" + keep))
    return IgnoreMatcher(patterns)


def context_entries(context, dockerfile):
    """Every entry Docker would send for `context`, sorted, with .dockerignore applied.

    Like the docker CLI, the Dockerfile and .dockerignore are always sent even when ignored.
    Sockets, fifos and devices are skipped (Docker cannot send them either)."""
    matcher = context_matcher(context, dockerfile)
    entries = []
    for top, dirs, files in os.walk(context):
        rel_top = os.path.relpath(top, context)
        rel_top = "" if rel_top == "." else rel_top.replace(os.sep, "/") + "/"
        dirs.sort()
        kept = []
        for name in dirs + sorted(files):
            rel = rel_top + name
            abspath = os.path.join(top, name)
            st = os.lstat(abspath)
            is_dir = stat.S_ISDIR(st.st_mode)
            if matcher.ignored(rel):
                if is_dir and matcher.has_exclusions and matcher.may_reinclude_under(rel):
                    kept.append(name)
                continue
            if is_dir:
                kept.append(name)
                entries.append(ContextEntry(rel, abspath, st))
            elif stat.S_ISLNK(st.st_mode):
                entries.append(ContextEntry(rel, abspath, st, os.readlink(abspath)))
            elif stat.S_ISREG(st.st_mode):
                entries.append(ContextEntry(rel, abspath, st))
        dirs[:] = kept
    entries.sort(key=lambda e: e.path)
    return entries


def file_digest(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def context_hash(entries, dockerfile, build_args=None, target=None, cache=None):
    """sha256 over what decides the image: every sent entry (path, type, permission bits, content or
    link target), the Dockerfile path, the build args and the target. Timestamps and owners are left
    out (Docker's build cache ignores them too), so a fresh checkout of the same tree hashes the same.

    `cache` maps path -> [size, mtime_ns, inode, sha256] and is updated in place: a file whose stat
    is unchanged is not read again."""
    outer = hashlib.sha256()
    outer.update(("%s\0dockerfile=%s\0target=%s\0" % (HASH_FORMAT, dockerfile, target or "")).encode("utf-8"))
    for key in sorted(build_args or {}):
        outer.update(("arg %s=%s\0" % (key, build_args[key])).encode("utf-8"))
    for entry in entries:
        if entry.kind == "file":
            known = cache.get(entry.path) if cache is not None else None
            if known and known[:3] == [entry.size, entry.mtime_ns, entry.inode]:
                content = known[3]
            else:
                content = file_digest(entry.abspath)
                if cache is not None:
                    cache[entry.path] = [entry.size, entry.mtime_ns, entry.inode, content]
        elif entry.kind == "symlink":
            content = entry.linkname
        else:
            content = ""
        outer.update(("%s %s %o %s\0" % (entry.kind, entry.path, entry.mode, content)).encode("utf-8", "surrogateescape"))
    return outer.hexdigest()


def load_hash_cache(path, context):
    """The stat -> digest cache for one context, or {} when absent, unreadable or for another context."""
    if not path:
        return None
    try:
        with open(path, "r") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("context") != context or not isinstance(data.get("files"), dict):
        return {}
    return data["files"]


def save_hash_cache(path, context, cache, entries):
    """Keep only the files still in the context; write atomically; a failure only costs speed."""
    if not path or cache is None:
        return
    live = set(e.path for e in entries if e.kind == "file")
    data = {"context": context, "files": dict((k, v) for k, v in cache.items() if k in live)}
    tmp = "%s.%d.tmp" % (path, os.getpid())
    try:
        directory = os.path.dirname(path)
        if directory and not os.path.isdir(directory):
            os.makedirs(directory)
        with open(tmp, "w") as handle:
            json.dump(data, handle, separators=(",", ":"))
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


class ContextStream(object):
    """The context as an uncompressed tar, produced by a thread into a pipe and read in chunks by the
    HTTP request: memory stays flat whatever the context's size. Holds exactly the hashed entries."""

    def __init__(self, entries):
        self.entries = entries
        self.error = None
        read_fd, write_fd = os.pipe()
        self._reader = os.fdopen(read_fd, "rb")
        self._writer = os.fdopen(write_fd, "wb")
        self._thread = threading.Thread(target=self._produce)
        self._thread.daemon = True
        self._thread.start()

    def _produce(self):
        try:
            with tarfile.open(fileobj=self._writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                for entry in self.entries:
                    info = tarfile.TarInfo(entry.path)
                    info.mode = entry.mode
                    info.mtime = entry.mtime_ns // 1000000000
                    if entry.kind == "dir":
                        info.type = tarfile.DIRTYPE
                        tar.addfile(info)
                    elif entry.kind == "symlink":
                        info.type = tarfile.SYMTYPE
                        info.linkname = entry.linkname
                        tar.addfile(info)
                    else:
                        info.size = os.path.getsize(entry.abspath)
                        with open(entry.abspath, "rb") as handle:
                            tar.addfile(info, handle)
        except (OSError, tarfile.TarError) as exc:
            self.error = exc
        finally:
            try:
                self._writer.close()
            except OSError:
                pass

    def __iter__(self):
        return iter(lambda: self._reader.read(CHUNK), b"")

    def close(self):
        try:
            self._reader.close()
        except OSError:
            pass
        self._thread.join(5)
