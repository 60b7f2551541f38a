"""The DAG Snakemake plans, and a real (tiny) quickstart run in a temporary folder."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def snakemake(workdir: Path, *args: str, configs: tuple[Path, ...] = ()) -> subprocess.CompletedProcess:
    cmd = [
        "snakemake", "-s", str(REPO / "workflow" / "Snakefile"), "-d", str(workdir),
        "--configfile", str(REPO / "config" / "config.yaml"), *map(str, configs), *args,
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def planned_jobs(output: str) -> dict[str, int]:
    """The 'Job stats' table of a dry run, as {rule: count}."""
    stats = output.split("Job stats:")[1].split("Reasons:")[0] if "Job stats:" in output else ""
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", stats, re.M) if m[1] != "total"}


def test_dry_run_of_all_plans_the_full_s1_reproduction(tmp_path: Path) -> None:
    jobs = planned_jobs(snakemake(tmp_path, "-n", "--cores", "8", "all").stdout)
    # Table I: 10 digits x 2 models x 3 seeds; Table II: PathMNIST class 1 x 2 models x 3 seeds;
    # C5: 10 digits x 2 models x 3 seeds at 50, 100 and 1000 training images per digit.
    runs = 10 * 2 * 3 + 1 * 2 * 3 + 3 * 10 * 2 * 3
    assert jobs["train"] == jobs["sample"] == jobs["score"] == runs
    assert jobs["prepare_data"] == 2
    assert jobs["table"] == 5
    assert jobs["figure_samples"] == 10 + 1 + 3 * 10
    assert jobs["figure_circuit"] == 5
    assert jobs["fid_vs_sample_size"] == 1
    assert jobs["claims"] == 1
    assert jobs["fetch_weights"] == 2  # standard FID Inception and torchvision's Inception
    assert jobs["reference_features"] == 11  # once per (dataset, class), not per run


def _tiny_config(tmp_path: Path, seeds: list[int]) -> Path:
    config = {
        "paper_results_dir": str(SHARED / "paper_results"),
        "metrics": {"classifier_epochs": 1},
        "models": {"quantum": {"family": "diffusion_unet",
                               "quantum": {"circuit": "s1_paper", "circuit_params": {"n_qubits": 4, "n_layers": 1}}}},
        "experiments": {"quickstart": {
            "dataset": "digits", "classes": [0, 1], "models": ["classical", "quantum"], "seeds": seeds,
            "paper_table": "chen2025_table1_mnist",
            "training": {"epochs": 1}, "diffusion": {"timesteps": 10},
            "sampling": {"n_samples": 12},
            "scoring": {"features": "classifier", "paper_features": "classifier",
                        "sample_size_study": {"class": 0, "sizes": [5, 12], "repeats": 3}},
        }},
    }
    path = tmp_path / f"tiny_{len(seeds)}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_quickstart_runs_and_reruns_only_what_changed(tmp_path: Path) -> None:
    one_seed = _tiny_config(tmp_path, [0])
    snakemake(tmp_path, "--cores", "2", "quickstart", configs=(one_seed,))
    results = tmp_path / "results" / "quickstart"
    table = (results / "tables" / "table.md").read_text()
    assert "paper protocol" in table and "standard protocol" in table
    scores = pd.read_csv(results / "tables" / "scores.csv")
    assert set(scores["model"]) == {"classical", "quantum"} and set(scores["class"]) == {0, 1}
    assert scores["value"].notna().all()
    for name in ["samples_class0.png", "samples_class1.png", "loss_curves.png", "circuit_quantum.png",
                 "quantum_grads.png", "fid_vs_n_digits_class0.png"]:
        assert (results / "figures" / name).stat().st_size > 0
    claims = (tmp_path / "results" / "claims" / "quickstart.md").read_text()
    assert "C1" in claims and "C5" in claims and "stands in for mnist" in claims
    provenance = json.loads((results / "tables" / "table.json").read_text())
    assert provenance["git_commit"] is not None and len(provenance["runs"]) == 4

    snakemake(tmp_path, "--cores", "1", "quickstart", "--report", str(tmp_path / "report.html"), configs=(one_seed,))
    assert (tmp_path / "report.html").stat().st_size > 10_000
    assert (tmp_path / "results/quickstart/digits/0/quantum/seed0/train.json").exists()

    # Nothing changed: nothing to do.
    again = snakemake(tmp_path, "-n", "--cores", "2", "quickstart", configs=(one_seed,))
    assert "Nothing to be done" in again.stdout + again.stderr

    # A new seed schedules only the new seed's jobs (plus the summaries that read them).
    jobs = planned_jobs(snakemake(tmp_path, "-n", "--cores", "2", "quickstart",
                                  configs=(_tiny_config(tmp_path, [0, 1]),)).stdout)
    assert jobs["train"] == jobs["sample"] == jobs["score"] == 4  # 2 classes x 2 models, seed 1
    for shared in ("prepare_data", "train_feature_classifier", "reference_features"):
        assert shared not in jobs  # data, feature network and reference features are reused


@pytest.mark.slow
def test_shipped_quickstart_runs_offline(tmp_path: Path) -> None:
    """The README's first command, as shipped (several minutes on 2 cores)."""
    override = tmp_path / "paths.yaml"
    override.write_text(yaml.safe_dump({"paper_results_dir": str(SHARED / "paper_results")}))
    snakemake(tmp_path, "--cores", "2", "quickstart", configs=(override,))
    scores = pd.read_csv(tmp_path / "results" / "quickstart" / "tables" / "scores.csv")
    assert set(scores["class"]) == set(range(10)) and scores["value"].notna().all()
