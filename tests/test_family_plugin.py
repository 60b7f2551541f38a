"""A new family takes one file plus config: a trivial family, defined here and not shipped, goes
through the generic trainer, sampler and scorer without any of them naming it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from qgen.data import load_split, prepare_dataset
from qgen.evaluate import score_run
from qgen.families import FAMILIES, Batch, Family
from qgen.metrics.classifier import train_feature_classifier
from qgen.runs import load_run
from qgen.sample import sample
from qgen.training import train
from qgen.training.data import training_data


class PixelGaussian(Family):
    """Each pixel an independent Gaussian: learned mean and log-sd by maximum likelihood."""

    options_schema = {"type": "object", "additionalProperties": False, "properties": {"init_log_sd": {"type": "number"}}}

    def __init__(self, settings, data, quantum=None, requires=None) -> None:
        super().__init__(settings, data, quantum, requires)
        self.mean = nn.Parameter(torch.zeros(data.shape))
        self.log_sd = nn.Parameter(torch.full(data.shape, float(settings.get("init_log_sd", 0.0))))

    def optimiser_groups(self):
        return {"pixels": [self.mean, self.log_sd]}

    def losses(self, group: str, batch: Batch, rng: torch.Generator) -> dict[str, torch.Tensor]:
        z = (batch.images - self.mean) / self.log_sd.exp()
        nll = (0.5 * z.pow(2) + self.log_sd).mean()
        return {"loss": nll, "mean_abs_error": (batch.images - self.mean).abs().mean().detach()}

    def sample(self, n: int, rng: torch.Generator, progress=None) -> torch.Tensor:
        noise = torch.randn((n, *self.data.shape), generator=rng).to(self.device)
        return (self.mean + self.log_sd.exp() * noise).clamp(-1, 1)


@pytest.fixture
def registered():
    FAMILIES.register("pixel_gaussian")(PixelGaussian)
    yield
    FAMILIES._items.pop("pixel_gaussian")


def test_a_family_defined_in_one_file_trains_samples_and_scores(registered, tmp_path: Path) -> None:
    prepare_dataset("digits", tmp_path / "data")
    job = {
        "experiment": "plugin", "dataset": "digits", "train_on": "all", "classes": list(range(10)),
        "training": {"epochs": 3, "batch_size": 64, "lr": 0.05, "ema_decay": None, "checkpoint": "final_ema",
                     "quantum_grad_diagnostics": True, "validation_split": "test"},
        "model": {"name": "pixels", "family": "pixel_gaussian", "settings": {"init_log_sd": -0.5},
                  "quantum": None, "requires": {}},
    }
    assert PixelGaussian.check_settings({"init_log_sd": -0.5}) == []
    assert PixelGaussian.check_settings({"init_log_sdd": 1})  # a typo is caught before any job
    path = train(job, training_data(job, "all", tmp_path / "data"), seed=0, outdir=tmp_path / "run", progress=False)
    losses = pd.read_csv(tmp_path / "run" / "losses.csv")
    assert list(losses.columns) == ["epoch", "step", "loss", "mean_abs_error"]
    assert losses["loss"].iloc[-5:].mean() < losses["loss"].iloc[:5].mean()  # it learns
    assert "val_loss" in pd.read_csv(tmp_path / "run" / "epochs.csv")
    family, record = load_run(path)
    assert isinstance(family, PixelGaussian) and record["job"]["model"]["family"] == "pixel_gaussian"

    images = np.load(sample(path, tmp_path / "s.npz", {"n_samples": 40, "batch_size": 16}, progress=False))["images"]
    assert images.shape == (40, 28, 28, 1) and images.dtype == np.uint8
    reals = load_split("digits", tmp_path / "data", "train")
    train_feature_classifier(reals.images, reals.labels, 10, epochs=1, save_path=tmp_path / "clf.pt")
    scoring = {"protocols": ["standard"], "features": "classifier", "n_real": None, "reference_split": "test"}
    scores = score_run(scoring, "digits", list(range(10)), 0, images, tmp_path / "data",
                       {"classifier": tmp_path / "clf.pt"}, log=lambda _: None)
    assert {"fid", "kid", "ssim_nearest"} <= {s["metric"] for s in scores}
