# -*- coding: utf-8 -*-
# Copyright: (c) 2026, LLM Twin deploy team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS backend: the argument specs, the connection (a botocore session and its clients), error
translation into ModuleError, tag and policy helpers, and ECR registry authorization.

botocore is used directly (not boto3): it imports faster and is all we need. It is imported on first
use only (~0.8 s), so a module that imports this file and never talks to AWS (an unchanged image push
with static keys, for one) does not pay for it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import contextlib
import datetime
import hashlib
import hmac
import importlib
import json
import re
import sys
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.llmtwin.deploy.plugins.module_utils._common import ModuleError, ResourceModule, failed


def _botocore():
    """The botocore package with the submodules we use; ModuleError when it is not installed."""
    try:
        for name in ("session", "config", "exceptions", "parsers", "validate"):
            importlib.import_module("botocore." + name)
    except ImportError as exc:
        raise ModuleError("%s (%s)" % (missing_required_lib("botocore"), exc))
    return sys.modules["botocore"]


def aws_errors():
    """What botocore raises for a failed call. ResponseParserError is not a BotoCoreError: an endpoint
    answering HTML raises it."""
    botocore = _botocore()
    return botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, botocore.parsers.ResponseParserError


def _credential_spec():
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
    )


# a hung endpoint costs max_attempts x read_timeout plus backoff: 3 x 15 s stays under a minute
TIMEOUTS = dict(connect_timeout=5.0, read_timeout=15.0, max_attempts=3, retry_mode="standard")


def aws_argument_spec():
    """Connection options shared by every aws_* module (documented in doc_fragments/aws.py)."""
    spec = _credential_spec()
    spec.update(
        connect_timeout=dict(type="float", default=TIMEOUTS["connect_timeout"]),
        read_timeout=dict(type="float", default=TIMEOUTS["read_timeout"]),
        max_attempts=dict(type="int", default=TIMEOUTS["max_attempts"]),
        retry_mode=dict(type="str", default=TIMEOUTS["retry_mode"], choices=["standard", "adaptive"]),
    )
    return spec


def ecr_argument_spec():
    """The AWS options of a module that authenticates to ECR (docker_image_push), documented there."""
    spec = _credential_spec()
    spec["ecr_registry_id"] = dict(type="str")
    return spec


# ---------------------------------------------------------------- the connection

def _session(profile):
    botocore = _botocore()
    # a session with an unknown profile raises ProfileNotFound on any use, even reading region data
    if profile and profile not in botocore.session.Session().available_profiles:
        raise ModuleError("profile: unknown AWS profile %r: not in the AWS config or credentials files "
                          "(~/.aws/config, ~/.aws/credentials, or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE)"
                          % profile)
    return botocore.session.Session(profile=profile or None)


def check_connection_options(params):
    """The connection options, checked before any connection (called from a module's validate())."""
    if not params["region"]:
        # the profile first: its message is the more useful one when both are wrong
        _session(params["profile"])
        raise ModuleError("region is required: set the region option or AWS_REGION / AWS_DEFAULT_REGION")
    if params["region"] not in known_regions(_session(params["profile"])):
        raise ModuleError("region: unknown AWS region %r (expected e.g. us-east-1, eu-central-1)" % params["region"])
    url = params["endpoint_url"]
    if url and not (url.startswith("http://") or url.startswith("https://")):
        raise ModuleError("endpoint_url: expected an http:// or https:// URL, got %r" % url)
    if bool(params["access_key"]) != bool(params["secret_key"]):
        raise ModuleError("access_key and secret_key must be given together")
    for name in ("connect_timeout", "read_timeout"):
        if params[name] <= 0:
            raise ModuleError("%s must be a positive number of seconds, got %s" % (name, params[name]))
    if params["max_attempts"] < 1:
        raise ModuleError("max_attempts must be at least 1, got %s" % params["max_attempts"])


def known_regions(session):
    """Every region of botocore's partition data (partitions.json: small, unlike endpoints.json)."""
    data = session.get_component("data_loader").load_data("partitions")
    return set(region for partition in data.get("partitions", []) for region in partition.get("regions", {})
               if not region.endswith("-global"))


class AWS(object):
    """One connection: a botocore session and the clients made from it, all with the same timeouts and
    retries. Options missing from params (ecr_argument_spec has no timeouts) take the defaults."""

    def __init__(self, params):
        self.params = params
        self._session = None
        self._clients = []

    def session(self):
        if self._session is None:
            self._session = _session(self.params.get("profile"))
        return self._session

    def client(self, service):
        """A botocore client with timeouts and standard/adaptive retries; nothing waits forever."""
        p = dict(TIMEOUTS, **dict((k, v) for k, v in self.params.items() if v is not None))
        botocore = _botocore()
        config = botocore.config.Config(
            connect_timeout=p["connect_timeout"], read_timeout=p["read_timeout"],
            # botocore's "max_attempts" counts retries only; "total_max_attempts" is what the option means
            retries={"mode": p["retry_mode"], "total_max_attempts": p["max_attempts"]},
            user_agent_extra="llmtwin.deploy",
        )
        try:
            client = self.session().create_client(
                service, region_name=p.get("region"), endpoint_url=p.get("endpoint_url") or None,
                aws_access_key_id=p.get("access_key") or None, aws_secret_access_key=p.get("secret_key") or None,
                aws_session_token=p.get("session_token") or None, config=config)
        except botocore.exceptions.BotoCoreError as exc:
            raise failed("create", "the %s client" % service, exc)
        client.meta.events.register("after-call", require_request_id)
        self._clients.append(client)
        return client

    def close(self):
        for client in self._clients:
            client.close()
        self._clients = []


REQUEST_ID_HEADERS = ("x-amz-request-id", "x-amzn-requestid", "x-amzn-request-id")


def require_request_id(http_response, parsed, **kwargs):
    """Every AWS API answer, error or not, carries a request id. Without one, the endpoint is something
    else (a web page, a proxy's error): botocore may well parse it into an empty, plausible result, so
    it is refused here rather than read as "versioning not set" or "no such bucket"."""
    headers = dict((k.lower(), v) for k, v in (http_response.headers or {}).items())
    if any(headers.get(h) for h in REQUEST_ID_HEADERS) or (parsed or {}).get("ResponseMetadata", {}).get("RequestId"):
        return
    raise _botocore().parsers.ResponseParserError("HTTP %s without an AWS request id (Content-Type: %s): %s" % (
        http_response.status_code, headers.get("content-type", "none"),
        " ".join((http_response.content or b"")[:120].decode("utf-8", "replace").split())))


# ---------------------------------------------------------------- errors

def error_code(exc):
    response = getattr(exc, "response", None)
    return (response or {}).get("Error", {}).get("Code", "") if isinstance(response, dict) else ""


def translate(action, resource, exc):
    """The ModuleError "Failed to <action> <resource>: <cause>" for a botocore exception."""
    botocore = _botocore()
    if isinstance(exc, botocore.exceptions.ClientError):
        err = exc.response.get("Error", {})
        return failed(action, resource, "%s (%s)" % (err.get("Message") or exc, err.get("Code", "error")))
    if isinstance(exc, botocore.parsers.ResponseParserError):  # an endpoint that answers HTML or garbage
        return failed(action, resource, "the answer is not an AWS API response (check endpoint_url): %s"
                      % " ".join(str(exc).split())[:300])
    return failed(action, resource, exc)


def call(action, resource, fn, *args, **kwargs):
    """fn(*args, **kwargs), an AWS error becoming ModuleError("Failed to <action> <resource>: <cause>")."""
    try:
        return fn(*args, **kwargs)
    except aws_errors() as exc:
        raise translate(action, resource, exc)


def read_or_none(action, resource, missing_codes, fn, *args, **kwargs):
    """A read whose 'not found' answer (one of missing_codes) means the thing is absent -> None."""
    try:
        return fn(*args, **kwargs)
    except aws_errors() as exc:
        if error_code(exc) in missing_codes:
            return None
        raise translate(action, resource, exc)


def create_or_adopt(action, resource, exists_codes, fn, *args, **kwargs):
    """A create that a concurrent run may have won: its 'already exists' answer returns None, and the
    caller adopts the resource and reconciles it like one that existed before."""
    return read_or_none(action, resource, exists_codes, fn, *args, **kwargs)


def pages(action, resource, client, operation, **kwargs):
    """The pages of a paginated read, an AWS error becoming ModuleError like call()'s."""
    try:
        yield from client.get_paginator(operation).paginate(**kwargs)
    except aws_errors() as exc:
        raise translate(action, resource, exc)


@contextlib.contextmanager
def aws_answers(params):
    """Around a module's run(): botocore parses an HTML or garbage answer into an error or into a dict
    without the expected keys; either becomes one message naming the endpoint, never a traceback."""
    try:
        yield
    except (KeyError, IndexError, TypeError, ValueError, _botocore().parsers.ResponseParserError) as exc:
        cause = " ".join(str(exc).split())[:300]
        raise failed("read the answer of", params.get("endpoint_url") or "AWS",
                     "it is not an AWS API response (%s: %s); check endpoint_url and region" % (type(exc).__name__, cause))


def check_request(service, operation, request, names):
    """botocore's own shape check of a request we will send later (types, required members, lengths):
    it runs in validate(), so bad input cannot leave a half-made resource. `names` maps the request's
    member paths to option names for the message. Reads the service model only; no connection."""
    botocore = _botocore()
    shape = _model_session().get_service_model(service).operation_model(operation).input_shape
    report = botocore.validate.ParamValidator().validate(request, shape)
    if report.has_errors():
        text = report.generate_report()
        for member, option in names.items():
            text = text.replace(member, option)
        raise ModuleError("%s: %s" % (", ".join(sorted(set(names.values()))), " ".join(text.split())))


_MODEL_SESSION = []


def _model_session():
    """A profile-less session for service models (they do not depend on credentials), loaded once."""
    if not _MODEL_SESSION:
        _MODEL_SESSION.append(_botocore().session.Session())
    return _MODEL_SESSION[0]


# ---------------------------------------------------------------- the modules' common part

class AWSResource(ResourceModule):
    """The part every aws_* module shares: the connection options merged in and checked in validate(),
    one client of `service` (self.client) opened in connect() and closed in close(), and run() reading
    `state` under aws_answers(). A subclass sets `kind` and `service`, checks its own options in
    check_input(), and implements present() and absent()."""

    backend_spec = staticmethod(aws_argument_spec)
    kind = None
    service = None

    def validate(self):
        check_connection_options(self.params)
        self.check_input()

    def check_input(self):
        """The module's own options, before any connection; raise ModuleError naming the option."""

    def connect(self):
        self.name = self.params.get("name")
        self.aws = AWS(self.params)
        self.client = self.aws.client(self.service)

    def close(self):
        self.aws.close()

    def run(self):
        self.manage(self.kind, self.name)
        with aws_answers(self.params):
            return self.absent() if self.params["state"] == "absent" else self.present()

    def update(self, detail, action, fn, **kwargs):
        """One write to the resource, listed as "update <kind> <name>: <detail>"; a failure reads
        "Failed to <action> <kind> <name>: <cause>"."""
        def write():
            return call(action, "%s %s" % (self.kind, self.name), fn, **kwargs)
        self.act("update", self.kind, self.name, write, detail)


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


def tag_detail(to_set, to_remove):
    """The detail of a tags action: 'tags +a,b -c' (keys only: values may be long)."""
    parts = []
    if to_set:
        parts.append("+" + ",".join(sorted(to_set)))
    if to_remove:
        parts.append("-" + ",".join(sorted(to_remove)))
    return "tags " + " ".join(parts)


def check_tags(tags, option="tags", limit=50):
    """Tag limits shared by S3, ECR and IAM (50 tags, keys 1-128 and values 0-256 characters)."""
    if tags is None:
        return
    if len(tags) > limit:
        raise ModuleError("%s: at most %d tags, got %d" % (option, limit, len(tags)))
    for key, value in tags.items():
        if isinstance(value, (dict, list)) or value is None:
            raise ModuleError("%s.%s: expected a string value, got %r" % (option, key, value))
        if not 1 <= len(str(key)) <= 128 or len(str(value)) > 256 or str(key).startswith("aws:"):
            raise ModuleError("%s.%s: expected a key of 1-128 characters not starting with 'aws:' and a value "
                              "of at most 256 characters" % (option, key))


# ---------------------------------------------------------------- policies

def load_policy(value, option):
    """A policy given as a dict or a JSON string -> dict; anything else fails naming the option."""
    if value is None:
        return None
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise ModuleError("%s: expected a policy document (a dict or a JSON object string), got a %s"
                          % (option, type(value).__name__))
    try:
        doc = json.loads(value)
    except ValueError as exc:
        raise ModuleError("%s: malformed policy JSON: %s" % (option, exc))
    if not isinstance(doc, dict):
        raise ModuleError("%s: a policy document must be a JSON object" % option)
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
        raise ModuleError("%s: %s: expected %s" % (option, where, expected))

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


# ---------------------------------------------------------------- ECR registry authorization

def ecr_client(params):
    """An ECR client from ecr_argument_spec's options (timeouts and retries of aws_argument_spec's defaults)."""
    return AWS(params).client("ecr")


ECR_TARGET = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"
TOKEN = "an ECR authorization token"


def _hmac(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def ecr_token_request(params, now=None):
    """(url, headers, body) of GetAuthorizationToken signed with SigV4 (service ecr, JSON 1.1).

    With static keys this replaces botocore (~1 s to import and set up a client) on every run; the
    signature is checked against botocore's signer in the unit tests."""
    region = params["region"]
    url = (params.get("endpoint_url") or "https://api.ecr.%s.amazonaws.com" % region).rstrip("/") + "/"
    parts = urlsplit(url)
    body = json.dumps({"registryIds": [params["ecr_registry_id"]]} if params.get("ecr_registry_id") else {})
    body = body.encode("utf-8")
    now = now or datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    headers = {"content-type": "application/x-amz-json-1.1", "host": parts.netloc, "x-amz-date": amz_date,
               "x-amz-target": ECR_TARGET}
    if params.get("session_token"):
        headers["x-amz-security-token"] = params["session_token"]
    signed = sorted(headers)
    canonical = "\n".join(["POST", parts.path or "/", "", "".join("%s:%s\n" % (k, headers[k].strip()) for k in signed),
                           ";".join(signed), hashlib.sha256(body).hexdigest()])
    scope = "%s/%s/ecr/aws4_request" % (amz_date[:8], region)
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    key = ("AWS4" + params["secret_key"]).encode("utf-8")
    for part in (amz_date[:8], region, "ecr", "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    headers["authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        params["access_key"], scope, ";".join(signed), signature)
    return url, headers, body


def _ecr_token_direct(params):
    url, headers, body = ecr_token_request(params)
    parts = urlsplit(url)
    cls = HTTPSConnection if parts.scheme == "https" else HTTPConnection
    connection = cls(parts.netloc, timeout=30)
    try:
        connection.request("POST", parts.path, body=body, headers=headers)
        response = connection.getresponse()
        status, data = response.status, response.read()
    except (OSError, HTTPException) as exc:
        raise failed("get", TOKEN, "could not reach %s: %s" % (url, exc))
    finally:
        connection.close()
    try:
        document = json.loads(data.decode("utf-8") or "{}")
    except ValueError:
        document = {}
    if not isinstance(document, dict):
        document = {}
    if status != 200:
        kind = str(document.get("__type", "HTTP %d" % status)).rpartition("#")[2]
        raise failed("get", TOKEN, "%s: %s" % (kind, document.get("message") or document.get("Message") or data[:200]))
    found = document.get("authorizationData")
    return found[0] if isinstance(found, list) and found else {}


def ecr_authorization(params):
    """(username, password, registry host) from ECR's GetAuthorizationToken; the password stays in memory."""
    if not params.get("region"):
        raise ModuleError("region is required with registry_auth=ecr (or set AWS_REGION)")
    if params.get("access_key") and params.get("secret_key") and not params.get("profile"):
        data = _ecr_token_direct(params)
    else:  # profiles, instance roles, SSO...: botocore's credential chain
        client = ecr_client(params)
        try:
            kwargs = {"registryIds": [params["ecr_registry_id"]]} if params.get("ecr_registry_id") else {}
            data = (call("get", TOKEN, client.get_authorization_token, **kwargs).get("authorizationData") or [{}])[0]
        finally:
            client.close()
    try:
        username, _sep, password = base64.b64decode(data["authorizationToken"]).decode("utf-8").partition(":")
    except (KeyError, TypeError, ValueError):  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise failed("get", TOKEN, "the answer of %s is not an ECR API response; check endpoint_url"
                     % (params.get("endpoint_url") or "ECR"))
    host = re.sub(r"^https?://", "", data.get("proxyEndpoint", "")).rstrip("/")
    return username, password, host


def ecr_delete_tags(params, repository, tags):
    """ECR has no registry-API DELETE: untag through its own API. Returns the sorted tags that were there."""
    client = ecr_client(params)
    try:
        kwargs = {"registryId": params["ecr_registry_id"]} if params.get("ecr_registry_id") else {}
        response = call("delete tags of", "ECR repository %s" % repository, client.batch_delete_image,
                        repositoryName=repository, imageIds=[{"imageTag": t} for t in tags], **kwargs)
    finally:
        client.close()
    return sorted(i.get("imageTag") for i in response.get("imageIds", []) if i.get("imageTag"))
