"""Scoring commands: metric networks, per-run scores, the sample-size study."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from qgen.atomic import atomic_path
from qgen.cli.common import add_execution_args, add_job_args, job_from_args


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
    from qgen.determinism import set_determinism
    from qgen.metrics.classifier import train_feature_classifier

    set_determinism(args.seed, args.threads)
    data = load_split(args.dataset, Path(args.data_root), "train")
    out = Path(args.out)
    model = train_feature_classifier(
        data.images, data.labels, dataset_info(args.dataset).n_classes,
        seed=args.seed, epochs=args.epochs, save_path=out, progress=not args.quiet,
    )
    print(f"feature classifier for {args.dataset}: {out} (training accuracy {model.train_accuracy:.3f})")


def fit_validator(args: argparse.Namespace) -> None:
    """Fit a gradable validator once per dataset, then measure the held-out real images' own
    gradable fraction (the number every model's fraction is shown beside)."""
    import json

    from qgen.data import load_split
    from qgen.determinism import set_determinism
    from qgen.metrics.gradable import binomial_interval, fit_validator, save_validator
    from qgen.provenance import provenance, write_json

    settings = json.loads(args.job)
    set_determinism(settings.get("seed", 0), args.threads)
    out = Path(args.out)
    options = {k: settings[k] for k in ("epochs", "outlier_weight") if k in settings}
    validator = fit_validator(
        args.name, args.dataset, Path(args.data_root), seed=settings.get("seed", 0),
        calibration_split=settings.get("calibration_split", "val"), acceptance=settings.get("acceptance", 0.95),
        threads=args.threads, **options,
    )
    reals = load_split(args.dataset, Path(args.data_root), args.real_split).images
    accepted = validator.accepts(reals)
    real = binomial_interval(int(accepted.sum()), int(accepted.size), 0.95, "wilson")
    with atomic_path(out) as tmp:
        save_validator(validator, tmp)
    record = provenance("fit-validator", {"validator": args.name, "dataset": args.dataset, **settings},
                        settings.get("seed", 0), metadata=validator.metadata, threshold=validator.threshold,
                        real={"split": args.real_split, "n": real.n, "n_gradable": int(accepted.sum()),
                              "fraction": real.estimate, "low": real.low, "high": real.high, "method": "wilson"})
    write_json(out.with_suffix(".json"), record)
    print(f"{args.name} validator for {args.dataset}: threshold {validator.threshold:.4f}; real {args.real_split} "
          f"images gradable {real.estimate:.3f} [{real.low:.3f}, {real.high:.3f}] (n = {real.n})")


def score(args: argparse.Namespace) -> None:
    import numpy as np

    from qgen.config import score_slice
    from qgen.determinism import set_determinism
    from qgen.evaluate import run_facts, score_run
    from qgen.paths import unit_classes
    from qgen.provenance import provenance, read_json, write_json
    from qgen.sample import sampling_label
    from qgen.seeding import recorded_run_seed

    job = job_from_args(args, score_slice)
    trained = read_json(Path(args.train_record))
    train_job, seed = trained["config"], trained["seed"]
    # Evaluation draws (KID subsets, random SSIM pairs) follow the run's stream: independent
    # across units, shared by the models one comparison pairs.
    streams = recorded_run_seed(trained)
    set_determinism(streams, args.threads)
    weights = dict(item.split("=", 1) for item in args.features)
    generated = np.load(args.samples)["images"]
    classes = unit_classes(args.unit, job["classes"])
    validators = dict(item.split("=", 1) for item in args.validator)
    scores = score_run(job["scoring"], job["dataset"], classes, streams, generated, Path(args.data_root),
                       {k: Path(v) for k, v in weights.items()}, device=args.device,
                       reference_features=Path(args.reference_features) if args.reference_features else None,
                       validators={k: Path(v) for k, v in validators.items()})
    if job.get("measures"):
        from qgen.measures import MeasureContext, run_measures

        context = MeasureContext(
            dataset=job["dataset"], classes=classes, unit=args.unit, seed=seed, data_root=Path(args.data_root),
            run_dir=Path(args.train_record).parent, train_record=trained, samples=generated,
            feature_weights={k: Path(v) for k, v in weights.items()}, device=args.device,
        )
        scores += run_measures(job["measures"], context)
    # The sampler's record lies beside the samples (the same job wrote both).
    samples_json = Path(args.samples).with_suffix(".json")
    samples_record = read_json(samples_json) if samples_json.is_file() else None
    scores += run_facts(trained, samples_record)
    run = {
        "experiment": job["experiment"], "dataset": job["dataset"], "unit": args.unit,
        "model": train_job["model"]["name"], "seed": seed, "run_seed": streams,
        "n_train": train_job["training"].get("n_train_per_class"),
        "sampling": sampling_label(((samples_record or {}).get("config") or {}).get("quantum")),
    }
    record = provenance("score", job, seed, samples=args.samples, train_record=args.train_record,
                        feature_weights=weights)
    write_json(Path(args.out), {"run": run, "scores": scores, "provenance": record})
    for s in scores:
        print(f"{s['protocol']:>8} {s['metric']:<16} {s['value']:.4f}")


def reference_features(args: argparse.Namespace) -> None:
    import numpy as np

    from qgen.data import dataset_info, load_split
    from qgen.determinism import set_determinism
    from qgen.metrics.features import build_feature_extractor, extract_features
    from qgen.paths import reference_classes

    set_determinism(0, args.threads)
    name, weights = args.features.split("=", 1)
    classes = reference_classes(args.reference, dataset_info(args.dataset).n_classes)
    refs = load_split(args.dataset, Path(args.data_root), args.split, classes=classes)
    extractor = build_feature_extractor(name, weights_path=Path(weights), device=args.device)
    features = extract_features(extractor, refs.images, progress=not args.quiet)
    with atomic_path(Path(args.out)) as tmp:
        np.savez(tmp, features=features, indices=refs.indices)
    print(f"{len(features)} x {features.shape[1]} {name} features of {args.dataset} {args.split} {args.reference}")


def fid_vs_n(args: argparse.Namespace) -> None:
    import numpy as np
    import pandas as pd

    from qgen.config import score_slice
    from qgen.data import load_split
    from qgen.evaluate import load_reference_features
    from qgen.metrics.features import build_feature_extractor, extract_features
    from qgen.metrics.frechet import fid_sample_size_study, summarise_sample_size_study
    from qgen.paths import unit_classes
    from qgen.report.figures import fid_vs_sample_size, save_figure

    job = job_from_args(args, score_slice)
    scoring = job["scoring"]
    study = scoring["sample_size_study"]
    name, weights = args.features.split("=", 1)
    extractor = build_feature_extractor(name, weights_path=Path(weights))
    classes = unit_classes(args.unit, job["classes"])
    refs = load_split(job["dataset"], Path(args.data_root), scoring["reference_split"], classes=classes).images
    ref_features = load_reference_features(Path(args.reference_features), len(refs))
    summaries = []
    for label, path in zip(args.labels, args.samples):
        sizes = study["sizes"]
        result = fid_sample_size_study(
            extract_features(extractor, np.load(path)["images"]), ref_features,
            sizes=sizes, repeats=study["repeats"], seed=0,
        )
        summaries.append(summarise_sample_size_study(result).assign(model=label, features=name, n_ref=len(refs)))
    summary = pd.concat(summaries, ignore_index=True)
    with atomic_path(Path(args.out_csv)) as tmp:
        summary.to_csv(tmp, index=False)
    title = f"{job['experiment']}, class {args.unit}: FID vs sample size ({name} features, {len(refs)} reals)"
    fig = fid_vs_sample_size(summary, title, paper_n=scoring["paper_n_samples"])
    save_figure(fig, Path(args.out_png), description=f"FID against the number of generated images, {name} features")
    print(summary.to_string(index=False))


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fetch-weights", help="get a metric network's weights (download once or a local copy)")
    p.add_argument("--name", required=True, help="inception_fid or inception_torchvision")
    p.add_argument("--out", required=True, help="where the verified weight file is linked")
    p.add_argument("--local", help="a local copy of the weight file (checked against its checksum)")
    p.set_defaults(handler=fetch_weights)

    p = sub.add_parser("train-features", help="train the offline feature classifier on a training split")
    p.add_argument("--dataset", required=True, help="a dataset name of qgen.data")
    p.add_argument("--data-root", required=True, help="prepared data folder (resources/data)")
    p.add_argument("--epochs", type=int, required=True, help="training epochs (config metrics.classifier_epochs)")
    p.add_argument("--seed", type=int, default=0, help="seed of the classifier (default 0)")
    p.add_argument("--out", required=True, help="classifier weights (.pt)")
    add_execution_args(p)
    p.set_defaults(handler=train_features)

    p = sub.add_parser("fit-validator", help="fit a gradable validator once per dataset (S3-C1)")
    p.add_argument("--name", required=True, help="quality or grade_confidence (qgen.metrics.gradable.VALIDATORS)")
    p.add_argument("--dataset", required=True, help="a dataset name of qgen.data")
    p.add_argument("--data-root", required=True, help="prepared data folder (resources/data)")
    p.add_argument("--job", required=True,
                   help="JSON: metrics.validators (epochs, acceptance, calibration_split, outlier_weight, seed)")
    p.add_argument("--real-split", default="test", help="held-out split whose own gradable fraction is reported")
    p.add_argument("--out", required=True, help="the validator (.pt); its record goes beside it (.json)")
    add_execution_args(p)
    p.set_defaults(handler=fit_validator)

    p = sub.add_parser("score", help="score one run's samples under the configured protocols")
    add_job_args(p)
    p.add_argument("--unit", required=True, help="the class the run was trained on, or 'all'")
    p.add_argument("--train-record", required=True, help="the run's train.json (model name, seed, training size)")
    p.add_argument("--samples", required=True, help="the run's samples.npz")
    p.add_argument("--data-root", required=True, help="prepared data folder (resources/data)")
    p.add_argument("--features", action="append", default=[], metavar="NAME=WEIGHTS",
                   help="a feature network's weights, repeatable")
    p.add_argument("--reference-features", help="the references' features, from reference-features")
    p.add_argument("--validator", action="append", default=[], metavar="NAME=FILE",
                   help="a fitted gradable validator (scoring.gradable), repeatable")
    p.add_argument("--out", required=True, help="scores.json")
    add_execution_args(p)
    p.set_defaults(handler=score)

    p = sub.add_parser("reference-features", help="features of a unit's reference images, once for all runs")
    p.add_argument("--dataset", required=True, help="a dataset name of qgen.data")
    p.add_argument("--data-root", required=True, help="prepared data folder (resources/data)")
    p.add_argument("--split", required=True, help="the held-out split, e.g. test")
    p.add_argument("--reference", required=True, help="class<N>, all, or classes<A>-<B>-...")
    p.add_argument("--features", required=True, metavar="NAME=WEIGHTS", help="the feature network")
    p.add_argument("--out", required=True, help="features (.npz)")
    add_execution_args(p)
    p.set_defaults(handler=reference_features)

    p = sub.add_parser("fid-vs-n", help="how FID depends on the number of generated images")
    add_job_args(p, model=False)
    p.add_argument("--unit", required=True, help="the class studied")
    p.add_argument("--samples", nargs="+", required=True, help="samples.npz of each model")
    p.add_argument("--labels", nargs="+", required=True, help="model names, in the order of --samples")
    p.add_argument("--data-root", required=True, help="prepared data folder (resources/data)")
    p.add_argument("--features", required=True, metavar="NAME=WEIGHTS", help="the feature network")
    p.add_argument("--reference-features", required=True, help="the references' features, from reference-features")
    p.add_argument("--out-csv", required=True, help="summary table")
    p.add_argument("--out-png", required=True, help="figure")
    p.set_defaults(handler=fid_vs_n)
