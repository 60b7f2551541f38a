"""Input hygiene: a tidy score table becomes two (unit x seed) arrays, every loss counted.

Rules (each one closes a hole an audit found):
- NaN and infinite values are missing; both are counted separately in the note (an infinite
  FID used to turn a bootstrap's draws into NaN, which were then dropped silently).
- Two rows for one (unit, seed, model) raise DuplicateScoresError naming the experiments
  involved: averaging them silently once let two experiments standing in for one dataset flip
  a verdict with no trace.
- Units and seeds with values for one model only stay in the arrays as NaN; each estimator
  counts what it drops.
- Whether a seed label means the same random draws in every unit is read from the runs'
  `run_seed` column (qgen.seeding): two units of one (model, seed) with the same run seed, or
  a run seed not recorded (runs made before per-unit seeding), make the seeds shared; the
  fixed reading then takes its error from per-seed means (see estimators).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Optional, Sequence, Union

import numpy as np
import pandas as pd

UnitColumns = Union[str, Sequence[str]]


class DuplicateScoresError(ValueError):
    """Two or more scores for the same (unit, seed, model): the caller must choose one."""


@dataclass(frozen=True)
class PairedScores:
    """Scores of two models on a (unit x seed) grid; NaN marks a missing score.

    `a` and `b` have shape (n_units, n_seeds). Comparisons are always b - a (b is the model
    the claim is about, e.g. quantum; a its comparator, e.g. classical or the twin).
    """

    a: np.ndarray
    b: np.ndarray
    units: tuple
    seeds: tuple
    model_a: str = "a"
    model_b: str = "b"
    unit_name: str = "class"
    n_missing: int = 0  # NaN values in the input
    n_nonfinite: int = 0  # +-inf values in the input, now NaN
    note: str = ""
    shared_seeds: bool = False  # one seed label is the same random draws in every unit

    @classmethod
    def from_arrays(
        cls,
        a: Sequence[float] | np.ndarray,
        b: Sequence[float] | np.ndarray,
        units: Optional[Sequence[Hashable]] = None,
        seeds: Optional[Sequence[Hashable]] = None,
        model_a: str = "a",
        model_b: str = "b",
        unit_name: str = "class",
        shared_seeds: bool = False,
    ) -> "PairedScores":
        """From arrays (units x seeds; a 1-d array is one unit over seeds). Column j of a and
        of b is the same seed; infinite values become NaN and are counted. shared_seeds: seed j
        drew the same streams in every unit (its errors may move together across units)."""
        a2 = np.array(a, dtype=np.float64, ndmin=1)
        b2 = np.array(b, dtype=np.float64, ndmin=1)
        if a2.ndim == 1:
            a2 = a2[None, :]
        if b2.ndim == 1:
            b2 = b2[None, :]
        if a2.ndim != 2 or a2.shape != b2.shape:
            raise ValueError(f"a and b must have the same (units, seeds) shape; got {a2.shape} and {b2.shape}")
        n_missing = int(np.isnan(a2).sum() + np.isnan(b2).sum())
        n_inf = int(np.isinf(a2).sum() + np.isinf(b2).sum())
        a2[np.isinf(a2)] = np.nan
        b2[np.isinf(b2)] = np.nan
        units = tuple(range(a2.shape[0])) if units is None else tuple(units)
        seeds = tuple(range(a2.shape[1])) if seeds is None else tuple(seeds)
        if len(units) != a2.shape[0] or len(seeds) != a2.shape[1]:
            raise ValueError("units/seeds labels do not match the array shape")
        return cls(a2, b2, units, seeds, model_a, model_b, unit_name, n_missing, n_inf,
                   _input_note(n_missing, n_inf), shared_seeds)

    @property
    def n_units(self) -> int:
        return self.a.shape[0]


def _input_note(n_missing: int, n_nonfinite: int) -> str:
    parts = []
    if n_nonfinite:
        parts.append(f"{n_nonfinite} non-finite (infinite) score(s) treated as missing.")
    if n_missing:
        parts.append(f"{n_missing} missing (NaN) score(s).")
    return " ".join(parts)


def _label(key: object, names: list[str]) -> str:
    key = key if isinstance(key, tuple) else (key,)
    return ", ".join(f"{n}={k}" for n, k in zip(names, key))


def paired_scores(
    frame: pd.DataFrame,
    a: str,
    b: str,
    *,
    unit: UnitColumns = "class",
    seed: str = "seed",
    model: str = "model",
    value: str = "value",
    experiment: str = "experiment",
    run_seed: str = "run_seed",
    shared_seeds: Optional[bool] = None,
) -> PairedScores:
    """Scores of models `a` and `b` from a tidy frame already filtered to one comparison
    (one protocol, dataset, metric, training size...).

    `unit` names the column(s) that define a unit (e.g. "class", or ("class", "n_train") for
    C5, where each class at each training size is one unit). Raises DuplicateScoresError when
    a (unit, seed, model) has more than one row, naming the experiments the rows come from.
    A model absent from the frame gives empty arrays with a note (estimators then say
    "undecided"), not an error. shared_seeds: None reads it from the `run_seed` column
    (seeds_shared_across_units); a frame without that column is taken as independent seeds.
    """
    units = [unit] if isinstance(unit, str) else list(unit)
    needed = units + [seed, model, value]
    missing_cols = [c for c in needed if c not in frame.columns]
    if missing_cols:
        raise ValueError(f"score table lacks column(s) {missing_cols}")
    sub = frame[frame[model].astype(str).isin([a, b])]
    key = units + [seed, model]
    dup = sub.duplicated(key, keep=False)
    if dup.any():
        rows = sub[dup]
        exps = sorted(rows[experiment].astype(str).unique()) if experiment in rows else []
        first = rows.groupby(key, sort=True, dropna=False).size()
        shown = "; ".join(f"({_label(k, key)}) x{n}" for k, n in first.head(5).items())
        more = f" and {len(first) - 5} more" if len(first) > 5 else ""
        raise DuplicateScoresError(
            f"{len(first)} (unit, seed, model) combination(s) have more than one score: {shown}{more}. "
            + (f"Experiments involved: {', '.join(exps)}. " if exps else "No experiment column to name them. ")
            + "Select one experiment per dataset (or drop the repeated rows) before comparing."
        )
    values = pd.to_numeric(sub[value], errors="coerce").to_numpy(dtype=np.float64)
    n_missing = int(np.isnan(values).sum())
    n_inf = int(np.isinf(values).sum())
    values = np.where(np.isinf(values), np.nan, values)
    unit_keys = list(sub[units].itertuples(index=False, name=None))
    unit_keys = [k[0] if len(units) == 1 else k for k in unit_keys]
    unit_labels = tuple(sorted(set(unit_keys), key=_sort_key))
    seed_labels = tuple(sorted(set(sub[seed].tolist()), key=_sort_key))
    ui = {u: i for i, u in enumerate(unit_labels)}
    si = {s: i for i, s in enumerate(seed_labels)}
    grid = {m: np.full((len(unit_labels), len(seed_labels)), np.nan) for m in (a, b)}
    for u, s, m, v in zip(unit_keys, sub[seed].tolist(), sub[model].astype(str).tolist(), values):
        grid[m][ui[u], si[s]] = v
    note = _input_note(n_missing, n_inf)
    absent = [m for m in (a, b) if m not in set(sub[model].astype(str))]
    if absent:
        note = (note + " " if note else "") + f"no scores from model(s) {' and '.join(absent)}."
    if shared_seeds is None:
        shared_seeds, why = seeds_shared_across_units(sub, units, seed, model, run_seed)
        if why:
            note = (note + " " if note else "") + why
    return PairedScores(grid[a], grid[b], unit_labels, seed_labels, a, b, "/".join(units),
                        n_missing, n_inf, note, bool(shared_seeds))


def seeds_shared_across_units(
    frame: pd.DataFrame, units: Sequence[str], seed: str = "seed", model: str = "model", run_seed: str = "run_seed",
) -> tuple[bool, str]:
    """Whether a seed label drew the same streams in two units, and the note that says why.

    No `run_seed` column: independent (arrays from a caller who knows their design). A missing
    run seed in a row (a run from before per-unit seeding, when every unit of a seed used the
    label itself) or one run seed in two units of a (model, seed): shared."""
    if run_seed not in frame.columns or frame.empty:
        return False, ""
    if frame[units].drop_duplicates().shape[0] < 2:
        return False, ""
    values = pd.to_numeric(frame[run_seed], errors="coerce")
    if values.isna().any():
        return True, ("run seeds not recorded for some runs (made before per-unit seeding): each seed label "
                      "is taken as the same draws in every unit.")
    per_unit = frame.assign(_rs=values).drop_duplicates(list(units) + [seed, model])
    repeated = per_unit.groupby([model, seed])["_rs"].agg(lambda v: v.duplicated().any())
    if repeated.any():
        return True, "one run seed serves several units (nested subsets or shared draws): seeds are shared."
    return False, ""


def _sort_key(x: object) -> tuple:
    """Sort mixed labels: numbers numerically, then everything else as text."""
    if isinstance(x, tuple):
        return tuple(_sort_key(v) for v in x)
    try:
        return (0, float(x), "")  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return (1, 0.0, str(x))
