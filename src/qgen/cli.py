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
    # The data package keeps its own manifest.json (checksums of the split files) beside these;
    # this record is the rule's output and says which code and mirror produced them.
    write_json(
        Path(args.record),
        provenance(
            "prepare-data", {"dataset": args.dataset, "mirror": args.mirror},
            splits={k: str(v) for k, v in paths.items()},
        ),
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


@command("fetch-weights")
def _fetch_weights(args: argparse.Namespace) -> None:
    import shutil

    from qgen.metrics.weights import fetch_weights

    out = Path(args.out)
    path = fetch_weights(args.name, out.parent / ".cache", local_path=args.local)
    tmp = out.with_name(f".{out.name}.tmp")
    shutil.copyfile(path, tmp)
    tmp.replace(out)
    print(f"{args.name}: {out}")


@command("train-features")
def _train_features(args: argparse.Namespace) -> None:
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


@command("score")
def _score(args: argparse.Namespace) -> None:
    import numpy as np

    from qgen.evaluate import score_run
    from qgen.provenance import provenance, write_json
    from qgen.train import set_determinism

    job = _job(args)
    set_determinism(args.seed, args.threads)
    weights = dict(item.split("=", 1) for item in args.features)
    generated = np.load(args.samples)["images"]
    scores = score_run(job, args.cls, args.seed, generated, Path(args.data_root),
                       {k: Path(v) for k, v in weights.items()}, device=args.device)
    run = {
        "experiment": job["experiment"], "dataset": job["dataset"], "class": args.cls,
        "model": job.get("model_name"), "seed": args.seed,
        "n_train": job["training"].get("n_train_per_class"),
    }
    record = provenance("score", job, args.seed, samples=args.samples, feature_weights=weights)
    write_json(Path(args.out), {"run": run, "scores": scores, "provenance": record})
    for s in scores:
        print(f"{s['protocol']:>8} {s['metric']:<16} {s['value']:.4f}")


@command("table")
def _table(args: argparse.Namespace) -> None:
    from qgen.provenance import atomic_write_text, provenance, write_json
    from qgen.report.tables import (
        collect_scores, comparison_markdown, comparison_table, load_paper_table, paper_table, table_markdown,
    )

    scores = collect_scores(args.scores)
    outdir = Path(args.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paper = load_paper_table(Path(args.paper)) if args.paper else None
    sections = []
    for protocol in sorted(scores["protocol"].unique()):
        table = paper_table(scores, protocol, paper)
        table.to_csv(outdir / f"table_{protocol}.csv")
        features = ", ".join(sorted(scores.loc[scores["protocol"] == protocol, "features"].dropna().unique()))
        sizes = scores.loc[scores["protocol"] == protocol, ["n_generated", "n_real"]].drop_duplicates()
        notes = [
            f"features: {features}",
            "generated/real images per score: " + "; ".join(f"{int(g)}/{int(r)}" for g, r in sizes.to_numpy()),
            "per-class values are means over seeds; avg and std are across classes (sample std, as the paper)",
        ]
        sections.append(table_markdown(table, f"{args.experiment}: {protocol} protocol", notes))
        comparison = comparison_table(scores, protocol, paper)
        comparison.to_csv(outdir / f"comparison_{protocol}.csv", index=False)
        sections.append(
            f"### Classical vs quantum, paired by seed ({protocol} protocol)\n\n"
            "Means over seeds with 95% t-intervals (none with one seed); the difference is quantum - "
            "classical, paired by seed (per class) or by (class, seed) (row 'all'); p from a sign-flip "
            "permutation test. 'undecided': the interval covers 0 or cannot be formed.\n\n"
            + comparison_markdown(comparison)
        )
    scores.to_csv(outdir / "scores.csv.tmp", index=False)
    (outdir / "scores.csv.tmp").replace(outdir / "scores.csv")
    write_json(outdir / "table.json", provenance(
        "table", {"experiment": args.experiment}, inputs=args.scores, paper=args.paper,
        runs=scores[["dataset", "class", "model", "seed"]].drop_duplicates().astype(str).to_dict("records"),
    ))
    atomic_write_text(outdir / "table.md", "\n".join(sections))
    print((outdir / "table.md").read_text())


@command("fid-vs-n")
def _fid_vs_n(args: argparse.Namespace) -> None:
    import numpy as np
    import pandas as pd

    from qgen.data import load_split
    from qgen.metrics.features import build_feature_extractor, extract_features
    from qgen.metrics.frechet import fid_sample_size_study, summarise_sample_size_study
    from qgen.report.figures import fid_vs_sample_size

    job = _job(args)
    scoring = job["scoring"]
    name, weights = args.features.split("=", 1)
    extractor = build_feature_extractor(name, weights_path=Path(weights))
    refs = load_split(job["dataset"], Path(args.data_root), scoring["reference_split"], classes=[args.cls]).images
    ref_features = extract_features(extractor, refs)
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


@command("claims")
def _claims(args: argparse.Namespace) -> None:
    import pandas as pd

    from qgen.claims import claims_markdown, evaluate_claims
    from qgen.provenance import atomic_write_text

    frames = []
    for path in args.scores:
        frames.append(pd.read_csv(path))
    scores = pd.concat(frames, ignore_index=True)
    # An experiment may stand in for a study's dataset (e.g. sklearn digits for MNIST offline).
    stand_ins = dict(item.split("=", 1) for item in args.stands_for)
    notes = []
    for experiment, dataset in stand_ins.items():
        rows = scores["experiment"] == experiment
        if rows.any():
            original = ", ".join(sorted(scores.loc[rows, "dataset"].astype(str).unique()))
            if original != dataset:
                notes.append(f"experiment {experiment} ({original}) stands in for {dataset}")
            scores.loc[rows, "dataset"] = dataset
    # The paper protocol's SSIM pairs by index; the standard protocol has two SSIM pairings.
    evaluations = [evaluate_claims(scores, paper_dir=args.paper_dir, protocols=["paper"])]
    for ssim_metric in ("ssim_random", "ssim_nearest"):
        standard = evaluate_claims(scores, paper_dir=args.paper_dir, protocols=["standard"], ssim_metric=ssim_metric)
        standard["protocol"] = f"standard, {ssim_metric}"
        evaluations.append(standard)
    claims = pd.concat(evaluations, ignore_index=True)
    out_csv, out_md = Path(args.out_csv), Path(args.out_md)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    claims.to_csv(out_csv.with_name(out_csv.name + ".tmp"), index=False)
    out_csv.with_name(out_csv.name + ".tmp").replace(out_csv)
    experiments = ", ".join(sorted(scores["experiment"].astype(str).unique()))
    header = [f"# Claims of S1 (SPEC.md C1-C5): {args.title}", "", f"- experiments: {experiments}"]
    header += [f"- {n}" for n in notes]
    atomic_write_text(out_md, "\n".join(header) + "\n\n" + claims_markdown(claims))
    print(out_md.read_text())


@command("figure")
def _figure(args: argparse.Namespace) -> None:
    import numpy as np
    import pandas as pd

    from qgen.report import figures

    out = Path(args.out)
    if args.kind == "samples":
        samples = {label: np.load(path)["images"] for label, path in zip(args.labels, args.inputs)}
        figures.sample_comparison(samples, args.title, out)
    elif args.kind == "losses":
        figures.loss_curves({_run_label(p): pd.read_csv(p) for p in args.inputs}, out, args.title)
    elif args.kind == "grads":
        figures.quantum_gradients({_run_label(p): pd.read_csv(p) for p in args.inputs}, out, args.title)
    elif args.kind == "circuit":
        quantum = _job(args)["model"]["quantum"]
        figures.circuit_diagram(quantum["circuit"], quantum.get("circuit_params") or {}, out)


def _run_label(path: str) -> str:
    """results/<exp>/<dataset>/<cls>/<model>/seed<k>/file -> '<cls>/<model>/seed<k>'."""
    parts = Path(path).parts
    return "/".join(parts[-4:-1])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qgen", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate-config", help="check a config against the schema and datasets")
    p.add_argument("config")

    p = sub.add_parser("prepare-data", help="download (or copy from a mirror), verify, standardise")
    p.add_argument("--dataset", required=True)
    p.add_argument("--root", required=True, help="data folder, e.g. resources/data")
    p.add_argument("--mirror", help="local folder with the raw files (else QGEN_DATA_MIRROR, else download)")
    p.add_argument("--record", required=True, help="provenance JSON written when the data is ready")

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

    p = sub.add_parser("fetch-weights", help="get a metric network's weights (download once or local copy)")
    p.add_argument("--name", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--local", help="a local copy of the weight file (checked against its checksum)")

    p = sub.add_parser("train-features", help="train the offline feature classifier on a training split")
    p.add_argument("--dataset", required=True)
    p.add_argument("--data-root", required=True)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)

    p = sub.add_parser("score", help="score one run's samples under the configured protocols")
    _add_job_args(p)
    p.add_argument("--cls", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--samples", required=True)
    p.add_argument("--data-root", required=True)
    p.add_argument("--features", action="append", default=[], help="NAME=WEIGHTS_PATH, repeatable")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", required=True)

    p = sub.add_parser("table", help="paper-shaped tables of an experiment")
    p.add_argument("--experiment", required=True)
    p.add_argument("--scores", nargs="+", required=True)
    p.add_argument("--paper", help="the paper's CSV to show beside ours")
    p.add_argument("--outdir", required=True)

    p = sub.add_parser("fid-vs-n", help="how FID depends on the number of generated images")
    _add_job_args(p, model=False)
    p.add_argument("--cls", type=int, required=True)
    p.add_argument("--samples", nargs="+", required=True)
    p.add_argument("--labels", nargs="+", required=True)
    p.add_argument("--data-root", required=True)
    p.add_argument("--features", required=True, help="NAME=WEIGHTS_PATH")
    p.add_argument("--sizes", type=int, nargs="+", default=[5, 10, 25, 50, 100, 250, 500, 1000])
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--out-csv", required=True)
    p.add_argument("--out-png", required=True)

    p = sub.add_parser("claims", help="verdicts on the study's claims from experiments' scores")
    p.add_argument("--scores", nargs="+", required=True, help="tables/scores.csv of experiments")
    p.add_argument("--stands-for", action="append", default=[], help="EXPERIMENT=DATASET, repeatable")
    p.add_argument("--paper-dir", help="folder of the paper's reported numbers")
    p.add_argument("--title", default="")
    p.add_argument("--out-csv", required=True)
    p.add_argument("--out-md", required=True)

    p = sub.add_parser("figure", help="figures: samples, losses, grads, circuit")
    p.add_argument("kind", choices=["samples", "losses", "grads", "circuit"])
    _add_job_args(p)
    p.add_argument("--inputs", nargs="*", default=[])
    p.add_argument("--labels", nargs="*", default=[])
    p.add_argument("--title", default="")
    p.add_argument("--out", required=True)
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
