"""S2's building blocks: conv stacks of any size, circuit cores and their twins, the probs circuit."""

from __future__ import annotations

import pytest
import torch

from qgen.families import QuantumSpec
from qgen.families.options import schema_defaults
from qgen.models.circuit_blocks import ClassicalTwin, FeatureAttention, build_core, product_distribution
from qgen.models.convnets import ConvDecoder, ConvEncoder, conv_sizes, decoder_start

torch.set_num_threads(1)


@pytest.mark.parametrize(
    ("size", "strides", "decoder_strides"),
    [(28, [2, 2, 2], [2, 2, 1]), (28, [2, 2, 1], [2, 2, 1]), (32, [2, 2, 2], [2, 2, 2]), (64, [2, 2, 2, 2], [2, 2, 2, 1])],
)
def test_encoder_and_decoder_sizes(size: int, strides: list[int], decoder_strides: list[int]) -> None:
    widths = [8, 16, 32, 32][: len(strides)]
    side = conv_sizes(size, strides)[-1]
    h = ConvEncoder(1, widths, strides)(torch.zeros(2, 1, size, size))
    assert h.shape == (2, widths[-1], side, side)
    start = decoder_start(size, decoder_strides)
    out = ConvDecoder(widths[::-1], decoder_strides, 3)(torch.zeros(2, widths[-1], start, start))
    assert out.shape == (2, 3, size, size)
    with pytest.raises(ValueError, match="multiple"):
        decoder_start(28, [2, 2, 2])


def test_twin_has_exactly_the_circuits_weight_count_and_output_range() -> None:
    spec = QuantumSpec("s2_attention", {"n_qubits": 8, "n_layers": 3})
    circuit, twin = build_core("quantum", spec), build_core("twin", spec)
    assert isinstance(twin, ClassicalTwin)
    assert sum(p.numel() for p in twin.parameters()) == circuit.weights.numel() == 48
    x = torch.randn(5, 8) * 3
    for core in (circuit, twin):
        out = core(x)
        assert out.shape == (5, 8) and out.abs().max() <= 1
    with pytest.raises(ValueError, match="2 \\* n_qubits \\* n_layers"):
        ClassicalTwin(8, 50)


def test_product_distribution_is_a_distribution_with_the_given_marginals() -> None:
    z = torch.rand(4, 5) * 2 - 1
    p = product_distribution(z)
    assert p.shape == (4, 32) and torch.allclose(p.sum(1), torch.ones(4)) and (p >= 0).all()
    bits = (torch.arange(32)[:, None] >> torch.arange(4, -1, -1)[None, :]) & 1  # wire 0 most significant
    assert torch.allclose(p @ (1 - 2 * bits).float(), z, atol=1e-6)  # <Z_i> recovered


def test_probs_variant_of_the_attention_circuit_matches_pennylane() -> None:
    params = {"n_qubits": 4, "n_layers": 2, "entanglement": "circular"}
    torch_core = build_core("quantum", QuantumSpec("s2_attention", params), measure="probs")
    reference = build_core("quantum", QuantumSpec("s2_attention", params, backend="default.qubit"), measure="probs")
    reference.weights.data.copy_(torch_core.weights.data)
    x = torch.randn(6, 4)
    out = torch_core(x)
    assert out.shape == (6, 16) and torch.allclose(out.sum(1), torch.ones(6), atol=1e-5)
    assert torch.allclose(out, reference(x).float(), atol=1e-5)
    with pytest.raises(ValueError, match="contradicts"):
        build_core("quantum", QuantumSpec("s2_attention", {**params, "measure": "expval"}), measure="probs")


@pytest.mark.parametrize("measure", ["expval", "probs"])
def test_uniform_attention_is_the_identity(measure: str) -> None:
    core = ClassicalTwin(3, 12, measure)
    attention = FeatureAttention(40, core, measure)
    torch.nn.init.zeros_(attention.to_angles.weight)
    torch.nn.init.zeros_(attention.to_angles.bias)
    features = torch.randn(2, 40)
    # zero angles: the twin outputs 0 = <Z> of |+>, i.e. uniform weights
    assert torch.allclose(attention(features), features, atol=1e-6)
    assert attention.group.tolist() == sorted(attention.group.tolist()) and attention.group.max() == core.n_outputs - 1


def test_schema_defaults_are_the_documented_ones() -> None:
    from qgen.families import family_class

    assert schema_defaults(family_class("vae").options_schema)["latent_dim"] == 32
    assert schema_defaults(family_class("gan").options_schema)["noise_dim"] == 100
    assert schema_defaults(family_class("vqvae").options_schema)["codebook_size"] == 512
    for name in ("vae", "gan", "vqvae", "vqvae_prior"):
        assert family_class(name).options_schema["additionalProperties"] is False
