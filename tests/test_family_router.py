"""S2's router: routes exactly the configured share, calibrates thresholds, learns its estimator,
and its measurements (routed share, quality, cost, the curve) come out of the routing measure."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from qgen.families import Batch
from qgen.families.router import threshold_for, top_share_mask
from s2_helpers import DATA, QUANTUM, adam_steps, build, digits, job


@pytest.fixture(scope="module")
def members():
    train, _ = digits(128)
    vae, qvae = build("vae", seed=0), build("vae", {"attention": "quantum"}, QUANTUM, seed=0)
    adam_steps(vae, train, 4, 1e-3)
    adam_steps(qvae, train, 4, 1e-3)
    return {"classical": vae.eval(), "quantum": qvae.eval()}


@pytest.mark.parametrize("estimator", ["cnn", "classical_error", "edge_density"])
def test_the_router_sends_exactly_the_configured_share(members, estimator: str) -> None:
    images, _ = digits(40, offset=500)
    with torch.no_grad():
        all_q, all_c = members["quantum"].reconstruct(images), members["classical"].reconstruct(images)
    for share in (0.0, 0.3, 0.55, 1.0):
        router = build("router", {"estimator": estimator, "share": share}, requires=members)
        out, mask = router.route(images)
        assert int(mask.sum()) == round(share * 40) and out.shape == images.shape
        assert torch.allclose(out, torch.where(mask[:, None, None, None], all_q, all_c), atol=1e-5)
        scores = router.difficulty(images).detach()
        if 0 < mask.sum() < 40:  # the hardest ones go to the quantum model
            assert scores[mask].min() >= scores[~mask].max()


def test_thresholds_calibrated_on_one_set_route_that_share_of_it() -> None:
    scores = torch.from_numpy(np.random.default_rng(0).normal(size=1000))
    for share in (0.0, 0.1, 0.3, 0.75, 1.0):
        assert int((scores > threshold_for(scores, share)).sum()) == round(share * 1000)
    assert threshold_for(scores, 0.0) == math.inf and threshold_for(scores, 1.0) == -math.inf
    assert top_share_mask(torch.zeros(10), 0.3).tolist() == [True] * 3 + [False] * 7  # ties: earlier first


def test_the_cnn_estimator_learns_the_classical_error_and_fixed_ones_have_nothing_to_train(members) -> None:
    router = build("router", {"estimator": "cnn"}, requires=members)
    train, _ = digits(256, offset=200)
    rng = torch.Generator().manual_seed(0)
    with torch.no_grad():
        before = float(router.losses("estimator", Batch(train[:128], torch.zeros(128)), rng)["loss"])
    adam_steps(router, train, steps=30, lr=3e-3, batch_size=64)
    with torch.no_grad():
        after = float(router.losses("estimator", Batch(train[:128], torch.zeros(128)), rng)["loss"])
    assert after < 0.5 * before
    assert router.parameter_blocks()["total"] == sum(p.numel() for p in router.estimator.parameters()) < 2000
    assert not any(k.startswith("_required") for k in router.state_dict())  # members are not the router's
    fixed = build("router", {"estimator": "classical_error"}, requires=members)
    assert fixed.optimiser_groups() == {"estimator": []} and fixed.estimator_runs_classical
    out = fixed.sample(10, torch.Generator().manual_seed(0))
    assert out.shape == (10, 1, 28, 28) and out.min() >= -1 and out.max() <= 1


def test_a_router_needs_two_models_that_reconstruct() -> None:
    with pytest.raises(ValueError, match="classical"):
        build("router", {})
    gan = build("gan")
    with pytest.raises(ValueError, match="does not reconstruct"):
        build("router", {}, requires={"classical": gan, "quantum": gan})


def test_routing_measure_through_the_trainer_and_a_fixed_estimator(members, tmp_path: Path) -> None:
    """A fixed-score router trains through the generic trainer (nothing stepped) and its
    measurement reports the routed share on held-out images, quality, cost and the curve."""
    import json

    from qgen.data import prepare_dataset
    from qgen.measures import MeasureContext, run_measures
    from qgen.training import TrainingData, train

    prepare_dataset("digits", tmp_path / "data")
    images, labels = digits(64)
    data = TrainingData(images, labels, DATA)
    paths = {}
    for role, settings, quantum in (("classical", {}, None), ("quantum", {"attention": "quantum"}, QUANTUM)):
        paths[role] = train(job("vae", settings, quantum, epochs=1, batch_size=32), data, seed=0,
                            outdir=tmp_path / role, progress=False)
    spec = job("router", {"estimator": "classical_error", "share": 0.3},
               requires={"classical": "vae", "quantum": "qvae"}, epochs=1, batch_size=32)
    spec.update(classes=list(range(10)))
    path = train(spec, data, seed=0, outdir=tmp_path / "router", requires=paths, progress=False)
    record = json.loads((tmp_path / "router" / "train.json").read_text())
    assert record["parameters"]["total"] == 0 and record["steps"] == 2
    context = MeasureContext(dataset="digits", classes=list(range(10)), unit="all", seed=0,
                             data_root=tmp_path / "data", run_dir=path.parent, train_record=record)
    settings = {"shares": [0.0, 0.5, 1.0], "calibration": "train", "n_calibration": 300, "timing_repeats": 1,
                "batch_size": 100, "report_backend": None}
    rows = run_measures({"use": ["routing"], "routing": settings}, context)
    point = {r["metric"]: r["value"] for r in rows if r["protocol"] == "routing"}
    assert 0.15 < point["routed_share"] < 0.45 and point["cost"] > 0 and point["quality_ssim"] > 0
    curve = {(r["metric"], r["share"]): r["value"] for r in rows if r["protocol"] == "routing_curve"}
    assert curve[("routed_share", 0.0)] == 0.0 and curve[("routed_share", 1.0)] == 1.0
    assert curve[("quality_ssim", 1.0)] == pytest.approx(1.0)  # all-quantum is all-quantum
    evaluated = run_measures({"use": ["routing"], "routing": {**settings, "calibration": "evaluated"}}, context)
    exact = next(r["value"] for r in evaluated if r["protocol"] == "routing" and r["metric"] == "routed_share")
    n = next(r["n_images"] for r in evaluated if r["protocol"] == "routing")
    assert exact == round(0.3 * n) / n  # routed by rank on the held-out images themselves: exactly the share
