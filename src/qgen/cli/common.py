"""Arguments every job command shares: its config slice, from --job or from a config file."""

from __future__ import annotations

import argparse
import json
from typing import Any


def job_from_args(args: argparse.Namespace) -> dict[str, Any]:
    from qgen.config import job_slice, load_config

    if args.job:
        return json.loads(args.job)
    if not (args.config and args.experiment):
        raise SystemExit("give either --job JSON or --config FILE --experiment NAME")
    return job_slice(load_config(args.config), args.experiment, getattr(args, "model", None))


def add_job_args(p: argparse.ArgumentParser, model: bool = True) -> None:
    p.add_argument("--job", help="JSON config slice of this job (as the Snakefile passes it)")
    p.add_argument("--config", help="config YAML, with --experiment, instead of --job")
    p.add_argument("--experiment")
    if model:
        p.add_argument("--model", help="model variant name from the config's models")
