"""``config/README.md``, generated from the config schema so that it cannot drift from it.

:func:`config_reference` walks ``workflow/schemas/config.schema.yaml`` (resolving ``$ref``,
``allOf``, ``oneOf``, the ``additionalProperties`` of named maps and array ``items``) and renders
one Markdown section per top-level key, with a ``key | type | description`` table of dotted
paths (``defaults.training.lr``, ``models.<name>.quantum.backend.name``). A definition reused in
several places (``training``, ``scoring``, ...) is spelled out once, at its *home* (the first
place under ``defaults`` where it occurs, else the first place), and referenced elsewhere.
:func:`undocumented` lists the dotted paths whose schema lacks a description.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterator

import yaml

from qgen.config.loading import schema_path

#: The command that regenerates config/README.md.
REGENERATE = "qgen config-docs --out config/README.md"
#: A reused definition with at most this many rows is spelled out wherever it occurs.
INLINE_ROWS = 3
#: Placeholder of a named map's entries, by the map's key (top-level maps: ``<name>``).
PLACEHOLDERS = {
    "models": "<model>",
    "model_settings": "<model>",
    "requires": "<role>",
    "groups": "<group>",
    "sweep": "<axis>",
    "grid": "<axis>",
    "weights": "<feature>",
    "margins": "<metric>",
}

INTRO = """\
Every key the config accepts, generated from the schema (`workflow/schemas/config.schema.yaml`),
which is checked before any job starts.

**Files.** `config/config.yaml` holds what every study shares (folders, `execution`, `data`,
`metrics`, `claims`, the default quantum backend, `defaults`, the top targets); each study's file
(`config/s1.yaml`, `config/s2.yaml`, ...) is read after it and holds that study's `models`,
`presets`, `experiments` and targets. `snakemake --configfile my.yaml` overlays go on top; later
files override earlier ones key by key.

**Settings merge** per model, least specific first: `defaults.<section>` < the model entry's
`<section>` < the preset's `<section>` < the preset's `models.<model>.<section>` < the
experiment's `<section>` < the experiment's `model_settings.<model>.<section>` (sections:
`training`, `diffusion`, `sampling`, `scoring`, `figures`, `measures`). A model entry's other keys
are its family's own options (`qgen.families`), checked against the family's own schema and
merged the same way (model entry < preset < experiment).

**Sweeps and grids.** An experiment's `sweep` expands one axis at a time into experiments
`<name>__<axis>-<value>`; a `grid` crosses its axes into `<name>__<axis1>-<v1>__<axis2>-<v2>...`.
A member whose jobs are the base's reuses the base's runs, so adding a value schedules only its
jobs.

**Rerun triggers.** Each job gets exactly the config it depends on as its Snakemake params, so a
changed key reruns only the jobs that read it; `execution` (device, threads) and `data.mirror`
rerun nothing.

In the tables, `<name>`, `<model>`, `<axis>`, ... stand for names you choose; "config.yaml: x"
gives the value the shipped config/config.yaml sets."""


@dataclass
class Row:
    """One documented key."""

    path: str
    type: str
    description: str
    required: bool = False
    default: Any = None
    has_default: bool = False
    see: str | None = None  # the home path of a reused definition documented there


def load_schema() -> dict[str, Any]:
    return yaml.safe_load(schema_path().read_text())


class _Walker:
    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.definitions = schema.get("definitions") or {}
        self.homes: dict[str, str] = {}

    # -- resolution ---------------------------------------------------------------------------

    def expand(self, node: Any) -> tuple[Any, str | None]:
        """``node`` with its ``$ref`` and ``allOf`` merged in (own keys win, ``required`` and
        ``properties`` accumulate); and the name of the definition it refers to, if any."""
        if not isinstance(node, dict):
            return node, None
        merged: dict[str, Any] = {}
        ref_name = None
        parts: list[Any] = []
        if "$ref" in node:
            ref = node["$ref"]
            prefix = "#/definitions/"
            if not ref.startswith(prefix) or ref[len(prefix):] not in self.definitions:
                raise ValueError(f"unresolvable $ref {ref!r}")
            ref_name = ref[len(prefix):]
            parts.append(self.definitions[ref_name])
        parts += node.get("allOf") or []
        for part in parts:
            sub, sub_ref = self.expand(part)
            ref_name = ref_name or sub_ref
            self._merge(merged, sub)
        self._merge(merged, {k: v for k, v in node.items() if k not in ("$ref", "allOf")})
        return merged, ref_name

    @staticmethod
    def _merge(into: dict[str, Any], part: Any) -> None:
        if not isinstance(part, dict):
            return
        for key, value in part.items():
            if key == "required":
                into["required"] = list(dict.fromkeys([*into.get("required", []), *value]))
            elif key == "properties":
                into["properties"] = {**into.get("properties", {}), **value}
            else:
                into[key] = value

    def branches(self, node: dict[str, Any]) -> list[Any]:
        return [self.expand(b)[0] for b in (node.get("oneOf") or []) + (node.get("anyOf") or [])]

    def children(self, node: Any, path: str) -> Iterator[tuple[str, Any, bool]]:
        """(dotted path, schema, required) of each key inside ``node``: its properties, those of
        its object branches (oneOf/anyOf), a named map's entries, and array items' properties."""
        if not isinstance(node, dict):
            return
        sources = [node, *[b for b in self.branches(node) if isinstance(b, dict)]]
        seen: set[str] = set()
        for source in sources:
            required = set(source.get("required") or [])
            for key, sub in (source.get("properties") or {}).items():
                if key not in seen:
                    seen.add(key)
                    yield f"{path}.{key}" if path else key, sub, key in required
            extra = source.get("additionalProperties")
            if isinstance(extra, dict) and "<entry>" not in seen:
                seen.add("<entry>")
                last = path.rsplit(".", 1)[-1]
                placeholder = "<name>" if "." not in path else PLACEHOLDERS.get(last, "<key>")
                yield f"{path}.{placeholder}", extra, False
        items = node.get("items")
        if isinstance(items, dict):
            expanded, _ = self.expand(items)
            if expanded.get("properties"):
                yield from self.children(expanded, f"{path}[]")

    # -- the walks ----------------------------------------------------------------------------

    def all_paths(self) -> Iterator[tuple[str, Any, Any, str | None]]:
        """Every key, every definition spelled out wherever it occurs:
        (path, raw schema, expanded schema, definition name)."""

        def visit(path: str, raw: Any, chain: tuple[str, ...]) -> Iterator[tuple[str, Any, Any, str | None]]:
            expanded, ref = self.expand(raw)
            yield path, raw, expanded, ref
            if ref in chain:
                return
            for child, sub, _ in self.children(expanded, path):
                yield from visit(child, sub, chain + ((ref,) if ref else ()))

        for key, sub in (self.schema.get("properties") or {}).items():
            yield from visit(key, sub, ())

    def choose_homes(self) -> None:
        """Where each reused definition is spelled out: its first occurrence under ``defaults``,
        else its first occurrence (small ones are spelled out everywhere)."""
        where: dict[str, list[str]] = {}
        for path, _, _, ref in self.all_paths():
            if ref:
                where.setdefault(ref, []).append(path)
        for ref, paths in where.items():
            if len(paths) < 2:
                continue
            prefix = paths[0] + "."
            size = sum(1 for p, *_ in self.all_paths() if p.startswith(prefix))
            if size > INLINE_ROWS:
                self.homes[ref] = next((p for p in paths if p.startswith("defaults.")), paths[0])

    def rows(self, key: str) -> list[Row]:
        out: list[Row] = []

        def visit(path: str, raw: Any, required: bool) -> None:
            expanded, ref = self.expand(raw)
            home = self.homes.get(ref) if ref else None
            see = home if home and home != path else None
            text = description_of(raw, expanded)
            items = expanded.get("items") if isinstance(expanded, dict) else None
            item_text = description_of(items, self.expand(items)[0]) if isinstance(items, dict) else ""
            if item_text:
                text = f"{text.rstrip('.')}. Each item: {item_text}" if text else item_text
            out.append(Row(path=path, type=type_text(expanded, self), description=text,
                           required=required, default=expanded.get("default") if isinstance(expanded, dict) else None,
                           has_default=isinstance(expanded, dict) and "default" in expanded, see=see))
            if see:
                return
            for child, sub, req in self.children(expanded, path):
                visit(child, sub, req)

        visit(key, self.schema["properties"][key], key in (self.schema.get("required") or []))
        return out


def description_of(raw: Any, expanded: Any) -> str:
    """The key's own description, else that of the definition it refers to; '' if none."""
    if raw is False:
        return "not allowed here"
    for node in (raw, expanded):
        if isinstance(node, dict) and isinstance(node.get("description"), str) and node["description"].strip():
            return " ".join(node["description"].split())
    return ""


def _bounds(node: dict[str, Any]) -> str:
    parts = []
    for key, sign in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"), ("exclusiveMaximum", "<")):
        if key in node:
            parts.append(f"{sign} {node[key]}")
    if "pattern" in node:
        parts.append(f"matching `{node['pattern']}`")
    return f" ({', '.join(parts)})" if parts else ""


def type_text(node: Any, walker: _Walker) -> str:
    """A short type: 'integer (≥ 1)', 'number or null', 'one of `a`, `b`', 'array of string'."""
    if node is False:
        return "—"
    if node is True or not isinstance(node, dict):
        return "any"
    if "enum" in node:
        return "one of " + ", ".join(f"`{_value(v)}`" for v in node["enum"])
    kinds = node.get("type")
    if kinds is None and (node.get("oneOf") or node.get("anyOf")):
        return " or ".join(dict.fromkeys(type_text(b, walker) for b in walker.branches(node)))
    if kinds is None:
        return "any"
    kinds = kinds if isinstance(kinds, list) else [kinds]
    words = []
    for kind in kinds:
        if kind == "array" and isinstance(node.get("items"), dict):
            items, _ = walker.expand(node["items"])
            inner = type_text(items, walker)
            count = ""
            if node.get("minItems") is not None and node.get("minItems") == node.get("maxItems"):
                count = f"{node['minItems']} × "
            words.append(f"array of {count}{inner}")
        else:
            words.append(kind)
    text = " or ".join(words)
    return text + ("" if "array" in kinds else _bounds(node))


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, and ``<`` outside code spans too
    (``<name>`` would read as an HTML tag)."""
    parts = text.replace("|", "\\|").split("`")
    return "`".join(part if i % 2 else re.sub(r"<(?=[A-Za-z/!])", "&lt;", part) for i, part in enumerate(parts))


def _anchor(path: str) -> str:
    return path.split(".", 1)[0].lower()


def _render_row(row: Row) -> str:
    type_ = row.type + (", required" if row.required else "")
    text = row.description
    if text and not text.endswith("."):
        text += "."
    if row.has_default:
        text += f" Default: `{_value(row.default)}`."
    if row.see:
        text += f" Keys as under [`{row.see}`](#{_anchor(row.see)})."
    return f"| `{row.path}` | {_cell(type_)} | {_cell(text.strip())} |"


def _walker() -> _Walker:
    walker = _Walker(load_schema())
    walker.choose_homes()
    return walker


def undocumented() -> list[str]:
    """Dotted paths of every key (definitions spelled out wherever they occur) without a
    description; a key the schema forbids (``false``) needs none."""
    walker = _Walker(load_schema())
    return [path for path, raw, expanded, _ in walker.all_paths()
            if raw is not False and not description_of(raw, expanded)]


def config_reference() -> str:
    """config/README.md: the intro, then one section per top-level key with its table."""
    walker = _walker()
    schema = walker.schema
    lines = [
        f"<!-- Generated from workflow/schemas/config.schema.yaml by `{REGENERATE}`; do not edit by hand. -->",
        "",
        "# Configuration reference",
        "",
        INTRO,
        "",
        "Top-level keys: " + ", ".join(f"[`{k}`](#{_anchor(k)})" for k in schema["properties"]) + ".",
    ]
    for key in schema["properties"]:
        rows = walker.rows(key)
        lines += ["", f"## `{key}`", "", "| key | type | description |", "| --- | --- | --- |"]
        lines += [_render_row(row) for row in rows]
    return "\n".join(line for line in _squeeze(lines)) + "\n"


def _squeeze(lines: list[str]) -> Iterator[str]:
    """No two blank lines in a row."""
    previous = None
    for line in lines:
        if line == "" and previous == "":
            continue
        previous = line
        yield line


__all__ = ["REGENERATE", "config_reference", "load_schema", "undocumented"]
