"""_mongodb: documents in options, BSON normalization, and error text without secrets."""
from __future__ import annotations

import pytest
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


# ------------------------------------------------------------ bad input: one message, before any connection

BAD_INPUT = [
    # (module, arguments, the message's start); every module runs with the stack's defaults otherwise
    ("mongodb_collection", dict(database="", name="c"), "database must be a non-empty database name"),
    ("mongodb_collection", dict(database="a.b", name="c"), "database 'a.b' is not a valid database name"),
    ("mongodb_collection", dict(database="d11", name=""), "name must be a non-empty collection name"),
    ("mongodb_collection", dict(database="d11", name="a$b"), "name 'a$b' is not a valid collection name"),
    ("mongodb_collection", dict(database="d11", name="c", capped=True, size=2 ** 64),
     "size must be between 1 and 1125899906842624"),
    ("mongodb_collection", dict(database="d11", name="c", capped=True, size=4096, max=2 ** 70),
     "max must be between 1 and 9223372036854775807"),
    ("mongodb_collection", dict(database="d11", name="c", ttl=dict(field="t", expire_after_seconds=2 ** 64)),
     "ttl.expire_after_seconds must be between 0 and 2147483647"),
    ("mongodb_collection", dict(database="d11", name="c", ttl=dict(field="t", expire_after_seconds=10 ** 12)),
     "ttl.expire_after_seconds must be between 0 and 2147483647"),
    ("mongodb_collection", dict(database="d11", name="c", ttl=dict(field="", expire_after_seconds=60)),
     "ttl.field must be a non-empty field name"),
    ("mongodb_index", dict(database="", collection="c"), "database must be a non-empty database name"),
    ("mongodb_index", dict(database="d11", collection=""), "collection must be a non-empty collection name"),
    ("mongodb_index", dict(database="d11", collection="c", indexes=[{"keys": [{"": 1}]}]),
     "indexes[0].keys: field names must be non-empty"),
    ("mongodb_index", dict(database="d11", collection="c", indexes=[{"keys": {"t": 1}, "expire_after_seconds": 10 ** 12}]),
     "indexes[0].expire_after_seconds must be between 0 and 2147483647"),
    ("mongodb_index", dict(database="d11", collection="c", indexes=[{"keys": {"t": 1}, "expire_after_seconds": 2 ** 64}]),
     "indexes[0].expire_after_seconds must be between 0 and 2147483647"),
    ("mongodb_user", dict(name="", password="an-unused-password"), "name must be a non-empty user name"),
    ("mongodb_user", dict(name="u", password="an-unused-password", database="a b"), "database 'a b' is not a valid database name"),
    ("mongodb_user", dict(name="u", password="an-unused-password", roles=[{"role": "read", "db": "x/y"}]),
     "roles[0].db 'x/y' is not a valid database name"),
    ("mongodb_info", dict(databases=["ok", ""]), "databases[1] must be a non-empty database name"),
    ("mongodb_info", dict(tls=True, tls_ca_file="/nonexistent/ca.pem"), "tls_ca_file /nonexistent/ca.pem does not exist"),
    ("mongodb_info", dict(tls_certificate_key_file="/nonexistent/client.pem"),
     "tls_certificate_key_file /nonexistent/client.pem does not exist"),
    ("mongodb_info", dict(connect_timeout=-5), "connect_timeout must be between 1 and 3600, got -5"),
    ("mongodb_info", dict(connect_timeout=0), "connect_timeout must be between 1 and 3600, got 0"),
    ("mongodb_info", dict(login_port=70000), "login_port must be between 1 and 65535, got 70000"),
    ("mongodb_info", dict(login_database=""), "login_database must be a non-empty database name"),
]


@pytest.mark.parametrize("module_name, args, message", BAD_INPUT,
                         ids=["%s-%d" % (case[0], i) for i, case in enumerate(BAD_INPUT)])
def test_bad_input_fails_with_one_message_before_any_connection(module_name, args, message, monkeypatch, capsys):
    import importlib
    import json

    from ansible.module_utils.testing import patch_module_args

    def tripwire(*_args, **_kwargs):
        raise AssertionError("the module connected before rejecting its input")

    monkeypatch.setattr(_mongodb, "build_client", tripwire)
    monkeypatch.setattr(_mongodb, "ensure_pymongo", tripwire)
    module = importlib.import_module("ansible_collections.llmtwin.deploy.plugins.modules." + module_name)
    with patch_module_args(dict(args, login_user="admin", login_password="pw-SECRET")):
        with pytest.raises(SystemExit):
            module.main()
    out = capsys.readouterr().out
    result = json.loads(out)
    assert result["failed"] is True
    assert result["msg"].startswith(message), result["msg"]
    assert "Traceback" not in out and "pw-SECRET" not in out
