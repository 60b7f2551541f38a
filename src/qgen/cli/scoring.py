"""Scoring commands: metric networks, per-run scores, the sample-size study."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from qgen.atomic import atomic_path
from qgen.cli.common import add_job_args, job_from_args


def fetch_weights(args: argparse.Namespace) -> None:
    from qgen.metrics.weights import fetch_weights

    out = Path(args.out)
    path = fetch_weights(args.name, out.parent / ".cache", local_path=args.local)
    # A hard link, not a copy: the verified cache file and the rule's output share one inode.
    # (rename() between two links of one inode does nothing, hence the samefile check.)
    if not (out.exists() and out.samefile(path)):
        with atomic_path(out) as tmp:
            tmp.unlink()
            os.link(path, tmp)
    print(f"{args.name}: {out}")


def train_features(args: argparse.Namespace) -> None:
    from qgen.data import dataset_info, load_split
    from qgen.metrics.classifier import train_feature_classifier

    data = load_split(args.dataset, Path(args.data_root), "train")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    train_feature_classifier(
        data.images, data.labels, dataset_info(args.dataset).n_classes,
        seed=args.seed, epochs=args.epochs, save_path=out,
    )
    print(f"feature classifier for {args.dataset}: {out}")


def score(args: argparse.Namespace) -> None:
    import numpy as np

    from qgen.evaluate import score_run
    from qgen.provenance import provenance, write_json
    from qgen.train import set_determinism

    job = job_from_args(args)
    set_determinism(args.seed, args.threads)
    weights = dict(item.split("=", 1) for item in args.features)
    generated = np.load(args.samples)["images"]
    scores = score_run(job, args.cls, args.seed, generated, Path(args.data_root),
                       {k: Path(v) for k, v in weights.items()}, device=args.device,
                       reference_features=Path(args.reference_features) if args.reference_features else None)
    run = {
        "experiment": job["experiment"], "dataset": job["dataset"], "class": args.cls,
        "model": job.get("model_name"), "seed": args.seed,
        "n_train": job["training"].get("n_train_per_class"),
    }
    record = provenance("score", job, args.seed, samples=args.samples, feature_weights=weights)
    write_json(Path(args.out), {"run": run, "scores": scores, "provenance": record})
    for s in scores:
        print(f"{s['protocol']:>8} {s['metric']:<16} {s['value']:.4f}")


def reference_features(args: argparse.Namespace) -> None:
    import numpy as np

    from qgen.data import load_split
    from qgen.metrics.features import build_feature_extractor, extract_features

    name, weights = args.features.split("=", 1)
    refs = load_split(args.dataset, Path(args.data_root), args.split, classes=[args.cls])
    features = extract_features(build_feature_extractor(name, weights_path=Path(weights)), refs.images)
    out = Path(args.out)
    with atomic_path(out) as tmp:
        np.savez(tmp, features=features, indices=refs.indices)
    print(f"{len(features)} x {features.shape[1]} {name} features of {args.dataset} {args.split} class {args.cls}")


def fid_vs_n(args: argparse.Namespace) -> None:
    import numpy as np
    import pandas as pd

    from qgen.data import load_split
    from qgen.metrics.features import build_feature_extractor, extract_features
    from qgen.metrics.frechet import fid_sample_size_study, summarise_sample_size_study
    from qgen.report.figures import fid_vs_sample_size

    from qgen.evaluate import load_reference_features

    job = job_from_args(args)
    scoring = job["scoring"]
    name, weights = args.features.split("=", 1)
    extractor = build_feature_extractor(name, weights_path=Path(weights))
    refs = load_split(job["dataset"], Path(args.data_root), scoring["reference_split"], classes=[args.cls]).images
    ref_features = load_reference_features(Path(args.reference_features), len(refs))
    summaries = []
    for label, path in zip(args.labels, args.samples):
        study = fid_sample_size_study(
            extract_features(extractor, np.load(path)["images"]), ref_features,
            sizes=args.sizes, repeats=args.repeats, seed=0,
        )
        summaries.append(summarise_sample_size_study(study).assign(model=label, features=name, n_ref=len(refs)))
    summary = pd.concat(summaries, ignore_index=True)
    out_csv = Path(args.out_csv)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    summary.to_csv(out_csv, index=False)
    title = f"{job['experiment']}, class {args.cls}: FID vs sample size ({name} features, {len(refs)} reals)"
    fid_vs_sample_size(summary, Path(args.out_png), title, paper_n=scoring["paper_n_samples"])
    print(summary.to_string(index=False))


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fetch-weights", help="get a metric network's weights (download once or local copy)")
    p.add_argument("--name", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--local", help="a local copy of the weight file (checked against its checksum)")
    p.set_defaults(handler=fetch_weights)

    p = sub.add_parser("train-features", help="train the offline feature classifier on a training split")
    p.add_argument("--dataset", required=True)
    p.add_argument("--data-root", required=True)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)
    p.set_defaults(handler=train_features)

    p = sub.add_parser("score", help="score one run's samples under the configured protocols")
    add_job_args(p)
    p.add_argument("--cls", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--samples", required=True)
    p.add_argument("--data-root", required=True)
    p.add_argument("--features", action="append", default=[], help="NAME=WEIGHTS_PATH, repeatable")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--reference-features", help="the references' features, from reference-features")
    p.add_argument("--out", required=True)
    p.set_defaults(handler=score)

    p = sub.add_parser("reference-features", help="features of a class's reference images, once for all runs")
    p.add_argument("--dataset", required=True)
    p.add_argument("--data-root", required=True)
    p.add_argument("--split", required=True)
    p.add_argument("--cls", type=int, required=True)
    p.add_argument("--features", required=True, help="NAME=WEIGHTS_PATH")
    p.add_argument("--out", required=True)
    p.set_defaults(handler=reference_features)

    p = sub.add_parser("fid-vs-n", help="how FID depends on the number of generated images")
    add_job_args(p, model=False)
    p.add_argument("--cls", type=int, required=True)
    p.add_argument("--samples", nargs="+", required=True)
    p.add_argument("--labels", nargs="+", required=True)
    p.add_argument("--data-root", required=True)
    p.add_argument("--features", required=True, help="NAME=WEIGHTS_PATH")
    p.add_argument("--reference-features", required=True, help="the references' features, from reference-features")
    p.add_argument("--sizes", type=int, nargs="+", default=[5, 10, 25, 50, 100, 250, 500, 1000])
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--out-csv", required=True)
    p.add_argument("--out-png", required=True)
    p.set_defaults(handler=fid_vs_n)
