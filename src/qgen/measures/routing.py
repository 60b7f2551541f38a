"""S2-C8: what a router achieves on the held-out split, at its share and over a curve of shares.

Calibration (``calibration``): ``train`` scores ``n_calibration`` of the run's training images
(a seeded draw) with the router's complexity estimator and sets, for each share, the threshold
above which that share of them lie; the held-out split is then routed by those thresholds, so
the routed share there is a measurement. ``evaluated`` routes exactly the share of the
held-out images themselves.

On the held-out images (``split``; the first ``n_images`` if set) it times, over
``timing_repeats`` passes (median), the estimator on every image, the classical and the quantum
model's reconstruction of every image; per-image SSIM and MSE of both reconstructions are
computed once. For each share the routed output takes the quantum reconstruction where routed
and the classical one elsewhere (a mask: no rerun per share), and:

- ``routed_share``: fraction of the held-out images sent to the quantum model;
- ``quality_ssim``: mean SSIM of the routed output / mean SSIM of all-quantum;
  ``quality_mse``: all-quantum MSE / routed MSE (both: 1 = as good as all-quantum);
- ``cost``: measured wall time of the routed pass / all-quantum pass, where the routed pass is
  the estimator on all images + classical on the rest + quantum on the routed (the estimator's
  classical pass is reused when it is the classical error);
- ``cost_report_setup``: the same with the quantum model's circuits run on ``report_backend``
  (PennyLane default.qubit), its time per image measured on ``n_timing`` images.

Rows: protocol ``routing`` at the router's configured share (what the claims judge), protocol
``routing_curve`` for every share of ``shares`` (field ``share``; the quality-cost figure).
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Mapping

import numpy as np
import torch

from qgen.measures import MEASURES, Measure, MeasureContext, Score, score_row
from qgen.measures.images import image_errors, reconstruct_all

CURVE_METRICS = ("routed_share", "quality_ssim", "quality_mse", "cost", "cost_report_setup")


def _routes(family: type) -> str | None:
    needed = ("difficulty", "route", "classical", "quantum")
    return None if all(hasattr(family, a) for a in needed) else "its family does not route between two models"


def _difficulty(router: Any, images: np.ndarray, batch_size: int, device: str) -> tuple[np.ndarray, float]:
    from qgen.data import to_model_tensor

    scores = []
    start = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(images), batch_size):
            scores.append(router.difficulty(to_model_tensor(images[i:i + batch_size]).to(device)).cpu())
    return torch.cat(scores).double().numpy(), time.perf_counter() - start


def _median_time(fn: Any, repeats: int) -> tuple[Any, float]:
    results, times = None, []
    for _ in range(max(1, repeats)):
        results, seconds = fn()
        times.append(seconds)
    return results, statistics.median(times)


def _report_seconds_per_image(ctx: MeasureContext, settings: Mapping[str, Any], images: np.ndarray,
                              batch_size: int) -> float:
    """The quantum member's reconstruction time per image with its circuits on report_backend."""
    from qgen.runs import family_from_record, read_record, record_with_backend

    record = read_record(ctx.model_path)["required"]["quantum"]
    quantum = family_from_record(record_with_backend(record, settings["report_backend"]), ctx.device)
    subset = images[: int(settings.get("n_timing", 256))]
    _, seconds = reconstruct_all(quantum, subset, batch_size, ctx.device)
    return seconds / len(subset)


def routing_table(difficulty: np.ndarray, thresholds: Mapping[float, float], ssim: Mapping[str, np.ndarray],
                  mse: Mapping[str, np.ndarray], seconds: Mapping[str, float], reuses_classical: bool,
                  quantum_seconds_report: float | None = None) -> dict[float, dict[str, float]]:
    """Per share: the routed share, quality and cost (see the module doc); ``seconds`` are
    per-image times of 'estimator', 'classical' and 'quantum'."""
    out = {}
    for share, threshold in thresholds.items():
        mask = difficulty > threshold
        k = float(mask.mean())
        routed_ssim = np.where(mask, ssim["quantum"], ssim["classical"]).mean()
        routed_mse = np.where(mask, mse["quantum"], mse["classical"]).mean()

        def cost(quantum_seconds: float) -> float:
            classical = 0.0 if reuses_classical else (1 - k) * seconds["classical"]
            return (seconds["estimator"] + classical + k * quantum_seconds) / quantum_seconds

        out[share] = {
            "routed_share": k,
            "quality_ssim": routed_ssim / ssim["quantum"].mean(),
            "quality_mse": mse["quantum"].mean() / routed_mse,
            "cost": cost(seconds["quantum"]),
            "cost_report_setup": cost(quantum_seconds_report) if quantum_seconds_report else float("nan"),
            "ssim_routed": routed_ssim,
            "mse_routed": routed_mse,
        }
    return out


def _routing(ctx: MeasureContext, settings: Mapping[str, Any]) -> list[Score]:
    from qgen.families.router import threshold_for

    router = ctx.family()
    batch_size = int(settings.get("batch_size", 500))
    repeats = int(settings.get("timing_repeats", 3))
    split = settings.get("split", "test")
    images = ctx.images(split, settings.get("n_images"))
    n = len(images)
    difficulty, t_est = _median_time(lambda: _difficulty(router, images, batch_size, ctx.device), repeats)
    recon_c, t_c = _median_time(lambda: reconstruct_all(router.classical, images, batch_size, ctx.device), repeats)
    recon_q, t_q = _median_time(lambda: reconstruct_all(router.quantum, images, batch_size, ctx.device), repeats)
    (ssim_c, mse_c), (ssim_q, mse_q) = image_errors(recon_c, images), image_errors(recon_q, images)
    shares = sorted({float(s) for s in settings.get("shares", [])} | {router.share})
    calibration = settings.get("calibration", "train")
    if calibration == "train":
        train = ctx.images("train")
        pick = np.random.default_rng(ctx.seed).permutation(len(train))[: int(settings.get("n_calibration", 5000))]
        reference, _ = _difficulty(router, train[np.sort(pick)], batch_size, ctx.device)
    elif calibration == "evaluated":
        reference = difficulty
    else:
        raise ValueError(f"measures.routing.calibration must be 'train' or 'evaluated', not {calibration!r}")
    thresholds = {s: threshold_for(torch.from_numpy(reference), s) for s in shares}
    report = settings.get("report_backend")
    q_report = _report_seconds_per_image(ctx, settings, images, batch_size) if report else None
    seconds = {"estimator": t_est / n, "classical": t_c / n, "quantum": t_q / n}
    table = routing_table(difficulty, thresholds, {"classical": ssim_c, "quantum": ssim_q},
                          {"classical": mse_c, "quantum": mse_q}, seconds, router.estimator_runs_classical, q_report)
    extra = {"split": split, "n_images": n, "calibration": calibration, "estimator": router.options["estimator"]}
    rows = [score_row("routing", metric, value, share=router.share, **extra)
            for metric, value in table[router.share].items()]
    rows += [score_row("routing", f"ssim_{m}", s.mean(), **extra) for m, s in (("classical", ssim_c), ("quantum", ssim_q))]
    rows += [score_row("routing", f"seconds_per_image_{k}", v, **extra) for k, v in seconds.items()]
    if q_report:
        rows.append(score_row("routing", "seconds_per_image_quantum_report_setup", q_report,
                              backend=report["name"], **extra))
    for share, values in table.items():
        rows += [score_row("routing_curve", metric, values[metric], share=share, curve="share", **extra)
                 for metric in CURVE_METRICS]
    return rows


MEASURES.register("routing")(Measure("routing", _routing, applies=_routes))
