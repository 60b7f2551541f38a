"""S3-C1's gradable judges: degradations, the `quality` and `grade_confidence` validators, their
95%-acceptance thresholds and binomial intervals for gradable fractions (docs/gradable_validators.md)."""

from qgen.metrics.gradable.binomial import BINOMIAL_METHODS, binomial_interval
from qgen.metrics.gradable.degradations import DEGRADATIONS, Degradation, apply_degradation, degrade
from qgen.metrics.gradable.validators import (
    VALIDATORS,
    Validator,
    ValidatorKind,
    ValidatorNet,
    fit_threshold,
    fit_validator,
    gradable_table,
    load_validator,
    save_validator,
    train_validator,
)

__all__ = [
    "BINOMIAL_METHODS",
    "DEGRADATIONS",
    "Degradation",
    "VALIDATORS",
    "Validator",
    "ValidatorKind",
    "ValidatorNet",
    "apply_degradation",
    "binomial_interval",
    "degrade",
    "fit_threshold",
    "fit_validator",
    "gradable_table",
    "load_validator",
    "save_validator",
    "train_validator",
]
