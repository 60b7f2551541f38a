"""S2's VQ-VAE and its PixelCNN prior (a run that requires the trained VQ-VAE)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from qgen.errors import QgenError
from qgen.families import Batch, Reconstructs
from qgen.models.pixelcnn import GatedPixelCNN
from qgen.runs import load_run, read_record
from s2_helpers import DATA, adam_steps, build, digits, fixed_losses, job, states_equal

SMALL_PRIOR = {"channels": 16, "layers": 3}


@pytest.mark.parametrize("ema", [False, True])
def test_shapes_losses_and_codebook_usage(ema: bool) -> None:
    vq = build("vqvae", {"ema_codebook": ema})
    images, _ = digits(8)
    assert isinstance(vq, Reconstructs) and vq.code_shape == (7, 7) and vq.codebook_size == 512
    codes = vq.encode_codes(images)
    assert codes.shape == (8, 7, 7) and codes.dtype == torch.long and 0 <= codes.min() and codes.max() < 512
    for out in (vq.reconstruct(images), vq.decode_codes(codes)):
        assert out.shape == (8, 1, 28, 28) and out.min() >= -1 and out.max() <= 1
    losses = vq.losses("vqvae", Batch(images, torch.zeros(8)), torch.Generator())
    assert set(losses) == {"loss", "reconstruction", "codebook", "commitment", "perplexity", "codebook_usage"}
    assert 1 <= losses["perplexity"] <= 512 and 0 < losses["codebook_usage"] <= 1
    usage = vq.codebook_usage(images, batch_size=3)
    assert set(usage) == {"n_used", "usage", "perplexity"} and usage["usage"] == usage["n_used"] / 512
    assert 1 <= usage["perplexity"] <= usage["n_used"] + 1e-9
    codebook_params = vq.parameter_blocks()["codebook"]
    assert codebook_params == (0 if ema else 512 * 64)  # an EMA codebook is a buffer, not trained by Adam


@pytest.mark.parametrize("ema", [False, True])
def test_loss_falls_on_real_digits(ema: bool) -> None:
    vq = build("vqvae", {"ema_codebook": ema})
    train, _ = digits(192)
    held_out, _ = digits(64, offset=1000)
    before = fixed_losses(vq, held_out)["vqvae"]
    codebook = vq.quantizer.embedding.detach().clone()
    adam_steps(vq, train, steps=12, lr=1e-3, batch_size=32)
    after = fixed_losses(vq, held_out)["vqvae"]
    assert after["reconstruction"] < 0.7 * before["reconstruction"], (before, after)
    assert not torch.equal(codebook, vq.quantizer.embedding)  # moved by the codebook loss or by EMA
    if ema:  # eval mode leaves an EMA codebook alone
        frozen = vq.quantizer.embedding.clone()
        fixed_losses(vq, held_out)
        assert torch.equal(frozen, vq.quantizer.embedding)


@pytest.mark.parametrize("ema", [False, True])
def test_dead_code_restarts_revive_the_codebook(ema: bool) -> None:
    train, _ = digits(96)
    plain = build("vqvae", {"ema_codebook": ema})
    restarting = build("vqvae", {"ema_codebook": ema, "dead_code_threshold": 1.0})
    adam_steps(plain, train, 3, 1e-3)
    adam_steps(restarting, train, 3, 1e-3)
    # unused codes restart on encoder outputs at once: many more codes in use
    assert restarting.codebook_usage(train)["n_used"] > 4 * plain.codebook_usage(train)["n_used"]
    with pytest.raises(ValueError, match="generator"):
        restarting.quantizer(torch.zeros(1, 64, 7, 7))


def test_same_seed_gives_identical_training() -> None:
    train, _ = digits(64)
    settings = {"ema_codebook": True, "dead_code_threshold": 1.0}  # restarts draw from the rng
    a, b = build("vqvae", settings, seed=4), build("vqvae", settings, seed=4)
    assert adam_steps(a, train, 2, 1e-3) == adam_steps(b, train, 2, 1e-3)
    assert states_equal(a.state_dict(), b.state_dict())


def test_vqvae_alone_does_not_sample_and_bad_settings_fail() -> None:
    with pytest.raises(QgenError, match="vqvae_prior"):
        build("vqvae").sample(2, torch.Generator())
    with pytest.raises(QgenError, match="codebook_sise"):
        build("vqvae", {"codebook_sise": 256})


def test_pixelcnn_is_causal_in_raster_order() -> None:
    torch.manual_seed(0)
    net = GatedPixelCNN(n_codes=10, channels=8, n_layers=4, kernel=3, first_kernel=5)
    codes = torch.randint(0, 10, (1, 6, 6), generator=torch.Generator().manual_seed(1))
    base = net(codes)
    for i, j in [(0, 0), (2, 3), (3, 0), (5, 5)]:
        changed = codes.clone()
        changed[0, i, j] = (changed[0, i, j] + 1) % 10
        diff = (net(changed) - base).abs().amax(dim=1)[0]
        flat = diff.flatten()
        position = i * 6 + j
        assert flat[: position + 1].max() == 0  # no position up to and including (i, j) sees it
        if position < 35:
            assert flat[position + 1] > 0  # the next one does


def test_prior_requires_a_vqvae_and_its_loss_falls() -> None:
    with pytest.raises(ValueError, match="vqvae"):
        build("vqvae_prior", SMALL_PRIOR)
    with pytest.raises(ValueError, match="not a VQ-VAE"):
        build("vqvae_prior", SMALL_PRIOR, requires={"vqvae": build("vae")})
    vq = build("vqvae")
    train, _ = digits(128)
    adam_steps(vq, train, steps=4, lr=1e-3)
    prior = build("vqvae_prior", SMALL_PRIOR, requires={"vqvae": vq})
    # the VQ-VAE stays frozen and out of the prior's parameters and state
    assert not any(k.startswith("_required") or "quantizer" in k for k in prior.state_dict())
    frozen = {k: v.clone() for k, v in vq.state_dict().items()}
    before = fixed_losses(prior, train[:64])["prior"]
    adam_steps(prior, train, steps=10, lr=1e-3)
    after = fixed_losses(prior, train[:64])["prior"]
    assert after["loss"] < before["loss"] and set(after) == {"loss", "bits_per_code"}
    assert states_equal(frozen, vq.state_dict())
    out = prior.sample(3, torch.Generator().manual_seed(0))
    assert out.shape == (3, 1, 28, 28) and out.min() >= -1 and out.max() <= 1
    assert torch.equal(out, prior.sample(3, torch.Generator().manual_seed(0)))


def test_prior_trains_after_the_vqvae_run_and_resumes_bit_identically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qgen.sample import sample
    from qgen.training import CHECKPOINT, TrainingData, train

    images, labels = digits(48)
    data = TrainingData(images, labels, DATA)
    vq_job = job("vqvae", {"ema_codebook": True, "dead_code_threshold": 1.0}, epochs=1, batch_size=16, ema_decay=0.9)
    vq_path = train(vq_job, data, seed=0, outdir=tmp_path / "vqvae", progress=False)
    assert "codebook_usage" in pd.read_csv(tmp_path / "vqvae" / "epochs.csv").columns

    prior_job = job("vqvae_prior", SMALL_PRIOR, requires={"vqvae": "vqvae"}, epochs=2, batch_size=16)
    requires = {"vqvae": vq_path}
    straight = train(prior_job, data, seed=1, outdir=tmp_path / "straight", requires=requires, progress=False)

    calls = {"n": 0}
    real_step = torch.optim.Adam.step

    def dying_step(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3 + 2:  # 3 steps per epoch: die inside epoch 2
            raise KeyboardInterrupt
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", dying_step)
    outdir = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        train(prior_job, data, seed=1, outdir=outdir, requires=requires, progress=False)
    assert (outdir / CHECKPOINT).exists()
    monkeypatch.setattr(torch.optim.Adam, "step", real_step)
    resumed = train(prior_job, data, seed=1, outdir=outdir, requires=requires, progress=False)
    assert states_equal(read_record(straight)["state"], read_record(resumed)["state"])
    assert pd.read_csv(outdir / "losses.csv").equals(pd.read_csv(tmp_path / "straight" / "losses.csv"))

    # the prior's run file carries the VQ-VAE's record: sampling rebuilds both from it alone
    record = read_record(resumed)
    assert set(record["required"]) == {"vqvae"} and not any("pixelcnn" not in k for k in record["state"])
    assert json.loads((outdir / "train.json").read_text())["requires"] == {"vqvae": str(vq_path)}
    family, _ = load_run(resumed)
    assert family.vqvae.codebook_size == 512
    a = np.load(sample(resumed, tmp_path / "a.npz", {"n_samples": 3, "batch_size": 2}, progress=False))["images"]
    b = np.load(sample(straight, tmp_path / "b.npz", {"n_samples": 3, "batch_size": 2}, progress=False))["images"]
    assert a.shape == (3, 28, 28, 1) and a.dtype == np.uint8 and np.array_equal(a, b)
