"""Benchmark: training time per epoch of every S2 model, classical vs quantum vs twin (run by hand).

    python benchmarks/bench_s2.py --out benchmarks/bench_s2.md [--device cuda] [--steps 5]

Each model of experiment ``s2_mnist`` in the shipped config (the VQ-VAE and its prior, the
router with its two members) is built as the pipeline builds it, with its own batch size,
optimiser groups and augmentation, and timed for ``--steps`` training steps on real
handwritten digits (scikit-learn's, in MNIST's 28x28 frame), round-robin across models so that
the load of other processes spreads evenly over them (median per step, after one warm-up step).
Seconds per epoch = median step x steps in an epoch of ``--images`` images (MNIST: 60000).

Models that simulate a circuit are also timed as the S2 report ran them (PennyLane
default.qubit with the parameter-shift rule): one step at ``--report-batch`` images, the
difference per image from the same step on qgen's simulator added for every image of the
epoch (the shift rule runs one circuit per image, so its cost is linear in the batch). That
column is an extrapolation, and says so. The PennyLane reference always runs on the CPU.
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import statistics
import time
from pathlib import Path

import torch

from qgen.config import load_config, train_slice, trained_models
from qgen.families import Batch, DataSpec, build_family, family_class
from qgen.runs import record_with_backend
from qgen.training.augment import RandomAffine
from qgen.training.optim import build_optimisers, group_setting

REPO = Path(__file__).resolve().parents[1]
CONFIGS = [REPO / "config" / "config.yaml", *sorted((REPO / "config").glob("s[0-9].yaml"))]  # as the Snakefile
REPORT_BACKEND = {"name": "default.qubit", "options": {"diff_method": "parameter-shift"}}
DATA = DataSpec(channels=1, size=28, n_classes=10)


def digits(n: int) -> torch.Tensor:
    from sklearn.datasets import load_digits

    from qgen.data import to_model_tensor
    from qgen.data.digits import upscale_digits

    images = to_model_tensor(upscale_digits(load_digits().images))
    return images[torch.arange(n) % len(images)]


def kind(model: dict) -> str:
    settings = model["settings"]
    if family_class(model["family"]).runs_circuit(settings, model["quantum"]):
        return "quantum"
    return "twin" if model["quantum"] else "classical"


class Stepper:
    """One training step of a model as the trainer takes it: augmentation, every group in order,
    each with its own Adam settings, gradient clipping and learning-rate schedule."""

    def __init__(self, job: dict, built: dict, device: str, batch_size: int | None = None) -> None:
        # copies: a family freezes (and puts in eval mode) the runs it requires, which are timed too
        requires = {role: copy.deepcopy(built[name]) for role, name in job["model"]["requires"].items()}
        self.family = build_family(job["model"], DATA, requires).to(device)
        self.family.train()
        groups = self.family.optimiser_groups()
        self.groups = groups
        self.training = job["training"]
        # groups without trainable parameters (a fixed-score router) are evaluated, never stepped
        stepped = {g: p for g, p in groups.items() if any(x.requires_grad for x in p)}
        self.optimisers, self.schedulers = build_optimisers(stepped, self.training, total_steps=10**6)
        self.augment = RandomAffine.from_config(job["training"].get("augment"))
        self.batch_size = batch_size or job["training"]["batch_size"]
        self.images = digits(self.batch_size)
        self.device = device
        self.rng = torch.Generator().manual_seed(0)

    def __call__(self) -> None:
        images = self.augment(self.images, self.rng) if self.augment else self.images
        batch = Batch(images.to(self.device), torch.zeros(len(images), dtype=torch.long, device=self.device))
        for group in self.groups:
            losses = self.family.losses(group, batch, self.rng)
            if group in self.optimisers:
                self.optimisers[group].zero_grad(set_to_none=True)
                losses["loss"].backward()
                clip = group_setting(self.training, group, "grad_clip")
                if clip:
                    torch.nn.utils.clip_grad_norm_(self.groups[group], clip)
                self.optimisers[group].step()
                self.schedulers[group].step()
        if self.device.startswith("cuda"):
            torch.cuda.synchronize()


def median_times(steppers: dict[str, Stepper], steps: int) -> dict[str, float]:
    for stepper in steppers.values():
        stepper()  # warm-up: compiles the torch simulator's circuits, allocates
    times: dict[str, list[float]] = {name: [] for name in steppers}
    for _ in range(steps):
        for name, stepper in steppers.items():
            start = time.perf_counter()
            stepper()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="Markdown file for the results (printed anyway)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--images", type=int, default=60000, help="images per epoch (MNIST's training split)")
    parser.add_argument("--report-batch", type=int, default=2, help="batch of the report-setup timing (0: skip)")
    args = parser.parse_args()
    if args.report_batch == 1:
        parser.error("--report-batch: 0 (skip) or at least 2 (the GANs' batch norm needs two images)")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = load_config(*CONFIGS)
    experiment = "s2_mnist"
    jobs = {m: train_slice(config, experiment, m) for m in trained_models(config, experiment)}
    built: dict = {}
    steppers = {}
    for name, job in jobs.items():  # dependencies first: a prior's VQ-VAE, a router's members
        steppers[name] = Stepper(job, built, args.device)
        built[name] = steppers[name].family
    seconds = median_times(steppers, args.steps)
    report: dict[str, float] = {}
    if args.report_batch:
        for name, job in jobs.items():
            if kind(job["model"]) != "quantum":
                continue
            own = Stepper(job, built, "cpu", args.report_batch)
            shifted = Stepper(record_with_backend({"job": job, "required": {}}, REPORT_BACKEND)["job"], built, "cpu",
                              args.report_batch)
            t_own, t_report = median_times({"own": own, "report": shifted}, 1).values()
            report[name] = (t_report - t_own) / args.report_batch
    baseline = {"qvae": "vae", "qvae_twin": "vae", "qgan": "gan", "qgan_twin": "gan"}
    lines = [
        f"# S2 models: training time per epoch ({platform.node()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, torch {torch.__version__}, {args.threads} thread(s), device {args.device})",
        "",
        f"Median of {args.steps} steps after a warm-up, round-robin across models, on real digits; seconds per "
        f"epoch = step x {args.images} images / batch. Timed on a shared machine: other processes' load makes "
        "these upper bounds; the ratios are fairer than the absolute numbers.",
        "",
        "| model | kind | batch | parameters | ms / step | s / epoch | x its classical baseline | "
        "s / epoch, report's setup (extrapolated) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, job in jobs.items():
        batch = steppers[name].batch_size
        epoch = seconds[name] * args.images / batch
        base = baseline.get(name)
        ratio = f"{epoch / (seconds[base] * args.images / jobs[base]['training']['batch_size']):.2f}" if base else "–"
        rep = f"{epoch + report[name] * args.images:.0f}" if name in report else "–"
        params = sum(p.numel() for p in steppers[name].family.parameters() if p.requires_grad)
        lines.append(f"| {name} | {kind(job['model'])} | {batch} | {params} | {seconds[name] * 1000:.1f} | {epoch:.0f} | "
                     f"{ratio} | {rep} |")
    if report:
        lines += ["", f"Report's setup: one step at batch {args.report_batch} on PennyLane default.qubit with the "
                      "parameter-shift rule against the same step on qgen's simulator; the difference per image, "
                      f"times {args.images} images, added to the epoch above (an extrapolation)."]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
