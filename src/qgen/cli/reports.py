"""Report commands: tables, claims and figures."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from qgen.atomic import atomic_path, atomic_write_text


def load_paper_table(path: Path):
    from qgen.report.tables import load_paper_table as load

    return load(path)


def table(args: argparse.Namespace) -> None:
    import pandas as pd

    from qgen.provenance import provenance, write_json
    from qgen.report.markdown import markdown_table, section
    from qgen.report.tables import collect_scores, comparison_markdown, comparison_table, paper_table
    from qgen.studies import STUDIES

    scores = collect_scores(args.scores)
    outdir = Path(args.outdir)
    study = STUDIES.get(args.study) if args.study else None
    read_paper = study.paper_per_unit if study else load_paper_table
    paper = read_paper(Path(args.paper)) if args.paper else None
    models = list(dict.fromkeys(scores["model"]))
    pairs = [tuple(p.split(",")) for p in args.pair] or ([tuple(models[:2])] if len(models) >= 2 else [])
    pairs = [p for p in pairs if set(p) <= set(models)]
    sections = []
    if study is not None and study.paper_comparison is not None:
        sections.append(study.paper_comparison(scores, Path(args.paper) if args.paper else None))
    # Curves (several rows per run along an x column, e.g. the routing curve) have their own figure.
    curves = scores["curve"].notna() if "curve" in scores else pd.Series(False, index=scores.index)
    for protocol in sorted(scores.loc[~curves, "protocol"].unique()):
        shaped = paper_table(scores, protocol, paper)
        with atomic_path(outdir / f"table_{protocol}.csv") as tmp:
            shaped.to_csv(tmp)
        subset = scores[scores["protocol"] == protocol]
        features = ", ".join(sorted(subset["features"].dropna().astype(str).unique()))
        sizes = subset[["n_generated", "n_real"]].dropna().drop_duplicates()
        notes = [
            *([f"features: {features}"] if features else []),
            *(["generated/real images per score: " + "; ".join(f"{int(g)}/{int(r)}" for g, r in sizes.to_numpy())]
              if len(sizes) else []),
            "per-unit values are means over seeds; avg and std are across units (sample std, as the paper)",
        ]
        sections.append(section(f"{args.experiment}: {protocol} protocol", markdown_table(shaped.reset_index()), notes))
        for pair in pairs:
            comparison = comparison_table(scores, protocol, pair, paper)
            if comparison.empty:
                continue  # this protocol does not measure both models (a router's routing)
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
    from qgen.report.sweeps import axis_rows
    from qgen.report.tables import read_scores
    from qgen.studies import STUDIES

    job = json.loads(args.job)
    experiments = job["experiments"]
    # Every run placed on its ablation axis (a swept base's runs also on each axis it serves).
    scores = axis_rows(pd.concat([read_scores(p) for p in args.scores], ignore_index=True), experiments)
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
    elif args.kind == "interpolations":
        steps = job.get("figures", {}).get("interpolation_steps", 8)
        rows = {label: latent_interpolation(Path(path), Path(args.data_root), steps)
                for label, path in zip(args.labels, args.inputs)}
        figures.interpolations(rows, out, args.title)
    elif args.kind == "routing":
        from qgen.report.tables import read_scores
        from qgen.studies import STUDIES

        scores = pd.concat([read_scores(p) for p in args.inputs], ignore_index=True)
        curve = scores[scores["protocol"] == "routing_curve"]
        if curve.empty:
            raise ValueError(f"no routing_curve scores in {', '.join(args.inputs)}: no model of this experiment "
                             f"runs the 'routing' measure")
        marks = STUDIES.get(args.study).figure_marks.get("routing_curve") if args.study else None
        figures.routing_curve(curve, out, args.title, marks)


def latent_interpolation(model_file: Path, data_root: Path, steps: int) -> "np.ndarray":
    """A run's decoded latent path between the first two held-out images of different classes
    (the run's data split): uint8 (steps + 2, H, W, C), the two originals at the ends."""
    import numpy as np
    import torch

    from qgen.data import from_model_tensor, load_split, to_model_tensor
    from qgen.paths import unit_classes
    from qgen.runs import load_run

    family, record = load_run(model_file)
    job = record["job"]
    held_out = load_split(job["dataset"], data_root, "test", classes=unit_classes(job["unit"], job.get("classes") or []))
    first = 0
    other = next((i for i, y in enumerate(held_out.labels) if y != held_out.labels[first]), 1)
    x = to_model_tensor(held_out.images[[first, other]])
    with torch.no_grad():
        z = family.encode(x)
        t = torch.linspace(0, 1, steps)[:, None]
        path = family.decode((1 - t) * z[0] + t * z[1])
    return np.concatenate([held_out.images[[first]], from_model_tensor(path), held_out.images[[other]]])


def ablation(args: argparse.Namespace) -> None:
    import pandas as pd

    from qgen.provenance import provenance, write_json
    from qgen.report import figures
    from qgen.report.markdown import interval, markdown_table, section
    from qgen.report.sweeps import axis_order, axis_rows
    from qgen.report.tables import read_scores
    from qgen.stats import mean_ci

    job = json.loads(args.job)
    scores = axis_rows(pd.concat([read_scores(p) for p in args.scores], ignore_index=True), job["experiments"])
    rows = scores[scores["sweep_axis"] == args.axis]
    # The axis' own models: those its members train (the base's other models sit at one value only).
    members = rows[rows["experiment"].isin([n for n, e in job["experiments"].items() if e.get("sweep_of")])]
    if len(members):
        rows = rows[rows["model"].isin(set(members["model"]))]
    summary = []
    for wanted in job["figures"]["ablation_metrics"]:
        protocol, metric = wanted.split(":", 1)
        chosen = rows[(rows["protocol"] == protocol) & (rows["metric"] == metric)]
        per_seed = chosen.groupby(["model", "sweep_value", "seed"])["value"].mean().reset_index()  # units averaged
        for (model, value), group in per_seed.groupby(["model", "sweep_value"]):
            ci = mean_ci(group["value"].to_numpy())
            summary.append({"metric": wanted, "model": model, "value": str(value), "mean": ci.estimate,
                            "low": ci.low, "high": ci.high, "n_seeds": len(group)})
    table = pd.DataFrame(summary, columns=["metric", "model", "value", "mean", "low", "high", "n_seeds"])
    order = axis_order(sorted(set(table["value"])) if len(table) else [], job.get("values"))
    table = table.assign(_x=table["value"].map({v: i for i, v in enumerate(order)})).sort_values(
        ["metric", "model", "_x"]).drop(columns="_x")
    with atomic_path(Path(args.out_csv)) as tmp:
        table.to_csv(tmp, index=False)
    shown = pd.DataFrame({"metric": table["metric"], "model": table["model"], args.axis: table["value"],
                          "mean [95% CI]": [interval(r.mean, r.low, r.high) for r in table.itertuples()],
                          "seeds": table["n_seeds"]})
    base = [f"{a}={v}" for a, v in (job.get("base") or {}).items() if a == args.axis]
    notes = ["one axis at a time around the base setting" + (f" ({base[0]}, the base's runs)" if base else ""),
             "per value: the mean over seeds (each seed's value averaged over units) with a 95% t-interval"]
    atomic_write_text(Path(args.out_md), section(f"Ablation along {args.axis}", markdown_table(shown), notes))
    figures.ablation_plot(table, Path(args.out_png), f"{args.title}: {args.axis}", order)
    write_json(Path(args.out_csv).with_suffix(".json"), provenance("ablation", job, inputs=args.scores))
    print(Path(args.out_md).read_text())


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

    p = sub.add_parser("ablation", help="an ablation axis: table and plot of metrics against its values")
    p.add_argument("--job", required=True, help="JSON: figures settings, the sweep's experiments, the axis values")
    p.add_argument("--scores", nargs="+", required=True, help="tables/scores.csv of the experiments on the axis")
    p.add_argument("--axis", required=True, help="the sweep axis")
    p.add_argument("--title", default="", help="figure title (the swept experiment)")
    p.add_argument("--out-csv", required=True, help="summary table")
    p.add_argument("--out-md", required=True, help="summary as Markdown")
    p.add_argument("--out-png", required=True, help="the plot")
    p.set_defaults(handler=ablation)

    p = sub.add_parser("figure", help="figures: samples, losses, grads, circuit, interpolations, routing")
    p.add_argument("kind", choices=["samples", "losses", "grads", "circuit", "interpolations", "routing"],
                   help="which figure")
    p.add_argument("--job", help="JSON slice of the figure (figures settings; the quantum block for a circuit)")
    p.add_argument("--inputs", nargs="*", default=[], help="input files (samples.npz, losses.csv, ...)")
    p.add_argument("--labels", nargs="*", default=[], help="labels of the inputs (samples, interpolations)")
    p.add_argument("--data-root", help="prepared data folder (interpolations: the held-out images)")
    p.add_argument("--study", help="the experiment's study (marks from its paper on the routing curve)")
    p.add_argument("--title", default="", help="figure title")
    p.add_argument("--out", required=True, help="the PNG")
    p.set_defaults(handler=figure)
