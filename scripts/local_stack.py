"""The local stack: real services on 127.0.0.1 that the default deployment and every test use.

    local_stack.py up | down | status | env | base-image

State (data, pidfiles, logs, generated credentials) lives under one git-ignored folder,
LLMTWIN_STACK_DIR (default: <repo>/.local-stack). `up` is idempotent: a service whose pidfile
names a live process that passes its health check is left alone. `down` stops exactly the
processes whose pidfiles we wrote.
"""
from __future__ import annotations

import base64
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STATE = Path(os.environ.get("LLMTWIN_STACK_DIR", REPO / ".local-stack")).resolve()
BIN = Path(sys.executable).parent
CACHE = Path(os.environ.get("LLMTWIN_CACHE_DIR", Path.home() / ".cache" / "llmtwin-deploy"))

HOST = "127.0.0.1"
MONGO_PORT = 27017
MOTO_PORT = 5005
REGISTRY_PORT = 5000
MONGO_ADMIN_USER = "admin"
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
        "qdrant": STATE / "qdrant",
        "secrets": STATE / "secrets",
        "run": STATE / "run",
    }


def docker_socket() -> Path:
    # unix socket paths are limited to ~108 bytes; keep it short and under our state dir
    return paths()["run"] / "docker.sock"


def environment() -> dict[str, str]:
    """What a client needs to reach the stack (no secrets: those stay in files under secrets/)."""
    return {
        "LLMTWIN_STACK_DIR": str(STATE),
        "AWS_ENDPOINT_URL": f"http://{HOST}:{MOTO_PORT}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "DOCKER_HOST": f"unix://{docker_socket()}",
        "ZENML_CONFIG_PATH": str(paths()["zenml"]),
        "ZENML_ANALYTICS_OPT_IN": "false",
        "ZENML_LOGGING_VERBOSITY": "WARN",
        "QDRANT_PATH": str(paths()["qdrant"]),
        "MONGO_HOST": HOST,
        "MONGO_PORT": str(MONGO_PORT),
        "REGISTRY": f"{HOST}:{REGISTRY_PORT}",
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
    client = pymongo.MongoClient(HOST, MONGO_PORT, **kwargs)
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
    req = urllib.request.Request(f"http://{HOST}:{REGISTRY_PORT}/v2/",
                                 headers={"Authorization": f"Basic {token}"})
    with urllib.request.urlopen(req, timeout=2) as resp:
        if resp.status != 200:
            raise StackError(f"registry answered {resp.status}")


def zenml_ping() -> str:
    # in a child process (importing zenml costs seconds) that runs a file: ZenML derives its source
    # root from the main module's file and refuses `python -c`
    out = subprocess.run([str(BIN / "python"), __file__, "zenml-active-stack"],
                         env={**os.environ, **environment()}, capture_output=True, text=True, timeout=120, check=False)
    if out.returncode != 0:
        raise StackError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "zenml failed")
    return out.stdout.strip().splitlines()[-1]


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
    argv = [str(BIN / "secantusd-py"), "--host", HOST, "--port", str(MONGO_PORT),
            "--storage-path", str(data / "db"), "--standalone", "--log-level", "WARNING"]
    if not marker.exists():
        # SecantusDB has no localhost exception: bootstrap the admin user without auth, then restart.
        spawn("mongo", argv)
        wait_until("mongo", lambda: mongo_ping(auth=False))
        import pymongo

        client = pymongo.MongoClient(HOST, MONGO_PORT, serverSelectionTimeoutMS=5000)
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
    spawn("moto", [str(BIN / "moto_server"), "-H", HOST, "-p", str(MOTO_PORT)],
          env={"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"})
    wait_until("moto", moto_ping)


def start_docker() -> None:
    d = paths()["docker"]
    dockerd = shutil.which("dockerd") or "/usr/bin/dockerd"
    spawn("docker", [
        dockerd, "--data-root", str(d / "data"), "--exec-root", str(d / "exec"),
        "-H", f"unix://{docker_socket()}", "--pidfile", str(d / "dockerd.pid"), "--log-level", "warn",
        "--bridge=none", "--iptables=false", "--ip6tables=false",
        "--insecure-registry", f"{HOST}:{REGISTRY_PORT}",
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
        f"http:\n  addr: {HOST}:{REGISTRY_PORT}\n  secret: {secret('registry_http_secret')}\n"
        f"auth:\n  htpasswd:\n    realm: llmtwin-local\n    path: {htpasswd}\n"
    )
    config.chmod(0o600)
    registry = shutil.which("docker-registry") or "/usr/bin/docker-registry"
    spawn("registry", [registry, "serve", str(config)])
    wait_until("registry", registry_ping)


# name -> (start, health check); order matters only for readability
PROCESSES = {
    "mongo": (start_mongo, mongo_ping),
    "moto": (start_moto, moto_ping),
    "docker": (start_docker, docker_ping),
    "registry": (start_registry, registry_ping),
}
FOLDERS = {"zenml": zenml_ping, "qdrant": qdrant_ping}


def prepare() -> None:
    for path in paths().values():
        path.mkdir(parents=True, exist_ok=True)
    STATE.chmod(0o700)
    paths()["secrets"].chmod(0o700)
    (STATE / "env").write_text("".join(f"export {k}={v}\n" for k, v in environment().items()))


def up() -> int:
    prepare()
    for name, (start, check) in PROCESSES.items():
        if read_pid(name) is not None:
            try:
                check()
                print(f"{name:9} already running (pid {read_pid(name)})")
                continue
            except Exception as exc:  # restarting would lose moto's in-memory state: say so instead
                raise StackError(f"{name} is running (pid {read_pid(name)}) but unhealthy: {exc}; "
                                 "run 'scripts/local-stack down' and 'up' again") from exc
        start()
        print(f"{name:9} started (pid {read_pid(name)})")
    for name, check in FOLDERS.items():
        wait_until(name, check, timeout=180)
        print(f"{name:9} ready ({paths()[name]})")
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
        print(f"{name:9} {'stopped' if stop(name) else 'not running'}")
    unmount_leftovers()
    return 0


def status() -> int:
    healthy = True
    for name, (_start, check) in PROCESSES.items():
        pid = read_pid(name)
        if pid is None:
            print(f"{name:9} down")
            healthy = False
            continue
        try:
            check()
            print(f"{name:9} healthy (pid {pid})")
        except Exception as exc:  # report, do not crash: status is a diagnostic
            print(f"{name:9} unhealthy (pid {pid}): {exc}")
            healthy = False
    for name, check in FOLDERS.items():
        try:
            detail = check()
            print(f"{name:9} healthy ({paths()[name]}{', active stack ' + detail if detail else ''})")
        except Exception as exc:  # same: report and carry on
            print(f"{name:9} unhealthy: {exc}")
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
