"""From a validated config to what each job needs: settings, resolved models, job slices.

Settings of model ``m`` in experiment ``e``, section ``s`` (training, diffusion, sampling,
scoring, figures, measures), from least to most specific:
``defaults.s < models.m.s < preset.s < preset.models.m.s < e.s < e.model_settings.m.s``.
The family options and the quantum block of ``m`` merge the same way (model entry, preset,
experiment), and the quantum block's backend defaults to the top-level ``quantum.backend``.

A job's *slice* is exactly the config it depends on: it is the job's Snakemake params (its
rerun trigger) and goes into its provenance. Execution settings (device, threads) are never
part of a slice.
"""

from __future__ import annotations

import json
from typing import Any

from qgen.config.loading import ConfigError, deep_merge

SECTIONS = ("training", "diffusion", "sampling", "scoring", "figures", "measures")
# Keys of a model entry that are not the family's own options.
ENVELOPE = ("family", "description", "quantum", "requires", *SECTIONS)


def experiment(config: dict[str, Any], name: str) -> dict[str, Any]:
    try:
        return config["experiments"][name]
    except KeyError:
        known = ", ".join(sorted(config.get("experiments", {})))
        raise ConfigError(f"unknown experiment {name!r}; defined: {known}") from None


def _preset(config: dict[str, Any], exp: dict[str, Any]) -> dict[str, Any]:
    return config.get("presets", {}).get(exp.get("preset") or "", {})


def model_layers(config: dict[str, Any], experiment_name: str, model: str) -> list[dict[str, Any]]:
    """The partial model entries of ``model`` in ``experiment``, least specific first."""
    exp = experiment(config, experiment_name)
    if model not in config["models"]:
        known = ", ".join(sorted(config["models"]))
        raise ConfigError(f"unknown model {model!r}; defined under 'models': {known}")
    preset = _preset(config, exp)
    return [
        config["models"][model],
        (preset.get("models") or {}).get(model) or {},
        (exp.get("model_settings") or {}).get(model) or {},
    ]


def section(config: dict[str, Any], experiment_name: str, model: str | None, name: str) -> dict[str, Any]:
    """One settings section of ``model`` in ``experiment`` (model None: the experiment-wide value)."""
    exp = experiment(config, experiment_name)
    preset = _preset(config, exp)
    entry, preset_model, exp_model = model_layers(config, experiment_name, model) if model else ({}, {}, {})
    layers = [config["defaults"].get(name), entry.get(name), preset.get(name), preset_model.get(name),
              exp.get(name), exp_model.get(name)]
    merged: dict[str, Any] = {}
    for layer in layers:
        merged = deep_merge(merged, layer)
    return merged


def resolved_model(config: dict[str, Any], experiment_name: str, model: str) -> dict[str, Any]:
    """``{name, family, settings, quantum, requires}``: what the family is built from."""
    from qgen.families import family_class

    merged: dict[str, Any] = {}
    for layer in model_layers(config, experiment_name, model):
        merged = deep_merge(merged, layer)
    family = family_class(merged["family"])
    settings = {k: v for k, v in merged.items() if k not in ENVELOPE}
    for name in family.sections:
        settings[name] = section(config, experiment_name, model, name)
    quantum = merged.get("quantum")
    if quantum:
        default_backend = (config.get("quantum") or {}).get("backend") or {"name": "torch", "options": {}}
        quantum = {**quantum, "backend": deep_merge(default_backend, quantum.get("backend"))}
        quantum["backend"].setdefault("options", {})
        quantum.setdefault("circuit_params", {})
    return {
        "name": model,
        "family": merged["family"],
        "settings": settings,
        "quantum": quantum or None,
        "requires": dict(merged.get("requires") or {}),
    }


def units(config: dict[str, Any], experiment_name: str) -> list[str]:
    """What one run is trained on: each class (``train_on: class``) or ``all``."""
    exp = experiment(config, experiment_name)
    if exp.get("train_on", "class") == "all":
        return ["all"]
    return [str(c) for c in classes(config, experiment_name)]


def classes(config: dict[str, Any], experiment_name: str) -> list[int]:
    from qgen.data import dataset_info

    exp = experiment(config, experiment_name)
    if exp.get("classes"):
        return [int(c) for c in exp["classes"]]
    return list(range(dataset_info(exp["dataset"]).n_classes))


def trained_models(config: dict[str, Any], experiment_name: str) -> list[str]:
    """The experiment's models and every model they require (transitively), dependencies first."""
    order: list[str] = []

    def visit(model: str, chain: tuple[str, ...]) -> None:
        if model in chain:
            raise ConfigError(f"models {' -> '.join(chain + (model,))}: a model cannot require itself")
        for required in resolved_model(config, experiment_name, model)["requires"].values():
            visit(required, chain + (model,))
        if model not in order:
            order.append(model)

    for model in experiment(config, experiment_name)["models"]:
        visit(model, ())
    return order


def train_slice(config: dict[str, Any], experiment_name: str, model: str) -> dict[str, Any]:
    """What a training job depends on: data, training settings, the resolved model."""
    exp = experiment(config, experiment_name)
    train_on = exp.get("train_on", "class")
    return {
        "experiment": experiment_name,
        "dataset": exp["dataset"],
        "train_on": train_on,
        "classes": classes(config, experiment_name) if train_on == "all" else None,
        "training": section(config, experiment_name, model, "training"),
        "model": resolved_model(config, experiment_name, model),
    }


def training_experiment(config: dict[str, Any], experiment_name: str, model: str) -> str:
    """The experiment whose trained run of ``model`` this experiment samples.

    A sweep member trains nothing its base trains alike: when the base trains ``model`` on the
    same data with the same training slice (the model's and those of every run it requires,
    names aside), the member samples the base's run. A sampling-time axis (hardware noise,
    sampling steps) therefore adds sampling and scoring jobs, never training jobs. Otherwise
    (no base, or any training setting differs) the experiment trains its own run.
    """
    exp = experiment(config, experiment_name)
    base_name = (exp.get("sweep_of") or {}).get("experiment")
    if not base_name or base_name not in config["experiments"]:
        return experiment_name
    base = experiment(config, base_name)
    if any(base.get(k) != exp.get(k) for k in ("dataset", "train_on", "classes")):
        return experiment_name
    if model not in trained_models(config, base_name):
        return experiment_name

    def slices(name: str) -> list[dict[str, Any]]:
        chain = [model]
        for m in chain:  # the model and, transitively, what it requires
            chain += [r for r in resolved_model(config, name, m)["requires"].values() if r not in chain]
        return [{**train_slice(config, name, m), "experiment": None} for m in chain]

    return base_name if dumps_slice(slices(base_name)) == dumps_slice(slices(experiment_name)) else experiment_name


def sample_slice(config: dict[str, Any], experiment_name: str, model: str) -> dict[str, Any]:
    """What a sampling job depends on besides its model file."""
    return {"sampling": section(config, experiment_name, model, "sampling")}


def score_slice(config: dict[str, Any], experiment_name: str, model: str | None = None) -> dict[str, Any]:
    """What a scoring job depends on besides its samples: the data, the scoring settings, and
    the measures it runs (``measures.use`` with only those measures' settings; absent when the
    model uses none, so a study without measures keeps its slices)."""
    from qgen.measures import measure_slice

    exp = experiment(config, experiment_name)
    train_on_all = exp.get("train_on", "class") == "all"
    out = {
        "experiment": experiment_name,
        "dataset": exp["dataset"],
        # A class unit names its class; only a unit of all classes needs the list.
        "classes": classes(config, experiment_name) if train_on_all else None,
        "scoring": section(config, experiment_name, model, "scoring"),
    }
    measures = measure_slice(section(config, experiment_name, model, "measures")) if model else {"use": []}
    if measures["use"]:
        out["measures"] = measures
    return out


def measures_used(config: dict[str, Any], experiment_name: str, model: str) -> list[str]:
    """The measures a model's score job runs (``measures.use``)."""
    return list(section(config, experiment_name, model, "measures").get("use") or [])


def figure_slice(config: dict[str, Any], experiment_name: str) -> dict[str, Any]:
    return {"figures": section(config, experiment_name, None, "figures")}


def comparisons(config: dict[str, Any], experiment_name: str) -> list[list[str]]:
    """The experiment's model pairs [baseline, treatment]: its own, else its study's default
    pairs whose models it has, else its first two models."""
    from qgen.studies import STUDIES

    exp = experiment(config, experiment_name)
    if exp.get("comparisons"):
        return [list(p) for p in exp["comparisons"]]
    default = [list(p) for p in STUDIES.get(exp["study"]).comparisons if set(p) <= set(exp["models"])]
    return default or ([list(exp["models"][:2])] if len(exp["models"]) >= 2 else [])


def circuit_models(config: dict[str, Any], experiment_name: str) -> list[str]:
    """The experiment's models that execute a circuit (a twin or a closed form only stands in)."""
    from qgen.families import family_class

    out = []
    for model in experiment(config, experiment_name)["models"]:
        resolved = resolved_model(config, experiment_name, model)
        if family_class(resolved["family"]).runs_circuit(resolved["settings"], resolved["quantum"]):
            out.append(model)
    return out


def is_swept(config: dict[str, Any], experiment_name: str) -> bool:
    exp = experiment(config, experiment_name)
    return bool(exp.get("sweep") or exp.get("grid"))


def sweep_slice(config: dict[str, Any], experiment_name: str) -> dict[str, Any]:
    """What a swept experiment's summary depends on: its axes, each member's values, the pairs
    compared, and the figure settings naming the metrics and protocol."""
    from qgen.config.sweep import axis_assignments

    exp = experiment(config, experiment_name)
    specs = {**(exp.get("sweep") or {}), **(exp.get("grid") or {})}
    figures = section(config, experiment_name, None, "figures")
    return {
        "experiment": experiment_name,
        "axes": {axis: {"values": list(spec["values"]), "crossed": axis in (exp.get("grid") or {})}
                 for axis, spec in specs.items()},
        "members": axis_assignments(config, experiment_name),
        "comparisons": comparisons(config, experiment_name),
        "metrics": list(figures["sweep_metrics"]),
        "protocol": figures["sweep_protocol"],
    }


def dumps_slice(slice_: dict[str, Any]) -> str:
    """Canonical JSON of a slice (stable key order, so unchanged config means unchanged params)."""
    return json.dumps(slice_, sort_keys=True, separators=(",", ":"))


def same_jobs(config: dict[str, Any], a: str, b: str) -> bool:
    """Would experiments ``a`` and ``b`` run identical jobs (apart from their names)?"""
    def key(name: str) -> str:
        exp = experiment(config, name)
        slices = [{**train_slice(config, name, m), "experiment": None} for m in trained_models(config, name)]
        slices += [sample_slice(config, name, m) for m in exp["models"]]
        slices += [{**score_slice(config, name, m), "experiment": None} for m in exp["models"]]
        ident = {k: exp.get(k) for k in ("dataset", "train_on", "classes", "models", "seeds")}
        return dumps_slice({"slices": slices, "ident": ident})

    return key(a) == key(b)


def served_by(config: dict[str, Any], base: str, member: str) -> bool:
    """Would every job of experiment ``member`` be a job of ``base`` (apart from the name)?

    True when the member's models are among the base's and each of them (and what it
    requires) trains, samples and scores with the same slice in both: then the base's runs
    serve the member. A sweep member with all the base's models is served exactly when the two
    run identical jobs (:func:`same_jobs`)."""
    b, m = experiment(config, base), experiment(config, member)
    if not set(m["models"]) <= set(b["models"]):
        return False
    if any(b.get(k) != m.get(k) for k in ("dataset", "train_on", "classes", "seeds")):
        return False
    if not set(trained_models(config, member)) <= set(trained_models(config, base)):
        return False

    def slices(name: str) -> str:
        out = [{**train_slice(config, name, x), "experiment": None} for x in trained_models(config, member)]
        out += [sample_slice(config, name, x) for x in m["models"]]
        out += [{**score_slice(config, name, x), "experiment": None} for x in m["models"]]
        return dumps_slice(out)

    return slices(base) == slices(member)
