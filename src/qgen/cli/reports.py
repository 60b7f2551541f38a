"""Report commands: tables, claims and figures."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from qgen.atomic import atomic_path, atomic_write_text


def table(args: argparse.Namespace) -> None:
    from qgen.provenance import provenance, write_json
    from qgen.report.markdown import markdown_table, section
    from qgen.report.sampling_tables import dataset_note
    from qgen.report.tables import collect_scores, comparison_markdown, comparison_table, load_paper_table, paper_table
    from qgen.studies import STUDIES

    scores = collect_scores(args.scores)
    outdir = Path(args.outdir)
    study = STUDIES.get(args.study) if args.study else None
    read_paper = study.paper_per_unit if study else load_paper_table
    paper = read_paper(Path(args.paper)) if args.paper else None
    models = list(dict.fromkeys(scores["model"]))
    pairs = [tuple(p.split(",")) for p in args.pair] or ([tuple(models[:2])] if len(models) >= 2 else [])
    sections = []
    if study is not None and study.paper_comparison is not None:
        sections.append(study.paper_comparison(scores, Path(args.paper) if args.paper else None))
    for protocol in sorted(scores["protocol"].unique()):
        shaped = paper_table(scores, protocol, paper)
        with atomic_path(outdir / f"table_{protocol}.csv") as tmp:
            shaped.to_csv(tmp)
        subset = scores[scores["protocol"] == protocol]
        features = ", ".join(sorted(subset["features"].dropna().astype(str).unique()))
        sizes = subset[["n_generated", "n_real"]].dropna().drop_duplicates()
        notes = [
            *dataset_note(subset),
            *([f"features: {features}"] if features else []),
            *(["generated/real images per score: " + "; ".join(f"{int(g)}/{int(r)}" for g, r in sizes.to_numpy())]
              if len(sizes) else []),
            "per-unit values are means over seeds; avg and std are across units (sample std, as the paper)",
        ]
        sections.append(section(f"{args.experiment}: {protocol} protocol", markdown_table(shaped.reset_index()), notes))
        for pair in pairs:
            comparison = comparison_table(scores, protocol, pair, paper)
            if comparison.empty:
                continue  # this protocol does not measure both models
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
    elif args.kind == "noise":
        noise_figure(args, job, out)
    elif args.kind == "trainability":
        trainability_figure(args, job, out)


def noise_figure(args: argparse.Namespace, job: dict, out: Path) -> None:
    """Quality against noise strength and shots, over seeds; its table beside (S3-C3)."""
    import pandas as pd

    from qgen.report.markdown import interval, markdown_table, section
    from qgen.report.noise import noise_plot
    from qgen.report.sampling_tables import dataset_note, noise_table
    from qgen.report.tables import read_scores

    scores = pd.concat([read_scores(p) for p in args.inputs], ignore_index=True)
    wanted = job.get("figures", {}).get("noise_metrics") or ["standard:fid", *sorted(
        f"standard:{m}" for m in scores["metric"].dropna().unique() if str(m).startswith("gradable_"))]
    metrics = [tuple(w.split(":", 1)) for w in wanted]
    table = noise_table(scores, metrics)
    tables = out.parent.parent / "tables"
    with atomic_path(tables / "noise.csv") as tmp:
        table.to_csv(tmp, index=False)
    shown = table.assign(cell=[interval(r.mean, r.low, r.high) for r in table.itertuples()]).pivot_table(
        index=["model", "sampling"], columns="metric", values="cell", aggfunc="first", sort=False).reset_index()
    notes = [*dataset_note(scores), "mean over seeds with a 95% t-interval; seconds_per_image: wall time of the "
             "sampling job per image (all circuit calls of all steps), on this machine under its load"]
    atomic_write_text(tables / "noise.md", section(f"{args.title}: sampling under hardware noise",
                                                   markdown_table(shown), notes))
    noise_plot(table, [m for _, m in metrics], out, args.title)


def trainability_figure(args: argparse.Namespace, job: dict, out: Path) -> None:
    """The ansatz comparison: gradient variance at random initialisation against qubits."""
    import torch

    from qgen.quantum.trainability import trainability_study
    from qgen.report.trainability import gradient_variance_figure

    torch.set_num_threads(args.threads)
    settings = dict(job["trainability"])
    study = trainability_study(
        settings["ansatzes"], settings["qubits"], n_layers=settings.get("n_layers", 3),
        n_inits=settings.get("n_inits", 200), seed=settings.get("seed", 0), cost=settings.get("cost", "z0"),
    )
    with atomic_path(out.parent.parent / "tables" / "trainability.csv") as tmp:
        study.to_csv(tmp, index=False)
    gradient_variance_figure(study, out, f"{args.title}: gradient variance at initialisation "
                                         f"({settings.get('n_layers', 3)} layers)")


def run_label(run: dict) -> str:
    return f"{run['unit']}/{run['model']}/seed{run['seed']}"


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("table", help="paper-shaped tables and model comparisons of an experiment")
    p.add_argument("--experiment", required=True, help="the experiment's name (titles and provenance)")
    p.add_argument("--study", help="the experiment's study (how it reads its paper's table; its own sections)")
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

    p = sub.add_parser("figure", help="figures: samples, losses, grads, circuit, noise, trainability")
    p.add_argument("kind", choices=["samples", "losses", "grads", "circuit", "noise", "trainability"],
                   help="which figure (noise and trainability also write their tables into ../tables)")
    p.add_argument("--job", help="JSON slice of the figure (figures settings; the quantum block for a circuit)")
    p.add_argument("--inputs", nargs="*", default=[], help="input files (samples.npz, losses.csv, ...)")
    p.add_argument("--labels", nargs="*", default=[], help="labels of the inputs (samples)")
    p.add_argument("--title", default="", help="figure title")
    p.add_argument("--out", required=True, help="the PNG")
    p.add_argument("--threads", type=int, default=1, help="CPU threads (trainability)")
    p.set_defaults(handler=figure)
