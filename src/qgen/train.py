"""Training of a noise-prediction network on one class, resumable and deterministic.

A job trains one (dataset, class, model, seed). After every epoch it saves a checkpoint
(weights, EMA, optimiser, RNG state, loss history) in ``outdir/checkpoint.pt``; a rerun of a
killed job resumes from it and ends bit-identical to an uninterrupted run.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm import tqdm

from qgen.atomic import atomic_path
from qgen.diffusion import NoiseSchedule
from qgen.models import build_model
from qgen.provenance import provenance, write_json

CHECKPOINT = "checkpoint.pt"
GRAD_FIELDS = ["epoch", "parameter", "index", "mean_abs_grad", "max_abs_grad"]


def set_determinism(seed: int, threads: int) -> None:
    """Same seed, config and machine give bit-identical results."""
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)


def model_from_slice(job: dict[str, Any], channels: int) -> nn.Module:
    return build_model(job["model"], channels, job.get("quantum_backend"))


def schedule_from_slice(job: dict[str, Any]) -> NoiseSchedule:
    diffusion = job["diffusion"]
    return NoiseSchedule.from_name(diffusion["schedule"], diffusion["timesteps"])


class EMA:
    """theta_ema <- d * theta_ema + (1 - d) * theta, on parameters and buffers."""

    def __init__(self, model: nn.Module, decay: float) -> None:
        self.decay = decay
        self.state = {k: v.detach().clone() for k, v in model.state_dict().items()}

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        for key, value in model.state_dict().items():
            if value.dtype.is_floating_point:
                self.state[key].lerp_(value, 1 - self.decay)
            else:
                self.state[key].copy_(value)


@dataclass
class TrainState:
    epoch: int
    losses: list[tuple[int, int, float]]
    grad_rows: list[dict[str, Any]]
    best_loss: float
    best_state: dict[str, torch.Tensor] | None
    best_epoch: int = 0


def _atomic_save(obj: Any, path: Path) -> None:
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


class QuantumGradMonitor:
    """Per-parameter |grad| of every quantum layer's weights, aggregated per epoch.

    Shows which quantum parameters learn at all (S1's RZ weights cannot: SPEC.md).
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._sum: dict[tuple[str, int], float] = {}
        self._max: dict[tuple[str, int], float] = {}
        self._steps = 0

    def record(self, model: nn.Module) -> None:
        from qgen.quantum.diagnostics import quantum_weight_grad_norms

        self._steps += 1
        for name, grad in quantum_weight_grad_norms(model).items():
            for index, value in enumerate(grad.flatten().tolist()):
                key = (name, index)
                self._sum[key] = self._sum.get(key, 0.0) + value
                self._max[key] = max(self._max.get(key, 0.0), value)

    def flush(self, epoch: int) -> list[dict[str, Any]]:
        rows = [
            {"epoch": epoch, "parameter": name, "index": index,
             "mean_abs_grad": total / self._steps, "max_abs_grad": self._max[(name, index)]}
            for (name, index), total in self._sum.items()
        ]
        self._reset()
        return rows


def train(
    job: dict[str, Any],
    images: torch.Tensor,
    seed: int,
    outdir: Path,
    progress: bool = True,
) -> Path:
    """Train on ``images`` (N, C, H, W) in [-1, 1]; write model.pt, losses.csv, train.json."""
    cfg = job["training"]
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    set_determinism(seed, cfg.get("threads", 1))
    device = torch.device(cfg.get("device", "cpu"))

    model = model_from_slice(job, images.shape[1]).to(device)
    schedule = schedule_from_slice(job)
    optimiser = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    ema = EMA(model, cfg["ema_decay"])
    generator = torch.Generator().manual_seed(seed)
    state = TrainState(epoch=0, losses=[], grad_rows=[], best_loss=float("inf"), best_state=None)

    ckpt_path = outdir / CHECKPOINT
    if ckpt_path.exists():
        ckpt = torch.load(ckpt_path, map_location=device, weights_only=False)
        model.load_state_dict(ckpt["model"])
        optimiser.load_state_dict(ckpt["optimiser"])
        ema.state = ckpt["ema"]
        generator.set_state(ckpt["generator"])
        torch.set_rng_state(ckpt["torch_rng"])
        state = ckpt["state"]
        print(f"resuming from {ckpt_path} after epoch {state.epoch}", flush=True)

    n = images.shape[0]
    batch = cfg["batch_size"]
    steps_per_epoch = -(-n // batch)
    diagnostics = bool(cfg.get("quantum_grad_diagnostics", False) and job["model"].get("quantum"))
    grad_monitor = QuantumGradMonitor()
    for epoch in range(state.epoch, cfg["epochs"]):
        order = torch.randperm(n, generator=generator)
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch + 1}/{cfg['epochs']}", disable=not progress, mininterval=5)
        for step in bar:
            x0 = images[order[step * batch : (step + 1) * batch]].to(device)
            t = torch.randint(0, schedule.timesteps, (x0.shape[0],), generator=generator).to(device)
            noise = torch.randn(x0.shape, generator=generator).to(device)
            loss = nn.functional.mse_loss(model(schedule.q_sample(x0, t, noise), t), noise)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            if diagnostics:
                grad_monitor.record(model)
            optimiser.step()
            ema.update(model)
            state.losses.append((epoch + 1, epoch * steps_per_epoch + step, loss.item()))
            bar.set_postfix(loss=f"{loss.item():.4f}")
        state.epoch = epoch + 1
        if diagnostics:
            state.grad_rows += grad_monitor.flush(epoch + 1)
        # The authors' code keeps the weights of the epoch whose last batch loss was lowest.
        last_loss = state.losses[-1][2]
        if cfg["checkpoint"] == "min_batch_loss" and last_loss < state.best_loss:
            state.best_loss = last_loss
            state.best_epoch = state.epoch
            state.best_state = {k: v.clone() for k, v in ema.state.items()}
        _atomic_save(
            {
                "model": model.state_dict(),
                "optimiser": optimiser.state_dict(),
                "ema": ema.state,
                "generator": generator.get_state(),
                "torch_rng": torch.get_rng_state(),
                "state": state,
            },
            ckpt_path,
        )

    selected = state.best_state if cfg["checkpoint"] == "min_batch_loss" else ema.state
    _write_losses(outdir / "losses.csv", state.losses)
    # Written for every model (header only when there is no quantum layer): a stable output.
    _write_rows(outdir / "quantum_grads.csv", state.grad_rows, GRAD_FIELDS)
    model_path = outdir / "model.pt"
    _atomic_save(
        {
            "ema": {k: v.cpu() for k, v in selected.items()},
            "job": job,
            "seed": seed,
            "channels": images.shape[1],
            "image_shape": tuple(images.shape[1:]),
            "epochs": state.epoch,
        },
        model_path,
    )
    write_json(
        outdir / "train.json",
        provenance(
            "train",
            job,
            seed,
            n_train=n,
            steps=len(state.losses),
            final_loss=state.losses[-1][2],
            selected_checkpoint=cfg["checkpoint"],
            selected_epoch=state.best_epoch if cfg["checkpoint"] == "min_batch_loss" else state.epoch,
        ),
    )
    ckpt_path.unlink()  # the job is complete: model.pt supersedes the resume checkpoint
    return model_path


def _write_losses(path: Path, losses: list[tuple[int, int, float]]) -> None:
    rows = [{"epoch": e, "step": s, "loss": loss} for e, s, loss in losses]
    _write_rows(path, rows, ["epoch", "step", "loss"])


def _write_rows(path: Path, rows: list[dict[str, Any]], fields: list[str]) -> None:
    with atomic_path(path) as tmp, tmp.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def load_trained(model_path: Path, device: str | torch.device = "cpu") -> tuple[nn.Module, dict[str, Any]]:
    """The EMA network saved by :func:`train`, ready for sampling, and its record."""
    record = torch.load(model_path, map_location="cpu", weights_only=False)
    model = model_from_slice(record["job"], record["image_shape"][0])
    model.load_state_dict(record["ema"])
    return model.to(device).eval(), record
