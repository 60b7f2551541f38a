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


def superoperator(mat: torch.Tensor) -> torch.Tensor:
    """K (x) conj(K), (..., d, d) -> (..., d*d, d*d): rho -> K rho K^dag as one matrix acting on
    the row axes and then the column axes of a flattened rho, i.e. in one pass over the state."""
    d = mat.shape[-1]
    return (mat[..., :, None, :, None] * mat.conj()[..., None, :, None, :]).reshape(*mat.shape[:-2], d * d, d * d)


class DensityMatrix:
    """Mixed states, exact: rho as a 2n-wire tensor (row wires, then column wires); 4**n memory.

    A gate K acts as its superoperator K (x) conj(K) on (its row axes, its column axes), a
    channel as the sum of its Kraus operators' superoperators: one pass over rho each. A pass
    over rho is what costs (4**n entries per row), so one-wire superoperators (gates and
    channels) are not applied at once but multiplied into a pending 4x4 per wire, applied when
    a multi-wire operation or the measurement needs that wire: a gate with the noise after it,
    and runs of them, cost one pass. ``kron_window = 1`` asks the executor for one-wire gates
    one by one (a Kronecker product of k of them would be a 4**k x 4**k superoperator).
    """

    kron_window = 1

    def __init__(self, psi0: torch.Tensor, n: int, generator: torch.Generator | None = None) -> None:
        self.n = n
        self.rho = (psi0[:, :, None] * psi0.conj()[:, None, :]).reshape(psi0.shape[0], -1)
        self._pending: dict[int, torch.Tensor] = {}  # axis -> one-wire superoperator not yet applied

    def _apply_super(self, sup: torch.Tensor, axes: tuple[int, ...]) -> None:
        self.rho = apply_matrix(self.rho, sup, (*axes, *(a + self.n for a in axes)), 2 * self.n)

    def _queue(self, sup: torch.Tensor, axis: int) -> None:
        pending = self._pending.get(axis)
        self._pending[axis] = sup if pending is None else sup @ pending

    def _flush(self, axes: tuple[int, ...] | None = None) -> None:
        for axis in sorted(self._pending) if axes is None else axes:
            sup = self._pending.pop(axis, None)
            if sup is not None:
                self._apply_super(sup, (axis,))

    def apply_matrix(self, mat: torch.Tensor, axes: tuple[int, ...]) -> None:
        if len(axes) == 1:
            self._queue(superoperator(mat), axes[0])
            return
        self._flush(axes)
        self._apply_super(superoperator(mat), axes)

    def _involved(self, src: torch.Tensor, phase: torch.Tensor | None) -> tuple[int, ...]:
        """Axes a monomial gate does not commute with a one-wire operation on: those whose bit it
        changes or reads (a CNOT's target and control), found from its index map."""
        index = torch.arange(src.numel(), device=src.device)
        axes = []
        for axis in range(self.n):
            bit = 1 << (self.n - 1 - axis)
            flip = index ^ bit
            # M = M' (x) I on this axis: the bit is kept, nothing else depends on it, nor the phase.
            kept = torch.equal(src & bit, index & bit) and torch.equal(src[flip], src ^ bit)
            if not kept or (phase is not None and not torch.equal(phase[flip], phase)):
                axes.append(axis)
        return tuple(axes)

    def apply_monomial(self, src: torch.Tensor, phase: torch.Tensor | None) -> None:
        if self._pending:
            self._flush(self._involved(src, phase))  # pending wires it acts on go first
        d = 2**self.n
        rho = self.rho.view(-1, d, d)[:, src][:, :, src]
        if phase is not None:
            rho = rho * (phase[:, None] * phase.conj()[None, :])
        self.rho = rho.reshape(rho.shape[0], -1)

    def apply_channel(self, kraus: torch.Tensor, axis: int) -> None:
        self._queue(superoperator(kraus).sum(0), axis)

    def probs(self) -> torch.Tensor:
        self._flush()
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
