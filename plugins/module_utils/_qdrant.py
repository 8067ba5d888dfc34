# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared pieces of the qdrant_* modules: connection options, the QdrantModule base (client, store lock,
error translation) and the pure functions that turn collection info into comparable plain data."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import fcntl
import os
import time
import warnings

from ansible.module_utils.basic import AnsibleFallbackNotFound, missing_required_lib
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.common.validation import check_type_bool, check_type_dict, check_type_int, check_type_str
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import (
    MASK, ModuleError, ResourceModule, failed, mask_uri, retry,
)

try:
    from qdrant_client import QdrantClient, models
    from qdrant_client.http.exceptions import ApiException, ResponseHandlingException, UnexpectedResponse
    from pydantic import TypeAdapter, ValidationError
    HAS_QDRANT = True
    QDRANT_IMPORT_ERROR = None
except ImportError as exc:  # the module reports it through missing_required_lib
    HAS_QDRANT = False
    QDRANT_IMPORT_ERROR = exc

DISTANCES = ("Cosine", "Euclid", "Dot", "Manhattan")
PAYLOAD_SCHEMA_TYPES = ("keyword", "integer", "float", "geo", "text", "bool", "datetime", "uuid")
SPARSE_MODIFIERS = ("none", "idf")
# What the embedded engine (path mode) accepts but does not apply; a server applies all of them.
SERVER_ONLY_OPTIONS = ("hnsw_config", "optimizers_config", "quantization_config", "payload_indexes",
                       "on_disk_payload", "shard_number", "replication_factor", "write_consistency_factor")
LOCK_MARKER = "is already accessed by another instance"
# qdrant-client reads the store's meta.json before it takes its own folder lock, so two clients can
# both start from the same metadata and the last to write drops the other's collection. Every module
# holds this lock (flock, in the store folder) from before opening the store until after closing it.
STORE_LOCK = ".llmtwin-deploy.lock"
STORE_META = "meta.json"
# Files a store folder can hold before it has metadata: ours and qdrant-client's lock files.
STORE_LOCK_FILES = (STORE_LOCK, ".lock")
# Qdrant's own rules for collection (and alias) names: 1 to 255 characters, none of these.
NAME_FORBIDDEN = '<>:"/\\|?*\x00'
NAME_MAX_LENGTH = 255
# Qdrant's largest dense vector.
VECTOR_SIZE_MAX = 65536


def qdrant_argument_spec():
    return dict(
        url=dict(type="str", no_log=False),
        api_key=dict(type="str", no_log=True, fallback=(_env_fallback, ["QDRANT_API_KEY", "QDRANT_APIKEY"])),
        path=dict(type="path"),
        timeout=dict(type="int", default=30),
        key_wait_timeout=dict(type="int", default=0, no_log=False),
    )


def _env_fallback(*names):
    # Like ansible's env_fallback, but an empty variable counts as unset.
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    raise AnsibleFallbackNotFound


QDRANT_MUTUALLY_EXCLUSIVE = [("url", "path")]
QDRANT_REQUIRED_ONE_OF = [("url", "path")]


def name_error(value, option):
    """Why `value` cannot name a Qdrant collection or alias (naming `option`), or None.

    In path mode the name becomes a folder name: a '/' or '..' would reach outside the store.
    """
    if not value:
        return "%s must be a non-empty collection name" % option
    if value in (".", "..") or any(c in NAME_FORBIDDEN for c in value):
        return ("%s %r is not a valid collection name: it must not be '.' or '..' nor contain any of "
                "< > : \" / \\ | ? * or a NUL character" % (option, value))
    if len(value) > NAME_MAX_LENGTH:
        return "%s must be at most %d characters long, got %d" % (option, NAME_MAX_LENGTH, len(value))
    return None


def check_name(value, option):
    error = name_error(value, option)
    if error:
        raise ModuleError(error)
    return value


_CHECKERS = {"str": check_type_str, "int": check_type_int, "bool": check_type_bool, "dict": check_type_dict}


def check_elements(option, elements, types, choices=None):
    """The elements of a list option (`collections`, `aliases`) checked and converted like module options.

    Each element must be a dict of the keys in `types` (key -> str|int|bool|dict); errors name the
    element's path, for example "collections[2].shard_number". Returns the elements as new dicts.
    """
    result = []
    for index, element in enumerate(elements):
        where = "%s[%d]" % (option, index)
        if not isinstance(element, dict):
            raise ModuleError("%s must be a dict, got %r" % (where, element))
        unknown = sorted(set(element) - set(types))
        if unknown:
            raise ModuleError("%s has unknown keys %s; expected %s" % (where, ", ".join(unknown), ", ".join(sorted(types))))
        checked = {}
        for key, value in element.items():
            if value is None:
                continue
            try:
                checked[key] = _CHECKERS[types[key]](value)
            except TypeError as exc:
                raise ModuleError("%s.%s: %s" % (where, key, exc))
            allowed = (choices or {}).get(key)
            if allowed and checked[key] not in allowed:
                raise ModuleError("%s.%s must be one of %s, got %r" % (where, key, ", ".join(allowed), checked[key]))
        result.append(checked)
    return result


def check_unique(option, names):
    seen = set()
    for index, name in enumerate(names):
        if name in seen:
            raise ModuleError("%s[%d].name: %s is listed twice" % (option, index, name))
        seen.add(name)


def store_state(path, may_be_new):
    """'store' for an embedded store, 'new' for a folder where one may be created; else ModuleError.

    A mistyped path must not become a new empty store (reported as absent collections, or created on
    disk by a read or a check-mode run): a store is only created where `may_be_new` says it is meant to
    be (qdrant_collection with state present), in an empty folder or a new folder whose parent exists.
    """
    if os.path.isfile(os.path.join(path, STORE_META)):
        return "store"
    if os.path.exists(path) and not os.path.isdir(path):
        raise ModuleError("path %s is not a folder (an embedded Qdrant store is a folder)" % path)
    if os.path.isdir(path):
        if [name for name in os.listdir(path) if name not in STORE_LOCK_FILES]:
            raise ModuleError("path %s is not an embedded Qdrant store (a folder with files but no %s): "
                              "check the path" % (path, STORE_META))
        if not may_be_new:
            raise ModuleError("path %s is not an embedded Qdrant store (an empty folder): check the path" % path)
        return "new"
    parent = os.path.dirname(os.path.abspath(path))
    if not may_be_new:
        raise ModuleError("path %s does not exist: there is no embedded Qdrant store there (check the path)" % path)
    if not os.path.isdir(parent):
        raise ModuleError("path %s does not exist and neither does its parent folder %s: check the path (a new "
                          "store is only created in an existing folder)" % (path, parent))
    return "new"


def lock_store(path, timeout):
    """Hold the store's lock (an open file, released when closed); waits up to `timeout` seconds."""
    handle = open(os.path.join(path, STORE_LOCK), "a")  # pylint: disable=consider-using-with  # held past return
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except BlockingIOError:
            if time.monotonic() > deadline:
                handle.close()
                raise failed("lock", "the embedded Qdrant store %s" % path, "another run held it for more than %s s "
                             "(timeout); try again, or raise timeout" % timeout)
            time.sleep(0.05)


class _NoStoreYet(object):
    """Stands in, in check mode, for a store the real run would create: it holds nothing."""

    def get_collections(self):
        return models.CollectionsResponse(collections=[])

    def get_aliases(self):
        return models.CollectionsAliasesResponse(aliases=[])

    def close(self):
        pass


class QdrantModule(ResourceModule):
    """What the qdrant_* modules share: the connection options, the client (with the embedded store's
    lock held from before opening it until after closing it), and SDK errors turned into ModuleError.

    A subclass sets `may_create_store()` (whether this run may create a new embedded store) and wraps
    its reads and writes in `with self.translated(action, resource):`.
    """

    backend_spec = staticmethod(qdrant_argument_spec)
    module_kwargs = dict(mutually_exclusive=QDRANT_MUTUALLY_EXCLUSIVE, required_one_of=QDRANT_REQUIRED_ONE_OF)
    client = None
    _lock = None
    # what a failure of connect() is reported as, "Failed to <action> <resource>: ..." (set by validate())
    label = ("reach", "the Qdrant server")

    @property
    def embedded(self):
        return bool(self.params.get("path"))

    def validate_connection(self):
        if not HAS_QDRANT:
            raise ModuleError(missing_required_lib("qdrant-client"))
        if self.params["timeout"] is not None and self.params["timeout"] <= 0:
            raise ModuleError("timeout must be a positive number of seconds, got %s" % self.params["timeout"])
        if (self.params.get("key_wait_timeout") or 0) < 0:
            raise ModuleError("key_wait_timeout must be 0 or more seconds, got %s" % self.params["key_wait_timeout"])

    def may_create_store(self):
        return False

    def connect(self):
        """A client for the server (url) or the embedded store (path); a store only where it may be new.

        In check mode a store this run would create is not created: an empty stand-in answers instead.
        """
        if self.embedded:
            path = self.params["path"]
            if store_state(path, self.may_create_store()) == "new":
                if self.check_mode:
                    self.client = _NoStoreYet()
                    return
                os.makedirs(path, exist_ok=True)
            self._lock = lock_store(path, self.params["timeout"])
        with self.translated(*self.label):
            self.client = open_client(self.params, self.warn)

    def close(self):
        if self.client is not None:
            try:
                self.client.close()
            except Exception:  # pylint: disable=broad-except  # closing must never mask the real result
                pass
        if self._lock is not None:
            self._lock.close()

    @contextlib.contextmanager
    def translated(self, action, resource):
        """SDK, network and server errors inside the block -> ModuleError("Failed to <action> <resource>: ...")."""
        try:
            yield
        except sdk_errors() as exc:
            raise failed(action, resource, describe_error(exc, self.params.get("api_key")))


def open_client(params, warn):
    """A QdrantClient for a server (url + api_key) or for the embedded engine (path).

    The embedded engine locks its folder for one client at a time; another process holding it is
    waited for (up to `timeout`) rather than failed at once, so serial tasks never trip over each other.
    """
    timeout = params["timeout"]
    if params.get("path"):
        deadline = time.monotonic() + timeout
        while True:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    return QdrantClient(path=params["path"])
            except RuntimeError as exc:
                if LOCK_MARKER not in to_text(exc) or time.monotonic() > deadline:
                    raise failed("open", "the embedded Qdrant store %s" % params["path"], to_text(exc))
                time.sleep(0.2)
            except (OSError, ValueError) as exc:
                raise failed("open", "the embedded Qdrant store %s" % params["path"], exc)
    with warnings.catch_warnings():
        # "Api key is used with an insecure connection" is about http:// URLs: the module warns itself.
        warnings.simplefilter("ignore")
        client = QdrantClient(url=params["url"], api_key=params.get("api_key") or None, timeout=timeout,
                              check_compatibility=False)
    if params.get("api_key") and params["url"].startswith("http://") and not _is_loopback(params["url"]):
        warn("api_key is sent over plain http to %s; use an https URL" % mask_uri(params["url"]))
    if params.get("key_wait_timeout"):
        try:
            wait_until_accepted(client, params["key_wait_timeout"])
        except Exception:  # pylint: disable=broad-except  # close the client, then let the caller report it
            client.close()
            raise
    return client


# A database API key just created on Qdrant Cloud is refused for a short while, and a new cluster may
# answer 5xx: these are retried (key_wait_timeout), anything else fails at once.
NOT_YET_STATUSES = (401, 403, 500, 502, 503, 504)


class _NotYet(Exception):
    def __init__(self, cause):
        super(_NotYet, self).__init__(str(cause))
        self.cause = cause


def wait_until_accepted(client, timeout):
    """Repeat one cheap read with jittered backoff until the server accepts the key, up to timeout seconds."""
    def probe():
        try:
            client.get_collections()
        except UnexpectedResponse as exc:
            if exc.status_code in NOT_YET_STATUSES:
                raise _NotYet(exc)
            raise

    try:
        retry(probe, _NotYet, timeout=timeout)
    except _NotYet as exc:
        raise exc.cause


def _is_loopback(url):
    host = url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
    return host in ("localhost", "127.0.0.1", "[::1]")


def describe_error(exc, api_key=None):
    """One line that says what went wrong, never a traceback and never the API key."""
    if HAS_QDRANT and isinstance(exc, UnexpectedResponse):
        detail = _response_detail(exc)
        if exc.status_code in (401, 403):
            text = "authentication failed (HTTP %s): check api_key" % exc.status_code
            if detail:
                text += " (%s)" % detail
        else:
            text = "HTTP %s %s" % (exc.status_code, detail or exc.reason_phrase)
    elif HAS_QDRANT and isinstance(exc, ResponseHandlingException):
        source = getattr(exc, "source", None)
        text = "cannot reach the Qdrant server: %s" % (to_text(source) if source else to_text(exc))
        if not source or "timed out" in text.lower() or "timeout" in type(source).__name__.lower():
            text += " (timeout, check url and network)"
    else:
        text = to_text(exc) or type(exc).__name__
    text = mask_uri(text)
    if api_key:
        text = text.replace(api_key, MASK)
    return text


def _response_detail(exc):
    try:
        body = exc.structured()
        status = body.get("status") if isinstance(body, dict) else None
        if isinstance(status, dict) and status.get("error"):
            return to_text(status["error"])
    except Exception:  # pylint: disable=broad-except  # a body that is not JSON: fall back to raw text
        pass
    content = to_text(getattr(exc, "content", b"") or b"", errors="replace").strip()
    return content[:300]


def sdk_errors():
    """The exceptions a qdrant-client call raises for server, network and input problems."""
    if not HAS_QDRANT:
        return ()
    return (ApiException, UnexpectedResponse, ResponseHandlingException, ValueError, RuntimeError, OSError)


# ------------------------------------------------------------------ pure helpers (unit-tested)

def canonical_distance(value, where):
    lowered = {d.lower(): d for d in DISTANCES}
    if not isinstance(value, str) or value.lower() not in lowered:
        raise ModuleError("%s.distance must be one of %s, got %r" % (where, ", ".join(DISTANCES), value))
    return lowered[value.lower()]


def validate_vector(spec, where):
    """A vector spec {size, distance, on_disk} checked and normalized; raises ModuleError."""
    if not isinstance(spec, dict):
        raise ModuleError("%s must be a dict with size and distance, got %r" % (where, spec))
    unknown = sorted(set(spec) - {"size", "distance", "on_disk"})
    if unknown:
        raise ModuleError("%s has unknown keys %s; expected size, distance, on_disk" % (where, ", ".join(unknown)))
    size = spec.get("size")
    try:
        size = int(size)
    except (TypeError, ValueError):
        raise ModuleError("%s.size must be a positive integer, got %r" % (where, spec.get("size")))
    if size <= 0:
        raise ModuleError("%s.size must be a positive integer, got %s" % (where, size))
    if size > VECTOR_SIZE_MAX:
        raise ModuleError("%s.size must be at most %d (Qdrant's largest vector), got %s" % (where, VECTOR_SIZE_MAX, size))
    on_disk = spec.get("on_disk")
    if on_disk is not None and not isinstance(on_disk, bool):
        raise ModuleError("%s.on_disk must be a boolean, got %r" % (where, on_disk))
    return {"size": size, "distance": canonical_distance(spec.get("distance"), where), "on_disk": on_disk}


def validate_sparse(spec, where):
    spec = spec or {}
    if not isinstance(spec, dict):
        raise ModuleError("%s must be a dict (on_disk, modifier), got %r" % (where, spec))
    unknown = sorted(set(spec) - {"on_disk", "modifier"})
    if unknown:
        raise ModuleError("%s has unknown keys %s; expected on_disk, modifier" % (where, ", ".join(unknown)))
    modifier = spec.get("modifier")
    if modifier is not None and modifier not in SPARSE_MODIFIERS:
        raise ModuleError("%s.modifier must be one of %s, got %r" % (where, ", ".join(SPARSE_MODIFIERS), modifier))
    return {"on_disk": spec.get("on_disk"), "modifier": modifier}


def validate_payload_indexes(indexes, where="payload_indexes"):
    if not isinstance(indexes, dict):
        raise ModuleError("%s must be a dict of payload field to schema type, got %r" % (where, indexes))
    result = {}
    for field, schema in indexes.items():
        if schema not in PAYLOAD_SCHEMA_TYPES:
            raise ModuleError("%s.%s: unknown payload schema type %r; Qdrant knows %s"
                              % (where, field, schema, ", ".join(PAYLOAD_SCHEMA_TYPES)))
        result[field] = schema
    return result


def validate_model(option, value, model):
    """Check a pass-through config dict against the SDK's model (unknown keys and bad types fail)."""
    if value is None:
        return None
    try:
        if isinstance(model, TypeAdapter):
            parsed = model.validate_python(value)
        else:
            parsed = model(**value)
    except (ValidationError, TypeError) as exc:
        errors = exc.errors() if isinstance(exc, ValidationError) else [{"loc": (), "msg": to_text(exc)}]
        text = "; ".join("%s: %s" % (".".join(str(p) for p in e.get("loc", ())) or "value", e.get("msg")) for e in errors[:3])
        raise ModuleError("%s is not valid: %s" % (option, text))
    return parsed.model_dump(mode="json", exclude_none=True)


def quantization_adapter():
    return TypeAdapter(models.QuantizationConfig)


def _vector_from_json(params):
    return {"size": params.get("size"), "distance": params.get("distance"), "on_disk": params.get("on_disk")}


def normalize_info(name, info, aliases=None):
    """Collection info (the REST `result` object, as JSON data) -> the module's plain view of it."""
    config = info.get("config") or {}
    params = config.get("params") or {}
    vectors = params.get("vectors")
    single = None
    named = {}
    if isinstance(vectors, dict) and "size" in vectors:
        single = _vector_from_json(vectors)
    elif isinstance(vectors, dict):
        named = dict((k, _vector_from_json(v)) for k, v in sorted(vectors.items()))
    sparse = {}
    for sname, sparams in sorted((params.get("sparse_vectors") or {}).items()):
        sparams = sparams or {}
        sparse[sname] = {"on_disk": (sparams.get("index") or {}).get("on_disk"), "modifier": sparams.get("modifier")}
    indexes = {}
    for field, schema in sorted((info.get("payload_schema") or {}).items()):
        indexes[field] = schema.get("data_type") if isinstance(schema, dict) else schema
    return {
        "name": name,
        "exists": True,
        "status": info.get("status"),
        "points_count": info.get("points_count"),
        "vectors": single,
        "named_vectors": named,
        "sparse_vectors": sparse,
        "on_disk_payload": params.get("on_disk_payload"),
        "shard_number": params.get("shard_number"),
        "replication_factor": params.get("replication_factor"),
        "write_consistency_factor": params.get("write_consistency_factor"),
        "hnsw_config": config.get("hnsw_config") or {},
        "optimizers_config": config.get("optimizer_config") or {},
        "quantization_config": config.get("quantization_config"),
        "payload_indexes": indexes,
        "aliases": sorted(aliases or []),
    }


def absent_view(name):
    return {"name": name, "exists": False}


def to_json_data(obj):
    """A pydantic model from the SDK -> plain JSON data (what the REST API returned)."""
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    return obj


def aliases_by_collection(alias_list):
    """[{alias_name, collection_name}] -> {collection: [alias, ...]}."""
    result = {}
    for item in alias_list:
        result.setdefault(item["collection_name"], []).append(item["alias_name"])
    return result


def list_aliases(client):
    return [{"alias_name": a.alias_name, "collection_name": a.collection_name} for a in client.get_aliases().aliases]


def list_collection_names(client):
    return sorted(c.name for c in client.get_collections().collections)


def read_collection(client, name, alias_list=None, names=None):
    """The plain view of one collection, or {name, exists: False}. An alias of that name is not it."""
    if name not in (names if names is not None else list_collection_names(client)):
        return absent_view(name)
    info = to_json_data(client.get_collection(name))
    if alias_list is None:
        alias_list = list_aliases(client)
    return normalize_info(name, info, aliases_by_collection(alias_list).get(name, []))
