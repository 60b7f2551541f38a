"""S2's adaptive router (claim S2-C8): a light complexity estimator sends the hardest share of the
images to the quantum VAE and the rest to the classical VAE.

A run of this family requires two trained runs that reconstruct (SPEC.md: the router works on
reconstruction, where an input's complexity can be judged): role ``classical`` (the VAE) and
role ``quantum`` (the quantum attention VAE). They arrive frozen.

Estimators (``estimator``), each giving a difficulty score per image (higher: harder, routed
to the quantum model):

- ``cnn`` (default; the report's "lightweight classifier ... learned complexity estimation"):
  a small CNN (two stride-2 3x3 convolutions of ``cnn_widths`` channels, global average pool,
  Linear to one score; about 1.3 k parameters) trained by this run to predict ``cnn_target``:
  ``classical_error`` (log of the classical model's per-image reconstruction MSE: how hard
  the image is) or ``gain`` (the quantum model's relative error reduction,
  (err_c - err_q) / err_c: which model reconstructs it better).
- ``classical_error``: the classical model's own reconstruction error (fixed, nothing to
  train; the classical reconstruction it computes is reused for the images not routed).
- ``edge_density``: mean gradient magnitude of the image (fixed, parameter-free).

Routing: ``route(images, threshold)`` sends images whose score exceeds ``threshold`` to the
quantum model. The threshold is calibrated from a share: ``threshold_for(scores, share)`` is
the (1 - share) quantile of calibration scores (the measurement calibrates on training images
and routes the test split, so the routed share there is measured, not set). Without a
threshold, exactly round(share * N) of the given images, the highest scored, are routed
(ties broken by position). ``reconstruct`` routes at the configured ``share`` that way.

Generation: there is no input whose complexity could be judged, so ``sample(n)`` draws
round(share * n) images from the quantum model and the rest from the classical one, shuffled:
the routed mixture's images, scored like every other model's.

Training (estimator ``cnn``): MSE between the CNN's score and the target on each batch,
computed from the frozen members. Fixed estimators have no trainable parameters; their one
optimiser group is empty and the trainer only logs ``loss``, the batch's mean target.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import torch
import torch.nn.functional as F
from torch import nn

from qgen.families import FAMILIES
from qgen.families.base import Batch, DataSpec, Family, Progress, QuantumSpec, Reconstructs
from qgen.families.options import positive_ints, resolve_options

ESTIMATORS = ("cnn", "classical_error", "edge_density")
CNN_TARGETS = ("classical_error", "gain")


class ComplexityCNN(nn.Module):
    """Images in [-1, 1] -> one score each: stride-2 convolutions, global average pool, Linear."""

    def __init__(self, channels: int, widths: list[int]) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        previous = channels
        for width in widths:
            layers += [nn.Conv2d(previous, width, 3, stride=2, padding=1), nn.ReLU()]
            previous = width
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(previous, 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(images)).squeeze(-1)


def reconstruction_error(model: Family, images: torch.Tensor) -> torch.Tensor:
    """Per-image mean squared error of ``model``'s reconstructions, in [0, 1] pixel units."""
    recon = model.reconstruct(images)
    return ((recon - images) / 2).pow(2).flatten(1).mean(1)


def edge_density(images: torch.Tensor) -> torch.Tensor:
    """Mean absolute horizontal and vertical pixel difference per image (images in [-1, 1])."""
    x = (images + 1) / 2
    dx = (x[..., :, 1:] - x[..., :, :-1]).abs().flatten(1).mean(1)
    dy = (x[..., 1:, :] - x[..., :-1, :]).abs().flatten(1).mean(1)
    return dx + dy


def top_share_mask(scores: torch.Tensor, share: float) -> torch.Tensor:
    """Exactly round(share * N) entries, the highest scores (ties: earlier position first)."""
    n = scores.shape[0]
    k = int(round(share * n))
    order = torch.argsort(-scores.double(), stable=True)
    mask = torch.zeros(n, dtype=torch.bool, device=scores.device)
    mask[order[:k]] = True
    return mask


def threshold_for(scores: torch.Tensor, share: float) -> float:
    """The score above which ``share`` of these (calibration) scores lie: route where score > it."""
    if share <= 0:
        return math.inf
    if share >= 1:
        return -math.inf
    ordered = torch.sort(scores.double(), descending=True).values
    k = int(round(share * len(ordered)))
    if k == 0:
        return math.inf
    if k >= len(ordered):
        return -math.inf
    # midway between the k-th highest score and the next: exactly k calibration scores exceed it
    return float((ordered[k - 1] + ordered[k]) / 2)


@FAMILIES.register("router")
class Router(Family):
    """Settings (defaults): share (0.3: the report's ~30% routed to quantum), estimator
    ("cnn" | "classical_error" | "edge_density"), cnn_target ("classical_error" | "gain"),
    cnn_widths ([8, 16]). See the module docstring."""

    requires_roles = ("classical", "quantum")
    takes_quantum = False  # its quantum model, if any, is a required run
    options_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "share": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.3},
            "estimator": {"enum": list(ESTIMATORS), "default": "cnn"},
            "cnn_target": {"enum": list(CNN_TARGETS), "default": "classical_error"},
            "cnn_widths": positive_ints([8, 16]),
        },
    }

    def __init__(
        self,
        settings: Mapping[str, Any],
        data: DataSpec,
        quantum: QuantumSpec | None = None,
        requires: Mapping[str, Family] | None = None,
    ) -> None:
        super().__init__(settings, data, quantum, requires)
        self.options = opts = resolve_options("router", self.options_schema, settings)
        for role in self.requires_roles:
            if not isinstance(self.required(role), Reconstructs):
                raise ValueError(f"the router's {role!r} run is a {type(self.required(role)).__name__}, which does "
                                 f"not reconstruct images; give it a VAE-family run")
        self.share = float(opts["share"])
        self.estimator = ComplexityCNN(data.channels, opts["cnn_widths"]) if opts["estimator"] == "cnn" else None
        # With the classical error as the score, the classical reconstruction is already paid for.
        self.estimator_runs_classical = opts["estimator"] == "classical_error"

    @property
    def classical(self) -> Family:
        return self.required("classical")

    @property
    def quantum(self) -> Family:
        return self.required("quantum")

    # ---------------------------------------------------------------- routing

    @torch.no_grad()
    def target(self, images: torch.Tensor) -> torch.Tensor:
        """What the CNN learns to predict, per image (see ``cnn_target``)."""
        err_c = reconstruction_error(self.classical, images).clamp_min(1e-8)
        if self.options["cnn_target"] == "classical_error":
            return err_c.log()
        return (err_c - reconstruction_error(self.quantum, images)) / err_c

    def difficulty(self, images: torch.Tensor) -> torch.Tensor:
        """One score per image; the highest are routed to the quantum model."""
        estimator = self.options["estimator"]
        if estimator == "cnn":
            return self.estimator(images)
        with torch.no_grad():
            if estimator == "classical_error":
                return reconstruction_error(self.classical, images)
            return edge_density(images)

    @torch.no_grad()
    def route(self, images: torch.Tensor, threshold: float | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(reconstructions, mask of images sent to the quantum model); threshold None: exactly
        round(share * N) of these images."""
        scores = self.difficulty(images)
        mask = top_share_mask(scores, self.share) if threshold is None else scores > threshold
        out = torch.empty_like(images)
        if (~mask).any():
            out[~mask] = self.classical.reconstruct(images[~mask])
        if mask.any():
            out[mask] = self.quantum.reconstruct(images[mask])
        return out, mask

    @torch.no_grad()
    def reconstruct(self, images: torch.Tensor) -> torch.Tensor:
        """Routed reconstructions at the configured share (exactly that share of these images)."""
        return self.route(images)[0]

    # ---------------------------------------------------------------- family contract

    def optimiser_groups(self) -> dict[str, list[nn.Parameter]]:
        return {"estimator": list(self.estimator.parameters()) if self.estimator is not None else []}

    def losses(self, group: str, batch: Batch, rng: torch.Generator) -> dict[str, torch.Tensor]:
        target = self.target(batch.images)
        if self.estimator is None:
            return {"loss": target.mean()}
        return {"loss": F.mse_loss(self.estimator(batch.images), target), "target_mean": target.mean()}

    @torch.no_grad()
    def sample(self, n: int, rng: torch.Generator, progress: Progress | None = None) -> torch.Tensor:
        """round(share * n) images from the quantum model, the rest from the classical, shuffled."""
        k = int(round(self.share * n))
        parts = [self.classical.sample(n - k, rng, progress), self.quantum.sample(k, rng, progress)]
        images = torch.cat([p for p in parts if len(p)])
        return images[torch.randperm(n, generator=rng).to(images.device)]

    def parameter_blocks(self) -> dict[str, int]:
        """Trainable parameters of the estimator (the frozen members are not counted)."""
        n = sum(p.numel() for p in self.parameters() if p.requires_grad)
        return {"estimator": n, "total": n}
