"""Drift, every resource kind: converge, change the resource by hand with the backend's SDK, then check mode
must report changed (and change nothing), a run must repair it, and a second run must report unchanged.

The sequences are independent (own names rl-drift-<kind>-<tag>) and run a few at a time in one fixture;
each kind is then its own test.
"""
from __future__ import annotations

import json
import uuid

import pytest

from harness import connection, module, parallel, remove_named, tally, tried

TAG = uuid.uuid4().hex[:6]
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": "sagemaker.amazonaws.com"}}]}
ECR_POLICY = {"rules": [{"rulePriority": 1, "description": "keep 5", "action": {"type": "expire"},
                         "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 5}}]}
READONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


class Sequence:
    """One drift case: desired args of a module, a hand-made change, and how to read the repaired state."""

    def __init__(self, name, mod, args, drift, repaired):
        self.name, self.mod, self.args, self.drift, self.repaired = name, mod, args, drift, repaired

    def run(self):
        steps = {}
        steps["converge"] = module(self.mod, self.args)
        if steps["converge"].run.rc != 0:
            return steps, "converge failed"
        self.drift()
        steps["plan"] = module(self.mod, self.args, check=True)
        if self.repaired():
            return steps, "check mode repaired the drift"
        steps["repair"] = module(self.mod, self.args)
        steps["again"] = module(self.mod, self.args)
        return steps, None


# tags set by hand in the s3 tags drift case
HAND_TAGS = [{"Key": "owner", "Value": "hand"}, {"Key": "extra", "Value": "x"}]


def sequences(stack, mongo, aws, zenml, docker_client, zenml_config, tmp):
    out = []
    m = connection(stack, "mongodb")
    db_name = f"rl_drift_{TAG}"
    db = mongo[db_name]
    schema = {"$jsonSchema": {"bsonType": "object", "required": ["a"]}}
    db.seed.insert_one({"a": 1})  # the user's role names this database: it must exist before the user does

    def options(coll):
        return db.command("listCollections", filter={"name": coll})["cursor"]["firstBatch"][0]["options"]

    out.append(Sequence("mongo collection validator", "mongodb_collection",
                        dict(m, database=db_name, name="v", validator=schema, validation_level="strict"),
                        lambda: db.command("collMod", "v", validator={"$jsonSchema": {"bsonType": "object"}}),
                        lambda: options("v").get("validator") == schema))
    unique = [{"keys": [{"link": 1}], "unique": True, "partial_filter_expression": {"link": {"$type": "string"}}}]

    def index_drift():
        db.i.drop_index("link_1")
        db.i.create_index("link", name="link_1", sparse=True)

    def index_ok():
        info = db.i.index_information().get("link_1", {})
        return info.get("unique") is True and info.get("partialFilterExpression") == {"link": {"$type": "string"}}

    out.append(Sequence("mongo index options", "mongodb_index", dict(m, database=db_name, collection="i", indexes=unique),
                        index_drift, index_ok))
    user = f"rl_drift_{TAG}_u"
    roles = [{"role": "read", "db": db_name}]

    def user_roles():
        found = mongo.admin.command("usersInfo", user)["users"]
        return found[0]["roles"] if found else []

    out.append(Sequence("mongo user roles", "mongodb_user",
                        dict(m, name=user, database="admin", password="rl-Drift-pw-123", roles=roles),
                        lambda: mongo.admin.command("grantRolesToUser", user, roles=[{"role": "readWrite", "db": db_name}]),
                        lambda: user_roles() == roles))

    # ---- qdrant (an embedded store of the suite's own)
    from qdrant_client import QdrantClient, models

    store = str(tmp / "qdrant")
    QdrantClient(path=store).close()
    qname = f"rl_drift_{TAG}"

    def qdrant(fn):
        client = QdrantClient(path=store)
        try:
            return fn(client)
        finally:
            client.close()

    out.append(Sequence("qdrant collection params", "qdrant_collection",
                        {"path": store, "name": qname, "vectors": {"size": 4, "distance": "Cosine"}, "recreate": True},
                        lambda: qdrant(lambda c: (c.delete_collection(qname), c.create_collection(
                            qname, vectors_config=models.VectorParams(size=8, distance=models.Distance.DOT)))),
                        lambda: qdrant(lambda c: c.get_collection(qname).config.params.vectors.size == 4)))

    def alias_setup():
        qdrant(lambda c: [c.create_collection(n, vectors_config=models.VectorParams(size=4, distance=models.Distance.COSINE))
                          for n in (qname + "_a", qname + "_b") if not c.collection_exists(n)])

    def aliased(c):
        return {a.alias_name: a.collection_name for a in c.get_aliases().aliases}

    alias_setup()
    out.append(Sequence("qdrant alias", "qdrant_alias", {"path": store, "name": qname + "_live", "collection": qname + "_a"},
                        lambda: qdrant(lambda c: c.update_collection_aliases(change_aliases_operations=[
                            models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=qname + "_live")),
                            models.CreateAliasOperation(create_alias=models.CreateAlias(
                                collection_name=qname + "_b", alias_name=qname + "_live"))])),
                        lambda: qdrant(aliased).get(qname + "_live") == qname + "_a"))

    # ---- aws (moto)
    a = connection(stack, "aws")
    s3, ecr, iam = aws["s3"], aws["ecr"], aws["iam"]
    bucket = f"rl-drift-{TAG}"

    def bucket_args(**kw):
        return dict(a, name=bucket + kw.pop("suffix"), **kw)

    out.append(Sequence("s3 versioning", "aws_s3_bucket", bucket_args(suffix="-v", versioning=True),
                        lambda: s3.put_bucket_versioning(Bucket=bucket + "-v", VersioningConfiguration={"Status": "Suspended"}),
                        lambda: s3.get_bucket_versioning(Bucket=bucket + "-v").get("Status") == "Enabled"))
    out.append(Sequence("s3 tags", "aws_s3_bucket", bucket_args(suffix="-t", tags={"owner": "rl"}),
                        lambda: s3.put_bucket_tagging(Bucket=bucket + "-t", Tagging={"TagSet": HAND_TAGS}),
                        lambda: s3.get_bucket_tagging(Bucket=bucket + "-t")["TagSet"] == [{"Key": "owner", "Value": "rl"}]))
    pab = {"block_public_acls": True, "ignore_public_acls": True, "block_public_policy": True,
           "restrict_public_buckets": True}

    def pab_ok():
        try:
            conf = s3.get_public_access_block(Bucket=bucket + "-p")["PublicAccessBlockConfiguration"]
        except s3.exceptions.ClientError:
            return False
        return all(conf.values()) and len(conf) == 4

    out.append(Sequence("s3 public access block", "aws_s3_bucket", bucket_args(suffix="-p", public_access_block=pab),
                        lambda: s3.delete_public_access_block(Bucket=bucket + "-p"), pab_ok))
    repo = f"rl-drift-{TAG}"
    out.append(Sequence("ecr tag mutability", "aws_ecr_repository", dict(a, name=repo + "-m", image_tag_mutability="MUTABLE"),
                        lambda: ecr.put_image_tag_mutability(repositoryName=repo + "-m", imageTagMutability="IMMUTABLE"),
                        lambda: ecr.describe_repositories(repositoryNames=[repo + "-m"])["repositories"][0][
                            "imageTagMutability"] == "MUTABLE"))

    def lifecycle_ok():
        try:
            text = ecr.get_lifecycle_policy(repositoryName=repo + "-l")["lifecyclePolicyText"]
        except ecr.exceptions.ClientError:
            return False
        return json.loads(text)["rules"][0]["selection"]["countNumber"] == 5

    out.append(Sequence("ecr lifecycle policy", "aws_ecr_repository", dict(a, name=repo + "-l", lifecycle_policy=ECR_POLICY),
                        lambda: ecr.delete_lifecycle_policy(repositoryName=repo + "-l"), lifecycle_ok))
    role = f"rl-drift-{TAG}"

    def inline_ok():
        try:
            doc = iam.get_role_policy(RoleName=role + "-i", PolicyName="read")["PolicyDocument"]
        except iam.exceptions.ClientError:
            return False
        return doc["Statement"][0]["Action"] == "s3:GetObject"

    out.append(Sequence("iam inline policy", "aws_iam_role",
                        dict(a, name=role + "-i", assume_role_policy=TRUST, inline_policies={"read": POLICY}),
                        lambda: iam.put_role_policy(RoleName=role + "-i", PolicyName="read", PolicyDocument=json.dumps(
                            dict(POLICY, Statement=[dict(POLICY["Statement"][0], Action="s3:*")]))),
                        inline_ok))
    out.append(Sequence("iam managed policies", "aws_iam_role",
                        dict(a, name=role + "-p", assume_role_policy=TRUST, managed_policies=[READONLY]),
                        lambda: iam.detach_role_policy(RoleName=role + "-p", PolicyArn=READONLY),
                        lambda: [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role + "-p")[
                            "AttachedPolicies"]] == [READONLY]))

    # ---- zenml (the stack's server, REST for the hand-made changes)
    z = connection(stack, "zenml", zenml_config)
    secret = f"rl-drift-{TAG}"

    def secret_values():
        found = zenml.find("secrets", secret)
        return zenml.call("GET", f"/secrets/{found['id']}")["body"]["values"] if found else None

    out.append(Sequence("zenml secret values", "zenml_secret", dict(z, name=secret, values={"A": "rl-one", "B": "rl-two"}),
                        lambda: zenml.call("PUT", f"/secrets/{zenml.find('secrets', secret)['id']}",
                                           {"values": {"A": "rl-hand", "B": "rl-two"}}),
                        lambda: secret_values() == {"A": "rl-one", "B": "rl-two"}))
    comp = f"rl-drift-{TAG}-orch"
    zstack = dict(z, name=f"rl-drift-{TAG}", aws_endpoint_url=stack.aws_endpoint_url,
                  connector={"name": f"rl-drift-{TAG}-aws", "auth_method": "secret-key", "region": "us-east-1",
                             "aws_access_key_id": "testing", "aws_secret_access_key": "rl-drift-key"},
                  components={"orchestrator": {"name": comp, "flavor": "sagemaker", "configuration": {
                      "execution_role": "arn:aws:iam::123456789012:role/rl-drift", "synchronous": False}},
                      "artifact_store": {"name": f"rl-drift-{TAG}-s3", "flavor": "s3",
                                         "configuration": {"path": f"s3://rl-drift-{TAG}-zenml"}}})

    def component():
        return zenml.find("components", comp)

    out.append(Sequence("zenml component config", "zenml_stack", zstack,
                        lambda: zenml.call("PUT", f"/components/{component()['id']}", {"configuration": {
                            "execution_role": "arn:aws:iam::123456789012:role/rl-drift", "synchronous": True}}),
                        lambda: component()["metadata"]["configuration"].get("synchronous") is False))

    # ---- registry tag (docker_image_push moves :latest back)
    ctx = tmp / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM scratch\nCOPY f /f\n")
    image = f"rl-drift-{TAG}"
    built = {}
    for version in ("one", "two"):
        (ctx / "f").write_text(version)
        result = module("docker_image_build", dict(connection(stack, "docker"), name=image, path=str(ctx)))
        built[version] = result.result.get("image", {}).get("reference") or result.result.get("image", {}).get("tag")
    reg = connection(stack, "registry")
    auth = {"username": stack.registry_user, "password": stack.registry_password}

    def registry_digest(tag):
        import requests

        r = requests.head(f"http://{stack.registry}/v2/{image}/manifests/{tag}", timeout=10,
                          auth=(stack.registry_user, stack.registry_password),
                          headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"})
        return r.headers.get("Docker-Content-Digest")

    def move_latest():
        target = f"{stack.registry}/{image}"
        docker_client.images.get(built["two"]).tag(target, "latest")
        list(docker_client.api.push(target, "latest", stream=True, decode=True, auth_config=auth))

    out.append(Sequence("registry tag", "docker_image_push", dict(reg, name=image, source=built["one"]),
                        move_latest,
                        lambda: registry_digest("latest") == registry_digest(built["one"].rsplit(":", 1)[1])))
    return out


@pytest.fixture(scope="module")
def drift_runs(stack, mongo, aws, zenml, docker_client, zenml_config, tmp_path_factory):
    seqs = sequences(stack, mongo, aws, zenml, docker_client, zenml_config, tmp_path_factory.mktemp("rl-drift"))
    try:
        outcomes = parallel([s.run for s in seqs], workers=3)
        yield {s.name: (s, *o) for s, o in zip(seqs, outcomes)}
    finally:
        remove_named(f"rl-drift-{TAG}", mongo, aws, zenml, docker_client)


KINDS = ["mongo collection validator", "mongo index options", "mongo user roles", "qdrant collection params",
         "qdrant alias", "s3 versioning", "s3 tags", "s3 public access block", "ecr tag mutability",
         "ecr lifecycle policy", "iam inline policy", "iam managed policies", "zenml secret values",
         "zenml component config", "registry tag"]


@pytest.mark.parametrize("kind", KINDS)
def test_drift_is_planned_repaired_then_stable(kind, drift_runs):
    tried("drift")
    seq, steps, problem = drift_runs[kind]
    shown = "\n".join(f"--- {k}: {v}" for k, v in steps.items())
    assert problem is None, f"{problem}\n{shown}"
    assert steps["plan"].run.rc == 0 and steps["plan"].changed, f"check mode missed the drift\n{shown}"
    assert steps["repair"].run.rc == 0 and steps["repair"].changed, shown
    assert seq.repaired(), f"the run did not repair the drift\n{shown}"
    assert steps["again"].run.rc == 0 and not steps["again"].changed, f"not stable after repair\n{shown}"
    tally("drift")
