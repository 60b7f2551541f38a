"""U-Net and quantum bottleneck shapes, as SPEC.md S1 gives them; the authors' time embedding."""

import math

import pytest
import torch
import torch.nn.functional as F

from qgen.families import QuantumSpec
from qgen.models.unet import DiffusionUNet

QUANTUM_4 = QuantumSpec("s1_paper", {"n_qubits": 4, "n_layers": 2})


def quantum_unet(**options) -> DiffusionUNet:
    return DiffusionUNet(1, bottleneck="quantum", quantum=options.pop("quantum", QUANTUM_4), **options)


@pytest.mark.parametrize("channels", [1, 3])
def test_unet_maps_images_to_same_shape(channels: int) -> None:
    model = DiffusionUNet(channels)
    x = torch.randn(5, channels, 28, 28)
    assert model(x, torch.randint(0, 1000, (5,))).shape == x.shape


def test_unet_intermediate_shapes_follow_the_spec() -> None:
    model = DiffusionUNet(channels=1)
    x = torch.randn(2, 1, 28, 28)
    h1 = model.enc1(x)
    h2 = model.enc2(h1)
    h3 = model.enc3(h2)
    assert h1.shape == (2, 32, 28, 28)
    assert h2.shape == (2, 64, 14, 14)
    assert h3.shape == (2, 128, 7, 7)
    assert model.dec1(h3).shape == (2, 64, 14, 14)
    assert model.dec2(model.dec1(h3)).shape == (2, 32, 28, 28)
    assert model.out.in_channels == 64
    assert model.time_proj.in_features == 128 and model.time_proj.out_features == 128


def test_quantum_variant_differs_only_by_the_bottleneck_gate() -> None:
    classical = DiffusionUNet(1)
    quantum = quantum_unet()
    extra = {k for k in quantum.state_dict()} - {k for k in classical.state_dict()}
    assert extra and all(k.startswith("gate.") for k in extra)
    gate = quantum.gate
    assert gate.to_angles.in_features == 128 and gate.to_angles.out_features == 4
    assert gate.from_expvals.in_features == 4 and gate.from_expvals.out_features == 128
    x = torch.randn(3, 1, 28, 28)
    assert quantum(x, torch.tensor([0, 10, 999])).shape == x.shape


def test_paper_circuit_has_16_qubit_3_layer_shape() -> None:
    model = quantum_unet(quantum=QuantumSpec("s1_paper"))
    layer = model.gate.core
    assert layer.spec.n_qubits == 16 and layer.n_outputs == 16
    assert tuple(layer.weights.shape) == (3, 16, 1)
    out = layer(torch.rand(2, 16))
    assert out.shape == (2, 16) and out.abs().max() <= 1 + 1e-6


def test_a_quantum_bottleneck_without_a_circuit_is_refused() -> None:
    with pytest.raises(ValueError, match="quantum block"):
        DiffusionUNet(1, bottleneck="quantum")


def test_detached_input_blocks_gradient_to_encoder_projection() -> None:
    """The authors' code detaches the circuit input: Linear(128, 16) then gets no gradient."""
    for detach, expect_grad in [(False, True), (True, False)]:
        torch.manual_seed(0)
        model = quantum_unet(detach_input=detach)
        model(torch.randn(2, 1, 28, 28), torch.tensor([1, 2])).pow(2).mean().backward()
        grad = model.gate.to_angles.weight.grad
        assert (grad is not None and grad.abs().sum() > 0) == expect_grad


def test_pooled_sigmoid_encoding_has_no_projection_and_bounded_angles() -> None:
    model = quantum_unet(encoding="pi_sigmoid_pooled")
    assert model.gate.to_angles is None
    angles = model.gate.angles(torch.randn(3, 128, 7, 7))
    assert angles.shape == (3, 4) and (angles > 0).all() and (angles < torch.pi).all()


def _reference_forward(sd: dict[str, torch.Tensor], x: torch.Tensor, t: torch.Tensor, spacing_denominator: float) -> torch.Tensor:
    """The classical S1 U-Net written out from its formulas (SPEC.md), independent of our modules:
    w_k = exp(-ln(10000) k / D) in float32, gamma(t) = [sin(t w), cos(t w)]."""
    half = 64
    freqs = torch.exp(torch.arange(half) * -(math.log(10000.0) / spacing_denominator))
    angles = t.float()[:, None] * freqs[None, :]
    emb = torch.cat([angles.sin(), angles.cos()], dim=-1)
    h1 = F.relu(F.conv2d(x, sd["enc1.0.weight"], sd["enc1.0.bias"], padding=1))
    h = F.relu(F.conv2d(h1, sd["enc2.0.weight"], sd["enc2.0.bias"], stride=2, padding=1))
    h = F.relu(F.conv2d(h, sd["enc3.0.weight"], sd["enc3.0.bias"], stride=2, padding=1))
    h = h + F.linear(emb, sd["time_proj.weight"], sd["time_proj.bias"])[:, :, None, None]
    r = F.conv2d(F.relu(F.conv2d(h, sd["bottleneck.conv1.weight"], sd["bottleneck.conv1.bias"], padding=1)),
                 sd["bottleneck.conv2.weight"], sd["bottleneck.conv2.bias"], padding=1)
    h = F.relu(h + r)
    h = F.relu(F.conv_transpose2d(h, sd["dec1.0.weight"], sd["dec1.0.bias"], stride=2))
    h = F.relu(F.conv_transpose2d(h, sd["dec2.0.weight"], sd["dec2.0.bias"], stride=2))
    return F.conv2d(torch.cat([h, h1], dim=1), sd["out.weight"], sd["out.bias"], padding=1)


def test_authors_time_embedding_reproduces_their_network_with_ported_weights() -> None:
    """Weights in the authors' layout give the authors' outputs only with their frequencies
    exp(-ln(10000) k / (d/2 - 1)) (the authors_code presets); the paper's spacing differs."""
    generator = torch.Generator().manual_seed(11)
    ported = {k: torch.randn(v.shape, generator=generator) * 0.1 for k, v in DiffusionUNet(1).state_dict().items()}
    x = torch.randn(4, 1, 28, 28, generator=generator)
    t = torch.tensor([0, 17, 500, 999])
    reference = _reference_forward(ported, x, t, spacing_denominator=63)
    authors = DiffusionUNet(1, time_embedding="authors")
    authors.load_state_dict(ported)
    assert torch.allclose(authors(x, t), reference, atol=1e-6, rtol=1e-6)
    paper = DiffusionUNet(1, time_embedding="paper")
    paper.load_state_dict(ported)
    assert torch.allclose(paper(x, t), _reference_forward(ported, x, t, spacing_denominator=64), atol=1e-6, rtol=1e-6)
    assert (paper(x, t) - reference).abs().max() > 1e-3
