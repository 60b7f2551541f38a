"""Intervals cover at their nominal rate; paired tests detect effects; n = 1 never crashes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qgen.stats import (
    bootstrap_draws,
    bootstrap_pvalue,
    mean_ci,
    paired_comparison,
    percentile_interval,
    sign_flip_pvalue,
)


def test_t_interval_coverage_is_nominal():
    rng = np.random.default_rng(2024)
    truth = 3.0
    hits = 0
    for _ in range(2000):
        ci = mean_ci(rng.normal(truth, 2.0, size=8))
        hits += ci.low <= truth <= ci.high
    assert 0.93 <= hits / 2000 <= 0.97


def test_bootstrap_interval_coverage_is_near_nominal():
    rng = np.random.default_rng(7)
    hits = 0
    for i in range(600):
        ci = mean_ci(rng.normal(0.0, 1.0, size=40), method="bootstrap", n_boot=1000, seed=i)
        hits += ci.low <= 0.0 <= ci.high
    assert 0.91 <= hits / 600 <= 0.98  # percentile bootstrap runs slightly narrow at small n


def test_single_value_gives_nan_interval_with_note():
    ci = mean_ci([1.5])
    assert ci.estimate == 1.5 and math.isnan(ci.low) and math.isnan(ci.high) and "n=1" in ci.note
    empty = mean_ci([])
    assert math.isnan(empty.estimate) and "no data" in empty.note
    pc = paired_comparison([1.0], [2.0])
    assert pc.n == 1 and pc.mean_diff == 1.0 and math.isnan(pc.p_t) and math.isnan(pc.low) and "n=1" in pc.note


def test_nan_values_are_dropped_and_reported():
    ci = mean_ci([1.0, np.nan, 3.0])
    assert ci.n == 2 and ci.estimate == 2.0 and "1 NaN" in ci.note
    pc = paired_comparison([1.0, 2.0, np.nan, 4.0], [2.0, 3.5, 1.0, 5.0])
    assert pc.n == 3 and "1 incomplete pair" in pc.note


def test_paired_comparison_detects_a_clear_shift():
    rng = np.random.default_rng(1)
    a = rng.normal(10, 5, size=30)  # large between-unit spread that pairing removes
    b = a + 1.0 + rng.normal(0, 0.3, size=30)
    pc = paired_comparison(a, b)
    assert pc.low > 0 and pc.p_t < 1e-6 and pc.p_wilcoxon < 1e-4 and pc.p_signflip < 1e-3
    assert pc.mean_diff == pytest.approx(np.mean(b - a))


def test_paired_comparison_under_the_null_is_not_significant():
    rng = np.random.default_rng(3)
    a = rng.normal(size=12)
    pc = paired_comparison(a, a + rng.normal(0, 1, size=12))
    assert pc.low < 0 < pc.high or pc.p_t >= 0.05
    same = paired_comparison(a, a)  # identical: no noise to judge by, no crash
    assert math.isnan(same.p_t) and math.isnan(same.low) and "all differences are equal" in same.note


def test_equal_differences_are_never_significant():
    # two runs that differ by the same constant: the old code gave p = 0 and a zero-width interval
    pc = paired_comparison([1.0, 2.0], [1.5, 2.5])
    assert math.isnan(pc.p_t) and math.isnan(pc.low) and math.isnan(pc.high) and pc.mean_diff == 0.5
    ci = mean_ci([3.0, 3.0, 3.0])
    assert ci.estimate == 3.0 and math.isnan(ci.low) and "all values are equal" in ci.note


def test_infinite_values_are_missing():
    ci = mean_ci([1.0, np.inf, 3.0])
    assert ci.n == 2 and "non-finite" in ci.note
    pc = paired_comparison([1.0, 2.0, 3.0, 4.0], [2.0, np.inf, 4.5, 5.0])
    assert pc.n == 3 and "non-finite" in pc.note and np.isfinite(pc.mean_diff)


def test_bootstrap_pvalue_is_never_zero():
    draws = np.linspace(1.0, 2.0, 999)  # every draw above the null
    assert bootstrap_pvalue(draws) == pytest.approx(2 / 1000)
    assert bootstrap_pvalue(-draws) == pytest.approx(2 / 1000)


def test_sign_flip_exact_small_n():
    # 5 positive differences: only the all-plus and all-minus sign patterns are as extreme
    assert sign_flip_pvalue([1, 2, 3, 4, 5]) == pytest.approx(2 / 32)
    assert sign_flip_pvalue(np.ones(20) * 0.5, n_perm=2000) < 0.01


def test_bootstrap_helpers():
    draws = bootstrap_draws(lambda rng: rng.normal(1.0, 0.1), n_boot=2000, seed=0)
    lo, hi = percentile_interval(draws)
    assert 0.75 < lo < 0.85 and 1.15 < hi < 1.25
    assert bootstrap_pvalue(draws) < 0.01
    assert math.isnan(bootstrap_pvalue(np.array([np.nan])))


def test_per_class_table_cells_use_the_p_of_their_t_interval():
    # with 3 seeds a sign-flip p is at least 0.25, so cells tested that way could never decide
    import pandas as pd

    from qgen.report.tables import comparison_table

    rows = []
    for c in range(2):
        for s in range(3):
            rows.append(dict(protocol="paper", metric="fid", model="classical", unit=str(c), seed=s, value=270.0 + s))
            rows.append(dict(protocol="paper", metric="fid", model="quantum", unit=str(c), seed=s,
                             value=250.0 + s + 0.3 * (s == 1)))
    paper = pd.DataFrame({"metric": ["fid"] * 4, "model": ["classical", "quantum"] * 2, "class": ["0", "0", "1", "1"],
                          "value": [271.0, 259.0, 280.0, 270.0]})
    table = comparison_table(pd.DataFrame(rows), "paper", ("classical", "quantum"), paper)
    cell = table[(table["unit"] == "0")].iloc[0]
    assert cell["p_t"] < 0.05 and cell["diff_low"] < cell["diff"] < cell["diff_high"] < 0
    assert cell["paper_direction_holds"] == "yes"
    overall = table[table["unit"] == "all"].iloc[0]
    assert overall["p_t"] < 0.05 and overall["n_pairs"] == 6
