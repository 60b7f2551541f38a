"""S3's latent diffusion family: S1's schedule and sampler in a frozen autoencoder's latent map,
with a classical, larger classical, quantum (quantum residual block) or twin denoiser."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from qgen.diffusion import NoiseSchedule, ddpm_sample, respace, respaced_steps
from qgen.families.base import QuantumSpec
from qgen.models import LatentDenoiser, denoiser_problems
from qgen.runs import load_run, read_record
from conftest import SHIPPED_CONFIGS
from s2_helpers import adam_steps, build, digits, fixed_losses, job, states_equal

# Small enough for 2 shared cores: a 4-qubit, 2-layer strongly entangling circuit (24 weights).
QUANTUM = {"circuit": "strongly_entangling", "circuit_params": {"n_qubits": 4, "n_layers": 2}}
# S3's autoencoder shape (config/s3.yaml): convs with strides 2/2/1 to a 4 x 7 x 7 latent map.
MAP_VAE = {"latent": "map", "latent_channels": 4, "strides": [2, 2, 1], "decoder_strides": [2, 2, 1],
           "widths": [8, 16, 16]}
DIFFUSION = {"timesteps": 20, "schedule": "cosine", "timestep_sampling": "uniform", "clip_x0": True}
DENOISERS = {
    "classical": ({"name": "latent_resnet", "width": 16, "blocks": 2, "time_dim": 16, "residual": "none"}, None),
    "quantum": ({"name": "latent_resnet", "width": 16, "blocks": 2, "time_dim": 16, "residual": "quantum"}, QUANTUM),
    "twin": ({"name": "latent_resnet", "width": 16, "blocks": 2, "time_dim": 16, "residual": "twin"}, QUANTUM),
}


def ld_settings(variant: str, **extra: object) -> tuple[dict, dict | None]:
    denoiser, quantum = DENOISERS[variant]
    return {"denoiser": dict(denoiser), "diffusion": dict(DIFFUSION), **extra}, quantum


def n_trainable(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


@pytest.fixture(scope="module")
def autoencoder():
    vae = build("vae", MAP_VAE)
    train, _ = digits(96)
    adam_steps(vae, train, steps=3, lr=1e-3)
    vae.eval()
    return vae


def test_map_vae_and_its_quantum_residual_variants() -> None:
    images, _ = digits(4)
    rng = torch.Generator().manual_seed(0)
    for residual, quantum in (("none", None), ("quantum", QUANTUM), ("twin", QUANTUM)):
        vae = build("vae", {**MAP_VAE, "residual": residual}, quantum)
        assert vae.latent_shape == (4, 7, 7) and vae.encode(images).shape == (4, 4, 7, 7)
        out = vae.sample(3, rng)
        assert out.shape == (3, 1, 28, 28) and out.min() >= -1 and out.max() <= 1
    qvae = build("vae", {**MAP_VAE, "residual": "quantum"}, QUANTUM)
    twin = build("vae", {**MAP_VAE, "residual": "twin"}, QUANTUM)
    assert n_trainable(qvae) == n_trainable(twin)
    assert qvae.parameter_blocks()["core"] == twin.parameter_blocks()["core"] == 2 * 24  # encoder and decoder
    with pytest.raises(ValueError, match="one circuit block"):
        build("vae", {**MAP_VAE, "residual": "quantum", "attention": "quantum"}, QUANTUM)


@pytest.mark.parametrize("variant", sorted(DENOISERS))
def test_trains_a_few_steps_and_samples_images_in_range(variant: str, autoencoder) -> None:
    settings, quantum = ld_settings(variant)
    model = build("latent_diffusion", settings, quantum, requires={"autoencoder": autoencoder})
    train, _ = digits(128)
    model.data_init(train)
    assert torch.isfinite(model.latent_scale) and model.latent_scale > 0
    # x0 is clipped to the range of the scaled training latents (the pixel [-1, 1] of latents)
    assert torch.isclose(model.latent_bound, model.latents(train[:512]).abs().max())
    frozen = {k: v.clone() for k, v in autoencoder.state_dict().items()}
    # the autoencoder stays frozen and out of the family's parameters and state
    assert not any(k.startswith(("_required", "encoder", "decoder")) for k in model.state_dict())
    assert list(model.optimiser_groups()) == ["denoiser"]
    before = fixed_losses(model, train[:64])["denoiser"]["loss"]
    adam_steps(model, train, steps=25, lr=2e-3, batch_size=32, clip=1.0)
    after = fixed_losses(model, train[:64])["denoiser"]["loss"]
    assert after < before, (before, after)
    assert states_equal(frozen, autoencoder.state_dict())
    model.eval()
    out = model.sample(3, torch.Generator().manual_seed(0))
    assert out.shape == (3, 1, 28, 28) and out.min() >= -1 and out.max() <= 1 and torch.isfinite(out).all()
    assert torch.equal(out, model.sample(3, torch.Generator().manual_seed(0)))  # deterministic per seed
    model.configure_sampling({"steps": 5})
    assert model.sample(2, torch.Generator().manual_seed(0)).shape == (2, 1, 28, 28)


def test_twin_denoiser_has_the_quantum_denoisers_parameter_count(autoencoder) -> None:
    counts = {}
    for variant in ("classical", "quantum", "twin"):
        settings, quantum = ld_settings(variant)
        model = build("latent_diffusion", settings, quantum, requires={"autoencoder": autoencoder})
        counts[variant] = n_trainable(model)
        blocks = model.parameter_blocks()
        assert blocks["total"] == counts[variant]  # the frozen autoencoder is not counted
    assert counts["twin"] == counts["quantum"] > counts["classical"]
    quantum = build("latent_diffusion", *ld_settings("quantum"), requires={"autoencoder": autoencoder})
    blocks = quantum.parameter_blocks()
    assert blocks["core"] == 24  # the circuit's weights
    assert counts["quantum"] - counts["classical"] == blocks["core"] + blocks["residual_io"]


def test_shipped_denoisers_twin_matches_and_larger_is_at_least_twice_the_quantum_one() -> None:
    """config/s3.yaml's denoisers at their shipped sizes (8 qubits, 3 layers: 72 weights)."""
    from qgen.config import load_config, resolved_model

    config = load_config(*SHIPPED_CONFIGS)
    counts = {}
    for name in ("s3_ld", "s3_ld_large", "s3_qld", "s3_qld_twin"):
        resolved = resolved_model(config, "s3_retina", name)
        options = dict(resolved["settings"]["denoiser"])
        options.pop("name")
        quantum = QuantumSpec.from_config(resolved["quantum"])
        counts[name] = n_trainable(LatentDenoiser(channels=4, quantum=quantum, **options))
    assert counts["s3_qld_twin"] == counts["s3_qld"]
    assert counts["s3_ld_large"] >= 2 * counts["s3_qld"] > 2 * counts["s3_ld"]


def test_autoencoder_and_denoiser_are_checked() -> None:
    settings, quantum = ld_settings("classical")
    with pytest.raises(ValueError, match="latent map"):
        build("latent_diffusion", settings, quantum, requires={"autoencoder": build("vae")})  # a vector latent
    assert denoiser_problems({"name": "nope"}) and denoiser_problems({"name": "latent_resnet", "widht": 3})
    assert denoiser_problems({"name": "latent_resnet", "width": 8}) == []
    with pytest.raises(ValueError, match="quantum block"):
        LatentDenoiser(residual="quantum")


def test_respacing_keeps_both_ends_and_all_steps_is_the_original_sampler() -> None:
    assert respaced_steps(1000, 10).tolist()[0] == 0 and respaced_steps(1000, 10).tolist()[-1] == 999
    assert len(respaced_steps(1000, 10)) == 10
    schedule = NoiseSchedule.from_name("cosine", 20)
    same, kept = respace(schedule, 20)
    assert torch.equal(kept, torch.arange(20)) and torch.allclose(same.alpha_bars, schedule.alpha_bars)
    short, kept = respace(schedule, 5)
    assert torch.allclose(short.alpha_bars, schedule.alpha_bars[kept])
    with pytest.raises(ValueError):
        respaced_steps(20, 21)
    model = lambda x, t: torch.zeros_like(x)  # noqa: E731
    wild = lambda x, t: torch.full_like(x, 50.0)  # noqa: E731  (a very wrong noise estimate)
    for clip, bound in ((True, 1.0), (2.5, 2.5)):
        out = ddpm_sample(wild, schedule, (2, 1, 3, 3), torch.Generator().manual_seed(0), clip_x0=clip)
        assert out.abs().max() <= bound
    assert ddpm_sample(wild, schedule, (2, 1, 3, 3), torch.Generator().manual_seed(0), clip_x0=False).abs().max() > 2.5


def test_trains_after_its_autoencoder_run_and_samples_bit_identically(tmp_path: Path) -> None:
    """Through the generic trainer and sampler: the latent diffusion run loads its autoencoder
    run, saves latent_scale with its weights, samples the same images twice; sampling its
    circuit under noise changes only the circuit's executor (the trained weights stay)."""
    from qgen.families import DataSpec
    from qgen.sample import sample
    from qgen.training import TrainingData, train

    images, labels = digits(48)
    data = TrainingData(images, labels, DataSpec(channels=1, size=28, n_classes=10))
    vae_path = train(job("vae", MAP_VAE, epochs=1, batch_size=16), data, seed=0, outdir=tmp_path / "vae",
                     progress=False)
    settings, quantum = ld_settings("quantum")
    ld_job = job("latent_diffusion", settings, quantum, requires={"autoencoder": "vae"}, epochs=2, batch_size=16)
    requires = {"autoencoder": vae_path}
    runs = [train(ld_job, data, seed=1, outdir=tmp_path / f"ld{i}", requires=requires, progress=False)
            for i in range(2)]
    a, b = (read_record(r) for r in runs)
    assert states_equal(a["state"], b["state"]) and {"latent_scale", "latent_bound"} <= set(a["state"])
    assert set(a["required"]) == {"autoencoder"}
    assert json.loads((tmp_path / "ld0" / "train.json").read_text())["requires"] == {"autoencoder": str(vae_path)}
    family, _ = load_run(runs[0])
    assert torch.isfinite(family.latent_scale) and family.latent_shape == (4, 7, 7)

    sampling = {"n_samples": 3, "batch_size": 2, "steps": 5}
    x = np.load(sample(runs[0], tmp_path / "x.npz", sampling, progress=False))["images"]
    y = np.load(sample(runs[1], tmp_path / "y.npz", sampling, progress=False))["images"]
    assert x.shape == (3, 28, 28, 1) and x.dtype == np.uint8 and np.array_equal(x, y)
    noisy = {**sampling, "quantum": {"noise": {"depolarizing": 0.05}}}
    z = np.load(sample(runs[0], tmp_path / "z.npz", noisy, progress=False))["images"]
    record = json.loads((tmp_path / "z.json").read_text())
    assert z.shape == x.shape and record["seconds_per_image"] > 0
    assert [c["circuit"] for c in record["circuits_at_sampling"]] == ["strongly_entangling"]
    z2 = np.load(sample(runs[0], tmp_path / "z2.npz", noisy, progress=False))["images"]
    assert np.array_equal(z, z2)
