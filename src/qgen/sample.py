"""The generic sampler: any trained family, n images in [-1, 1], stored as uint8."""

from __future__ import annotations

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

# Sampling noise must not reuse the training stream of the same seed.
SAMPLING_SEED_OFFSET = 1_000_003


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
    set_determinism(seed, threads)
    generator = torch.Generator().manual_seed(seed + SAMPLING_SEED_OFFSET)
    family.configure_sampling(sampling)
    n_samples, batch_size = sampling["n_samples"], sampling["batch_size"]
    batches = []
    with torch.no_grad():
        for start in range(0, n_samples, batch_size):
            size = min(batch_size, n_samples - start)
            bar = (lambda steps: tqdm(steps, desc=f"sampling {start + size}/{n_samples}", mininterval=5)) if progress else None
            batches.append(from_model_tensor(family.sample(size, generator, progress=bar)))
    images = np.concatenate(batches)
    with atomic_path(out_path) as tmp:
        np.savez_compressed(tmp, images=images)
    write_json(
        out_path.with_suffix(".json"),
        provenance("sample", dict(sampling), seed, model=str(model_path), train_job=record["job"],
                   family_report=family.report()),
    )
    return out_path
