"""The images a training job sees: its unit's classes, subsampled as configured."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import torch

from qgen.data import dataset_info, load_split, to_model_tensor
from qgen.families import DataSpec
from qgen.paths import unit_classes
from qgen.training.loop import TrainingData


def data_spec(dataset: str) -> DataSpec:
    info = dataset_info(dataset)
    return DataSpec(channels=info.channels, size=info.size, n_classes=info.n_classes)


def training_data(job: Mapping[str, Any], unit: str, data_root: Path, seed: int | None = None) -> TrainingData:
    """Training images of ``unit`` (a class, or all the job's classes), and validation images
    from ``training.validation_split`` if set.

    With ``training.n_train_per_class`` the images are a subset drawn with ``training.data_seed``,
    or, when that is null, with the run's ``seed``: every seed then trains on other images (S1's
    C5 design), and the models of one seed on the same ones (a paired comparison).
    """
    training = job["training"]
    classes = unit_classes(unit, job.get("classes") or [])
    data_seed = training.get("data_seed", 0)
    if data_seed is None:
        if seed is None:
            raise ValueError("training.data_seed is null (the run's seed draws the subset) but no run seed was given")
        data_seed = seed
    train = load_split(job["dataset"], data_root, "train", classes=classes,
                       n_per_class=training.get("n_train_per_class"), seed=data_seed)
    data = TrainingData(to_model_tensor(train.images), torch.as_tensor(train.labels), data_spec(job["dataset"]))
    if training.get("validation_split"):
        # validation_n: the first N held-out images (file order), so validation stays cheap
        # on a small machine; the same images every epoch and for every model.
        held_out = load_split(job["dataset"], data_root, training["validation_split"], classes=classes)
        keep = slice(None, training.get("validation_n"))
        data.val_images = to_model_tensor(held_out.images[keep])
        data.val_labels = torch.as_tensor(held_out.labels[keep])
    return data
