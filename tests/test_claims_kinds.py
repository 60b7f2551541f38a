"""The claims engine's kinds beyond differences (ranges, 'not better', one-model bounds, ablation
axes, descriptive parts), on synthetic S2 score tables whose truth is known."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from qgen.claims import NOT_COMPARABLE, evaluate_claims
from qgen.report.axes import axis_rows
from qgen.studies import STUDIES
from qgen.studies.base import ClaimPart, ProtocolVariant, Study

S2 = STUDIES.get("s2")
COLUMNS = ["experiment", "protocol", "dataset", "unit", "model", "seed", "n_train", "metric", "value", "features"]
STANDARD = (ProtocolVariant("standard", "standard", {"fid": "fid"}, primary=True),)


def rows(model: str, protocol: str, metric: str, values: list[float], experiment: str = "e",
         features: str = "classifier") -> list[tuple]:
    return [(experiment, protocol, "mnist", "all", model, s, np.nan, metric, v, features) for s, v in enumerate(values)]


def frame(*parts: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame([r for p in parts for r in p], columns=COLUMNS)


def study(*parts: ClaimPart, combined=None) -> Study:
    return Study("t", "test", parts, STANDARD, (("a", "b"),), combined=combined or {}, row_order="claim")


def verdicts(df: pd.DataFrame) -> dict:
    return dict(zip(df["claim"] + ":" + df["baseline"] + ">" + df["treatment"], df["verdict"]))


def test_range_of_a_ratio_holds_inside_and_fails_outside():
    part = ClaimPart("R", "b is 3-5x a", "mnist", "secs", 0, reading="single", kind="range", scale="log",
                     bounds=(3.0, 5.0), protocol="training", pairs=(("a", "b"), ("a", "c")))
    scores = frame(rows("a", "training", "secs", [10.0, 10.2, 9.9, 10.1, 9.8]),
                   rows("b", "training", "secs", [40.0, 40.5, 39.8, 40.2, 40.1]),   # 4x
                   rows("c", "training", "secs", [12.0, 12.1, 11.9, 12.2, 11.8]))   # 1.2x
    df = evaluate_claims(study(part), scores)
    v = verdicts(df)
    assert v["R:a>b"] == "holds" and v["R:a>c"] == "does not hold"
    row = df.set_index("treatment").loc["b"]
    assert row.scale == "ratio" and row.our_diff == pytest.approx(4.0, rel=0.02) and row.ci_low < 4 < row.ci_high
    assert row.our_baseline == pytest.approx(10.0, rel=0.01) and row.our_treatment == pytest.approx(40.12, rel=0.01)
    assert row.p_holm >= row.p_value and row.family_size == 2


def test_one_model_bound_and_about_a_target():
    moved = ClaimPart("M", "weights move", "mnist", "rms", 0, reading="single", kind="range", scale="log",
                      bounds=(0.01, math.inf), protocol="training", pairs=(("", "q"),))
    share = ClaimPart("S", "about 30%", "mnist", "share", 0, reading="single", kind="range", bounds=(0.25, 0.35),
                      protocol="routing", pairs=(("", "r"),))
    scores = frame(rows("q", "training", "rms", [0.30, 0.35, 0.28]),
                   rows("r", "routing", "share", [0.30, 0.31, 0.29]))
    df = evaluate_claims(study(moved, share), scores)
    v = dict(zip(df["claim"], df["verdict"]))
    assert v == {"M": "holds", "S": "holds"}
    assert "one-sample" in df.set_index("claim").loc["S"].method
    stuck = evaluate_claims(study(moved), frame(rows("q", "training", "rms", [1e-4, 2e-4, 1.5e-4])))
    assert stuck["verdict"].iloc[0] == "does not hold"
    # zero spread cannot be judged
    flat = evaluate_claims(study(share), frame(rows("r", "routing", "share", [0.3, 0.3, 0.3])))
    assert flat["verdict"].iloc[0] == "undecided"


def test_not_better_holds_when_the_treatment_is_worse_or_within_the_margin():
    part = ClaimPart("N", "b not better in FID", "mnist", "fid", 0, reading="single", kind="not_better", better=-1,
                     pairs=(("a", "worse"), ("a", "same"), ("a", "better")))
    rng = np.random.default_rng(0)
    base = 30 + rng.normal(0, 0.3, 5)
    scores = frame(rows("a", "standard", "fid", list(base)),
                   rows("worse", "standard", "fid", list(base + 8 + rng.normal(0, 0.3, 5))),
                   rows("same", "standard", "fid", list(base + rng.normal(0, 0.3, 5))),
                   rows("better", "standard", "fid", list(base - 8 + rng.normal(0, 0.3, 5))))
    v = verdicts(evaluate_claims(study(part), scores, margins={"fid": 2.0}))
    assert v == {"N:a>worse": "holds", "N:a>same": "holds", "N:a>better": "does not hold"}
    # without a margin "same" cannot show it is not better
    v = verdicts(evaluate_claims(study(part), scores))
    assert v["N:a>same"] == "undecided" and v["N:a>worse"] == "holds"


def test_ablation_axis_parts_compare_one_models_runs_along_the_axis():
    experiments = {
        "base": {"sweep_base": {"n_qubits": "8"}},
        "base__n_qubits-4": {"sweep_of": {"experiment": "base", "axis": "n_qubits", "value": 4}},
    }
    scores = frame(rows("qvae", "standard", "fid", [20.0, 21.0, 20.5], "base"),
                   rows("vae", "standard", "fid", [25.0, 25.5, 24.8], "base"),
                   rows("qvae", "standard", "fid", [30.0, 31.2, 30.4], "base__n_qubits-4"))
    placed = axis_rows(scores, experiments)
    assert set(placed.loc[placed["sweep_axis"] == "n_qubits", "sweep_label"]) == {"n_qubits=4", "n_qubits=8"}
    assert placed["sweep_axis"].isna().sum() == 6  # the base's own rows, once, without an axis
    s2_part = next(p for p in S2.parts if p.claim == "S2-C6a")
    df = evaluate_claims(Study("t", "t", (s2_part,), S2.variants, S2.comparisons), placed)
    row = df.iloc[0]
    assert (row.baseline, row.treatment, row.verdict) == ("n_qubits=4", "n_qubits=8", "holds")
    assert row.our_diff == pytest.approx(20.5 - 30.53, abs=0.05)


def test_descriptive_parts_stay_out_of_holm_and_other_features_are_not_comparable():
    judged = ClaimPart("J", "judged", "mnist", "fid", -1, reading="single", pairs=(("a", "b"),))
    shown = ClaimPart("D", "report's range", "mnist", "fid", 0, reading="single", kind="range", bounds=(30.0, 40.0),
                      pairs=(("", "b"),), descriptive=True, features="inception_fid")
    scores = frame(rows("a", "standard", "fid", [40.0, 41.0, 40.5]), rows("b", "standard", "fid", [35.0, 35.2, 34.9]))
    df = evaluate_claims(study(judged, shown), scores).set_index("claim")
    assert df.loc["J"].family_size == 1 and not df.loc["D"].primary and np.isnan(df.loc["D"].p_holm)
    assert df.loc["D"].verdict == NOT_COMPARABLE and "classifier" in df.loc["D"].note
    inception = scores.assign(features="inception_fid")
    df = evaluate_claims(study(judged, shown), inception).set_index("claim")
    assert df.loc["D"].verdict == "holds"


def test_combined_claims_over_parts_with_their_own_pairs():
    a = ClaimPart("Xa", "part a", "mnist", "fid", -1, reading="single", pairs=(("a", "b"), ("a", "c")))
    b = ClaimPart("Xb", "part b", "mnist", "fid", -1, reading="single", pairs=(("a", "c"),))
    scores = frame(rows("a", "standard", "fid", [40.0, 41.0, 40.5]), rows("b", "standard", "fid", [30.0, 30.2, 29.9]),
                   rows("c", "standard", "fid", [31.0, 31.5, 30.7]))
    df = evaluate_claims(study(a, b, combined={"X": ("both", ("Xa", "Xb"))}), scores)
    combined = df.set_index("claim").loc["X"]
    assert combined.verdict == "holds" and (combined.baseline, combined.treatment) == ("", "")
    assert "Xa (b vs a) holds" in combined.note and list(df["claim"]) == ["Xa", "Xa", "Xb", "X"]


def test_s2_claims_on_a_synthetic_study_give_the_planted_verdicts():
    """Planted: qvae 4x slower, twins 1.2x; quantum no better in FID/IS; GAN and VQ-VAE better."""
    rng = np.random.default_rng(1)
    seeds = 4

    def noisy(mean: float, sd: float) -> list[float]:
        return list(mean + rng.normal(0, sd, seeds))

    fid = {"vae": 30, "qvae": 31, "qvae_twin": 30.5, "gan": 20, "qgan": 24, "qgan_twin": 23, "vqvae_prior": 22}
    parts = []
    for model, value in fid.items():
        parts.append(rows(model, "standard", "fid", noisy(value, 0.2)))
        parts.append(rows(model, "standard", "inception_score", noisy(8.0, 0.02)))
    secs = {"vae": 10, "qvae": 40, "qvae_twin": 12, "gan": 20, "qgan": 80, "qgan_twin": 22}
    parts += [rows(m, "training", "seconds_per_epoch", noisy(v, 0.05)) for m, v in secs.items()]
    df = evaluate_claims(S2, frame(*parts), margins={"fid": 2.0, "inception_score": 0.2})
    primary = df[df["primary"].astype(bool)]
    got = dict(zip(primary["claim"] + ":" + primary["treatment"] + "/" + primary["baseline"], primary["verdict"]))
    assert got["S2-C1a:qvae/vae"] == got["S2-C1a:qgan/gan"] == "holds"
    assert got["S2-C1a:qvae/qvae_twin"] == "holds"  # 40 / 12 = 3.3x
    assert got["S2-C3a:qvae/vae"] == got["S2-C3a:qgan/gan"] == "holds"
    assert got["S2-C4:gan/qvae"] == got["S2-C4:vqvae_prior/qgan"] == "holds"
    assert got["S2-C5:qvae/"] == "not run in this target"
    assert df.set_index("claim").loc["S2-C1", "verdict"] == "undecided"  # C1b (report setup) not run


def test_the_claims_page_states_each_kinds_hypotheses() -> None:
    from qgen.report.claims_page import claims_markdown

    ranged = ClaimPart("R", "b is 3-5x a", "mnist", "secs", 0, reading="single", kind="range", scale="log",
                       bounds=(3.0, 5.0), protocol="training", pairs=(("a", "b"),))
    worse = ClaimPart("N", "b not better in FID", "mnist", "fid", 0, reading="single", kind="not_better",
                      better=-1, pairs=(("a", "b"),))
    scores = frame(rows("a", "training", "secs", [10.0, 10.2, 9.9]), rows("b", "training", "secs", [40.0, 40.5, 39.8]),
                   rows("a", "standard", "fid", [30.0, 30.4, 29.8]), rows("b", "standard", "fid", [38.0, 38.5, 37.6]))
    s = study(ranged, worse)
    context = [{"study": s, "experiments": ["e"], "stand_ins": [], "smoke": []}]
    page = claims_markdown("t", evaluate_claims(s, scores), context, {})
    assert "Claimed range [3, 5]: p(inside, two one-sided tests)" in page
    assert "log ratio b / a" in page and "on log values" in page
    assert "No margin configured (0): p(not better by the margin or more)" in page
    page = claims_markdown("t", evaluate_claims(s, scores, margins={"fid": 2.0}), context, {})
    assert "Margin 2: p(not better by the margin or more)" in page


def test_forest_plot_and_claims_page_draw_one_model_parts_and_claims_across_pairs():
    """S2's kinds on the generic report: a one-model bound (no baseline), a one-sided range to
    infinity, and a combined claim whose parts name their own pairs (one verdict across them)."""
    from qgen.claims import per_unit_differences
    from qgen.report.claims_page import claims_markdown
    from qgen.report.figures import figure_texts
    from qgen.report.forest import forest_plot

    moved = ClaimPart("M1", "weights move", "mnist", "rms", 0, reading="single", kind="range", scale="log",
                      bounds=(0.01, math.inf), protocol="training", pairs=(("", "q"),))
    faster = ClaimPart("M2", "q is 3-5x slower", "mnist", "secs", 0, reading="single", kind="range", scale="log",
                       bounds=(3.0, 5.0), protocol="training", pairs=(("a", "q"),))
    combined = {"M": ("both", ("M1", "M2"))}
    s = Study("t", "test", (moved, faster), STANDARD, (("a", "q"),), combined=combined, row_order="claim")
    scores = frame(rows("q", "training", "rms", [0.30, 0.35, 0.28]),
                   rows("a", "training", "secs", [10.0, 10.2, 9.9]), rows("q", "training", "secs", [40.0, 40.5, 39.8]))
    claims = evaluate_claims(s, scores)
    fig, drawn = forest_plot(claims, "t", "test", combined=combined)
    assert [(r.claim, r.baseline, r.treatment, r.comparison()) for r in drawn] == [
        ("M1", "", "q", "q"), ("M2", "a", "q", "q / a")]
    texts = figure_texts(fig)
    assert "M: holds" in texts  # the combined claim's one verdict, in its header
    assert "ours, q, 95% interval" in texts and "ours, q vs a, 95% interval" in texts
    context = {"study": s, "experiments": ["e"], "stand_ins": [], "smoke": [], "forest": None,
               "per_class": per_unit_differences(s, scores)}
    page = claims_markdown("t", claims, [context], {})
    assert "| M1 | q |" in page and "| M2 | q vs a |" in page and "| **M** | all parts |" in page
