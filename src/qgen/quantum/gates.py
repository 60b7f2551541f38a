"""Gate matrices as torch tensors, batched over the parameters' leading dimension.

Common rotations are built directly (few small kernels, exact autograd); any other PennyLane
gate falls back to its own ``compute_matrix``, which PennyLane writes for torch tensors too.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from pennylane.ops.functions import bind_new_parameters

from qgen.quantum.recording import OpRecord

Builder = Callable[[list[torch.Tensor], torch.dtype], torch.Tensor]


def _as_matrix(entries: list[torch.Tensor], shape: torch.Size) -> torch.Tensor:
    return torch.stack(entries, dim=-1).reshape(*shape, 2, 2)


def _complex(re: list[torch.Tensor], im: list[torch.Tensor], dtype: torch.dtype) -> torch.Tensor:
    shape = re[0].shape
    return torch.complex(_as_matrix(re, shape), _as_matrix(im, shape)).to(dtype)


def _rx(p: list[torch.Tensor], dtype: torch.dtype) -> torch.Tensor:
    c, s = torch.cos(p[0] / 2), torch.sin(p[0] / 2)
    z = torch.zeros_like(c)
    return _complex([c, z, z, c], [z, -s, -s, z], dtype)


def _ry(p: list[torch.Tensor], dtype: torch.dtype) -> torch.Tensor:
    c, s = torch.cos(p[0] / 2), torch.sin(p[0] / 2)
    return _as_matrix([c, -s, s, c], c.shape).to(dtype)


def _rz(p: list[torch.Tensor], dtype: torch.dtype) -> torch.Tensor:
    c, s = torch.cos(p[0] / 2), torch.sin(p[0] / 2)
    z = torch.zeros_like(c)
    return _complex([c, z, z, c], [-s, z, z, s], dtype)


def _phase_shift(p: list[torch.Tensor], dtype: torch.dtype) -> torch.Tensor:
    one, z = torch.ones_like(p[0]), torch.zeros_like(p[0])
    return _complex([one, z, z, torch.cos(p[0])], [z, z, z, torch.sin(p[0])], dtype)


def _rot(p: list[torch.Tensor], dtype: torch.dtype) -> torch.Tensor:
    # Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi), PennyLane's definition.
    return _rz([p[2]], dtype) @ _ry([p[1]], dtype) @ _rz([p[0]], dtype)


NATIVE: dict[str, Builder] = {"RX": _rx, "RY": _ry, "RZ": _rz, "PhaseShift": _phase_shift, "Rot": _rot}


def complex_dtype(real_dtype: torch.dtype) -> torch.dtype:
    return torch.complex128 if real_dtype == torch.float64 else torch.complex64


class MatrixFactory:
    """Builds gate matrices; caches constant ones per (record, dtype, device)."""

    def __init__(self) -> None:
        self._const: dict[tuple[int, torch.dtype, torch.device], torch.Tensor] = {}

    def __call__(
        self, rec: OpRecord, params: list[torch.Tensor], dtype: torch.dtype, device: torch.device
    ) -> torch.Tensor:
        """Matrix of ``rec`` in ``dtype`` (a real dtype only for gates classified real)."""
        if rec.matrix is not None:
            key = (id(rec), dtype, device)
            if key not in self._const:
                m = torch.as_tensor(rec.matrix)
                self._const[key] = (m.real if not dtype.is_complex else m).to(device=device, dtype=dtype)
            return self._const[key]
        builder = NATIVE.get(rec.name)
        if builder is not None:
            return builder(params, dtype)
        m = torch.as_tensor(bind_new_parameters(rec.op, params).matrix(), device=device)
        return m.real.to(dtype) if not dtype.is_complex else m.to(dtype)
