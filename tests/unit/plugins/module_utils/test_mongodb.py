"""_mongodb: documents in options, BSON normalization, and error text without secrets."""
from __future__ import annotations

from bson.int64 import Int64
from bson.son import SON
from pymongo import errors

from ansible_collections.llmtwin.deploy.plugins.module_utils import _mongodb

PARAMS = dict(login_uri=None, login_host="127.0.0.1", login_port=27017, login_user="admin",
              login_password="pw-SECRET", connect_timeout=2)
_mongodb.load_pymongo(PARAMS)


def test_tls_is_needed_for_srv_and_tls_uris():
    assert not _mongodb._needs_tls(PARAMS)
    assert _mongodb._needs_tls(dict(PARAMS, login_uri="mongodb+srv://twin.abcde.mongodb.net"))
    assert _mongodb._needs_tls(dict(PARAMS, login_uri="mongodb://h/?tls=true"))
    assert _mongodb._needs_tls(dict(PARAMS, tls=True))


def test_as_document():
    assert _mongodb.as_document({"a": 1}, "validator") == ({"a": 1}, None)
    assert _mongodb.as_document('{"a": 1}', "validator") == ({"a": 1}, None)
    value, error = _mongodb.as_document("nope", "validator")
    assert value is None and "validator must be a document" in error


def test_plain_normalizes_bson():
    assert _mongodb.plain(SON([("a", Int64(5)), ("b", 1.0), ("c", [SON([("d", 2.5)])])])) == \
        {"a": 5, "b": 1, "c": [{"d": 2.5}]}


def test_errors_are_one_line_and_masked():
    auth = errors.OperationFailure("authentication failed", code=18)
    assert "authentication failed for admin" in _mongodb.describe_error(auth, PARAMS)
    other = errors.OperationFailure("x", code=31, details={"errmsg": "bad mongodb://u:pw-SECRET@h/ role"})
    text = _mongodb.describe_error(other, PARAMS)
    assert "pw-SECRET" not in text and "(code 31)" in text
    timeout = errors.ServerSelectionTimeoutError("127.0.0.1:1: [Errno 111] Connection refused, Timeout: 2s")
    uri_params = dict(PARAMS, login_uri="mongodb://admin:pw-SECRET@db.example:27017/")
    text = _mongodb.describe_error(timeout, uri_params)
    assert text.startswith("cannot reach mongodb://admin:********@db.example:27017/ within 2s")
    assert "pw-SECRET" not in text


def test_client_is_built_with_timeouts_and_scram_sha_256():
    client = _mongodb.build_client(dict(PARAMS, login_database="admin", auth_mechanism="SCRAM-SHA-256", tls=False,
                                        tls_ca_file=None, tls_certificate_key_file=None,
                                        tls_allow_invalid_certificates=False))
    try:
        options = client.options
        assert options.server_selection_timeout == 2
        assert options.pool_options.connect_timeout == 2
    finally:
        _mongodb.close_client(client)
