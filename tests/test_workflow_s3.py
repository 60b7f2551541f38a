"""S3's DAG: the `s3` target plans every model, the latent diffusion runs require their
autoencoder run, and a hardware-noise level is a sampling-time axis (no training job)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from conftest import SHIPPED_CONFIGS
from test_workflow import SHARED, planned_jobs, snakemake

MODELS = ["s3_vae", "s3_qvae", "s3_qvae_twin", "s3_ld", "s3_ld_large", "s3_qld", "s3_qld_twin"]
LATENT_DIFFUSION = ["s3_ld", "s3_ld_large", "s3_qld", "s3_qld_twin"]


def _jobs(output: str, rule: str) -> list[dict[str, str]]:
    """The planned jobs of one rule: their input line and wildcards, parsed from a dry run."""
    jobs = []
    for block in re.split(r"\n(?=\[[^\]]+\]\n)", output):
        if not re.search(rf"^(local)?rule {rule}:$", block, re.M):
            continue
        inputs = re.search(r"^\s+input: (.*)$", block, re.M)
        wildcards = re.search(r"^\s+wildcards: (.*)$", block, re.M)
        jobs.append({
            "input": inputs[1] if inputs else "",
            **dict(kv.split("=", 1) for kv in wildcards[1].split(", ")),
        })
    return jobs


def _paths(tmp_path: Path, **extra: object) -> Path:
    path = tmp_path / "paths.yaml"
    path.write_text(yaml.safe_dump({"paper_results_dir": str(SHARED / "paper_results"), **extra}))
    return path


def test_all_and_quickstart_include_s3() -> None:
    from qgen.config import load_config, target_experiments

    config = load_config(*SHIPPED_CONFIGS)
    assert {"s3_retina", "s3_retina_64"} <= set(target_experiments(config, "all"))
    assert "quickstart_s3" in target_experiments(config, "quickstart")
    assert config["experiments"]["quickstart_s3"]["dataset"] == "retina_standin"  # offline


def test_dry_run_of_s3_plans_every_model_and_ld_requires_its_autoencoder(tmp_path: Path) -> None:
    out = snakemake(tmp_path, "-n", "--cores", "8", "s3", configs=(_paths(tmp_path),)).stdout
    jobs = planned_jobs(out)
    # 28 and 64 px x 7 models x 3 seeds, plus the ansatz axis (2 circuits x the quantum
    # denoiser and its twin x 3 seeds). Noise levels train nothing.
    assert jobs["train"] == 2 * 7 * 3 + 2 * 2 * 3
    # ... but sample and score: 3 depolarizing + 3 amplitude damping + 2 shot counts, for the
    # quantum VAE and the quantum denoiser, 3 seeds
    assert jobs["sample"] == jobs["score"] == jobs["train"] + 8 * 2 * 3
    assert jobs["fit_validator"] == 2 * 2  # quality and grade_confidence, once per dataset
    assert jobs["prepare_data"] == 2 and jobs["claims"] == 1 and jobs["figure_noise"] == 1
    assert jobs["figure_trainability"] == 1  # the sweep base's only
    # training figures for the experiments that train: 2 bases and the 2 ansatz members (whose
    # circuit figure is the quantum denoiser's), none for the 8 noise members
    assert jobs["figure_losses"] == jobs["figure_quantum_grads"] == 4
    assert jobs["figure_circuit"] == 2 * 2 + 2
    assert jobs["table"] == 2 + 2 + 8

    trains = _jobs(out, "train")
    assert len(trains) == jobs["train"]
    for job in trains:
        autoencoder = (f"results/s3_retina/{job['dataset']}/all/s3_vae/seed{job['seed']}/model.pt"
                       if job["experiment"].startswith("s3_retina__") or job["experiment"] == "s3_retina"
                       else f"results/{job['experiment']}/{job['dataset']}/all/s3_vae/seed{job['seed']}/model.pt")
        if job["model"] in LATENT_DIFFUSION:
            assert autoencoder in job["input"], job  # the ansatz members reuse the base's autoencoder
        else:
            assert "model.pt" not in job["input"], job
    # a noise member samples the base's trained run
    noisy = [j for j in _jobs(out, "sample") if j["experiment"] == "s3_retina__depolarizing-0.01"]
    assert sorted({j["model"] for j in noisy}) == ["s3_qld", "s3_qvae"] and len(noisy) == 2 * 3
    for job in noisy:
        assert f"results/s3_retina/retinamnist/all/{job['model']}/seed{job['seed']}/model.pt" in job["input"]


def test_a_new_noise_level_plans_sampling_and_scoring_never_training(tmp_path: Path) -> None:
    def plan(*configs: Path) -> dict[str, int]:
        return planned_jobs(snakemake(tmp_path, "-n", "--cores", "2", "quickstart_s3", configs=configs).stdout)

    base = plan(_paths(tmp_path))
    assert base["train"] == 7 and base["sample"] == 7 + 2 * 2  # one depolarizing level, one shot count
    overlay = tmp_path / "noise.yaml"
    overlay.write_text(yaml.safe_dump({"experiments": {"quickstart_s3": {"sweep": {"amplitude_damping": {
        "set": "sampling.quantum.noise.amplitude_damping", "values": [0.05], "models": ["s3_qvae", "s3_qld"]}}}}}))
    more = plan(_paths(tmp_path), overlay)
    assert more["train"] == base["train"]
    assert more["sample"] == more["score"] == base["sample"] + 2
    assert more["table"] == base["table"] + 1
