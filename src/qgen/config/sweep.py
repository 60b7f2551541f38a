"""Ablation axes: ``sweep:`` and ``grid:`` expand an experiment into one experiment per setting.

``sweep``: one axis at a time around the experiment itself (the base): each value of each axis
becomes ``<experiment>__<axis>-<value>``, a copy of the base with the axis' dotted key(s) set to
that value; an axis may name the ``models`` its members train (an ablation of one model inside a
study's main experiment). ``grid``: the axes crossed, each combination becoming
``<experiment>__<axis1>-<v1>__<axis2>-<v2>...`` (S1's noise source x schedule x time-step
sampling). A member whose jobs are the base's is not duplicated: the base's runs serve it.
Adding a value therefore adds exactly its experiments' jobs; a value of an axis that changes
sampling settings only adds sampling and scoring jobs, since a member trains nothing its base
trains alike (:func:`qgen.config.resolve.training_experiment`).

Recorded on the base: ``sweep_members`` (axis -> value label -> the experiment that serves it),
``grid_members`` (combination label -> experiment) and ``sweep_base`` (axis -> the base's own
value label, where the base's config states it or a value is served by the base), so tables and
claims can place every run on its axis.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

from qgen.config.loading import ConfigError

SEPARATOR = "__"


def value_label(value: Any) -> str:
    """A file-name-safe label of an axis value: 16, 0.001, linear, True."""
    if isinstance(value, float):
        return format(value, "g")
    label = str(value)
    if not all(ch.isalnum() or ch in "._-" for ch in label):
        raise ConfigError(f"sweep value {value!r} cannot name an experiment folder; use letters, digits, '.', '_' or '-'")
    return label


def member_name(base: str, axis: str, value: Any) -> str:
    return f"{base}{SEPARATOR}{axis}-{value_label(value)}"


def _set_dotted(target: dict[str, Any], dotted: str, value: Any, where: str) -> None:
    parts = dotted.split(".")
    node = target
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"{where}: cannot set {dotted!r}: {part!r} is not a mapping")
        node = child
    node[parts[-1]] = copy.deepcopy(value)


def expand_sweeps(config: dict[str, Any], same_settings: Any = None) -> dict[str, Any]:
    """``config`` with every swept experiment's members added (in place and returned).

    ``same_settings(config, a, b)`` says whether two experiments would run identical jobs; a
    member identical to its base is left out and recorded as served by the base.
    """
    experiments = config["experiments"]
    for base_name in [n for n, e in experiments.items() if e.get("sweep") and "sweep_members" not in e]:
        base = experiments[base_name]
        axes: dict[str, dict[str, str]] = {}
        for axis, spec in base["sweep"].items():
            keys = [spec["set"]] if isinstance(spec["set"], str) else list(spec["set"])
            axes[axis] = {}
            for value in spec["values"]:
                name = member_name(base_name, axis, value)
                if name in experiments:
                    raise ConfigError(f"experiments.{base_name}.sweep.{axis}: experiment {name!r} already exists")
                member = {k: copy.deepcopy(v) for k, v in base.items() if k not in EXPANDED_KEYS}
                if spec.get("models"):
                    member["models"] = list(spec["models"])
                for key in keys:
                    _set_dotted(member, key, value, f"experiments.{base_name}.sweep.{axis}")
                member["sweep_of"] = {"experiment": base_name, "axis": axis, "value": value}
                experiments[name] = member
                if same_settings is not None and same_settings(config, base_name, name):
                    del experiments[name]
                    axes[axis][value_label(value)] = base_name
                else:
                    axes[axis][value_label(value)] = name
        base["sweep_members"] = axes
        base["sweep_base"] = _base_labels(base, axes, base_name)
    for base_name in [n for n, e in experiments.items() if e.get("grid") and "grid_members" not in e]:
        _expand_grid(config, base_name, same_settings)
    return config


# Keys a member does not inherit (it would expand again).
EXPANDED_KEYS = ("sweep", "sweep_members", "sweep_base", "grid", "grid_members")


def _axis_keys(spec: dict[str, Any]) -> list[str]:
    return [spec["set"]] if isinstance(spec["set"], str) else list(spec["set"])


def _expand_grid(config: dict[str, Any], base_name: str, same_settings: Any) -> None:
    experiments = config["experiments"]
    base = experiments[base_name]
    axes = base["grid"]
    members: dict[str, str] = {}
    for combo in itertools.product(*(spec["values"] for spec in axes.values())):
        assignment = dict(zip(axes, combo))
        label = SEPARATOR.join(f"{axis}-{value_label(value)}" for axis, value in assignment.items())
        name = f"{base_name}{SEPARATOR}{label}"
        if name in experiments:
            raise ConfigError(f"experiments.{base_name}.grid: experiment {name!r} already exists")
        member = {k: copy.deepcopy(v) for k, v in base.items() if k not in EXPANDED_KEYS}
        for axis, value in assignment.items():
            for key in _axis_keys(axes[axis]):
                _set_dotted(member, key, value, f"experiments.{base_name}.grid.{axis}")
        member["sweep_of"] = {"experiment": base_name, "grid": assignment}
        experiments[name] = member
        if same_settings is not None and same_settings(config, base_name, name):
            del experiments[name]
            members[label] = base_name
        else:
            members[label] = name
    base["grid_members"] = members


def _get_dotted(source: dict[str, Any], dotted: str) -> Any:
    node: Any = source
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def axis_assignments(config: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    """Every experiment of a swept base's family -> the value of every axis it was run at.

    Axes the experiment does not vary take the base's own value: the experiment's setting, or,
    for a settings section (``diffusion.schedule``), the merged default."""
    from qgen.config.resolve import SECTIONS, section

    base = config["experiments"][name]
    specs = {**(base.get("sweep") or {}), **(base.get("grid") or {})}

    def base_value(spec: dict[str, Any]) -> Any:
        key = _axis_keys(spec)[0]
        head, _, rest = key.partition(".")
        if head in SECTIONS and rest:
            return _get_dotted(section(config, name, None, head), rest)
        if head == "model_settings" and "." in rest:  # one model's setting: as the model resolves it
            from qgen.config.resolve import resolved_model

            model, _, inner = rest.partition(".")
            resolved = resolved_model(config, name, model)
            value = _get_dotted({**resolved["settings"], "quantum": resolved["quantum"] or {}}, inner)
            return value if value is not None else _get_dotted(base, key)
        return _get_dotted(base, key)

    defaults = {axis: base_value(spec) for axis, spec in specs.items()}
    out = {name: dict(defaults)}
    for axis, values in (base.get("sweep_members") or {}).items():
        for label, member in values.items():
            value = next(v for v in specs[axis]["values"] if value_label(v) == label)
            out.setdefault(member, {**defaults, axis: value})
    for member in (base.get("grid_members") or {}).values():
        if member != name:
            out[member] = {**defaults, **config["experiments"][member]["sweep_of"]["grid"]}
    return out


def _base_labels(base: dict[str, Any], axes: dict[str, dict[str, str]], base_name: str) -> dict[str, str]:
    """The base's own value on each axis: a value it serves, else what its config sets."""
    out = {}
    for axis, spec in base["sweep"].items():
        served = [label for label, name in axes[axis].items() if name == base_name]
        keys = [spec["set"]] if isinstance(spec["set"], str) else list(spec["set"])
        stated = _get_dotted(base, keys[0])
        if served:
            out[axis] = served[0]
        elif stated is not None and not isinstance(stated, (dict, list)):
            out[axis] = value_label(stated)
    return out


def sweep_family(config: dict[str, Any], name: str) -> list[str]:
    """An experiment and, if it is a swept base, all its members (what a target builds)."""
    exp = config["experiments"][name]
    members = [m for axis in (exp.get("sweep_members") or {}).values() for m in axis.values()]
    members += list((exp.get("grid_members") or {}).values())
    return list(dict.fromkeys([name, *members]))
