# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The MongoDB backend: shared connection options, the client factory, error translation into
ModuleError, and MongoModule (the ResourceModule every mongodb_* module derives from)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json
import os
import sys
from urllib.parse import parse_qsl, quote, unquote, urlencode

from ansible.module_utils.basic import env_fallback, missing_required_lib
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError, ResourceModule, failed, mask_uri

# pymongo is imported on first use (load_pymongo), after the module's input is validated: bad input
# fails without paying for the import, and a plain TCP connection can skip pyOpenSSL (see below).
pymongo = None
pymongo_errors = None

AUTH_FAILED = 18
NAMESPACE_NOT_FOUND = 26
SYSTEM_DATABASES = frozenset(("admin", "local", "config", "$external"))
INDEX_DIRECTIONS = (1, -1, "2d", "2dsphere", "hashed", "text")
# BSON integers are 8 bytes; some server fields are 4 (expireAfterSeconds). A bigger Python int makes
# the driver raise OverflowError mid-run, so ranges are checked with the rest of the input.
INT32_MAX = 2 ** 31 - 1
INT64_MAX = 2 ** 63 - 1
# What MongoDB refuses in a database name (on Linux, Atlas included) and its length limit in bytes.
DATABASE_NAME_FORBIDDEN = '/\\. "$\x00'
DATABASE_NAME_MAX_BYTES = 63
NAMESPACE_MAX_BYTES = 255


def mongodb_argument_spec(**extra):
    """The connection options every mongodb_* module accepts, merged with the module's own."""
    spec = dict(
        login_uri=dict(type="str", no_log=True, fallback=(env_fallback, ["MONGODB_URI"])),
        login_host=dict(type="str", default="127.0.0.1"),
        login_port=dict(type="int", default=27017),
        login_user=dict(type="str", no_log=False, fallback=(env_fallback, ["MONGODB_USER"])),
        login_password=dict(type="str", no_log=True, fallback=(env_fallback, ["MONGODB_PASSWORD"])),
        login_database=dict(type="str", default="admin"),
        auth_mechanism=dict(type="str", default="SCRAM-SHA-256", choices=["SCRAM-SHA-256", "SCRAM-SHA-1"]),
        tls=dict(type="bool", default=False),
        tls_ca_file=dict(type="path"),
        tls_certificate_key_file=dict(type="path", no_log=False),
        tls_allow_invalid_certificates=dict(type="bool", default=False),
        connect_timeout=dict(type="int", default=10),
    )
    spec.update(extra)
    return spec


def database_name_error(name, option="database"):
    """Why `name` cannot be a MongoDB database name (naming `option`), or None."""
    if not name:
        return "%s must be a non-empty database name" % option
    bad = sorted(set(c for c in name if c in DATABASE_NAME_FORBIDDEN))
    if bad:
        return "%s %r is not a valid database name: it must not contain %s" % (
            option, name, " ".join(repr(c) for c in bad))
    if len(name.encode("utf-8")) > DATABASE_NAME_MAX_BYTES:
        return "%s must be at most %d bytes long, got %d" % (option, DATABASE_NAME_MAX_BYTES, len(name.encode("utf-8")))
    return None


def collection_name_error(name, database, option="name"):
    """Why `name` cannot be a collection of `database` (naming `option`), or None."""
    if not name:
        return "%s must be a non-empty collection name" % option
    if "$" in name or "\x00" in name:
        return "%s %r is not a valid collection name: it must not contain '$' or a NUL character" % (option, name)
    if name.startswith(".") or name.endswith(".") or ".." in name:
        return "%s %r is not a valid collection name: no empty part between dots" % (option, name)
    if name.startswith("system."):
        return "%s %r is not allowed: system.* collections belong to MongoDB" % (option, name)
    size = len(("%s.%s" % (database or "", name)).encode("utf-8"))
    if size > NAMESPACE_MAX_BYTES:
        return "%s is too long: database.collection must be at most %d bytes, got %d" % (option, NAMESPACE_MAX_BYTES, size)
    return None


def range_error(value, option, low, high):
    """Why the integer option `value` is outside [low, high], or None (None values are unset options)."""
    if value is not None and not low <= value <= high:
        return "%s must be between %d and %d, got %s" % (option, low, high, value)
    return None


def connection_error(params):
    """Why the connection options cannot work, before any connection is tried; None when they can."""
    for error in (range_error(params["login_port"], "login_port", 1, 65535),
                  range_error(params["connect_timeout"], "connect_timeout", 1, 3600),
                  database_name_error(params["login_database"], "login_database")):
        if error:
            return error
    for option in ("tls_ca_file", "tls_certificate_key_file"):
        path = params.get(option)
        if path and not os.path.isfile(path):
            return "%s %s does not exist or is not a file (a PEM file is expected)" % (option, path)
        if path and not os.access(path, os.R_OK):
            return "%s %s is not readable" % (option, path)
    return None


def _needs_tls(params):
    uri = (params.get("login_uri") or "").lower()
    return bool(params.get("tls")) or uri.startswith("mongodb+srv") or "tls=true" in uri or "ssl=true" in uri


def load_pymongo(params):
    """Import pymongo once; returns False when it is not installed.

    pymongo prefers pyOpenSSL when installed, which costs ~60 ms of imports (a third of pymongo's);
    without TLS it is never used, so pymongo is pointed at the standard library's ssl module instead.
    """
    global pymongo, pymongo_errors  # pylint: disable=global-statement
    if pymongo is not None:
        return True
    hide_openssl = not _needs_tls(params) and "OpenSSL" not in sys.modules
    if hide_openssl:
        sys.modules["OpenSSL"] = None
    try:
        import pymongo as _pymongo  # pylint: disable=import-outside-toplevel
        from pymongo import errors as _errors  # pylint: disable=import-outside-toplevel
    except ImportError:
        return False
    finally:
        if hide_openssl:
            del sys.modules["OpenSSL"]
    pymongo, pymongo_errors = _pymongo, _errors
    return True


def ensure_pymongo(params):
    if not load_pymongo(params):
        raise ModuleError(missing_required_lib("pymongo"))


def _client_kwargs(params):
    timeout_ms = max(1, params["connect_timeout"]) * 1000
    kwargs = dict(
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        socketTimeoutMS=max(timeout_ms, 30000),
        appname="llmtwin.deploy",
    )
    if params["tls"]:
        kwargs["tls"] = True
        if params["tls_ca_file"]:
            kwargs["tlsCAFile"] = params["tls_ca_file"]
        if params["tls_certificate_key_file"]:
            kwargs["tlsCertificateKeyFile"] = params["tls_certificate_key_file"]
        if params["tls_allow_invalid_certificates"]:
            kwargs["tlsAllowInvalidCertificates"] = True
    return kwargs


def build_client(params, user=None, password=None):
    """A MongoClient for the module's connection options (or for another user on the same server).

    Pymongo connects lazily: the first command is where connection and authentication errors appear.
    """
    kwargs = _client_kwargs(params)
    user = user if user is not None else params["login_user"]
    password = password if password is not None else params["login_password"]
    if user:
        kwargs.update(username=user, password=password or "", authMechanism=params["auth_mechanism"],
                      authSource=params["login_database"])
    if params["login_uri"]:
        return pymongo.MongoClient(params["login_uri"], **kwargs)
    # a single named host: talk to it directly instead of discovering a replica set behind it
    return pymongo.MongoClient(params["login_host"], params["login_port"], directConnection=True, **kwargs)


def describe_error(exc, params=None):
    """One line explaining a pymongo error, with any URI password masked."""
    if pymongo_errors is not None:
        if isinstance(exc, pymongo_errors.OperationFailure):
            if exc.code == AUTH_FAILED:
                user = (params or {}).get("login_user") or "the given user"
                return ("authentication failed for %s (check login_user, login_password and login_database)"
                        % user)
            detail = (exc.details or {}).get("errmsg") or str(exc)
            return mask_uri("%s (code %s)" % (detail, exc.code))
        if isinstance(exc, pymongo_errors.ServerSelectionTimeoutError):
            where = "the server"
            if params:
                where = mask_uri(params.get("login_uri")) or "%s:%s" % (params["login_host"], params["login_port"])
            return "cannot reach %s within %ss: %s" % (where, params["connect_timeout"] if params else "?",
                                                       mask_uri(str(exc).split(",", maxsplit=1)[0]))
        if isinstance(exc, pymongo_errors.ConfigurationError):
            return "invalid connection settings: %s" % mask_uri(str(exc))
    return mask_uri(str(exc))


def pymongo_exceptions():
    """The exception classes a module catches around its calls (PyMongoError covers driver errors)."""
    return (pymongo_errors.PyMongoError, ValueError, TypeError)


@contextlib.contextmanager
def translated(action, resource, params):
    """Turn a driver error inside the block into failed(action, resource, <one line, URIs masked>)."""
    try:
        yield
    except pymongo_exceptions() as exc:
        raise failed(action, resource, describe_error(exc, params)) from None


def error_code(exc):
    return getattr(exc, "code", None)


def close_client(client):
    """Close a client and let the interpreter exit at once.

    close() only flags pymongo's monitor threads to stop; they notice within 0.5 s, and pymongo's
    atexit hook joins them, so every module would idle ~0.5 s at exit. The threads are daemons and
    the client is closed, so forgetting them is safe.
    """
    client.close()
    executors = getattr(getattr(pymongo, "periodic_executor", None), "_EXECUTORS", None)
    if isinstance(executors, set):
        executors.clear()


class MongoModule(ResourceModule):
    """A ResourceModule with MongoDB's connection options, one client (self.client) and its closing.

    The connection options are checked in connect(), after the module's own validate() and before
    pymongo is imported or anything is contacted."""

    backend_spec = staticmethod(mongodb_argument_spec)
    client = None

    def connect(self):
        error = connection_error(self.params)
        if error:
            raise ModuleError(error)
        ensure_pymongo(self.params)
        try:
            self.client = build_client(self.params)
        except pymongo_exceptions() as exc:
            raise failed("connect to", "MongoDB", describe_error(exc, self.params)) from None

    def close(self):
        if self.client is not None:
            close_client(self.client)
            self.client = None


def as_document(value, option):
    """A mapping option given as a dict or as a JSON object string; None when unset, else an error text."""
    if value is None or isinstance(value, dict):
        return value, None
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return parsed, None
    return None, "%s must be a document (a mapping such as {\"$jsonSchema\": {...}}), got %s" % (
        option, type(value).__name__)


def plain(value):
    """BSON documents (SON, Int64, floats that are integers) as plain, comparable Python values."""
    if isinstance(value, dict):
        return dict((str(k), plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value
    return str(value)


# ---------------------------------------------------------------- connection strings for applications

def split_uri(uri):
    """(scheme, user or None, hosts, path, query) of a mongodb:// or mongodb+srv:// URI."""
    scheme, sep, rest = str(uri).partition("://")
    if not sep or not scheme.startswith("mongodb"):
        raise ValueError("not a mongodb:// or mongodb+srv:// connection string")
    end = min([i for i in (rest.find("/"), rest.find("?")) if i != -1] or [len(rest)])
    netloc, tail = rest[:end], rest[end:]
    userinfo, at, hosts = netloc.rpartition("@")
    if not at:
        userinfo, hosts = "", netloc
    path, _mark, query = tail.partition("?")
    return scheme, unquote(userinfo.partition(":")[0]) or None, hosts, path or "/", query


def uri_with_credentials(uri, user=None, password=None, query=None):
    """`uri` with the user (kept when not given) and password percent-encoded into it, and `query`
    (when given) as its query string. MongoDB requires : / ? # [ ] @ to be escaped in both."""
    scheme, old_user, hosts, path, old_query = split_uri(uri)
    user = user or old_user
    if password and not user:
        raise ValueError("a password needs a user name")
    credentials = ""
    if user:
        credentials = quote(user, safe="") + (":" + quote(password, safe="") if password else "") + "@"
    query = old_query if query is None else query
    return "%s://%s%s%s%s" % (scheme, credentials, hosts, path, "?" + query if query else "")


def user_uri(params, user, auth_source):
    """The connection string `user` (authenticating on `auth_source`) uses to reach the server the module
    talks to, without a password: the module's login_uri hosts and options, or login_host:login_port."""
    if params.get("login_uri"):
        _scheme, _user, _hosts, _path, query = split_uri(params["login_uri"])
        base = uri_with_credentials(params["login_uri"], user=user, query="")
        options = [(k, v) for k, v in parse_qsl(query) if k.lower() != "authsource"]
    else:
        host = params["login_host"]
        if ":" in host and not host.startswith("["):
            host = "[%s]" % host  # an IPv6 address
        base = "mongodb://%s@%s:%s/" % (quote(user, safe=""), host, params["login_port"])
        options = [("tls", "true")] if params.get("tls") else []
    return uri_with_credentials(base, query=urlencode(options + [("authSource", auth_source)]))
