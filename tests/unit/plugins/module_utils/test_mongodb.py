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


# ------------------------------------------------------------ connection strings for the application

@pytest.mark.parametrize("params, expected", [
    (dict(PARAMS, tls=False), "mongodb://twin_app@127.0.0.1:27017/?authSource=admin"),
    (dict(PARAMS, tls=True, login_host="::1"), "mongodb://twin_app@[::1]:27017/?tls=true&authSource=admin"),
    (dict(PARAMS, login_uri="mongodb+srv://admin:pw-SECRET@twin.abcde.mongodb.net/?retryWrites=true&authSource=admin"),
     "mongodb+srv://twin_app@twin.abcde.mongodb.net/?retryWrites=true&authSource=admin"),
])
def test_user_uri_names_the_server_and_never_a_password(params, expected):
    assert _mongodb.user_uri(params, "twin_app", "admin") == expected


def test_credentials_are_percent_encoded_into_a_uri():
    assert _mongodb.uri_with_credentials("mongodb://twin_app@h:1/?authSource=admin", password="p@ss/w:rd?#[]%") == \
        "mongodb://twin_app:p%40ss%2Fw%3Ard%3F%23%5B%5D%25@h:1/?authSource=admin"
    assert _mongodb.uri_with_credentials("mongodb+srv://twin.abcde.mongodb.net", user="a@b", password="x",
                                         query="retryWrites=true&w=majority") == \
        "mongodb+srv://a%40b:x@twin.abcde.mongodb.net/?retryWrites=true&w=majority"
    # the user of the input is replaced, its old password dropped
    assert _mongodb.uri_with_credentials("mongodb://old:pw@h/db?x=1", user="new") == "mongodb://new@h/db?x=1"
    with pytest.raises(ValueError):
        _mongodb.uri_with_credentials("postgres://h/", password="x")
    with pytest.raises(ValueError):
        _mongodb.uri_with_credentials("mongodb://h/", password="x")


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
    ("mongodb_database", dict(database="a b"), "database 'a b' is not a valid database name"),
    ("mongodb_database", dict(database="d11", collections=[{"name": "c"}, {"name": "a$b"}]),
     "collections[1].name 'a$b' is not a valid collection name"),
    ("mongodb_database", dict(database="d11", collections=[{"name": "c"}, {"name": "c"}]),
     "collections[1].name: the collection c is listed twice"),
    ("mongodb_database", dict(database="d11", collections=[{"name": "c", "validator": "[1]"}]),
     "collections[0].validator must be a document"),
    ("mongodb_database", dict(database="d11", collections=[{"name": "c", "capped": True}]),
     "collections[0].size is required"),
    ("mongodb_database", dict(database="d11", collections=[{"name": "c", "ttl": {"field": "t", "expire_after_seconds": 2 ** 40}}]),
     "collections[0].ttl.expire_after_seconds must be between 0 and 2147483647"),
    ("mongodb_database", dict(database="d11", collections=[{"name": "c", "indexes": [{"keys": [{"a": "sideways"}]}]}]),
     "collections[0].indexes[0].keys.a: direction must be one of"),
    ("mongodb_database", dict(database="d11", users=[{"name": "u", "roles": [{"role": "read", "db": "x/y"}]}]),
     "users[0].roles[0].db 'x/y' is not a valid database name"),
    ("mongodb_database", dict(database="d11", users=[{"name": "u"}, {"name": "u"}]), "users[1].name: the user u is listed twice"),
    ("mongodb_database", dict(database="d11", login_port=0), "login_port must be between 1 and 65535, got 0"),
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
