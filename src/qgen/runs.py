"""A trained run on disk and back: ``model.pt`` is self-contained.

It holds the selected weights (EMA where the run used it), the job slice that trained it, the
seed, the data spec, and the records of the runs it required (an autoencoder, a router's
members), so sampling and scoring rebuild the whole family from this one file.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any, Mapping

import torch

from qgen.atomic import atomic_path
from qgen.families import DataSpec, Family, build_family

FORMAT = 2


def run_record(
    family: Family, state: Mapping[str, torch.Tensor], job: Mapping[str, Any], seed: int, epochs: int,
    required: Mapping[str, Mapping[str, Any]] | None = None, *, run_seed: int,
) -> dict[str, Any]:
    """``seed`` is the run's label; ``run_seed`` the value its streams used (qgen.seeding)."""
    return {
        "format": FORMAT,
        "state": {k: v.detach().cpu() for k, v in state.items()},
        "job": dict(job),
        "seed": seed,
        "run_seed": run_seed,
        "data": asdict(family.data),
        "epochs": epochs,
        "required": dict(required or {}),
    }


def save_run(path: Path, record: Mapping[str, Any]) -> Path:
    with atomic_path(path) as tmp:
        torch.save(dict(record), tmp)
    return Path(path)


def read_record(path: Path) -> dict[str, Any]:
    """The record of a run file, with a clear error for a file that is not one."""
    from qgen.errors import QgenError

    path = Path(path)
    if not path.is_file():
        raise QgenError(f"{path} does not exist. Fix: train the run first (snakemake builds it).")
    try:
        record = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as err:  # truncated or foreign file
        raise QgenError(f"{path} is not a readable run file ({type(err).__name__}: {err}). "
                        f"Fix: delete it and rerun its training job.") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise QgenError(f"{path} was written by another version of qgen (format "
                        f"{record.get('format') if isinstance(record, dict) else '?'}, expected {FORMAT}). "
                        f"Fix: delete it and rerun its training job.")
    return record


def family_from_record(record: Mapping[str, Any], device: str | torch.device = "cpu") -> Family:
    """Rebuild a trained family (and the runs it required) in eval mode on ``device``."""
    required = {role: family_from_record(sub, device) for role, sub in record.get("required", {}).items()}
    family = build_family(record["job"]["model"], DataSpec(**record["data"]), required)
    family.load_state_dict(record["state"])
    return family.to(device).eval()


def load_run(path: Path, device: str | torch.device = "cpu") -> tuple[Family, dict[str, Any]]:
    """The trained family saved at ``path`` and its record."""
    record = read_record(path)
    return family_from_record(record, device), record


def record_with_backend(record: Mapping[str, Any], backend: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a run record whose circuits (its own and its required runs') run on ``backend``
    ({name, options}); the weights are unchanged, so the same trained model loads on it."""
    import copy

    out = copy.copy(dict(record))
    job = copy.deepcopy(dict(record["job"]))
    if job["model"].get("quantum"):
        job["model"]["quantum"]["backend"] = {"name": backend["name"], "options": dict(backend.get("options") or {})}
    out["job"] = job
    out["required"] = {role: record_with_backend(sub, backend) for role, sub in (record.get("required") or {}).items()}
    return out
