"""The estimators agree with textbook formulas and scipy, and never decide what the data cannot."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from qgen.stats import (
    DuplicateScoresError,
    PairedScores,
    adjust_family,
    compare_pair,
    decide,
    fixed_classes,
    holm,
    min_detectable_effect,
    paired_scores,
    power_t,
    random_classes,
    seeds_needed,
    sign_flip_pvalue,
    single_unit,
    spread_fixed_classes,
    spread_pitman_morgan,
    spread_seed_bootstrap,
)
from qgen.stats.decisions import hall_inverse, hall_transform, t_inference
from qgen.stats.estimators import fixed_kernel, random_kernel
from qgen.stats.spread import pitman_morgan_t


def table(rng, k=10, s=3, effect=0.0, tau=0.0, noise=1.0):
    cls = rng.normal(0, 5, size=(k, 1))
    a = cls + rng.normal(0, noise, size=(k, s))
    b = cls + effect + rng.normal(0, tau, size=(k, 1)) + rng.normal(0, noise, size=(k, s))
    return PairedScores.from_arrays(a, b, model_a="classical", model_b="quantum")


# ----------------------------------------------------------------------------- hygiene


def tidy(rows):
    return pd.DataFrame(rows, columns=["experiment", "class", "seed", "model", "value"])


def test_paired_scores_grid_counts_missing_and_infinite():
    rows = [("e", c, s, m, float(10 * c + s + (m == "quantum"))) for c in (2, 0, 1) for s in (1, 0)
            for m in ("classical", "quantum")]
    rows[0] = ("e", 2, 1, "classical", np.inf)
    rows[1] = ("e", 2, 1, "quantum", np.nan)
    rows.append(("e", 0, 0, "twin", 5.0))  # another model: ignored
    data = paired_scores(tidy(rows), "classical", "quantum")
    assert data.units == (0, 1, 2) and data.seeds == (0, 1)
    assert data.a.shape == (3, 2) and np.isnan(data.a[2, 1]) and np.isnan(data.b[2, 1])
    assert data.n_nonfinite == 1 and data.n_missing == 1
    assert "1 non-finite" in data.note and "1 missing" in data.note
    assert data.b[1, 0] == 11.0


def test_duplicate_scores_raise_and_name_the_experiments():
    rows = [("s1_mnist", 0, 0, "classical", 1.0), ("s1_mnist", 0, 0, "quantum", 2.0),
            ("quickstart", 0, 0, "quantum", 3.0)]
    with pytest.raises(DuplicateScoresError, match="quickstart, s1_mnist"):
        paired_scores(tidy(rows), "classical", "quantum")


def test_absent_model_is_a_note_and_an_undecided_result():
    rows = [("e", c, s, "classical", float(c + s)) for c in range(3) for s in range(3)]
    data = paired_scores(tidy(rows), "classical", "quantum")
    assert "no scores from model(s) quantum" in data.note
    r = fixed_classes(data)
    assert not r.decidable and decide(r.estimate, r.null, r.p, r.p_equivalence, 1) == "undecided"


def test_units_from_several_columns_and_non_numeric_values():
    df = pd.DataFrame({"class": [0, 0, 0, 0], "n_train": [20, 50, 20, 50], "seed": 0,
                       "model": ["classical", "classical", "quantum", "quantum"], "value": ["1.0", "2", "x", 3]})
    data = paired_scores(df, "classical", "quantum", unit=("class", "n_train"))
    assert data.units == ((0, 20), (0, 50)) and data.n_missing == 1 and np.isnan(data.b[0, 0])


def test_from_arrays_treats_infinity_as_missing():
    data = PairedScores.from_arrays([[1.0, np.inf]], [[2.0, 3.0]])
    assert data.n_nonfinite == 1 and np.isnan(data.a[0, 1])
    with pytest.raises(ValueError):
        PairedScores.from_arrays(np.ones((2, 3)), np.ones((3, 2)))


# ----------------------------------------------------------------------------- fixed classes


def test_fixed_classes_matches_the_hand_formula():
    rng = np.random.default_rng(0)
    data = table(rng, k=6, s=4, effect=0.3, tau=1.0)
    r = fixed_classes(data, skew_guard=False)
    d = data.b - data.a
    resid = d - d.mean(axis=1, keepdims=True)
    s2 = (resid ** 2).sum() / (6 * 3)
    se = math.sqrt(s2 / (6 * 4))
    assert r.estimate == pytest.approx(d.mean()) and r.df == 18 and r.se == pytest.approx(se)
    assert r.p == pytest.approx(2 * sps.t.sf(abs(d.mean()) / se, 18))
    half = sps.t.ppf(0.975, 18) * se
    assert (r.low, r.high) == pytest.approx((d.mean() - half, d.mean() + half))
    assert r.sd_seed == pytest.approx(math.sqrt(s2)) and r.n_classes == 6 and r.n_seeds == 4 and r.n_values == 24
    assert "classes fixed" in r.estimand and "[0, 1, 2, 3, 4, 5]" in r.estimand


def test_fixed_classes_blocks_out_the_interaction_the_pooled_t_counts_as_noise():
    rng = np.random.default_rng(1)
    data = table(rng, k=10, s=3, effect=0.0, tau=3.0)
    from qgen.stats import paired_comparison
    pooled = paired_comparison(data.a.ravel(), data.b.ravel())
    pooled_se = (pooled.high - pooled.low) / (2 * sps.t.ppf(0.975, 29))
    assert fixed_classes(data).se < 0.75 * pooled_se  # expected ratio sqrt(2 / 11) at tau = 3


def test_single_unit_equals_scipy():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=6), rng.normal(0.5, 2.0, size=6)
    data = PairedScores.from_arrays(a, b)
    paired = single_unit(data, skew_guard=False)
    assert paired.p == pytest.approx(sps.ttest_rel(b, a).pvalue) and paired.df == 5
    welch = single_unit(data, paired=False)
    ref = sps.ttest_ind(b, a, equal_var=False)
    assert welch.p == pytest.approx(ref.pvalue) and welch.df == pytest.approx(ref.df)
    ci = ref.confidence_interval()
    assert (welch.low, welch.high) == pytest.approx((ci.low, ci.high))
    with pytest.raises(ValueError, match="exactly one unit"):
        single_unit(table(rng))


def test_one_seed_is_undecided_and_says_why():
    rng = np.random.default_rng(3)
    data = table(rng, s=1, effect=5.0)
    for r in (fixed_classes(data), fixed_classes(data, paired=False), spread_fixed_classes(data),
              spread_seed_bootstrap(data)):
        assert not r.decidable and "one seed cannot separate model from noise" in r.note
    assert random_classes(data).decidable  # a draw of classes needs no seed replication


def test_classes_with_one_seed_are_left_out_and_named():
    rng = np.random.default_rng(4)
    data = table(rng, k=4, s=3)
    a = data.a.copy()
    a[2, 1:] = np.nan  # class 2 keeps one complete pair
    r = fixed_classes(PairedScores.from_arrays(a, data.b))
    assert r.n_classes == 3 and "left out: [2]" in r.note and "2 score(s) without a matching seed" in r.note
    assert "[0, 1, 3]" in r.estimand


def test_unbalanced_seeds_use_every_complete_pair():
    rng = np.random.default_rng(5)
    data = table(rng, k=3, s=5, tau=1.0)
    b = data.b.copy()
    b[0, 3:] = np.nan
    r = fixed_classes(PairedScores.from_arrays(data.a, b), skew_guard=False)
    d = b - data.a
    per_class = [row[np.isfinite(row)] for row in d]
    ss = sum(((x - x.mean()) ** 2).sum() for x in per_class)
    df = sum(x.size - 1 for x in per_class)
    se = math.sqrt(ss / df * sum(1 / x.size for x in per_class)) / 3
    assert r.seeds_per_class == (3, 5, 5) and r.df == df and r.se == pytest.approx(se)
    assert r.estimate == pytest.approx(np.mean([x.mean() for x in per_class])) and "unbalanced" in r.note


def test_zero_variance_is_undecided_never_significant():
    a = np.arange(12.0).reshape(4, 3)
    r = fixed_classes(PairedScores.from_arrays(a, a + 2.0))  # identical differences everywhere
    assert not r.decidable and math.isnan(r.p) and "zero variance" in r.note and r.estimate == 2.0
    assert decide(r.estimate, r.null, r.p, r.p_equivalence, 1, decidable=r.decidable) == "undecided"
    rr = random_classes(PairedScores.from_arrays(a, a + 2.0))
    assert not rr.decidable and math.isnan(rr.p)


def test_per_class_variances_use_satterthwaite_df():
    rng = np.random.default_rng(6)
    data = table(rng, k=5, s=4)
    r = fixed_classes(data, pooled=False, skew_guard=False)
    d = data.b - data.a
    v = d.var(axis=1, ddof=1) / 4
    assert r.se == pytest.approx(math.sqrt(v.sum()) / 5)
    assert r.df == pytest.approx(v.sum() ** 2 / (v ** 2 / 3).sum())


def test_unpaired_fixed_classes_pools_each_model_separately():
    rng = np.random.default_rng(7)
    data = table(rng, k=4, s=3)
    r = fixed_classes(data, paired=False)
    va, vb = data.a.var(axis=1, ddof=1).mean(), data.b.var(axis=1, ddof=1).mean()
    assert r.se == pytest.approx(math.sqrt((va + vb) / 3 / 4)) and r.df == pytest.approx(
        (va + vb) ** 2 / (va ** 2 + vb ** 2) * 8)


# ----------------------------------------------------------------------------- random classes


def test_random_classes_is_a_t_over_class_means():
    rng = np.random.default_rng(8)
    data = table(rng, k=9, s=2, effect=0.4, tau=1.0)
    r = random_classes(data, skew_guard=False)
    D = (data.b - data.a).mean(axis=1)
    ref = sps.ttest_1samp(D, 0.0)
    assert r.p == pytest.approx(ref.pvalue) and r.df == 8 and r.estimate == pytest.approx(D.mean())
    assert r.p_nonparametric == pytest.approx(sign_flip_pvalue(D))
    assert "random" in r.estimand and r.sd_interaction >= 0
    assert random_classes(table(rng, k=1)).decidable is False


def test_seeds_needed_for_random_classes_can_be_unreachable():
    rng = np.random.default_rng(9)
    data = table(rng, k=5, s=3, tau=4.0)  # class-to-class spread that seeds cannot average away
    r = random_classes(data, target_effect=0.1)
    assert r.seeds_needed == math.inf


# ----------------------------------------------------------------------------- skew guard, duality


def test_hall_inverse_inverts_and_transform_is_monotone():
    t = np.linspace(-8, 8, 161)
    for a in (-0.3, -0.05, 0.0, 0.02, 0.4):
        g = hall_transform(t, a)
        assert np.all(np.diff(g) >= -1e-12)
        assert hall_inverse(g, a) == pytest.approx(t, abs=1e-4)  # ill-conditioned only at t = -1/a


@pytest.mark.parametrize("guard", [False, True])
def test_interval_excludes_zero_exactly_when_p_is_below_alpha(guard):
    rng = np.random.default_rng(10)
    est = rng.normal(0, 1, 2000)
    se = rng.uniform(0.2, 1.0, 2000)
    kappa = rng.normal(0, 0.3, 2000) if guard else None
    p, low, high, _ = t_inference(est, se, 12.0, 0.95, kappa)
    assert np.array_equal(p < 0.05, (low > 0) | (high < 0))
    p0, low0, high0, _ = t_inference(est, se, 12.0, 0.95)
    if guard:  # the guard only ever widens and only ever raises p
        assert np.all(p >= p0 - 1e-15) and np.all(low <= low0 + 1e-12) and np.all(high >= high0 - 1e-12)


def test_skew_guard_applies_automatically_from_ten_differences():
    rng = np.random.default_rng(11)
    assert fixed_classes(table(rng, k=10, s=3)).skew_guard
    assert not single_unit(PairedScores.from_arrays(rng.normal(size=5), rng.normal(size=5))).skew_guard
    assert not fixed_classes(table(rng, k=10, s=3), skew_guard=False).skew_guard


# ----------------------------------------------------------------------------- equivalence, power


def test_tost_equals_two_one_sided_scipy_tests():
    rng = np.random.default_rng(12)
    a, b = rng.normal(size=8), rng.normal(0.1, 1, size=8)
    r = single_unit(PairedScores.from_arrays(a, b), margin=0.8, skew_guard=False)
    d = b - a
    lower = sps.ttest_1samp(d, -0.8, alternative="greater").pvalue
    upper = sps.ttest_1samp(d, 0.8, alternative="less").pvalue
    assert r.p_equivalence == pytest.approx(max(lower, upper)) and (r.margin_low, r.margin_high) == (-0.8, 0.8)


def test_verdict_map():
    assert decide(1.0, 0.0, 0.01, np.nan, +1) == "holds"
    assert decide(1.0, 0.0, 0.01, np.nan, -1) == "does not hold"
    assert decide(0.01, 0.0, 0.5, 0.01, +1) == "no meaningful difference"
    assert decide(0.01, 0.0, 0.5, 0.2, +1) == "undecided"
    assert decide(0.01, 0.0, 0.5, 0.01, 0) == "holds"
    assert decide(1.0, 0.0, 0.01, np.nan, 0) == "does not hold"
    assert decide(0.8, 1.0, 0.01, np.nan, -1) == "holds"  # a ratio below 1 for "b lower"
    assert decide(1.0, 0.0, 0.01, np.nan, +1, decidable=False) == "undecided"
    with pytest.raises(ValueError):
        decide(1.0, 0.0, 0.01, np.nan, 2)


def test_range_claims():
    from qgen.stats import decide_range
    lo, hi = math.log(3), math.log(5)
    assert decide_range(math.log(4), 0.05, 10, lo, hi)[0] == "holds"
    assert decide_range(math.log(8), 0.05, 10, lo, hi)[0] == "does not hold"
    assert decide_range(math.log(1.5), 0.05, 10, lo, hi)[0] == "does not hold"
    verdict, p_in, p_out = decide_range(math.log(4), 1.0, 10, lo, hi)
    assert verdict == "undecided" and p_in > 0.05 and p_out > 0.05
    assert decide_range(1.0, 0.0, 10, lo, hi)[0] == "undecided"


def test_power_and_minimum_detectable_effect_agree():
    for df in (2, 9, 20, np.inf):
        mde = min_detectable_effect(0.5, df, 0.05, 0.8)
        assert power_t(mde, 0.5, df) == pytest.approx(0.8, abs=1e-6)
    assert min_detectable_effect(1.0, np.inf) == pytest.approx(1.95996 + 0.84162, abs=1e-4)
    assert power_t(40.0, 1.0, 20) == pytest.approx(1.0)  # scipy's nctdtr gives NaN here


def test_seeds_needed_matches_the_design():
    rng = np.random.default_rng(13)
    data = table(rng, k=10, s=3, noise=1.0)
    r = fixed_classes(data, target_effect=0.5)
    n = int(r.seeds_needed)
    se = lambda k: r.sd_seed / math.sqrt(10 * k)  # noqa: E731
    assert power_t(0.5, se(n), 10 * (n - 1)) >= 0.8 > power_t(0.5, se(n - 1), 10 * (n - 2))
    assert math.isnan(seeds_needed(0.0, se, lambda k: 10 * (k - 1)))


def test_holm():
    assert holm([0.01, 0.02, 0.03, 0.04]) == pytest.approx([0.04, 0.06, 0.06, 0.06])
    out = holm([0.04, np.nan, 0.01])
    assert np.isnan(out[1]) and out == pytest.approx([0.04, np.nan, 0.02], nan_ok=True)
    assert holm([0.5, 0.001]) == pytest.approx([0.5, 0.002])
    # grouped: the two hypotheses of one part cannot both be true, so 4 p-values of 2 parts
    # never multiply by more than 2
    grouped = holm([0.01, 0.02, 0.9, 0.8], groups=[0, 1, 0, 1])
    assert grouped == pytest.approx([0.02, 0.04, 1.0, 1.0])  # 0.8 and 0.9 times 2 parts
    assert np.all(grouped <= holm([0.01, 0.02, 0.9, 0.8]) + 1e-15)
    assert np.isnan(holm([np.nan])).all()


# ----------------------------------------------------------------------------- spread


def test_pitman_morgan_equals_the_correlation_test_and_its_interval_inverts_it():
    rng = np.random.default_rng(14)
    x = rng.normal(270, 35, 10)
    y = 0.8 * x + rng.normal(0, 15, 10)
    data = PairedScores.from_arrays(x[:, None], y[:, None])
    r = spread_pitman_morgan(data)
    assert r.p == pytest.approx(sps.pearsonr(x + y, x - y).pvalue)
    assert r.estimate == pytest.approx(y.std(ddof=1) / x.std(ddof=1)) and r.df == 8
    tc = sps.t.ppf(0.975, 8)
    use = np.ones(10, bool)
    for bound, sign in ((r.low, 1), (r.high, -1)):
        assert float(pitman_morgan_t(x, y, use, bound)) == pytest.approx(sign * tc, rel=1e-6)
    assert r.low < r.estimate < r.high


def test_spread_needs_eight_classes():
    rng = np.random.default_rng(15)
    data = table(rng, k=7, s=3)
    for r in (spread_pitman_morgan(data), spread_fixed_classes(data), spread_seed_bootstrap(data)):
        assert not r.decidable and "at least 8" in r.note


def test_spread_fixed_classes_finds_a_clear_ratio_and_keeps_duality():
    rng = np.random.default_rng(16)
    base = np.linspace(-1, 1, 10) * 40
    a = 270 + base[:, None] + rng.normal(0, 3, (10, 4))
    b = 260 + 0.6 * base[:, None] + rng.normal(0, 3, (10, 4))
    r = spread_fixed_classes(PairedScores.from_arrays(a, b), margin=1.1)
    assert r.estimate == pytest.approx(0.6, abs=0.05) and r.high < 1 and r.p < 1e-4 and r.scale == "ratio"
    assert decide(r.estimate, r.null, r.p, r.p_equivalence, -1) == "holds"
    r2 = spread_fixed_classes(PairedScores.from_arrays(a, 260 + base[:, None] + rng.normal(0, 3, (10, 4))),
                              margin=1.2)
    assert (r2.p < 0.05) == (r2.low > 1 or r2.high < 1)
    assert r2.p_equivalence < 0.05  # equal spreads, precisely measured: inside (1/1.2, 1.2)


def test_seed_bootstrap_p_is_never_zero_and_counts_draws():
    rng = np.random.default_rng(17)
    base = np.linspace(-1, 1, 10) * 40
    a = 270 + base[:, None] + rng.normal(0, 1, (10, 3))
    b = 260 + 0.3 * base[:, None] + rng.normal(0, 1, (10, 3))
    r = spread_seed_bootstrap(PairedScores.from_arrays(a, b), n_boot=199)
    assert r.p == pytest.approx(2 / 200) and r.low < r.estimate < r.high < 1


# ----------------------------------------------------------------------------- kernels = public


def test_kernels_give_the_public_numbers():
    rng = np.random.default_rng(18)
    a = rng.normal(size=(5, 10, 3))
    b = a + rng.exponential(1.0, size=(5, 10, 3))
    b[0, 2, 1] = np.nan
    kf, kr = fixed_kernel(a, b), random_kernel(a, b)
    for i in range(5):
        data = PairedScores.from_arrays(a[i], b[i])
        f, r = fixed_classes(data), random_classes(data)
        assert (f.estimate, f.se, f.df, f.skewness) == pytest.approx(
            (kf["estimate"][i], kf["se"][i], kf["df"][i], kf["kappa"][i]))
        assert (r.estimate, r.se, r.df) == pytest.approx((kr["estimate"][i], kr["se"][i], kr["df"][i]))


# ----------------------------------------------------------------------------- engine


def scores_frame(rng, effect=0.0, seeds=3, k=10):
    rows = []
    for c in range(k):
        base = rng.normal(270, 30)
        for s in range(seeds):
            rows.append(("s1_mnist", c, s, "classical", base + rng.normal(0, 2)))
            rows.append(("s1_mnist", c, s, "quantum", base + effect + rng.normal(0, 2)))
    return pd.DataFrame(rows, columns=["experiment", "class", "seed", "model", "value"])


def test_compare_pair_and_family():
    rng = np.random.default_rng(19)
    strong = compare_pair(scores_frame(rng, -10.0), "classical", "quantum", direction=-1, margin=2.0, target=-11.8)
    assert strong["verdict"] == "holds" and strong["reading"] == "fixed" and strong["secondary_reading"] == "random"
    assert strong["secondary_verdict"] == "holds" and strong["mde"] > 0 and strong["seeds_needed"] >= 2
    null = compare_pair(scores_frame(rng, 0.0, seeds=5), "classical", "quantum", direction=-1, margin=3.0)
    one_seed = compare_pair(scores_frame(rng, -10.0, seeds=1), "classical", "quantum", direction=-1)
    assert one_seed["verdict"] == "undecided" and "one seed" in one_seed["note"]
    assert one_seed["secondary_verdict"] == "holds"  # read as a draw of classes, one seed can decide
    spread = compare_pair(scores_frame(rng, 0.0), "classical", "quantum", direction=-1, statistic="spread")
    assert spread["null"] == 1.0 and spread["method"].startswith("delta-method")
    family = adjust_family([strong, null, one_seed, spread])
    assert family[2]["verdict"] == "undecided" and np.isnan(family[2]["p_holm"])
    assert all(f["p_holm"] >= r["p"] - 1e-15 for f, r in zip(family, [strong, null, one_seed, spread])
               if np.isfinite(r["p"]))
    assert family[0]["verdict"] == "holds" and family[0]["family_size"] == 3


def test_compare_pair_raises_on_duplicates():
    rng = np.random.default_rng(20)
    df = scores_frame(rng)
    df = pd.concat([df, df.iloc[:2].assign(experiment="quickstart")])
    with pytest.raises(DuplicateScoresError, match="quickstart"):
        compare_pair(df, "classical", "quantum", direction=1)


# ----------------------------------------------------------------------------- shared seeds


def _frame(run_seeds: str) -> pd.DataFrame:
    """10 classes x 3 seeds x 2 models; a seed effect common to all classes in model q."""
    rng = np.random.default_rng(4)
    shift = np.array([0.0, 1.5, -0.8])
    rows = []
    for c in range(10):
        for s in range(3):
            base = rng.normal()
            for model, v in (("p", base + rng.normal(0, 0.1)), ("q", base + 0.2 + shift[s] + rng.normal(0, 0.1))):
                rs = {"none": np.nan, "label": s, "per_unit": 100 * s + c}[run_seeds]
                rows.append(dict(unit=str(c), seed=s, model=model, value=v, run_seed=rs))
    return pd.DataFrame(rows)


@pytest.mark.parametrize("run_seeds, shared", [("none", True), ("label", True), ("per_unit", False)])
def test_shared_seeds_are_read_from_the_run_seeds(run_seeds: str, shared: bool) -> None:
    data = paired_scores(_frame(run_seeds), "p", "q", unit="unit")
    assert data.shared_seeds is shared
    assert ("run seeds not recorded" in data.note) is (run_seeds == "none")
    # no run_seed column at all: the caller's arrays, independent seeds
    assert paired_scores(_frame("none").drop(columns="run_seed"), "p", "q", unit="unit").shared_seeds is False


def test_seed_blocked_t_is_the_t_over_per_seed_means() -> None:
    frame = _frame("label")
    est = fixed_classes(paired_scores(frame, "p", "q", unit="unit"))
    wide = frame.pivot_table(index=["unit", "seed"], columns="model", values="value")
    per_seed = (wide["q"] - wide["p"]).groupby(level="seed").mean().to_numpy()
    ref = sps.ttest_1samp(per_seed, 0.0)
    assert est.method.startswith("seed-blocked t") and est.df == 2
    assert est.estimate == pytest.approx(per_seed.mean()) and est.p == pytest.approx(ref.pvalue)
    assert (est.low, est.high) == pytest.approx(tuple(ref.confidence_interval(0.95)))
    # the same numbers read as independent seeds: a far smaller (wrong) interval
    independent = fixed_classes(paired_scores(_frame("per_unit"), "p", "q", unit="unit"))
    assert independent.df == 20 and independent.high - independent.low < 0.3 * (est.high - est.low)


def test_seed_blocked_keeps_the_largest_complete_grid_and_counts_the_rest() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(10, 3)), rng.normal(size=(10, 3))
    b[0, 0] = np.nan  # one cell: dropping class 0 keeps 27 cells, dropping seed 0 only 20
    est = fixed_classes(PairedScores.from_arrays(a, b, shared_seeds=True))
    assert (est.n_classes, est.n_seeds) == (9, 3) and "3 (class, seed) cell(s)" in est.note
    b[:, 0] = np.nan  # a whole seed missing: 2 seeds left, df 1
    est = fixed_classes(PairedScores.from_arrays(a, b, shared_seeds=True))
    assert (est.n_classes, est.n_seeds, est.df) == (10, 2, 1.0)
    b[:, 1] = np.nan
    one = fixed_classes(PairedScores.from_arrays(a, b, shared_seeds=True))
    assert not one.decidable and "one seed" in one.note and np.isfinite(one.estimate)
