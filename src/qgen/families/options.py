"""A family's own settings: checked against its ``options_schema`` and filled with its defaults.

Each property of a family's schema carries its ``default``, so the schema is the one place that
names a key, its type and its default value; config validation (which fills schema defaults)
and a family built directly from a settings dict agree.
"""

from __future__ import annotations

import copy
from typing import Any, Mapping

from qgen.errors import QgenError


def schema_defaults(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The ``default`` of each top-level property that has one."""
    return {k: copy.deepcopy(p["default"]) for k, p in schema.get("properties", {}).items() if "default" in p}


def resolve_options(family: str, schema: Mapping[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """``settings`` validated against ``schema`` (typos fail here), with defaults filled in."""
    import jsonschema

    try:
        jsonschema.validate(dict(settings), dict(schema))
    except jsonschema.ValidationError as err:
        where = ".".join(str(p) for p in err.absolute_path) or "(settings)"
        known = ", ".join(sorted(schema.get("properties", {})))
        raise QgenError(
            f"settings of the {family!r} family at {where}: {err.message}. "
            f"Fix the model entry's settings; known keys: {known}."
        ) from None
    return {**schema_defaults(schema), **copy.deepcopy(dict(settings))}


def positive_ints(default: list[int]) -> dict[str, Any]:
    """Schema of a non-empty list of positive integers (layer widths, strides)."""
    return {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1, "default": default}
