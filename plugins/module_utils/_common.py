# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module shares: the one module contract (ResourceModule, ModuleError), masking secrets in
text, and retrying with jittered backoff."""

from __future__ import annotations

import random
import re
import time

from ansible.module_utils.basic import AnsibleModule

MASK = "********"
_URI_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]+):(?P<password>[^@/\s]+)@")


def mask_uri(text):
    """Replace the password of every `scheme://user:password@` in text; other text is unchanged."""
    if not text:
        return text
    return _URI_PASSWORD.sub(lambda m: "%s%s:%s@" % (m.group("scheme"), m.group("user"), MASK), str(text))


def retry(call, retry_on, timeout=60.0, base_delay=0.5, max_delay=8.0):
    """Call `call()` until it stops raising one of `retry_on` or `timeout` seconds pass.

    Full-jitter exponential backoff, so parallel runs do not retry in lockstep against a throttled or
    eventually consistent API. The last exception is re-raised when time runs out.
    """
    deadline = time.monotonic() + timeout
    attempt = 0
    while True:
        try:
            return call()
        except retry_on:
            attempt += 1
            delay = random.uniform(0, min(max_delay, base_delay * 2 ** attempt))
            if time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)


# ---------------------------------------------------------------- the one module contract
#
# Every module of the collection is a subclass of ResourceModule and reads the same way:
#
#     class Bucket(ResourceModule):
#         resource = "bucket"                       # the result key that documents the resource
#         argument_spec = dict(name=..., state=...) # the module's own options
#         backend_spec = staticmethod(aws_argument_spec)   # connection options, merged in
#
#         def validate(self):  # the whole input, before any connection; raise ModuleError naming the option
#         def connect(self):   # open the backend's client(s); close() undoes it
#         def run(self):       # read the current state once, compare, act; return the resource's document
#             ...
#             self.act("create", "bucket", name, lambda: client.create_bucket(...))
#             self.diff(before, after)
#             return after
#
#     def main():
#         Bucket.main()
#
# The result is always {changed, <resource>, actions, resources} plus `diff` in diff mode only, and
# any other documented return value a module puts in self.returns.
# `actions` lists what was done (or, in check mode, would be done), one string each, in the grammar
# "<verb> <kind> <name>[: <detail>]" with verb create, update or delete; `resources` lists every
# "<kind> <name>" the module reconciled, changed or not. The summary callback counts resources from
# these two lists. A ModuleError is caught once, in main(): after a write it reports changed=true and
# the actions already done, so a failure never hides a change.

VERBS = ("create", "update", "delete")


class ModuleError(Exception):
    """The one error type of the collection: its text is the whole user-facing message.

    Input problems name the option ("region: unknown AWS region 'x'"); failed operations read
    "Failed to <action> <resource>: <cause>" (see failed())."""


def failed(action, resource, cause):
    """ModuleError("Failed to <action> <resource>: <cause>"), with the cause on one line."""
    return ModuleError("Failed to %s %s: %s" % (action, resource, " ".join(str(cause).split())))


def action_text(verb, kind, name, detail=None):
    if verb not in VERBS:
        raise ValueError("action verb must be one of %s, got %r" % (", ".join(VERBS), verb))
    text = "%s %s %s" % (verb, kind, name)
    return "%s: %s" % (text, detail) if detail else text


class ResourceModule(object):
    """Base of every module: one argument spec, input checked before any connection, one error type
    caught once, one result shape. Subclasses set `resource` and `argument_spec` (and `backend_spec`,
    `module_kwargs`), and implement validate(), connect(), run() and close() as needed."""

    resource = None
    argument_spec = {}
    module_kwargs = {}

    @staticmethod
    def backend_spec():
        """The backend's connection options (aws_argument_spec, mongodb_argument_spec, ...)."""
        return {}

    def __init__(self):
        spec = dict(self.backend_spec())
        spec.update(self.argument_spec)
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **self.module_kwargs)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self.actions = []
        self.resources = []
        # other documented return values beside the resource (e.g. the Atlas project of a cluster)
        self.returns = {}
        self._diff = None

    # ---- what a subclass implements
    def validate(self):
        """Check the whole input before any connection; raise ModuleError naming the option."""

    def connect(self):
        """Open the backend's client(s)."""

    def run(self):
        """Read the current state once, compare, act; return the resource's document."""
        raise NotImplementedError

    def close(self):
        """Close what connect() opened; runs after run(), also when it failed."""

    # ---- what a subclass calls
    @property
    def changed(self):
        return bool(self.actions)

    def manage(self, kind, name):
        """Note that this run reconciles `<kind> <name>` (counted as unchanged unless an action says otherwise)."""
        entry = "%s %s" % (kind, name)
        if entry not in self.resources:
            self.resources.append(entry)

    def act(self, verb, kind, name, call=None, detail=None):
        """Record a change and make it (not in check mode). Returns call()'s result, None in check mode.

        The action is recorded after call() succeeds, so a failure lists only what was really done."""
        self.manage(kind, name)
        result = None
        if call is not None and not self.check_mode:
            result = call()
        self.actions.append(action_text(verb, kind, name, detail))
        return result

    def diff(self, before, after):
        """Before/after documents of the resource; returned only in diff mode."""
        self._diff = {"before": before if before is not None else {}, "after": after if after is not None else {}}

    def warn(self, text):
        self.module.warn(text)

    # ---- the one entry point
    @classmethod
    def main(cls):
        self = cls()
        try:
            self.validate()
            self.connect()
            try:
                document = self.run()
            finally:
                self.close()
        except ModuleError as exc:
            self.fail(str(exc))
        result = dict(self.returns)
        result.update(changed=self.changed, actions=list(self.actions), resources=list(self.resources))
        if self.resource:
            result[self.resource] = document if document is not None else {}
        if self.module._diff and self._diff is not None:
            result["diff"] = self._diff
        self.module.exit_json(**result)

    def fail(self, msg):
        """fail_json after a write reports changed=true and what was already done; check mode wrote nothing."""
        done = bool(self.actions) and not self.check_mode
        if done:
            msg = "%s (already done: %s)" % (msg, "; ".join(self.actions))
        # returns already set stay: a key created before a later step failed must not be lost
        result = dict(self.returns)
        result.update(msg=msg, changed=done, actions=list(self.actions), resources=list(self.resources))
        self.module.fail_json(**result)
