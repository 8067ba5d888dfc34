"""A ZenML store that accepts connections and never answers fails a zenml_* task within a minute with the
default timeout (issue 11: it took 126 s with the old 120 s default)."""
from __future__ import annotations

from test_aws_safety import run


def test_a_hung_zenml_store_fails_within_a_minute_with_the_default_timeout(stack, tmp_path, silent_endpoint):
    rc, result, out, seconds = run("zenml_secret", {"name": "e11-hung", "values": {"e11_key": "e11-value-not-in-messages"},
                                                    "store_url": silent_endpoint, "store_api_key": "e11-not-a-key",
                                                    "config_path": str(tmp_path / "zenml")},
                                   stack, timeout=75, env={"ZENML_STORE_URL": "", "ZENML_STORE_API_KEY": ""})
    assert rc != 0 and "Traceback" not in out, out
    assert "Failed to reconcile secret e11-hung: no answer within 40 s (timeout)" in result["msg"], out
    assert "e11-not-a-key" not in out and "e11-value-not-in-messages" not in out, out
    assert seconds <= 60, "zenml_secret took %.1f s" % seconds
