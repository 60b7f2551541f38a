"""Report commands: tables, claims and figures."""

from __future__ import annotations

import argparse
from pathlib import Path

from qgen.atomic import atomic_path, atomic_write_text
from qgen.cli.common import add_job_args, job_from_args


def table(args: argparse.Namespace) -> None:
    from qgen.provenance import provenance, write_json
    from qgen.report.tables import (
        collect_scores, comparison_markdown, comparison_table, load_paper_table, paper_table, table_markdown,
    )

    scores = collect_scores(args.scores)
    outdir = Path(args.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paper = load_paper_table(Path(args.paper)) if args.paper else None
    sections = []
    for protocol in sorted(scores["protocol"].unique()):
        shaped = paper_table(scores, protocol, paper)
        shaped.to_csv(outdir / f"table_{protocol}.csv")
        features = ", ".join(sorted(scores.loc[scores["protocol"] == protocol, "features"].dropna().unique()))
        sizes = scores.loc[scores["protocol"] == protocol, ["n_generated", "n_real"]].drop_duplicates()
        notes = [
            f"features: {features}",
            "generated/real images per score: " + "; ".join(f"{int(g)}/{int(r)}" for g, r in sizes.to_numpy()),
            "per-class values are means over seeds; avg and std are across classes (sample std, as the paper)",
        ]
        sections.append(table_markdown(shaped, f"{args.experiment}: {protocol} protocol", notes))
        comparison = comparison_table(scores, protocol, paper)
        comparison.to_csv(outdir / f"comparison_{protocol}.csv", index=False)
        sections.append(
            f"### Classical vs quantum, paired by seed ({protocol} protocol)\n\n"
            "Means over seeds with 95% t-intervals (none with one seed); the difference is quantum - "
            "classical, paired by seed (per class) or by (class, seed) (row 'all'); p from a sign-flip "
            "permutation test. 'undecided': the interval covers 0 or cannot be formed.\n\n"
            + comparison_markdown(comparison)
        )
    with atomic_path(outdir / "scores.csv") as tmp:
        scores.to_csv(tmp, index=False)
    write_json(outdir / "table.json", provenance(
        "table", {"experiment": args.experiment}, inputs=args.scores, paper=args.paper,
        runs=scores[["dataset", "class", "model", "seed"]].drop_duplicates().astype(str).to_dict("records"),
    ))
    atomic_write_text(outdir / "table.md", "\n".join(sections))
    print((outdir / "table.md").read_text())


def claims(args: argparse.Namespace) -> None:
    import pandas as pd

    from qgen.claims import claims_markdown, evaluate_claims

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
    with atomic_path(out_csv) as tmp:
        claims.to_csv(tmp, index=False)
    experiments = ", ".join(sorted(scores["experiment"].astype(str).unique()))
    header = [f"# Claims of S1 (SPEC.md C1-C5): {args.title}", "", f"- experiments: {experiments}"]
    header += [f"- {n}" for n in notes]
    atomic_write_text(out_md, "\n".join(header) + "\n\n" + claims_markdown(claims))
    print(out_md.read_text())


def figure(args: argparse.Namespace) -> None:
    import numpy as np
    import pandas as pd

    from qgen.report import figures

    out = Path(args.out)
    if args.kind == "samples":
        samples = {label: np.load(path)["images"] for label, path in zip(args.labels, args.inputs)}
        figures.sample_comparison(samples, args.title, out)
    elif args.kind == "losses":
        figures.loss_curves({run_label(p): pd.read_csv(p) for p in args.inputs}, out, args.title)
    elif args.kind == "grads":
        figures.quantum_gradients({run_label(p): pd.read_csv(p) for p in args.inputs}, out, args.title)
    elif args.kind == "circuit":
        quantum = job_from_args(args)["model"]["quantum"]
        figures.circuit_diagram(quantum["circuit"], quantum.get("circuit_params") or {}, out)


def run_label(path: str) -> str:
    """results/<exp>/<dataset>/<cls>/<model>/seed<k>/file -> '<cls>/<model>/seed<k>'."""
    parts = Path(path).parts
    return "/".join(parts[-4:-1])


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("table", help="paper-shaped tables of an experiment")
    p.add_argument("--experiment", required=True)
    p.add_argument("--scores", nargs="+", required=True)
    p.add_argument("--paper", help="the paper's CSV to show beside ours")
    p.add_argument("--outdir", required=True)
    p.set_defaults(handler=table)

    p = sub.add_parser("claims", help="verdicts on the study's claims from experiments' scores")
    p.add_argument("--scores", nargs="+", required=True, help="tables/scores.csv of experiments")
    p.add_argument("--stands-for", action="append", default=[], help="EXPERIMENT=DATASET, repeatable")
    p.add_argument("--paper-dir", help="folder of the paper's reported numbers")
    p.add_argument("--title", default="")
    p.add_argument("--out-csv", required=True)
    p.add_argument("--out-md", required=True)
    p.set_defaults(handler=claims)

    p = sub.add_parser("figure", help="figures: samples, losses, grads, circuit")
    p.add_argument("kind", choices=["samples", "losses", "grads", "circuit"])
    add_job_args(p)
    p.add_argument("--inputs", nargs="*", default=[])
    p.add_argument("--labels", nargs="*", default=[])
    p.add_argument("--title", default="")
    p.add_argument("--out", required=True)
    p.set_defaults(handler=figure)
