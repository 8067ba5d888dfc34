# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS backend: the shared argument spec, the botocore client factory, error translation, tag and
policy helpers. botocore is used directly (not boto3): it imports faster and is all we need."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

try:
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError
    from botocore.validate import ParamValidator
    HAS_BOTOCORE = True
    BOTOCORE_IMPORT_ERROR = None
except ImportError as exc:  # the module reports it with missing_required_lib
    HAS_BOTOCORE = False
    BOTOCORE_IMPORT_ERROR = exc

    class BotoCoreError(Exception):
        """Stand-in so except clauses stay valid; the module fails with missing_required_lib first."""

    class ClientError(Exception):
        """Stand-in so except clauses stay valid; the module fails with missing_required_lib first."""

    class ResponseParserError(Exception):
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
        # a hung endpoint costs max_attempts x read_timeout plus backoff: 3 x 15 s stays under a minute
        connect_timeout=dict(type="float", default=5.0),
        read_timeout=dict(type="float", default=15.0),
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
        self.actions = []
        self._check_connection_options()

    def _check_connection_options(self):
        p = self.params
        # first: a session with an unknown profile raises ProfileNotFound on any use, even reading region data
        if p["profile"] and p["profile"] not in botocore.session.Session().available_profiles:
            self.fail_json(msg="profile: unknown AWS profile %r: not in the AWS config or credentials files "
                               "(~/.aws/config, ~/.aws/credentials, or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE)"
                           % p["profile"])
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
            # botocore's "max_attempts" counts retries only; "total_max_attempts" is what the option means
            retries={"mode": p["retry_mode"], "total_max_attempts": p["max_attempts"]},
            user_agent_extra="llmtwin.deploy",
        )
        try:
            client = self.session().create_client(
                service, region_name=p["region"], endpoint_url=p["endpoint_url"] or None,
                aws_access_key_id=p["access_key"] or None, aws_secret_access_key=p["secret_key"] or None,
                aws_session_token=p["session_token"] or None, config=config)
        except BotoCoreError as exc:
            raise AWSFailure("Failed to create the %s client: %s" % (service, exc))
        client.meta.events.register("after-call", require_request_id)
        return client

    def did(self, action):
        """Record a change made (or, in check mode, that would be made): results and failures list them."""
        self.actions.append(action)

    def validate_request(self, service, operation, params, names):
        """botocore's own shape check of a request we will send later (types, required members, lengths):
        it runs before the first write, so bad input cannot leave a half-made resource. `names` maps the
        request's member paths to option names for the message."""
        shape = self.session().get_service_model(service).operation_model(operation).input_shape
        report = ParamValidator().validate(params, shape)
        if report.has_errors():
            text = report.generate_report()
            for member, option in names.items():
                text = text.replace(member, option)
            raise AWSFailure("%s: %s" % (", ".join(sorted(set(names.values()))), " ".join(text.split())))

    def run(self, work, actions=True):
        """Exit with work(self)'s result; an AWS or botocore error becomes one fail_json, never a traceback.

        A failure after a write reports changed=true and the writes made, so nobody believes nothing
        happened (check mode made no write, so it reports changed=false)."""
        try:
            result = work(self)
        except AWSFailure as exc:
            self._fail_after(str(exc))
        except (ResponseParserError, KeyError, IndexError, TypeError, ValueError) as exc:
            # botocore parses an HTML or garbage answer into an error or into a dict without the expected keys
            cause = " ".join(str(exc).split())[:300]
            self._fail_after("Failed to read the answer of %s: it is not an AWS API response (%s: %s); check "
                             "endpoint_url and region" % (self.params["endpoint_url"] or "AWS", type(exc).__name__, cause))
        if actions:  # modules that change things return what they did; read-only ones have nothing to list
            result.setdefault("actions", list(self.actions))
        self.exit_json(**result)

    def _fail_after(self, msg):
        changed = bool(self.actions) and not self.check_mode
        self.fail_json(msg=msg if not changed else "%s (already done: %s)" % (msg, "; ".join(self.actions)),
                       changed=changed, actions=list(self.actions))


REQUEST_ID_HEADERS = ("x-amz-request-id", "x-amzn-requestid", "x-amzn-request-id")


def require_request_id(http_response, parsed, **kwargs):
    """Every AWS API answer, error or not, carries a request id. Without one, the endpoint is something
    else (a web page, a proxy's error): botocore may well parse it into an empty, plausible result, so
    it is refused here rather than read as "versioning not set" or "no such bucket"."""
    headers = dict((k.lower(), v) for k, v in (http_response.headers or {}).items())
    if any(headers.get(h) for h in REQUEST_ID_HEADERS) or (parsed or {}).get("ResponseMetadata", {}).get("RequestId"):
        return
    raise ResponseParserError("HTTP %s without an AWS request id (Content-Type: %s): %s" % (
        http_response.status_code, headers.get("content-type", "none"),
        " ".join((http_response.content or b"")[:120].decode("utf-8", "replace").split())))


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
    except ResponseParserError as exc:  # an endpoint that answers HTML or garbage
        raise AWSFailure("Failed to %s: the answer is not an AWS API response (check endpoint_url): %s"
                         % (action, " ".join(str(exc).split())[:300]))


def read_or_none(action, missing_codes, fn, *args, **kwargs):
    """A read whose 'not found' answer (one of missing_codes) means the setting is absent -> None."""
    try:
        return fn(*args, **kwargs)
    except ClientError as exc:
        if error_code(exc) in missing_codes:
            return None
        return call(action, _raise, exc)
    except (BotoCoreError, ResponseParserError) as exc:
        return call(action, _raise, exc)


def create_or_adopt(action, exists_codes, fn, *args, **kwargs):
    """A create that a concurrent run may have won: its 'already exists' answer returns None, and the
    caller adopts the resource and reconciles it like one that existed before."""
    return read_or_none(action, exists_codes, fn, *args, **kwargs)


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
    """A policy given as a dict or a JSON string -> dict; anything else fails naming the option."""
    if value is None:
        return None
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise AWSFailure("%s: expected a policy document (a dict or a JSON object string), got a %s"
                         % (option, type(value).__name__))
    try:
        doc = json.loads(value)
    except ValueError as exc:
        raise AWSFailure("%s: malformed policy JSON: %s" % (option, exc))
    if not isinstance(doc, dict):
        raise AWSFailure("%s: a policy document must be a JSON object" % option)
    return doc


POLICY_VERSIONS = ("2012-10-17", "2008-10-17")
STATEMENT_KEYS = ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
                  "Condition")
ACTION = re.compile(r"^(\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+)$")


def _strings(value):
    """value as a list when it is a string or a non-empty list of non-empty strings, else None."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i for i in items):
        return None
    return items


def check_policy(doc, option, trust=False):
    """The IAM policy grammar's shape, checked before any write: IAM would reject these only after the
    role was created. trust=True for a role's trust policy (needs a Principal, has no Resource)."""
    def fail(where, expected):
        raise AWSFailure("%s: %s: expected %s" % (option, where, expected))

    unknown = sorted(set(doc) - {"Version", "Id", "Statement"})
    if unknown:
        fail("unknown key %s" % ", ".join(unknown), "only Version, Id and Statement")
    if "Version" in doc and doc["Version"] not in POLICY_VERSIONS:
        fail("Version %r" % (doc["Version"],), "one of %s" % ", ".join(POLICY_VERSIONS))
    statements = doc.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        fail("Statement", "a statement (a dict) or a non-empty list of them")
    for index, st in enumerate(statements):
        where = "Statement[%d]" % index
        if not isinstance(st, dict):
            fail(where, "a dict with Effect, Action and %s" % ("Principal" if trust else "Resource"))
        unknown = sorted(set(st) - set(STATEMENT_KEYS))
        if unknown:
            fail("%s: unknown key %s" % (where, ", ".join(unknown)), "keys among %s" % ", ".join(STATEMENT_KEYS))
        if st.get("Effect") not in ("Allow", "Deny"):
            fail("%s.Effect %r" % (where, st.get("Effect")), "Allow or Deny")
        pairs = [("Action", "NotAction"), ("Principal", "NotPrincipal") if trust else ("Resource", "NotResource")]
        for key, negated in pairs:
            if (key in st) == (negated in st):
                fail(where, "exactly one of %s and %s" % (key, negated))
        if trust and ("Resource" in st or "NotResource" in st):
            fail(where, "no Resource in a trust policy")
        if not trust and ("Principal" in st or "NotPrincipal" in st):
            fail(where, "no Principal in a role's own policy (it applies to the role)")
        actions = _strings(st.get("Action", st.get("NotAction")))
        if actions is None or not all(ACTION.match(a) for a in actions):
            fail("%s.Action" % where, "'service:Action' strings (wildcards allowed) or '*'")
        if not trust and _strings(st.get("Resource", st.get("NotResource"))) is None:
            fail("%s.Resource" % where, "an ARN, '*' or a non-empty list of them")
        principal = st.get("Principal", st.get("NotPrincipal"))
        if trust and principal != "*" and not (isinstance(principal, dict) and principal and all(
                _strings(v) is not None for v in principal.values())):
            fail("%s.Principal" % where, "'*' or a dict such as {Service: sagemaker.amazonaws.com}")
        if "Condition" in st and not (isinstance(st["Condition"], dict)
                                      and all(isinstance(v, dict) for v in st["Condition"].values())):
            fail("%s.Condition" % where, "a dict of operator -> {key: value}")
        if "Sid" in st and not (isinstance(st["Sid"], str) and re.match(r"^[A-Za-z0-9]*$", st["Sid"])):
            fail("%s.Sid" % where, "letters and digits")
    return doc


def check_tags(tags, option="tags", limit=50):
    """Tag limits shared by S3, ECR and IAM (50 tags, keys 1-128 and values 0-256 characters)."""
    if tags is None:
        return
    if len(tags) > limit:
        raise AWSFailure("%s: at most %d tags, got %d" % (option, limit, len(tags)))
    for key, value in tags.items():
        if isinstance(value, (dict, list)) or value is None:
            raise AWSFailure("%s.%s: expected a string value, got %r" % (option, key, value))
        if not 1 <= len(str(key)) <= 128 or len(str(value)) > 256 or str(key).startswith("aws:"):
            raise AWSFailure("%s.%s: expected a key of 1-128 characters not starting with 'aws:' and a value "
                             "of at most 256 characters" % (option, key))


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
