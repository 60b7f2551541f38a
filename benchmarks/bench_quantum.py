"""Benchmark of the quantum backends (run by hand; not a test).

    python benchmarks/bench_quantum.py --out benchmarks/bench_quantum.md [--device cuda]

Cases, each one forward and backward pass at batch 64 (median of repeats):
  a  S1 paper circuit (16 qubits, 3 layers): torch vs default.qubit (backprop) vs
     lightning.qubit (adjoint with device VJP, the fastest PennyLane gradient here).
  b  a 16-qubit circuit with no structure to exploit: s2_attention with a CNOT ring
     (Hadamards, RY encoding, 3 layers of RY RZ and circular CNOTs, <Z_i>), same comparison.
  c  one Adam training step of the S1 U-Net, classical vs quantum (torch backend, and the
     PennyLane backends unless --skip-reference).
PennyLane references always run on the CPU; --device moves the torch backend and the U-Net.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch

from qgen.quantum import QuantumLayer

REFERENCES = {"default.qubit": "backprop", "lightning.qubit": "adjoint, device VJP"}
CIRCUITS = {
    "a": ("s1_paper", {"n_qubits": 16, "n_layers": 3}, "S1 paper circuit, 16 q, 3 layers"),
    "b": (
        "s2_attention",
        {"n_qubits": 16, "n_layers": 3, "entanglement": "circular"},
        "unstructured: s2_attention, 16 q, CNOT ring",
    ),
}


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _time_interleaved(variants: list[dict], device: str) -> list[dict]:
    """Median seconds per step of each variant, timed round-robin.

    Interleaving spreads the load of other processes on a shared machine evenly over the
    variants that are compared. Each variant: {"step", "repeats", "warmup", ...row fields}.
    """
    for v in variants:
        for _ in range(v["warmup"]):
            v["step"]()
    times: list[list[float]] = [[] for _ in variants]
    for r in range(max(v["repeats"] for v in variants)):
        for v, ts in zip(variants, times):
            if r < v["repeats"]:
                _sync(device)
                start = time.perf_counter()
                v["step"]()
                _sync(device)
                ts.append(time.perf_counter() - start)
    return [
        {"case": v["case"], "backend": v["backend"], "device": v["device"], "seconds": statistics.median(ts)}
        for v, ts in zip(variants, times)
    ]


def _circuit_step(circuit: str, params: dict, backend: str, device: str, batch: int) -> Callable[[], None]:
    layer = QuantumLayer(circuit, params, backend=backend).to(device)
    x = torch.rand(batch, layer.n_inputs, device=device, requires_grad=True)

    def step() -> None:
        layer.zero_grad()
        layer(x).sum().backward()

    return step


def bench_circuit(case: str, args: argparse.Namespace) -> list[dict]:
    circuit, params, label = CIRCUITS[case]
    row = {"case": f"{case}: {label}"}
    step = _circuit_step(circuit, params, "torch", args.device, args.batch)
    variants = [{**row, "backend": "torch", "device": args.device, "step": step, "repeats": args.repeats, "warmup": 1}]
    if not args.skip_reference:
        for name, method in REFERENCES.items():
            step = _circuit_step(circuit, params, name, "cpu", args.batch)
            variants.append(
                {
                    **row,
                    "backend": f"{name} ({method})",
                    "device": "cpu",
                    "step": step,
                    "repeats": args.ref_repeats,
                    "warmup": 0,
                }
            )
    return _time_interleaved(variants, args.device)


def bench_unet(args: argparse.Namespace) -> list[dict]:
    from qgen.families import QuantumSpec
    from qgen.models import DiffusionUNet

    backends = ["torch"] + ([] if args.skip_reference else list(REFERENCES))
    variants = []
    for backend in [None, *backends]:
        device = args.device if backend in (None, "torch") else "cpu"
        if backend is None:
            model = DiffusionUNet(1)
        else:
            spec = QuantumSpec("s1_paper", {"n_qubits": 16, "n_layers": 3}, backend)
            model = DiffusionUNet(1, bottleneck="quantum", quantum=spec)
        model = model.to(device)
        opt = torch.optim.Adam(model.parameters(), lr=3e-4)
        x = torch.rand(args.batch, 1, 28, 28, device=device) * 2 - 1
        t = torch.randint(0, 1000, (args.batch,), device=device)
        noise = torch.randn_like(x)

        def step(model=model, opt=opt, x=x, t=t, noise=noise) -> None:
            opt.zero_grad()
            torch.nn.functional.mse_loss(model(x, t), noise).backward()
            opt.step()

        fast = backend in (None, "torch")
        variants.append(
            {
                "case": "c: S1 U-Net training step (Adam)",
                "backend": "classical" if backend is None else f"quantum, {backend}",
                "device": device,
                "step": step,
                "repeats": args.repeats if fast else args.ref_repeats,
                "warmup": 1 if fast else 0,
            }
        )
    return _time_interleaved(variants, args.device)


def _table(rows: list[dict]) -> str:
    lines = ["| case | backend | device | s per step | torch is x faster |", "|---|---|---|---:|---:|"]
    torch_time = {}
    for r in rows:
        if r["backend"] in ("torch", "quantum, torch"):
            torch_time[r["case"]] = r["seconds"]
    for r in rows:
        ref = torch_time.get(r["case"])
        speedup = (
            f"{r['seconds'] / ref:.0f}" if ref and r["backend"] not in ("torch", "quantum, torch", "classical") else ""
        )
        lines.append(f"| {r['case']} | {r['backend']} | {r['device']} | {r['seconds']:.4f} | {speedup} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="Markdown file for the table")
    parser.add_argument("--device", default="cpu", help="device of the torch backend and U-Net (cpu, cuda)")
    parser.add_argument("--cases", default="abc", help="which of a, b, c to run")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats of torch runs")
    parser.add_argument("--ref-repeats", type=int, default=1, help="timed repeats of PennyLane runs")
    parser.add_argument("--skip-reference", action="store_true", help="do not run the PennyLane backends")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rows: list[dict] = []
    for case in args.cases:
        rows += bench_unet(args) if case == "c" else bench_circuit(case, args)
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    gpu = torch.cuda.get_device_name() if args.device.startswith("cuda") else "none"
    header = (
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
        f"torch {torch.__version__} ({torch.get_num_threads()} threads), GPU: {gpu}; "
        f"load average at the end {load[0]}; batch {args.batch}; forward + backward; "
        f"median of {args.repeats} (torch) / {args.ref_repeats} (PennyLane) repeats."
    )
    text = header + "\n\n" + _table(rows) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
