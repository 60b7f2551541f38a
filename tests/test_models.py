"""U-Net and quantum bottleneck shapes, as SPEC.md S1 gives them."""

import pytest
import torch

from qgen.models import build_model
from qgen.models.unet import DiffusionUNet

QUANTUM_4 = {"circuit": "s1_paper", "circuit_params": {"n_qubits": 4, "n_layers": 2}}


@pytest.mark.parametrize("channels", [1, 3])
def test_unet_maps_images_to_same_shape(channels: int) -> None:
    model = build_model({"family": "diffusion_unet"}, channels)
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
    classical = build_model({"family": "diffusion_unet"}, 1)
    quantum = build_model({"family": "diffusion_unet", "quantum": QUANTUM_4}, 1)
    extra = {k for k in quantum.state_dict()} - {k for k in classical.state_dict()}
    assert extra and all(k.startswith("quantum.") for k in extra)
    gate = quantum.quantum
    assert gate.to_angles.in_features == 128 and gate.to_angles.out_features == 4
    assert gate.from_expvals.in_features == 4 and gate.from_expvals.out_features == 128
    x = torch.randn(3, 1, 28, 28)
    assert quantum(x, torch.tensor([0, 10, 999])).shape == x.shape


def test_paper_circuit_has_16_qubit_3_layer_shape() -> None:
    model = build_model({"family": "diffusion_unet", "quantum": {"circuit": "s1_paper"}}, 1)
    layer = model.quantum.layer
    assert layer.spec.n_qubits == 16 and layer.n_outputs == 16
    assert tuple(layer.weights.shape) == (3, 16, 1)
    out = layer(torch.rand(2, 16))
    assert out.shape == (2, 16) and out.abs().max() <= 1 + 1e-6


def test_detached_input_blocks_gradient_to_encoder_projection() -> None:
    """The authors' code detaches the circuit input: Linear(128, 16) then gets no gradient."""
    for detach, expect_grad in [(False, True), (True, False)]:
        torch.manual_seed(0)
        model = build_model({"family": "diffusion_unet", "quantum": {**QUANTUM_4, "detach_input": detach}}, 1)
        model(torch.randn(2, 1, 28, 28), torch.tensor([1, 2])).pow(2).mean().backward()
        grad = model.quantum.to_angles.weight.grad
        assert (grad is not None and grad.abs().sum() > 0) == expect_grad


def test_pooled_sigmoid_encoding_has_no_projection_and_bounded_angles() -> None:
    model = build_model({"family": "diffusion_unet", "quantum": {**QUANTUM_4, "encoding": "pi_sigmoid_pooled"}}, 1)
    assert model.quantum.to_angles is None
    angles = model.quantum.angles(torch.randn(3, 128, 7, 7))
    assert angles.shape == (3, 4) and (angles > 0).all() and (angles < torch.pi).all()
