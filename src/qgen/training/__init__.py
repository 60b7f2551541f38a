"""Training: one generic trainer for every model family."""

from qgen.training.loop import CHECKPOINT, TrainingData, parameter_counts, train

__all__ = ["CHECKPOINT", "TrainingData", "parameter_counts", "train"]
