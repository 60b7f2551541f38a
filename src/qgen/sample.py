"""The generic sampler: any trained family, n images in [-1, 1], stored as uint8.

Sampling settings: ``n_samples`` and ``batch_size``; ``quantum`` (backend options such as
hardware noise or shots, applied to every circuit the trained model simulates:
:mod:`qgen.quantum.at_sampling`); and the family's own ``sampling_options`` (a latent diffusion
model's ``steps``). The record beside the samples holds the settings, the circuits changed and
the measured time per image.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch
from tqdm import tqdm

from qgen.atomic import atomic_path
from qgen.data import from_model_tensor
from qgen.determinism import set_determinism
from qgen.provenance import provenance, write_json
from qgen.runs import load_run
from qgen.seeding import recorded_run_seed

# Sampling noise must not reuse the training stream of the same seed.
SAMPLING_SEED_OFFSET = 1_000_003
NOISELESS = "noiseless"


def sampling_label(quantum: Mapping[str, Any] | None) -> str:
    """How a run's circuits were sampled, as tables and claims name it: "noiseless", or e.g.
    "depolarizing=0.01", "amplitude_damping=0.05", "shots=1024" (joined by "," when combined)."""
    quantum = quantum or {}
    noise = quantum.get("noise") or {}
    parts = [f"{k}={format(float(noise[k]), 'g')}" for k in ("depolarizing", "amplitude_damping") if noise.get(k)]
    if quantum.get("shots"):
        parts.append(f"shots={int(quantum['shots'])}")
    return ",".join(parts) or NOISELESS


def sample(
    model_path: Path,
    out_path: Path,
    sampling: Mapping[str, Any],
    device: str = "cpu",
    threads: int = 1,
    progress: bool = True,
) -> Path:
    """Draw ``sampling["n_samples"]`` images, ``sampling["batch_size"]`` at a time; write ``images``
    (uint8, N x H x W x C) into an .npz and a provenance record beside it."""
    model_path, out_path = Path(model_path), Path(out_path)
    family, record = load_run(model_path, device)
    seed = record["seed"]
    streams = recorded_run_seed(record)
    set_determinism(streams, threads)
    circuits: list[dict[str, Any]] = []
    if sampling.get("quantum"):  # PennyLane is imported only when circuits are re-configured
        from qgen.quantum.at_sampling import apply_backend_options

        circuits = apply_backend_options(family, sampling["quantum"], streams)
    family.configure_sampling({k: sampling[k] for k in family.sampling_options if k in sampling})
    generator = torch.Generator().manual_seed(streams + SAMPLING_SEED_OFFSET)
    n_samples, batch_size = sampling["n_samples"], sampling["batch_size"]
    batches = []
    started = time.perf_counter()
    with torch.no_grad():
        for start in range(0, n_samples, batch_size):
            size = min(batch_size, n_samples - start)
            bar = (lambda steps: tqdm(steps, desc=f"sampling {start + size}/{n_samples}", mininterval=5)) if progress else None
            batches.append(from_model_tensor(family.sample(size, generator, progress=bar)))
    seconds = time.perf_counter() - started
    images = np.concatenate(batches)
    with atomic_path(out_path) as tmp:
        np.savez_compressed(tmp, images=images)
    write_json(
        out_path.with_suffix(".json"),
        provenance("sample", dict(sampling), seed, model=str(model_path), train_job=record["job"],
                   family_report=family.report(),
                   seconds=round(seconds, 4), seconds_per_image=seconds / max(len(images), 1),
                   threads=threads, device=str(device), circuits_at_sampling=circuits),
    )
    return out_path
