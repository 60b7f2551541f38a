"""S1's results pinned across the core's reshaping: a tiny run's samples and scores must stay
bit-identical to those of the code before families (commit 96eedfe), whose outputs are below."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import torch

from qgen.data import load_split, prepare_dataset
from qgen.evaluate import score_run
from qgen.metrics.classifier import train_feature_classifier
from qgen.sample import sample
from qgen.training import train
from qgen.training.data import training_data

DIFFUSION = {"timesteps": 20, "schedule": "cosine", "clip_x0": True, "timestep_sampling": "uniform"}
TRAINING = {"epochs": 2, "batch_size": 16, "lr": 1e-3, "ema_decay": 0.9, "checkpoint": "final_ema",
            "quantum_grad_diagnostics": True, "n_train_per_class": None, "data_seed": 0}
SCORING = {"protocols": ["paper", "standard"], "features": "classifier", "paper_features": "classifier",
           "paper_n_samples": 5, "paper_reals": "mixed", "paper_n_real": None, "n_real": None, "reference_split": "test"}
MODELS = {
    "classical": {"name": "classical", "family": "ddpm", "quantum": None, "requires": {},
                  "settings": {"denoiser": {"name": "s1_unet"}, "diffusion": DIFFUSION}},
    "quantum": {"name": "quantum", "family": "ddpm", "requires": {},
                "settings": {"denoiser": {"name": "s1_unet", "bottleneck": "quantum"}, "diffusion": DIFFUSION},
                "quantum": {"circuit": "s1_paper", "circuit_params": {"n_qubits": 16, "n_layers": 3},
                            "backend": {"name": "torch", "options": {}}}},
}
# Printed by the pre-reshape code for the same run (train digit 3 of sklearn's digits, seed 7).
PINNED = {
    "classical": ("9f087e4bd9e725ed878fc8d5905b77e23b5a3e67645185d21d8ec562384f2429",
                  {"paper/ssim": -0.009466125702544636, "paper/fid": 21.478999479852824,
                   "standard/fid": 22.464842176586572, "standard/kid": 1.9482654708170402,
                   "standard/ssim_nearest": 0.04306517504931231}),
    "quantum": ("82159aa620b8e13ed63967e30c7283a775e1cacedf42ea2a2cbcf68f0d726524",
                {"paper/ssim": -0.0076611857079764405, "paper/fid": 23.02049251059447,
                 "standard/fid": 23.681099441800036, "standard/kid": 2.133536753448251,
                 "standard/ssim_nearest": 0.042549130886357554}),
}


@pytest.mark.parametrize("model", ["classical", "quantum"])
def test_tiny_s1_run_is_bit_identical_to_the_code_before_families(model: str, tmp_path: Path) -> None:
    prepare_dataset("digits", tmp_path / "data")
    reals = load_split("digits", tmp_path / "data", "train")
    torch.set_num_threads(2)  # as the reference run trained its feature classifier (thread count changes sums)
    train_feature_classifier(reals.images, reals.labels, 10, seed=0, epochs=1, save_path=tmp_path / "clf.pt")
    job = {"experiment": "pin", "dataset": "digits", "train_on": "class", "classes": None,
           "training": TRAINING, "model": MODELS[model]}
    path = train(job, training_data(job, "3", tmp_path / "data"), 7, tmp_path / model, progress=False)
    images = np.load(sample(path, tmp_path / "samples.npz", {"n_samples": 12, "batch_size": 5}, progress=False))["images"]
    scores = score_run(SCORING, "digits", [3], 7, images, tmp_path / "data", {"classifier": tmp_path / "clf.pt"},
                       log=lambda _: None)
    digest, pinned = PINNED[model]
    assert hashlib.sha256(images.tobytes()).hexdigest() == digest
    values = {f"{s['protocol']}/{s['metric']}": s["value"] for s in scores}
    assert {k: values[k] for k in pinned} == pinned
