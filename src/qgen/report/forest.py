"""The forest plot of a study's claims: one row per claim part and comparison, read at a glance.

Layout (a figure of three columns, one row per claim part and comparison, in the study's order):

- left, the row's label: claim, metric and the comparison ("quantum - classical", or
  "quantum / classical" for a ratio of spreads);
- middle, the row's own axis: FID, SSIM and spread ratios differ by orders of magnitude, so each
  row has its own scale, symmetric about no effect (0 for a difference; 1 for a ratio, on a log
  axis), with its tick values printed under it. The no-effect line sits at the same place in
  every row, so directions read down the column. The side the claim predicts is shaded. Our
  estimate is a dot with its 95% interval (no bar where there is none, e.g. one seed); the
  paper's own difference (its ratio for spreads) is an open diamond, or an arrow at the edge
  with its value when it lies far outside the row's scale; the equivalence margin (inside it a
  difference counts as "no meaningful difference") is hatched;
- right, the verdict (coloured), our estimate with its interval and the Holm-corrected p.

A combined claim (e.g. S1's C4 = C4a and C4b) gets a header line with its own verdict above its
parts. Parts the target did not run are not drawn: a footnote names them. What each row shows
is returned and stored in the PNG (``qgen:data``), so tests and tools can check the figure
against the claims table.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import asdict, dataclass
from typing import Any, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from qgen.claims import NOT_RUN
from qgen.report.claims_page import comparison_label, is_combined
from qgen.report.claims_page import model_name as _name  # one reading of a row's model names
from qgen.report.markdown import fmt
from qgen.report.style import PAPER_COLOUR, RC, figure_style, metric_label, model_colour, verdict_colour

# Inches: the three columns, a row, a combined claim's header line.
LEFT, MIDDLE, RIGHT = 2.35, 2.9, 2.45
ROW, HEADER = 0.62, 0.3
PAPER_CLIP = 4.0
MARGIN_COLOUR = "#b8b8b8"  # the paper's value is drawn inside the row's scale if within 4x of ours


@dataclass(frozen=True)
class ForestRow:
    """One drawn row: a claim part for one comparison (treatment against baseline)."""

    claim: str
    baseline: str
    treatment: str
    metric: str
    scale: str  # "difference" or "ratio"
    estimate: float
    low: float
    high: float
    paper: float
    direction: int
    verdict: str
    p_holm: float
    margin_low: float = math.nan  # the equivalence margin, on the row's scale
    margin_high: float = math.nan

    @property
    def null(self) -> float:
        return 1.0 if self.scale == "ratio" else 0.0

    def comparison(self) -> str:
        if not self.baseline:  # one model judged against a stated value or range (S2)
            return self.treatment
        sign = "/" if self.scale == "ratio" else "\u2212"
        return f"{self.treatment} {sign} {self.baseline}"


def _float(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


def _paper_effect(row: Any, scale: str) -> float:
    """The paper's own effect on our row's scale: a difference, or the ratio of its spreads."""
    b, t = _float(getattr(row, "paper_baseline", math.nan)), _float(getattr(row, "paper_treatment", math.nan))
    if scale == "ratio":
        return t / b if np.isfinite(b) and np.isfinite(t) and b > 0 and t > 0 else math.nan
    return t - b


def primary_rows(claims: pd.DataFrame, study: str) -> pd.DataFrame:
    """The primary protocol's rows of one study, in the report's order (claim, then comparison)."""
    rows = claims[(claims["study"] == study) & claims["primary"].astype(bool)].copy()
    claim_order = {c: i for i, c in enumerate(dict.fromkeys(rows["claim"]))}
    labels = [(_name(b), _name(t)) for b, t in zip(rows["baseline"], rows["treatment"])]  # NaN-safe keys
    order = {label: i for i, label in enumerate(dict.fromkeys(labels))}
    rows["_c"] = rows["claim"].map(claim_order)
    rows["_p"] = [order[label] for label in labels]
    return rows.sort_values(["_c", "_p"], kind="stable").drop(columns=["_c", "_p"])


def forest_rows(claims: pd.DataFrame, study: str) -> tuple[list[ForestRow], list[str]]:
    """The parts drawn (run in this target) and the parts not run ('C4a', or 'C4a (quantum vs
    twin)' when the study makes more than one comparison)."""
    drawn: list[ForestRow] = []
    not_run: list[tuple[str, str]] = []
    for r in primary_rows(claims, study).itertuples():
        if is_combined(r.statistic):
            continue
        if r.verdict == NOT_RUN:
            # a part whose pairs are found in the scores names none when it finds none (S3-C3)
            found = comparison_label(r.treatment, r.baseline) if (_name(r.treatment) or _name(r.baseline)) \
                else "no pairs found"
            not_run.append((r.claim, found))
            continue
        scale = "ratio" if (getattr(r, "scale", "") == "ratio" or r.statistic == "spread") else "difference"
        drawn.append(ForestRow(
            claim=r.claim, baseline=_name(r.baseline), treatment=_name(r.treatment),
            metric=metric_label(r.metric, r.statistic), scale=scale,
            estimate=_float(r.our_diff), low=_float(r.ci_low), high=_float(r.ci_high),
            paper=_paper_effect(r, scale),
            direction=int(_float(r.direction)) if np.isfinite(_float(r.direction)) else 0,
            verdict=str(r.verdict), p_holm=_float(getattr(r, "p_holm", math.nan)),
            margin_low=_float(getattr(r, "margin_low", math.nan)),
            margin_high=_float(getattr(r, "margin_high", math.nan)),
        ))
    pairs = set(p for _, p in not_run) | {comparison_label(r.treatment, r.baseline) for r in drawn}
    grouped: dict[str, list[str]] = {}
    for claim, pair in not_run:
        grouped.setdefault(claim, []).append(pair)
    names = [c if len(pairs) == 1 else f"{c} ({', '.join(ps)})" for c, ps in grouped.items()]
    return drawn, names


def _half_width(row: ForestRow) -> tuple[float, bool]:
    """The row's axis half-width about the null (log units for ratios) and whether the paper's
    value fits in it."""
    def dist(v: float) -> float:
        if not np.isfinite(v):
            return math.nan
        if row.scale == "ratio":
            return abs(math.log(v)) if v > 0 else math.nan
        return abs(v - row.null)

    ours = np.nanmax([dist(row.estimate), dist(row.low), dist(row.high), 0.0])
    paper = dist(row.paper)
    fits = np.isfinite(paper) and (ours == 0 or paper <= PAPER_CLIP * ours)
    margin = np.nanmax([dist(row.margin_low), dist(row.margin_high), 0.0])
    half = max(ours, paper if fits else 0.0, margin if margin <= PAPER_CLIP * max(ours, paper if fits else 0) else 0.0)
    if half == 0:
        half = math.log(2) if row.scale == "ratio" else 1.0
    return half * 1.2, fits


def _draw_row(ax: plt.Axes, row: ForestRow) -> None:
    half, paper_fits = _half_width(row)
    if row.scale == "ratio":
        ax.set_xscale("log")
        lo, hi = math.exp(-half), math.exp(half)
    else:
        lo, hi = row.null - half, row.null + half
    ax.set_xlim(lo, hi)
    ax.set_ylim(-1, 1)
    if row.direction:
        start, stop = (row.null, hi) if row.direction > 0 else (lo, row.null)
        ax.add_patch(Rectangle((start, -1), stop - start, 2, facecolor="#E8F3EA", edgecolor="none", zorder=0))
    if not (np.isnan(row.margin_low) or np.isnan(row.margin_high)):  # a one-sided range runs to the edge
        m_low, m_high = max(row.margin_low, lo), min(row.margin_high, hi)
        ax.add_patch(Rectangle((m_low, -0.45), max(m_high - m_low, 0.0), 0.9, facecolor="none",
                               edgecolor=MARGIN_COLOUR, hatch="////", linewidth=0.0, zorder=1))
    ax.axvline(row.null, color="#444444", linewidth=1.0, zorder=1)
    colour = model_colour(row.baseline or row.treatment)
    if np.isfinite(row.low) and np.isfinite(row.high):
        ax.plot([max(row.low, lo), min(row.high, hi)], [0, 0], color=colour, linewidth=2.2, solid_capstyle="butt",
                zorder=3)
    if np.isfinite(row.estimate):
        ax.plot([row.estimate], [0], "o", color=colour, markersize=6.5, zorder=4)
    else:
        ax.text(0.5, 0.5, "no estimate", transform=ax.transAxes, ha="center", va="center", fontsize=8,
                color="#666666", zorder=6, bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor="none"))
    if np.isfinite(row.paper):
        if paper_fits:
            ax.plot([row.paper], [0], marker="D", markerfacecolor="none", markeredgecolor=PAPER_COLOUR,
                    markersize=6.5, markeredgewidth=1.3, zorder=5)
        else:
            right = (row.paper > row.null)
            ax.annotate(f"paper {fmt(row.paper, 3)}", xy=(1.0 if right else 0.0, 0.0), xycoords="axes fraction",
                        xytext=(-4 if right else 4, 9), textcoords="offset points", ha="right" if right else "left",
                        va="center", fontsize=7, arrowprops=dict(arrowstyle="->", color=PAPER_COLOUR, lw=0.9))
    ticks = [lo, row.null, hi]
    ax.set_xticks(ticks, [fmt(t, 2) for t in ticks])
    ax.minorticks_off()
    ax.tick_params(axis="x", labelsize=7, length=2, pad=1)
    ax.set_yticks([])
    ax.grid(False)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)


def _verdict_text(row: ForestRow) -> str:
    if not np.isfinite(row.estimate):
        return "no estimate (the claims page says why)"
    effect = fmt(row.estimate, 3)
    if np.isfinite(row.low):
        effect += f" [{fmt(row.low, 3)}, {fmt(row.high, 3)}]"
    elif np.isfinite(row.estimate):
        effect += ", no interval"
    p = f"   p(Holm) {fmt(row.p_holm, 2)}" if np.isfinite(row.p_holm) else ""
    return effect + p


def forest_plot(
    claims: pd.DataFrame,
    study: str,
    title: str,
    subtitle: str = "",
    combined: Mapping[str, tuple[str, Sequence[str]]] | None = None,
    warning: str = "",
) -> tuple[plt.Figure, list[ForestRow]]:
    """The study's forest plot and the rows it draws (see the module's docstring)."""
    rows, not_run = forest_rows(claims, study)
    verdicts = {(r.claim, _name(r.baseline), _name(r.treatment)): r.verdict
                for r in primary_rows(claims, study).itertuples()}
    pairs = list(dict.fromkeys((r.baseline, r.treatment) for r in rows))
    # A combined claim's header (its verdict per comparison) goes above its first drawn part.
    headers: dict[int, tuple[str, str, list[tuple[str, str]]]] = {}
    for name, (statement, parts) in (combined or {}).items():
        first = next((i for i, r in enumerate(rows) if r.claim in parts), None)
        if first is not None:
            said = [(f"{name} vs {b}" if len(pairs) > 1 else name, verdicts[(name, _name(b), _name(t))])
                    for b, t in pairs if (name, _name(b), _name(t)) in verdicts]
            if not said and (name, "", "") in verdicts:  # a claim across its parts' own pairs (any or all)
                said = [(name, verdicts[(name, "", "")])]
            headers[first] = (name, textwrap.shorten(statement, 78, placeholder="..."), said)
    legend_rows = -(-(len(pairs) + 4) // 4)
    top = 0.85 + 0.2 * legend_rows + (0.2 if warning else 0.0)
    bottom = 0.45 + (0.2 if not_run else 0.0)
    header_height = {i: HEADER * max(1, len(h[2])) for i, h in headers.items()}
    height = top + bottom + ROW * max(1, len(rows)) + sum(header_height.values())
    width = LEFT + MIDDLE + RIGHT
    with figure_style():
        fig = plt.figure(figsize=(width, height))
        y = height - top  # inches from the bottom: the top of the next row
        fig.text(0.1 / width, 1 - 0.12 / height, title, ha="left", va="top", fontsize=RC["figure.titlesize"],
                 fontweight="bold")
        if subtitle:
            fig.text(0.1 / width, 1 - 0.42 / height, subtitle, ha="left", va="top", fontsize=8, color="#333333")
        if warning:
            fig.text(0.1 / width, 1 - 0.62 / height, warning, ha="left", va="top", fontsize=8.5, color="#B3261E",
                     fontweight="bold")
        _legend(fig, width, height, 0.62 + (0.2 if warning else 0.0), pairs)
        if not rows:
            fig.text(0.5, (y - ROW / 2) / height, "no claim part was run in this target", ha="center", va="center")
        for i, row in enumerate(rows):
            if i in headers:
                name, statement, said = headers[i]
                fig.text(0.1 / width, (y - HEADER / 2) / height, f"{name}: {statement}",
                         ha="left", va="center", fontsize=8, fontstyle="italic")
                for k, (who, verdict) in enumerate(said):
                    fig.text((LEFT + MIDDLE + 0.15) / width, (y - HEADER * (k + 0.5)) / height, f"{who}: {verdict}",
                             ha="left", va="center", fontsize=8, fontweight="bold", color=verdict_colour(verdict))
                y -= header_height[i]
            centre = y - ROW * 0.42
            ax = fig.add_axes(((LEFT + 0.1) / width, (centre - 0.09) / height, (MIDDLE - 0.3) / width, 0.18 / height))
            _draw_row(ax, row)
            fig.text(0.1 / width, centre / height, f"{row.claim}  {row.metric}\n{row.comparison()}", ha="left",
                     va="center", fontsize=8, linespacing=1.3)
            fig.text((LEFT + MIDDLE + 0.15) / width, centre / height, row.verdict, ha="left", va="bottom",
                     fontsize=9, fontweight="bold", color=verdict_colour(row.verdict))
            fig.text((LEFT + MIDDLE + 0.15) / width, centre / height, _verdict_text(row), ha="left", va="top",
                     fontsize=7.5, color="#333333")
            fig.add_artist(plt.Line2D([0.05 / width, 1 - 0.05 / width], [(y - ROW) / height] * 2, color="#E5E5E5",
                                      linewidth=0.6))
            y -= ROW
        if not_run:
            fig.text(0.1 / width, 0.42 / height, "Not run in this target (not drawn): " + ", ".join(not_run),
                     ha="left", va="top", fontsize=7.5, color="#555555", wrap=True)
        fig.text(0.1 / width, 0.18 / height,
                 "Each row on its own scale, centred on no effect (tick values in the row's units); a combined "
                 "claim holds when every part holds.",
                 ha="left", va="top", fontsize=7, color="#555555")
    return fig, rows


def _legend(fig: plt.Figure, width: float, height: float, start: float, pairs: Sequence[tuple[str, str]]) -> None:
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], color=model_colour(b or t), marker="o", linewidth=2.2,
               label=f"ours, {t} vs {b}, 95% interval" if b else f"ours, {t}, 95% interval")
        for b, t in pairs
    ] + [
        Line2D([], [], color=PAPER_COLOUR, marker="D", markerfacecolor="none", linestyle="none",
               label="paper's own difference"),
        Rectangle((0, 0), 1, 1, facecolor="#E8F3EA", edgecolor="none", label="side the claim predicts"),
        Rectangle((0, 0), 1, 1, facecolor="none", edgecolor=MARGIN_COLOUR, hatch="////", linewidth=0.0,
                  label="equivalence margin"),
        Line2D([], [], color="#444444", linewidth=1.0, label="no effect"),
    ]
    fig.legend(handles=handles, loc="upper left", ncol=min(4, len(handles)), fontsize=7.5, frameon=False,
               bbox_to_anchor=(0.05 / width, 1 - start / height))


def rows_data(rows: Sequence[ForestRow]) -> list[dict[str, Any]]:
    """The rows as plain data (for the PNG's metadata)."""
    def plain(v: Any) -> Any:
        return None if isinstance(v, float) and not np.isfinite(v) else v

    return [{k: plain(v) for k, v in asdict(r).items()} for r in rows]
