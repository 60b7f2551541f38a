"""One look for every qgen figure: sizes, fonts, a colour per model role, a colour per verdict.

Colours come from a model's *role*, read from its name (config-free, the same in every study):
``twin`` (a classical stand-in with the circuit's shape), ``quantum``, ``closed form``,
``classical`` (the baseline). A name with no role keyword gets a colour from a fixed spare
palette picked by a stable hash of the name, so a model keeps its colour across figures, runs
and studies. Within one figure, :func:`model_colours` keeps models apart that share a role.
The palette is Okabe and Ito's (readable with the common colour-vision deficiencies).
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from typing import Iterator, Sequence

import matplotlib as mpl
from matplotlib.colors import to_hex, to_rgb

# Okabe-Ito: blue, vermillion, bluish green, reddish purple; spares: orange, sky blue, black.
ROLE_COLOURS = {
    "classical": "#0072b2",
    "quantum": "#d55e00",
    "twin": "#009e73",
    "closed form": "#cc79a7",
}
SPARE_COLOURS = ("#e69f00", "#56b4e9", "#000000", "#8c564b")
# Checked in order: the first role whose keyword is in the name wins ("quantum_twin" is a twin).
ROLE_KEYWORDS = (
    ("twin", ("twin",)),
    ("closed form", ("closed", "analytic", "exact")),
    ("quantum", ("quantum", "hybrid", "qnn", "qgan", "qvae", "qddpm")),
    ("classical", ("classical", "baseline", "classic")),
)
PAPER_COLOUR = "#000000"
VERDICT_COLOURS = {
    "holds": "#1a7f37",
    "does not hold": "#b3261e",
    "no meaningful difference": "#5a4fcf",
    "undecided": "#8a6d00",
    "not run in this target": "#7f7f7f",
}

# How figures and tables name the metrics (others keep their own name).
METRIC_LABELS = {
    "ssim": "SSIM", "ssim_nearest": "SSIM (nearest real)", "ssim_random": "SSIM (random real)",
    "fid": "FID", "kid": "KID", "inception_score": "Inception Score",
}

# Sizes in inches: one column of a report page, and the height of one forest-plot row.
WIDTH = 7.0
PANEL = (2.1, 1.7)  # one small-multiple panel
FOREST_ROW = 0.42
RC = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "figure.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e5e5e5",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "legend.frameon": False,
    "savefig.dpi": 150,
    "figure.dpi": 100,
}


def role(model: str) -> str | None:
    """The role a model's name announces, or None (e.g. 'quantum_vae' -> 'quantum')."""
    name = model.lower()
    for found, keywords in ROLE_KEYWORDS:
        if any(k in name for k in keywords):
            return found
    return None


def model_colour(model: str) -> str:
    """The colour of one model: its role's, else a spare colour chosen by a stable hash."""
    found = role(model)
    if found:
        return ROLE_COLOURS[found]
    digest = int(hashlib.sha256(model.encode()).hexdigest(), 16)
    return SPARE_COLOURS[digest % len(SPARE_COLOURS)]


def _shade(colour: str, amount: float) -> str:
    """Mix a colour with white (amount > 0) or black (amount < 0)."""
    r, g, b = to_rgb(colour)
    if amount >= 0:
        return to_hex(tuple(c + (1 - c) * amount for c in (r, g, b)))
    return to_hex(tuple(c * (1 + amount) for c in (r, g, b)))


def model_colours(models: Sequence[str]) -> dict[str, str]:
    """A distinct colour per model of one figure: the first of a role gets the role's colour,
    later ones darker and lighter shades of it (S2: a VAE and a GAN both quantum)."""
    out: dict[str, str] = {}
    seen: dict[str, int] = {}
    shades = (0.0, -0.35, 0.4, -0.6, 0.65)
    for model in dict.fromkeys(models):
        base = model_colour(model)
        k = seen.get(base, 0)
        seen[base] = k + 1
        out[model] = _shade(base, shades[k % len(shades)])
    return out


def metric_label(metric: str, statistic: str = "mean") -> str:
    """'SSIM (nearest real)'; for a spread statistic 'spread of FID (sd across classes)'."""
    name = METRIC_LABELS.get(metric, metric)
    return f"spread of {name} (sd across classes)" if statistic == "spread" else name


def verdict_colour(verdict: str) -> str:
    return VERDICT_COLOURS.get(str(verdict), "#333333")


@contextmanager
def figure_style() -> Iterator[None]:
    """Every figure function draws inside this: the same fonts, grid and sizes everywhere."""
    with mpl.rc_context(RC):
        yield
