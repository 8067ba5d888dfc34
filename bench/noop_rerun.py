"""Benchmark: what a no-op re-run of the deployment costs, per target and in total.

    .venv/bin/python bench/noop_rerun.py [--runs 3] [--json bench/results/noop.json]

Needs the local stack up (make up). Converges once (untimed), then times `ansible-playbook site.yml
--tags <target> --skip-tags verify` for each target and the whole site.yml, `--runs` times each, and
prints the medians next to the targets of ../shared/ARCHITECTURE.md (what users run today). Every timed
run must report changed=0, or the benchmark says so: a no-op that changes something is a bug.
It also times an empty play with the same inventory: the fixed cost of starting ansible-playbook.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
RECAP = re.compile(r"changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")
# target -> (what users run today, its time in seconds, our target in seconds), from ARCHITECTURE.md
REFERENCE = {
    "mongo": ("community.mongodb index x3 + user", 3.40, 1.7),
    "aws_zenml": ("amazon.aws/community.aws S3 + ECR + IAM (ZenML via CLI: 32 s and fails)", 3.67, 1.8 + 6.0),
    "qdrant": ("no Ansible collection manages Qdrant", None, None),
    "image": ("docker build + push", 0.16, None),
}
EMPTY_PLAY = "- hosts: deployer\n  gather_facts: false\n  tasks: []\n"


def run(args: list[str]) -> tuple[float, int, str]:
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")}
    start = time.perf_counter()
    proc = subprocess.run([PLAYBOOK, *args], cwd=REPO, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"bench: ansible-playbook {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    changed = sum(int(m[0]) for m in RECAP.findall(proc.stdout))
    return elapsed, changed, proc.stdout


def median_of(args: list[str], runs: int) -> tuple[float, list[int]]:
    times, changes = [], []
    for _run in range(runs):
        elapsed, changed, _out = run(args)
        times.append(elapsed)
        changes.append(changed)
    return statistics.median(times), changes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, default=REPO / "bench" / "results" / "noop.json")
    opts = parser.parse_args()

    print("converging once (untimed) ...", flush=True)
    run(["site.yml", "--skip-tags", "verify,pipelines"])

    with tempfile.NamedTemporaryFile("w", suffix=".yml", dir=REPO, delete=False) as fh:
        fh.write(EMPTY_PLAY)
    try:
        empty, _changes = median_of([fh.name], opts.runs)
    finally:
        os.unlink(fh.name)

    rows = []
    for target in ("mongo", "qdrant", "aws_zenml", "image"):
        elapsed, changes = median_of(["site.yml", "--tags", target, "--skip-tags", "verify,pipelines"], opts.runs)
        today, today_s, goal = REFERENCE[target]
        rows.append({"target": target, "median_s": round(elapsed, 2), "changed": changes,
                     "own_cost_s": round(elapsed - empty, 2), "today": today, "today_s": today_s,
                     "goal_s": goal})
    whole, changes = median_of(["site.yml", "--skip-tags", "verify,pipelines"], opts.runs)
    rows.append({"target": "site.yml (all four)", "median_s": round(whole, 2), "changed": changes,
                 "own_cost_s": round(whole - empty, 2), "today": "four consoles + .env", "today_s": None,
                 "goal_s": None})

    print(f"\nempty play (ansible-playbook start-up): {empty:.2f} s (median of {opts.runs})\n")
    print(f"{'target':22} {'median':>8} {'minus start':>12} {'goal':>6} {'today':>7}  changed")
    for row in rows:
        goal = f"{row['goal_s']:.1f}" if row["goal_s"] else "-"
        today = f"{row['today_s']:.2f}" if row["today_s"] else "-"
        flag = "" if not any(row["changed"]) else "   <-- a no-op re-run changed something"
        print(f"{row['target']:22} {row['median_s']:8.2f} {row['own_cost_s']:12.2f} {goal:>6} {today:>7}  "
              f"{row['changed']}{flag}")
    opts.json.parent.mkdir(parents=True, exist_ok=True)
    opts.json.write_text(json.dumps({"runs": opts.runs, "empty_play_s": round(empty, 2), "rows": rows}, indent=2))
    print(f"\nwritten: {opts.json.relative_to(REPO)}")
    return 1 if any(any(r["changed"]) for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
