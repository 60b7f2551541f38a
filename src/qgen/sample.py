"""Sampling from a trained model into a uint8 image file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from qgen.atomic import atomic_path
from qgen.diffusion import ddpm_sample
from qgen.provenance import provenance, write_json
from qgen.train import load_trained, schedule_from_slice, set_determinism

# Sampling noise must not reuse the training stream of the same seed.
SAMPLING_SEED_OFFSET = 1_000_003


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """(N, C, H, W) in [-1, 1] -> (N, H, W, C) uint8."""
    x = ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.permute(0, 2, 3, 1).cpu().numpy()


def sample(
    model_path: Path,
    out_path: Path,
    n_samples: int,
    batch_size: int,
    device: str = "cpu",
    threads: int = 1,
    progress: bool = True,
) -> Path:
    """Draw ``n_samples`` images with the EMA model; write them as ``images`` in an .npz."""
    model_path, out_path = Path(model_path), Path(out_path)
    model, record = load_trained(model_path, device)
    job: dict[str, Any] = record["job"]
    seed = record["seed"]
    set_determinism(seed, threads)
    schedule = schedule_from_slice(job)
    generator = torch.Generator().manual_seed(seed + SAMPLING_SEED_OFFSET)
    shape = tuple(record["image_shape"])
    batches = []
    for start in range(0, n_samples, batch_size):
        size = min(batch_size, n_samples - start)
        bar = (lambda steps: tqdm(steps, desc=f"sampling {start + size}/{n_samples}", mininterval=5)) if progress else None
        x = ddpm_sample(
            model,
            schedule,
            (size, *shape),
            generator,
            device=device,
            clip_x0=job["diffusion"].get("clip_x0", True),
            progress=bar,
        )
        batches.append(to_uint8(x))
    images = np.concatenate(batches)
    with atomic_path(out_path) as tmp:
        np.savez_compressed(tmp, images=images)
    write_json(
        out_path.with_suffix(".json"),
        provenance("sample", job, seed, model=str(model_path), n_samples=n_samples, batch_size=batch_size),
    )
    return out_path
