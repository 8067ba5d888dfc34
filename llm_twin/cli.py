"""python -m llm_twin run <pipeline> --config configs/<pipeline>.yaml [--no-cache] | export-settings"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

APP_ROOT = Path(__file__).resolve().parent.parent
PIPELINE_NAMES = ("digital_data_etl", "feature_engineering")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m llm_twin", description="Run the LLM Twin's ZenML pipelines.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a pipeline with a ZenML run configuration")
    run.add_argument("pipeline", choices=PIPELINE_NAMES)
    run.add_argument("--config", type=Path, help="ZenML run config (default: configs/<pipeline>.yaml)")
    run.add_argument("--no-cache", action="store_true", help="disable ZenML step caching for this run")
    run.add_argument("--stack", help="the ZenML stack to run on (default: the active stack)")
    run.add_argument("--image", help="the image the steps run in (settings.docker.parent_image, no build); "
                                     "a remote orchestrator such as SageMaker pulls it from the registry")
    run.add_argument("--report-changes", action="store_true",
                     help="print a final 'llm_twin result: {json}' line saying whether the run changed any data")
    sub.add_parser("export-settings",
                   help="store the settings from the environment in the ZenML secret 'settings'")
    return parser.parse_args(argv)


# A remote orchestrator that runs asynchronously (SageMaker, synchronous: false) returns while the run
# is still in one of these states: the submission succeeded.
SUBMITTED = ("initializing", "provisioning", "running")


def with_image(config: Path, image: str) -> Path:
    """A copy of the run config whose steps run in `image` (settings.docker.parent_image, skip_build)."""
    import tempfile

    import yaml

    data = yaml.safe_load(config.read_text()) or {}
    data.setdefault("settings", {}).setdefault("docker", {}).update(parent_image=image, skip_build=True)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", prefix="run-config-", delete=False) as out:
        yaml.safe_dump(data, out)
    return Path(out.name)


def run_pipeline(name: str, config: Path | None, no_cache: bool, report_changes: bool = False,
                 stack: str | None = None, image: str | None = None) -> int:
    config = config or APP_ROOT / "configs" / f"{name}.yaml"
    if not config.is_file():
        print(f"llm_twin: run config {config} not found", file=sys.stderr)
        return 2
    from zenml.utils import source_utils

    # step sources resolve against the folder that holds llm_twin/, however the CLI was started
    source_utils.set_custom_source_root(str(APP_ROOT))
    from llm_twin.pipelines import PIPELINES

    if stack:
        from zenml.client import Client

        try:
            Client().activate_stack(stack)
        except KeyError:
            print(f"llm_twin: no ZenML stack {stack!r} in the store", file=sys.stderr)
            return 2

    options = {"config_path": str(config)}
    if no_cache:
        options["enable_cache"] = False
    if image:
        # the run config file wins over settings given in code, so the image goes into a copy of it
        options["config_path"] = str(with_image(config, image))
    digest = None
    if report_changes:
        from llm_twin.fingerprint import DIGESTS
        from llm_twin.settings import load_settings

        digest = DIGESTS[name]
        before = digest(load_settings())
    try:
        run = PIPELINES[name].with_options(**options)()
    except RuntimeError as exc:  # ZenML has already logged the failing step's error and traceback
        print(f"llm_twin: pipeline {name} failed: {exc}", file=sys.stderr)
        return 1
    status = str(getattr(run, "status", "")).rpartition(".")[2].lower()
    if status in SUBMITTED:
        orchestrator_run = (getattr(run, "run_metadata", None) or {}).get("orchestrator_run_id", "?")
        print(f"llm_twin: pipeline {name} run {getattr(run, 'name', '?')} submitted: {status} "
              f"(orchestrator run {orchestrator_run})")
        return 0
    print(f"llm_twin: pipeline {name} run {getattr(run, 'name', '?')} finished: {status}")
    if status != "completed":
        return 1
    if digest is not None:
        changed = digest(load_settings()) != before
        print("llm_twin result: " + json.dumps({"pipeline": name, "changed": changed}))
    return 0


def export_settings() -> int:
    from zenml.client import Client

    from llm_twin.settings import SECRET_NAME, load_settings

    values = load_settings(use_zenml_secret=False).secret_values()
    client = Client()
    try:
        client.get_secret(SECRET_NAME)
    except KeyError:
        client.create_secret(name=SECRET_NAME, values=values)
        print(f"llm_twin: created ZenML secret {SECRET_NAME!r} with {', '.join(sorted(values))}")
        return 0
    client.update_secret(SECRET_NAME, add_or_update_values=values)
    print(f"llm_twin: updated ZenML secret {SECRET_NAME!r} with {', '.join(sorted(values))}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    # our own messages only: a root handler would print every ZenML log line a second time
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    app_log = logging.getLogger("llm_twin")
    app_log.addHandler(handler)
    app_log.setLevel(logging.INFO)
    app_log.propagate = False
    if args.command == "run":
        return run_pipeline(args.pipeline, args.config, args.no_cache, args.report_changes, args.stack, args.image)
    return export_settings()
