"""S2's VAE family: the VAE, the quantum attention VAE and its classical twin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from qgen.errors import QgenError
from qgen.families import Reconstructs
from qgen.runs import load_run
from s2_helpers import QUANTUM, adam_steps, build, digits, fixed_losses, job, states_equal

VARIANTS = {
    "vae": ({"attention": "none"}, None),
    "qvae": ({"attention": "quantum"}, QUANTUM),
    "qvae_twin": ({"attention": "twin"}, QUANTUM),
    "qvae_probs": ({"attention": "quantum", "attention_weighting": "probs"}, QUANTUM),
    "qvae_twin_probs": ({"attention": "twin", "attention_weighting": "probs"}, QUANTUM),
    "qvae_sigmoid": ({"attention": "quantum", "attention_activation": "sigmoid"}, QUANTUM),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_shapes_ranges_and_interfaces(variant: str) -> None:
    settings, quantum = VARIANTS[variant]
    vae = build("vae", settings, quantum)
    images, _ = digits(6)
    rng = torch.Generator().manual_seed(0)
    assert isinstance(vae, Reconstructs) and list(vae.optimiser_groups()) == ["vae"]
    assert vae.encode(images).shape == (6, 32)
    for out in (vae.reconstruct(images), vae.decode(torch.zeros(2, 32)), vae.sample(5, rng)):
        assert out.shape[1:] == (1, 28, 28) and out.min() >= -1 and out.max() <= 1
    from qgen.families import Batch

    losses = vae.losses("vae", Batch(images, torch.zeros(6)), rng)
    assert set(losses) == {"loss", "reconstruction", "kl"} and losses["loss"].requires_grad
    if quantum is not None:
        weights = vae.attention_weights(images)
        groups = 2**4 if "probs" in variant else 4
        assert weights.shape == (6, groups) and (weights >= 0).all()
        if "sigmoid" not in variant:  # softmax and probabilities: mean weight exactly 1
            assert torch.allclose(weights.mean(1), torch.ones(6), atol=1e-5)


@pytest.mark.parametrize("latent", [16, 64])
def test_latent_ablation_sizes(latent: int) -> None:
    vae = build("vae", {"attention": "twin", "latent_dim": latent}, QUANTUM)
    images, _ = digits(3)
    assert vae.encode(images).shape == (3, latent)
    assert vae.sample(2, torch.Generator().manual_seed(0)).shape == (2, 1, 28, 28)


@pytest.mark.parametrize("variant", ["vae", "qvae", "qvae_twin"])
def test_loss_falls_on_real_digits(variant: str) -> None:
    settings, quantum = VARIANTS[variant]
    vae = build("vae", settings, quantum)
    train, _ = digits(192)
    held_out, _ = digits(64, offset=1000)
    before = fixed_losses(vae, held_out)["vae"]
    adam_steps(vae, train, steps=12, lr=1e-3, batch_size=32, clip=1.0 if quantum else None)
    after = fixed_losses(vae, held_out)["vae"]
    assert after["loss"] < 0.8 * before["loss"], (before, after)
    assert after["reconstruction"] < before["reconstruction"]


@pytest.mark.parametrize(
    ("circuit_params", "weighting"),
    [
        ({"n_qubits": 4, "n_layers": 2, "entanglement": "linear"}, "expval"),
        ({"n_qubits": 6, "n_layers": 3, "entanglement": "circular"}, "expval"),
        ({"n_qubits": 8, "n_layers": 3, "entanglement": "linear"}, "expval"),  # the report's 48 angles
        ({"n_qubits": 8, "n_layers": 4, "entanglement": "all_to_all"}, "expval"),
        # 8-qubit probs take 5-15 s to compile; smaller ones run the same code
        ({"n_qubits": 4, "n_layers": 2, "entanglement": "linear"}, "probs"),
        ({"n_qubits": 6, "n_layers": 2, "entanglement": "circular"}, "probs"),
    ],
)
def test_twin_matches_the_circuits_parameter_count_exactly(circuit_params: dict, weighting: str) -> None:
    quantum = {"circuit": "s2_attention", "circuit_params": circuit_params}
    settings = {"attention_weighting": weighting}
    q = build("vae", {**settings, "attention": "quantum"}, quantum).parameter_blocks()
    t = build("vae", {**settings, "attention": "twin"}, quantum).parameter_blocks()
    n_weights = 2 * circuit_params["n_qubits"] * circuit_params["n_layers"]
    assert q["core"] == t["core"] == n_weights
    assert q == t  # every block, hence the total, equal: the twin differs in the core alone
    plain = build("vae").parameter_blocks()
    assert q["total"] - plain["total"] == q["attention_in"] + n_weights


def test_plain_quantum_and_twin_start_from_the_same_shared_networks() -> None:
    nets = [build("vae", s, q, seed=5) for s, q in (VARIANTS["vae"], VARIANTS["qvae"], VARIANTS["qvae_twin"])]
    shared = {k: v for k, v in nets[0].state_dict().items()}
    for other in nets[1:]:
        state = other.state_dict()
        assert all(torch.equal(state[k], v) for k, v in shared.items())


def test_same_seed_gives_identical_training_and_the_circuit_weights_learn() -> None:
    train, _ = digits(64)
    a, b = build("vae", {"attention": "quantum"}, QUANTUM, seed=1), build("vae", {"attention": "quantum"}, QUANTUM, seed=1)
    w0 = a.attention.core.weights.detach().clone()
    ha, hb = adam_steps(a, train, 3, 1e-3), adam_steps(b, train, 3, 1e-3)
    assert ha == hb and states_equal(a.state_dict(), b.state_dict())
    # Unlike S1's RZ weights, S2's RY/RZ angles change <Z_i>: they get gradients and move.
    assert (a.attention.core.weights.detach() - w0).abs().max() > 1e-4
    c = build("vae", {"attention": "quantum"}, QUANTUM, seed=2)
    assert not states_equal(a.state_dict(), c.state_dict())


def test_bad_settings_fail_early() -> None:
    with pytest.raises(QgenError, match="latnet_dim"):
        build("vae", {"latnet_dim": 16})
    with pytest.raises(QgenError, match="attention"):
        build("vae", {"attention": "quantom"})
    with pytest.raises(ValueError, match="quantum block"):
        build("vae", {"attention": "none"}, QUANTUM)
    with pytest.raises(ValueError, match="quantum"):
        build("vae", {"attention": "twin"})


@pytest.mark.parametrize("attention", ["quantum", "twin"])
def test_trains_through_the_generic_trainer_and_reloads(attention: str, tmp_path: Path) -> None:
    from qgen.training import TrainingData, train

    images, labels = digits(64)
    val, val_labels = digits(32, offset=1000)
    # the quantum models' training (SPEC.md): batch 32, cosine annealing, clipping at 1.0, augmentation;
    # the twin trains exactly as its quantum model
    spec = job("vae", {"attention": attention}, QUANTUM, epochs=2, batch_size=32, lr=1e-3, lr_schedule="cosine",
               grad_clip=1.0, augment={"rotation": 10, "translate": 2})
    data = TrainingData(images, labels, build("vae").data, val, val_labels)
    path = train(spec, data, seed=0, outdir=tmp_path, progress=False)
    record = json.loads((tmp_path / "train.json").read_text())
    assert record["steps"] == 4
    if attention == "quantum":
        assert record["parameters"]["quantum"] == 16
        movement = record["quantum_weight_movement"]["attention.core.weights"]
        assert movement["n_weights"] == 16 and movement["l2_change"] > 0
    else:  # no circuit runs in the twin: the trainer sees a classical model of the same size
        assert record["parameters"]["quantum"] == 0 and record["quantum_weight_movement"] == {}
    epochs = (tmp_path / "epochs.csv").read_text().splitlines()
    assert "val_reconstruction" in epochs[0] and len(epochs) == 3
    family, _ = load_run(path)
    assert not family.training
    assert family.reconstruct(val[:4]).shape == (4, 1, 28, 28)
