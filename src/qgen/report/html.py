"""Self-contained HTML pages from the Markdown qgen writes (tables, claims), for the Snakemake
report and browsers: images embedded as data URIs, verdicts coloured, provenance at the end.

Only the Markdown that :mod:`qgen.report.markdown` and the pages produce is understood: headings,
paragraphs, '- ' lists, pipe tables, images on their own line, **bold**, `code` and links.
The page has no html/head/body tags (optional in HTML5) and its style is scoped to
``.qgen-page``, so the same file can also be inlined into another page (the report's landing
page) without restyling it.
"""

from __future__ import annotations

import base64
import html
import json
import mimetypes
import re
from pathlib import Path
from typing import Any, Iterable, Sequence

from qgen.report.style import VERDICT_COLOURS

CSS = """
.qgen-page { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328;
  line-height: 1.45; max-width: 72rem; }
.qgen-page h1 { font-size: 1.5rem; margin: 0.4rem 0 0.6rem; }
.qgen-page h2 { font-size: 1.2rem; margin: 1.2rem 0 0.4rem; border-bottom: 1px solid #d0d7de; }
.qgen-page h3 { font-size: 1.0rem; margin: 1rem 0 0.3rem; }
.qgen-page h4 { font-size: 0.95rem; margin: 0.8rem 0 0.3rem; }
.qgen-page p, .qgen-page li { font-size: 0.9rem; margin: 0.25rem 0; }
.qgen-page ul { margin: 0.2rem 0 0.6rem 1.2rem; padding: 0; }
.qgen-page table { border-collapse: collapse; font-size: 0.8rem; margin: 0.4rem 0 0.5rem; }
.qgen-page th, .qgen-page td { border: 1px solid #d0d7de; padding: 0.2rem 0.45rem; text-align: left;
  vertical-align: top; }
.qgen-page th { background: #f6f8fa; }
.qgen-page td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.qgen-page figure { margin: 0.3rem 0 0.6rem; }
.qgen-page figure img { max-width: 100%; max-height: 52vh; height: auto; width: auto; margin: 0; }
.qgen-page .smoke { background: #fff4e5; border-left: 4px solid #b3261e; padding: 0.3rem 0.6rem; }
.qgen-page details { margin: 0.3rem 0; font-size: 0.85rem; }
.qgen-page pre { background: #f6f8fa; padding: 0.5rem; overflow: auto; max-height: 24rem; font-size: 0.75rem; }
"""
CSS += "".join(
    f".qgen-page .verdict-{re.sub(r'[^a-z]+', '-', v)}, .qgen-page .verdict-{re.sub(r'[^a-z]+', '-', v)} strong "
    f"{{ color: {c}; font-weight: 600; }}\n"
    for v, c in VERDICT_COLOURS.items()
)
NUMBER = re.compile(r"^[\s\-−+0-9.eE,\[\]()/–]+$")


def verdict_class(text: str) -> str | None:
    """The CSS class of a cell that is a verdict ('holds', 'does not hold', ...), else None."""
    plain = text.replace("*", "").strip()
    return f"verdict-{re.sub(r'[^a-z]+', '-', plain)}" if plain in VERDICT_COLOURS else None


def data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def inline(text: str) -> str:
    """Escape, then **bold**, `code` and [text](url)."""
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", lambda m: f'<a href="{html.escape(m[2])}">{m[1]}</a>', out)


def _cells(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [c.strip().replace("\\|", "|") for c in cells]


def _table(lines: Sequence[str]) -> str:
    header, body = _cells(lines[0]), [_cells(line) for line in lines[2:]]
    out = ["<table>", "<thead><tr>" + "".join(f"<th>{inline(c)}</th>" for c in header) + "</tr></thead>", "<tbody>"]
    for row in body:
        cells = []
        for cell in row:
            cls = verdict_class(cell) or ("num" if cell and NUMBER.match(cell) else None)
            cells.append(f'<td class="{cls}">{inline(cell)}</td>' if cls else f"<td>{inline(cell)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "\n".join(out + ["</tbody>", "</table>"])


def _image(line: str, base: Path) -> str:
    m = re.match(r"^!\[([^\]]*)\]\(([^)]+)\)$", line.strip())
    assert m is not None
    alt, src = m[1], m[2]
    path = base / src
    uri = data_uri(path) if path.is_file() else src
    return f'<figure><img alt="{html.escape(alt)}" src="{uri}"></figure>'


def _blocks(markdown: str) -> Iterable[list[str]]:
    """Runs of lines of one kind: a heading, a table, a list, an image or a paragraph."""
    block: list[str] = []
    kind = None
    for line in markdown.splitlines():
        stripped = line.strip()
        if not stripped:
            if block:
                yield block
            block, kind = [], None
            continue
        this = ("heading" if stripped.startswith("#") else "table" if stripped.startswith("|")
                else "list" if stripped.startswith("- ") else "image" if stripped.startswith("![") else "text")
        continues = kind == this or (kind == "list" and this == "text" and line.startswith("  "))
        if block and (this in ("heading", "image") or not continues):
            yield block
            block = []
        block.append(line)
        kind = this
    if block:
        yield block


def markdown_to_html(markdown: str, base: Path) -> str:
    """The body HTML of a page; images are read from paths relative to ``base`` and embedded."""
    out = []
    for block in _blocks(markdown):
        first = block[0].strip()
        if first.startswith("#"):
            level = len(first) - len(first.lstrip("#"))
            out.append(f"<h{level}>{inline(first[level:].strip())}</h{level}>")
        elif first.startswith("|"):
            out.append(_table([b.strip() for b in block]))
        elif first.startswith("!["):
            out.append(_image(first, base))
        elif first.startswith("- "):
            items, current = [], []
            for line in block:
                if line.strip().startswith("- ") and current:
                    items.append(" ".join(current))
                    current = []
                current.append(line.strip().removeprefix("- "))
            items.append(" ".join(current))
            out.append("<ul>" + "".join(f"<li>{inline(i)}</li>" for i in items) + "</ul>")
        else:
            text = " ".join(b.strip() for b in block)
            smoke = ' class="smoke"' if text.startswith("**Smoke run") else ""
            out.append(f"<p{smoke}>{inline(text)}</p>")
    return "\n".join(out)


def provenance_html(records: Sequence[tuple[str, dict[str, Any]]]) -> str:
    """Each provenance record, folded: what made the numbers above (config slice, inputs, commit)."""
    out = []
    for name, record in records:
        summary = f"{html.escape(name)}: git {html.escape(str(record.get('git_commit')))}, " \
                  f"{html.escape(str(record.get('created_utc', '')))}"
        body = html.escape(json.dumps(record, indent=2, sort_keys=True, default=str))
        out.append(f"<details><summary>{summary}</summary><pre>{body}</pre></details>")
    return "\n".join(out)


def html_page(markdown: str, base: Path, title: str, provenance: Sequence[tuple[str, dict[str, Any]]] = ()) -> str:
    """A self-contained page: the Markdown rendered, then the provenance records, folded."""
    body = markdown_to_html(markdown, base)
    if provenance:
        # Under the page's own provenance section (last) if it has one, else under a new one.
        if not re.search(r"^## Provenance\s*$", markdown, re.M):
            body += "\n<h2>Provenance</h2>"
        body += ("\n<p>The full records of the jobs that made this page: the config slice each job got, its inputs, "
                 "the code version (git commit) and when and where it ran.</p>\n" + provenance_html(provenance))
    return (f'<!DOCTYPE html>\n<meta charset="utf-8">\n<title>{html.escape(title)}</title>\n'
            f"<style>{CSS}</style>\n<main class=\"qgen-page\">\n{body}\n</main>\n")
