"""Cost of sampling S3's quantum models under hardware noise (run by hand; not a test).

    python benchmarks/bench_noisy_sampling.py [--out bench.md] [--batch 64] [--repeats 3] [--threads 1] [--qubits 8 10 12]

One forward pass (no gradients: sampling) of a quantum residual block at batch 64 (features
64 x 4 x 4 -> strongly entangling circuit, 3 layers -> back), per simulation path of the torch
backend: exact statevector, finite shots, exact density matrix (up to 10 qubits) with
depolarizing or amplitude-damping channels after every gate, and Monte-Carlo trajectories
beyond 10 qubits. Prints a Markdown table of seconds per batch and milliseconds per image (median of repeats
after a warm-up), a row as soon as it is measured. The first case of each size is noiseless:
the "x noiseless" column is relative to it.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import torch

from qgen.families.base import QuantumSpec
from qgen.models.quantum_residual import QuantumResidualBlock

CHANNELS = 64
CASES: list[tuple[str, int, dict[str, Any]]] = [
    ("noiseless (statevector)", 8, {}),
    ("shots 1024", 8, {"shots": 1024, "seed": 0}),
    ("shots 8192", 8, {"shots": 8192, "seed": 0}),
    ("depolarizing 1e-2 (density matrix)", 8, {"noise": {"depolarizing": 1e-2}}),
    ("amplitude damping 1e-2 (density matrix)", 8, {"noise": {"amplitude_damping": 1e-2}}),
    ("depolarizing 5e-2 + shots 8192", 8, {"noise": {"depolarizing": 5e-2}, "shots": 8192, "seed": 0}),
    ("noiseless (statevector)", 10, {}),
    ("depolarizing 1e-2 (density matrix)", 10, {"noise": {"depolarizing": 1e-2}}),
    ("noiseless (statevector)", 12, {}),
    ("depolarizing 1e-2 (trajectories, 16)", 12, {"noise": {"depolarizing": 1e-2}, "n_trajectories": 16, "seed": 0}),
    ("depolarizing 1e-2 (trajectories, 64)", 12, {"noise": {"depolarizing": 1e-2}, "n_trajectories": 64, "seed": 0}),
]


def _block(n_qubits: int, options: dict[str, Any]) -> QuantumResidualBlock:
    quantum = QuantumSpec("strongly_entangling", {"n_qubits": n_qubits, "n_layers": 3}, "torch", options)
    return QuantumResidualBlock(CHANNELS, quantum).eval()


def _median_seconds(block: QuantumResidualBlock, features: torch.Tensor, repeats: int) -> float:
    times = []
    with torch.no_grad():
        block(features)  # warm-up: plan caches, first allocations
        for _ in range(repeats):
            start = time.perf_counter()
            block(features)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--qubits", type=int, nargs="*", help="only the cases of these sizes")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    features = torch.randn(args.batch, CHANNELS, 4, 4)
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, torch {torch.__version__} with "
        f"{args.threads} thread(s), load average {os.getloadavg()[0]:.1f} at the start; batch {args.batch}, "
        f"median of {args.repeats} after a warm-up.",
        "",
        "| case | qubits | path | s per batch | ms per image | x noiseless |",
        "|---|---:|---|---:|---:|---:|",
    ]
    print("\n".join(lines), flush=True)
    noiseless: dict[int, float] = {}
    for label, n_qubits, options in CASES:  # one at a time, each row printed as soon as it is known
        if args.qubits and n_qubits not in args.qubits:
            continue
        block = _block(n_qubits, options)
        t = _median_seconds(block, features, args.repeats)
        noiseless.setdefault(n_qubits, t)  # each size's first case is its noiseless run
        row = (
            f"| {label} | {n_qubits} | {block.inner._execute.path} | {t:.4f} | {1000 * t / args.batch:.3f} | "
            f"{t / noiseless[n_qubits]:.1f} |"
        )
        lines.append(row)
        print(row, flush=True)
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
