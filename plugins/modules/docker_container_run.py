#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: docker_container_run
short_description: Run a one-off container to completion and report what it did
description:
  - Creates a container from I(image), starts it, waits until it exits (at most I(wait_timeout) seconds),
    collects its output and removes it. A job, not a service; used to run the LLM Twin pipelines.
  - C(changed) is honest about the job's effect. When the job prints a line starting with
    I(result_prefix) followed by a JSON object, that object is returned as RV(result) and its C(changed)
    key decides C(changed). Without such a line a job that ran counts as a change.
  - Passwords in URIs are masked in the returned output; I(env) values are never returned.
version_added: "0.1.0"
author:
  - LLM Twin deploy team (@llmtwin)
extends_documentation_fragment:
  - llmtwin.deploy.docker
  - llmtwin.deploy.actions
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying the target.
    support: full
    details: Nothing runs in check mode; the module reports that the job would run.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  idempotent:
    description: When run twice in a row outside check mode, with the same arguments, the second invocation indicates no change.
    support: partial
    details: Idempotent when the job is and reports it with I(result_prefix), as the llm_twin CLI does.
options:
  image:
    description: The image reference to run. It must be present on the daemon (it is not pulled).
    type: str
    required: true
  command:
    description: Arguments passed to the image's entrypoint.
    type: list
    elements: str
    default: []
  env:
    description: Environment variables for the container. Values are treated as secrets.
    type: dict
    default: {}
  volumes:
    description: Bind mounts, each C(host_path:container_path[:ro|rw]).
    type: list
    elements: str
    default: []
  network_mode:
    description: The container's network (C(host) on a daemon without a bridge).
    type: str
    default: host
  user:
    description: Run as this user instead of the image's default user.
    type: str
  wait_timeout:
    description: Seconds the job may run; it is killed and the task fails after that.
    type: int
    default: 1800
  result_prefix:
    description: Marker of the job's result line (see the description).
    type: str
    default: "llm_twin result: "
  output_lines:
    description: How many of the last output lines to return.
    type: int
    default: 40
"""

EXAMPLES = r"""
- name: Run the ETL pipeline in the pushed image
  llmtwin.deploy.docker_container_run:
    image: 127.0.0.1:5000/llm-twin:latest
    command: [run, digital_data_etl, --config, configs/digital_data_etl.yaml]
    env:
      DATABASE_HOST: "{{ mongo_database_host }}"
  no_log: true
"""

RETURN = r"""
exit_code:
  description: The container's exit status.
  returned: when the job ran
  type: int
  sample: 0
result:
  description: The JSON object the job printed after I(result_prefix), if any.
  returned: when the job printed one
  type: dict
  sample: {"pipeline": "digital_data_etl", "changed": false}
output:
  description: The last I(output_lines) lines of the job's output, URI passwords masked.
  returned: when the job ran
  type: list
  elements: str
image:
  description: The image that ran.
  returned: always
  type: str
actions:
  description:
    - What the task did, or in check mode would do, one entry per change, in the order made.
    - "Each entry reads C(<verb> <kind> <name>) or C(<verb> <kind> <name>: <detail>), verb one of
      C(create), C(update), C(delete). Empty when nothing changed."
    - Also returned when the task fails, listing only what was really done before the failure.
  returned: always
  type: list
  elements: str
  sample: ["create bucket llmtwin-artifacts", "update bucket llmtwin-artifacts: versioning Enabled"]
resources:
  description:
    - Every resource the task reconciled, changed or not, one C(<kind> <name>) entry each.
  returned: always
  type: list
  elements: str
  sample: ["bucket llmtwin-artifacts"]
"""

import json
import time

from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError, failed, mask_uri
from ansible_collections.llmtwin.deploy.plugins.module_utils._docker import DockerResource, docker_error, sdk_errors


def check_params(params):
    """Bad input fails here, before the daemon is asked anything."""
    if not params["image"].strip():
        raise ModuleError("image: expected an image reference, got an empty string")
    if params["wait_timeout"] <= 0:
        raise ModuleError("wait_timeout: expected a positive number of seconds, got %d" % params["wait_timeout"])
    if params["output_lines"] < 0:
        raise ModuleError("output_lines: expected 0 or more, got %d" % params["output_lines"])


def parse_volumes(volumes):
    binds = {}
    for spec in volumes:
        parts = spec.split(":")
        if len(parts) not in (2, 3) or not parts[0].startswith("/") or not parts[1].startswith("/") \
                or (len(parts) == 3 and parts[2] not in ("ro", "rw")):
            raise ModuleError("volumes: expected host_path:container_path[:ro|rw] with absolute paths, got %r"
                              % spec)
        binds[parts[0]] = {"bind": parts[1], "mode": parts[2] if len(parts) == 3 else "rw"}
    return binds


def parse_result(lines, prefix):
    """The last line that starts with prefix, decoded as a JSON object, or None."""
    for line in reversed(lines):
        if line.startswith(prefix):
            try:
                value = json.loads(line[len(prefix):])
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


class ContainerRun(DockerResource):
    resource = "image"
    argument_spec = dict(
        image=dict(type="str", required=True),
        command=dict(type="list", elements="str", default=[]),
        env=dict(type="dict", default={}, no_log=True),
        volumes=dict(type="list", elements="str", default=[]),
        network_mode=dict(type="str", default="host"),
        user=dict(type="str"),
        wait_timeout=dict(type="int", default=1800),
        result_prefix=dict(type="str", default="llm_twin result: "),
        output_lines=dict(type="int", default=40),
    )

    def validate(self):
        self.returns["image"] = self.params["image"]  # failures name the image too
        super(ContainerRun, self).validate()
        check_params(self.params)
        self.binds = parse_volumes(self.params["volumes"])
        self.env = dict((str(k), "" if v is None else str(v)) for k, v in self.params["env"].items())

    def run(self):
        params = self.params
        image = params["image"]
        # the job is named by its image and command; env values are secrets and stay out of the action
        job = " ".join(params["command"]) or "(the image's default command)"
        self.manage("job", image)
        if self.check_mode:  # nothing runs: the job would run, and may change what it works on
            self.returns["msg"] = "check mode: the job would run"
            self.act("update", "job", image, detail=job)
            return image
        code, lines = self.run_job()
        tail = lines[-params["output_lines"]:] if params["output_lines"] > 0 else []
        self.returns.update(exit_code=code, output=tail)
        if code != 0:
            raise ModuleError("The job in %s exited with %d; its last lines: %s" % (image, code, " | ".join(tail[-5:])))
        result = parse_result(lines, params["result_prefix"])
        self.returns["result"] = result or {}
        # without a result line a job that ran counts as a change
        if result is None or bool(result.get("changed", True)):
            self.act("update", "job", image, detail=job)
        return image

    def run_job(self):
        api = self.daemon.api
        params = self.params
        image = params["image"]
        try:
            api.inspect_image(image)
        except sdk_errors() as exc:
            raise docker_error("find", "image %s (it is not pulled; build or push it first)" % image, exc)
        host_config = api.create_host_config(binds=self.binds, network_mode=params["network_mode"])
        try:
            container = api.create_container(image, command=params["command"], environment=self.env,
                                             user=params["user"] or None, host_config=host_config)["Id"]
        except sdk_errors() as exc:
            raise docker_error("create", "a container from %s" % image, exc)
        try:
            api.start(container)
            deadline = time.monotonic() + params["wait_timeout"]
            while api.inspect_container(container)["State"]["Running"]:
                if time.monotonic() > deadline:
                    api.kill(container)
                    raise failed("run", image, "still running after wait_timeout=%d s; killed" % params["wait_timeout"])
                time.sleep(0.5)
            code = api.inspect_container(container)["State"]["ExitCode"]
            text = api.logs(container, stdout=True, stderr=True).decode("utf-8", "replace")
        except sdk_errors() as exc:
            raise docker_error("run", "a container from %s" % image, exc)
        finally:
            try:
                api.remove_container(container, force=True)
            except sdk_errors():
                self.warn("Could not remove the finished container %s" % container[:12])
        return code, [mask_uri(line) for line in text.splitlines()]


def main():
    ContainerRun.main()


if __name__ == "__main__":
    main()
