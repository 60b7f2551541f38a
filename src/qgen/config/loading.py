"""Reading and validating config files, with errors that name the file, the line or the key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Iterable

import yaml

from qgen.errors import QgenError

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


class ConfigError(QgenError):
    """A config that cannot run; the message names the key and the fix."""


def schema_path() -> Path:
    """The config schema: shipped inside the package (a copy of workflow/schemas/config.schema.yaml
    made at build time) or, in a source checkout, read from the workflow folder."""
    packaged = PACKAGE_ROOT / "schemas" / "config.schema.yaml"
    if packaged.is_file():
        return packaged
    return PACKAGE_ROOT.parents[1] / "workflow" / "schemas" / "config.schema.yaml"


def read_yaml(path: Path | str) -> dict[str, Any]:
    """A YAML mapping from ``path``; a syntax error names the file, line and column."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise ConfigError(f"cannot read config file {path}: {err.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError(yaml_error_message(path, err)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config file must be a mapping of keys at top level, not {type(data).__name__}")
    return data


def yaml_error_message(path: Path | str, err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else str(path)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    context = getattr(err, "context", None)
    detail = f"{problem} ({context})" if context else problem
    return f"{where}: YAML syntax error: {detail}. Fix that line (mixed tabs and spaces or a missing colon are common)."


def deep_merge(base: dict[str, Any], override: dict[str, Any] | None) -> dict[str, Any]:
    """Recursively merge ``override`` into a copy of ``base`` (override wins)."""
    out = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def merge_files(paths: Iterable[Path | str]) -> dict[str, Any]:
    """Later files override earlier ones, key by key (as ``snakemake --configfile a b`` does)."""
    config: dict[str, Any] = {}
    for path in paths:
        config = deep_merge(config, read_yaml(path))
    return config


def _schema() -> dict[str, Any]:
    return yaml.safe_load(schema_path().read_text())


def _key(path: Iterable[Any]) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def _coerce(value: str, expected: Any) -> Any:
    """A string that Snakemake's ``--config`` left unparsed, as the number or boolean the schema wants."""
    kinds = expected if isinstance(expected, list) else [expected]
    parsed = yaml.safe_load(value)
    if isinstance(parsed, bool):
        return parsed if "boolean" in kinds else None
    if isinstance(parsed, int) and ("integer" in kinds or "number" in kinds):
        return parsed
    if isinstance(parsed, float) and "number" in kinds:
        return parsed
    if value.strip().lower() in ("null", "none", "~") and "null" in kinds:
        return None
    return None


def _set(config: dict[str, Any], path: list[Any], value: Any) -> None:
    node: Any = config
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def validate_schema(config: dict[str, Any]) -> None:
    """Check ``config`` against the schema, in place: fill top-level defaults, turn numeric
    strings from ``--config`` into numbers, and fail with the offending keys in a few lines."""
    import jsonschema

    schema = _schema()
    validator_cls = jsonschema.validators.validator_for(schema)
    validator = validator_cls(schema)
    for _ in range(1000):  # each pass converts the strings the schema rejects; stops when none is left
        errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
        fixable = [e for e in errors if e.validator == "type" and isinstance(e.instance, str)
                   and _coerce(e.instance, e.validator_value) is not None]
        if not fixable:
            break
        for err in fixable:
            _set(config, list(err.absolute_path), _coerce(err.instance, err.validator_value))
    if errors:
        raise ConfigError(_schema_message(errors))
    for key, spec in schema.get("properties", {}).items():
        if "default" in spec and key not in config:
            config[key] = copy.deepcopy(spec["default"])
        if isinstance(config.get(key), dict):
            for sub, subspec in spec.get("properties", {}).items():
                if "default" in subspec and sub not in config[key]:
                    config[key][sub] = copy.deepcopy(subspec["default"])


def _schema_message(errors: list[Any]) -> str:
    """At most five problems, each as 'key: what is wrong' (never the schema itself)."""
    import jsonschema

    lines = []
    for err in errors:
        # Inside oneOf/allOf the most specific sub-error says what is wrong.
        err = jsonschema.exceptions.best_match([err]) if err.context else err
        key = _key(err.absolute_path)
        if err.validator == "additionalProperties":
            extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
            known = ", ".join(sorted(err.schema.get("properties", {})))
            lines.append(f"{key}: unknown key(s) {', '.join(map(repr, extra))}; known keys here: {known}")
        elif err.validator == "required":
            lines.append(f"{key}: {err.message}")
        elif err.validator == "enum":
            lines.append(f"{key}: {err.instance!r} is not one of {', '.join(map(repr, err.validator_value))}")
        elif err.validator == "type":
            lines.append(f"{key}: {err.instance!r} is not of type {err.validator_value}")
        else:
            lines.append(f"{key}: {err.message}")
    unique = list(dict.fromkeys(lines))
    more = f"\n  ... and {len(unique) - 5} more" if len(unique) > 5 else ""
    return "config does not match the schema:\n  " + "\n  ".join(unique[:5]) + more + \
        "\nFix the key(s) above (config/README.md explains every key)."
