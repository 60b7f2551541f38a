"""S2 in the workflow: the jobs Snakemake plans for the shipped study, the ablation sweep, and
that a value added to an axis schedules only its own jobs (and the summaries that read them)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from test_workflow import SHARED, planned_jobs, snakemake

MAIN_MODELS = 8  # vae, qvae, qvae_twin, gan, qgan, qgan_twin, vqvae_prior, router (+ the vqvae they require)
ABLATION_MEMBERS = 10  # 5 axes x 3 values, the base's value of each served by the main runs


def _outputs(dry_run: str) -> list[str]:
    """Every output file a dry run lists."""
    files = []
    for match in re.finditer(r"^\s+output: (.+)$", dry_run, re.M):
        files += [f.strip() for f in match[1].split(",")]
    return files


def _overlay(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_s2_plan_of_the_shipped_study(tmp_path: Path) -> None:
    paths = _overlay(tmp_path, "paths", {"paper_results_dir": str(SHARED / "paper_results")})
    jobs = planned_jobs(snakemake(tmp_path, "-n", "--cores", "8", "s2", configs=(paths,)).stdout)
    seeds = 3
    assert jobs["train"] == (MAIN_MODELS + 1) * seeds + ABLATION_MEMBERS * seeds
    assert jobs["sample"] == jobs["score"] == MAIN_MODELS * seeds + ABLATION_MEMBERS * seeds
    assert jobs["table"] == 1 + ABLATION_MEMBERS and jobs["ablation"] == 5 and jobs["claims"] == 1
    assert jobs["figure_routing"] == 1 and jobs["reference_features"] == 1  # all digits, once
    assert jobs["fetch_weights"] == 1  # the standard FID Inception network only
    # circuits drawn for the models that simulate one (twins do not): main qvae, qgan; each member's qvae
    assert jobs["figure_circuit"] == 2 + ABLATION_MEMBERS


def test_an_added_ablation_value_schedules_only_its_jobs(tmp_path: Path) -> None:
    """The shipped S2 quickstart, trimmed to the router and its members: pretend everything ran
    (empty files, touched in DAG order), then add a qubit count to the ablation."""
    trimmed = _overlay(tmp_path, "trimmed", {"paper_results_dir": str(SHARED / "paper_results"),
                                             "experiments": {"s2_quickstart": {"models": ["vae", "qvae", "router"]}}})
    plan = snakemake(tmp_path, "-n", "--cores", "1", "quickstart_s2", configs=(trimmed,))
    for name in _outputs(plan.stdout):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).touch()
    snakemake(tmp_path, "--touch", "--cores", "1", "quickstart_s2", configs=(trimmed,))
    more = _overlay(tmp_path, "qubits", {"experiments": {"s2_quickstart": {"sweep": {"n_qubits": {
        "set": "model_settings.qvae.quantum.circuit_params.n_qubits", "values": [4, 6, 8], "models": ["qvae"]}}}}})
    jobs = planned_jobs(snakemake(tmp_path, "-n", "--cores", "1", "quickstart_s2", configs=(trimmed, more)).stdout)
    assert jobs == {"train": 1, "sample": 1, "score": 1, "table": 1, "figure_samples": 1, "figure_losses": 1,
                    "figure_quantum_grads": 1, "figure_circuit": 1, "figure_interpolations": 1, "ablation": 1,
                    "sweep_table": 1, "figure_sweep": 1,  # the swept experiment's summary gains the member
                    "claims": 1, "figure_forest": 1, "claims_page": 1, "quickstart_s2": 1}


@pytest.mark.slow
def test_shipped_s2_quickstart_runs_offline(tmp_path: Path) -> None:
    """`snakemake quickstart_s2` as shipped: every S2 model, measure, figure and the claims page."""
    paths = _overlay(tmp_path, "paths", {"paper_results_dir": str(SHARED / "paper_results")})
    snakemake(tmp_path, "--cores", "2", "quickstart_s2", configs=(paths,))
    results = tmp_path / "results" / "s2_quickstart"
    scores = pd.read_csv(results / "tables" / "scores.csv", dtype={"unit": str})
    params = scores[(scores["protocol"] == "training") & (scores["metric"] == "parameters")].set_index("model")["value"]
    assert params["qvae"] == params["qvae_twin"] and params["qgan"] == params["qgan_twin"]  # matched twins
    got = set(zip(scores["protocol"], scores["metric"]))
    assert {("standard", "fid"), ("standard", "kid"), ("standard", "inception_score"), ("reconstruction", "ssim"),
            ("training", "seconds_per_epoch"), ("report_setup", "seconds_per_epoch"), ("training", "weight_rms_change"),
            ("training", "generator_loss_variance"), ("mode_coverage", "classes_covered"), ("routing", "cost"),
            ("reconstruction", "codebook_used")} <= got
    for name in ("routing_curve.png", "interpolations.png", "loss_curves.png", "ablation_n_qubits.png"):
        assert (results / "figures" / name).stat().st_size > 0
    table = (results / "tables" / "table.md").read_text()
    assert "The report's comparison table beside our measurements" in table
    claims = (tmp_path / "results" / "claims" / "quickstart_s2.md").read_text()
    assert all(f"S2-C{i}" in claims for i in range(1, 10)) and "not evidence" in claims


def test_an_ablation_shows_only_the_models_its_axis_trains(tmp_path: Path) -> None:
    """`qgen ablation` on a base whose other models sit at the base's value only: the table and
    plot hold the swept model along every value (the base's included), and nothing else."""
    import argparse
    import json

    from qgen.cli.reports import ablation

    def scores(experiment: str, model_fids: dict[str, float]) -> Path:
        rows = [{"experiment": experiment, "protocol": "standard", "dataset": "digits", "unit": "all", "model": m,
                 "seed": s, "metric": "fid", "value": v + s, "features": "classifier"}
                for m, v in model_fids.items() for s in range(3)]
        path = tmp_path / experiment / "scores.csv"
        path.parent.mkdir()
        pd.DataFrame(rows).to_csv(path, index=False)
        return path

    paths = [scores("base", {"vae": 30.0, "qvae": 20.0, "gan": 10.0}), scores("base__n_qubits-4", {"qvae": 40.0})]
    job = {"figures": {"ablation_metrics": ["standard:fid"]}, "values": [4, 8], "base": {"n_qubits": "8"},
           "experiments": {"base": {"sweep_of": None, "sweep_base": {"n_qubits": "8"}},
                           "base__n_qubits-4": {"sweep_of": {"experiment": "base", "axis": "n_qubits", "value": 4},
                                                "sweep_base": None}}}
    out = tmp_path / "out"
    out.mkdir()
    ablation(argparse.Namespace(job=json.dumps(job), scores=[str(p) for p in paths], axis="n_qubits", title="t",
                                out_csv=str(out / "a.csv"), out_md=str(out / "a.md"), out_png=str(out / "a.png")))
    table = pd.read_csv(out / "a.csv")
    assert set(table["model"]) == {"qvae"} and list(table["value"]) == [4, 8]
    assert list(table["mean"]) == [41.0, 21.0] and list(table["n_seeds"]) == [3, 3]
    assert (out / "a.png").stat().st_size > 0 and "(n_qubits=8, the base's runs)" in (out / "a.md").read_text()
