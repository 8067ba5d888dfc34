"""Concurrency: two module processes (what two ansible-playbook runs execute) create the same new resource
at the same moment. Both must succeed, exactly one resource must exist, and a third run reports unchanged.
Issue 11 defects 2 and 9 are here (qdrant's embedded store, bucket/role/repository "already exists").
"""
from __future__ import annotations

import threading
import uuid

import pytest

from harness import connection, module, remove_named, tally, tried

TAG = uuid.uuid4().hex[:6]
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": "sagemaker.amazonaws.com"}}]}


def race(mod, args_a, args_b=None):
    """Start both processes behind one barrier, so their creates overlap."""
    barrier = threading.Barrier(2)
    results = [None, None]

    def go(i, args):
        barrier.wait()
        results[i] = module(mod, args)

    threads = [threading.Thread(target=go, args=(i, a)) for i, a in enumerate((args_a, args_b or args_a))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    return results


def kinds(stack, mongo, aws, zenml, zenml_config, store):
    from qdrant_client import QdrantClient

    def qdrant_names():
        client = QdrantClient(path=store)
        try:
            return sorted(c.name for c in client.get_collections().collections)
        finally:
            client.close()

    m, a = connection(stack, "mongodb"), connection(stack, "aws")
    db = f"rl_race_{TAG}"
    vec = {"size": 4, "distance": "Cosine"}
    return {
        "s3 bucket (eu-west-1)": ("aws_s3_bucket", dict(a, region="eu-west-1", name=f"rl-race-{TAG}"), None,
                                  lambda: [b["Name"] for b in aws["s3-eu"].list_buckets()["Buckets"]].count(f"rl-race-{TAG}")),
        "ecr repository": ("aws_ecr_repository", dict(a, name=f"rl-race-{TAG}"), None,
                           lambda: len([r for r in aws["ecr"].describe_repositories()["repositories"]
                                        if r["repositoryName"] == f"rl-race-{TAG}"])),
        "iam role": ("aws_iam_role", dict(a, name=f"rl-race-{TAG}", assume_role_policy=TRUST), None,
                     lambda: len([r for r in aws["iam"].list_roles()["Roles"] if r["RoleName"] == f"rl-race-{TAG}"])),
        "mongo collection": ("mongodb_collection", dict(m, database=db, name="c"), None,
                             lambda: mongo[db].list_collection_names().count("c")),
        "mongo index": ("mongodb_index", dict(m, database=db, collection="i", indexes=[{"keys": [{"author_id": 1}]}]),
                        None, lambda: int("author_id_1" in mongo[db].i.index_information())),
        "qdrant collection": ("qdrant_collection", {"path": store, "name": "rl_race_same", "vectors": vec}, None,
                              lambda: qdrant_names().count("rl_race_same")),
        "qdrant collections (two names, one store)": (
            "qdrant_collection", {"path": store, "name": "rl_race_a", "vectors": vec},
            {"path": store, "name": "rl_race_b", "vectors": vec},
            lambda: int({"rl_race_a", "rl_race_b"} <= set(qdrant_names()))),
        "zenml secret": ("zenml_secret", dict(connection(stack, "zenml", zenml_config), name=f"rl-race-{TAG}",
                                              values={"K": "rl-race-value"}), None,
                         lambda: len([s for s in zenml.items("secrets", name=f"rl-race-{TAG}")
                                      if s["name"] == f"rl-race-{TAG}"])),
    }


@pytest.fixture(scope="module")
def setup(stack, mongo, aws, zenml, docker_client, zenml_config, tmp_path_factory):
    from qdrant_client import QdrantClient

    store = str(tmp_path_factory.mktemp("rl-race") / "qdrant")
    QdrantClient(path=store).close()
    try:
        yield kinds(stack, mongo, aws, zenml, zenml_config, store)
    finally:
        remove_named(f"rl-race-{TAG}", mongo, aws, zenml, None)


NAMES = ["s3 bucket (eu-west-1)", "ecr repository", "iam role", "mongo collection", "mongo index",
         "qdrant collection", "qdrant collections (two names, one store)", "zenml secret"]


@pytest.mark.parametrize("kind", NAMES)
def test_parallel_creates_both_succeed_and_converge(kind, setup):
    tried("races")
    mod, args_a, args_b, count = setup[kind]
    first, second = race(mod, args_a, args_b)
    assert first.run.rc == 0, first
    assert second.run.rc == 0, second
    assert count() == 1, f"{kind}: expected exactly one, found {count()}"
    again = module(mod, args_a)
    assert again.run.rc == 0 and not again.changed, again
    tally("races")
