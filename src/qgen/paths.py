"""Where every result lives: one definition of a run's folder, used by the rules and the reports.

A run is (experiment, dataset, unit, model, seed); ``unit`` is the class a model was trained
on, or ``all`` for a model trained on all the experiment's classes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

RUN = "{experiment}/{dataset}/{unit}/{model}/seed{seed}"
RUN_KEYS = ("experiment", "dataset", "unit", "model", "seed")
ALL = "all"


def run_dir(results: str | Path, run: Mapping[str, object]) -> Path:
    """``results/<experiment>/<dataset>/<unit>/<model>/seed<seed>``."""
    return Path(results) / RUN.format(**{k: run[k] for k in RUN_KEYS})


def run_of(path: str | Path) -> dict[str, str]:
    """The run a file inside a run folder belongs to (inverse of :func:`run_dir`)."""
    parts = Path(path).parts
    experiment, dataset, unit, model, seed = parts[-6:-1]
    return {"experiment": experiment, "dataset": dataset, "unit": unit, "model": model,
            "seed": seed.removeprefix("seed")}


def unit_label(unit: str) -> str:
    """How figures and tables name a unit: 'class 3' or 'all classes'."""
    return "all classes" if unit == ALL else f"class {unit}"


def unit_classes(unit: str, experiment_classes: list[int] | None) -> list[int]:
    """The classes a unit covers."""
    if unit == ALL:
        if not experiment_classes:
            raise ValueError("a unit of all classes needs the experiment's class list")
        return list(experiment_classes)
    return [int(unit)]


def reference_tag(unit: str, experiment_classes: list[int], n_classes: int) -> str:
    """Name of the reference images a unit is scored against (shared by every run of that unit)."""
    if unit != ALL:
        return f"class{unit}"
    covered = sorted(experiment_classes)
    return ALL if covered == list(range(n_classes)) else "classes" + "-".join(map(str, covered))


def reference_classes(tag: str, n_classes: int) -> list[int]:
    """Inverse of :func:`reference_tag`: the classes a reference set holds."""
    if tag == ALL:
        return list(range(n_classes))
    if tag.startswith("classes"):
        return [int(c) for c in tag.removeprefix("classes").split("-")]
    return [int(tag.removeprefix("class"))]
