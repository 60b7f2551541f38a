"""The generic claims engine on synthetic score tables whose truth is known (study S1's claims)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qgen.claims import NOT_RUN, DuplicateScoresError, evaluate_claims
from qgen.studies import STUDIES
from qgen.studies.s1 import paper_values, published_scores

PAPER_DIR = Path(__file__).resolve().parents[2] / "shared" / "paper_results"
S1 = STUDIES.get("s1")
COLUMNS = ["experiment", "protocol", "dataset", "unit", "model", "seed", "n_train", "metric", "value"]
MARGINS = {"fid": 5.0, "ssim": 0.01, "ssim_nearest": 0.01, "ssim_random": 0.01, "spread_ratio": 1.1}


@pytest.fixture
def paper_dir(tmp_path) -> Path:
    """The real paper tables when present, else a minimal copy with the published numbers."""
    if (PAPER_DIR / "chen2025_table1_mnist.csv").is_file():
        return PAPER_DIR
    rows = [("SSIM", "classical", "avg", 0.1085), ("SSIM", "quantum", "avg", 0.1263),
            ("FID", "classical", "avg", 271.05), ("FID", "quantum", "avg", 259.25),
            ("FID", "classical", "std", 38.18), ("FID", "quantum", "std", 33.04)]
    pd.DataFrame(rows, columns=["metric", "model", "class", "value"]).to_csv(tmp_path / "chen2025_table1_mnist.csv",
                                                                            index=False)
    return tmp_path


def synthetic_scores(
    effect_ssim: float,
    effect_fid: float,
    noise: float = 0.002,
    fid_noise: float = 2.0,
    seeds: int = 3,
    datasets: tuple = ("mnist", "pathmnist"),
    low_data: bool = True,
    spread_ratio: float = 1.0,
    rng_seed: int = 0,
    models: tuple = ("classical", "quantum"),
) -> pd.DataFrame:
    """Scores of the standard protocol for 10 classes x seeds; the last model = the first +
    effect + noise. Classes differ a lot (pairing removes it); ``spread_ratio`` scales the
    treatment's class effect in FID (below 1: a smaller spread across digits)."""
    rng = np.random.default_rng(rng_seed)
    rows = []
    for dataset in datasets:
        classes = range(10) if dataset == "mnist" else [1]
        for n_train in ([pd.NA] + ([20, 50] if low_data and dataset == "mnist" else [])):
            for c in classes:
                class_ssim, class_fid = 0.1 + 0.01 * c, (10.0 * (c - 4.5) if dataset == "mnist" else 0.0)
                for s in range(seeds):
                    for model in models:
                        t = model == models[-1]
                        ssim = class_ssim + (effect_ssim if t else 0) + rng.normal(0, noise)
                        fid = 270 + class_fid * (spread_ratio if t else 1) + (effect_fid if t else 0)
                        fid += rng.normal(0, fid_noise)
                        for metric, value in (("ssim_nearest", ssim), ("ssim_random", ssim), ("fid", fid)):
                            rows.append(("e", "standard", dataset, str(c), model, s, n_train, metric, value))
    return pd.DataFrame(rows, columns=COLUMNS)


def primary(df: pd.DataFrame) -> dict:
    rows = df[df["primary"].astype(bool)]
    return dict(zip(rows["claim"], rows["verdict"]))


def test_clear_quantum_advantage_holds_after_holm(paper_dir):
    # higher SSIM, lower FID and spread on MNIST; PathMNIST: lower FID but lower SSIM is what C4 claims
    mnist = synthetic_scores(0.02, -15.0, spread_ratio=0.5, datasets=("mnist",))
    path = synthetic_scores(-0.02, -15.0, datasets=("pathmnist",), low_data=False, rng_seed=1, seeds=5)
    df = evaluate_claims(S1, pd.concat([mnist, path]), paper_dir, margins=MARGINS)
    assert primary(df) == {c: "holds" for c in ("C1", "C2", "C3", "C4a", "C4b", "C4", "C5a", "C5b", "C5")}
    c1 = df[df["primary"].astype(bool)].set_index("claim").loc["C1"]
    assert c1.paper_baseline == pytest.approx(0.1085) and c1.paper_treatment == pytest.approx(0.1263)
    assert c1.our_diff == pytest.approx(0.02, abs=0.002) and c1.ci_low > 0 and c1.p_holm >= c1.p_value
    assert "these classes" in c1.estimand and c1.reading == "fixed" and c1.n_classes == 10
    c3 = df[df["primary"].astype(bool)].set_index("claim").loc["C3"]
    assert c3.scale == "ratio" and c3.our_diff == pytest.approx(0.5, abs=0.05)


def test_clear_disadvantage_does_not_hold(paper_dir):
    df = evaluate_claims(S1, synthetic_scores(-0.02, 15.0, spread_ratio=2.0, seeds=5), paper_dir, margins=MARGINS)
    v = primary(df)
    assert v["C1"] == v["C2"] == v["C3"] == v["C5"] == "does not hold"
    assert v["C4a"] == "does not hold" and v["C4b"] == "holds" and v["C4"] == "does not hold"


def test_no_difference_within_the_margin_is_said_so(paper_dir):
    df = evaluate_claims(S1, synthetic_scores(0.0, 0.0, noise=0.0005, fid_noise=0.5, seeds=5), paper_dir,
                         margins=MARGINS)
    v = primary(df)
    assert v["C1"] == v["C2"] == "no meaningful difference"
    assert v["C5"] == "does not hold"  # a combined claim fails when a part shows no meaningful difference


def test_one_seed_is_undecided_with_the_reason_and_the_other_reading_beside(paper_dir):
    df = evaluate_claims(S1, synthetic_scores(0.02, -15.0, seeds=1, datasets=("mnist",)), paper_dir)
    row = df[df["primary"].astype(bool)].set_index("claim").loc["C2"]
    assert row.verdict == "undecided" and "one seed cannot separate model from noise" in row.note
    assert row.our_diff == pytest.approx(-15.0, abs=2.0)  # the point estimate is still shown
    assert row.secondary_reading == "random" and row.secondary_p < 0.05


def test_parts_a_target_did_not_run_are_marked_so(paper_dir):
    df = evaluate_claims(S1, synthetic_scores(0.02, -15.0, datasets=("mnist",)), paper_dir)
    rows = df[df["primary"].astype(bool)].set_index("claim")
    assert rows.loc["C4a"].verdict == NOT_RUN and "pathmnist" in rows.loc["C4a"].note
    assert rows.loc["C4"].verdict == NOT_RUN
    # Parts not run are not counted in the Holm family.
    assert rows.loc["C1"].family_size == 5


def test_duplicate_runs_raise_naming_the_experiments(paper_dir):
    scores = synthetic_scores(0.02, -15.0, datasets=("mnist",), low_data=False)
    twice = pd.concat([scores, scores.assign(experiment="other")])
    with pytest.raises(DuplicateScoresError, match="Experiments involved: e, other"):
        evaluate_claims(S1, twice, paper_dir)


def test_comparisons_come_from_the_caller_and_the_paper_numbers_only_from_its_own(paper_dir):
    scores = synthetic_scores(0.02, -15.0, datasets=("mnist",), models=("classical", "twin", "quantum"), low_data=False)
    df = evaluate_claims(S1, scores, paper_dir, comparisons=[("classical", "quantum"), ("twin", "quantum")])
    rows = df[df["primary"].astype(bool) & (df["claim"] == "C2")].set_index("baseline")
    assert set(rows.index) == {"classical", "twin"}
    assert np.isfinite(rows.loc["classical"].paper_baseline) and np.isnan(rows.loc["twin"].paper_baseline)
    # One Holm family across both comparisons.
    assert rows.loc["twin"].family_size == rows.loc["classical"].family_size == 6


def test_descriptive_variants_are_not_corrected(paper_dir):
    df = evaluate_claims(S1, synthetic_scores(0.02, -15.0, datasets=("mnist",), low_data=False), paper_dir)
    descriptive = df[~df["primary"].astype(bool) & (df["variant"] == "standard, random-pair SSIM")]
    assert descriptive["p_holm"].isna().all() and (descriptive["verdict"] != NOT_RUN).any()


def test_missing_columns_raise():
    with pytest.raises(ValueError, match="lacks columns"):
        evaluate_claims(S1, pd.DataFrame({"value": [1.0]}))


@pytest.mark.skipif(not PAPER_DIR.is_dir(), reason="shared paper_results not present")
def test_published_numbers_cannot_decide_the_claims_they_make():
    """The paper's own per-digit numbers are one seed: the model effect cannot be told from noise."""
    scores = published_scores(PAPER_DIR)
    df = evaluate_claims(S1, scores, PAPER_DIR)
    rows = df[df["variant"] == "paper (descriptive)"].set_index("claim")
    assert rows.loc["C2", "our_baseline"] == pytest.approx(271.05, abs=0.01)
    assert {rows.loc[c, "verdict"] for c in ("C1", "C2", "C3")} == {"undecided"}
    assert paper_values(PAPER_DIR)["C4b"] == (0.4107, 0.0931)


def test_c5_uses_only_sizes_below_100_each_digit_at_each_size_one_unit(paper_dir):
    """An advantage at 100 and 250 images only must not make C5 hold; one below 100 must."""
    rng = np.random.default_rng(3)
    rows = []
    for n_train in (10, 25, 50, 100, 250):
        for c in range(10):
            for s in range(5):
                for model in ("classical", "twin", "quantum"):
                    gain = 15.0 if model == "quantum" and n_train >= 100 else 0.0
                    fid = 270 + 5 * c - gain + rng.normal(0, 0.5)
                    for metric, value in (("fid", fid), ("ssim_nearest", 0.1 + gain / 1000 + rng.normal(0, 1e-4)),
                                          ("ssim_random", 0.1)):
                        rows.append(("e", "standard", "mnist", str(c), model, s, n_train, metric, value))
    scores = pd.DataFrame(rows, columns=COLUMNS)
    pairs = [("classical", "quantum"), ("twin", "quantum")]
    df = evaluate_claims(S1, scores, paper_dir, comparisons=pairs, margins=MARGINS)
    c5 = df[df["primary"].astype(bool) & df["claim"].isin(["C5a", "C5b", "C5"])]
    assert set(zip(c5["baseline"], c5["claim"])) == {(b, c) for b, _ in pairs for c in ("C5a", "C5b", "C5")}
    assert (c5[c5["claim"] == "C5"]["verdict"] == "does not hold").all()
    c5b = c5[c5["claim"] == "C5b"].iloc[0]
    assert c5b.n_classes == 10 * 3 and abs(c5b.our_diff) < 1  # 10 digits x sizes 10, 25, 50
    # The same advantage below 100 images: C5 holds against both the plain U-Net and the twin.
    flipped = scores.assign(n_train=scores["n_train"].map({10: 100, 25: 250, 50: 500, 100: 10, 250: 25}))
    df = evaluate_claims(S1, flipped, paper_dir, comparisons=pairs, margins=MARGINS)
    c5 = df[df["primary"].astype(bool) & (df["claim"] == "C5")]
    assert (c5["verdict"] == "holds").all()
