"""Helpers of module_utils/_zenml.py and _zenml_plan.py that need no ZenML import and no store."""
import os
import socket
import sys

import pytest

from ansible_collections.llmtwin.deploy.plugins.module_utils import _zenml as z
from ansible_collections.llmtwin.deploy.plugins.module_utils import _zenml_plan as plan
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError


def test_common_params_checked_without_io():
    assert plan.check_common_params({"store_url": "ftp://x"}).startswith("store_url: expected an http")
    assert plan.check_common_params({"aws_endpoint_url": "127.0.0.1:5005"}).startswith("aws_endpoint_url:")
    assert "needs store_url" in plan.check_common_params({"store_api_key": "k"})
    # a valid timeout is no problem at all (the old assertion here looked for a message the code never says)
    assert plan.check_common_params({"timeout": 5}) is None
    assert plan.check_common_params({"timeout": 0}).startswith("timeout must be a positive")
    assert plan.check_common_params({"store_url": "https://zenml.example", "timeout": 1.5}) is None


def test_environment_quiets_zenml_and_exports_endpoint():
    env = z.zenml_environment({"config_path": "/tmp/zc", "aws_endpoint_url": "http://127.0.0.1:5005",
                               "store_url": None, "store_api_key": None})
    assert env["ZENML_CONFIG_PATH"] == "/tmp/zc"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5005"
    assert env["ZENML_ANALYTICS_OPT_IN"] == "false"
    assert "ZENML_STORE_URL" not in env


@pytest.mark.parametrize("value, stored", [
    (None, None), ("", None), ("None", None), (False, "false"), (True, "true"), (6333, "6333"),
    ("twin", "twin"), ({"b": 1, "a": 2}, '{"a": 2, "b": 1}'), ([1, 2], "[1, 2]"),
])
def test_stringify_leaves_out_unset_values(value, stored):
    assert plan.stringify(value) == stored


def test_scrub_masks_every_secret_longest_first():
    text = z.scrub("key abc and abcdef in 'abcdef'", ["abc", "abcdef", None, ""])
    assert "abc" not in text and text.count(z.MASK) == 3


def test_secret_markers_show_names_only():
    before, after = plan.secret_markers({"A": "1", "B": "2"}, {"A": "1", "B": "3", "C": "4"})
    assert before == {"A": plan.HIDDEN, "B": plan.HIDDEN}
    assert after == {"A": plan.UNCHANGED, "B": plan.CHANGED, "C": plan.CHANGED}
    assert "1" not in str(before) + str(after)


def test_masked_mapping():
    assert plan.masked_mapping({"path": "s3://b", "secret": "x", "key": None}, {"secret", "key"}) == {
        "key": None, "path": "s3://b", "secret": z.MASK}


class _ValidationError(Exception):
    def errors(self):
        return [{"loc": ("synchronous",), "msg": "Input should be a valid boolean"},
                {"loc": ("execution_role",), "msg": "Field required"}]


_ValidationError.__name__ = "ValidationError"


def test_error_cause_is_one_line():
    assert z.error_cause(KeyError("No flavor 'x'")) == "No flavor 'x'"
    assert z.error_cause(ValueError("a\n  b")) == "a b"
    assert z.error_cause(_ValidationError("ignored")) == (
        "synchronous: Input should be a valid boolean; execution_role: Field required")


def test_sdk_errors_become_one_scrubbed_module_error():
    z.SECRETS[:] = ["s3cr3t"]
    try:
        with pytest.raises(ModuleError) as err:
            with z.zenml_errors("create", "connector aws"):
                raise ValueError("bad key s3cr3t")
    finally:
        z.SECRETS[:] = []
    assert str(err.value) == "Failed to create connector aws: bad key %s" % z.MASK


def test_module_errors_pass_through_unchanged():
    with pytest.raises(ModuleError) as err:
        with z.zenml_errors("read", "connector type x"):
            raise ModuleError("connector.type: unknown ZenML service connector type 'x'")
    assert str(err.value).startswith("connector.type:")


def test_action_adds_the_logged_cause_of_an_unexpected_error():
    z.LOGS.messages = ["verification failed: Could not connect to the endpoint"]
    try:
        with pytest.raises(ModuleError) as err:
            with z.zenml_errors("verify", "connector aws"):
                raise RuntimeError("an unexpected error occurred while verifying the connector.")
    finally:
        z.LOGS.messages = []
    assert "(verification failed: Could not connect to the endpoint)" in str(err.value)


def test_deadline_stops_a_hanging_call():
    import time
    started = time.monotonic()
    with pytest.raises(ModuleError) as err:
        with z.deadline(0.3, "verify", "connector aws"):
            time.sleep(5)
    assert time.monotonic() - started < 2
    assert str(err.value).startswith("Failed to verify connector aws: no answer within 0.3 s (timeout)")


def test_deadline_not_swallowed_by_except_exception():
    import time
    with pytest.raises(ModuleError):
        with z.deadline(0.2, "reconcile", "stack x"):
            try:
                time.sleep(5)
            except Exception:  # what SDK code does; the deadline must still win
                pass


def test_probe_endpoint():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        assert z.probe_endpoint("http://127.0.0.1:%d" % listener.getsockname()[1], 2) is None
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    assert z.probe_endpoint("http://127.0.0.1:%d" % port, 2)


def test_module_utils_does_not_import_zenml():
    assert "zenml" not in sys.modules or os.environ.get("ZENML_IMPORTED_BY_TESTS")


def test_default_timeout_bounds_a_hung_store_within_a_minute():
    # the deadline covers the store work; importing zenml and starting Python (~5-12 s here) come on top
    assert z.zenml_argument_spec()["timeout"]["default"] <= 40
