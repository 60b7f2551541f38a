"""The DAG Snakemake plans, a real (tiny) quickstart run, and the rerun matrix: each change
reruns exactly the jobs whose config slice it touches."""

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


def snakemake(workdir: Path, *args: str, configs: tuple[Path, ...] = (), env: dict | None = None
              ) -> subprocess.CompletedProcess:
    import os

    cmd = [
        "snakemake", "-s", str(REPO / "workflow" / "Snakefile"), "-d", str(workdir),
        *(["--configfile", *map(str, configs)] if configs else []), *args,
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env={**os.environ, **(env or {})})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def planned_jobs(output: str) -> dict[str, int]:
    """The 'Job stats' table of a dry run, as {rule: count} ({} when nothing is to be done)."""
    stats = output.split("Job stats:")[1].split("Reasons:")[0] if "Job stats:" in output else ""
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", stats, re.M) if m[1] != "total"}


def test_dry_run_of_s1_plans_the_full_s1_reproduction(tmp_path: Path) -> None:
    # `all` is s1 and every later study (tests/test_workflow_s3.py plans S3's part)
    jobs = planned_jobs(snakemake(tmp_path, "-n", "--cores", "8", "s1").stdout)
    # Table I: 10 digits x 4 models (classical, twin, closed_form, quantum) x 3 seeds; Table II:
    # PathMNIST class 1 x 3 models x 3 seeds; C5: 10 digits x 3 models x 5 seeds at 1000 (the
    # sweep's base), 10, 25, 50, 100 and 250 images; the noise strategies: 12 settings (noise
    # source x schedule x time-step sampling) x 10 digits x 2 models x 3 seeds.
    table1, table2, c5, noise = 10 * 4 * 3, 3 * 3, 6 * 10 * 3 * 5, 12 * 10 * 2 * 3
    runs = table1 + table2 + c5 + noise
    assert jobs["train"] == jobs["sample"] == jobs["score"] == runs
    assert jobs["prepare_data"] == 2
    experiments = 1 + 1 + 6 + 12
    assert jobs["table"] == experiments
    assert jobs["figure_samples"] == 10 + 1 + 6 * 10 + 12 * 10
    assert jobs["figure_circuit"] == experiments  # the quantum model only: the twin and closed form run no circuit
    assert jobs["sweep_table"] == jobs["figure_sweep"] == 2  # C5 and the noise strategies
    assert jobs["fid_vs_sample_size"] == 1
    assert jobs["claims"] == 1
    assert jobs["fetch_weights"] == 2  # standard FID Inception and torchvision's Inception
    assert jobs["reference_features"] == 11  # once per (dataset, class), not per run


def _tiny_config(tmp_path: Path, seeds: list[int], name: str = "tiny", **experiment: object) -> Path:
    config = {
        "paper_results_dir": str(SHARED / "paper_results"),
        "metrics": {"classifier_epochs": 1},
        "models": {"quantum": {"family": "ddpm", "denoiser": {"name": "s1_unet", "bottleneck": "quantum"},
                               "quantum": {"circuit": "s1_paper", "circuit_params": {"n_qubits": 4, "n_layers": 1}}}},
        "experiments": {"quickstart": {
            "study": "s1", "dataset": "digits", "classes": [0, 1], "models": ["classical", "quantum"],
            "seeds": seeds, "smoke": True, "stands_for": "mnist", "paper_table": "chen2025_table1_mnist",
            "training": {"epochs": 1}, "diffusion": {"timesteps": 10},
            "sampling": {"n_samples": 12},
            "scoring": {"features": "classifier", "paper_features": "classifier",
                        "sample_size_study": {"class": 0, "sizes": [5, 12], "repeats": 3}},
            **experiment,
        }},
        "targets": {"quickstart": ["quickstart"]},  # S1's tiny quickstart only, not every study's
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _overlay(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_quickstart_runs_and_reruns_exactly_what_changed(tmp_path: Path) -> None:
    from qgen.report.figures import DATA_KEY, png_metadata

    base = _tiny_config(tmp_path, [0])
    report = tmp_path / "report.html"
    snakemake(tmp_path, "--cores", "2", "quickstart", "--report-after-run", "--report", str(report), configs=(base,))
    results = tmp_path / "results" / "quickstart"
    table = (results / "tables" / "table.md").read_text()
    assert "paper protocol" in table and "standard protocol" in table
    assert "<table>" in (results / "tables" / "table.html").read_text()
    scores = pd.read_csv(results / "tables" / "scores.csv", dtype={"unit": str})
    assert set(scores["model"]) == {"classical", "quantum"} and set(scores["unit"]) == {"0", "1"}
    assert scores["value"].notna().all()
    for name in ["samples_0.png", "samples_1.png", "loss_curves.png", "loss_curves_per_class.png",
                 "circuit_quantum.png", "quantum_grads.png", "fid_vs_n_digits_class0.png"]:
        assert (results / "figures" / name).stat().st_size > 0
    # The gradient diagnostic says what it shows: S1's RZ weights get no gradient at all.
    grads = png_metadata(results / "figures" / "quantum_grads.png")
    assert grads["Description"] == "quantum: all 4 quantum weights: gradient exactly 0 in every epoch"
    samples = json.loads(png_metadata(results / "figures" / "samples_0.png")[DATA_KEY])
    assert [s["model"] for s in samples] == ["classical", "quantum"] and "1 epoch," in samples[0]["budget"]
    claims = (tmp_path / "results" / "claims" / "quickstart.md").read_text()
    assert "C1" in claims and "stands in for mnist" in claims and "not evidence" in claims
    assert "one seed cannot separate model from noise" in claims
    # Claims not run are listed once, not as rows of undecided verdicts.
    assert claims.count("Not run in this target") == 1 and "| C4a |" not in claims
    assert "C4 (C4a, C4b): no scores on pathmnist" in claims
    # The forest plot's rows are the claims table's rows (claim and verdict, in order).
    forest = tmp_path / "results" / "claims" / "quickstart" / "forest_s1.png"
    rows = json.loads(png_metadata(forest)[DATA_KEY])
    primary = claims.split("### Claims (primary")[1].split("\n\n")[1].splitlines()[2:]
    table_rows = [[c.strip() for c in line.strip("|").split("|")] for line in primary if line.startswith("|")]
    assert [(r["claim"], f"**{r['verdict']}**") for r in rows] == [(c[0], c[-1]) for c in table_rows]
    assert "![Forest plot of s1's claims](quickstart/forest_s1.png)" in claims
    page = (tmp_path / "results" / "claims" / "quickstart.html").read_text()
    assert page.index('src="data:image/png;base64,') < page.index("<table>")
    provenance = json.loads((results / "tables" / "table.json").read_text())
    assert provenance["git_commit"] is not None and len(provenance["runs"]) == 4
    claims_record = json.loads((tmp_path / "results" / "claims" / "quickstart.json").read_text())
    assert claims_record["git_commit"] == provenance["git_commit"] and claims_record["inputs"][0]["md5"]
    train_record = json.loads((results / "digits" / "0" / "quantum" / "seed0" / "train.json").read_text())
    assert train_record["config"]["model"]["quantum"]["backend"]["name"] == "torch"
    # The report opens on the claims page (forest plot and table); the browser test checks the layout.
    html = report.read_text()
    assert report.stat().st_size > 10_000 and "Forest plot of s1" in html and "qgen-page" in html

    def plan(*overlays: Path, env: dict | None = None) -> dict[str, int]:
        out = snakemake(tmp_path, "-n", "--cores", "2", "quickstart", configs=(base, *overlays), env=env)
        return planned_jobs(out.stdout)

    # What reads scores: the table, the claims, their forest plot and page, the target.
    summaries = {"table", "claims", "figure_forest", "claims_page", "quickstart"}
    # Nothing changed: nothing to do.
    assert plan() == {}
    # Execution settings and the data mirror (config or environment) are outside every slice.
    assert plan(_overlay(tmp_path, "exec", {"execution": {"device": "cuda", "threads": 2}})) == {}
    assert plan(_overlay(tmp_path, "mirror", {"data": {"mirror": str(tmp_path / "mirror")}})) == {}
    assert plan(env={"QGEN_DATA_MIRROR": str(tmp_path / "elsewhere")}) == {}
    # Sampling: sample and what reads samples; no training.
    jobs = plan(_overlay(tmp_path, "n", {"experiments": {"quickstart": {"sampling": {"n_samples": 14}}}}))
    assert set(jobs) == {"sample", "score", "figure_samples", "fid_vs_sample_size"} | summaries
    assert jobs["sample"] == jobs["score"] == 4
    # The sampler's noise source is a sampling setting: quantum-generated sampling noise reruns
    # sampling and what follows, never training; the training noise source retrains.
    jobs = plan(_overlay(tmp_path, "qn", {"experiments": {"quickstart": {"sampling": {"noise_source": "circuit"}}}}))
    assert set(jobs) == {"sample", "score", "figure_samples", "fid_vs_sample_size"} | summaries
    jobs = plan(_overlay(tmp_path, "qt", {"experiments": {"quickstart": {"diffusion": {"noise_source": "circuit"}}}}))
    assert jobs["train"] == jobs["sample"] == jobs["score"] == 4
    # Scoring: score and what reads scores (the sample-size study scores too).
    jobs = plan(_overlay(tmp_path, "s", {"experiments": {"quickstart": {"scoring": {"n_real": 20}}}}))
    assert set(jobs) == {"score", "fid_vs_sample_size"} | summaries and jobs["score"] == 4
    # A figure-only option: figure jobs only.
    jobs = plan(_overlay(tmp_path, "f", {"experiments": {"quickstart": {"figures": {"sample_grid_images": 9}}}}))
    assert set(jobs) == {"figure_samples", "quickstart"} and jobs["figure_samples"] == 2
    # A training option: everything of the runs it touches.
    jobs = plan(_overlay(tmp_path, "t", {"experiments": {"quickstart": {"model_settings": {
        "quantum": {"training": {"lr": 2.0e-3}}}}}}))
    assert jobs["train"] == jobs["sample"] == jobs["score"] == 2  # the quantum model's 2 classes
    # A new seed or class: only its jobs (plus the summaries that read all runs).
    jobs = plan(_tiny_config(tmp_path, [0, 1], name="seeds"))
    assert jobs["train"] == jobs["sample"] == jobs["score"] == 4  # 2 classes x 2 models, seed 1
    for shared in ("prepare_data", "train_feature_classifier", "reference_features", "figure_samples"):
        assert shared not in jobs  # data, feature network, references and seed-0 grids are reused
    jobs = plan(_tiny_config(tmp_path, [0], name="classes", classes=[0, 1, 2]))
    assert jobs["train"] == jobs["sample"] == jobs["score"] == 2 and jobs["reference_features"] == 1


def test_cli_errors_are_one_line_with_the_fix(tmp_path: Path) -> None:
    def qgen(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["qgen", *args], capture_output=True, text=True, timeout=120)

    studies = [str(p) for p in sorted((REPO / "config").glob("s[0-9].yaml"))]
    result = qgen("train", "--config", str(REPO / "config" / "config.yaml"), *studies,
                  "--experiment", "nope", "--model",
                  "quantum", "--unit", "0", "--seed", "0", "--data-root", str(tmp_path), "--outdir", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "unknown experiment 'nope'" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    bad = tmp_path / "model.pt"
    bad.write_bytes(b"not a run")
    result = qgen("sample", "--model-file", str(bad), "--out", str(tmp_path / "s.npz"), "--n-samples", "2")
    assert result.returncode == 2 and "Traceback" not in result.stderr and "delete it and rerun" in result.stderr
    result = qgen("--debug", "sample", "--model-file", str(bad), "--out", str(tmp_path / "s.npz"), "--n-samples", "2")
    assert "Traceback" in result.stderr
    assert qgen("--version").stdout.startswith("qgen ")


def test_a_full_disk_is_named_not_a_traceback() -> None:
    import errno

    from qgen.cli import explain

    message = explain(OSError(errno.ENOSPC, "No space left on device", "results/x/model.pt"))
    assert "disk is full" in message and "results/x/model.pt" in message and "Fix" in message
    assert explain(ValueError("a bug")) is None


@pytest.mark.slow
def test_shipped_quickstart_runs_offline(tmp_path: Path) -> None:
    """The README's first command, as shipped (several minutes on 2 cores)."""
    override = tmp_path / "paths.yaml"
    override.write_text(yaml.safe_dump({"paper_results_dir": str(SHARED / "paper_results")}))
    snakemake(tmp_path, "--cores", "2", "quickstart", configs=(override,))
    scores = pd.read_csv(tmp_path / "results" / "quickstart" / "tables" / "scores.csv", dtype={"unit": str})
    assert set(scores["unit"]) == {"0", "1"} and scores["value"].notna().all()


def test_the_workflow_passes_snakemakes_linter() -> None:
    """The catalogue's standard: no lints (hard-coded path prefixes, functions among rules, rules
    without a software environment, environment writes from the Snakefile)."""
    done = subprocess.run(["snakemake", "--lint"], cwd=REPO, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0 and "Lints for" not in output, output[-3000:]


def test_a_second_checkout_takes_feature_networks_and_reference_features_from_the_cache(tmp_path: Path) -> None:
    """Snakemake's between-workflow cache (--cache, SNAKEMAKE_OUTPUT_CACHE): what every checkout
    computes alike (the feature classifier, reference features) is computed once and reused."""
    import hashlib

    cache = tmp_path / "cache"
    cache.mkdir()
    wanted = ["resources/features/digits/classifier.pt", "resources/reference_features/digits/classifier/test_all.npz"]
    env = {"SNAKEMAKE_OUTPUT_CACHE": str(cache)}
    first, second = tmp_path / "checkout1", tmp_path / "checkout2"
    runs = [snakemake(w, "--cores", "2", *wanted, "--cache", env=env)  # --cache takes rule names after it
            for w in (first, second)]
    assert (first / "logs" / "train_feature_classifier" / "digits.log").stat().st_size > 0
    # The second checkout ran neither job (their logs stay empty): both outputs came from the cache.
    said = runs[1].stdout + runs[1].stderr
    for name in wanted:
        assert f"output file {name} from cache" in said, said[-2000:]
    assert (second / "logs" / "train_feature_classifier" / "digits.log").stat().st_size == 0
    for name in wanted:
        digest = [hashlib.md5((w / name).read_bytes()).hexdigest() for w in (first, second)]
        assert digest[0] == digest[1], name
    # A different dataset is a different cache entry (Snakemake does not hash wildcards: cache_key).
    dry = snakemake(second, "-n", "--cores", "2", "resources/features/fashion_mnist/classifier.pt", "--cache", env=env)
    assert "train_feature_classifier" in planned_jobs(dry.stdout)
