# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docker backend: the shared argument specs, the daemon client factory, error translation, the build
context (.dockerignore matching the way Docker reads it, the content hash, the tar stream), a small
registry HTTP API v2 client, and the ECR authorization token (documented in doc_fragments/docker.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import hashlib
import hmac
import importlib
import importlib.util
import json
import os
import re
import socket
import stat
import tarfile
import threading

from http.client import HTTPConnection, HTTPException, HTTPSConnection
from urllib.parse import quote, urlencode, urlsplit

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.llmtwin.deploy.plugins.module_utils._common import mask_uri

# The docker SDK (and requests under it) costs ~0.5 s to import: it is imported only when the daemon
# must build, push, tag or remove. Reads on the unchanged path (inspect an image, HEAD a manifest) go
# through the standard library. APIError/DockerException/ImageNotFound stay importable from here.
try:
    HAS_DOCKER = importlib.util.find_spec("docker") is not None
except (ImportError, ValueError):
    HAS_DOCKER = False
DOCKER_IMPORT_ERROR = None if HAS_DOCKER else "No module named 'docker'"
# botocore (~0.8 s to import) only for registry_auth=ecr
try:
    HAS_BOTOCORE = importlib.util.find_spec("botocore") is not None
except (ImportError, ValueError):
    HAS_BOTOCORE = False
_SDK_NAMES = ("APIError", "DockerException", "ImageNotFound")


def __getattr__(name):  # PEP 562: the SDK's exception classes, imported on first use
    if name in _SDK_NAMES:
        try:
            errors = importlib.import_module("docker.errors")
        except ImportError:
            return Exception
        return getattr(errors, name)
    raise AttributeError(name)


def sdk_errors():
    """The SDK exceptions a daemon call can raise (docker.errors.DockerException covers APIError)."""
    errors = importlib.import_module("docker.errors")
    requests_exceptions = importlib.import_module("requests.exceptions")
    return (errors.DockerException, requests_exceptions.RequestException)


def is_not_found(exc):
    return getattr(getattr(exc, "response", None), "status_code", None) == 404


HASH_FORMAT = "llmtwin-context-v1"
TAG_LENGTH = 16
CHUNK = 1024 * 1024
MANIFEST_TYPES = ", ".join([
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
])
LOOPBACK = re.compile(r"^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$")
# A repository path as the distribution spec allows it: lowercase components, no registry, no tag.
REPOSITORY_PATH = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")


def repository_name_error(name, option="name"):
    """None for a valid [registry/]repository name, else a message naming the option (no daemon call)."""
    first, slash, rest = name.partition("/")
    # the first component is a registry host when it has a dot or a port, or is localhost
    path = rest if slash and ("." in first or ":" in first or first == "localhost") else name
    if not REPOSITORY_PATH.match(path):
        return ("%s must be a repository name (lowercase letters, digits and . _ - separators, optionally "
                "after a registry host), got %r" % (option, name))
    return None


class DockerFailure(Exception):
    """A failure with a user-facing message; main() turns it into fail_json."""


# ---------------------------------------------------------------- argument specs and the module

def docker_argument_spec():
    """Daemon connection options shared by every docker_* module."""
    return dict(
        docker_host=dict(type="str", default="unix:///var/run/docker.sock", aliases=["docker_url"],
                         fallback=(env_fallback, ["DOCKER_HOST"])),
        # each daemon API answer (the version handshake included); a long build has its own build_timeout
        timeout=dict(type="int", default=30),
    )


def registry_argument_spec():
    """Registry and ECR authorization options (docker_image_push)."""
    return dict(
        registry=dict(type="str"),
        registry_auth=dict(type="str", default="ecr", choices=["ecr", "basic", "none"]),
        registry_username=dict(type="str"),
        registry_password=dict(type="str", no_log=True),
        registry_insecure=dict(type="bool", default=False),
        registry_timeout=dict(type="int", default=30),
        ecr_registry_id=dict(type="str"),
        region=dict(type="str", aliases=["aws_region"], fallback=(env_fallback, ["AWS_REGION", "AWS_DEFAULT_REGION"])),
        endpoint_url=dict(type="str", aliases=["aws_endpoint_url"], fallback=(env_fallback, ["AWS_ENDPOINT_URL"])),
        access_key=dict(type="str", aliases=["aws_access_key_id"], no_log=True,
                        fallback=(env_fallback, ["AWS_ACCESS_KEY_ID"])),
        secret_key=dict(type="str", aliases=["aws_secret_access_key"], no_log=True,
                        fallback=(env_fallback, ["AWS_SECRET_ACCESS_KEY"])),
        session_token=dict(type="str", aliases=["aws_session_token"], no_log=True,
                           fallback=(env_fallback, ["AWS_SESSION_TOKEN"])),
        profile=dict(type="str", aliases=["aws_profile"], fallback=(env_fallback, ["AWS_PROFILE"])),
    )


class DockerModule(AnsibleModule):
    """AnsibleModule with the daemon options merged in and the SDK import checked."""

    def __init__(self, argument_spec, **kwargs):
        spec = docker_argument_spec()
        spec.update(argument_spec)
        super(DockerModule, self).__init__(argument_spec=spec, **kwargs)
        if not HAS_DOCKER:
            self.fail_json(msg=missing_required_lib("docker"), exception=str(DOCKER_IMPORT_ERROR))
        for name in ("timeout", "registry_timeout", "build_timeout"):
            if name in self.params and self.params[name] is not None and self.params[name] <= 0:
                self.fail_json(msg="%s must be a positive number of seconds, got %s" % (name, self.params[name]))
        self._client = None
        self._reader = None

    @property
    def client(self):
        """The low-level API client, connected on first use (so bad input fails before connecting)."""
        if self._client is None:
            self._client = docker_client(self.params["docker_host"], self.params["timeout"])
        return self._client

    def inspect_image(self, reference):
        """The daemon's image record, or None. Without the SDK on a unix socket (the common case)."""
        if self.params["docker_host"].startswith("unix://") and self._client is None:
            if self._reader is None:
                self._reader = DaemonReader(self.params["docker_host"], self.params["timeout"])
            return self._reader.inspect_image(reference)
        try:
            return self.client.inspect_image(reference)
        except sdk_errors() as exc:
            if is_not_found(exc):
                return None
            raise docker_error("inspect image %s" % reference, exc)

    def close(self):
        if self._client is not None:
            self._client.close()
            self._client = None


def _connect_failure(docker_host, cause):
    return DockerFailure("Failed to connect to the Docker daemon at %s: %s. Is dockerd running, and does "
                         "docker_host (DOCKER_HOST) name its socket?" % (docker_host, cause))


def docker_client(docker_host, timeout):
    docker = importlib.import_module("docker")
    try:
        client = docker.APIClient(base_url=docker_host, version="auto", timeout=timeout)
    except sdk_errors() as exc:
        raise _connect_failure(docker_host, _cause(exc))
    return client


class _UnixConnection(HTTPConnection):
    def __init__(self, path, timeout):
        super(_UnixConnection, self).__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


class DaemonReader(object):
    """GET requests to the Engine API over its unix socket with the standard library only."""

    def __init__(self, docker_host, timeout):
        self.docker_host = docker_host
        self.path = docker_host[len("unix://"):]
        self.timeout = timeout

    def get(self, path):
        connection = _UnixConnection(self.path, self.timeout)
        try:
            connection.request("GET", path, headers={"Host": "docker"})
            response = connection.getresponse()
            return response.status, response.read()
        except (OSError, HTTPException) as exc:
            raise _connect_failure(self.docker_host, exc)
        finally:
            connection.close()

    def inspect_image(self, reference):
        status, body = self.get("/images/%s/json" % quote(reference, safe="/:@"))
        if status == 404:
            return None
        if status != 200:
            raise DockerFailure("Failed to inspect image %s: HTTP %d: %s"
                                % (reference, status, body[:300].decode("utf-8", "replace").strip()))
        return json.loads(body.decode("utf-8"))


def _cause(exc):
    if getattr(exc, "explanation", None):
        text = exc.explanation
    else:
        text = str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = text.strip()
    # requests wraps socket errors several levels deep; the innermost reason is what a person needs
    match = re.search(r"\[Errno \d+\][^')\]]*", text)
    if match and "Connection aborted" in text or match and "Max retries" in text:
        text = match.group(0)
    return mask_uri(text)


def docker_error(action, exc):
    return DockerFailure("Failed to %s: %s" % (action, _cause(exc)))


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


# ---------------------------------------------------------------- build and push streams

def stream_error(message):
    """The error of one decoded build/push stream message, or None."""
    if not isinstance(message, dict):
        return None
    if message.get("error"):
        return message["error"]
    detail = message.get("errorDetail")
    if isinstance(detail, dict) and detail.get("message"):
        return detail["message"]
    return None


def split_reference(reference):
    """'host:5000/name:tag' -> ('host:5000/name', 'tag'); a reference without a tag gets None."""
    name, sep, tag = reference.rpartition(":")
    if not sep or "/" in tag:
        return reference, None
    return name, tag


# ---------------------------------------------------------------- registry HTTP API v2

class RegistryClient(object):
    """HEAD/DELETE manifests and list tags; Basic auth, or the Bearer token flow when challenged.
    Standard library HTTP: a registry round trip should not cost an SDK import."""

    def __init__(self, registry, username=None, password=None, insecure=False, timeout=30):
        scheme = "http" if insecure or LOOPBACK.match(registry) else "https"
        self.base = "%s://%s" % (scheme, registry)
        self.registry = registry
        self.timeout = timeout
        self.basic = None
        if username is not None:
            pair = ("%s:%s" % (username, password or "")).encode("utf-8")
            self.basic = "Basic " + base64.b64encode(pair).decode("ascii")
        self._bearer = None
        self._connections = {}

    def close(self):
        for connection in self._connections.values():
            connection.close()
        self._connections = {}

    def _send(self, method, url, headers):
        """One request on a kept-alive connection per host: (status, headers, body)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        target = parts.path + ("?" + parts.query if parts.query else "")
        for attempt in range(2):
            connection = self._connections.get(key)
            if connection is None:
                cls = HTTPSConnection if parts.scheme == "https" else HTTPConnection
                connection = self._connections[key] = cls(parts.netloc, timeout=self.timeout)
            try:
                connection.request(method, target, headers=headers)
                response = connection.getresponse()
                body = response.read()
                return response.status, dict((k.lower(), v) for k, v in response.getheaders()), body
            except (OSError, HTTPException) as exc:
                connection.close()
                del self._connections[key]
                if attempt or not isinstance(exc, (HTTPException, ConnectionResetError, BrokenPipeError)):
                    raise DockerFailure("Failed to reach the registry %s: %s" % (self.registry, exc))
        raise DockerFailure("Failed to reach the registry %s" % self.registry)  # pragma: no cover

    def _request(self, method, path, scope, headers=None):
        for _attempt in range(2):
            send = dict(headers or {})
            send["User-Agent"] = "llmtwin.deploy"
            if self._bearer:
                send["Authorization"] = "Bearer %s" % self._bearer
            elif self.basic:
                send["Authorization"] = self.basic
            status, response_headers, body = self._send(method, self.base + path, send)
            challenge = response_headers.get("www-authenticate", "")
            if status == 401 and challenge.lower().startswith("bearer") and not self._bearer:
                self._bearer = self._token(challenge, scope)
                continue
            break
        return status, response_headers, body

    def _token(self, challenge, scope):
        params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        realm = params.pop("realm", None)
        if not realm:
            raise DockerFailure("Failed to authenticate to the registry %s: no token realm offered" % self.registry)
        params.setdefault("scope", scope)
        headers = {"User-Agent": "llmtwin.deploy"}
        if self.basic:
            headers["Authorization"] = self.basic
        status, _headers, body = self._send("GET", realm + "?" + urlencode(sorted(params.items())), headers)
        if status != 200:
            raise DockerFailure("Failed to authenticate to the registry %s: HTTP %d. Check the registry "
                                "credentials." % (self.registry, status))
        data = json.loads(body.decode("utf-8"))
        return data.get("token") or data.get("access_token")

    def _check(self, status, body, action):
        if status in (401, 403):
            raise DockerFailure("Failed to %s: the registry %s refused the credentials (HTTP %d, unauthorized). "
                                "Try checking registry_auth and the credentials for this registry."
                                % (action, self.registry, status))
        if status >= 400:
            raise DockerFailure("Failed to %s: HTTP %d from %s: %s"
                                % (action, status, self.registry, body[:300].decode("utf-8", "replace").strip()))

    def manifest_digest(self, name, reference):
        """The digest the registry serves for name:reference, or None when it does not exist."""
        status, headers, body = self._request("HEAD", "/v2/%s/manifests/%s" % (name, reference),
                                              "repository:%s:pull" % name, {"Accept": MANIFEST_TYPES})
        if status == 404:
            return None
        self._check(status, body, "read the manifest of %s/%s:%s" % (self.registry, name, reference))
        return headers.get("docker-content-digest")

    def tags(self, name):
        status, _headers, body = self._request("GET", "/v2/%s/tags/list" % name, "repository:%s:pull" % name)
        if status == 404:
            return []
        self._check(status, body, "list the tags of %s/%s" % (self.registry, name))
        return sorted((json.loads(body.decode("utf-8")) or {}).get("tags") or [])

    def delete_manifest(self, name, digest):
        status, _headers, body = self._request("DELETE", "/v2/%s/manifests/%s" % (name, digest),
                                               "repository:%s:delete" % name)
        if status == 404:
            return False
        self._check(status, body, "delete %s/%s@%s" % (self.registry, name, digest))
        return True


# ---------------------------------------------------------------- ECR authorization

def _botocore_errors():
    exceptions = importlib.import_module("botocore.exceptions")
    # ResponseParserError is not a BotoCoreError: an endpoint answering HTML raises it
    return (exceptions.BotoCoreError, exceptions.ClientError, importlib.import_module("botocore.parsers").ResponseParserError)


def ecr_client(params):
    if not HAS_BOTOCORE:
        raise DockerFailure(missing_required_lib("botocore") + " (registry_auth=ecr needs it)")
    sessions = importlib.import_module("botocore.session")
    # a session with an unknown profile raises ProfileNotFound on first use: say which option is wrong
    if params.get("profile") and params["profile"] not in sessions.Session().available_profiles:
        raise DockerFailure("profile: unknown AWS profile %r: not in the AWS config or credentials files" % params["profile"])
    session = sessions.Session(profile=params.get("profile"))
    # 3 attempts in all (botocore's "max_attempts" would be 3 retries) of 15 s: a hung endpoint fails within a minute
    config = importlib.import_module("botocore.config").Config(connect_timeout=5, read_timeout=15,
                                                               retries={"total_max_attempts": 3, "mode": "standard"})
    return session.create_client("ecr", region_name=params.get("region"), endpoint_url=params.get("endpoint_url"),
                                 aws_access_key_id=params.get("access_key"),
                                 aws_secret_access_key=params.get("secret_key"),
                                 aws_session_token=params.get("session_token"), config=config)


ECR_TARGET = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"


def _hmac(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def ecr_token_request(params, now=None):
    """(url, headers, body) of GetAuthorizationToken signed with SigV4 (service ecr, JSON 1.1).

    With static keys this replaces botocore (~1 s to import and set up a client) on every run; the
    signature is checked against botocore's signer in the unit tests."""
    region = params["region"]
    url = (params.get("endpoint_url") or "https://api.ecr.%s.amazonaws.com" % region).rstrip("/") + "/"
    parts = urlsplit(url)
    body = json.dumps({"registryIds": [params["ecr_registry_id"]]} if params.get("ecr_registry_id") else {})
    body = body.encode("utf-8")
    now = now or datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    headers = {"content-type": "application/x-amz-json-1.1", "host": parts.netloc, "x-amz-date": amz_date,
               "x-amz-target": ECR_TARGET}
    if params.get("session_token"):
        headers["x-amz-security-token"] = params["session_token"]
    signed = sorted(headers)
    canonical = "\n".join(["POST", parts.path or "/", "", "".join("%s:%s\n" % (k, headers[k].strip()) for k in signed),
                           ";".join(signed), hashlib.sha256(body).hexdigest()])
    scope = "%s/%s/ecr/aws4_request" % (amz_date[:8], region)
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    key = ("AWS4" + params["secret_key"]).encode("utf-8")
    for part in (amz_date[:8], region, "ecr", "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    headers["authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        params["access_key"], scope, ";".join(signed), signature)
    return url, headers, body


def _ecr_token_direct(params):
    url, headers, body = ecr_token_request(params)
    parts = urlsplit(url)
    cls = HTTPSConnection if parts.scheme == "https" else HTTPConnection
    connection = cls(parts.netloc, timeout=30)
    try:
        connection.request("POST", parts.path, body=body, headers=headers)
        response = connection.getresponse()
        status, data = response.status, response.read()
    except (OSError, HTTPException) as exc:
        raise DockerFailure("Failed to get an ECR authorization token: could not reach %s: %s" % (url, exc))
    finally:
        connection.close()
    try:
        document = json.loads(data.decode("utf-8") or "{}")
    except ValueError:
        document = {}
    if status != 200:
        kind = str(document.get("__type", "HTTP %d" % status)).rpartition("#")[2]
        raise DockerFailure("Failed to get an ECR authorization token: %s: %s"
                            % (kind, document.get("message") or document.get("Message") or data[:200]))
    found = document.get("authorizationData") if isinstance(document, dict) else None
    return found[0] if isinstance(found, list) and found else {}


def ecr_authorization(params):
    """(username, password, registry host) from ECR's GetAuthorizationToken; the password stays in memory."""
    if not params.get("region"):
        raise DockerFailure("region is required with registry_auth=ecr (or set AWS_REGION)")
    if params.get("access_key") and params.get("secret_key") and not params.get("profile"):
        data = _ecr_token_direct(params)
    else:  # profiles, instance roles, SSO...: botocore's credential chain
        client = ecr_client(params)
        try:
            kwargs = {"registryIds": [params["ecr_registry_id"]]} if params.get("ecr_registry_id") else {}
            data = (client.get_authorization_token(**kwargs).get("authorizationData") or [{}])[0]
        except _botocore_errors() as exc:
            raise DockerFailure("Failed to get an ECR authorization token: %s" % exc)
        finally:
            client.close()
    try:
        username, _sep, password = base64.b64decode(data["authorizationToken"]).decode("utf-8").partition(":")
    except (KeyError, TypeError, ValueError):  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise DockerFailure("Failed to get an ECR authorization token: the answer of %s is not an ECR API response; "
                            "check endpoint_url" % (params.get("endpoint_url") or "ECR"))
    host = re.sub(r"^https?://", "", data.get("proxyEndpoint", "")).rstrip("/")
    return username, password, host


def ecr_delete_tags(params, name, tags):
    """ECR has no registry-API DELETE: untag through its own API. Returns the tags that were there."""
    client = ecr_client(params)
    try:
        kwargs = {"registryId": params["ecr_registry_id"]} if params.get("ecr_registry_id") else {}
        response = client.batch_delete_image(repositoryName=name, imageIds=[{"imageTag": t} for t in tags], **kwargs)
    except _botocore_errors() as exc:
        raise DockerFailure("Failed to delete tags of ECR repository %s: %s" % (name, exc))
    finally:
        client.close()
    return sorted(i.get("imageTag") for i in response.get("imageIds", []) if i.get("imageTag"))
