"""The cluster path: a tiny quickstart through workflow/profiles/slurm on a live SLURM cluster.

Runs what the README's "Cluster (SLURM)" section says, `snakemake --workflow-profile
workflow/profiles/slurm quickstart`, on a small slice of the quickstart, cancels one of its jobs
with `scancel` while it runs, and checks that Snakemake notices, resubmits it and completes with
outputs bit-identical to a local run of the same slice. Marked `slurm` (not in the default run:
`python -m pytest -m slurm`) and skipped when no cluster answers `sinfo`. A local test cluster:
`scripts/slurm-cluster.sh start`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def tiny_config(path: Path) -> Path:
    """The slice both runs build: one digit, both models, one seed, one epoch, 12 samples.

    Eight cluster jobs (two trainings, the feature classifier, two samplings, the reference
    features, two scorings); tables, figures and claims run on the submitting host.
    """
    config = {
        "paper_results_dir": str(SHARED / "paper_results"),
        "metrics": {"classifier_epochs": 1},
        "models": {"quantum": {"family": "ddpm", "denoiser": {"name": "s1_unet", "bottleneck": "quantum"},
                               "quantum": {"circuit": "s1_paper", "circuit_params": {"n_qubits": 4, "n_layers": 1}}}},
        "targets": {"quickstart": ["quickstart"]},  # S1's slice only, not every study's smoke run
        "experiments": {"quickstart": {
            "study": "s1", "dataset": "digits", "classes": [0], "models": ["classical", "quantum"], "seeds": [0],
            "paper_table": "chen2025_table1_mnist",
            "training": {"epochs": 1}, "diffusion": {"timesteps": 10},
            "sampling": {"n_samples": 12},
            "scoring": {"features": "classifier", "paper_features": "classifier", "sample_size_study": {"class": None}},
        }},
    }
    path.write_text(yaml.safe_dump(config))
    return path


PROFILE = REPO / "workflow" / "profiles" / "slurm"
# The README's cluster command is `snakemake {CLUSTER_OPTIONS} quickstart`, from the repository root.
CLUSTER_OPTIONS = f"--workflow-profile {PROFILE}"
RUNS = [("0", "classical", "0"), ("0", "quantum", "0")]  # (class, model, seed), as in tiny_config
LOCAL_TIMEOUT = 900  # s
CLUSTER_TIMEOUT = 1200  # s; a broken status check shows as a hang, so the run is bounded


def _is_wall_time(metric: object) -> bool:
    """Measured wall times (seconds per epoch or per image) differ per machine: not compared."""
    return str(metric).startswith("seconds")


def _reproducible(rows: list[dict]) -> list[dict]:
    """Score rows without measured wall times."""
    return [r for r in rows if not _is_wall_time(r.get("metric", ""))]


def snakemake_cmd(options: str, workdir: Path, config: Path) -> list[str]:
    """`snakemake {options} quickstart` as the README says, pointed at the repository's workflow,
    a temporary folder and the tiny config."""
    return ["snakemake", *options.split(), "quickstart", "-s", str(REPO / "workflow" / "Snakefile"),
            "-d", str(workdir), "--configfile", str(config)]


def squeue(*args: str) -> list[list[str]]:
    out = subprocess.run(["squeue", "--noheader", "--states=all", *args], capture_output=True, text=True,
                         timeout=30, check=True).stdout
    return [line.split("|") for line in out.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def cluster() -> None:
    if shutil.which("sinfo") is None:
        pytest.skip("no SLURM client (sinfo) here; a local test cluster: scripts/slurm-cluster.sh start")
    try:
        answer = subprocess.run(["sinfo", "--noheader", "--format=%T"], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.skip("sinfo does not answer within 30 s")
    if answer.returncode != 0 or not answer.stdout.strip():
        pytest.skip(f"no SLURM cluster answers sinfo: {answer.stderr.strip()[:300]}")
    if shutil.which("snakemake") is None:
        pytest.fail("snakemake is not on PATH")


def cancel_one_running_job(workdir: Path, proc: subprocess.Popen, deadline: float) -> tuple[str, str, tuple]:
    """scancel the first train (else sample) job of this run seen running its command.

    Returns its SLURM id, its rule and what it asked SLURM for: (CPUs, memory, time limit).
    """
    candidates = [(rule, f"rule_{rule}_wildcards_quickstart_digits_{c}_{m}_{s}", workdir / "logs" / rule /
                   "quickstart" / "digits" / c / m / f"seed{s}.log")
                  for rule in ("train", "sample") for c, m, s in reversed(RUNS)]
    tried: set[str] = set()
    while time.monotonic() < deadline and proc.poll() is None:
        jobs = {(comment, jobid): (state, (cpus, memory, limit))
                for jobid, state, comment, wd, cpus, memory, limit in squeue("--format=%i|%T|%k|%Z|%C|%m|%l")
                if Path(wd).resolve() == workdir.resolve()}
        for rule, comment, log in candidates:
            for (job_comment, jobid), (state, resources) in jobs.items():
                # Running, and its rule's command has started (it opened its log): mid-run.
                if job_comment == comment and state == "RUNNING" and jobid not in tried and log.exists():
                    tried.add(jobid)
                    subprocess.run(["scancel", jobid], check=True, timeout=30)
                    for _ in range(60):
                        final = squeue("--format=%T", "--jobs", jobid)
                        if final and final[0][0] in ("CANCELLED", "COMPLETED", "FAILED"):
                            break
                        time.sleep(0.5)
                    if final and final[0][0] == "CANCELLED":
                        return jobid, rule, resources
        time.sleep(0.3)
    raise AssertionError(f"no train or sample job could be cancelled while it ran (tried {sorted(tried)})")


@contextlib.contextmanager
def running(cmd: list[str], log_path: Path) -> Iterator[subprocess.Popen]:
    """A background process logging to a file; interrupted (as by Ctrl-C, so that Snakemake cancels
    its SLURM jobs), then killed, if the test leaves early."""
    with log_path.open("w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


@pytest.mark.slurm
def test_quickstart_slice_through_the_slurm_profile_matches_a_local_run_and_survives_scancel(
        tmp_path: Path, cluster: None) -> None:
    config = tiny_config(tmp_path / "tiny.yaml")
    local, remote = tmp_path / "local", tmp_path / "cluster"
    local.mkdir()
    remote.mkdir()

    # Both runs at once: the cluster run mostly waits (queue, status checks), the local run fills it.
    # The cluster run is the README's command; the test adds only its folders and its tiny config.
    started = time.monotonic()
    with running(snakemake_cmd("--cores 2", local, config), tmp_path / "local.log") as local_proc, \
            running(snakemake_cmd(CLUSTER_OPTIONS, remote, config), tmp_path / "cluster.log") as proc:
        jobid, rule, resources = cancel_one_running_job(remote, proc, started + CLUSTER_TIMEOUT)
        local_rc = local_proc.wait(timeout=max(1.0, started + LOCAL_TIMEOUT - time.monotonic()))
        local_s = time.monotonic() - started
        returncode = proc.wait(timeout=max(1.0, started + CLUSTER_TIMEOUT - time.monotonic()))
        cluster_s = time.monotonic() - started
    print(f"local run {local_s:.0f} s; cluster run {cluster_s:.0f} s (cancelled SLURM job {jobid}, rule {rule})")
    local_output = (tmp_path / "local.log").read_text()
    assert local_rc == 0, local_output[-6000:]
    output = (tmp_path / "cluster.log").read_text()
    assert returncode == 0, output[-6000:]
    assert "(100%) done" in output, output[-3000:]

    # Snakemake noticed the cancellation, and submitted the job again.
    assert f"SLURM-job '{jobid}' failed, SLURM status is: 'CANCELLED'" in output, output[-6000:]
    assert "Trying to restart job" in output, output[-6000:]
    # It asked SLURM for the profile's per-rule resources, with CPUs from the rule's threads (1).
    assert resources == {"train": ("1", "4000M", "4:00:00"), "sample": ("1", "4000M", "2:00:00")}[rule]
    # Downloads, tables and figures ran on the submitting host; the rest were SLURM jobs.
    submitted = set(re.findall(r"submitted with SLURM jobid \d+ \(log: \S*/slurm_logs/rule_(\w+)/", output))
    assert submitted == {"train", "sample", "score", "train_feature_classifier", "reference_features"}, submitted
    assert {"prepare_data", "table", "claims"} <= set(re.findall(r"^localrule (\w+):", output, re.M))

    # The same numbers as the local run, to the bit (CPU).
    for cls, model, seed in RUNS:
        run = Path("results/quickstart/digits") / cls / model / f"seed{seed}"
        with np.load(local / run / "samples.npz") as a, np.load(remote / run / "samples.npz") as b:
            assert sorted(a.files) == sorted(b.files)
            for key in a.files:
                assert a[key].dtype == b[key].dtype and a[key].tobytes() == b[key].tobytes(), (run, key)
        for name in ("losses.csv", "quantum_grads.csv"):
            assert (local / run / name).read_bytes() == (remote / run / name).read_bytes(), (run, name)
        local_scores = json.loads((local / run / "scores.json").read_text())
        remote_scores = json.loads((remote / run / "scores.json").read_text())
        assert _reproducible(local_scores["scores"]) == _reproducible(remote_scores["scores"]), run
        assert _reproducible(local_scores["scores"]), run
    table = Path("results/quickstart/tables/scores.csv")
    tables = [pd.read_csv(w / table) for w in (local, remote)]
    wall = [t["metric"].map(_is_wall_time) for t in tables]
    assert all(w.any() for w in wall)  # wall times recorded
    kept = [t[~w].reset_index(drop=True) for t, w in zip(tables, wall)]
    pd.testing.assert_frame_equal(kept[0], kept[1])
    assert (remote / "results/claims/quickstart.md").exists()


def test_slurm_profile_keeps_rule_threads_and_queries_job_states_with_squeue() -> None:
    profile = yaml.safe_load((PROFILE / "config.yaml").read_text())
    assert profile["executor"] == "slurm"
    assert profile["slurm-status-command"] == "squeue"  # sacct hangs without accounting, misses scancel
    # squeue sees a finished job for MinJobAge (SLURM's default 300 s); below 3x the first check
    # interval the plugin silently goes back to sacct.
    assert 3 * profile["slurm-init-seconds-before-status-checks"] <= 300
    for resources in [profile["default-resources"], *profile["set-resources"].values()]:
        assert "cpus_per_task" not in resources  # it would override every rule's threads
    assert profile["retries"] >= 1


def test_readme_cluster_section_is_what_ci_and_the_slurm_test_run() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Cluster (SLURM)", 1)[1].split("\n## ", 1)[0]
    commands = [line.split("  #")[0].strip() for block in re.findall(r"```bash\n(.*?)```", section, re.S)
                for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert f"snakemake {CLUSTER_OPTIONS.replace(str(REPO) + '/', '')} quickstart" in commands
    ci = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    for command in ("python -m pip install -e \".[full,test,cluster]\"", "scripts/slurm-cluster.sh install",
                    "scripts/slurm-cluster.sh start", "python -m pytest -m slurm"):
        assert command in commands and command in ci, command
    assert any("scripts/slurm-cluster.sh stop" in line for line in ci)
