# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS backend: the shared argument spec, the botocore client factory, error translation, tag and
policy helpers. botocore is used directly (not boto3): it imports faster and is all we need."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

try:
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
    HAS_BOTOCORE = True
    BOTOCORE_IMPORT_ERROR = None
except ImportError as exc:  # the module reports it with missing_required_lib
    HAS_BOTOCORE = False
    BOTOCORE_IMPORT_ERROR = exc

    class BotoCoreError(Exception):
        """Stand-in so except clauses stay valid; the module fails with missing_required_lib first."""

    class ClientError(Exception):
        """Stand-in so except clauses stay valid; the module fails with missing_required_lib first."""

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib


def aws_argument_spec():
    """Connection options shared by every aws_* module (documented in doc_fragments/aws.py)."""
    return dict(
        region=dict(type="str", aliases=["aws_region"], fallback=(env_fallback, ["AWS_REGION", "AWS_DEFAULT_REGION"])),
        profile=dict(type="str", aliases=["aws_profile"], fallback=(env_fallback, ["AWS_PROFILE"])),
        access_key=dict(type="str", aliases=["aws_access_key_id"], no_log=True,
                        fallback=(env_fallback, ["AWS_ACCESS_KEY_ID"])),
        secret_key=dict(type="str", aliases=["aws_secret_access_key"], no_log=True,
                        fallback=(env_fallback, ["AWS_SECRET_ACCESS_KEY"])),
        session_token=dict(type="str", aliases=["aws_session_token"], no_log=True,
                           fallback=(env_fallback, ["AWS_SESSION_TOKEN"])),
        endpoint_url=dict(type="str", aliases=["aws_endpoint_url"], fallback=(env_fallback, ["AWS_ENDPOINT_URL"])),
        connect_timeout=dict(type="float", default=10.0),
        read_timeout=dict(type="float", default=30.0),
        max_attempts=dict(type="int", default=3),
        retry_mode=dict(type="str", default="standard", choices=["standard", "adaptive"]),
    )


class AWSFailure(Exception):
    """A failure with a user-facing message; main() turns it into fail_json."""


class AWSModule(AnsibleModule):
    """AnsibleModule with the AWS options merged in, checked before any connection is made."""

    def __init__(self, argument_spec, **kwargs):
        spec = aws_argument_spec()
        spec.update(argument_spec)
        super(AWSModule, self).__init__(argument_spec=spec, **kwargs)
        if not HAS_BOTOCORE:
            self.fail_json(msg=missing_required_lib("botocore"), exception=str(BOTOCORE_IMPORT_ERROR))
        self._session = None
        self._check_connection_options()

    def _check_connection_options(self):
        p = self.params
        if not p["region"]:
            self.fail_json(msg="region is required: set the region option or AWS_REGION / AWS_DEFAULT_REGION")
        if p["region"] not in known_regions(self.session()):
            self.fail_json(msg="region: unknown AWS region %r (expected e.g. us-east-1, eu-central-1)" % p["region"])
        url = p["endpoint_url"]
        if url and not (url.startswith("http://") or url.startswith("https://")):
            self.fail_json(msg="endpoint_url: expected an http:// or https:// URL, got %r" % url)
        if bool(p["access_key"]) != bool(p["secret_key"]):
            self.fail_json(msg="access_key and secret_key must be given together")
        for name in ("connect_timeout", "read_timeout"):
            if p[name] <= 0:
                self.fail_json(msg="%s must be a positive number of seconds, got %s" % (name, p[name]))
        if p["max_attempts"] < 1:
            self.fail_json(msg="max_attempts must be at least 1, got %s" % p["max_attempts"])

    def session(self):
        if self._session is None:
            self._session = botocore.session.Session(profile=self.params["profile"] or None)
        return self._session

    def client(self, service):
        """A botocore client with timeouts and standard/adaptive retries; nothing waits forever."""
        p = self.params
        config = Config(
            connect_timeout=p["connect_timeout"], read_timeout=p["read_timeout"],
            retries={"mode": p["retry_mode"], "max_attempts": p["max_attempts"]},
            user_agent_extra="llmtwin.deploy",
        )
        try:
            return self.session().create_client(
                service, region_name=p["region"], endpoint_url=p["endpoint_url"] or None,
                aws_access_key_id=p["access_key"] or None, aws_secret_access_key=p["secret_key"] or None,
                aws_session_token=p["session_token"] or None, config=config)
        except BotoCoreError as exc:
            raise AWSFailure("Failed to create the %s client: %s" % (service, exc))

    def run(self, work):
        """Exit with work(self)'s result; an AWS or botocore error becomes one fail_json, never a traceback."""
        try:
            result = work(self)
        except AWSFailure as exc:
            self.fail_json(msg=str(exc))
        self.exit_json(**result)


def known_regions(session):
    """Every region of botocore's partition data (partitions.json: small, unlike endpoints.json)."""
    data = session.get_component("data_loader").load_data("partitions")
    return set(region for partition in data.get("partitions", []) for region in partition.get("regions", {})
               if not region.endswith("-global"))


def error_code(exc):
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code", "")
    return ""


def call(action, fn, *args, **kwargs):
    """fn(*args, **kwargs), translating AWS errors into AWSFailure('Failed to <action>: <cause>')."""
    try:
        return fn(*args, **kwargs)
    except ClientError as exc:
        err = exc.response.get("Error", {})
        raise AWSFailure("Failed to %s: %s (%s)" % (action, err.get("Message") or exc, err.get("Code", "error")))
    except BotoCoreError as exc:
        raise AWSFailure("Failed to %s: %s" % (action, exc))


def read_or_none(action, missing_codes, fn, *args, **kwargs):
    """A read whose 'not found' answer (one of missing_codes) means the setting is absent -> None."""
    try:
        return fn(*args, **kwargs)
    except ClientError as exc:
        if error_code(exc) in missing_codes:
            return None
        return call(action, _raise, exc)
    except BotoCoreError as exc:
        return call(action, _raise, exc)


def _raise(exc):
    raise exc


# ---------------------------------------------------------------- tags

def tags_to_dict(tag_list, key="Key", value="Value"):
    return dict((t[key], t[value]) for t in tag_list or [])


def dict_to_tags(tags, key="Key", value="Value"):
    return [{key: k, value: v} for k, v in sorted(tags.items())]


def tag_changes(current, desired, purge):
    """(to_set, to_remove) turning current into desired; desired None means 'leave tags alone'."""
    if desired is None:
        return {}, []
    desired = dict((str(k), str(v)) for k, v in desired.items())
    to_set = dict((k, v) for k, v in desired.items() if current.get(k) != v)
    to_remove = sorted(k for k in current if k not in desired) if purge else []
    return to_set, to_remove


def merged_tags(current, desired, purge):
    if desired is None:
        return dict(current)
    result = {} if purge else dict(current)
    result.update((str(k), str(v)) for k, v in desired.items())
    return result


# ---------------------------------------------------------------- policies

def load_policy(value, option):
    """A policy given as a dict or a JSON string -> dict; malformed JSON fails naming the option."""
    if value is None:
        return None
    if isinstance(value, dict):
        return value
    try:
        doc = json.loads(value)
    except ValueError as exc:
        raise AWSFailure("%s: malformed policy JSON: %s" % (option, exc))
    if not isinstance(doc, dict):
        raise AWSFailure("%s: a policy document must be a JSON object" % option)
    return doc


def normalize_policy(doc):
    """A canonical form so that equivalent policies compare equal (AWS reorders and unwraps lists)."""
    if isinstance(doc, str):
        doc = json.loads(doc)

    def norm(value, key=None):
        if isinstance(value, dict):
            return dict((k, norm(v, k)) for k, v in value.items())
        if isinstance(value, list):
            items = [norm(v) for v in value]
            if key == "Statement":
                return sorted(items, key=lambda s: json.dumps(s, sort_keys=True))
            if len(items) == 1:
                return items[0]
            return sorted(items, key=lambda s: json.dumps(s, sort_keys=True))
        return value

    doc = norm(doc)
    if isinstance(doc.get("Statement"), dict):
        doc["Statement"] = [doc["Statement"]]
    return doc


def policies_equal(a, b):
    if a is None or b is None:
        return a is b
    return normalize_policy(a) == normalize_policy(b)
