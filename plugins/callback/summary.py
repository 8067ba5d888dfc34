# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: summary
type: aggregate
short_description: A per-target, per-resource summary at the end of an LLM Twin deployment
description:
  - At the end of a run, prints one block per target (mongo, qdrant, aws_zenml, image, pipelines) with how many
    resources of each kind were created, updated, left unchanged and removed, each changed resource by name,
    the tasks that failed, whether the target's verify checks passed, and the endpoints the deployment
    published (the database name and its URI with the password masked, the Qdrant endpoint, the bucket, the
    ECR repository, the SageMaker role, the ZenML stack, the pushed image and its digest).
  - Resources are counted from the C(actions) and C(resources) lists every module of the collection returns
    (C(<verb> <kind> <name>), optionally followed by a colon and a detail, with verb create, update or delete; C(<kind> <name>)). A resource
    listed with no action is unchanged. A resource created and also updated in one run counts once, as
    created. Each item of a looped task counts. Results without these lists (builtin modules, set_fact) are
    not resources and are not counted. A failed task counts what it did before failing.
  - An action whose first word is not create, update or delete (the free text of a module not converted to
    the grammar yet) counts as an update of the task's resource, that is the result's only resource, or else
    C(<module> <name option or task name>).
  - A task is attributed to a target by its role (mongo, qdrant, aws_zenml, image), else by a tag of its
    play or task named like a target (the pipelines play). The roles' read-only output tasks (tagged
    always) and check-mode passes inside a real run (the teardown's safety check) are not counted.
  - Normal, C(--diff) and C(--check) runs count the same way. In check mode the same table is the plan,
    what would be created, updated or removed.
  - No secret is printed. Endpoints come from the non-secret keys of the roles' output facts
    (C(mongo_outputs), C(qdrant_outputs), C(aws_zenml_outputs), C(image_outputs)); URIs are masked.
  - Set O(json_path) to also write the summary (the same counts, per target and kind) as JSON for machines.
version_added: 0.1.0
requirements:
  - ansible-core 2.19 or later (the public C(task)/C(result) of callback results); with an older core the
    summary is skipped with a warning
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
import re
from collections import OrderedDict

from ansible.plugins.callback import CallbackBase
from ansible_collections.llmtwin.deploy.plugins.module_utils._common import mask_uri

TARGETS = ("mongo", "qdrant", "aws_zenml", "image", "pipelines")
STATES = ("created", "updated", "unchanged", "removed")
# which state wins when one run touches a resource several times: created beats everything (a resource
# created then updated counts once, as created), a removal beats an update
RANK = {"unchanged": 0, "updated": 1, "removed": 2, "created": 3}
STATE_OF_VERB = {"create": "created", "update": "updated", "delete": "removed"}
# how a change reads in the table: done in a run, planned in check mode
DONE = {"created": "created", "updated": "updated", "removed": "removed"}
PLANNED = {"created": "would create", "updated": "would update", "removed": "would remove"}
ACTION = re.compile(r"^(?P<verb>create|update|delete) (?P<kind>\S+) (?P<name>.+?)(?:: (?P<detail>.*))?$", re.S)
# non-secret keys of the roles' output facts, shown as endpoints: (target, label, fact, key).
# mongo_outputs.database_host carries the application's password: it is only ever shown through mask_uri.
ENDPOINTS = (
    ("mongo", "database", "mongo_outputs", "database_name"),
    ("mongo", "host", "mongo_outputs", "database_host"),
    ("qdrant", "endpoint", "qdrant_outputs", "endpoint"),
    ("aws_zenml", "bucket", "aws_zenml_outputs", "bucket_name"),
    ("aws_zenml", "repository", "aws_zenml_outputs", "repository_uri"),
    ("aws_zenml", "sagemaker role", "aws_zenml_outputs", "role_arn"),
    ("aws_zenml", "zenml stack", "aws_zenml_outputs", "stack_name"),
    ("image", "image", "image_outputs", "reference"),
    ("image", "latest", "image_outputs", "latest"),
    ("image", "digest", "image_outputs", "digest"),
)
OUTPUT_FACTS = tuple(OrderedDict.fromkeys(fact for _t, _l, fact, _k in ENDPOINTS))


def _plain(value):
    """Facts may carry ansible's tagged types; the summary only needs plain JSON values."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    return str(value)


def task_target(task):
    """The target a task works for: its role's name, else a target-named tag (inherited from its play).

    The role comes from the public get_name(), which prefixes a role's tasks with "<role> : ", the same
    label the default callback prints (the Role object itself is only reachable through private state)."""
    label = task.get_name(include_role_fqcn=False)
    role = label.split(" : ", 1)[0] if " : " in label else None
    if role in TARGETS:
        return role
    for tag in task.tags or ():
        if tag in TARGETS:
            return tag
    return None


def task_resource(task, result):
    """(kind, name) of the one resource a task manages, for free-text actions of unconverted modules."""
    resources = result.get("resources")
    if isinstance(resources, list) and len(resources) == 1:
        return parse_resource(resources[0])
    args = (result.get("invocation") or {}).get("module_args") or {}
    name = args.get("name") if isinstance(args.get("name"), str) else None
    return str(task.action).rsplit(".", 1)[-1], name or task.name or str(task.action)


def parse_resource(text):
    kind, _sep, name = str(text).strip().partition(" ")
    return kind, name


def changes_of(task, result):
    """[(state, kind, name, detail)] a module result reports; none for a result without these lists."""
    actions, resources = result.get("actions"), result.get("resources")
    if not isinstance(actions, list) and not isinstance(resources, list):
        return []
    changes = [("unchanged",) + parse_resource(entry) + (None,) for entry in resources or ()]
    for action in actions or ():
        match = ACTION.match(str(action))
        if match:
            changes.append((STATE_OF_VERB[match.group("verb")], match.group("kind"), match.group("name"),
                            match.group("detail")))
        else:
            changes.append(("updated",) + task_resource(task, result) + (str(action),))
    return changes


class Target(object):
    """What one target did in this run: each resource's state, failed tasks, verify outcome."""

    def __init__(self):
        self.resources = OrderedDict()  # (kind, name) -> [state, [details]]
        self.failed = []
        self.verify = None

    def add(self, state, kind, name, detail):
        entry = self.resources.setdefault((kind, name), ["unchanged", []])
        if RANK[state] > RANK[entry[0]]:
            entry[0] = state
        # details come from modules' actions: mask any URI password one let through
        if detail and mask_uri(detail) not in entry[1]:
            entry[1].append(mask_uri(detail))

    def counts(self):
        per_kind = OrderedDict()
        for (kind, _name), (state, _details) in self.resources.items():
            per_kind.setdefault(kind, OrderedDict((s, 0) for s in STATES))[state] += 1
        totals = OrderedDict((s, sum(c[s] for c in per_kind.values())) for s in STATES)
        return totals, per_kind


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "llmtwin.deploy.summary"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None, options=None):
        super(CallbackModule, self).__init__(display=display, options=options)
        # (target, predicted, failed, task name, [result dicts]): counted at the end, once it is known
        # whether the run was a plan
        self.records = []
        self.seen = OrderedDict()  # targets that ran work, in order
        self.verify = {}
        self.play_check_modes = []
        self.verifying = False
        self.variable_manager = None
        self.hosts = OrderedDict()
        self.facts = {}
        self.warned = False

    # ---- events
    def v2_playbook_on_play_start(self, play):
        # play.check_mode is the play's effective check mode (--check unless the play sets check_mode):
        # the run is a plan when every play ran in check mode
        self.play_check_modes.append(bool(play.check_mode))
        # playbooks/verify.yml is the play tagged verify: its tasks are checks, not changes
        self.verifying = "verify" in (play.tags or [])
        self.variable_manager = play.get_variable_manager()

    def v2_runner_on_ok(self, result):
        self.record(result, failed=False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        # an ignored failure still counts what the task did, without failing its target
        self.record(result, failed=not ignore_errors)

    def v2_runner_on_unreachable(self, result):
        self.record(result, failed=True)

    def record(self, result, failed):
        task, res = getattr(result, "task", None), getattr(result, "result", None)
        if task is None or res is None:
            if not self.warned:
                self.warned = True
                self._display.warning("llmtwin.deploy.summary needs ansible-core 2.19 or later: no summary")
            return
        self.keep_outputs(res.get("ansible_facts"))
        target = task_target(task)
        if target is None:
            return
        self.hosts[result.host.get_name()] = result.host
        if not failed and "always" in (task.tags or []):
            # the roles' read-only output tasks run under every --tags: not this target's work
            return
        if self.verifying:
            if failed:
                self.verify[target] = "failed: %s" % task.get_name(include_role_fqcn=False)
            else:
                self.verify.setdefault(target, "passed")
            self.seen[target] = True
            return
        items = res.get("results") if isinstance(res.get("results"), list) else [res]
        self.records.append((target, bool(task.check_mode), failed, task, [i for i in items if isinstance(i, dict)]))

    def keep_outputs(self, facts):
        for fact in OUTPUT_FACTS:
            if isinstance(facts, dict) and isinstance(facts.get(fact), dict):
                self.facts[fact] = facts[fact]

    # ---- the summary
    def read_outputs(self):
        """Output facts set with no_log (mongo_outputs) reach callbacks censored: ask the play's variable
        manager (public get_vars) for the ones no result showed."""
        if self.variable_manager is None:
            return
        for host in self.hosts.values():
            missing = [fact for fact in OUTPUT_FACTS if fact not in self.facts]
            if not missing:
                return
            variables = self.variable_manager.get_vars(host=host, include_hostvars=False)
            self.keep_outputs({fact: variables.get(fact) for fact in missing})

    def endpoints(self, target):
        found = OrderedDict()
        for name, label, fact, key in ENDPOINTS:
            value = (self.facts.get(fact) or {}).get(key) if name == target else None
            if value not in (None, ""):
                found[label] = mask_uri(str(value))
        return found

    def summary(self):
        check_mode = bool(self.play_check_modes) and all(self.play_check_modes)
        targets = OrderedDict()
        for target, predicted, failed, task, items in self.records:
            # a check-mode pass inside a real run (teardown's safety check) only predicts: it changes no
            # count, only its refusal (a failure) is reported
            predicts = predicted and not check_mode
            if predicts and not failed:
                continue
            self.seen[target] = True
            entry = targets.setdefault(target, Target())
            if failed:
                entry.failed.append(task.get_name(include_role_fqcn=False))
            if predicts:
                continue
            for item in items:
                if item.get("skipped"):
                    continue
                for change in changes_of(task, item):
                    entry.add(*change)
        self.read_outputs()
        words = PLANNED if check_mode else DONE
        result = OrderedDict()
        for name in TARGETS:
            if name not in self.seen:
                continue
            entry = targets.get(name) or Target()
            totals, per_kind = entry.counts()
            if entry.failed:
                status = "failed"
            elif totals["created"] or totals["updated"] or totals["removed"]:
                status = "would change" if check_mode else "changed"
            else:
                status = "unchanged"
            changes = [OrderedDict([("change", words[state]), ("kind", kind), ("name", res_name), ("details", details)])
                       for (kind, res_name), (state, details) in entry.resources.items() if state != "unchanged"]
            result[name] = OrderedDict(
                [("status", status)] + list(totals.items()) + [
                    ("kinds", per_kind), ("changes", changes), ("failed", entry.failed),
                    ("verify", self.verify.get(name) or ("n/a" if name == "pipelines" else "not run")),
                    ("endpoints", self.endpoints(name))])
        return OrderedDict([("check_mode", check_mode), ("targets", result)])

    def render(self, summary):
        title = "LLM TWIN PLAN (check mode: nothing was changed)" if summary["check_mode"] else "LLM TWIN SUMMARY"
        lines = ["", title + " " + "*" * max(3, 76 - len(title))]
        for name, entry in summary["targets"].items():
            counts = ", ".join("%s %d" % (state, entry[state]) for state in STATES)
            lines.append("%-10s %-13s %-52s verify: %s" % (name, entry["status"], counts, entry["verify"]))
            for kind, per_state in entry["kinds"].items():
                lines.append("    %-16s %s" % (kind, ", ".join("%s %d" % item for item in per_state.items())))
            for change in entry["changes"]:
                detail = ": " + "; ".join(change["details"]) if change["details"] else ""
                lines.append("    %s %s %s%s" % (change["change"], change["kind"], change["name"], detail))
            for task_name in entry["failed"]:
                lines.append("    failed: %s" % task_name)
            for label, value in entry["endpoints"].items():
                lines.append("    %-16s %s" % (label + ":", value))
        return "\n".join(lines)

    def v2_playbook_on_stats(self, stats):
        summary = self.summary()
        if not summary["targets"]:
            return
        self._display.display(self.render(summary))
        path = self.get_option("json_path")
        if path:
            with open(path, "w") as handle:
                json.dump(_plain(summary), handle, indent=2)
                handle.write("\n")
