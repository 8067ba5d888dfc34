"""The mongo role's wiring: one mongodb_database task (no loops), connection options set once through the
action group, the merge of mongo_collections and mongo_indexes it passes, and the mongodb_uri filter
that puts the application's password into the URI a module returned."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.llmtwin.deploy.plugins.filter.mongodb_uri import FilterModule

ROLE = Path(__file__).resolve().parents[3] / "roles" / "mongo"


def load(path):
    return yaml.safe_load((ROLE / path).read_text())


def test_one_module_task_per_state_and_no_loops():
    for path in ("tasks/database.yml", "tasks/absent.yml"):
        tasks = load(path)
        assert len(tasks) == 1 and "llmtwin.deploy.mongodb_database" in tasks[0], path
        assert "loop" not in tasks[0] and "module_defaults" not in tasks[0], path
        assert not any(key.startswith("login_") for key in tasks[0]["llmtwin.deploy.mongodb_database"]), path


def test_connection_options_are_set_once_for_the_group():
    block = load("tasks/main.yml")[0]
    defaults = block["module_defaults"]
    assert set(defaults["group/llmtwin.deploy.mongodb"]) >= {"login_host", "login_port", "login_user", "login_password"}
    assert set(defaults["group/llmtwin.deploy.atlas"]) >= {"api_base_url", "public_key", "client_id"}
    # the group reaches mongodb_database because meta/runtime.yml lists it there
    runtime = yaml.safe_load((ROLE.parents[1] / "meta" / "runtime.yml").read_text())
    assert "mongodb_database" in runtime["action_groups"]["mongodb"]
    for path in ("tasks/atlas.yml", "tasks/atlas_read.yml", "tasks/atlas_absent.yml"):
        assert "module_defaults" not in (ROLE / path).read_text(), path  # set once, in main.yml


def render(expression, variables):
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar

    return Templar(loader=DataLoader(), variables=variables).template(expression)


def test_collections_carry_their_indexes_and_indexed_only_collections_are_declared():
    from ansible.parsing.dataloader import DataLoader

    # ansible's loader: strings from role files are trusted templates (yaml.safe_load's are not)
    role_vars = DataLoader().load_from_file(str(ROLE / "vars/main.yml"), trusted_as_template=True)
    variables = dict(DataLoader().load_from_file(str(ROLE / "defaults/main.yml"), trusted_as_template=True), **role_vars)
    variables["mongo_indexes"] = variables["mongo_indexes"] + [{"collection": "extra", "indexes": [{"keys": [{"x": 1}]}]}]
    collections = render(role_vars["__mongo_database_collections"], variables)
    by_name = {c["name"]: c for c in collections}
    assert list(by_name) == ["users", "articles", "posts", "repositories", "extra"]
    assert by_name["users"]["validation_level"] == "moderate"
    assert by_name["users"]["indexes"] == [{"keys": [{"first_name": 1}, {"last_name": 1}]}]
    assert [i["keys"] for i in by_name["posts"]["indexes"]] == [[{"author_id": 1}], [{"link": 1}]]
    assert by_name["extra"] == {"name": "extra", "indexes": [{"keys": [{"x": 1}]}], "purge_indexes": True}
    assert all(c["purge_indexes"] is True for c in collections)


def test_the_filter_inserts_the_password_percent_encoded():
    uri = FilterModule().filters()["mongodb_uri"]
    assert uri("mongodb://twin_app@127.0.0.1:27017/?authSource=admin", password="a:b/c@d") == \
        "mongodb://twin_app:a%3Ab%2Fc%40d@127.0.0.1:27017/?authSource=admin"
    assert uri("mongodb+srv://twin.abcde.mongodb.net", user="twin_app", password="pw", query="retryWrites=true&w=majority") == \
        "mongodb+srv://twin_app:pw@twin.abcde.mongodb.net/?retryWrites=true&w=majority"


def test_the_filter_error_never_shows_the_password():
    from ansible.errors import AnsibleFilterError

    uri = FilterModule().filters()["mongodb_uri"]
    with pytest.raises(AnsibleFilterError) as info:
        uri("not-a-uri", password="pw-SECRET")
    assert "pw-SECRET" not in str(info.value)
