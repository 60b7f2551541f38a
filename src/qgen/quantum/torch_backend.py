"""The "torch" backend: a compiled plan run by batched torch simulators, differentiated by autograd.

Options (``backend_options`` in config):

- ``dtype``: "float32" (default) or "float64"; complex states use the matching complex dtype.
- ``shots``: None (exact expectations) or a number of samples per input row. Estimates are
  drawn from the exact probabilities with a seeded torch generator. Gradients are
  *straight-through*: the forward value is the shot estimate, the backward pass is that of the
  exact expectation (so training with shots sees shot noise in the values only).
- ``seed``: seeds the generator used for shots and trajectories (None: torch's global RNG).
- ``noise``: None or {"depolarizing": p, "amplitude_damping": gamma, "after": "gate"|"layer"}.
- ``noise_method``: "auto" (see :func:`qgen.quantum.noise.simulation_path`), "density_matrix"
  or "trajectories"; ``n_trajectories`` (default 256); ``dm_max_qubits`` (default 10).
- ``simplify``: True (default) exploits structure (qgen.quantum.compile); False runs the plain
  full statevector, for checks and benchmarks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from qgen.quantum.circuits import CircuitSpec
from qgen.quantum.compile import (
    Block,
    ChannelStep,
    GroupPlan,
    MatrixStep,
    MonomialStep,
    ParallelStep,
    Plan,
    compile_plan,
)
from qgen.quantum.gates import MatrixFactory, complex_dtype
from qgen.quantum.noise import DM_MAX_QUBITS, NoiseModel, simulation_path
from qgen.quantum.recording import ParamRef, record_operations, trace
from qgen.quantum.simulators import SIMULATORS

_DTYPES = {"float32": torch.float32, "float64": torch.float64}
# Parallel single-qubit gates on up to this many neighbouring wires are applied as one
# Kronecker product: 4 wires (16 x 16) halved the time of a 16-qubit layer on a CPU.
KRON_WINDOW = 4


def _kron(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Kronecker product of (batched) square matrices, broadcasting the batch dimension."""
    batch = torch.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    out = a[..., :, None, :, None] * b[..., None, :, None, :]
    return out.reshape(*batch, a.shape[-1] * b.shape[-1], a.shape[-1] * b.shape[-1])


def _parity_signs(local_masks: np.ndarray, k: int) -> np.ndarray:
    """S[b, j] = (-1)**popcount(b & mask_j): <Z-string> = probs @ S."""
    x = np.arange(2**k)[:, None] & local_masks[None, :]
    parity = np.zeros_like(x)
    for bit in range(k):
        parity ^= (x >> bit) & 1
    return 1.0 - 2.0 * parity


class TorchExecutor:
    """Callable ``(inputs[B, n_qubits], weights) -> Tensor[B, n_outputs]``."""

    def __init__(
        self,
        spec: CircuitSpec,
        dtype: str | torch.dtype = "float32",
        shots: int | None = None,
        seed: int | None = None,
        noise: NoiseModel | Mapping[str, Any] | None = None,
        noise_method: str = "auto",
        n_trajectories: int = 256,
        dm_max_qubits: int = DM_MAX_QUBITS,
        simplify: bool = True,
    ) -> None:
        self.spec = spec
        self.dtype = _DTYPES[dtype] if isinstance(dtype, str) else dtype
        self.shots, self.seed, self.n_trajectories = shots, seed, n_trajectories
        self.noise = NoiseModel.coerce(noise)
        self.recording = trace(spec, self.noise)
        self.plan: Plan = compile_plan(self.recording, simplify=simplify)
        self.path = simulation_path(self.plan.has_channels, self.plan.largest_block, noise_method, dm_max_qubits)
        used = self.plan.used_records
        self._uses_weights = self.recording.dynamic or any(
            p.kind == "weight"
            for i in used
            if i < len(self.recording.records)
            for p in self.recording.records[i].params
        )
        self._matrix = MatrixFactory()
        self._const: dict[tuple, torch.Tensor] = {}
        self._generators: dict[torch.device, torch.Generator] = {}

    def __getstate__(self) -> dict[str, Any]:
        # Copies (deepcopy for an EMA model, pickling) start with empty caches, whose keys
        # hold object ids, and fresh generators seeded from ``seed``.
        state = self.__dict__.copy()
        state.update(_matrix=MatrixFactory(), _const={}, _generators={})
        return state

    # ------------------------------------------------------------------ helpers

    def _tensor(
        self, key: tuple, array: np.ndarray | Callable[[], np.ndarray], dtype: torch.dtype, device: torch.device
    ) -> torch.Tensor:
        """Constant plan data (or a function making it) as a tensor, once per (key, dtype, device)."""
        k = (key, dtype, device)
        if k not in self._const:
            t = torch.as_tensor(array() if callable(array) else array)
            self._const[k] = (t.real if t.is_complex() and not dtype.is_complex else t).to(device=device, dtype=dtype)
        return self._const[k]

    def _generator(self, device: torch.device) -> torch.Generator | None:
        if self.seed is None:
            return None
        if device not in self._generators:
            self._generators[device] = torch.Generator(device=device).manual_seed(self.seed)
        return self._generators[device]

    def _param_source(self, x: torch.Tensor, w: torch.Tensor) -> Callable[[int], list[torch.Tensor]]:
        """Record index -> its parameters as tensors (from placeholders, or re-recorded)."""
        if self.recording.dynamic:
            ops, _ = record_operations(self.spec, x, w, self.noise)
            return lambda i: [torch.as_tensor(p, dtype=self.dtype, device=x.device) for p in ops[i].parameters]
        flat = w.reshape(-1)

        def one(ref: ParamRef) -> torch.Tensor:
            if ref.kind == "input":
                return x[:, ref.index]
            if ref.kind == "weight":
                return flat[ref.index]
            return torch.as_tensor(ref.value, dtype=self.dtype, device=x.device)

        return lambda i: [one(r) for r in self.recording.records[i].params]

    # ------------------------------------------------------------------ simulation

    def _block_probs(
        self, block: Block, group: GroupPlan, params: Callable, batch: int, device: torch.device
    ) -> torch.Tensor:
        dtype = self.dtype if block.real else complex_dtype(self.dtype)
        cache: dict[int, torch.Tensor] = {}

        def mat(i: int) -> torch.Tensor:
            if i not in cache:
                rec = group.records[i]
                cache[i] = self._matrix(rec, params(i) if rec.matrix is None else [], dtype, device)
            return cache[i]

        def fused(run: tuple[int, ...]) -> torch.Tensor:
            m = mat(run[0])
            for i in run[1:]:
                m = mat(i) @ m
            return m

        # Product initial state from each wire's first single-qubit run applied to |0>.
        psi = torch.ones(batch, 1, dtype=dtype, device=device)
        zero = torch.tensor([1.0, 0.0], dtype=dtype, device=device)
        for run in block.init:
            col = fused(run)[..., :, 0] if run else zero
            psi = (psi[:, :, None] * col.expand(batch, 2)[:, None, :]).reshape(batch, -1)
        sim = SIMULATORS[self.path](psi, block.size, self._generator(device))
        for step in block.steps:
            if isinstance(step, MatrixStep):
                sim.apply_matrix(fused(step.records), step.axes)
            elif isinstance(step, ParallelStep):
                runs = dict(step.runs)
                eye = torch.eye(2, dtype=dtype, device=device)
                kron_window = getattr(sim, "kron_window", KRON_WINDOW)
                for window in sorted({a // kron_window for a in runs}):
                    axes = [a for a in sorted(runs) if a // kron_window == window]
                    span = tuple(range(axes[0], axes[-1] + 1))
                    m = fused(runs[span[0]])
                    for a in span[1:]:
                        m = _kron(m, fused(runs[a]) if a in runs else eye)
                    sim.apply_matrix(m, span)
            elif isinstance(step, MonomialStep):
                src = self._tensor(("src", id(step)), step.src, torch.long, device)
                phase = None if step.phase is None else self._tensor(("phase", id(step)), step.phase, dtype, device)
                sim.apply_monomial(src, phase)
            elif isinstance(step, ChannelStep):
                op = group.records[step.record].op
                kraus = self._tensor(
                    ("kraus", id(op)), lambda op=op: np.stack(op.kraus_matrices()), complex_dtype(self.dtype), device
                )
                sim.apply_channel(kraus, step.axis)
        return sim.probs().to(self.dtype)

    def _run_group(self, group: GroupPlan, params: Callable, batch: int, device: torch.device) -> torch.Tensor:
        n_masks = group.coeffs.shape[1]
        z = torch.ones(batch, n_masks, dtype=self.dtype, device=device)
        z_shots = torch.ones(batch, self.shots or 0, n_masks, dtype=self.dtype, device=device)
        for c, block in enumerate(group.blocks):
            probs = self._block_probs(block, group, params, batch * self._repeats, device)
            if self._repeats > 1:  # trajectories: average |psi|^2 over the sampled branches
                probs = probs.view(self._repeats, batch, -1).mean(0)
            signs = self._tensor(
                ("signs", id(block)), lambda b=block: _parity_signs(b.masks, b.size), self.dtype, device
            )
            index = self._tensor(("index", id(group), c), group.mask_index[c], torch.long, device)
            z = z * torch.nn.functional.pad(probs @ signs, (1, 0), value=1.0)[:, index]
            if self.shots:
                with torch.no_grad():  # the blocks are independent: sample each on its own
                    draws = torch.multinomial(probs.clamp_min(0), self.shots, True, generator=self._generator(device))
                    z_shots = z_shots * torch.nn.functional.pad(signs[draws], (1, 0), value=1.0)[:, :, index]
        coeffs = self._tensor(("coeffs", id(group)), group.coeffs, self.dtype, device)
        out = z @ coeffs.T
        if self.shots:
            estimate = z_shots.mean(1) @ coeffs.T
            out = out + (estimate - out).detach()  # straight-through: exact gradient
        return out

    @property
    def _repeats(self) -> int:
        return self.n_trajectories if self.path == "trajectories" else 1

    def __call__(self, inputs: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        x, w = inputs.to(self.dtype), weights.to(self.dtype)
        batch, device = x.shape[0], x.device
        params = self._param_source(x.repeat(self._repeats, 1), w)
        out = sum(self._run_group(g, params, batch, device) for g in self.plan.groups)
        if w.requires_grad and not self._uses_weights:
            out = out + 0.0 * w.sum()  # weights that cannot act get a zero gradient, not None
        return out.to(inputs.dtype)
