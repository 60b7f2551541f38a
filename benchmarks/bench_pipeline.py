"""What the pipeline costs per device, and what `snakemake all` would take (run by hand; not a test).

    python benchmarks/bench_pipeline.py --out benchmarks/bench_pipeline_cpu.md [--device cuda] [--threads 2]

Measures, on one device, with the shipped S1 models:
  - training steps per second (one DDPM step at the configured batch: forward, backward, Adam),
    classical and quantum (torch backend);
  - sampling throughput in image-steps per second (one denoiser call on a batch of B noisy
    images is B image-steps; sampling 1000 images x 1000 steps is 1e6 image-steps per model);
  - scoring time of one run (standard + paper protocol, classifier features, 1000 generated
    against about 1000 references; the Inception networks cannot be timed offline).
Then projects the S1 part of `all` from the plan (`targets.s1`: every run's optimiser steps,
samples x time steps, one score each) as device-seconds, and as wall time for N parallel
jobs (CPU: one job per core; one GPU: jobs share it, so the projection is the serial sum).
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch

# Training images per class (MNIST's training split; PathMNIST class 1 is about a ninth of its
# 89,996 training images). Only used for the projection.
TRAIN_PER_CLASS = {"mnist": [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949], "pathmnist": 10_000}
REPO = Path(__file__).resolve().parents[1]


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _median_seconds(fn, repeats: int, device: str, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _family(model: str, device: str, timesteps: int = 1000):
    from qgen.config import load_config, resolved_model
    from qgen.families import DataSpec, build_family

    config = load_config(REPO / "config" / "config.yaml", *sorted((REPO / "config").glob("s[0-9].yaml")))
    entry = resolved_model(config, "s1_mnist", model)
    entry["settings"]["diffusion"]["timesteps"] = timesteps
    return build_family(entry, DataSpec(1, 28, 10)).to(device)


def bench_training(model: str, device: str, batch: int, repeats: int) -> float:
    from qgen.families import Batch

    family = _family(model, device)
    optimiser = torch.optim.Adam(family.parameters(), lr=3e-4)
    images = torch.rand(batch, 1, 28, 28, device=device) * 2 - 1
    labels = torch.zeros(batch, dtype=torch.long, device=device)
    rng = torch.Generator().manual_seed(0)

    def step() -> None:
        loss = family.losses("denoiser", Batch(images, labels), rng)["loss"]
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()

    return _median_seconds(step, repeats, device)


def bench_sampling(model: str, device: str, batch: int, repeats: int) -> float:
    """Seconds per denoiser call on ``batch`` images (one sampler step, no grad)."""
    family = _family(model, device).eval()
    x = torch.randn(batch, 1, 28, 28, device=device)
    t = torch.full((batch,), 500, dtype=torch.long, device=device)

    @torch.no_grad()
    def step() -> None:
        family.denoiser(x, t)

    return _median_seconds(step, repeats, device)


def bench_scoring(device: str, n: int = 1000) -> float:
    """One run's scores (both protocols) with classifier features, on random images."""
    import tempfile

    from qgen.data import load_split, prepare_dataset
    from qgen.evaluate import score_run
    from qgen.metrics.classifier import train_feature_classifier

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        prepare_dataset("digits", root)
        reals = load_split("digits", root, "train")
        train_feature_classifier(reals.images, reals.labels, 10, epochs=1, save_path=root / "clf.pt")
        generated = np.random.default_rng(0).integers(0, 256, (n, 28, 28, 1), dtype=np.uint8)
        scoring = {"protocols": ["paper", "standard"], "features": "classifier", "paper_features": "classifier",
                   "paper_n_samples": 5, "paper_reals": "mixed", "paper_n_real": None, "n_real": None,
                   "reference_split": "test"}
        start = time.perf_counter()
        score_run(scoring, "digits", list(range(10)), 0, generated, root, {"classifier": root / "clf.pt"},
                  device=device, log=lambda _: None)
        return time.perf_counter() - start


def s1_plan() -> list[dict]:
    """Every training run of targets.s1 with its optimiser steps and sampling work."""
    from qgen.config import circuit_models, load_config, section, target_experiments, units

    config = load_config(REPO / "config" / "config.yaml", *sorted((REPO / "config").glob("s[0-9].yaml")))
    runs = []
    for name in target_experiments(config, "s1"):
        exp = config["experiments"][name]
        quantum = set(circuit_models(config, name))
        for model in exp["models"]:
            # Cost class: a model that executes its circuit costs as the quantum U-Net; twins and
            # closed forms as the classical one (their extra map is a few hundred parameters).
            kind = "quantum" if model in quantum else "classical"
            training = section(config, name, model, "training")
            sampling = section(config, name, model, "sampling")
            diffusion = section(config, name, model, "diffusion")
            for unit in units(config, name):
                counts = TRAIN_PER_CLASS[exp["dataset"]]
                n = counts[int(unit)] if isinstance(counts, list) else counts
                n = min(n, training["n_train_per_class"] or n)
                steps = training.get("steps") or training["epochs"] * math.ceil(n / training["batch_size"])
                for _ in exp["seeds"]:
                    runs.append({"model": kind, "steps": steps, "batch": training["batch_size"],
                                 "image_steps": sampling["n_samples"] * diffusion["timesteps"]})
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="Markdown file for the results")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (one job's threads)")
    parser.add_argument("--repeats", type=int, default=10, help="timed repeats per measurement")
    parser.add_argument("--sample-batch", type=int, default=500, help="sampling batch (config sampling.batch_size)")
    parser.add_argument("--parallel", type=int, default=None, help="jobs at once for the projection (default: cores on cpu, 1 on cuda)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = args.device
    rows, per = [], {}
    for model in ("classical", "quantum"):
        train_s = bench_training(model, device, 64, args.repeats)
        sample_s = bench_sampling(model, device, args.sample_batch, max(3, args.repeats // 2))
        per[model] = {"train_s": train_s, "image_steps_per_s": args.sample_batch / sample_s}
        rows.append(f"| {model} | {1 / train_s:.2f} | {train_s:.4f} | {args.sample_batch / sample_s:,.0f} |")
    score_s = bench_scoring(device)
    plan = s1_plan()
    train_total = sum(r["steps"] * per[r["model"]]["train_s"] for r in plan)
    sample_total = sum(r["image_steps"] / per[r["model"]]["image_steps_per_s"] for r in plan)
    score_total = len(plan) * score_s
    total = train_total + sample_total + score_total
    import os

    parallel = args.parallel or (os.cpu_count() // args.threads if device == "cpu" else 1)
    lines = [
        f"# Pipeline benchmark ({device}, {args.threads} thread(s) per job)",
        "",
        f"Machine: {platform.node()}, {os.cpu_count()} CPUs, torch {torch.__version__}"
        + (f", {torch.cuda.get_device_name()}" if device.startswith("cuda") else ""),
        "",
        "| model | training steps/s (batch 64) | s/step | sampling image-steps/s |",
        "| --- | --- | --- | --- |",
        *rows,
        "",
        f"Scoring one run (paper + standard protocol, classifier features, 1000 generated images): {score_s:.1f} s",
        "",
        f"## Projection: the S1 part of `all` ({len(plan)} runs)",
        "",
        "| work | device-hours |",
        "| --- | --- |",
        f"| training ({sum(r['steps'] for r in plan):,} optimiser steps) | {train_total / 3600:.2f} |",
        f"| sampling ({sum(r['image_steps'] for r in plan):,} image-steps) | {sample_total / 3600:.2f} |",
        f"| scoring ({len(plan)} runs, classifier features) | {score_total / 3600:.2f} |",
        f"| total | {total / 3600:.2f} |",
        "",
        f"Wall time with {parallel} job(s) at once: about {total / parallel / 3600:.2f} h "
        "(ignores the Inception feature networks, data preparation and Snakemake's own overhead).",
    ]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
