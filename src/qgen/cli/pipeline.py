"""Data, training and sampling commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from qgen.cli.common import add_execution_args, add_job_args, job_from_args


def validate(args: argparse.Namespace) -> None:
    from qgen.config import load_config

    config = load_config(*args.config)
    print(f"{', '.join(args.config)}: valid ({len(config['experiments'])} experiments after sweeps, "
          f"targets: {', '.join(config['targets'])})")


def config_docs(args: argparse.Namespace) -> None:
    from qgen.atomic import atomic_write_text
    from qgen.config.docs import config_reference

    text = config_reference()
    if args.out:
        atomic_write_text(Path(args.out), text)
    else:
        print(text, end="")


def prepare(args: argparse.Namespace) -> None:
    from qgen.data import prepare_dataset
    from qgen.fetch import resolve_mirror
    from qgen.provenance import provenance, write_json

    mirror = resolve_mirror(args.mirror)
    paths = prepare_dataset(args.dataset, Path(args.root), mirror)
    # The data package keeps its own manifest.json (checksums of the split files) beside these;
    # this record is the rule's output and says which code and mirror produced them.
    write_json(
        Path(args.record),
        provenance("prepare-data", {"dataset": args.dataset}, mirror=str(mirror) if mirror else None,
                   splits={k: str(v) for k, v in paths.items()}),
    )


def train(args: argparse.Namespace) -> None:
    from qgen.config import train_slice
    from qgen.training import train
    from qgen.training.data import training_data

    job = job_from_args(args, train_slice)
    data = training_data(job, args.unit, Path(args.data_root), seed=args.seed)
    requires = dict(item.split("=", 1) for item in args.requires)
    train({**job, "unit": args.unit}, data, args.seed, Path(args.outdir),
          requires={k: Path(v) for k, v in requires.items()},
          device=args.device, threads=args.threads, progress=not args.quiet)


def sample(args: argparse.Namespace) -> None:
    from qgen.config import sample_slice
    from qgen.sample import sample

    if args.job or args.config:
        sampling = dict(job_from_args(args, sample_slice)["sampling"])
    else:
        sampling = {}
    if args.n_samples is not None:
        sampling["n_samples"] = args.n_samples
    if args.batch_size is not None:
        sampling["batch_size"] = args.batch_size
    sampling.setdefault("batch_size", sampling.get("n_samples"))
    if "n_samples" not in sampling:
        raise SystemExit("qgen sample: give --job, --config/--experiment/--model, or --n-samples")
    sample(Path(args.model_file), Path(args.out), sampling, device=args.device, threads=args.threads,
           progress=not args.quiet)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate-config", help="check config file(s) against the schema, registries and datasets")
    p.add_argument("config", nargs="+", help="config YAML file(s), later ones overriding earlier ones")
    p.set_defaults(handler=validate)

    p = sub.add_parser("config-docs", help="the config reference (config/README.md) as Markdown, from the schema")
    p.add_argument("--out", metavar="FILE",
                   help="write the Markdown to FILE (e.g. config/README.md) instead of printing it")
    p.set_defaults(handler=config_docs)

    p = sub.add_parser("prepare-data", help="download (or copy from a mirror), verify, standardise a dataset")
    p.add_argument("--dataset", required=True, help="a dataset name of qgen.data")
    p.add_argument("--root", required=True, help="data folder, e.g. resources/data")
    p.add_argument("--mirror", help="folder with the raw files (QGEN_DATA_MIRROR overrides it; none: download)")
    p.add_argument("--record", required=True, help="provenance JSON written when the data is ready")
    p.set_defaults(handler=prepare)

    p = sub.add_parser("train", help="train one run: an experiment's model on one unit (class or all) with one seed")
    add_job_args(p)
    p.add_argument("--unit", required=True, help="the class trained on, or 'all'")
    p.add_argument("--seed", type=int, required=True, help="the run's seed")
    p.add_argument("--requires", action="append", default=[], metavar="ROLE=MODEL_PT",
                   help="a trained run this model requires, repeatable (e.g. autoencoder=results/.../model.pt)")
    p.add_argument("--data-root", required=True, help="prepared data folder (resources/data)")
    p.add_argument("--outdir", required=True, help="the run's folder")
    add_execution_args(p)
    p.set_defaults(handler=train)

    p = sub.add_parser("sample", help="draw images from a trained run")
    add_job_args(p)
    p.add_argument("--model-file", required=True, help="the run's model.pt")
    p.add_argument("--out", required=True, help=".npz with uint8 images (N, H, W, C)")
    p.add_argument("--n-samples", type=int, help="overrides the slice's sampling.n_samples")
    p.add_argument("--batch-size", type=int, help="overrides the slice's sampling.batch_size")
    add_execution_args(p)
    p.set_defaults(handler=sample)
