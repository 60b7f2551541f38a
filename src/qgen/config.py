"""Configuration: loading, schema validation, semantic checks and per-job config slices.

The config has global sections (``data``, ``quantum``, ``models``, ``presets``, ``defaults``)
and named ``experiments``. An experiment picks a dataset, classes, model variants and seeds,
and may override any default section or apply a named preset. A job's *slice* is the merged
config that job depends on: it goes into the job's provenance and its Snakemake params, so a
change reruns exactly the jobs it affects.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml

SECTIONS = ("training", "diffusion", "sampling", "scoring")
PACKAGE_ROOT = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_ROOT.parents[1]
SCHEMA_PATH = REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"


class ConfigError(ValueError):
    """A config that cannot run; the message names the key and the fix."""


def deep_merge(base: dict[str, Any], override: dict[str, Any] | None) -> dict[str, Any]:
    """Recursively merge ``override`` into a copy of ``base`` (override wins)."""
    out = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_config(path: Path | str, validate: bool = True) -> dict[str, Any]:
    """Read a YAML config, fill schema defaults, and check it (as the Snakefile does)."""
    config = yaml.safe_load(Path(path).read_text()) or {}
    if validate:
        validate_schema(config)
        check_semantics(config)
    return config


def validate_schema(config: dict[str, Any], schema_path: Path = SCHEMA_PATH) -> None:
    """JSON-schema validation with defaults filled in, as snakemake.utils.validate does."""
    from snakemake.utils import validate

    try:
        validate(config, str(schema_path), set_default=True)
    except Exception as err:  # snakemake raises WorkflowError wrapping jsonschema's error
        raise ConfigError(f"config does not match {schema_path.name}: {err}") from None


def check_semantics(config: dict[str, Any]) -> None:
    """Checks a schema cannot express: classes exist in the dataset, names resolve."""
    from qgen.data import dataset_info
    from qgen.quantum import BACKENDS, CIRCUITS

    models = config.get("models", {})
    presets = config.get("presets", {})
    experiments = config.get("experiments", {})
    backend = config.get("quantum", {}).get("backend")
    if backend is not None and backend not in BACKENDS:
        raise ConfigError(
            f"quantum.backend {backend!r} is unknown; known backends: {', '.join(BACKENDS.names())}"
        )
    for name, model in models.items():
        circuit = (model.get("quantum") or {}).get("circuit")
        if circuit is not None and circuit not in CIRCUITS:
            raise ConfigError(
                f"models.{name}.quantum.circuit {circuit!r} is unknown; known circuits: "
                f"{', '.join(CIRCUITS.names())}"
            )
    for exp_name, exp in experiments.items():
        where = f"experiments.{exp_name}"
        try:
            info = dataset_info(exp["dataset"])
        except KeyError as err:
            raise ConfigError(f"{where}.dataset: {err.args[0]}") from None
        bad = [c for c in exp["classes"] if not 0 <= int(c) < info.n_classes]
        if bad:
            raise ConfigError(
                f"{where}.classes: class {bad[0]} does not exist in dataset {exp['dataset']!r}, "
                f"whose classes are 0..{info.n_classes - 1}. Fix the class list."
            )
        for model in exp["models"]:
            if model not in models:
                raise ConfigError(
                    f"{where}.models: model {model!r} is not defined under 'models' "
                    f"(defined: {', '.join(sorted(models))})"
                )
        preset = exp.get("preset")
        if preset and preset not in presets:
            raise ConfigError(
                f"{where}.preset: preset {preset!r} is not defined under 'presets' "
                f"(defined: {', '.join(sorted(presets)) or 'none'})"
            )
    for target, names in config.get("targets", {}).items():
        for name in names:
            if name not in experiments:
                raise ConfigError(
                    f"targets.{target}: experiment {name!r} is not defined under 'experiments'"
                )


def experiment_settings(config: dict[str, Any], experiment: str) -> dict[str, Any]:
    """Defaults, then the experiment's preset, then the experiment's own overrides."""
    try:
        exp = config["experiments"][experiment]
    except KeyError:
        known = ", ".join(sorted(config.get("experiments", {})))
        raise ConfigError(f"unknown experiment {experiment!r}; defined: {known}") from None
    preset = config.get("presets", {}).get(exp.get("preset") or "", {})
    settings = {}
    for section in SECTIONS:
        merged = deep_merge(config.get("defaults", {}).get(section, {}), preset.get(section))
        settings[section] = deep_merge(merged, exp.get(section))
    return settings


def model_settings(config: dict[str, Any], experiment: str, model: str) -> dict[str, Any]:
    """A model entry with the experiment preset's model overrides applied."""
    exp = config["experiments"][experiment]
    preset = config.get("presets", {}).get(exp.get("preset") or "", {})
    entry = deep_merge(config["models"][model], (preset.get("models") or {}).get(model))
    entry.setdefault("quantum", None)
    return entry


def job_slice(
    config: dict[str, Any],
    experiment: str,
    model: str | None = None,
    sections: tuple[str, ...] = SECTIONS,
) -> dict[str, Any]:
    """The part of the config one job depends on (stored in its provenance and params)."""
    exp = config["experiments"][experiment]
    settings = experiment_settings(config, experiment)
    out: dict[str, Any] = {
        "experiment": experiment,
        "dataset": exp["dataset"],
        "preset": exp.get("preset"),
        **{s: settings[s] for s in sections},
    }
    if model is not None:
        entry = model_settings(config, experiment, model)
        out["model_name"] = model
        out["model"] = entry
        if entry.get("quantum"):
            out["quantum_backend"] = {
                "name": config["quantum"]["backend"],
                "options": config["quantum"].get("options") or {},
            }
    return out


def dumps_slice(slice_: dict[str, Any]) -> str:
    """Canonical JSON of a slice (stable key order, so unchanged config means unchanged params)."""
    return json.dumps(slice_, sort_keys=True, separators=(",", ":"))
