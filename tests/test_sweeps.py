"""A swept experiment's summary on synthetic scores whose truth is known: levels with intervals,
the compared pairs, each setting's effect against the base, and the figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qgen.report.sweeps import summarise_sweep, sweep_figure, sweep_markdown

C5_JOB = {
    "experiment": "c5", "protocol": "standard", "metrics": ["fid", "ssim_nearest"],
    "axes": {"n_train": {"values": [10, 50], "crossed": False}},
    "members": {"c5": {"n_train": 700}, "c5__n_train-10": {"n_train": 10}, "c5__n_train-50": {"n_train": 50}},
    "comparisons": [["classical", "quantum"], ["twin", "quantum"]],
}


def _scores(job: dict, value, seeds: int = 5, rng_seed: int = 0) -> pd.DataFrame:
    """Rows for every member x model x class x seed; ``value(assignment, model)`` is the truth."""
    rng = np.random.default_rng(rng_seed)
    rows = []
    for experiment, assignment in job["members"].items():
        for model in ("classical", "twin", "quantum"):
            for unit in ("0", "1"):
                for seed in range(seeds):
                    for metric in ("fid", "ssim_nearest"):
                        v = value(assignment, model, metric) + rng.normal(0, 0.5 if metric == "fid" else 0.001)
                        rows.append(dict(experiment=experiment, dataset="mnist", unit=unit, model=model, seed=seed,
                                         n_train=assignment.get("n_train"), protocol="standard", metric=metric,
                                         value=v))
    return pd.DataFrame(rows)


def test_levels_comparisons_and_effects_recover_the_truth(tmp_path: Path) -> None:
    def truth(a, model, metric):  # FID falls with more data; quantum 3 better than the others
        base = 100 - 10 * np.log10(a["n_train"]) - (3 if model == "quantum" else 0)
        return base if metric == "fid" else 0.1

    summary = summarise_sweep(_scores(C5_JOB, truth), C5_JOB)
    levels = summary[(summary["kind"] == "level") & (summary["metric"] == "fid")].set_index(["setting", "model"])
    cell = levels.loc[("n_train=10", "classical")]
    assert cell.estimate == pytest.approx(90, abs=0.5) and cell.low < 90 < cell.high
    assert cell.n_units == 2 and cell.n_seeds == 5
    comp = summary[(summary["kind"] == "comparison") & (summary["metric"] == "fid")]
    assert len(comp) == 3 * 2 and np.allclose(comp["estimate"], -3, atol=0.5) and (comp["high"] < 0).all()
    effect = summary[(summary["kind"] == "effect") & (summary["metric"] == "fid") & (summary["model"] == "twin")]
    ten = effect[effect["value"] == 10].iloc[0]
    assert ten.reference == 700 and ten.estimate == pytest.approx(10 * np.log10(70), abs=0.5)
    page = sweep_markdown(summary, C5_JOB)
    assert "fid: per setting and model" in page and "quantum - twin" in page
    sweep_figure(summary, C5_JOB, tmp_path / "sweep.png", "C5")
    assert (tmp_path / "sweep.png").stat().st_size > 10_000


def test_grid_effects_are_paired_within_the_other_axes(tmp_path: Path) -> None:
    axes = {"noise": ["pseudo", "circuit"], "schedule": ["cosine", "sigmoid"]}
    members = {}
    for n in axes["noise"]:
        for s in axes["schedule"]:
            members["g" if (n, s) == ("pseudo", "cosine") else f"g__noise-{n}__schedule-{s}"] = {"noise": n, "schedule": s}
    job = {"experiment": "g", "protocol": "standard", "metrics": ["fid"], "comparisons": [["classical", "quantum"]],
           "axes": {a: {"values": v, "crossed": True} for a, v in axes.items()}, "members": members}

    def truth(a, model, metric):  # the schedule matters (+5), the noise source does not
        return 50 + (5 if a["schedule"] == "sigmoid" else 0)

    summary = summarise_sweep(_scores(job, truth), job)
    effects = summary[summary["kind"] == "effect"].set_index(["model", "axis"])
    sched = effects.loc[("quantum", "schedule")]
    assert sched.estimate == pytest.approx(5, abs=0.5) and sched.low > 0 and sched.n_units == 2 * 2
    noise = effects.loc[("quantum", "noise")]
    assert noise.low < 0 < noise.high
    sweep_figure(summary, job, tmp_path / "grid.png", "grid")
    assert (tmp_path / "grid.png").stat().st_size > 10_000
