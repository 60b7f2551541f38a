"""Configuration: loading, validation, sweeps, and per-job config slices.

The config has global sections (``execution``, ``data``, ``metrics``, ``quantum``, ``models``,
``presets``, ``defaults``) and named ``experiments``; ``targets`` group experiments.
:func:`prepare_config` is what the Snakefile and the CLI run before anything else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qgen.config.loading import ConfigError, deep_merge, merge_files, read_yaml, schema_path, validate_schema
from qgen.config.resolve import (
    SECTIONS,
    circuit_models,
    classes,
    comparisons,
    dumps_slice,
    experiment,
    figure_slice,
    is_swept,
    resolved_model,
    same_jobs,
    sample_slice,
    score_slice,
    section,
    sweep_slice,
    measures_used,
    served_by,
    train_slice,
    trained_models,
    training_experiment,
    units,
)
from qgen.config.semantics import check_models, check_semantics
from qgen.config.sweep import axis_assignments, expand_sweeps, sweep_family


def prepare_config(config: dict[str, Any], check: bool = True) -> dict[str, Any]:
    """Validate (schema, then sweeps expanded and checked again), then check names and sizes.

    ``check=False`` (a cluster job re-reading a config its submitting run checked) only fills
    defaults and expands sweeps."""
    validate_schema(config)
    if check:
        check_models(config)  # the sweep expansion builds models: their names must resolve first
    expand_sweeps(config, same_settings=served_by)
    if check:
        validate_schema(config)  # the values a sweep set must be valid too
        check_semantics(config)
    return config


def load_config(*paths: Path | str) -> dict[str, Any]:
    """Read config files (later ones override earlier ones) and prepare them as the Snakefile does."""
    return prepare_config(merge_files(paths))


def target_experiments(config: dict[str, Any], target: str, _chain: tuple[str, ...] = ()) -> list[str]:
    """The experiments a target builds: its entries are experiments (each swept experiment with
    all its members) or other targets (e.g. all: [s1, s2])."""
    if target in _chain:
        raise ConfigError(f"targets {' -> '.join(_chain + (target,))}: a target cannot contain itself")
    try:
        names = config["targets"][target]
    except KeyError:
        raise ConfigError(f"unknown target {target!r}; defined: {', '.join(sorted(config['targets']))}") from None
    out: list[str] = []
    for name in names:
        if name in config["targets"] and name not in config["experiments"]:
            out += target_experiments(config, name, _chain + (target,))
        else:
            out += sweep_family(config, name)
    return list(dict.fromkeys(out))


__all__ = [
    "SECTIONS",
    "ConfigError",
    "axis_assignments",
    "check_semantics",
    "circuit_models",
    "classes",
    "comparisons",
    "deep_merge",
    "dumps_slice",
    "expand_sweeps",
    "experiment",
    "figure_slice",
    "is_swept",
    "load_config",
    "merge_files",
    "prepare_config",
    "read_yaml",
    "resolved_model",
    "measures_used",
    "same_jobs",
    "served_by",
    "sample_slice",
    "schema_path",
    "score_slice",
    "section",
    "sweep_family",
    "sweep_slice",
    "target_experiments",
    "train_slice",
    "trained_models",
    "training_experiment",
    "units",
    "validate_schema",
]
