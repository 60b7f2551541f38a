"""Statistics for qgen's verdicts: intervals, tests with an explicit estimand, equivalence,
power, Holm, input hygiene. `from qgen.stats import ...` works for every public name.

- basic: one-sample intervals and the (independent-pairs) paired comparison used by tables;
- data: tidy scores -> PairedScores (unit x seed arrays), counting every missing value;
- estimators: fixed_classes, random_classes, single_unit (differences b - a);
- spread: spread_fixed_classes, spread_pitman_morgan, spread_seed_bootstrap (sd across classes, ratio b / a);
- decisions: t p-values, TOST, power, Holm, the verdict map;
- engine: compare_pair / adjust_family, what a claims engine calls per claim part;
- calibration: simulations that check every verdict's false rate (python -m qgen.stats.calibration).
"""

from qgen.stats.basic import (
    Interval,
    PairedComparison,
    bootstrap_draws,
    bootstrap_pvalue,
    mean_ci,
    paired_comparison,
    percentile_interval,
    sign_flip_pvalue,
)
from qgen.stats.data import DuplicateScoresError, PairedScores, paired_scores
from qgen.stats.decisions import (
    VERDICTS,
    decide,
    decide_many,
    decide_range,
    equivalence_pvalue_t,
    holm,
    margin_bounds,
    min_detectable_effect,
    power_t,
    seeds_needed,
    t_interval,
    t_pvalue,
)
from qgen.stats.estimators import Estimate, fixed_classes, random_classes, single_unit
from qgen.stats.spread import spread_fixed_classes, spread_pitman_morgan, spread_seed_bootstrap
from qgen.stats.engine import adjust_family, compare_pair, estimate

__all__ = [
    "Interval", "PairedComparison", "bootstrap_draws", "bootstrap_pvalue", "mean_ci", "paired_comparison",
    "percentile_interval", "sign_flip_pvalue",
    "DuplicateScoresError", "PairedScores", "paired_scores",
    "VERDICTS", "decide", "decide_many", "decide_range", "equivalence_pvalue_t", "holm", "margin_bounds", "min_detectable_effect", "power_t",
    "seeds_needed", "t_interval", "t_pvalue",
    "Estimate", "fixed_classes", "random_classes", "single_unit",
    "spread_fixed_classes", "spread_pitman_morgan", "spread_seed_bootstrap",
    "adjust_family", "compare_pair", "estimate",
]
