"""S2's GAN family: the GAN, the quantum GAN (circuit noise map) and its classical twin."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import torch

from qgen.errors import QgenError
from qgen.families import Batch
from qgen.runs import load_run, read_record
from s2_helpers import QUANTUM, QUANTUM_8, adam_steps, build, digits, fixed_losses, job, states_equal

VARIANTS = {
    "gan": ({"noise_map": "none"}, None),
    "qgan": ({"noise_map": "quantum"}, QUANTUM),
    "qgan_twin": ({"noise_map": "twin"}, QUANTUM),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_shapes_groups_and_losses(variant: str) -> None:
    settings, quantum = VARIANTS[variant]
    gan = build("gan", settings, quantum)
    groups = gan.optimiser_groups()
    assert list(groups) == ["discriminator", "generator"]  # the order the trainer steps them
    d_ids, g_ids = {id(p) for p in groups["discriminator"]}, {id(p) for p in groups["generator"]}
    assert not d_ids & g_ids and d_ids | g_ids == {id(p) for p in gan.parameters()}
    if gan.noise_map is not None:
        assert {id(p) for p in gan.noise_map.parameters()} <= g_ids
    images, _ = digits(5)
    rng = torch.Generator().manual_seed(0)
    d = gan.losses("discriminator", Batch(images, torch.zeros(5)), rng)
    g = gan.losses("generator", Batch(images, torch.zeros(5)), rng)
    assert set(d) == {"loss", "d_real", "d_fake"} and set(g) == {"loss", "d_fake"}
    out = gan.sample(3, rng)
    assert out.shape == (3, 1, 28, 28) and out.min() >= -1 and out.max() <= 1
    a = gan.eval().sample(4, torch.Generator().manual_seed(7))
    assert torch.equal(a, gan.sample(4, torch.Generator().manual_seed(7)))  # all noise from rng


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_both_groups_step_and_the_discriminator_learns(variant: str) -> None:
    settings, quantum = VARIANTS[variant]
    gan = build("gan", settings, quantum)
    train, _ = digits(128)
    before = fixed_losses(gan, train[:64])
    initial = {k: v.clone() for k, v in gan.named_parameters()}
    adam_steps(gan, train, steps=8, lr=2e-4, batch_size=32, clip=1.0 if quantum else None)
    after = fixed_losses(gan, train[:64])
    assert after["discriminator"]["loss"] < before["discriminator"]["loss"], (before, after)
    moved = {k for k, v in gan.named_parameters() if not torch.equal(v, initial[k])}
    assert moved == set(initial)  # every parameter of both groups stepped, circuit weights included


@pytest.mark.parametrize("quantum", [QUANTUM, QUANTUM_8])
def test_twin_matches_the_circuits_parameter_count_exactly(quantum: dict) -> None:
    q = build("gan", {"noise_map": "quantum"}, quantum).parameter_blocks()
    t = build("gan", {"noise_map": "twin"}, quantum).parameter_blocks()
    p = quantum["circuit_params"]
    assert q["core"] == t["core"] == 2 * p["n_qubits"] * p["n_layers"]
    assert q == t
    plain = build("gan").parameter_blocks()
    assert plain["generator"] == q["generator"] and plain["discriminator"] == q["discriminator"]
    # the noise map: Linear(100, q) + circuit + Linear(q, 100)
    n = p["n_qubits"]
    assert q["noise_map_linear"] == (100 * n + n) + (n * 100 + 100)


def test_same_seed_same_generator_and_discriminator_across_variants() -> None:
    nets = [build("gan", s, q, seed=3) for s, q in VARIANTS.values()]
    for part in ("generator", "discriminator"):
        states = [getattr(n, part).state_dict() for n in nets]
        assert all(states_equal(states[0], s) for s in states[1:])


def test_bad_settings_fail_early() -> None:
    with pytest.raises(QgenError, match="noise_dimm"):
        build("gan", {"noise_dimm": 64})
    with pytest.raises(ValueError, match="quantum block"):
        build("gan", {}, QUANTUM)


def _gan_job(variant: str) -> dict:
    settings, quantum = VARIANTS[variant]
    return job("gan", settings, quantum, epochs=2, batch_size=16, lr=2e-4, betas=[0.5, 0.999],
               groups={"discriminator": {"lr": 2e-4}, "generator": {"lr": 2e-4}},
               grad_clip=1.0 if quantum else None, lr_schedule="cosine" if quantum else "constant",
               augment={"rotation": 10, "translate": 2}, drop_last=True)


@pytest.mark.parametrize("variant", ["gan", "qgan"])
def test_trainer_is_deterministic_and_resumes_both_optimisers_bit_identically(
    variant: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qgen.training import CHECKPOINT, TrainingData, train

    images, labels = digits(48)
    data = TrainingData(images, labels, build("gan").data)
    spec = _gan_job(variant)
    straight = train(spec, data, seed=0, outdir=tmp_path / "straight", progress=False)
    again = train(spec, data, seed=0, outdir=tmp_path / "again", progress=False)
    assert states_equal(read_record(straight)["state"], read_record(again)["state"])

    steps_per_epoch = 3  # 48 images, batch 16
    calls = {"n": 0}
    real_step = torch.optim.Adam.step

    def dying_step(self, *args, **kwargs):
        calls["n"] += 1
        # two optimiser steps per batch: die in the generator's step of epoch 2's first batch,
        # after the discriminator has already stepped
        if calls["n"] == 2 * steps_per_epoch + 2:
            raise KeyboardInterrupt
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", dying_step)
    outdir = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        train(spec, data, seed=0, outdir=outdir, progress=False)
    assert (outdir / CHECKPOINT).exists() and not (outdir / "model.pt").exists()
    monkeypatch.setattr(torch.optim.Adam, "step", real_step)
    resumed = train(spec, data, seed=0, outdir=outdir, progress=False)
    assert states_equal(read_record(straight)["state"], read_record(resumed)["state"])
    losses = pd.read_csv(outdir / "losses.csv")
    assert {"discriminator_loss", "generator_loss", "discriminator_d_real"} <= set(losses.columns)
    assert losses.equals(pd.read_csv(tmp_path / "straight" / "losses.csv"))
    family, _ = load_run(resumed)
    assert family.sample(2, torch.Generator().manual_seed(0)).shape == (2, 1, 28, 28)
