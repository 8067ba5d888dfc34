# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: summary
type: aggregate
short_description: A per-target summary at the end of an LLM Twin deployment
description:
  - At the end of a run, prints one line per target (mongo, qdrant, aws_zenml, image) with what
    changed (created, updated) and what was unchanged, whether its verify checks passed, and the
    endpoints the deployment published (the MongoDB host with its password masked, the Qdrant
    endpoint, the ECR repository, the ZenML stack, the pushed image and its digest).
  - In check mode the same table is the plan, what would change.
  - No secret is printed, since only non-secret output facts are read and URIs are masked.
  - Set O(json_path) to also write the summary as JSON for machines.
version_added: 0.1.0
requirements:
  - enable it in C(callbacks_enabled) (the project's ansible.cfg does)
options:
  json_path:
    description: Also write the summary as JSON to this file.
    type: path
    env:
      - name: LLMTWIN_SUMMARY_JSON
    ini:
      - section: llmtwin_summary
        key: json_path
"""

import json
from collections import OrderedDict

from ansible import context
from ansible.plugins.callback import CallbackBase
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import mask_uri

TARGETS = ("mongo", "qdrant", "aws_zenml", "image", "pipelines")
# non-secret output facts of the roles, shown as endpoints: (target, label, fact, key inside the fact)
ENDPOINTS = (
    ("mongo", "database", "mongo_database_name", None),
    ("qdrant", "cloud url", "qdrant_settings", "QDRANT_CLOUD_URL"),
    ("qdrant", "host", "qdrant_settings", "QDRANT_DATABASE_HOST"),
    ("aws_zenml", "bucket", "aws_zenml_bucket_name", None),
    ("aws_zenml", "repository", "aws_zenml_repository_uri", None),
    ("aws_zenml", "sagemaker role", "aws_zenml_role_arn", None),
    ("aws_zenml", "zenml stack", "aws_zenml_stack_name", None),
    ("image", "image", "image_reference", None),
    ("image", "latest", "image_latest", None),
    ("image", "digest", "image_digest", None),
)


def _plain(value):
    """Facts may carry ansible's tagged types; the summary only needs plain JSON values."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return value
    return str(value)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "llmtwin.deploy.summary"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None, options=None):
        super(CallbackModule, self).__init__(display=display, options=options)
        self._targets = OrderedDict()
        self._check_mode = False
        self._verifying = False
        self._variables = None
        self._facts = {}

    def _target(self, task):
        role = getattr(task, "_role", None)
        name = role.get_name(include_role_fqcn=False) if role else None
        if name is None and "pipelines" in (task.tags or []):
            name = "pipelines"
        return name if name in TARGETS else None

    def _entry(self, target):
        return self._targets.setdefault(target, {
            "created": [], "updated": [], "unchanged": 0, "failed": [], "verify": None})

    def v2_playbook_on_start(self, playbook):
        self._check_mode = bool(context.CLIARGS.get("check"))

    def v2_playbook_on_play_start(self, play):
        # playbooks/verify.yml is the play tagged verify: its tasks are checks, not changes
        self._verifying = "verify" in (play.tags or [])
        self._variables = play.get_variable_manager()

    def _read_facts(self):
        """Output facts set with no_log reach callbacks censored: read them from the play's variables."""
        cache = getattr(self._variables, "_nonpersistent_fact_cache", None) or {}
        for facts in cache.values():
            for _target, _label, fact, _key in ENDPOINTS:
                if fact in facts:
                    self._facts[fact] = facts[fact]

    def _record(self, result, outcome):
        task = result._task
        target = self._target(task)
        if target is None:
            return
        res = result._result
        facts = res.get("ansible_facts") or {}
        for _target, _label, fact, _key in ENDPOINTS:
            if fact in facts:
                self._facts[fact] = facts[fact]
        if outcome != "failed" and ("always" in (task.tags or []) or (task.check_mode and not self._check_mode)):
            # the roles' read-only output tasks run under every --tags, and a check-mode pass inside a
            # real run (teardown's safety check) only predicts: neither is this target's work
            return
        entry = self._entry(target)
        if self._verifying:
            if outcome == "failed":
                entry["verify"] = "failed: %s" % task.get_name()
            elif entry["verify"] is None:
                entry["verify"] = "passed"
            return
        if outcome == "failed":
            entry["failed"].append(task.get_name())
            return
        if res.get("changed"):
            before = (res.get("diff") or {}).get("before") if isinstance(res.get("diff"), dict) else None
            created = res.get("created") is True or (isinstance(res.get("diff"), dict) and not before)
            entry["created" if created else "updated"].append(task.get_name())
        else:
            entry["unchanged"] += 1

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if not ignore_errors:
            self._record(result, "failed")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "failed")

    def summary(self):
        self._read_facts()
        targets = OrderedDict()
        for name in TARGETS:
            if name not in self._targets:
                continue
            entry = self._targets[name]
            if entry["failed"]:
                status = "failed"
            elif entry["created"] or entry["updated"]:
                status = "would change" if self._check_mode else "changed"
            else:
                status = "unchanged"
            endpoints = OrderedDict()
            for target, label, fact, key in ENDPOINTS:
                value = self._facts.get(fact)
                if target != name or value in (None, ""):
                    continue
                if key is not None:
                    value = value.get(key) if isinstance(value, dict) else None
                    if value in (None, ""):
                        continue
                endpoints[label] = mask_uri(str(value))
            targets[name] = OrderedDict([
                ("status", status), ("created", entry["created"]), ("updated", entry["updated"]),
                ("unchanged", entry["unchanged"]), ("failed", entry["failed"]),
                ("verify", entry["verify"] or ("n/a" if name == "pipelines" else "not run")),
                ("endpoints", endpoints)])
        return OrderedDict([("check_mode", self._check_mode), ("targets", targets)])

    def v2_playbook_on_stats(self, stats):
        summary = self.summary()
        if not summary["targets"]:
            return
        title = "LLM TWIN PLAN (check mode: nothing was changed)" if self._check_mode else "LLM TWIN SUMMARY"
        lines = ["", title + " " + "*" * max(3, 76 - len(title))]
        for name, entry in summary["targets"].items():
            counts = "created %d, updated %d, unchanged %d" % (
                len(entry["created"]), len(entry["updated"]), entry["unchanged"])
            lines.append("%-10s %-13s %-40s verify: %s" % (name, entry["status"], counts, entry["verify"]))
            for kind in ("created", "updated", "failed"):
                for task_name in entry[kind]:
                    lines.append("    %-8s %s" % (kind, task_name))
            for label, value in entry["endpoints"].items():
                lines.append("    %-15s %s" % (label + ":", value))
        self._display.display("\n".join(lines))
        path = self.get_option("json_path")
        if path:
            with open(path, "w") as handle:
                json.dump(_plain(summary), handle, indent=2, sort_keys=False)
                handle.write("\n")
