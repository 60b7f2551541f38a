"""The figures say what they show: the zero-gradient finding is written on the figure, loss curves
are one band per model, sample grids name model, class, seed and budget, the forest plot has one
row per claim part of the claims table, and colours follow the model's role in every study."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.lines import Line2D
from test_claims import MARGINS, paper_dir, synthetic_scores  # noqa: F401  (paper_dir is a fixture)

from qgen.claims import NOT_RUN, evaluate_claims, per_unit_differences
from qgen.report import style
from qgen.report.claims_page import claims_markdown
from qgen.report.figures import DATA_KEY, SampleSet, figure_texts, png_metadata, sample_comparison, save_figure
from qgen.report.forest import forest_plot, forest_rows, rows_data
from qgen.report.training_figures import gradient_findings, loss_curves, loss_curves_per_class, quantum_gradients
from qgen.studies import STUDIES

S1 = STUDIES.get("s1")


def grads_frame(n_weights: int = 4, epochs: int = 3, zero: bool = True, models=("quantum",)) -> pd.DataFrame:
    rows = []
    for model in models:
        for unit in ("0", "1"):
            for seed in ("0", "1"):
                for epoch in range(1, epochs + 1):
                    for i in range(n_weights):
                        g = 0.0 if zero or i == 0 else 1e-3 * (i + epoch)
                        rows.append(dict(unit=unit, model=model, seed=seed, epoch=epoch,
                                         parameter="denoiser.quantum.layer.weights", index=i,
                                         mean_abs_grad=g, max_abs_grad=2 * g))
    return pd.DataFrame(rows)


def losses_frame(models=("classical", "quantum"), units=("0", "1", "2"), seeds=("0", "1"), epochs=4) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for model in models:
        for unit in units:
            for seed in seeds:
                for epoch in range(1, epochs + 1):
                    for step in range(3):
                        rows.append(dict(unit=unit, model=model, seed=seed, epoch=epoch, step=step,
                                         loss=1.0 / epoch + 0.05 * rng.random()))
    return pd.DataFrame(rows)


def test_zero_gradients_are_written_on_a_linear_figure():
    fig, findings = quantum_gradients(grads_frame(n_weights=16), "exp")
    statement = "all 16 quantum weights: gradient exactly 0 in every epoch"
    assert [f.statement() for f in findings] == [statement]
    assert statement in figure_texts(fig)
    ax = fig.axes[0]
    assert ax.get_yscale() == "linear" and ax.get_ylim()[0] == 0
    assert len(ax.get_legend().get_texts()) == 1  # one entry per model, not per run and statistic


def test_some_gradients_nonzero_are_counted_not_called_zero():
    (finding,) = gradient_findings(grads_frame(n_weights=4, zero=False))
    assert finding.n_zero == 1 and finding.n_weights == 4 and finding.n_runs == 4 and finding.n_epochs == 3
    assert finding.statement().startswith("1 of 4 quantum weights: gradient exactly 0")
    fig, _ = quantum_gradients(grads_frame(n_weights=4, zero=False, models=("quantum", "hybrid_b")), "exp")
    assert len([a for a in fig.axes if a.get_visible()]) == 2  # a panel per quantum model


def test_loss_curves_are_one_line_and_band_per_model():
    losses = losses_frame()
    fig = loss_curves(losses, "exp")
    ax = fig.axes[0]
    labelled = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert [line.get_label() for line in labelled] == [f"{m} (3 classes x 2 seeds)" for m in ("classical", "quantum")]
    assert len(ax.collections) == 2  # the two bands
    assert labelled[0].get_color() == style.ROLE_COLOURS["classical"]
    assert labelled[1].get_color() == style.ROLE_COLOURS["quantum"]
    # The mean over runs: epoch 1's value is the mean of the 12 runs' epoch-1 means.
    per_run = losses[(losses["model"] == "classical") & (losses["epoch"] == 1)].groupby(["unit", "seed"])["loss"].mean()
    assert labelled[0].get_ydata()[0] == pytest.approx(per_run.mean())


def test_several_minimised_losses_get_a_panel_each():
    """A GAN logs one loss per optimiser group (generator_loss, discriminator_loss), no 'loss'."""
    losses = losses_frame(epochs=1).rename(columns={"loss": "generator_loss"})
    losses["discriminator_loss"] = 0.7
    losses["generator_d_fake"] = 0.5  # a logged diagnostic, not a loss
    fig = loss_curves(losses, "gan")
    assert [a.get_ylabel() for a in fig.axes] == ["training generator loss (mean over the epoch's steps)",
                                                  "training discriminator loss (mean over the epoch's steps)"]
    assert list(fig.axes[0].get_xticks()) == [1]  # one epoch: one whole-number tick
    per_class = loss_curves_per_class(losses, "gan")
    assert "discriminator loss" in [t.get_text() for t in per_class.legends[0].get_texts()]


def test_per_class_losses_are_small_multiples():
    fig = loss_curves_per_class(losses_frame(units=("0", "1", "2", "all")), "exp")
    titles = [a.get_title() for a in fig.axes if a.get_visible() and a.get_title()]
    assert titles == ["class 0", "class 1", "class 2", "all classes"]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["classical", "quantum"]


def test_sample_grids_name_model_class_seed_and_budget():
    images = np.zeros((16, 8, 8, 1), dtype=np.uint8)
    sets = [SampleSet("classical", images, "3", 0, epochs=40, steps=220, n_train=142),
            SampleSet("quantum", images, "3", 0, epochs=40, steps=220, n_train=142)]
    texts = figure_texts(sample_comparison(sets, "quickstart", n_show=9))
    assert "classical" in texts and "quantum" in texts
    assert texts.count("class 3, seed 0\n40 epochs, 220 steps, 142 training images") == 2
    assert "quickstart: first 9 samples of each model" in texts


def test_roles_give_the_same_colour_in_every_study():
    assert style.role("quantum_vae") == "quantum" and style.role("vae_twin") == "twin"
    assert style.role("quantum_twin") == "twin" and style.role("classical_gan") == "classical"
    assert style.model_colour("vae_quantum") == style.ROLE_COLOURS["quantum"]
    assert style.model_colour("mystery") == style.model_colour("mystery") in style.SPARE_COLOURS
    colours = style.model_colours(["quantum_vae", "quantum_gan", "classical"])
    assert len(set(colours.values())) == 3 and colours["quantum_vae"] == style.ROLE_COLOURS["quantum"]


def test_save_figure_records_the_commit_and_the_data(tmp_path):
    fig, findings = quantum_gradients(grads_frame(), "exp")
    save_figure(fig, tmp_path / "g.png", description=findings[0].statement(), data={"n": 4})
    meta = png_metadata(tmp_path / "g.png")
    assert meta["Software"].startswith("qgen ") and "git" in meta["Software"]
    assert meta["Description"] == "all 4 quantum weights: gradient exactly 0 in every epoch"
    assert json.loads(meta[DATA_KEY]) == {"n": 4}


def primary_table_rows(markdown: str) -> list[tuple[str, str]]:
    """(claim, comparison) of the non-combined rows of the first claims table of a page."""
    table = markdown.split("### Claims (primary protocol")[1].split("\n\n")[1]
    lines = [line for line in table.splitlines()[2:] if line.startswith("|")]
    header = [c.strip() for c in table.splitlines()[0].strip("|").split("|")]
    rows = []
    for line in lines:
        cells = dict(zip(header, [c.strip() for c in line.strip("|").split("|")]))
        if not cells["claim"].startswith("**"):
            rows.append((cells["claim"], cells.get("comparison", "")))
    return rows


@pytest.fixture
def twin_claims(paper_dir):  # noqa: F811
    mnist = synthetic_scores(0.02, -5.0, spread_ratio=0.8, datasets=("mnist",), models=("classical", "twin", "quantum"),
                             low_data=False)
    pairs = [("classical", "quantum"), ("twin", "quantum")]
    return evaluate_claims(S1, mnist, paper_dir, comparisons=pairs, margins=MARGINS), mnist, pairs


def test_forest_rows_match_the_claims_table(twin_claims):
    claims, scores, pairs = twin_claims
    fig, rows = forest_plot(claims, "s1", S1.title, combined=S1.combined)
    context = {"study": S1, "experiments": ["e"], "stand_ins": [], "smoke": [], "forest": "x.png",
               "per_class": per_unit_differences(S1, scores, pairs)}
    page = claims_markdown("t", claims, [context], {})
    table = primary_table_rows(page)
    assert [(r.claim, f"{r.treatment} vs {r.baseline}") for r in rows] == table
    assert [(r.claim, r.baseline) for r in rows] == [(c, b) for c in ("C1", "C2", "C3") for b in ("classical", "twin")]
    texts = figure_texts(fig)
    for row in rows:
        assert row.verdict in texts  # the verdict at the row's end
    # Parts not run (PathMNIST, low data) are named once under the plot, not drawn.
    assert any(t.startswith("Not run in this target (not drawn): C4a (quantum vs classical, quantum vs twin)")
               for t in texts)
    c3 = next(r for r in rows if r.claim == "C3" and r.baseline == "classical")
    assert c3.scale == "ratio" and c3.paper == pytest.approx(33.04 / 38.18, rel=1e-3)
    assert fig.axes[4].get_xscale() == "log"  # a ratio's row is on a log axis about 1
    # The PNG's data is the rows.
    assert [d["claim"] for d in rows_data(rows)] == [r.claim for r in rows]


def test_claims_page_is_concise_and_lists_what_was_not_run_once(twin_claims):
    claims, scores, pairs = twin_claims
    context = {"study": S1, "experiments": ["e"], "stand_ins": [], "smoke": ["e"], "forest": "quick/forest_s1.png",
               "per_class": per_unit_differences(S1, scores, pairs)}
    page = claims_markdown("t", claims, [context], {"claims": {"alpha": 0.05}})
    assert page.index("![Forest plot of s1's claims](quick/forest_s1.png)") < page.index("### Claims (primary")
    assert "not evidence" in page
    assert NOT_RUN not in page.replace("Not run in this target", "")  # no verdict rows "not run"
    assert page.count("**Not run in this target:**") == 1
    assert "C4 (C4a, C4b): no scores on pathmnist (full training set)" in page
    assert "C5 (C5a, C5b): no scores on mnist (fewer than 100 training images per class)" in page
    primary = page.split("### Claims (primary")[1].split("###")[0]
    assert "C4" not in primary.split("**Not run")[0]
    assert "### Per-class detail (primary protocol)" in page and "### Other protocol (descriptive" in page
    assert page.count("| C1 | quantum vs classical |") == 1 + 1  # primary + the other standard protocol
    per_class = page.split("### Per-class detail (primary protocol)")[1].split("###")[0]
    assert "| comparison | class | seeds | C1: SSIM (nearest real) | C2: FID |" in per_class
    assert per_class.count("| quantum vs twin |") == 10  # a row per class and comparison


def test_claims_page_html_embeds_the_forest_and_colours_verdicts(tmp_path, twin_claims):
    from qgen.report.html import html_page

    claims, scores, pairs = twin_claims
    fig, rows = forest_plot(claims, "s1", S1.title, combined=S1.combined)
    save_figure(fig, tmp_path / "t" / "forest_s1.png")
    context = {"study": S1, "experiments": ["e"], "stand_ins": [], "smoke": [], "forest": "t/forest_s1.png"}
    markdown = claims_markdown("t", claims, [context], {})
    page = html_page(markdown, tmp_path, "Claims: t", [("t.json", {"git_commit": "abc"})])
    assert '<img alt="Forest plot of s1&#x27;s claims" src="data:image/png;base64,' in page or \
        "<img alt=\"Forest plot of s1's claims\" src=\"data:image/png;base64," in page
    assert page.index("<img") < page.index("<table>")
    assert '<td class="verdict-holds"><strong>holds</strong></td>' in page
    assert "<summary>t.json: git abc" in page and "<body" not in page and ".qgen-page {" in page
