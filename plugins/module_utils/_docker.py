# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docker backend: the daemon's argument spec, client factory and error translation, the registry
options, and DockerResource, the ResourceModule base of the docker_* modules (documented in
doc_fragments/docker.py). The build context is _build_context.py, the registry client _registry.py,
ECR authorization _aws.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import importlib.util
import json
import re
import socket

from http.client import HTTPConnection, HTTPException
from urllib.parse import quote

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.llmtwin.deploy.plugins.module_utils._common import (
    ModuleError, ResourceModule, failed, mask_uri,
)

# The docker SDK (and requests under it) costs ~0.5 s to import: it is imported only when the daemon
# must build, push, tag or remove. Reads on the unchanged path (inspect an image, HEAD a manifest) go
# through the standard library. APIError/DockerException/ImageNotFound stay importable from here.
try:
    HAS_DOCKER = importlib.util.find_spec("docker") is not None
except (ImportError, ValueError):
    HAS_DOCKER = False
_SDK_NAMES = ("APIError", "DockerException", "ImageNotFound")


def __getattr__(name):  # PEP 562: the SDK's exception classes, imported on first use
    if name in _SDK_NAMES:
        try:
            errors = importlib.import_module("docker.errors")
        except ImportError:
            return Exception
        return getattr(errors, name)
    raise AttributeError(name)


def sdk_errors():
    """The SDK exceptions a daemon call can raise (docker.errors.DockerException covers APIError)."""
    errors = importlib.import_module("docker.errors")
    requests_exceptions = importlib.import_module("requests.exceptions")
    return (errors.DockerException, requests_exceptions.RequestException)


def is_not_found(exc):
    return getattr(getattr(exc, "response", None), "status_code", None) == 404


# A repository path as the distribution spec allows it: lowercase components, no registry, no tag.
REPOSITORY_PATH = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")
TIMEOUT_OPTIONS = ("timeout", "registry_timeout", "build_timeout")


def repository_name_error(name, option="name"):
    """None for a valid [registry/]repository name, else a message naming the option (no daemon call)."""
    first, slash, rest = name.partition("/")
    # the first component is a registry host when it has a dot or a port, or is localhost
    path = rest if slash and ("." in first or ":" in first or first == "localhost") else name
    if not REPOSITORY_PATH.match(path):
        return ("%s must be a repository name (lowercase letters, digits and . _ - separators, optionally "
                "after a registry host), got %r" % (option, name))
    return None


def split_reference(reference):
    """'host:5000/name:tag' -> ('host:5000/name', 'tag'); a reference without a tag gets None."""
    name, sep, tag = reference.rpartition(":")
    if not sep or "/" in tag:
        return reference, None
    return name, tag


def stream_error(message):
    """The error of one decoded build/push stream message, or None."""
    if not isinstance(message, dict):
        return None
    if message.get("error"):
        return message["error"]
    detail = message.get("errorDetail")
    if isinstance(detail, dict) and detail.get("message"):
        return detail["message"]
    return None


# ---------------------------------------------------------------- argument specs

def docker_argument_spec():
    """Daemon connection options shared by every docker_* module."""
    return dict(
        docker_host=dict(type="str", default="unix:///var/run/docker.sock", aliases=["docker_url"],
                         fallback=(env_fallback, ["DOCKER_HOST"])),
        # each daemon API answer (the version handshake included); a long build has its own build_timeout
        timeout=dict(type="int", default=30),
    )


def registry_argument_spec():
    """Registry endpoint and credentials (docker_image_push); the ECR/AWS options are _aws.ecr_argument_spec()."""
    return dict(
        registry=dict(type="str"),
        registry_auth=dict(type="str", default="ecr", choices=["ecr", "basic", "none"]),
        registry_username=dict(type="str"),
        registry_password=dict(type="str", no_log=True),
        registry_insecure=dict(type="bool", default=False),
        registry_timeout=dict(type="int", default=30),
    )


# ---------------------------------------------------------------- the daemon

def _cause(exc):
    if getattr(exc, "explanation", None):
        text = exc.explanation
    else:
        text = str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = text.strip()
    # requests wraps socket errors several levels deep; the innermost reason is what a person needs
    match = re.search(r"\[Errno \d+\][^')\]]*", text)
    if match and "Connection aborted" in text or match and "Max retries" in text:
        text = match.group(0)
    return mask_uri(text)


def docker_error(action, resource, exc):
    """An SDK exception as the one error type: "Failed to <action> <resource>: <cause>"."""
    return failed(action, resource, _cause(exc))


def _connect_failure(docker_host, cause):
    return failed("connect to", "the Docker daemon at %s" % docker_host,
                  "%s. Is dockerd running, and does docker_host (DOCKER_HOST) name its socket?" % cause)


def docker_client(docker_host, timeout):
    if not HAS_DOCKER:
        raise ModuleError(missing_required_lib("docker"))
    docker = importlib.import_module("docker")
    try:
        return docker.APIClient(base_url=docker_host, version="auto", timeout=timeout)
    except sdk_errors() as exc:
        raise _connect_failure(docker_host, _cause(exc))


class _UnixConnection(HTTPConnection):
    def __init__(self, path, timeout):
        super(_UnixConnection, self).__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


class DaemonReader(object):
    """GET requests to the Engine API over its unix socket with the standard library only."""

    def __init__(self, docker_host, timeout):
        self.docker_host = docker_host
        self.path = docker_host[len("unix://"):]
        self.timeout = timeout

    def get(self, path):
        connection = _UnixConnection(self.path, self.timeout)
        try:
            connection.request("GET", path, headers={"Host": "docker"})
            response = connection.getresponse()
            return response.status, response.read()
        except (OSError, HTTPException) as exc:
            raise _connect_failure(self.docker_host, exc)
        finally:
            connection.close()

    def inspect_image(self, reference):
        status, body = self.get("/images/%s/json" % quote(reference, safe="/:@"))
        if status == 404:
            return None
        if status != 200:
            raise failed("inspect", "image %s" % reference,
                         "HTTP %d: %s" % (status, body[:300].decode("utf-8", "replace").strip()))
        return json.loads(body.decode("utf-8"))


class Daemon(object):
    """The daemon of one module run: the SDK's low-level client on first use, reads without it."""

    def __init__(self, docker_host, timeout):
        self.docker_host = docker_host
        self.timeout = timeout
        self._api = None
        self._reader = None

    @property
    def api(self):
        if self._api is None:
            self._api = docker_client(self.docker_host, self.timeout)
        return self._api

    def inspect_image(self, reference):
        """The daemon's image record, or None. Without the SDK on a unix socket (the common case)."""
        if self.docker_host.startswith("unix://") and self._api is None:
            if self._reader is None:
                self._reader = DaemonReader(self.docker_host, self.timeout)
            return self._reader.inspect_image(reference)
        try:
            return self.api.inspect_image(reference)
        except sdk_errors() as exc:
            if is_not_found(exc):
                return None
            raise docker_error("inspect", "image %s" % reference, exc)

    def close(self):
        if self._api is not None:
            self._api.close()
            self._api = None


# ---------------------------------------------------------------- the modules' base

class DockerResource(ResourceModule):
    """ResourceModule with the daemon options merged in and the daemon opened lazily (bad input and an
    unchanged image never import the SDK)."""

    backend_spec = staticmethod(docker_argument_spec)

    def __init__(self):
        super(DockerResource, self).__init__()
        self.daemon = None

    def validate(self):
        for name in TIMEOUT_OPTIONS:
            value = self.params.get(name)
            if value is not None and value <= 0:
                raise ModuleError("%s must be a positive number of seconds, got %s" % (name, value))

    def connect(self):
        self.daemon = Daemon(self.params["docker_host"], self.params["timeout"])

    def close(self):
        if self.daemon is not None:
            self.daemon.close()
