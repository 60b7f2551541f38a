"""Measurements besides the image protocols, run in a run's score job (``measures.use``).

Each measure reads what one run left (its ``train.json``, ``epochs.csv``, ``losses.csv``,
``model.pt``, its samples) and returns tidy score rows ``{protocol, metric, value, ...}`` with
``protocol`` = the measure's name, so the generic tables and claims engine use them as they use
FID. Config selects measures by name per model (``measures.use``), each with its own settings
under ``measures.<name>``; a score job's slice holds exactly the settings of the measures it
runs. A measure that cannot apply to a model's family is refused when the config is checked.

- ``training``: seconds per epoch, epochs to converge, quantum-weight movement, loss variance
  over the last epochs, measured parameter counts (also of the runs it required).
- ``report_setup``: seconds per epoch with the circuits run as the S2 report ran them (a few
  steps timed, extrapolated; :mod:`qgen.measures.training`).
- ``reconstruction``: SSIM and MSE of reconstructions of the held-out split, time per image,
  codebook use where the family reports it.
- ``mode_coverage``: the feature classifier's class histogram of the samples.
- ``routing``: a router's routed share, quality and cost relative to all-quantum, and the
  quality-cost curve over shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from qgen.registry import Registry

Score = dict[str, Any]


@dataclass
class MeasureContext:
    """Everything a measure may read about one run (loaded lazily)."""

    dataset: str
    classes: Sequence[int]
    unit: str
    seed: int
    data_root: Path
    run_dir: Path
    train_record: Mapping[str, Any]
    samples: np.ndarray | None = None
    feature_weights: Mapping[str, Path] = field(default_factory=dict)
    device: str = "cpu"
    log: Callable[[str], None] = print
    _family: Any = None

    @property
    def model_path(self) -> Path:
        return self.run_dir / "model.pt"

    def family(self) -> Any:
        """The trained family in eval mode (loaded once)."""
        if self._family is None:
            from qgen.runs import load_run

            self._family, _ = load_run(self.model_path, self.device)
        return self._family

    def images(self, split: str, n: int | None = None) -> np.ndarray:
        """uint8 (N, H, W, C) images of the run's classes from ``split`` (the first n in file order)."""
        from qgen.data import load_split

        images = load_split(self.dataset, self.data_root, split, classes=list(self.classes)).images
        return images[:n] if n else images


@dataclass(frozen=True)
class Measure:
    """A named measurement: ``run(context, settings) -> rows``; ``applies(family class)`` gives
    the reason it cannot measure that family (None when it can)."""

    name: str
    run: Callable[[MeasureContext, Mapping[str, Any]], list[Score]]
    applies: Callable[[type], str | None] = lambda family: None
    needs_classifier: bool = False


MEASURES: Registry[Measure] = Registry("measure")


def score_row(protocol: str, metric: str, value: float, **extra: Any) -> Score:
    return {"protocol": protocol, "metric": metric, "value": float(value), **extra}


def run_measures(measures: Mapping[str, Any], context: MeasureContext) -> list[Score]:
    """Every measure in ``measures["use"]``, each with its settings ``measures[name]``."""
    rows: list[Score] = []
    for name in measures.get("use") or []:
        rows += MEASURES.get(name).run(context, measures.get(name) or {})
    return rows


def measure_slice(measures: Mapping[str, Any]) -> dict[str, Any]:
    """What a score job depends on of the measures section: the list and the used ones' settings."""
    use = list(measures.get("use") or [])
    return {"use": use, **{name: measures.get(name) or {} for name in use}}


# The shipped measures register themselves on import.
from qgen.measures import images as _images  # noqa: E402,F401
from qgen.measures import routing as _routing  # noqa: E402,F401
from qgen.measures import training as _training  # noqa: E402,F401

__all__ = ["MEASURES", "Measure", "MeasureContext", "measure_slice", "run_measures", "score_row"]
