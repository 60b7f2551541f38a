"""Ablation axes: ``sweep:`` expands an experiment into one experiment per axis value.

One axis at a time around the experiment itself (the base): each value of each axis becomes
``<experiment>__<axis>-<value>``, a copy of the base with the axis' dotted key(s) set to that
value; an axis may name the ``models`` its members train (an ablation of one model inside a
study's main experiment). A value whose settings equal the base's is not duplicated: the
base's runs serve it. Adding a value therefore adds exactly that experiment's jobs; a value of
an axis that changes sampling settings only adds sampling and scoring jobs, since a member
trains nothing its base trains alike (:func:`qgen.config.resolve.training_experiment`).
"""

from __future__ import annotations

import copy
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
                member = {k: copy.deepcopy(v) for k, v in base.items() if k != "sweep"}
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
    return config


def sweep_family(config: dict[str, Any], name: str) -> list[str]:
    """An experiment and, if it is a swept base, all its members (what a target builds)."""
    exp = config["experiments"][name]
    members = [m for axis in (exp.get("sweep_members") or {}).values() for m in axis.values()]
    return list(dict.fromkeys([name, *members]))
