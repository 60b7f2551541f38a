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
    from qgen.report.html import html_page
    from qgen.report.markdown import markdown_table, section
    from qgen.report.sampling_tables import dataset_note
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
    record = provenance(
        "table", {"experiment": args.experiment, "pairs": pairs}, inputs=args.scores, paper=args.paper,
        runs=scores[["dataset", "unit", "model", "seed"]].drop_duplicates().astype(str).to_dict("records"),
    )
    write_json(outdir / "table.json", record)
    markdown = f"# Tables: {args.experiment}\n\n" + "".join(sections)
    atomic_write_text(outdir / "table.md", markdown)
    atomic_write_text(outdir / "table.html", html_page(markdown, outdir, f"Tables: {args.experiment}",
                                                      [("table.json", record)]))
    print((outdir / "table.md").read_text())


def claims(args: argparse.Namespace) -> None:
    import os

    import pandas as pd

    from qgen.claims import evaluate_claims, per_unit_differences
    from qgen.provenance import provenance, write_json
    from qgen.report.claims_page import claims_markdown
    from qgen.report.axes import axis_rows
    from qgen.report.tables import read_scores
    from qgen.studies import STUDIES

    job = json.loads(args.job)
    experiments = job["experiments"]
    # Every run placed on its ablation axis (a swept base's runs also on each axis it serves).
    scores = axis_rows(pd.concat([read_scores(p) for p in args.scores], ignore_index=True), experiments)
    forests = dict(f.split("=", 1) for f in args.forest)
    out_md = Path(args.out_md)
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
        comparisons = list(dict.fromkeys(tuple(c) for n in names for c in (experiments[n].get("comparisons") or [])))
        settings = job.get("claims") or {}
        frames.append(evaluate_claims(study, subset, args.paper_dir, comparisons or None,
                                      margins=settings.get("margins"), alpha=settings.get("alpha", 0.05)))
        forest = forests.get(study_name)
        contexts.append({
            "study": study, "experiments": names, "stand_ins": stand_ins,
            "smoke": [n for n in names if experiments[n].get("smoke")],
            "forest": os.path.relpath(forest, out_md.parent) if forest else None,
            "per_class": per_unit_differences(study, subset, comparisons or None),
        })
    result = pd.concat(frames, ignore_index=True)
    with atomic_path(Path(args.out_csv)) as tmp:
        result.to_csv(tmp, index=False)
    inputs = [{"path": str(p), "md5": md5_file(p), "table_provenance": _table_record(Path(p))} for p in args.scores]
    runs = scores[["experiment", "dataset", "unit", "model", "seed"]].drop_duplicates().astype(str)
    record = provenance("claims", job, inputs=inputs, paper_dir=args.paper_dir,
                        runs_per_experiment={e: _runs_summary(r) for e, r in runs.groupby("experiment")})
    if args.out_json:
        write_json(Path(args.out_json), record)
    atomic_write_text(out_md, claims_markdown(args.title, result, contexts, job) + _provenance_markdown(record))
    print(out_md.read_text())


def md5_file(path: str | Path) -> str:
    from qgen.fetch import md5_file as md5

    return md5(Path(path))


def _table_record(scores_csv: Path) -> dict | None:
    """The commit and time of the table job that wrote a scores.csv (its table.json beside it)."""
    from qgen.provenance import read_json

    record = scores_csv.parent / "table.json"
    if not record.is_file():
        return None
    data = read_json(record)
    return {"path": str(record), "git_commit": data.get("git_commit"), "created_utc": data.get("created_utc")}


def _runs_summary(runs) -> dict:
    """Datasets and models in the order the runs name them; classes and seeds in natural order."""
    def natural(values) -> list[str]:
        return sorted(values, key=lambda v: (not v.isdigit(), int(v) if v.isdigit() else 0, v))

    return {"dataset": list(dict.fromkeys(runs["dataset"])), "unit": natural(runs["unit"].unique()),
            "model": list(dict.fromkeys(runs["model"])), "seed": natural(runs["seed"].unique())}


def _provenance_markdown(record: dict) -> str:
    """Where the numbers come from, in short (the full record is the page's JSON)."""
    lines = [f"- made by qgen {record.get('qgen_version')} at git commit `{record.get('git_commit')}`, "
             f"{record.get('created_utc')}"]
    for name, runs in record.get("runs_per_experiment", {}).items():
        lines.append(f"- {name}: dataset {', '.join(runs['dataset'])}; classes {', '.join(runs['unit'])}; "
                     f"models {', '.join(runs['model'])}; seeds {', '.join(runs['seed'])}")
    for item in record.get("inputs", []):
        table = item.get("table_provenance") or {}
        lines.append(f"- input `{item['path']}` (MD5 {item['md5']}), tabulated at git `{table.get('git_commit')}`")
    lines.append("- the config slice of the claims job (study, stand-ins, comparisons, margins, alpha) is in the "
                 "record beside this page (same name, .json)")
    return "\n## Provenance\n\n" + "\n".join(lines) + "\n"


def page(args: argparse.Namespace) -> None:
    from qgen.provenance import read_json
    from qgen.report.html import html_page

    markdown = Path(args.markdown)
    records = [(Path(p).name, read_json(Path(p))) for p in args.provenance]
    title = args.title or markdown.stem
    atomic_write_text(Path(args.out), html_page(markdown.read_text(), markdown.parent, title, records))


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
    out = Path(args.out)
    job = json.loads(args.job) if args.job else {}
    handlers = {"samples": _samples_figure, "losses": _loss_figures, "grads": _gradient_figure,
                "circuit": _circuit_figure, "forest": _forest_figure, "sweep": _sweep_figure,
                "interpolations": _interpolations_figure, "routing": _routing_figure, "noise": _noise_figure,
                "trainability": _trainability_figure}
    handlers[args.kind](args, job, out)


def _samples_figure(args: argparse.Namespace, job: dict, out: Path) -> None:
    import numpy as np

    from qgen.paths import run_of
    from qgen.provenance import read_json
    from qgen.report.figures import SampleSet, sample_comparison, save_figure

    records = [read_json(Path(p)) for p in args.records] if args.records else [{} for _ in args.inputs]
    sets = []
    for label, path, record in zip(args.labels, args.inputs, records):
        run = run_of(path)
        sets.append(SampleSet(
            model=label, images=np.load(path)["images"], unit=run["unit"], seed=run["seed"],
            epochs=(record.get("config") or {}).get("training", {}).get("epochs"), steps=record.get("steps"),
            n_train=record.get("n_train"),
        ))
    n_show = job.get("figures", {}).get("sample_grid_images", 16)
    fig = sample_comparison(sets, args.title, n_show=n_show)
    save_figure(fig, out, description=f"samples of {', '.join(args.labels)}",
                data=[{"model": s.model, "unit": s.unit, "seed": s.seed, "budget": s.budget()} for s in sets])


def _read_runs(paths: list[str]):
    import pandas as pd

    from qgen.paths import run_of
    from qgen.report.training_figures import tidy_runs

    return tidy_runs((run_of(p), pd.read_csv(p)) for p in paths)


def _loss_figures(args: argparse.Namespace, job: dict, out: Path) -> None:
    from qgen.report.figures import save_figure
    from qgen.report.training_figures import loss_curves, loss_curves_per_class

    losses = _read_runs(args.inputs)
    save_figure(loss_curves(losses, args.title), out, description="training loss per model, mean and range over runs")
    if args.out_per_class:
        save_figure(loss_curves_per_class(losses, args.title), Path(args.out_per_class),
                    description="training loss per class and model")


def _gradient_figure(args: argparse.Namespace, job: dict, out: Path) -> None:
    from dataclasses import asdict

    from qgen.report.figures import save_figure
    from qgen.report.training_figures import quantum_gradients

    fig, findings = quantum_gradients(_read_runs(args.inputs), args.title)
    save_figure(fig, out, description="; ".join(f"{f.model}: {f.statement()}" for f in findings),
                data=[asdict(f) | {"statement": f.statement()} for f in findings])
    for f in findings:
        print(f"{f.model}: {f.statement()}")


def _circuit_figure(args: argparse.Namespace, job: dict, out: Path) -> None:
    from qgen.report import figures

    quantum = job["quantum"]
    figures.circuit_diagram(quantum["circuit"], quantum.get("circuit_params") or {}, out)


def _noise_figure(args: argparse.Namespace, job: dict, out: Path) -> None:
    """Quality against noise strength and shots, over seeds; its table beside (S3-C3)."""
    import pandas as pd

    from qgen.report.figures import save_figure
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
    save_figure(noise_plot(table, [m for _, m in metrics], args.title), out,
                description="quality of the quantum models sampled under hardware noise against their noiseless "
                            "samples (mean over seeds, 95% t-interval)",
                data=table.to_dict("records"))


def _trainability_figure(args: argparse.Namespace, job: dict, out: Path) -> None:
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


def _interpolations_figure(args: argparse.Namespace, job: dict, out: Path) -> None:
    from qgen.report import figures

    steps = job.get("figures", {}).get("interpolation_steps", 8)
    rows = {label: latent_interpolation(Path(path), Path(args.data_root), steps)
            for label, path in zip(args.labels, args.inputs)}
    figures.interpolations(rows, out, args.title)


def _routing_figure(args: argparse.Namespace, job: dict, out: Path) -> None:
    import pandas as pd

    from qgen.report import figures
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
        t = torch.linspace(0, 1, steps).view(-1, *[1] * (z.dim() - 1))  # flat latents or latent maps
        path = family.decode((1 - t) * z[0] + t * z[1])
    return np.concatenate([held_out.images[[first]], from_model_tensor(path), held_out.images[[other]]])


def ablation(args: argparse.Namespace) -> None:
    import pandas as pd

    from qgen.provenance import provenance, write_json
    from qgen.report import figures
    from qgen.report.markdown import interval, markdown_table, section
    from qgen.report.axes import axis_order, axis_rows
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


def _sweep_figure(args: argparse.Namespace, job: dict, out: Path) -> None:
    import pandas as pd

    from qgen.report.sweeps import sweep_figure

    sweep_figure(pd.read_csv(args.inputs[0]), job, out, args.title)


def _forest_figure(args: argparse.Namespace, job: dict, out: Path) -> None:
    import pandas as pd

    from qgen.report.claims_page import SMOKE_WARNING
    from qgen.report.figures import save_figure
    from qgen.report.forest import forest_plot, rows_data
    from qgen.studies import STUDIES

    study = STUDIES.get(job["study"])
    claims = pd.read_csv(args.inputs[0])
    subtitle = (f"{args.title}: primary protocol {study.primary.name}; "
                f"measured difference with its 95% interval, verdict after Holm")
    warning = SMOKE_WARNING.split("**")[1] if job.get("smoke") else ""
    fig, rows = forest_plot(claims, study.name, study.title, subtitle, {**study.combined, **study.combined_any}, warning)
    save_figure(fig, out, description=f"forest plot of {study.name}'s claims", data=rows_data(rows))


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
    p.add_argument("--job", required=True,
                   help="JSON: per experiment its study, dataset stood for, comparisons, smoke flag")
    p.add_argument("--scores", nargs="+", required=True, help="tables/scores.csv of the experiments")
    p.add_argument("--paper-dir", help="folder of the papers' reported numbers")
    p.add_argument("--title", default="", help="the report's title (the target's name)")
    p.add_argument("--out-csv", required=True, help="every verdict row")
    p.add_argument("--out-md", required=True, help="the claims page")
    p.add_argument("--out-json", help="the claims job's provenance record")
    p.add_argument("--forest", action="append", default=[], metavar="STUDY=PNG",
                   help="a study's forest plot, shown on the page (the figure_forest rule draws it)")
    p.set_defaults(handler=claims)

    p = sub.add_parser("sweep-table", help="a swept experiment's members against its axes, with intervals")
    p.add_argument("--job", required=True, help="JSON: axes, each member's axis values, pairs, metrics, protocol")
    p.add_argument("--scores", nargs="+", required=True, help="tables/scores.csv of the base and its members")
    p.add_argument("--out-csv", required=True, help="every summary row (levels, comparisons, effects)")
    p.add_argument("--out-md", required=True, help="the summary page")
    p.set_defaults(handler=sweep_table)

    p = sub.add_parser("page", help="a self-contained HTML page from a Markdown page (images embedded)")
    p.add_argument("--markdown", required=True, help="the Markdown page (images relative to it)")
    p.add_argument("--provenance", nargs="*", default=[], help="provenance records (JSON) shown at the end")
    p.add_argument("--title", default="", help="the page's title (default: the file's name)")
    p.add_argument("--out", required=True, help="the HTML page")
    p.set_defaults(handler=page)

    p = sub.add_parser("ablation", help="an ablation axis: table and plot of metrics against its values")
    p.add_argument("--job", required=True, help="JSON: figures settings, the sweep's experiments, the axis values")
    p.add_argument("--scores", nargs="+", required=True, help="tables/scores.csv of the experiments on the axis")
    p.add_argument("--axis", required=True, help="the sweep axis")
    p.add_argument("--title", default="", help="figure title (the swept experiment)")
    p.add_argument("--out-csv", required=True, help="summary table")
    p.add_argument("--out-md", required=True, help="summary as Markdown")
    p.add_argument("--out-png", required=True, help="the plot")
    p.set_defaults(handler=ablation)

    kinds = ["samples", "losses", "grads", "circuit", "forest", "sweep", "interpolations", "routing", "noise",
             "trainability"]
    p = sub.add_parser("figure", help=f"figures: {', '.join(kinds)}")
    p.add_argument("kind", choices=kinds,
                   help="which figure (noise and trainability also write their tables into ../tables)")
    p.add_argument("--job", help="JSON slice of the figure (figures settings; the quantum block for a circuit; "
                   "study and smoke flag for a forest plot; axes and members for a sweep)")
    p.add_argument("--inputs", nargs="*", default=[],
                   help="input files (samples.npz, losses.csv, quantum_grads.csv, the claims CSV, a sweep summary, "
                        "scores for the noise figure)")
    p.add_argument("--records", nargs="*", default=[], help="train.json of each samples input (training budget)")
    p.add_argument("--labels", nargs="*", default=[], help="labels of the inputs (samples, interpolations)")
    p.add_argument("--out-per-class", help="losses: the per-class small multiples")
    p.add_argument("--data-root", help="prepared data folder (interpolations: the held-out images)")
    p.add_argument("--study", help="the experiment's study (marks from its paper on the routing curve)")
    p.add_argument("--title", default="", help="figure title")
    p.add_argument("--out", required=True, help="the PNG")
    p.add_argument("--threads", type=int, default=1, help="CPU threads (trainability)")
    p.set_defaults(handler=figure)
