"""Benchmark: our modules side by side with what users run today, in one run on the same local services.

    .venv/bin/python bench/side_by_side.py [--runs 5] [--scale-runs 1] [--only aws,mongo,zenml,image,floor,scale]

Needs a running local stack (default: the one in $LLMTWIN_STACK_DIR, else .local-stack; read from its
stack.json; this script never starts or stops one) and the bench's own virtualenv with the `ansible`
package (amazon.aws, community.aws, community.mongodb), from bench/requirements.txt (`make bench` sets it up).
Our collection runs from the project's .venv, as the roles do.

For each piece of work: first converge (fresh names every run, so nothing needs deleting) and no-op
(the last converge's names again), median/min/max of --runs, with the peak RSS of the heaviest process
of the run (wait4's rusage of ansible-playbook covers every child it waited for). Then one extra
no-op per side through counting proxies (untimed) to count the API write calls; the registry's writes
come from its access log. Then the floor (a one-task play) and site.yml no-ops as ratios to it, and
the scale runs. A failed run is reported as failed in the table, never dropped.
Writes bench/results/side_by_side.md and .json (git-ignored).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import http.client
import http.server
import socketserver
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OURS_BIN = REPO / ".venv" / "bin"
THEIRS_BIN = REPO / "bench" / ".venv" / "bin"
PLAYS = REPO / "bench" / "playbooks"
RECAP = re.compile(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")
BASE_IMAGE = "python:3.11-slim-bookworm"  # scripts/local_stack.py base-image puts it into the stack's dockerd


# ---------------------------------------------------------------- running and measuring one command

def measure(argv: list[str], env: dict[str, str], cwd: Path, timeout: float = 900) -> dict:
    """Run argv; wall time, exit code, changed count (ansible recap) and the peak RSS of the process tree."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        deadline = start + timeout
        while True:
            # wait4 (not Popen.wait): its rusage is the child's and all the children it waited for
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
            time.sleep(0.005)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    recap = RECAP.findall(text)
    return {"s": seconds, "rc": proc.returncode, "maxrss_mb": usage.ru_maxrss / 1024,
            "changed": sum(int(m[1]) for m in recap) if recap else None, "tail": text[-2500:]}


def run_sequence(steps: list[list[str]], env, cwd, keep_going: bool = False) -> dict:
    """A CLI sequence timed as one unit (the ZenML and docker anchors); stops at the first failing step
    unless keep_going (what a user re-running a register sequence sees: every step's answer)."""
    total = {"s": 0.0, "rc": 0, "maxrss_mb": 0.0, "changed": None, "tail": "", "steps": []}
    for argv in steps:
        one = measure(argv, env, cwd)
        total["s"] += one["s"]
        total["maxrss_mb"] = max(total["maxrss_mb"], one["maxrss_mb"])
        total["steps"].append({"cmd": " ".join(argv[:4]), "s": round(one["s"], 2), "rc": one["rc"]})
        if one["rc"]:
            total["rc"] = one["rc"]
            total["tail"] = one["tail"]
            if not keep_going:
                break
    total["failed_steps"] = sum(1 for step in total["steps"] if step["rc"])
    return total


def summarize(runs: list[dict]) -> dict:
    times = [r["s"] for r in runs if r["rc"] == 0]
    every = [r["s"] for r in runs]
    return {"runs": len(runs), "ok": len(times),
            "failed_median_s": round(statistics.median(every), 2) if every and not times else None,
            "failed_steps": [r.get("failed_steps") for r in runs if r.get("failed_steps")], "median_s": round(statistics.median(times), 2) if times else None,
            "min_s": round(min(times), 2) if times else None, "max_s": round(max(times), 2) if times else None,
            "maxrss_mb": round(max(r["maxrss_mb"] for r in runs), 1) if runs else None,
            "changed": [r["changed"] for r in runs],
            "failed": [r["tail"][-1200:] for r in runs if r["rc"]][:1]}


# ---------------------------------------------------------------- counting proxies (write calls on a no-op)

MONGO_READS = {"hello", "ismaster", "isMaster", "ping", "buildInfo", "buildinfo", "listCollections", "listIndexes",
               "usersInfo", "rolesInfo", "saslStart", "saslContinue", "find", "getMore", "endSessions", "listDatabases",
               "count", "aggregate", "connectionStatus", "killCursors", "dbStats", "collStats", "getParameter",
               "serverStatus", "getLastError", "getnonce", "whatsmyuri", "getCmdLineOpts", "hostInfo"}
AWS_READ = re.compile(r"^(Get|List|Describe|Head|BatchGet|BatchCheck)")


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.calls: list[tuple[str, bool]] = []  # (what, is_write)

    def add(self, what: str, write: bool):
        with self.lock:
            self.calls.append((what, write))

    def reset(self):
        with self.lock:
            self.calls = []

    def writes(self) -> list[str]:
        with self.lock:
            return [what for what, write in self.calls if write]


def start_mongo_proxy(target: tuple[str, int], counter: Counter) -> int:
    """A TCP proxy that reads each OP_MSG's command name (the first key of its body) on the way in."""

    def pump_in(src, dst):
        buf = b""
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
            buf += data
            while len(buf) >= 16:
                length, _rid, _rto, opcode = struct.unpack("<iiii", buf[:16])
                if len(buf) < length:
                    break
                msg, buf = buf[:length], buf[length:]
                name = "?"
                if opcode == 2013 and len(msg) > 26 and msg[20] == 0:  # OP_MSG, section kind 0 (body)
                    name = msg[26:msg.index(b"\0", 26)].decode(errors="replace")
                elif opcode == 2004:  # OP_QUERY (legacy handshake)
                    name = "legacy-query"
                counter.add(name, name not in MONGO_READS and name != "legacy-query")

    def pump_out(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)

    def accept():
        while True:
            client, _address = listener.accept()
            upstream = socket.create_connection(target)

            def inbound(c=client, u=upstream):
                try:
                    pump_in(c, u)
                except OSError:
                    pass
                finally:
                    for s in (c, u):
                        try:
                            s.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass
            threading.Thread(target=inbound, daemon=True).start()
            threading.Thread(target=pump_out, args=(upstream, client), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1]


def start_http_proxy(target: str, counter: Counter, classify) -> int:
    """A reverse HTTP proxy that records every request and whether `classify` calls it a write."""
    parsed = urllib.parse.urlsplit(target)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def forward(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            what, write = classify(self.command, self.path, self.headers, body)
            conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=300)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
            conn.request(self.command, self.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            counter.add(f"{what} -> {resp.status}", write and resp.status < 400)
            self.send_response(resp.status)
            for key, value in resp.getheaders():
                if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            conn.close()

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = forward

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def classify_aws(method, path, headers, body):
    auth = headers.get("Authorization", "")
    match = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", auth)
    service = match.group(1) if match else "?"
    if service == "s3":
        query = urllib.parse.urlsplit(path).query.split("&")[0].split("=")[0]
        return f"s3 {method} {urllib.parse.urlsplit(path).path}?{query}", method not in ("GET", "HEAD")
    target = headers.get("X-Amz-Target")
    action = target.rpartition(".")[2] if target else urllib.parse.parse_qs(body.decode(errors="replace")).get(
        "Action", ["?"])[0]
    return f"{service} {action}", not AWS_READ.match(action)


def classify_zenml(method, path, _headers, _body):
    route = urllib.parse.urlsplit(path).path
    # logging in with the API key mints a token: authentication, not a change to any resource
    return f"{method} {route}", method not in ("GET", "HEAD", "OPTIONS") and not route.endswith("/login")


def registry_writes(log: Path, offset: int) -> list[str]:
    """The registry's access log lines after offset whose method changes something."""
    try:
        with open(log, "rb") as fh:
            fh.seek(offset)
            lines = fh.read().decode(errors="replace").splitlines()
    except OSError:
        return ["(registry log unreadable)"]
    found = []
    for line in lines:
        match = re.search(r'"(PUT|POST|PATCH|DELETE) ([^ ]+) HTTP/[0-9.]+" (\d+)', line)
        if match and int(match.group(3)) < 400:
            found.append(f"{match.group(1)} {match.group(2)} -> {match.group(3)}")
    return found


# ---------------------------------------------------------------- the bench

class Bench:
    def __init__(self, opts):
        self.opts = opts
        self.stack_dir = opts.stack_dir
        self.stack = json.loads((self.stack_dir / "stack.json").read_text())
        self.secret = lambda name: (self.stack_dir / "secrets" / name).read_text().strip()
        self.work = Path(tempfile.mkdtemp(prefix="bench-", dir=opts.workdir))
        self.tag = time.strftime("%H%M%S")
        self.results: dict = {"sections": {}, "scale": {}, "writes": {}}
        self.write_configs()

    # the same ansible settings for both sides; only where the collections come from differs
    def write_configs(self):
        common = ("[defaults]\nstdout_callback = ansible.builtin.default\nretry_files_enabled = false\n"
                  "host_key_checking = false\nforks = 4\ngathering = explicit\nnocows = true\n"
                  "deprecation_warnings = false\ninterpreter_python = auto_silent\n")
        (self.work / "ours.cfg").write_text(
            common + f"collections_path = {REPO / 'collections'}\ncollections_scan_sys_path = false\n")
        (self.work / "theirs.cfg").write_text(common + "collections_scan_sys_path = true\n")
        for side, binary in (("ours", OURS_BIN), ("theirs", THEIRS_BIN)):
            (self.work / f"{side}.ini").write_text(
                f"[bench]\nlocalhost ansible_connection=local ansible_python_interpreter={binary / 'python'}\n")

    def env(self, side: str, **extra) -> dict[str, str]:
        binary = OURS_BIN if side == "ours" else THEIRS_BIN
        env = {**os.environ, "ANSIBLE_CONFIG": str(self.work / f"{side}.cfg"), "ANSIBLE_NOCOLOR": "1",
               "PATH": f"{binary}:{os.environ['PATH']}", "ZENML_ANALYTICS_OPT_IN": "false",
               "ANSIBLE_LOCAL_TEMP": str(self.work / "tmp"), "ANSIBLE_HOME": str(self.work / f"home-{side}")}
        for key in ("AWS_ENDPOINT_URL", "ZENML_STORE_URL", "ZENML_STORE_API_KEY", "DOCKER_HOST"):
            env.pop(key, None)
        env.update(extra)
        return env

    def playbook(self, side: str, play: str, variables: dict) -> dict:
        path = self.work / f"vars-{side}-{play}.json"
        path.write_text(json.dumps(variables))
        binary = OURS_BIN if side == "ours" else THEIRS_BIN
        return measure([str(binary / "ansible-playbook"), "-i", str(self.work / f"{side}.ini"),
                        str(PLAYS / play), "-e", f"@{path}"], self.env(side), REPO)

    def log(self, text: str):
        print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)

    # both sides of a piece of work, alternating (the shared machine's load drifts; neither side gets the
    # quiet minutes): `runs` first converges with fresh names each, then `runs` no-ops of the last names
    def converge_and_noop(self, name: str, sides: dict) -> None:
        """sides: side -> (run_once(variables) -> result, fresh_vars(i) -> variables)."""
        runs = {side: {"converge": [], "noop": []} for side in sides}
        last = {}
        for kind in ("converge", "noop"):
            for i in range(self.opts.runs):
                for side, (run_once, fresh_vars) in sides.items():
                    if kind == "converge":
                        last[side] = fresh_vars(i)
                    result = run_once(last[side])
                    runs[side][kind].append(result)
                    self.log(f"{name} {side} {kind} {i + 1}: {result['s']:.2f} s rc={result['rc']} "
                             f"changed={result['changed']}")
        for side in sides:
            self.results["sections"].setdefault(name, {})[side] = {
                "converge": summarize(runs[side]["converge"]), "noop": summarize(runs[side]["noop"])}
            self.results["sections"][name][f"{side}_last_vars"] = last[side]

    # ---- common variables
    def aws_vars(self, aws_url: str | None = None) -> dict:
        return {"bench_aws_endpoint_url": aws_url or self.stack["aws_endpoint_url"], "bench_aws_region": "us-east-1",
                "bench_aws_access_key": "testing", "bench_aws_secret_key": "testing"}

    def mongo_vars(self, port: int | None = None) -> dict:
        return {"bench_mongo_host": self.stack["host"], "bench_mongo_port": port or self.stack["ports"]["mongo"],
                "bench_mongo_user": "admin", "bench_mongo_password": self.secret("mongo_admin_password")}

    # ---- a) S3 + ECR + IAM
    def aws_resources(self, side: str, i: int) -> dict:
        suffix = f"{side[0]}{self.tag}{i}"
        return {
            **self.aws_vars(),
            "bench_bucket": f"bench-{suffix}", "bench_repository": f"bench-{suffix}", "bench_role": f"bench-{suffix}",
            "bench_tags": {"project": "bench", "managed-by": "bench"},
            "bench_s3_lifecycle": [{"ID": "abort-incomplete-uploads", "Status": "Enabled", "Filter": {"Prefix": ""},
                                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}],
            "bench_ecr_lifecycle": {"rules": [{"rulePriority": 1, "description": "keep the last 20 images",
                                               "selection": {"tagStatus": "any", "countType": "imageCountMoreThan",
                                                             "countNumber": 20},
                                               "action": {"type": "expire"}}]},
            "bench_trust_policy": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "bench_inline_policy": {"Version": "2012-10-17", "Statement": [
                {"Sid": "ArtifactObjects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                 "Resource": f"arn:aws:s3:::bench-{suffix}/*"}]},
        }

    def bench_aws(self):
        self.converge_and_noop("aws", {
            side: (lambda v, s=side, p=play: self.playbook(s, p, v), lambda i, s=side: self.aws_resources(s, i))
            for side, play in (("theirs", "aws_anchor.yml"), ("ours", "aws_ours.yml"))})

    # ---- b) 3 Mongo indexes + 1 user
    INDEXES = [("users", {"first_name": 1, "last_name": 1}, "first_name_1_last_name_1"),
               ("articles", {"author_id": 1}, "author_id_1"),
               ("posts", {"link": 1}, "link_1")]

    def mongo_resources(self, side: str, i: int, indexes=None, user: bool = True) -> dict:
        database = f"bench_{side[0]}{self.tag}{i}"
        indexes = indexes if indexes is not None else self.INDEXES
        app_user, password, roles = f"bench_{side[0]}{self.tag}{i}", "bench-password-1", [{"db": database,
                                                                                           "role": "readWrite"}]
        per_collection: dict[str, list] = {}
        for collection, keys, name in indexes:
            per_collection.setdefault(collection, []).append({"keys": keys, "name": name})
        return {
            **self.mongo_vars(), "bench_mongo_database": database,
            "bench_mongo_anchor_indexes": [
                {"database": database, "collection": c, "keys": k, "options": {"name": n}, "state": "present"}
                for c, k, n in indexes],
            "bench_mongo_ours_indexes": [{"collection": c, "indexes": ix} for c, ix in per_collection.items()],
            "bench_mongo_ours_collections": [{"name": c, "indexes": ix} for c, ix in per_collection.items()],
            "bench_mongo_ours_users": [{"name": app_user, "database": "admin", "password": password, "roles": roles,
                                        "update_password": "on_create"}] if user else [],
            "bench_mongo_app_user": app_user if user else "",
            "bench_mongo_app_password": password,
            "bench_mongo_app_roles": roles,
        }

    def mongo_play(self) -> str:
        # other work replaces mongodb_index's per-collection calls with a one-process mongodb_database module
        return "mongo_ours_database.yml" if (REPO / "plugins/modules/mongodb_database.py").exists() else "mongo_ours.yml"

    def qdrant_play(self) -> str:
        # qdrant_collection's list form (one process for every collection), when the module has it
        source = (REPO / "plugins/modules/qdrant_collection.py").read_text()
        return "scale_qdrant_list.yml" if "\n  collections:\n" in source else "scale_qdrant.yml"

    def bench_mongo(self):
        self.converge_and_noop("mongo", {
            side: (lambda v, s=side, p=play: self.playbook(s, p, v), lambda i, s=side: self.mongo_resources(s, i))
            for side, play in (("theirs", "mongo_anchor.yml"), ("ours", self.mongo_play()))})
        self.results["sections"]["mongo"]["ours_play"] = self.mongo_play()

    # ---- c) ZenML: our zenml_stack vs the documented CLI sequence
    def zenml_components(self, prefix: str, bucket: str, with_connector: bool = True) -> dict:
        account = "123456789012"
        components = {
            "artifact_store": {"name": f"{prefix}-s3", "flavor": "s3", "configuration": {"path": f"s3://{bucket}"}},
            "container_registry": {"name": f"{prefix}-ecr", "flavor": "aws", "configuration": {
                "uri": f"{account}.dkr.ecr.us-east-1.amazonaws.com", "default_repository": bucket}},
            "orchestrator": {"name": f"{prefix}-sagemaker", "flavor": "sagemaker", "configuration": {
                "execution_role": f"arn:aws:iam::{account}:role/{prefix}", "synchronous": False, "bucket": bucket}},
        }
        stack = {"name": prefix, "components": components}
        if with_connector:
            stack["connector"] = {"name": f"{prefix}-aws", "auth_method": "secret-key", "region": "us-east-1",
                                  "aws_access_key_id": "testing", "aws_secret_access_key": "testing", "verify": False}
        return stack

    def zenml_vars(self, stacks: list[dict], store_url: str | None = None) -> dict:
        return {**self.aws_vars(), "bench_zenml_config_path": str(self.work / "zenml-ours"),
                "bench_zenml_store_url": store_url or self.stack["zenml_url"],
                "bench_zenml_store_api_key": self.secret("zenml_api_key"), "bench_zenml_stacks": stacks}

    def zenml_cli(self, stack: dict, store_url: str | None = None) -> dict:
        """The sequence ZenML's AWS stack guide documents: connector, three components, the stack."""
        c = stack["components"]
        zenml = str(OURS_BIN / "zenml")
        env = self.env("ours", ZENML_CONFIG_PATH=str(self.work / "zenml-cli"), ZENML_STORE_URL=store_url or self.stack[
            "zenml_url"], ZENML_STORE_API_KEY=self.secret("zenml_api_key"), AWS_ENDPOINT_URL=self.stack["aws_endpoint_url"],
            ZENML_LOGGING_VERBOSITY="WARN")
        conn = stack["connector"]["name"]
        steps = [
            [zenml, "service-connector", "register", conn, "--type", "aws", "--auth-method", "secret-key",
             "--aws_access_key_id=testing", "--aws_secret_access_key=testing", "--region=us-east-1", "--no-verify"],
            [zenml, "artifact-store", "register", c["artifact_store"]["name"], "--flavor", "s3",
             f"--path={c['artifact_store']['configuration']['path']}", "--connector", conn],
            [zenml, "container-registry", "register", c["container_registry"]["name"], "--flavor", "aws",
             f"--uri={c['container_registry']['configuration']['uri']}",
             f"--default_repository={c['container_registry']['configuration']['default_repository']}",
             "--connector", conn],
            [zenml, "orchestrator", "register", c["orchestrator"]["name"], "--flavor", "sagemaker",
             f"--execution_role={c['orchestrator']['configuration']['execution_role']}", "--synchronous=False",
             f"--bucket={c['orchestrator']['configuration']['bucket']}"],
            [zenml, "stack", "register", stack["name"], "-a", c["artifact_store"]["name"],
             "-c", c["container_registry"]["name"], "-o", c["orchestrator"]["name"]],
        ]
        return run_sequence(steps, env, self.work, keep_going=True)

    def make_bucket(self, name: str) -> None:
        """The artifact store's bucket exists before the stack is registered (the CLI's connector checks it)."""
        import boto3

        s3 = boto3.client("s3", endpoint_url=self.stack["aws_endpoint_url"], region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        try:
            s3.create_bucket(Bucket=name)
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass

    def zenml_fresh(self, side: str, i: int) -> dict:
        name = f"bench-{side[0]}{self.tag}{i}"
        self.make_bucket(name)
        stack = self.zenml_components(name, name)
        return stack if side == "theirs" else self.zenml_vars([stack])

    def bench_zenml(self):
        self.converge_and_noop("zenml", {
            "theirs": (self.zenml_cli, lambda i: self.zenml_fresh("theirs", i)),
            "ours": (lambda v: self.playbook("ours", "zenml_ours.yml", v), lambda i: self.zenml_fresh("ours", i))})

    # ---- d) image: build + push of a tiny context, unchanged tree
    def image_context(self, i: int) -> Path:
        context = self.work / f"image-{i}"
        context.mkdir(exist_ok=True)
        (context / "Dockerfile").write_text(f"FROM {BASE_IMAGE}\nCOPY app.txt /app/app.txt\n")
        (context / "app.txt").write_text(f"bench {self.tag} {i}\n")
        return context

    def docker_env(self) -> dict:
        config = self.work / "docker-config"
        return self.env("ours", DOCKER_HOST=self.stack["docker_host"], DOCKER_CONFIG=str(config), DOCKER_BUILDKIT="1")

    def docker_cli(self, variables: dict) -> dict:
        docker = shutil.which("docker", path="/usr/bin") or "docker"
        ref = f"{self.stack['registry']}/{variables['bench_image_name']}:latest"
        return run_sequence([[docker, "build", "--network", "host", "-q", "-t", ref, variables["bench_image_context"]],
                             [docker, "push", "-q", ref]], self.docker_env(), self.work)

    def image_vars(self, side: str, i: int) -> dict:
        return {**self.aws_vars(), "bench_docker_host": self.stack["docker_host"],
                "bench_registry": self.stack["registry"], "bench_image_name": f"bench-{side[0]}{self.tag}{i}",
                "bench_image_context": str(self.image_context(i)),
                "bench_image_hash_cache": str(self.work / "image-hash-cache.json")}

    def bench_image(self):
        docker = shutil.which("docker", path="/usr/bin") or "docker"
        login = subprocess.run([docker, "login", "-u", "AWS", "--password-stdin", self.stack["registry"]],
                               input="123456789012-auth-token", text=True, capture_output=True, env=self.docker_env(),
                               check=False)
        if login.returncode:
            self.log(f"docker login failed: {login.stderr.strip()}")
        self.converge_and_noop("image", {
            "theirs": (self.docker_cli, lambda i: self.image_vars("theirs", i)),
            "ours": (lambda v: self.playbook("ours", "image_ours.yml", v), lambda i: self.image_vars("ours", i))})

    # ---- g) write calls on one more no-op per side, through the counting proxies
    def count_writes(self):
        aws_counter, mongo_counter, zenml_counter = Counter(), Counter(), Counter()
        aws_url = f"http://127.0.0.1:{start_http_proxy(self.stack['aws_endpoint_url'], aws_counter, classify_aws)}"
        zenml_url = f"http://127.0.0.1:{start_http_proxy(self.stack['zenml_url'], zenml_counter, classify_zenml)}"
        mongo_port = start_mongo_proxy((self.stack["host"], self.stack["ports"]["mongo"]), mongo_counter)
        sections = self.results["sections"]
        registry_log = self.stack_dir / "run" / "registry.log"

        def count(name, side, counter, call):
            if counter:
                counter.reset()
            offset = registry_log.stat().st_size if registry_log.exists() else 0
            result = call()
            writes = counter.writes() if counter else registry_writes(registry_log, offset)
            calls = len(counter.calls) if counter else None
            self.results["writes"].setdefault(name, {})[side] = {
                "rc": result["rc"], "changed": result["changed"], "writes": len(writes), "write_calls": writes[:20],
                "calls": calls}
            self.log(f"writes on a no-op: {name} {side}: {len(writes)} {writes[:6]} (rc={result['rc']})")

        for side, play in (("theirs", "aws_anchor.yml"), ("ours", "aws_ours.yml")):
            variables = sections.get("aws", {}).get(f"{side}_last_vars")
            if variables:
                count("aws", side, aws_counter,
                      lambda s=side, p=play, v=variables: self.playbook(s, p, {**v, "bench_aws_endpoint_url": aws_url}))
        for side, play in (("theirs", "mongo_anchor.yml"), ("ours", self.mongo_play())):
            variables = sections.get("mongo", {}).get(f"{side}_last_vars")
            if variables:
                count("mongo", side, mongo_counter,
                      lambda s=side, p=play, v=variables: self.playbook(s, p, {**v, "bench_mongo_port": mongo_port}))
        zen = sections.get("zenml", {})
        if zen.get("theirs_last_vars"):
            count("zenml", "theirs", zenml_counter, lambda: self.zenml_cli(zen["theirs_last_vars"], zenml_url))
        if zen.get("ours_last_vars"):
            count("zenml", "ours", zenml_counter, lambda: self.playbook(
                "ours", "zenml_ours.yml", {**zen["ours_last_vars"], "bench_zenml_store_url": zenml_url,
                                           "bench_aws_endpoint_url": aws_url}))
        img = sections.get("image", {})
        if img.get("theirs_last_vars"):
            count("image", "theirs", None, lambda: self.docker_cli(img["theirs_last_vars"]))
        if img.get("ours_last_vars"):
            count("image", "ours", None, lambda: self.playbook("ours", "image_ours.yml", img["ours_last_vars"]))

    # ---- e) the floor and the site.yml no-ops, with the project's own ansible.cfg and inventory
    def bench_floor(self):
        env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1",
               "LLMTWIN_STACK_DIR": str(self.stack_dir), "PATH": f"{OURS_BIN}:{os.environ['PATH']}",
               "ZENML_ANALYTICS_OPT_IN": "false"}
        playbook = str(OURS_BIN / "ansible-playbook")
        self.log("site.yml converge (untimed; builds the application image the first time)")
        first = measure([playbook, "site.yml", "--skip-tags", "verify,pipelines"], env, REPO, timeout=3600)
        self.log(f"site.yml converge: {first['s']:.1f} s rc={first['rc']} changed={first['changed']}")
        floor = {}
        for name, args in (("floor", [str(PLAYS / "floor.yml")]),
                           ("site", ["site.yml", "--skip-tags", "verify,pipelines"]),
                           ("site_mongo", ["site.yml", "--tags", "mongo", "--skip-tags", "verify,pipelines"])):
            runs = []
            for i in range(self.opts.runs):
                runs.append(measure([playbook, *args], env, REPO))
                self.log(f"{name} {i + 1}: {runs[-1]['s']:.2f} s rc={runs[-1]['rc']} changed={runs[-1]['changed']}")
            floor[name] = summarize(runs)
        floor["site_converge"] = {"s": round(first["s"], 1), "rc": first["rc"], "changed": first["changed"],
                                  "failed": [first["tail"][-1200:]] if first["rc"] else []}
        self.results["floor"] = floor

    # ---- f) scale
    def bench_scale(self):
        sizes = self.opts.sizes
        scale = self.results["scale"]
        # Qdrant: N collections in an embedded engine of its own
        for n in sizes:
            path = self.work / f"qdrant-{n}"
            variables = {"bench_qdrant_path": str(path), "bench_qdrant_collections": [f"c{j}" for j in range(n)],
                         "bench_qdrant_collection_specs": [{"name": f"c{j}", "vectors": {"size": 384, "distance": "Cosine"}}
                                                           for j in range(n)]}
            scale.setdefault("qdrant collections", {})[n] = self.scale_point("ours", self.qdrant_play(), variables)
        self.results["scale_plays"] = {"qdrant collections": self.qdrant_play(), "mongo indexes": self.mongo_play(),
                                       "zenml components": "zenml_ours.yml (one zenml_stack task per stack)"}
        # MongoDB: N single-field indexes, at most 10 per collection (MongoDB allows 64 per collection)
        for n in sizes:
            indexes = [(f"c{j // 10}", {f"f{j}": 1}, f"f{j}_1") for j in range(n)]
            variables = self.mongo_resources("ours", 900 + n, indexes=indexes, user=False)
            scale.setdefault("mongo indexes", {})[n] = self.scale_point("ours", self.mongo_play(), variables)
        # ZenML: N components; a stack holds one component per type, so N stacks of one s3 artifact store
        # each plus ZenML's local orchestrator (N + 1 components), one zenml_stack task per stack
        for n in self.opts.zenml_sizes:
            stacks = [{"name": f"bs{self.tag}-{n}-{j}", "components": {
                "artifact_store": {"name": f"bs{self.tag}-{n}-{j}", "flavor": "s3",
                                   "configuration": {"path": f"s3://bs{self.tag}-{n}-{j}"}, "connector": False},
                "orchestrator": {"name": f"bs{self.tag}-{n}-local", "flavor": "local"}}} for j in range(n)]
            scale.setdefault("zenml components", {})[n] = self.scale_point("ours", "zenml_ours.yml",
                                                                           self.zenml_vars(stacks))

    def scale_point(self, side, play, variables) -> dict:
        converge = self.playbook(side, play, variables)
        noops = [self.playbook(side, play, variables) for _run in range(self.opts.scale_runs)]
        self.log(f"scale {play} {len(json.dumps(variables))}B: converge {converge['s']:.1f} s rc={converge['rc']}, "
                 f"no-op {[round(r['s'], 1) for r in noops]} changed={[r['changed'] for r in noops]}")
        return {"converge": summarize([converge]), "noop": summarize(noops)}


# ---------------------------------------------------------------- report

def fit(points: dict) -> dict | None:
    """Least-squares line t = a + b*N and how well it fits (R^2)."""
    xs = [int(n) for n, v in points.items() if v is not None]
    ys = [points[n] for n in points if points[n] is not None]
    if len(xs) < 2:
        return None
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    a = my - b * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - (a + b * x)) ** 2 for x, y in zip(xs, ys))
    return {"a_s": round(a, 2), "b_s_per_item": round(b, 3), "r2": round(1 - ss_res / ss_tot, 4) if ss_tot else 1.0}


def fit_text(f: dict | None) -> str:
    return f"a={f['a_s']} s, b={f['b_s_per_item']} s/item, R2={f['r2']}" if f else "-"


def cell(stat: dict | None) -> str:
    if not stat:
        return "not run"
    if stat["median_s"] is None:
        steps = f", steps failing per run: {stat['failed_steps']}" if stat.get("failed_steps") else ""
        return f"FAILED, all {stat['runs']} runs ({stat['failed_median_s']} s median{steps})"
    text = f"{stat['median_s']:.2f} s ({stat['min_s']:.2f}-{stat['max_s']:.2f})"
    if stat["ok"] < stat["runs"]:
        text += f", {stat['runs'] - stat['ok']} run(s) FAILED"
    return text


def ratio(ours: dict | None, theirs: dict | None) -> str:
    if not ours or not theirs or ours.get("median_s") is None or not theirs.get("median_s"):
        return "-"
    return f"{ours['median_s'] / theirs['median_s']:.2f}x"


LABELS = {
    "aws": ("S3 bucket + ECR repository + IAM role",
            "amazon.aws s3_bucket + community.aws s3_lifecycle + community.aws ecs_ecr + amazon.aws iam_role + iam_policy",
            "aws_s3_bucket + aws_ecr_repository + aws_iam_role"),
    "mongo": ("3 MongoDB indexes (3 collections) + 1 user", "community.mongodb mongodb_index (one task) + mongodb_user",
              None),
    "zenml": ("ZenML connector + artifact store + registry + orchestrator + stack",
              "`zenml service-connector/artifact-store/container-registry/orchestrator/stack register`",
              "zenml_stack (one task)"),
    "image": ("tiny image build + push", "`docker build` + `docker push`", "docker_image_build + docker_image_push"),
}


def report(results: dict) -> str:
    lines = [f"Run {results['started']} - {results['finished']} on {results['host']}, git: {results['git']}; "
             f"median of {results['runs']} (min-max); peak RSS of the heaviest process of a run; load average "
             f"(2 cores) at start {results['load_start']}, at end {results['load_end']}.", "",
             "| work | run | what users run today | ours | ratio | peak RSS today / ours | writes on a no-op today / ours |",
             "|---|---|---|---|---|---|---|"]
    for name, (work, theirs_label, ours_label) in LABELS.items():
        sec = results["sections"].get(name)
        if not sec:
            continue
        if name == "mongo":
            ours_label = ("mongodb_database (one task: indexes and user)" if sec.get("ours_play") == "mongo_ours_database.yml"
                          else "mongodb_index (one task per collection: 3) + mongodb_user")
        writes = results["writes"].get(name, {})
        for run in ("converge", "noop"):
            theirs, ours = sec.get("theirs", {}).get(run), sec.get("ours", {}).get(run)
            rss = f"{theirs['maxrss_mb'] if theirs else '-'} / {ours['maxrss_mb'] if ours else '-'} MB"
            wr = "" if run == "converge" else (
                f"{writes.get('theirs', {}).get('writes', '-')} / {writes.get('ours', {}).get('writes', '-')}")
            label = "first converge" if run == "converge" else "no-op"
            lines.append(f"| {work} | {label} | {theirs_label}: {cell(theirs)} | {ours_label}: {cell(ours)} | "
                         f"{ratio(ours, theirs)} | {rss} | {wr} |")
    floor = results.get("floor")
    if floor:
        base = floor["floor"]
        lines += ["", "| the floor (project ansible.cfg + inventories/local) | time | ratio to the floor | target |",
                  "|---|---|---|---|",
                  f"| one-task do-nothing play | {cell(base)} | 1 | |",
                  f"| `site.yml --skip-tags verify,pipelines`, no-op | {cell(floor['site'])} | "
                  f"{ratio(floor['site'], base)} | <= 12x |",
                  f"| `site.yml --tags mongo`, no-op | {cell(floor['site_mongo'])} | {ratio(floor['site_mongo'], base)} "
                  f"| <= 3x |"]
        lines.append(f"\nsite.yml no-op changed counts: {floor['site']['changed']}, --tags mongo: "
                     f"{floor['site_mongo']['changed']}")
    if results["scale"]:
        lines += ["", "| scale (ours) | N | first converge | no-op | no-op fit t = a + b*N |", "|---|---|---|---|---|"]
        for kind, points in results["scale"].items():
            f = fit({n: p["noop"]["median_s"] for n, p in points.items()})
            fc = fit({n: p["converge"]["median_s"] for n, p in points.items()})
            for n, p in points.items():
                conv = p["converge"]["median_s"]
                noop = p["noop"]["median_s"]
                lines.append(f"| {kind} | {n} | {conv if conv is not None else 'FAILED'} s | "
                             f"{noop if noop is not None else 'FAILED'} s | "
                             f"{fit_text(f)} |")
            results["scale_fit"] = results.get("scale_fit", {})
            results["scale_fit"][kind] = {"noop": f, "converge": fc}
    failures = [(name, side, run, sec[side][run]["failed"][0])
                for name, sec in results["sections"].items() for side in ("theirs", "ours") if side in sec
                for run in ("converge", "noop") if sec[side][run]["failed"]]
    for name, step in results.get("broken", {}).items():
        lines += ["", f"BROKEN step {name}: {step}"]
    for name, side, run, tail in failures:
        lines += ["", f"FAILED: {name} {side} {run}, last output:", "", "    " + tail.replace("\n", "\n    ")]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_stack = os.environ.get("LLMTWIN_STACK_DIR") or str(REPO / ".local-stack")
    parser.add_argument("--stack-dir", type=Path, default=Path(default_stack))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale-runs", type=int, default=1, help="no-op runs per scale point (after one converge)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--zenml-sizes", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument("--only", default="aws,mongo,zenml,image,writes,floor,scale")
    parser.add_argument("--workdir", type=Path, default=None, help="where the temporary files go (default: /tmp)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "side_by_side")
    opts = parser.parse_args()
    if not (opts.stack_dir / "stack.json").exists():
        sys.exit(f"bench: no stack.json in {opts.stack_dir}: start a stack first (make up / scripts/local-stack up)")
    if not (THEIRS_BIN / "ansible-playbook").exists():
        sys.exit("bench: no bench/.venv: python3.11 -m venv bench/.venv && bench/.venv/bin/pip install -r bench/requirements.txt")

    bench = Bench(opts)
    git = subprocess.run(["git", "diff", "--stat"], cwd=REPO, capture_output=True, text=True, check=False).stdout.strip()
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False).stdout
    results = bench.results
    results.update({"started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "runs": opts.runs, "host": socket.gethostname(),
                    "git": f"HEAD {head.strip()}, {git.splitlines()[-1].strip() if git else 'clean tree'}",
                    "stack_dir": str(opts.stack_dir), "load_start": [round(x, 1) for x in os.getloadavg()]})
    only = set(opts.only.split(","))
    steps = [("aws", bench.bench_aws), ("mongo", bench.bench_mongo), ("zenml", bench.bench_zenml),
             ("image", bench.bench_image), ("writes", bench.count_writes), ("floor", bench.bench_floor),
             ("scale", bench.bench_scale)]
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    for name, step in steps:
        if name in only:
            bench.log(f"== {name}")
            try:
                step()
            except Exception as exc:  # a broken step is reported, the others still run
                bench.log(f"{name} step broke: {exc!r}")
                results.setdefault("broken", {})[name] = repr(exc)
            # written after every step, so an interrupted run still leaves what it measured
            results["finished"] = time.strftime("%H:%M:%S")
            results["load_end"] = [round(x, 1) for x in os.getloadavg()]
            table = report(results)
            opts.out.with_suffix(".md").write_text(table)
            opts.out.with_suffix(".json").write_text(json.dumps(results, indent=2, default=str))
    print("\n" + table)
    print(f"written: {opts.out.with_suffix('.md')} and .json")
    shutil.rmtree(bench.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
