"""Report commands: tables, claims and figures."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from qgen.atomic import atomic_path, atomic_write_text


def table(args: argparse.Namespace) -> None:
    from qgen.provenance import provenance, write_json
    from qgen.report.markdown import markdown_table, section
    from qgen.report.tables import collect_scores, comparison_markdown, comparison_table, load_paper_table, paper_table

    scores = collect_scores(args.scores)
    outdir = Path(args.outdir)
    paper = load_paper_table(Path(args.paper)) if args.paper else None
    models = list(dict.fromkeys(scores["model"]))
    pairs = [tuple(p.split(",")) for p in args.pair] or ([tuple(models[:2])] if len(models) >= 2 else [])
    sections = []
    for protocol in sorted(scores["protocol"].unique()):
        shaped = paper_table(scores, protocol, paper)
        with atomic_path(outdir / f"table_{protocol}.csv") as tmp:
            shaped.to_csv(tmp)
        subset = scores[scores["protocol"] == protocol]
        features = ", ".join(sorted(subset["features"].dropna().unique()))
        sizes = subset[["n_generated", "n_real"]].drop_duplicates()
        notes = [
            f"features: {features}",
            "generated/real images per score: " + "; ".join(f"{int(g)}/{int(r)}" for g, r in sizes.to_numpy()),
            "per-unit values are means over seeds; avg and std are across units (sample std, as the paper)",
        ]
        sections.append(section(f"{args.experiment}: {protocol} protocol", markdown_table(shaped.reset_index()), notes))
        for pair in pairs:
            comparison = comparison_table(scores, protocol, pair, paper)
            with atomic_path(outdir / f"comparison_{protocol}_{pair[0]}_vs_{pair[1]}.csv") as tmp:
                comparison.to_csv(tmp, index=False)
            sections.append(section(
                f"{pair[1]} vs {pair[0]}, paired by seed ({protocol} protocol)",
                comparison_markdown(comparison, pair),
                [f"means over seeds with 95% t-intervals (none with one seed); the difference is {pair[1]} - "
                 f"{pair[0]}, paired by seed within a unit; row 'all' is the mean of the units' differences "
                 f"with its error from seed replication (the claims' estimand for these classes); p from the "
                 f"t test that gives the interval",
                 "'paper's direction holds': yes/no only when the interval excludes 0 with p < 0.05"],
                level=3,
            ))
    with atomic_path(outdir / "scores.csv") as tmp:
        scores.to_csv(tmp, index=False)
    write_json(outdir / "table.json", provenance(
        "table", {"experiment": args.experiment, "pairs": pairs}, inputs=args.scores, paper=args.paper,
        runs=scores[["dataset", "unit", "model", "seed"]].drop_duplicates().astype(str).to_dict("records"),
    ))
    atomic_write_text(outdir / "table.md", "".join(sections))
    print((outdir / "table.md").read_text())


def claims(args: argparse.Namespace) -> None:
    import pandas as pd

    from qgen.claims import evaluate_claims
    from qgen.report.claims_page import claims_markdown
    from qgen.report.tables import read_scores
    from qgen.studies import STUDIES

    job = json.loads(args.job)
    experiments = job["experiments"]
    scores = pd.concat([read_scores(p) for p in args.scores], ignore_index=True)
    frames, contexts = [], []
    for study_name in dict.fromkeys(e["study"] for e in experiments.values()):
        study = STUDIES.get(study_name)
        names = [n for n, e in experiments.items() if e["study"] == study_name]
        subset = scores[scores["experiment"].isin(names)].copy()
        stand_ins = []
        # An experiment may stand in for a study's dataset (sklearn digits for MNIST offline).
        for name in names:
            rows = subset["experiment"] == name
            own = ", ".join(sorted(subset.loc[rows, "dataset"].astype(str).unique()))
            if own and own != experiments[name]["dataset"]:
                stand_ins.append(f"experiment {name} ({own}) stands in for {experiments[name]['dataset']}")
            subset.loc[rows, "dataset"] = experiments[name]["dataset"]
        comparisons = [tuple(c) for n in names for c in (experiments[n].get("comparisons") or [])]
        settings = job.get("claims") or {}
        frames.append(evaluate_claims(study, subset, args.paper_dir, list(dict.fromkeys(comparisons)) or None,
                                      margins=settings.get("margins"), alpha=settings.get("alpha", 0.05)))
        contexts.append({"study": study, "experiments": names, "stand_ins": stand_ins,
                         "smoke": [n for n in names if experiments[n].get("smoke")]})
    result = pd.concat(frames, ignore_index=True)
    with atomic_path(Path(args.out_csv)) as tmp:
        result.to_csv(tmp, index=False)
    atomic_write_text(Path(args.out_md), claims_markdown(args.title, result, contexts, job))
    print(Path(args.out_md).read_text())


def sweep_table(args: argparse.Namespace) -> None:
    import pandas as pd

    from qgen.provenance import provenance, write_json
    from qgen.report.sweeps import summarise_sweep, sweep_markdown
    from qgen.report.tables import read_scores

    job = json.loads(args.job)
    scores = pd.concat([read_scores(p) for p in args.scores], ignore_index=True)
    summary = summarise_sweep(scores, job)
    out_csv = Path(args.out_csv)
    with atomic_path(out_csv) as tmp:
        summary.to_csv(tmp, index=False)
    write_json(out_csv.with_suffix(".json"), provenance("sweep-table", job, inputs=args.scores))
    atomic_write_text(Path(args.out_md), sweep_markdown(summary, job))
    print(Path(args.out_md).read_text())


def figure(args: argparse.Namespace) -> None:
    import numpy as np
    import pandas as pd

    from qgen.paths import run_of
    from qgen.report import figures

    out = Path(args.out)
    job = json.loads(args.job) if args.job else {}
    if args.kind == "samples":
        samples = {label: np.load(path)["images"] for label, path in zip(args.labels, args.inputs)}
        n_show = job.get("figures", {}).get("sample_grid_images", 16)
        figures.sample_comparison(samples, args.title, out, n_show=n_show)
    elif args.kind == "losses":
        figures.loss_curves({run_label(run_of(p)): pd.read_csv(p) for p in args.inputs}, out, args.title)
    elif args.kind == "grads":
        figures.quantum_gradients({run_label(run_of(p)): pd.read_csv(p) for p in args.inputs}, out, args.title)
    elif args.kind == "circuit":
        quantum = job["quantum"]
        figures.circuit_diagram(quantum["circuit"], quantum.get("circuit_params") or {}, out)
    elif args.kind == "sweep":
        from qgen.report.sweeps import sweep_figure

        summary = pd.read_csv(args.inputs[0])
        sweep_figure(summary, job, out, args.title)


def run_label(run: dict) -> str:
    return f"{run['unit']}/{run['model']}/seed{run['seed']}"


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("table", help="paper-shaped tables and model comparisons of an experiment")
    p.add_argument("--experiment", required=True, help="the experiment's name (titles and provenance)")
    p.add_argument("--scores", nargs="+", required=True, help="scores.json of the experiment's runs")
    p.add_argument("--paper", help="the paper's CSV to show beside ours")
    p.add_argument("--pair", action="append", default=[], metavar="BASELINE,TREATMENT",
                   help="a model pair to compare, repeatable (default: the first two models)")
    p.add_argument("--outdir", required=True, help="the experiment's tables folder")
    p.set_defaults(handler=table)

    p = sub.add_parser("claims", help="verdicts on the studies' claims from experiments' scores")
    p.add_argument("--job", required=True, help="JSON: per experiment its study, dataset stood for, comparisons, smoke flag")
    p.add_argument("--scores", nargs="+", required=True, help="tables/scores.csv of the experiments")
    p.add_argument("--paper-dir", help="folder of the papers' reported numbers")
    p.add_argument("--title", default="", help="the report's title (the target's name)")
    p.add_argument("--out-csv", required=True, help="every verdict row")
    p.add_argument("--out-md", required=True, help="the claims page")
    p.set_defaults(handler=claims)

    p = sub.add_parser("sweep-table", help="a swept experiment's members against its axes, with intervals")
    p.add_argument("--job", required=True, help="JSON: axes, each member's axis values, pairs, metrics, protocol")
    p.add_argument("--scores", nargs="+", required=True, help="tables/scores.csv of the base and its members")
    p.add_argument("--out-csv", required=True, help="every summary row (levels, comparisons, effects)")
    p.add_argument("--out-md", required=True, help="the summary page")
    p.set_defaults(handler=sweep_table)

    p = sub.add_parser("figure", help="figures: samples, losses, grads, circuit, sweep")
    p.add_argument("kind", choices=["samples", "losses", "grads", "circuit", "sweep"], help="which figure")
    p.add_argument("--job", help="JSON slice of the figure (figures settings; the quantum block for a circuit)")
    p.add_argument("--inputs", nargs="*", default=[], help="input files (samples.npz, losses.csv, ...)")
    p.add_argument("--labels", nargs="*", default=[], help="labels of the inputs (samples)")
    p.add_argument("--title", default="", help="figure title")
    p.add_argument("--out", required=True, help="the PNG")
    p.set_defaults(handler=figure)
