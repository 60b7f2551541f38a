"""Arguments every job command shares: its config slice, from --job or from config files."""

from __future__ import annotations

import argparse
import json
from typing import Any, Callable

from qgen.errors import QgenError

SliceFunction = Callable[..., dict[str, Any]]


def job_from_args(args: argparse.Namespace, make_slice: SliceFunction) -> dict[str, Any]:
    """The job's slice: the JSON the Snakefile passes, or computed from ``--config`` files the
    same way (``make_slice(config, experiment[, model])``), so every step also runs by hand."""
    from qgen.config import load_config

    if args.job:
        try:
            return json.loads(args.job)
        except json.JSONDecodeError as err:
            raise QgenError(f"--job is not valid JSON ({err.msg} at character {err.pos}). "
                            f"Fix: pass the slice the Snakefile computes, or use --config and --experiment.") from None
    if not (args.config and args.experiment):
        raise QgenError("give either --job JSON or --config FILE [FILE ...] --experiment NAME (and --model NAME)")
    config = load_config(*args.config)
    model = getattr(args, "model", None)
    return make_slice(config, args.experiment, model) if model is not None else make_slice(config, args.experiment)


def add_job_args(p: argparse.ArgumentParser, model: bool = True) -> None:
    p.add_argument("--job", help="JSON config slice of this job (as the Snakefile passes it)")
    p.add_argument("--config", nargs="+", metavar="FILE",
                   help="config YAML file(s), later ones overriding earlier ones, instead of --job")
    p.add_argument("--experiment", help="experiment name in the config (with --config)")
    if model:
        p.add_argument("--model", help="model name in the config's models (with --config)")


def add_execution_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="cpu", help="torch device: cpu, cuda or cuda:N (default cpu)")
    p.add_argument("--threads", type=int, default=1, help="CPU threads (default 1)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
