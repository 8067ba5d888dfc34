"""The local stack: real services on 127.0.0.1 that the default deployment and every test use.

    local_stack.py up | down | status | env | base-image

State (data, pidfiles, logs, generated credentials) lives under one git-ignored folder,
LLMTWIN_STACK_DIR (default: <repo>/.local-stack). `up` is idempotent: a service whose pidfile
names a live process that passes its health check is left alone. `down` stops exactly the
processes whose pidfiles we wrote.

Ports are chosen when a stack folder is first prepared (LLMTWIN_MONGO_PORT, LLMTWIN_MOTO_PORT,
LLMTWIN_REGISTRY_PORT, LLMTWIN_ZENML_PORT, else the defaults) and kept in its stack.json, which
the local inventory and the tests read: two stacks (a deployment and the tests') run side by side.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STATE = Path(os.environ.get("LLMTWIN_STACK_DIR", REPO / ".local-stack")).resolve()
BIN = Path(sys.executable).parent
CACHE = Path(os.environ.get("LLMTWIN_CACHE_DIR", Path.home() / ".cache" / "llmtwin-deploy"))

HOST = "127.0.0.1"
DEFAULT_PORTS = {"mongo": 27017, "moto": 5005, "registry": 5000, "zenml": 8237}
MONGO_ADMIN_USER = "admin"
# The ZenML server's bootstrap user (its password stays in secrets/) and the service account whose
# API key every client uses, as in production (store_url + API key).
ZENML_ADMIN_USER = "default"
ZENML_SERVICE_ACCOUNT = "llmtwin-deploy"
# moto's ECR hands out a fixed token (user AWS, password "<account>-auth-token"); the registry
# accepts exactly that, so the image role logs in through the real ECR flow.
AWS_ACCOUNT = "123456789012"
REGISTRY_USER = "AWS"
REGISTRY_PASSWORD = f"{AWS_ACCOUNT}-auth-token"
BASE_IMAGE = "python:3.11-slim-bookworm"
READY_TIMEOUT = 60


class StackError(Exception):
    pass


def paths() -> dict[str, Path]:
    return {
        "mongo": STATE / "mongo",
        "moto": STATE / "moto",
        "docker": STATE / "docker",
        "registry": STATE / "registry",
        "zenml": STATE / "zenml",
        "zenml-server": STATE / "zenml-server",
        "qdrant": STATE / "qdrant",
        "secrets": STATE / "secrets",
        "run": STATE / "run",
    }


def ports() -> dict[str, int]:
    """The stack's ports: fixed in stack.json when the folder is first prepared."""
    try:
        return json.loads((STATE / "stack.json").read_text())["ports"]
    except (OSError, ValueError, KeyError):
        pass
    chosen = {}
    for name, default in DEFAULT_PORTS.items():
        value = os.environ.get(f"LLMTWIN_{name.upper()}_PORT") or default
        try:
            chosen[name] = int(value)
        except ValueError:
            raise StackError(f"LLMTWIN_{name.upper()}_PORT must be a port number, got {value!r}") from None
        if not 1024 <= chosen[name] <= 65535:
            raise StackError(f"LLMTWIN_{name.upper()}_PORT must be between 1024 and 65535, got {value}")
    if len(set(chosen.values())) != len(chosen):
        raise StackError(f"the stack's ports must differ: {chosen}")
    return chosen


def zenml_url() -> str:
    return f"http://{HOST}:{ports()['zenml']}"


def registry() -> str:
    return f"{HOST}:{ports()['registry']}"


def docker_socket() -> Path:
    # unix socket paths are limited to ~108 bytes; keep it short and under our state dir
    return paths()["run"] / "docker.sock"


def environment() -> dict[str, str]:
    """What a client needs to reach the stack (no secrets: those stay in files under secrets/)."""
    return {
        "LLMTWIN_STACK_DIR": str(STATE),
        "AWS_ENDPOINT_URL": f"http://{HOST}:{ports()['moto']}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "DOCKER_HOST": f"unix://{docker_socket()}",
        "ZENML_CONFIG_PATH": str(paths()["zenml"]),
        "ZENML_STORE_URL": zenml_url(),
        "ZENML_ANALYTICS_OPT_IN": "false",
        "ZENML_LOGGING_VERBOSITY": "WARN",
        "QDRANT_PATH": str(paths()["qdrant"]),
        "MONGO_HOST": HOST,
        "MONGO_PORT": str(ports()["mongo"]),
        "REGISTRY": registry(),
    }


# ---------------------------------------------------------------- process bookkeeping

def pidfile(name: str) -> Path:
    return paths()["run"] / f"{name}.pid"


def read_pid(name: str) -> int | None:
    try:
        pid = int(pidfile(name).read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except OSError:
        return None
    return pid


def spawn(name: str, argv: list[str], env: dict[str, str] | None = None) -> None:
    log = open(paths()["run"] / f"{name}.log", "ab")
    proc = subprocess.Popen(
        argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})}, start_new_session=True, cwd=STATE,
    )
    pidfile(name).write_text(str(proc.pid))


def stop(name: str, timeout: float = 20) -> bool:
    pid = read_pid(name)
    if pid is None:
        pidfile(name).unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.1)
    else:
        os.killpg(pid, signal.SIGKILL)
    pidfile(name).unlink(missing_ok=True)
    return True


def wait_until(name: str, check, timeout: float = READY_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if name in PROCESSES and read_pid(name) is None:
            raise StackError(f"{name} exited while starting; see {paths()['run'] / (name + '.log')}")
        try:
            check()
            return
        except Exception as exc:  # any failure of a health probe means "not ready yet"
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.3)
    raise StackError(f"{name} did not become healthy within {timeout:.0f}s ({last}); "
                     f"see {paths()['run'] / (name + '.log')}")


def secret(name: str) -> str:
    """A generated credential, created once and kept (0600) under secrets/."""
    path = paths()["secrets"] / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(24))
        path.chmod(0o600)
    return path.read_text().strip()


# ---------------------------------------------------------------- health checks

def mongo_ping(auth: bool = True) -> None:
    import pymongo

    kwargs = {"serverSelectionTimeoutMS": 2000, "connectTimeoutMS": 2000}
    if auth:
        kwargs.update(username=MONGO_ADMIN_USER, password=secret("mongo_admin_password"),
                      authSource="admin", authMechanism="SCRAM-SHA-256")
    client = pymongo.MongoClient(HOST, ports()["mongo"], **kwargs)
    try:
        client.admin.command("ping")
        if auth:
            client.admin.command("listDatabases", nameOnly=True)
    finally:
        client.close()


def moto_ping() -> None:
    import boto3
    from botocore.config import Config

    env = environment()
    sts = boto3.client("sts", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_DEFAULT_REGION"],
                       aws_access_key_id="testing", aws_secret_access_key="testing",
                       config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1}))
    if sts.get_caller_identity()["Account"] != AWS_ACCOUNT:
        raise StackError("moto answered with an unexpected account")


def docker_ping() -> None:
    import docker

    client = docker.DockerClient(base_url=f"unix://{docker_socket()}", timeout=5)
    try:
        client.ping()
    finally:
        client.close()


def registry_ping() -> None:
    token = base64.b64encode(f"{REGISTRY_USER}:{REGISTRY_PASSWORD}".encode()).decode()
    req = urllib.request.Request(f"http://{registry()}/v2/",
                                 headers={"Authorization": f"Basic {token}"})
    with urllib.request.urlopen(req, timeout=2) as resp:
        if resp.status != 200:
            raise StackError(f"registry answered {resp.status}")


def zenml_server_ping() -> None:
    """The server answers /health and accepts the service account's API key (a real OAuth2 login)."""
    with urllib.request.urlopen(f"{zenml_url()}/health", timeout=2) as resp:
        if resp.status != 200:
            raise StackError(f"ZenML server answered {resp.status} on /health")
    key_file = paths()["secrets"] / "zenml_api_key"
    if key_file.exists():
        zenml_login({"password": key_file.read_text().strip()})


def zenml_login(form: dict[str, str]) -> str:
    """An access token for a username/password or an API key (the form fields ZenML's /login takes)."""
    data = urllib.parse.urlencode(form).encode()
    with urllib.request.urlopen(f"{zenml_url()}/api/v1/login", data=data, timeout=10) as resp:
        return json.load(resp)["access_token"]


def zenml_api(token: str, method: str, path: str, body: dict | None = None) -> dict:
    req = urllib.request.Request(f"{zenml_url()}/api/v1{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


def zenml_api_key() -> None:
    """Create the service account and its API key once; the key is kept in secrets/ and never printed."""
    key_file = paths()["secrets"] / "zenml_api_key"
    if key_file.exists():
        return
    token = zenml_login({"username": ZENML_ADMIN_USER, "password": secret("zenml_admin_password")})
    try:
        account = zenml_api(token, "GET", f"/service_accounts/{ZENML_SERVICE_ACCOUNT}")
    except urllib.error.HTTPError as exc:
        if exc.code != 404:
            raise
        account = zenml_api(token, "POST", "/service_accounts", {"name": ZENML_SERVICE_ACCOUNT, "active": True})
    # a key name is unique per account: a new key after a lost key file must not collide
    key = zenml_api(token, "POST", f"/service_accounts/{account['id']}/api_keys",
                    {"name": f"local-stack-{int(time.time())}"})["body"]["key"]
    partial = key_file.with_suffix(".partial")
    partial.write_text(key)
    partial.chmod(0o600)
    partial.replace(key_file)


def zenml_ping() -> str:
    # in a child process (importing zenml costs seconds) that runs a file: ZenML derives its source
    # root from the main module's file and refuses `python -c`
    out = subprocess.run([str(BIN / "python"), __file__, "zenml-active-stack"],
                         env={**os.environ, **environment(), **zenml_client_secrets()},
                         capture_output=True, text=True, timeout=120, check=False)
    if out.returncode != 0:
        raise StackError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "zenml failed")
    return out.stdout.strip().splitlines()[-1]


def zenml_client_secrets() -> dict[str, str]:
    return {"ZENML_STORE_API_KEY": (paths()["secrets"] / "zenml_api_key").read_text().strip()}


def zenml_active_stack() -> int:
    from zenml.client import Client

    print(Client().active_stack.name)
    return 0


def qdrant_ping() -> None:
    from qdrant_client import QdrantClient

    client = QdrantClient(path=str(paths()["qdrant"]))
    try:
        client.get_collections()
    finally:
        client.close()


# ---------------------------------------------------------------- services

def start_mongo() -> None:
    data = paths()["mongo"]
    marker = data / ".admin-created"
    argv = [str(BIN / "secantusd-py"), "--host", HOST, "--port", str(ports()["mongo"]),
            "--storage-path", str(data / "db"), "--standalone", "--log-level", "WARNING"]
    if not marker.exists():
        # SecantusDB has no localhost exception: bootstrap the admin user without auth, then restart.
        spawn("mongo", argv)
        wait_until("mongo", lambda: mongo_ping(auth=False))
        import pymongo

        client = pymongo.MongoClient(HOST, ports()["mongo"], serverSelectionTimeoutMS=5000)
        try:
            if not client.admin.command("usersInfo", MONGO_ADMIN_USER)["users"]:
                client.admin.command("createUser", MONGO_ADMIN_USER, pwd=secret("mongo_admin_password"),
                                     roles=["root"], mechanisms=["SCRAM-SHA-256"])
        finally:
            client.close()
        stop("mongo")
        marker.touch()
    spawn("mongo", argv + ["--auth"])
    wait_until("mongo", mongo_ping)


def start_moto() -> None:
    spawn("moto", [str(BIN / "moto_server"), "-H", HOST, "-p", str(ports()["moto"])],
          env={"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"})
    wait_until("moto", moto_ping)


def start_docker() -> None:
    d = paths()["docker"]
    dockerd = shutil.which("dockerd") or "/usr/bin/dockerd"
    spawn("docker", [
        dockerd, "--data-root", str(d / "data"), "--exec-root", str(d / "exec"),
        "-H", f"unix://{docker_socket()}", "--pidfile", str(d / "dockerd.pid"), "--log-level", "warn",
        "--bridge=none", "--iptables=false", "--ip6tables=false",
        "--insecure-registry", registry(),
    ])
    wait_until("docker", docker_ping)


def start_registry() -> None:
    reg = paths()["registry"]
    htpasswd = reg / "htpasswd"
    if not htpasswd.exists():
        out = subprocess.run(["htpasswd", "-Bbn", REGISTRY_USER, REGISTRY_PASSWORD],
                             capture_output=True, text=True, check=True)
        htpasswd.write_text(out.stdout)
    config = reg / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: warn\n"
        f"storage:\n  filesystem:\n    rootdirectory: {reg / 'data'}\n  delete:\n    enabled: true\n"
        f"http:\n  addr: {registry()}\n  secret: {secret('registry_http_secret')}\n"
        f"auth:\n  htpasswd:\n    realm: llmtwin-local\n    path: {htpasswd}\n"
    )
    config.chmod(0o600)
    binary = shutil.which("docker-registry") or "/usr/bin/docker-registry"
    spawn("registry", [binary, "serve", str(config)])
    wait_until("registry", registry_ping)


def start_zenml() -> None:
    """ZenML's server app under uvicorn, with OAuth2 login and API keys as a production server has."""
    server = paths()["zenml-server"]
    spawn("zenml-server", [str(BIN / "python"), "-m", "uvicorn", "zenml.zen_server.zen_server_api:app",
                           "--host", HOST, "--port", str(ports()["zenml"]), "--log-level", "warning"],
          env={"ZENML_SERVER": "true",
               "ZENML_CONFIG_PATH": str(server),
               "ZENML_LOCAL_STORES_PATH": str(server / "local_stores"),
               "ZENML_STORE_URL": f"sqlite:///{server / 'zenml.db'}",
               "ZENML_SERVER_AUTH_SCHEME": "OAUTH2_PASSWORD_BEARER",
               "ZENML_SERVER_JWT_SECRET_KEY": secret("zenml_jwt_secret"),
               "ZENML_SERVER_AUTO_ACTIVATE": "true",
               "ZENML_DEFAULT_USER_NAME": ZENML_ADMIN_USER,
               "ZENML_DEFAULT_USER_PASSWORD": secret("zenml_admin_password"),
               "ZENML_SERVER_ALLOW_LOCAL_FILE_ACCESS": "false",
               # the server side of the AWS connector (STS for temporary credentials) talks to moto
               "AWS_ENDPOINT_URL": f"http://{HOST}:{ports()['moto']}",
               "ZENML_ANALYTICS_OPT_IN": "false",
               "ZENML_LOGGING_VERBOSITY": "WARN"})
    wait_until("zenml-server", zenml_server_ping, timeout=120)
    zenml_api_key()
    zenml_server_ping()


# name -> (start, health check); order matters only for readability
PROCESSES = {
    "mongo": (start_mongo, mongo_ping),
    "moto": (start_moto, moto_ping),
    "docker": (start_docker, docker_ping),
    "registry": (start_registry, registry_ping),
    "zenml-server": (start_zenml, zenml_server_ping),
}
# checked after the processes: the ZenML client through the server, the embedded Qdrant folder
FOLDERS = {"zenml": zenml_ping, "qdrant": qdrant_ping}


def stack_description() -> dict:
    """What the inventory and the tests need to reach this stack (no secrets: those are files in secrets/)."""
    return {"host": HOST, "ports": ports(), "zenml_url": zenml_url(), "registry": registry(),
            "aws_endpoint_url": f"http://{HOST}:{ports()['moto']}", "docker_host": f"unix://{docker_socket()}"}


def prepare() -> None:
    for path in paths().values():
        path.mkdir(parents=True, exist_ok=True)
    STATE.chmod(0o700)
    paths()["secrets"].chmod(0o700)
    describe = STATE / "stack.json"
    if not describe.exists():
        describe.write_text(json.dumps(stack_description(), indent=2) + "\n")
    (STATE / "env").write_text("".join(f"export {k}={v}\n" for k, v in environment().items()))


def up() -> int:
    prepare()
    for name, (start, check) in PROCESSES.items():
        if read_pid(name) is not None:
            try:
                check()
                print(f"{name:12} already running (pid {read_pid(name)})")
                continue
            except Exception as exc:  # restarting would lose moto's in-memory state: say so instead
                raise StackError(f"{name} is running (pid {read_pid(name)}) but unhealthy: {exc}; "
                                 "run 'scripts/local-stack down' and 'up' again") from exc
        start()
        print(f"{name:12} started (pid {read_pid(name)})")
    for name, check in FOLDERS.items():
        wait_until(name, check, timeout=180)
        print(f"{name:12} ready ({paths()[name]})")
    return 0


def unmount_leftovers() -> None:
    """dockerd bind-mounts its default network namespace under exec-root and leaves it mounted."""
    root = str(paths()["docker"]) + "/"
    with open("/proc/mounts", encoding="utf-8") as mounts:
        targets = [line.split()[1] for line in mounts]
    for target in reversed(targets):  # innermost first
        if target.startswith(root):
            subprocess.run(["umount", target], check=False, capture_output=True)


def down() -> int:
    for name in reversed(list(PROCESSES)):
        print(f"{name:12} {'stopped' if stop(name) else 'not running'}")
    unmount_leftovers()
    return 0


def status() -> int:
    healthy = True
    for name, (_start, check) in PROCESSES.items():
        pid = read_pid(name)
        if pid is None:
            print(f"{name:12} down")
            healthy = False
            continue
        try:
            check()
            print(f"{name:12} healthy (pid {pid})")
        except Exception as exc:  # report, do not crash: status is a diagnostic
            print(f"{name:12} unhealthy (pid {pid}): {exc}")
            healthy = False
    for name, check in FOLDERS.items():
        try:
            detail = check()
            print(f"{name:12} healthy ({paths()[name]}{', active stack ' + detail if detail else ''})")
        except Exception as exc:  # same: report and carry on
            print(f"{name:12} unhealthy: {exc}")
            healthy = False
    return 0 if healthy else 1


def base_image() -> int:
    """Give dockerd the base tag the Dockerfile defaults to; no registry can be reached to pull it."""
    import docker

    client = docker.DockerClient(base_url=f"unix://{docker_socket()}", timeout=300)
    try:
        try:
            client.images.get(BASE_IMAGE)
            print(f"{BASE_IMAGE} present")
            return 0
        except docker.errors.ImageNotFound:
            pass
        tarball = CACHE / "base" / "python-3.11-slim-bookworm.tar.gz"
        if not tarball.exists():
            build_base_tarball(tarball)
        with open(tarball, "rb") as fh:
            client.api.import_image_from_data(
                fh.read(), repository=BASE_IMAGE.partition(":")[0], tag=BASE_IMAGE.partition(":")[2],
                changes=['ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin',
                         'ENV LANG=C.UTF-8', 'CMD ["python3"]'])
        client.images.get(BASE_IMAGE)
        print(f"{BASE_IMAGE} imported from {tarball}")
        return 0
    finally:
        client.close()


def build_base_tarball(tarball: Path) -> None:
    tarball.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tarball.parent) as tmp:
        root = Path(tmp) / "rootfs"
        print("debootstrap: building a minimal bookworm with python3 (about a minute, cached)")
        subprocess.run(["debootstrap", "--variant=minbase",
                        "--include=python3,python3-venv,python3-pip,ca-certificates",
                        "bookworm", str(root)], check=True, stdout=subprocess.DEVNULL)
        # the Dockerfile expects `python` like the official image; a shared cache for apt is dead weight
        (root / "usr/local/bin/python").symlink_to("/usr/bin/python3")
        shutil.rmtree(root / "var/cache/apt/archives", ignore_errors=True)
        shutil.rmtree(root / "var/lib/apt/lists", ignore_errors=True)
        partial = Path(tmp) / "base.tar.gz"
        subprocess.run(["tar", "-C", str(root), "-czf", str(partial), "."], check=True)
        partial.replace(tarball)


def main(argv: list[str]) -> int:
    commands = {"up": up, "down": down, "status": status, "base-image": base_image,
                "zenml-active-stack": zenml_active_stack,
                "env": lambda: print((STATE / "env").read_text(), end="") or 0}
    if len(argv) != 2 or argv[1] not in commands:
        print(f"usage: {argv[0]} {'|'.join(commands)}", file=sys.stderr)
        return 2
    try:
        return commands[argv[1]]()
    except StackError as exc:
        print(f"local-stack: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
