"""The generic trainer: any family, deterministic, resumable, with EMA, clipping and schedules.

A job trains one run (an experiment's model on a class or on all classes, with one seed) for
``training.epochs`` epochs, or for exactly ``training.steps`` optimiser steps when that is set
(a fixed budget across training-set sizes: the last epoch is cut short). After the first epoch,
and after any epoch that ends at least ``CHECKPOINT_SECONDS`` after the last save, it saves
``checkpoint.pt`` (weights and buffers, optimisers, EMA, RNG states, history and the job slice).
A rerun of a killed job resumes from it and ends bit-identical to an uninterrupted run; a
checkpoint written under another job slice is discarded, with a message.

Outputs in ``outdir``: ``model.pt`` (see :mod:`qgen.runs`), ``losses.csv`` (one row per step,
one column per named loss), ``epochs.csv`` (per epoch: wall time, mean losses, validation
losses), ``quantum_grads.csv`` and ``train.json`` (provenance and summary).
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import torch
from tqdm import tqdm

from qgen.atomic import atomic_path
from qgen.determinism import set_determinism
from qgen.families import Batch, DataSpec, Family, build_family
from qgen.provenance import provenance, write_json
from qgen.runs import read_record, family_from_record, run_record, save_run
from qgen.seeding import run_seed
from qgen.training.augment import RandomAffine
from qgen.training.ema import EMA
from qgen.training.monitor import GRAD_FIELDS, QuantumGradMonitor, quantum_weights, weight_movement
from qgen.training.optim import build_optimisers, group_setting

CHECKPOINT = "checkpoint.pt"
# Validation batches draw their noise from a fixed stream, the same every epoch, so the
# per-epoch validation losses differ only through the weights.
VALIDATION_SEED = 2_000_003
# Tiny training sets make one-step epochs: saving ~8 MB after each would dominate the job.
CHECKPOINT_SECONDS = 30.0


@dataclass
class TrainingData:
    """Images (N, C, H, W) in [-1, 1] with labels; optional held-out images for validation."""

    images: torch.Tensor
    labels: torch.Tensor
    data: DataSpec
    val_images: torch.Tensor | None = None
    val_labels: torch.Tensor | None = None


@dataclass
class TrainState:
    epoch: int = 0
    step_rows: list[dict[str, float]] = field(default_factory=list)
    epoch_rows: list[dict[str, float]] = field(default_factory=list)
    grad_rows: list[dict[str, Any]] = field(default_factory=list)
    best_loss: float = float("inf")
    best_state: dict[str, torch.Tensor] | None = None
    best_epoch: int = 0
    initial_quantum: dict[str, torch.Tensor] = field(default_factory=dict)


def _loss_columns(group: str, losses: Mapping[str, torch.Tensor], n_groups: int) -> dict[str, float]:
    prefix = "" if n_groups == 1 else f"{group}_"
    return {f"{prefix}{name}": float(value.detach()) for name, value in losses.items()}


def _resume(ckpt_path: Path, job: Mapping[str, Any], device: torch.device) -> dict[str, Any] | None:
    """The checkpoint of an interrupted run of this very job slice, else None (stale ones go)."""
    if not ckpt_path.exists():
        return None
    try:
        ckpt = torch.load(ckpt_path, map_location=device, weights_only=False)
    except Exception as err:  # a checkpoint cut short by a kill during its own write
        print(f"discarding unreadable checkpoint {ckpt_path} ({type(err).__name__}); training from scratch", flush=True)
        ckpt_path.unlink()
        return None
    if ckpt.get("job") != job:
        changed = sorted(k for k in set(job) | set(ckpt.get("job") or {}) if job.get(k) != (ckpt.get("job") or {}).get(k))
        print(f"discarding checkpoint {ckpt_path}: it was written under another config "
              f"(changed: {', '.join(changed) or 'format'}); training from scratch", flush=True)
        ckpt_path.unlink()
        return None
    return ckpt


def train(
    job: Mapping[str, Any],
    data: TrainingData,
    seed: int,
    outdir: Path,
    requires: Mapping[str, Path] | None = None,
    device: str = "cpu",
    threads: int = 1,
    progress: bool = True,
) -> Path:
    """Train the family ``job["model"]`` describes on ``data``; write the run into ``outdir``.

    ``requires`` maps each role the family requires to that run's ``model.pt``.
    ``device`` and ``threads`` are execution settings: they never enter the job slice.
    """
    cfg = job["training"]
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    streams = run_seed(seed, job.get("unit"))  # independent across units; shared by the models of one
    set_determinism(streams, threads)
    dev = torch.device(device)
    required_records = {role: read_record(Path(path)) for role, path in (requires or {}).items()}
    required = {role: family_from_record(rec, dev) for role, rec in required_records.items()}
    family = build_family(job["model"], data.data, required).to(dev)
    family.data_init(data.images.to(dev))  # data-dependent buffers; a resumed run reloads them below

    n = data.images.shape[0]
    batch_size = cfg["batch_size"]
    drop_last = bool(cfg.get("drop_last", False)) and n >= batch_size
    steps_per_epoch = n // batch_size if drop_last else -(-n // batch_size)
    total_steps = cfg.get("steps") or steps_per_epoch * cfg["epochs"]
    n_epochs = -(-total_steps // steps_per_epoch)
    groups = family.optimiser_groups()
    # A group without trainable parameters (a router with a fixed complexity score) is
    # evaluated and logged each step but never stepped.
    stepped = {name: params for name, params in groups.items() if any(p.requires_grad for p in params)}
    optimisers, schedulers = build_optimisers(stepped, cfg, total_steps)
    ema = EMA(family, cfg["ema_decay"]) if cfg.get("ema_decay") is not None else None
    augment = RandomAffine.from_config(cfg.get("augment"))
    generator = torch.Generator().manual_seed(streams)
    state = TrainState(initial_quantum=quantum_weights(family))

    ckpt_path = outdir / CHECKPOINT
    ckpt = _resume(ckpt_path, job, dev)
    if ckpt is not None:
        family.load_state_dict(ckpt["model"])
        for name, opt in optimisers.items():
            opt.load_state_dict(ckpt["optimisers"][name])
            schedulers[name].load_state_dict(ckpt["schedulers"][name])
        if ema is not None:
            ema.state = ckpt["ema"]
        generator.set_state(ckpt["generator"])
        torch.set_rng_state(ckpt["torch_rng"])
        state = ckpt["state"]
        print(f"resuming from {ckpt_path} after epoch {state.epoch}", flush=True)

    diagnostics = bool(cfg.get("quantum_grad_diagnostics", False))
    monitor = QuantumGradMonitor(family)
    last_save = None
    for epoch in range(state.epoch, n_epochs):
        family.train()
        started = time.perf_counter()
        order = torch.randperm(n, generator=generator)
        steps = min(steps_per_epoch, total_steps - epoch * steps_per_epoch)
        bar = tqdm(range(steps), desc=f"epoch {epoch + 1}/{n_epochs}", disable=not progress, mininterval=5)
        epoch_rows = []
        for step in bar:
            index = order[step * batch_size : (step + 1) * batch_size]
            images = data.images[index]
            if augment is not None:
                images = augment(images, generator)
            batch = Batch(images.to(dev), data.labels[index].to(dev))
            row: dict[str, float] = {}
            for group, params in groups.items():
                losses = family.losses(group, batch, generator)
                if group not in optimisers:
                    row.update(_loss_columns(group, losses, len(groups)))
                    continue
                optimiser = optimisers[group]
                optimiser.zero_grad(set_to_none=True)
                losses["loss"].backward()
                if diagnostics:
                    monitor.record(params)
                clip = group_setting(cfg, group, "grad_clip")
                if clip:
                    torch.nn.utils.clip_grad_norm_(params, clip)
                optimiser.step()
                schedulers[group].step()
                row.update(_loss_columns(group, losses, len(groups)))
            if ema is not None:
                ema.update(family)
            epoch_rows.append(row)
            state.step_rows.append({"epoch": epoch + 1, "step": epoch * steps_per_epoch + step, **row})
            bar.set_postfix({k: f"{v:.4f}" for k, v in row.items()})
        train_seconds = time.perf_counter() - started
        state.epoch = epoch + 1
        summary = {"epoch": state.epoch, "train_seconds": train_seconds}
        summary.update({k: sum(r[k] for r in epoch_rows) / len(epoch_rows) for k in epoch_rows[0]})
        summary.update(_validate(family, data, groups, cfg, dev))
        state.epoch_rows.append(summary)
        if diagnostics:
            state.grad_rows += monitor.flush(state.epoch)
        # The S1 authors' code keeps the weights of the epoch whose last batch loss was lowest.
        last_loss = next(iter(epoch_rows[-1].values()))
        if cfg["checkpoint"] == "min_batch_loss" and last_loss < state.best_loss:
            state.best_loss, state.best_epoch = last_loss, state.epoch
            state.best_state = {k: v.clone() for k, v in (ema.state if ema else family.state_dict()).items()}
        if state.epoch == n_epochs or (last_save is not None and time.monotonic() - last_save < CHECKPOINT_SECONDS):
            continue  # the last epoch needs none (model.pt follows); others wait for the interval
        last_save = time.monotonic()
        with atomic_path(ckpt_path) as tmp:
            torch.save({
                "job": dict(job),
                "model": family.state_dict(),
                "optimisers": {k: o.state_dict() for k, o in optimisers.items()},
                "schedulers": {k: s.state_dict() for k, s in schedulers.items()},
                "ema": ema.state if ema else None,
                "generator": generator.get_state(),
                "torch_rng": torch.get_rng_state(),
                "state": state,
            }, tmp)

    if cfg["checkpoint"] == "min_batch_loss":
        selected, selected_name = state.best_state, "min_batch_loss"
    elif ema:
        selected, selected_name = ema.state, "final_ema"
    else:  # final_ema asked for, but the run keeps no EMA (ema_decay null): its final weights
        selected, selected_name = family.state_dict(), "final (no EMA: ema_decay is null)"
    model_path = save_run(outdir / "model.pt", run_record(family, selected, job, seed, state.epoch, required_records,
                                                             run_seed=streams))
    _write_rows(outdir / "losses.csv", state.step_rows)
    _write_rows(outdir / "epochs.csv", state.epoch_rows)
    # Written for every model (header only without a quantum layer): a stable output.
    _write_rows(outdir / "quantum_grads.csv", state.grad_rows, GRAD_FIELDS)
    final_losses = {k: v for k, v in state.step_rows[-1].items() if k not in ("epoch", "step")}
    write_json(outdir / "train.json", provenance(
        "train", job, seed,
        run_seed=streams,
        n_train=n,
        steps=len(state.step_rows),
        family_report=family.report(),
        final_losses=final_losses,
        seconds_per_epoch=[round(r["train_seconds"], 4) for r in state.epoch_rows],
        parameters=parameter_counts(family),
        quantum_weight_movement=weight_movement(state.initial_quantum, {k: selected[k] for k in state.initial_quantum}),
        selected_checkpoint=selected_name,
        selected_epoch=state.best_epoch if cfg["checkpoint"] == "min_batch_loss" else state.epoch,
        requires={role: str(path) for role, path in (requires or {}).items()},
    ))
    ckpt_path.unlink(missing_ok=True)  # the job is complete: model.pt supersedes the resume checkpoint
    return model_path


def parameter_counts(family: Family) -> dict[str, int]:
    """Trainable parameters per optimiser group, of the quantum layers, and in total (measured)."""
    groups = family.optimiser_groups()
    counts = {f"group_{name}": sum(p.numel() for p in params if p.requires_grad) for name, params in groups.items()}
    counts["quantum"] = sum(w.numel() for w in quantum_weights(family).values())
    counts.update({f"block_{name}": n for name, n in family.parameter_blocks().items()})
    counts["total"] = sum(p.numel() for p in family.parameters() if p.requires_grad)
    return counts


@torch.no_grad()
def _validate(family: Family, data: TrainingData, groups: Mapping[str, Any], cfg: Mapping[str, Any],
              dev: torch.device) -> dict[str, float]:
    """Mean of each named loss over the held-out images, in eval mode (empty without them)."""
    if data.val_images is None or len(data.val_images) == 0:
        return {}
    family.eval()
    rng = torch.Generator().manual_seed(VALIDATION_SEED)
    totals: dict[str, float] = {}
    n_batches = 0
    for start in range(0, len(data.val_images), cfg["batch_size"]):
        batch = Batch(data.val_images[start:start + cfg["batch_size"]].to(dev),
                      data.val_labels[start:start + cfg["batch_size"]].to(dev))
        for group in groups:
            for key, value in _loss_columns(group, family.losses(group, batch, rng), len(groups)).items():
                totals[key] = totals.get(key, 0.0) + value
        n_batches += 1
    family.train()
    return {f"val_{k}": v / n_batches for k, v in totals.items()}


def _write_rows(path: Path, rows: list[dict[str, Any]], fields: list[str] | None = None) -> None:
    fields = fields or (list(rows[0]) if rows else [])
    with atomic_path(path) as tmp, tmp.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
