"""The one command-line entry point, ``qgen``: every Snakemake rule calls a subcommand.

Jobs get their config either as ``--job`` (the JSON slice the Snakefile computes) or as
``--config FILE --experiment NAME [--model NAME]``, which computes the same slice, so every
step also runs by hand without Snakemake.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable

COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {}


def command(name: str) -> Callable:
    def decorator(fn: Callable[[argparse.Namespace], None]) -> Callable:
        COMMANDS[name] = fn
        return fn

    return decorator


def _job(args: argparse.Namespace) -> dict[str, Any]:
    from qgen.config import job_slice, load_config

    if args.job:
        return json.loads(args.job)
    if not (args.config and args.experiment):
        raise SystemExit("give either --job JSON or --config FILE --experiment NAME")
    return job_slice(load_config(args.config), args.experiment, getattr(args, "model", None))


def _add_job_args(p: argparse.ArgumentParser, model: bool = True) -> None:
    p.add_argument("--job", help="JSON config slice of this job (as the Snakefile passes it)")
    p.add_argument("--config", help="config YAML, with --experiment, instead of --job")
    p.add_argument("--experiment")
    if model:
        p.add_argument("--model", help="model variant name from the config's models")


@command("validate-config")
def _validate(args: argparse.Namespace) -> None:
    from qgen.config import load_config

    config = load_config(args.config)
    print(f"{args.config}: valid ({len(config['experiments'])} experiments)")


@command("prepare-data")
def _prepare(args: argparse.Namespace) -> None:
    from qgen.data import prepare_dataset
    from qgen.provenance import provenance, write_json

    paths = prepare_dataset(args.dataset, Path(args.root), Path(args.mirror) if args.mirror else None)
    write_json(
        Path(args.manifest),
        provenance("prepare-data", {"dataset": args.dataset}, splits={k: str(v) for k, v in paths.items()}),
    )


@command("train")
def _train(args: argparse.Namespace) -> None:
    from qgen.data import load_split, to_model_tensor
    from qgen.train import train

    job = _job(args)
    training = job["training"]
    data = load_split(
        job["dataset"],
        Path(args.data_root),
        "train",
        classes=[args.cls],
        n_per_class=training.get("n_train_per_class"),
        seed=training.get("data_seed", 0),
    )
    job = {**job, "class": args.cls}
    train(job, to_model_tensor(data.images), args.seed, Path(args.outdir), progress=not args.quiet)


@command("sample")
def _sample(args: argparse.Namespace) -> None:
    from qgen.sample import sample

    sample(
        Path(args.model_file),
        Path(args.out),
        args.n_samples,
        args.batch_size,
        device=args.device,
        threads=args.threads,
        progress=not args.quiet,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qgen", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate-config", help="check a config against the schema and datasets")
    p.add_argument("config")

    p = sub.add_parser("prepare-data", help="download (or copy from a mirror), verify, standardise")
    p.add_argument("--dataset", required=True)
    p.add_argument("--root", required=True, help="data folder, e.g. resources/data")
    p.add_argument("--mirror", help="local folder with the raw files (else QGEN_DATA_MIRROR, else download)")
    p.add_argument("--manifest", required=True, help="JSON written when the data is ready")

    p = sub.add_parser("train", help="train one (dataset, class, model, seed)")
    _add_job_args(p)
    p.add_argument("--cls", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--data-root", required=True)
    p.add_argument("--outdir", required=True)
    p.add_argument("--quiet", action="store_true")

    p = sub.add_parser("sample", help="draw images from a trained model")
    p.add_argument("--model-file", required=True)
    p.add_argument("--out", required=True, help=".npz with uint8 images (N, H, W, C)")
    p.add_argument("--n-samples", type=int, required=True)
    p.add_argument("--batch-size", type=int, default=500)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--quiet", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        COMMANDS[args.command](args)
    except Exception as err:  # one readable line for users; the traceback stays in the log
        from qgen.config import ConfigError
        from qgen.data import QgenDataError

        if isinstance(err, (ConfigError, QgenDataError)):
            print(f"qgen {args.command}: error: {err}", file=sys.stderr)
            raise SystemExit(2) from None
        raise


if __name__ == "__main__":
    main()
