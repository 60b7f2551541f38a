"""Training and sampling: determinism, resume after a kill, outputs and provenance."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from qgen.sample import sample
from qgen.train import CHECKPOINT, load_trained, train


def _images(n: int = 20) -> torch.Tensor:
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(123)) * 2 - 1


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return torch.load(path, weights_only=False)["ema"]


def test_same_seed_gives_bit_identical_model_and_samples(tmp_path: Path, tiny_job: dict) -> None:
    a = train(tiny_job, _images(), seed=3, outdir=tmp_path / "a", progress=False)
    b = train(tiny_job, _images(), seed=3, outdir=tmp_path / "b", progress=False)
    c = train(tiny_job, _images(), seed=4, outdir=tmp_path / "c", progress=False)
    wa, wb, wc = _weights(a), _weights(b), _weights(c)
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert not all(torch.equal(wa[k], wc[k]) for k in wa)
    sa = np.load(sample(a, tmp_path / "a.npz", 3, 2, progress=False))["images"]
    sb = np.load(sample(b, tmp_path / "b.npz", 3, 2, progress=False))["images"]
    assert sa.shape == (3, 28, 28, 1) and sa.dtype == np.uint8
    assert np.array_equal(sa, sb)


def test_killed_job_resumes_from_its_epoch_checkpoint(tmp_path: Path, tiny_job: dict, monkeypatch) -> None:
    straight = train(tiny_job, _images(), seed=0, outdir=tmp_path / "straight", progress=False)

    steps_per_epoch = 3  # 20 images, batch 8
    calls = {"n": 0}
    real_step = torch.optim.Adam.step

    def dying_step(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == steps_per_epoch + 2:  # killed inside the second epoch
            raise KeyboardInterrupt
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", dying_step)
    outdir = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        train(tiny_job, _images(), seed=0, outdir=outdir, progress=False)
    assert (outdir / CHECKPOINT).exists() and not (outdir / "model.pt").exists()
    monkeypatch.setattr(torch.optim.Adam, "step", real_step)

    resumed = train(tiny_job, _images(), seed=0, outdir=outdir, progress=False)
    ws, wr = _weights(straight), _weights(resumed)
    assert all(torch.equal(ws[k], wr[k]) for k in ws)
    assert not (outdir / CHECKPOINT).exists()
    losses = pd.read_csv(outdir / "losses.csv")
    assert list(losses.columns) == ["epoch", "step", "loss"] and len(losses) == 2 * steps_per_epoch
    assert losses.equals(pd.read_csv(tmp_path / "straight" / "losses.csv"))


def test_outputs_carry_provenance_and_quantum_gradients(tmp_path: Path, tiny_job: dict) -> None:
    path = train(tiny_job, _images(), seed=1, outdir=tmp_path, progress=False)
    record = json.loads((tmp_path / "train.json").read_text())
    assert record["seed"] == 1 and record["config"]["model"] == tiny_job["model"]
    assert {"qgen_version", "git_commit", "torch_version", "created_utc"} <= set(record)
    grads = pd.read_csv(tmp_path / "quantum_grads.csv")
    assert set(grads["epoch"]) == {1, 2} and len(grads) == 2 * 2 * 4  # epochs x layers x qubits
    # S1's RZ weights cannot change <Z_i>: their gradients are round-off (SPEC.md).
    assert grads["max_abs_grad"].max() < 1e-6
    model, meta = load_trained(path)
    assert meta["image_shape"] == (1, 28, 28) and not model.training


def test_min_batch_loss_keeps_the_best_epoch(tmp_path: Path, tiny_job: dict) -> None:
    tiny_job["training"]["checkpoint"] = "min_batch_loss"
    tiny_job["training"]["epochs"] = 3
    train(tiny_job, _images(), seed=2, outdir=tmp_path, progress=False)
    losses = pd.read_csv(tmp_path / "losses.csv")
    last = losses.groupby("epoch")["loss"].last()
    record = json.loads((tmp_path / "train.json").read_text())
    assert record["selected_checkpoint"] == "min_batch_loss"
    assert record["selected_epoch"] == int(last.idxmin())
