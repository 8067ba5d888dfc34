"""Fixtures and the closing count line of the reliability suite; the helpers live in harness.py."""
from harness import aws, docker_client, mongo, playbook, stack, summary, zenml, zenml_config  # noqa: F401 pylint: disable=unused-import


def pytest_terminal_summary(terminalreporter):
    line = summary()
    if line:
        terminalreporter.write_line(line)
