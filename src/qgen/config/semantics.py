"""Checks a schema cannot express: names resolve in their registries, classes exist, models fit."""

from __future__ import annotations

from typing import Any

from qgen.config.loading import ConfigError
from qgen.config.resolve import classes, resolved_model, section, trained_models


def _known(kind: str, name: str, registry: Any, where: str) -> None:
    if name not in registry:
        raise ConfigError(f"{where}: {kind} {name!r} is unknown; known {kind}s: {', '.join(registry.names())}")


def check_models(config: dict[str, Any]) -> None:
    """Model entries name known families, circuits and backends, and require what they need."""
    from qgen.families import FAMILIES
    from qgen.quantum import BACKENDS, CIRCUITS

    backend = (config.get("quantum") or {}).get("backend") or {}
    if backend.get("name") is not None:
        _known("quantum backend", backend["name"], BACKENDS, "quantum.backend.name")
    for name, model in config["models"].items():
        where = f"models.{name}"
        _known("model family", model["family"], FAMILIES, f"{where}.family")
        family = FAMILIES.get(model["family"])
        quantum = model.get("quantum") or {}
        if quantum.get("circuit") is not None:
            _known("circuit", quantum["circuit"], CIRCUITS, f"{where}.quantum.circuit")
        if (quantum.get("backend") or {}).get("name") is not None:
            _known("quantum backend", quantum["backend"]["name"], BACKENDS, f"{where}.quantum.backend.name")
        roles = set(model.get("requires") or {})
        if roles != set(family.requires_roles):
            raise ConfigError(f"{where}.requires: family {model['family']!r} needs runs for role(s) "
                              f"{sorted(family.requires_roles) or 'none'}, got {sorted(roles) or 'none'}")
        for role, required in (model.get("requires") or {}).items():
            if required not in config["models"]:
                raise ConfigError(f"{where}.requires.{role}: model {required!r} is not defined under 'models'")


def check_semantics(config: dict[str, Any]) -> None:
    """Every name resolves and every experiment can run; raises ConfigError naming the key."""
    from qgen.data import dataset_info
    from qgen.diffusion import BETA_SCHEDULES, TIMESTEP_SAMPLERS
    from qgen.families import FAMILIES
    from qgen.studies import STUDIES

    check_models(config)
    for exp_name, exp in config["experiments"].items():
        where = f"experiments.{exp_name}"
        _known("study", exp["study"], STUDIES, f"{where}.study")
        try:
            info = dataset_info(exp["dataset"])
        except KeyError as err:
            raise ConfigError(f"{where}.dataset: {err.args[0]}") from None
        bad = [c for c in exp.get("classes") or [] if not 0 <= int(c) < info.n_classes]
        if bad:
            raise ConfigError(
                f"{where}.classes: class {bad[0]} does not exist in dataset {exp['dataset']!r}, "
                f"whose classes are 0..{info.n_classes - 1}. Fix the class list."
            )
        if exp.get("preset") and exp["preset"] not in config.get("presets", {}):
            raise ConfigError(f"{where}.preset: preset {exp['preset']!r} is not defined under 'presets' "
                              f"(defined: {', '.join(sorted(config.get('presets', {}))) or 'none'})")
        for model in exp["models"]:
            if model not in config["models"]:
                raise ConfigError(f"{where}.models: model {model!r} is not defined under 'models' "
                                  f"(defined: {', '.join(sorted(config['models']))})")
        for model in (exp.get("model_settings") or {}):
            if model not in config["models"]:
                raise ConfigError(f"{where}.model_settings: model {model!r} is not defined under 'models'")
        for pair in exp.get("comparisons") or []:
            missing = [m for m in pair if m not in exp["models"]]
            if missing:
                raise ConfigError(f"{where}.comparisons: {missing} not among the experiment's models {exp['models']}")
        if exp.get("stands_for"):
            try:
                dataset_info(exp["stands_for"])
            except KeyError as err:
                raise ConfigError(f"{where}.stands_for: {err.args[0]}") from None
        for model in trained_models(config, exp_name):
            resolved = resolved_model(config, exp_name, model)
            family = FAMILIES.get(resolved["family"])
            problems = family.check_settings(resolved["settings"])
            if problems:
                raise ConfigError(f"{where}: model {model!r} (family {resolved['family']}): {problems[0]}. "
                                  f"Fix the model entry or its overrides.")
            diffusion = resolved["settings"].get("diffusion")
            if diffusion:
                _known("beta schedule", diffusion["schedule"], BETA_SCHEDULES, f"{where} ({model}) diffusion.schedule")
                _known("time-step sampler", diffusion["timestep_sampling"], TIMESTEP_SAMPLERS,
                       f"{where} ({model}) diffusion.timestep_sampling")
                _check_noise_source(diffusion.get("noise_source"), f"{where} ({model}) diffusion.noise_source")
            sampling_noise = section(config, exp_name, model, "sampling").get("noise_source")
            _check_noise_source(sampling_noise, f"{where} ({model}) sampling.noise_source")
            if sampling_noise not in (None, "pseudo") and "noise_source" not in family.sampling_options:
                raise ConfigError(f"{where}: model {model!r} (family {resolved['family']}) does not read "
                                  f"sampling.noise_source; its sampling noise is its own. Fix: drop the setting "
                                  f"for this model.")
            if resolved["quantum"] is None and _needs_quantum(resolved):
                raise ConfigError(f"{where}: model {model!r} uses a quantum layer but has no quantum block "
                                  f"(models.{model}.quantum: {{circuit, circuit_params}})")
        _check_measures(config, exp_name)
        _check_sample_counts(config, exp_name)
        _check_sampling_and_scoring(config, exp_name)
    check_targets(config)


def _check_measures(config: dict[str, Any], exp_name: str) -> None:
    """Each model's measures exist and can measure its family (a VAE cannot route)."""
    from qgen.config.resolve import measures_used
    from qgen.families import FAMILIES
    from qgen.measures import MEASURES

    for model in config["experiments"][exp_name]["models"]:
        family = FAMILIES.get(resolved_model(config, exp_name, model)["family"])
        for name in measures_used(config, exp_name, model):
            where = f"experiments.{exp_name}: model {model!r} measures.use"
            _known("measure", name, MEASURES, where)
            problem = MEASURES.get(name).applies(family)
            if problem:
                raise ConfigError(f"{where}: measure {name!r} cannot measure it: {problem}. "
                                  f"Fix: drop {name!r} from that model's measures.use.")


GENERIC_SAMPLING = ("n_samples", "batch_size", "quantum")
NOISY_BACKENDS = ("torch", "default.mixed")


def _check_sampling_and_scoring(config: dict[str, Any], exp_name: str) -> None:
    """Sampling keys a family reads, noise on a backend that simulates it, known validators and ansatzes."""
    from qgen.config.resolve import section
    from qgen.families import FAMILIES
    from qgen.metrics.gradable import VALIDATORS
    from qgen.quantum import CIRCUITS

    where = f"experiments.{exp_name}"
    for model in config["experiments"][exp_name]["models"]:
        resolved = resolved_model(config, exp_name, model)
        family = FAMILIES.get(resolved["family"])
        sampling = section(config, exp_name, model, "sampling")
        for key in sampling:
            if key == "noise_source":  # every family reads pseudo noise; circuit noise is checked above
                continue
            if key not in GENERIC_SAMPLING and sampling[key] is not None and key not in family.sampling_options:
                raise ConfigError(f"{where}: model {model!r} (family {resolved['family']}) does not read sampling.{key} "
                                  f"(it reads {', '.join(GENERIC_SAMPLING + family.sampling_options)}). "
                                  f"Fix: set it for the models that read it (model_settings) or drop it.")
        noise = (sampling.get("quantum") or {}).get("noise")
        backend = (resolved["quantum"] or {}).get("backend", {}).get("name")
        if noise and resolved["quantum"] and backend not in NOISY_BACKENDS:
            raise ConfigError(f"{where}: model {model!r} samples with sampling.quantum.noise but its circuit runs on "
                              f"{backend!r}, which cannot simulate noise channels. Fix: use backend "
                              f"{' or '.join(NOISY_BACKENDS)} for this model.")
        for name in section(config, exp_name, model, "scoring").get("gradable") or []:
            _known("validator", name, VALIDATORS, f"{where} ({model}) scoring.gradable")
    trainability = section(config, exp_name, None, "figures").get("trainability") or {}
    for name in trainability.get("ansatzes", []):
        _known("circuit", name, CIRCUITS, f"{where} figures.trainability.ansatzes")


def _needs_quantum(resolved: dict[str, Any]) -> bool:
    """A gate needs the circuit it runs (quantum) or stands in for (twin, closed_form)."""
    denoiser = resolved["settings"].get("denoiser") or {}
    return denoiser.get("bottleneck", "none") != "none"


def _check_noise_source(spec: Any, where: str) -> None:
    """A noise source's name, and a circuit source's circuit and backend, resolve."""
    from qgen.diffusion.noise import NOISE_SOURCES, noise_options
    from qgen.quantum import BACKENDS, CIRCUITS

    name, options = noise_options(spec)
    _known("noise source", name, NOISE_SOURCES, where)
    if options.get("circuit") is not None:
        _known("circuit", options["circuit"], CIRCUITS, f"{where}.circuit")
    if (options.get("backend") or {}).get("name") is not None:
        _known("quantum backend", options["backend"]["name"], BACKENDS, f"{where}.backend.name")
    if name == "pseudo" and options:
        raise ConfigError(f"{where}: the pseudo noise source takes no options (got {sorted(options)}). "
                          f"Fix: write noise_source: pseudo.")


def _check_sample_counts(config: dict[str, Any], exp_name: str) -> None:
    """Each metric's minimum number of images, checked before anything trains."""
    from qgen.config.resolve import section

    exp = config["experiments"][exp_name]
    for model in exp["models"]:
        n = section(config, exp_name, model, "sampling")["n_samples"]
        scoring = section(config, exp_name, model, "scoring")
        needs = []
        if "standard" in scoring["protocols"] and n < 10:
            needs.append("the standard protocol needs at least 10 generated images (FID covariance, KID subsets, "
                         "Inception-Score splits and k-nearest-neighbour precision/recall)")
        if "paper" in scoring["protocols"] and n < scoring["paper_n_samples"]:
            needs.append(f"the paper protocol uses the first {scoring['paper_n_samples']} images")
        if needs:
            raise ConfigError(f"experiments.{exp_name}: model {model!r} samples {n} image(s) but {'; '.join(needs)}. "
                              f"Fix sampling.n_samples.")
        if scoring.get("n_real") is not None and scoring["n_real"] < 10 and "standard" in scoring["protocols"]:
            raise ConfigError(f"experiments.{exp_name}: scoring.n_real = {scoring['n_real']} is too few real images "
                              f"for the standard protocol (at least 10). Fix scoring.n_real or set it to null.")
    _ = classes(config, exp_name)


def check_targets(config: dict[str, Any]) -> None:
    """Every target entry names an experiment or another target, without cycles."""
    from qgen.config import target_experiments

    for target, names in config.get("targets", {}).items():
        for name in names:
            if name not in config["experiments"] and name not in config["targets"]:
                raise ConfigError(f"targets.{target}: {name!r} is neither an experiment nor a target")
        target_experiments(config, target)
