"""The audit tool that recomputes the old engine's verdicts beside the current claims CSV."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from qgen.claims import evaluate_claims
from qgen.stats.before_after import before_after, main
from qgen.studies import STUDIES
from test_claims import MARGINS, paper_dir, synthetic_scores  # noqa: F401  (paper_dir: a fixture)

S1 = STUDIES.get("s1")


def test_old_mean_verdicts_are_a_paired_t_over_all_class_seed_pairs(paper_dir):
    scores = synthetic_scores(0.003, -1.0, seeds=3, datasets=("mnist",))
    claims = evaluate_claims(S1, scores, paper_dir, margins=MARGINS)
    table = before_after(S1, scores, claims).set_index("claim")
    assert set(table.index) == {"C1", "C2", "C3", "C5a", "C5b"}  # PathMNIST not in these scores
    full = scores[scores["n_train"].isna() & (scores["metric"] == "ssim_nearest")]
    wide = full.pivot_table(index=["unit", "seed"], columns="model", values="value")
    ref = stats.ttest_rel(wide["quantum"], wide["classical"])
    c1 = table.loc["C1"]
    assert c1.old_n_pairs == 30 and c1.old_p == pytest.approx(ref.pvalue, rel=1e-9)
    assert c1.old_estimate == pytest.approx((wide["quantum"] - wide["classical"]).mean())
    assert c1.new_verdict == claims.set_index(["variant", "claim"]).loc[(S1.variants[0].name, "C1"), "verdict"]
    assert c1.changed == (c1.old_verdict != c1.new_verdict)
    # C3: the old two-stage bootstrap over 10 classes x 3 seeds gives a p in [0, 1]
    assert 0 <= table.loc["C3"].old_p <= 1 and table.loc["C3"].statistic == "spread"
    # C5: each digit at each size below 100 is a pair set of its own: 10 digits x 2 sizes x 3 seeds
    assert table.loc["C5a"].old_n_pairs == 60


def test_command_line_reads_stand_ins_and_writes_markdown(tmp_path, paper_dir):
    scores = synthetic_scores(0.02, -15.0, seeds=3, datasets=("mnist",)).assign(dataset="mnist_t10k")
    claims = evaluate_claims(S1, scores.assign(dataset="mnist"), paper_dir, margins=MARGINS)
    scores.to_csv(tmp_path / "scores.csv", index=False)
    claims.to_csv(tmp_path / "claims.csv", index=False)
    main(["--study", "s1", "--claims", str(tmp_path / "claims.csv"), "--scores", str(tmp_path / "scores.csv"),
          "--dataset-as", "mnist_t10k=mnist", "--out", str(tmp_path / "ba.md")])
    text = (tmp_path / "ba.md").read_text()
    assert "old_verdict" in text and text.count("| C") == 5 and "holds" in text
