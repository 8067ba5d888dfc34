from ansible_collections.llmtwin.deploy.plugins.module_utils import _common


def test_mask_uri_hides_every_password_and_keeps_the_rest():
    text = "mongodb+srv://app:s3cr3t@c0.mongodb.net/twin and http://u:p@h:1/x and http://h/no-auth"
    masked = _common.mask_uri(text)
    assert "s3cr3t" not in masked and ":p@" not in masked
    assert masked == ("mongodb+srv://app:********@c0.mongodb.net/twin and http://u:********@h:1/x"
                      " and http://h/no-auth")


def test_mask_uri_passes_empty_values_through():
    assert _common.mask_uri(None) is None
    assert _common.mask_uri("") == ""


def test_retry_returns_after_transient_failures():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("not yet")
        return "ok"

    assert _common.retry(flaky, ConnectionError, timeout=10, base_delay=0.01) == "ok"
    assert len(calls) == 3


def test_retry_reraises_when_time_runs_out():
    def always():
        raise TimeoutError("still down")

    try:
        _common.retry(always, TimeoutError, timeout=0.05, base_delay=0.02)
    except TimeoutError as exc:
        assert "still down" in str(exc)
    else:
        raise AssertionError("retry swallowed the final error")
