"""Data, training and sampling commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from qgen.cli.common import add_job_args, job_from_args


def validate(args: argparse.Namespace) -> None:
    from qgen.config import load_config

    config = load_config(args.config)
    print(f"{args.config}: valid ({len(config['experiments'])} experiments)")


def prepare(args: argparse.Namespace) -> None:
    from qgen.data import prepare_dataset
    from qgen.provenance import provenance, write_json

    paths = prepare_dataset(args.dataset, Path(args.root), Path(args.mirror) if args.mirror else None)
    # The data package keeps its own manifest.json (checksums of the split files) beside these;
    # this record is the rule's output and says which code and mirror produced them.
    write_json(
        Path(args.record),
        provenance(
            "prepare-data", {"dataset": args.dataset, "mirror": args.mirror},
            splits={k: str(v) for k, v in paths.items()},
        ),
    )


def train(args: argparse.Namespace) -> None:
    from qgen.data import load_split, to_model_tensor
    from qgen.train import train

    job = job_from_args(args)
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


def sample(args: argparse.Namespace) -> None:
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


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate-config", help="check a config against the schema and datasets")
    p.add_argument("config")
    p.set_defaults(handler=validate)

    p = sub.add_parser("prepare-data", help="download (or copy from a mirror), verify, standardise")
    p.add_argument("--dataset", required=True)
    p.add_argument("--root", required=True, help="data folder, e.g. resources/data")
    p.add_argument("--mirror", help="local folder with the raw files (else QGEN_DATA_MIRROR, else download)")
    p.add_argument("--record", required=True, help="provenance JSON written when the data is ready")
    p.set_defaults(handler=prepare)

    p = sub.add_parser("train", help="train one (dataset, class, model, seed)")
    add_job_args(p)
    p.add_argument("--cls", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--data-root", required=True)
    p.add_argument("--outdir", required=True)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(handler=train)

    p = sub.add_parser("sample", help="draw images from a trained model")
    p.add_argument("--model-file", required=True)
    p.add_argument("--out", required=True, help=".npz with uint8 images (N, H, W, C)")
    p.add_argument("--n-samples", type=int, required=True)
    p.add_argument("--batch-size", type=int, default=500)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(handler=sample)
