"""The mongo role's Atlas path against an emulated Admin API v2, backed by the local SecantusDB.

Atlas itself cannot run here. This serves the Admin API v2 endpoints the role calls (groups,
flexClusters, accessList, databaseUsers) from a small in-process HTTP server that keeps state and
creates the database users it is given in the local SecantusDB, and whose "cluster" connection string
points at that server. It exercises the role's Atlas task files end to end (project creation, cluster
wait, access list, users, connecting as the deployer, DATABASE_HOST with the app user) and the
second-run idempotence. Like Atlas, it applies a new database user a few seconds after the API call,
so the role's first connection only succeeds because it waits for it. It does not prove Atlas accepts
these requests: the unit tests check the bodies against an excerpt of the published definition.
"""
from __future__ import annotations

import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pymongo
import pytest

PLAYBOOK = "playbooks/mongo.yml"
APPLY_DELAY = 10  # seconds before a new database user works, as on Atlas (longer than the tasks between)


class FakeAtlas:
    def __init__(self, admin_client, mongo_uri):
        self.admin = admin_client
        self.mongo_uri = mongo_uri
        self.groups = {}
        self.clusters = {}
        self.users = {}
        self.access = {}
        self.requests = []

    def handle(self, method, path, body):
        self.requests.append((method, path))
        path = path.split("?")[0].replace("/api/atlas/v2", "", 1)
        if m := re.fullmatch(r"/groups/byName/([^/]+)", path):
            group = next((g for g in self.groups.values() if g["name"] == m[1]), None)
            return (200, group) if group else (404, {"error": 404, "errorCode": "GROUP_NAME_NOT_FOUND"})
        if path == "/groups" and method == "POST":
            group = {"id": secrets.token_hex(12), "name": body["name"], "orgId": body["orgId"], "clusterCount": 0}
            self.groups[group["id"]] = group
            return 201, group
        if m := re.fullmatch(r"/groups/(\w+)/flexClusters(?:/([^/]+))?", path):
            key = (m[1], m[2] or (body or {}).get("name"))
            if method == "POST":
                self.clusters[key] = {
                    "id": secrets.token_hex(12), "groupId": m[1], "name": key[1], "stateName": "CREATING",
                    "clusterType": "REPLICASET", "mongoDBVersion": "8.0.4", "connectionStrings": {},
                    "providerSettings": dict(body["providerSettings"], providerName="FLEX", diskSizeGB=5.0),
                    "terminationProtectionEnabled": body.get("terminationProtectionEnabled", False)}
                return 201, dict(self.clusters[key])
            cluster = self.clusters.get(key)
            if cluster is None:
                return 404, {"error": 404, "errorCode": "FLEX_CLUSTER_NOT_FOUND"}
            if method == "DELETE":
                del self.clusters[key]
                return 202, None
            cluster.update(stateName="IDLE", connectionStrings={"standardSrv": self.mongo_uri})
            return 200, cluster
        if m := re.fullmatch(r"/groups/(\w+)/accessList", path):
            entries = self.access.setdefault(m[1], {})
            if method == "POST":
                for entry in body:
                    entries[entry["cidrBlock"]] = entry.get("comment", "")
            return 200, {"results": [{"cidrBlock": k, "comment": v} for k, v in entries.items()],
                         "totalCount": len(entries)}
        if m := re.fullmatch(r"/groups/(\w+)/databaseUsers(?:/admin/([^/]+))?", path):
            if method == "POST":
                assert body["groupId"] == m[1]  # required by the spec's CloudDatabaseUser
                self.users[(m[1], body["username"])] = {k: v for k, v in body.items() if k not in ("password", "groupId")}
                # Atlas applies a new user asynchronously: it can log in only a little later
                threading.Timer(APPLY_DELAY, self.admin.admin.command, ("createUser", body["username"]), dict(
                    pwd=body["password"], roles=[{"role": r["roleName"], "db": r["databaseName"]} for r in body["roles"]],
                    mechanisms=["SCRAM-SHA-256"])).start()
                return 201, self.users[(m[1], body["username"])]
            user = self.users.get((m[1], m[2]))
            if user is None:
                return 404, {"error": 404, "errorCode": "USERNAME_NOT_FOUND"}
            if method == "DELETE":
                del self.users[(m[1], m[2])]
                self.admin.admin.command("dropUser", m[2])
                return 204, None
            if method == "PATCH":
                user.update({k: v for k, v in body.items() if k != "password"})
            return 200, user
        return 404, {"error": 404, "errorCode": "RESOURCE_NOT_FOUND", "detail": path}


@pytest.fixture()
def atlas(stack):
    admin = pymongo.MongoClient(stack.mongo_host, stack.mongo_port, username="admin",
                                password=stack.mongo_admin_password, authSource="admin", directConnection=True,
                                serverSelectionTimeoutMS=5000)
    fake = FakeAtlas(admin, "mongodb://%s:%d" % (stack.mongo_host, stack.mongo_port))

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            try:
                status, document = fake.handle(self.command, self.path, body)
            except pymongo.errors.PyMongoError as exc:
                status, document = 400, {"error": 400, "errorCode": "INVALID", "detail": str(exc)}
            raw = json.dumps(document).encode() if document is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/vnd.atlas.2023-01-01+json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_PATCH = do_DELETE = _serve  # noqa: N815

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake.url = "http://127.0.0.1:%d" % server.server_address[1]
    yield fake
    server.shutdown()
    server.server_close()
    for user in ("twin_emu_app", "twin-emu-deployer"):
        if admin.admin.command("usersInfo", user)["users"]:
            admin.admin.command("dropUser", user)
    admin.drop_database("twin_emu")
    admin.close()


def test_atlas_path_end_to_end_against_the_emulated_api(atlas, stack, playbook):
    app_password = secrets.token_hex(16)
    deployer_password = secrets.token_hex(16)
    extra = {
        "mongo_provider": "atlas", "mongo_atlas_api_base_url": atlas.url,
        "mongo_atlas_public_key": "pub", "mongo_atlas_private_key": "priv-" + secrets.token_hex(8),
        "mongo_atlas_org_id": "5f1b2c3d4e5f6a7b8c9d0e1f", "mongo_atlas_project_name": "llm-twin-emu",
        "mongo_atlas_access_list": ["203.0.113.7"], "mongo_atlas_admin_user": "twin-emu-deployer",
        "mongo_atlas_admin_password": deployer_password, "mongo_app_user": "twin_emu_app",
        "mongo_app_password": app_password, "mongo_database_name": "twin_emu",
        "mongo_app_roles": [{"role": "readWrite", "db": "twin_emu"}], "mongo_atlas_ready_delay": 1, "mongo_atlas_ready_timeout": 30,
    }
    # the plan with mongo_atlas_app_access=open shows the 0.0.0.0/0 entry, and creates nothing
    plan = playbook(PLAYBOOK, "--check", "--diff", extra_vars=dict(extra, mongo_atlas_app_access="open"))
    assert plan.failed == 0 and "0.0.0.0/0" in plan.stdout and atlas.groups == {}, plan
    started = time.monotonic()
    first = playbook(PLAYBOOK, "-vvv", extra_vars=extra)
    assert first.failed == 0 and first.changed > 0, first
    # the new users were not usable at first: the role retried its first connection instead of failing
    assert "FAILED - RETRYING: [localhost]: Wait until Atlas accepts the deployer user" in first.stdout
    assert time.monotonic() - started > APPLY_DELAY
    output = first.stdout + first.stderr
    for secret in (app_password, deployer_password, extra["mongo_atlas_private_key"]):
        assert secret not in output
    assert [g["name"] for g in atlas.groups.values()] == ["llm-twin-emu"]
    assert list(atlas.access.values()) == [{"203.0.113.7/32": ""}]
    assert sorted(key[1] for key in atlas.users) == ["twin-emu-deployer", "twin_emu_app"]
    roles = {key[1]: [(r["roleName"], r["databaseName"]) for r in d["roles"]] for key, d in atlas.users.items()}
    assert roles["twin_emu_app"] == [("readWrite", "twin_emu")]

    # the collections were made through the "cluster" as the deployer, and the app user can use them
    app = pymongo.MongoClient("mongodb://twin_emu_app:%s@%s:%d/?authSource=admin"
                              % (app_password, stack.mongo_host, stack.mongo_port),
                              serverSelectionTimeoutMS=5000)
    try:
        assert set(app.twin_emu.list_collection_names()) == {"users", "articles", "posts", "repositories"}
    finally:
        app.close()

    second = playbook(PLAYBOOK, extra_vars=extra)
    assert second.failed == 0 and second.changed == 0, second


def test_an_empty_or_invalid_access_list_fails_before_any_atlas_call(atlas, stack, playbook):
    extra = {"mongo_provider": "atlas", "mongo_atlas_api_base_url": atlas.url, "mongo_atlas_public_key": "pub",
             "mongo_atlas_private_key": "priv", "mongo_atlas_admin_password": "x" * 16, "mongo_app_password": "y" * 16}
    empty = playbook(PLAYBOOK, extra_vars=dict(extra, mongo_atlas_access_list=[]))
    invalid = playbook(PLAYBOOK, extra_vars=dict(extra, mongo_atlas_access_list=["203.0.113.300"]))
    assert empty.failed == 1 and "the access list must not be empty (0 entries" in empty.stdout, empty
    assert invalid.failed == 1 and "not valid: 203.0.113.300" in invalid.stdout, invalid
    assert atlas.requests == []
