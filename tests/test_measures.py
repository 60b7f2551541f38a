"""S2's measurements besides image scores: what a run's records and model say, as tidy rows."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qgen.measures import MEASURES, MeasureContext, measure_slice, run_measures
from qgen.measures.images import coverage
from qgen.measures.training import epochs_to_converge
from s2_helpers import DATA, QUANTUM, digits, job


def test_epochs_to_converge_is_the_first_epoch_within_the_tolerance_of_the_best() -> None:
    losses = pd.Series([5.0, 3.0, 2.5, 2.03, 2.0, 2.01])
    assert epochs_to_converge(losses, 0.02) == 4  # 2.03 <= 2.0 * 1.02
    assert epochs_to_converge(losses, 0.001) == 5
    assert epochs_to_converge(pd.Series([1.0, np.nan, 0.5]), 0.02) == 3
    with pytest.raises(ValueError, match="no finite"):
        epochs_to_converge(pd.Series([np.nan]), 0.02)


def test_mode_coverage_counts_classes_and_measures_kl_to_uniform() -> None:
    assert coverage(np.full(10, 0.1), 0.2) == (10, pytest.approx(0.0))
    covered, kl = coverage(np.eye(10)[3], 0.2)
    assert covered == 1 and kl == pytest.approx(math.log(10))
    assert coverage(np.array([0.5, 0.49, 0.01] + [0.0] * 7), 0.2)[0] == 2  # 1% < 20% of 10%


def test_a_score_slice_holds_only_the_measures_it_runs() -> None:
    measures = {"use": ["training"], "training": {"convergence_loss": "val_loss"}, "routing": {"shares": [0.5]}}
    assert measure_slice(measures) == {"use": ["training"], "training": {"convergence_loss": "val_loss"}}
    assert MEASURES.get("routing").applies(type(object())) is not None
    from qgen.families import family_class

    assert MEASURES.get("reconstruction").applies(family_class("vae")) is None
    assert MEASURES.get("reconstruction").applies(family_class("gan")) == "its family does not reconstruct images"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A tiny VQ-VAE and its prior, and a 4-qubit quantum VAE, through the generic trainer with
    validation (as the pipeline trains them)."""
    from qgen.data import prepare_dataset
    from qgen.training import TrainingData, train

    root = tmp_path_factory.mktemp("measures")
    prepare_dataset("digits", root / "data")
    images, labels = digits(64)
    val, val_labels = digits(32, offset=1000)
    data = TrainingData(images, labels, DATA, val, val_labels)
    runs = {}
    vq = job("vqvae", {"dead_code_threshold": 1.0}, epochs=2, batch_size=32)
    runs["vqvae"] = train(vq, data, seed=0, outdir=root / "vqvae", progress=False)
    prior = job("vqvae_prior", {"channels": 8, "layers": 2}, requires={"vqvae": "vqvae"}, epochs=2, batch_size=32)
    runs["prior"] = train(prior, data, seed=0, outdir=root / "prior", requires={"vqvae": runs["vqvae"]}, progress=False)
    qvae = job("vae", {"attention": "quantum"}, QUANTUM, epochs=2, batch_size=32, lr_schedule="cosine", grad_clip=1.0)
    qvae.update(classes=list(range(10)), unit="all")
    runs["qvae"] = train(qvae, data, seed=0, outdir=root / "qvae", progress=False)
    return {"root": root, **runs}


def _context(trained: dict, run: str, **kw) -> MeasureContext:
    run_dir = trained[run].parent
    return MeasureContext(dataset="digits", classes=list(range(10)), unit="all", seed=0,
                          data_root=trained["root"] / "data", run_dir=run_dir,
                          train_record=json.loads((run_dir / "train.json").read_text()), log=lambda _: None, **kw)


def test_training_and_reconstruction_measures_of_the_vqvae_prior_report_codebook_use(trained: dict) -> None:
    settings = {"use": ["training", "reconstruction"],
                "training": {"convergence_loss": "val_loss", "convergence_tolerance": 0.02, "loss_variance_epochs": 5},
                "reconstruction": {"split": "test", "n_images": 50, "batch_size": 25}}
    rows = {(r["protocol"], r["metric"]): r for r in run_measures(settings, _context(trained, "prior"))}
    assert rows[("training", "seconds_per_epoch")]["n_epochs"] == 2
    assert 1 <= rows[("training", "epochs_to_converge")]["value"] <= 2
    assert rows[("training", "loss_variance")]["value"] >= 0
    assert rows[("training", "vqvae_seconds_per_epoch")]["value"] > 0  # the required run's own time
    assert rows[("training", "vqvae_parameters")]["value"] > rows[("training", "parameters")]["value"]
    assert 0 < rows[("reconstruction", "codebook_used")]["value"] <= 512
    assert rows[("reconstruction", "codebook_usage")]["value"] == rows[("reconstruction", "codebook_used")]["value"] / 512
    assert -1 <= rows[("reconstruction", "ssim")]["value"] <= 1 and rows[("reconstruction", "mse")]["value"] > 0
    assert rows[("reconstruction", "ssim")]["n_images"] == 50


def test_quantum_weights_move_and_the_report_setup_is_timed_and_extrapolated(trained: dict) -> None:
    settings = {"use": ["training", "report_setup"], "training": {},
                "report_setup": {"backend": {"name": "default.qubit", "options": {"diff_method": "parameter-shift"}},
                                 "steps": 1, "batch_size": 2}}
    rows = {(r["protocol"], r["metric"]): r for r in run_measures(settings, _context(trained, "qvae"))}
    assert rows[("training", "weight_rms_change")]["value"] > 1e-4
    assert rows[("training", "parameters_core")]["value"] == 16 == rows[("training", "parameters_quantum")]["value"]
    measured = rows[("training", "seconds_per_epoch")]["value"]
    report = rows[("report_setup", "seconds_per_epoch")]
    assert report["value"] > measured and "extrapolated" in report["method"] and report["backend"] == "default.qubit"
    assert rows[("report_setup", "step_seconds_per_image")]["value"] > rows[("report_setup", "own_step_seconds_per_image")]["value"]
    # a model without a circuit keeps its measured time
    plain = run_measures({"use": ["report_setup"], "report_setup": settings["report_setup"]},
                         _context(trained, "vqvae"))
    assert plain[0]["method"] == "as trained (no circuit)"


def test_mode_coverage_of_samples_with_the_feature_classifier(trained: dict, tmp_path: Path) -> None:
    from qgen.data import load_split
    from qgen.metrics.classifier import train_feature_classifier

    reals = load_split("digits", trained["root"] / "data", "train")
    train_feature_classifier(reals.images, reals.labels, 10, epochs=1, save_path=tmp_path / "clf.pt")
    context = _context(trained, "qvae", samples=reals.images[:200], feature_weights={"classifier": tmp_path / "clf.pt"})
    rows = {r["metric"]: r for r in run_measures({"use": ["mode_coverage"], "mode_coverage": {"min_share": 0.2}},
                                                 context)}
    assert rows["classes_covered"]["value"] >= 5 and 0 <= rows["kl_uniform"]["value"] < math.log(10)
    assert len(json.loads(rows["kl_uniform"]["histogram"])) == 10
