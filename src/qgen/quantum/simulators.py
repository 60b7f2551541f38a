"""Batched torch simulators of one block of qubits: statevector, density matrix, trajectories.

States are flat tensors (batch, 2**n); axis a of the (batch, 2, ..., 2) view is local wire a,
axis 0 the most significant bit, PennyLane's convention. All three expose the same methods,
so one compiled plan runs on any of them; every operation is differentiable with autograd.
"""

from __future__ import annotations

import torch


def apply_matrix(state: torch.Tensor, mat: torch.Tensor, axes: tuple[int, ...], n: int) -> torch.Tensor:
    """Apply ``mat`` ((d, d) or batched (B, d, d), wires in ``axes`` order) to a flat state."""
    b, k = state.shape[0], len(axes)
    if axes == tuple(range(axes[0], axes[0] + k)):  # neighbouring wires: no transposes needed
        left, right = 2 ** axes[0], 2 ** (n - axes[0] - k)
        if right == 1:  # last wires: one (L x d) @ (d x d) product per sample
            return (state.view(b, left, 2**k) @ mat.transpose(-1, -2)).reshape(b, -1)
        x = state.view(b, left, 2**k, right)
        return (mat @ x if mat.dim() == 2 else mat[:, None] @ x).reshape(b, -1)
    src, dst = [a + 1 for a in axes], list(range(1, k + 1))
    x = state.view(b, *([2] * n)).movedim(src, dst).reshape(b, 2**k, -1)
    y = mat @ x
    return y.view(b, *([2] * n)).movedim(dst, src).reshape(b, -1)


def probabilities(state: torch.Tensor) -> torch.Tensor:
    if state.is_complex():
        return torch.view_as_real(state).pow(2).sum(-1)  # |psi|^2 without abs()'s kink at 0
    return state.pow(2)


class StateVector:
    """Pure states: exact, no channels."""

    def __init__(self, psi0: torch.Tensor, n: int, generator: torch.Generator | None = None) -> None:
        self.state, self.n, self.generator = psi0, n, generator

    def apply_matrix(self, mat: torch.Tensor, axes: tuple[int, ...]) -> None:
        self.state = apply_matrix(self.state, mat, axes, self.n)

    def apply_monomial(self, src: torch.Tensor, phase: torch.Tensor | None) -> None:
        self.state = self.state[:, src] if phase is None else self.state[:, src] * phase

    def apply_channel(self, kraus: torch.Tensor, axis: int) -> None:
        raise ValueError("a statevector cannot apply a noise channel; route noisy circuits elsewhere")

    def probs(self) -> torch.Tensor:
        return probabilities(self.state)


class DensityMatrix:
    """Mixed states, exact: rho as a 2n-wire tensor (row wires, then column wires); 4**n memory."""

    def __init__(self, psi0: torch.Tensor, n: int, generator: torch.Generator | None = None) -> None:
        self.n = n
        self.rho = (psi0[:, :, None] * psi0.conj()[:, None, :]).reshape(psi0.shape[0], -1)

    def _both_sides(self, mat: torch.Tensor, axes: tuple[int, ...], rho: torch.Tensor) -> torch.Tensor:
        rho = apply_matrix(rho, mat, axes, 2 * self.n)  # K rho
        return apply_matrix(rho, mat.conj(), tuple(a + self.n for a in axes), 2 * self.n)  # ... K^dag

    def apply_matrix(self, mat: torch.Tensor, axes: tuple[int, ...]) -> None:
        self.rho = self._both_sides(mat, axes, self.rho)

    def apply_monomial(self, src: torch.Tensor, phase: torch.Tensor | None) -> None:
        d = 2**self.n
        rho = self.rho.view(-1, d, d)[:, src][:, :, src]
        if phase is not None:
            rho = rho * (phase[:, None] * phase.conj()[None, :])
        self.rho = rho.reshape(rho.shape[0], -1)

    def apply_channel(self, kraus: torch.Tensor, axis: int) -> None:
        self.rho = sum(self._both_sides(k, (axis,), self.rho) for k in kraus)

    def probs(self) -> torch.Tensor:
        d = 2**self.n
        return torch.diagonal(self.rho.view(-1, d, d), dim1=1, dim2=2).real


class Trajectories(StateVector):
    """Monte-Carlo wavefunction: each row follows one sampled Kraus branch per channel.

    The branch is drawn with probability ||K psi||^2 and the state renormalised; the average
    of |psi|^2 over rows estimates the density matrix's diagonal without bias. Gradients are
    pathwise (branches held fixed): unbiased for depolarizing noise, whose branch
    probabilities do not depend on the state, biased for amplitude damping.
    """

    def apply_channel(self, kraus: torch.Tensor, axis: int) -> None:
        b = self.state.shape[0]
        x = self.state.view(b, 2**axis, 2, -1)
        rho = torch.einsum("blir,bljr->bij", x, x.conj())  # reduced state of the wire
        # p_k = tr(K_k rho K_k^dag)
        p = torch.einsum("kij,bjl,kil->bk", kraus, rho, kraus.conj()).real
        pick = torch.multinomial(p.detach().clamp_min(0), 1, generator=self.generator)[:, 0]
        norm = p.gather(1, pick[:, None]).clamp_min(1e-30).sqrt()
        mat = kraus[pick] / norm[:, :, None].to(kraus.dtype)
        self.state = apply_matrix(self.state, mat, (axis,), self.n)


SIMULATORS = {"statevector": StateVector, "density_matrix": DensityMatrix, "trajectories": Trajectories}
