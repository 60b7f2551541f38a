"""Measurements of how a run trained: time, convergence, weight movement, loss variance, size.

``training`` reads the trainer's records (no recomputation):
- ``seconds_per_epoch``: median wall time of the run's epochs (``epochs.csv``, training steps
  only, not validation), robust to a load spike on a shared machine; ``seconds_per_epoch_mean``;
- ``epochs_to_converge`` (SPEC.md): the first epoch whose validation loss
  (``convergence_loss``, a column of ``epochs.csv``) is within ``convergence_tolerance`` (2%) of
  the run's best; needs ``training.validation_split``;
- ``weight_rms_change`` and ``weight_max_abs_change``: how far the quantum weights moved from
  their initial values (radians, RMS over all circuit weights), S2-C5;
- ``<loss>_variance``: variance over the steps of the last ``loss_variance_epochs`` epochs of
  every logged loss (a GAN's ``generator_loss`` and ``discriminator_loss``), S2-C7;
- ``parameters``, ``parameters_quantum``, ``parameters_<block>``: counted from the modules when
  the run was saved; and ``<role>_seconds_per_epoch``, ``<role>_parameters`` of each run this
  one required (the VQ-VAE behind its prior).

``report_setup`` (S2-C1 under the report's own setup): a model with a circuit is timed for a
few training steps (``steps``, at ``batch_size`` images) twice, once on its own backend and
once on ``backend`` (PennyLane default.qubit with the parameter-shift rule), with the same
weights and batch; the difference per image, times the images of an epoch, is added to the run's
measured seconds per epoch. An extrapolation, labelled so: the shift rule runs one circuit per
image (broadcast_expand), so its cost is linear in the batch. Models without a circuit report
their measured time unchanged (the report's setup differs only in how circuits are simulated).
"""

from __future__ import annotations

import json
import math
import statistics
import time
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd
import torch

from qgen.measures import MEASURES, Measure, MeasureContext, Score, score_row


def epochs_to_converge(losses: pd.Series, tolerance: float) -> int:
    """First epoch (1-based) whose loss is within ``tolerance`` (relative) of the best epoch's."""
    values = pd.to_numeric(losses, errors="coerce").to_numpy(dtype=float)
    finite = np.isfinite(values)
    if not finite.any():
        raise ValueError("no finite validation loss to judge convergence by")
    best = values[finite].min()
    within = finite & (values <= best + tolerance * abs(best))
    return int(np.flatnonzero(within)[0]) + 1


def _movement(record: Mapping[str, Any]) -> dict[str, float]:
    layers = record.get("quantum_weight_movement") or {}
    if not layers:
        return {}
    n = sum(m["n_weights"] for m in layers.values())
    squared = sum(m["l2_change"] ** 2 for m in layers.values())
    return {"weight_rms_change": math.sqrt(squared / n),
            "weight_max_abs_change": max(m["max_abs_change"] for m in layers.values())}


def _training(ctx: MeasureContext, settings: Mapping[str, Any]) -> list[Score]:
    record = ctx.train_record
    seconds = record["seconds_per_epoch"]
    rows = [score_row("training", "seconds_per_epoch", statistics.median(seconds), n_epochs=len(seconds)),
            score_row("training", "seconds_per_epoch_mean", statistics.fmean(seconds), n_epochs=len(seconds))]
    epochs = pd.read_csv(ctx.run_dir / "epochs.csv")
    column = settings.get("convergence_loss", "val_loss")
    if column in epochs.columns:
        tolerance = settings.get("convergence_tolerance", 0.02)
        rows.append(score_row("training", "epochs_to_converge", epochs_to_converge(epochs[column], tolerance),
                              loss=column, tolerance=tolerance, n_epochs=len(epochs)))
    else:
        ctx.log(f"epochs to converge: no column {column!r} in epochs.csv (columns: {', '.join(epochs.columns)}); "
                f"set training.validation_split and measures.training.convergence_loss")
    rows += [score_row("training", k, v) for k, v in _movement(record).items()]
    losses = pd.read_csv(ctx.run_dir / "losses.csv")
    last = int(settings.get("loss_variance_epochs", 5))
    recent = losses[losses["epoch"] > losses["epoch"].max() - last]
    for column in [c for c in losses.columns if c.endswith("loss")]:
        rows.append(score_row("training", f"{column}_variance", recent[column].var(ddof=1),
                              last_epochs=last, n_steps=len(recent)))
    rows += _parameters(record["parameters"], "")
    for role, model_path in (record.get("requires") or {}).items():
        required = json.loads((Path(model_path).parent / "train.json").read_text())
        rows.append(score_row("training", f"{role}_seconds_per_epoch", statistics.median(required["seconds_per_epoch"])))
        rows.append(score_row("training", f"{role}_parameters", required["parameters"]["total"]))
    return rows


def _parameters(counts: Mapping[str, int], prefix: str) -> list[Score]:
    rows = [score_row("training", f"{prefix}parameters", counts["total"]),
            score_row("training", f"{prefix}parameters_quantum", counts.get("quantum", 0))]
    for key, value in counts.items():
        if key.startswith("block_") and key != "block_total":
            rows.append(score_row("training", f"{prefix}parameters_{key.removeprefix('block_')}", value))
    return rows


def _step_seconds(family: Any, images: torch.Tensor, steps: int, warmup: int) -> float:
    """Median wall time of one training step of every optimiser group (forward, backward, Adam)."""
    from qgen.families import Batch

    family.train()
    groups = {g: [p for p in ps if p.requires_grad] for g, ps in family.optimiser_groups().items()}
    optimisers = {g: torch.optim.Adam(ps, lr=1e-6) for g, ps in groups.items() if ps}
    rng = torch.Generator().manual_seed(0)
    batch = Batch(images, torch.zeros(len(images), dtype=torch.long))
    times = []
    for i in range(warmup + steps):
        start = time.perf_counter()
        for group in groups:
            losses = family.losses(group, batch, rng)
            if group in optimisers:
                optimisers[group].zero_grad(set_to_none=True)
                losses["loss"].backward()
                optimisers[group].step()
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def _report_setup(ctx: MeasureContext, settings: Mapping[str, Any]) -> list[Score]:
    from qgen.runs import family_from_record, read_record, record_with_backend
    from qgen.training.data import training_data

    from qgen.families import family_class

    measured = statistics.median(ctx.train_record["seconds_per_epoch"])
    record = read_record(ctx.model_path)
    backend = settings["backend"]
    model = record["job"]["model"]
    # A twin carries its circuit's quantum block for the sizes only: it simulates nothing.
    if not family_class(model["family"]).runs_circuit(model.get("settings") or {}, model.get("quantum")):
        return [score_row("report_setup", "seconds_per_epoch", measured, method="as trained (no circuit)",
                          backend=backend["name"])]
    batch_size, steps = int(settings.get("batch_size", 4)), int(settings.get("steps", 1))
    images = training_data(record["job"], ctx.unit, ctx.data_root).images[:batch_size].to(ctx.device)
    own = family_from_record(record, ctx.device)
    report = family_from_record(record_with_backend(record, backend), ctx.device)
    own_backend = (record["job"]["model"]["quantum"].get("backend") or {}).get("name", "torch")
    ctx.log(f"report setup: timing {steps} step(s) at batch {len(images)} on {own_backend} "
            f"and on {backend['name']} {backend.get('options') or {}}")
    own_seconds = _step_seconds(own, images, steps, warmup=1)
    report_seconds = _step_seconds(report, images, steps, warmup=0)
    per_image = (report_seconds - own_seconds) / len(images)
    n_train = int(ctx.train_record["n_train"])
    extra = dict(method=f"measured epoch + {n_train} images x (report-setup step - own step) per image, timed over "
                        f"{steps} step(s) at batch {len(images)}: extrapolated",
                 backend=backend["name"], options=json.dumps(backend.get("options") or {}, sort_keys=True))
    return [
        score_row("report_setup", "seconds_per_epoch", measured + per_image * n_train, **extra),
        score_row("report_setup", "step_seconds_per_image", report_seconds / len(images), **extra),
        score_row("report_setup", "own_step_seconds_per_image", own_seconds / len(images), **extra),
    ]


MEASURES.register("training")(Measure("training", _training))
MEASURES.register("report_setup")(Measure("report_setup", _report_setup))
