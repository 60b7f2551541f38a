"""Structure-aware compilation of a recorded circuit into a plan of tensor operations.

Everything here works on the *structure* (gate kinds and wires), never on angle values, so a
plan is built once per circuit and reused on every call. Steps:

1. Measurements become sums of Pauli words. Words that need different bases on one wire go to
   different *groups* (each group is a separate simulation); X and Y are rotated to Z with
   PennyLane's diagonalizing gates. Every output is then a linear combination of Z-strings
   ("parities", stored as bit masks over wires); probs(W) is the Walsh-Hadamard combination
   of the 2**|W| parities on W.
2. Heisenberg absorption, from the end of the circuit backwards: a diagonal gate (RZ, CZ, Z,
   ...) commutes with every Z-string and is dropped; a monomial gate (CNOT, SWAP, X, Toffoli,
   ...) maps Z-strings to (sums of) Z-strings and is pushed into the observables; a gate on
   wires outside every observable is dropped. A gate may be absorbed only if every later gate
   on its wires was, so what remains is a prefix of the circuit.
3. The remaining gates are split into *blocks* of wires linked by multi-qubit gates. The
   state is a product over blocks, so <Z-string> is the product of each block's part. Blocks
   with no measured wire are skipped; single-wire blocks cost one 2x2 matrix each. For the
   S1 paper circuit every RZ and CNOT is absorbed and only the 16 RY encodings remain.
4. Inside a block, runs of single-qubit gates on a wire fuse into one 2x2; the first run on
   each wire becomes part of a product initial state; consecutive constant monomial gates
   (CNOT rings) fuse into one index permutation with phases; single-qubit runs that can act
   at the same time form a ParallelStep, which the executor applies as a few Kronecker
   products on neighbouring wires (fewer passes over a large state).

With ``simplify=False`` steps 2-3 are skipped: one block of all wires, the plain statevector.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pennylane as qml
from pennylane.measurements import ExpectationMP, MeasurementProcess, ProbabilityMP

from qgen.quantum.recording import OpRecord, Recording, constant_record

MAX_PROBS_WIRES = 8  # probs(W) costs 4**|W| parity terms
_MAX_TERMS = 4096  # stop pushing gates into observables past this many Z-string terms
_EPS = 1e-14

Terms = list[dict[int, float]]  # per output: {Z-string bit mask (bit w = wire w): coefficient}


@dataclass
class MatrixStep:
    """Apply the product of these records' matrices (in time order) on local axes."""

    axes: tuple[int, ...]
    records: tuple[int, ...]


@dataclass
class ParallelStep:
    """Single-qubit runs on distinct axes, applied together (the executor krons neighbours)."""

    runs: tuple[tuple[int, tuple[int, ...]], ...]  # (axis, records in time order)


@dataclass
class MonomialStep:
    """new[i] = phase[i] * old[src[i]]: a fused run of constant permutation/diagonal gates."""

    src: np.ndarray
    phase: np.ndarray | None


@dataclass
class ChannelStep:
    axis: int
    record: int


Step = MatrixStep | ParallelStep | MonomialStep | ChannelStep


@dataclass
class Block:
    """A group of wires simulated together (local axis a <-> wires[a], axis 0 most significant)."""

    wires: tuple[int, ...]
    real: bool
    init: tuple[tuple[int, ...], ...]  # per axis: records of the first single-qubit run
    steps: list[Step]
    masks: np.ndarray  # local parity masks to evaluate (bit k-1-a <-> axis a)

    @property
    def size(self) -> int:
        return len(self.wires)


@dataclass
class GroupPlan:
    """One measurement basis: simulate blocks, evaluate parities, combine into outputs."""

    records: list[OpRecord]  # circuit records, then this group's basis-change records
    blocks: list[Block]
    mask_index: np.ndarray  # (n_blocks, n_masks): 0 = block not involved, else 1 + column in block.masks
    coeffs: np.ndarray  # (n_outputs, n_masks); mask 0 (identity) is a constant column

    @property
    def has_channels(self) -> bool:
        return any(isinstance(s, ChannelStep) for b in self.blocks for s in b.steps)

    @property
    def largest_block(self) -> int:
        return max((b.size for b in self.blocks), default=0)


@dataclass
class Plan:
    n_outputs: int
    groups: list[GroupPlan] = field(default_factory=list)

    @property
    def has_channels(self) -> bool:
        return any(g.has_channels for g in self.groups)

    @property
    def largest_block(self) -> int:
        return max((g.largest_block for g in self.groups), default=0)

    @property
    def used_records(self) -> set[int]:
        """Records whose matrices the plan evaluates (absorbed gates are not among them)."""
        used: set[int] = set()
        for g in self.groups:
            for b in g.blocks:
                for run in b.init:
                    used.update(run)
                for s in b.steps:
                    if isinstance(s, MatrixStep):
                        used.update(s.records)
                    elif isinstance(s, ParallelStep):
                        for _, run in s.runs:
                            used.update(run)
                    elif isinstance(s, ChannelStep):
                        used.add(s.record)
        return used


# ---------------------------------------------------------------- measurements -> parity terms


@dataclass
class _Item:
    basis: dict[int, str]  # wire -> "X" | "Y" | "Z"
    entries: list[tuple[int, int, float]]  # (output, Z-string mask, coefficient)


def _measurement_items(measurements: list[MeasurementProcess], n_qubits: int) -> tuple[list[_Item], int]:
    items: list[_Item] = []
    out = 0
    for m in measurements:
        if isinstance(m, ExpectationMP) and m.obs is not None and m.obs.pauli_rep is not None:
            for word, coeff in m.obs.pauli_rep.items():
                basis = {int(w): p for w, p in word.items() if p != "I"}
                mask = sum(1 << w for w in basis)
                items.append(_Item(basis, [(out, mask, float(np.real(coeff)))]))
            out += 1
        elif isinstance(m, ProbabilityMP) and m.obs is None:
            wires = [int(w) for w in (m.wires or range(n_qubits))]
            k = len(wires)
            if k > MAX_PROBS_WIRES:
                raise NotImplementedError(f"probs over {k} wires; the torch backend supports <= {MAX_PROBS_WIRES}")
            entries = []
            for s in range(2**k):  # subset of wires, bit k-1-a <-> wires[a]
                mask = sum(1 << wires[a] for a in range(k) if s >> (k - 1 - a) & 1)
                for b in range(2**k):
                    entries.append((out + b, mask, (-1) ** (b & s).bit_count() / 2**k))
            items.append(_Item({w: "Z" for w in wires}, entries))
            out += 2**k
        else:
            raise NotImplementedError(f"measurement {m} (the torch backend measures Pauli expvals and probs)")
    return items, out


def _group_items(items: list[_Item]) -> list[tuple[dict[int, str], list[_Item]]]:
    """First-fit grouping of qubit-wise commuting items: one basis per wire within a group."""
    groups: list[tuple[dict[int, str], list[_Item]]] = []
    for item in items:
        for basis, members in groups:
            if all(basis.get(w, p) == p for w, p in item.basis.items()):
                basis.update(item.basis)
                members.append(item)
                break
        else:
            groups.append((dict(item.basis), [item]))
    return groups or [({}, [])]


# ---------------------------------------------------------------- Heisenberg absorption


@lru_cache(maxsize=4096)
def _local_expansion(sigma: tuple[int, ...], loc: int) -> tuple[tuple[int, float], ...]:
    """U^dag Z_loc U for a monomial U as Z-strings on the gate's wires: d'(j) = d(sigma(j))."""
    d = np.array([(-1) ** (s & loc).bit_count() for s in sigma], dtype=float)
    j = np.arange(len(sigma))
    out = []
    for s in range(len(sigma)):
        c = float((d * (-1.0) ** np.array([(int(x) & s).bit_count() for x in j])).sum() / len(sigma))
        if abs(c) > _EPS:
            out.append((s, c))
    return tuple(out)


def _conjugate(terms: Terms, rec: OpRecord) -> Terms:
    wires, m = rec.wires, len(rec.wires)
    wire_mask = sum(1 << w for w in wires)
    sigma = tuple(int(s) for s in rec.sigma)  # type: ignore[union-attr]
    new: Terms = []
    for out in terms:
        acc: dict[int, float] = defaultdict(float)
        for mask, c in out.items():
            loc = sum(1 << (m - 1 - a) for a, w in enumerate(wires) if mask >> w & 1)
            if loc == 0:
                acc[mask] += c
                continue
            rest = mask & ~wire_mask
            for s, cs in _local_expansion(sigma, loc):
                acc[rest | sum(1 << wires[a] for a in range(m) if s >> (m - 1 - a) & 1)] += c * cs
        new.append({k: v for k, v in acc.items() if abs(v) > _EPS})
    return new


def _support(terms: Terms) -> int:
    s = 0
    for out in terms:
        for mask in out:
            s |= mask
    return s


def absorb_tail(records: list[OpRecord], terms: Terms) -> tuple[list[int], Terms]:
    """Push the circuit's tail into the observables (module docstring, step 2).

    Returns the indices of the records that remain, in order, and the transformed terms.
    """
    blocked = 0
    kept: list[int] = []
    support = _support(terms)
    for i in range(len(records) - 1, -1, -1):
        rec = records[i]
        wmask = sum(1 << w for w in rec.wires)
        if not (wmask & blocked):
            if not (wmask & support):
                continue  # acts off every observable (a channel too: its dual is unital)
            if not rec.is_channel and rec.sigma is not None:
                new = _conjugate(terms, rec)
                if sum(map(len, new)) <= max(_MAX_TERMS, sum(map(len, terms))):
                    terms, support = new, _support(new)
                    continue
        kept.append(i)
        blocked |= wmask
    return kept[::-1], terms


# ---------------------------------------------------------------- blocks and scheduling


def _blocks_of(records: list[OpRecord], kept: list[int], n: int, support: int, simplify: bool) -> list[list[int]]:
    if not simplify:
        return [list(range(n))]
    parent = list(range(n))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    touched = 0
    for i in kept:
        ws = records[i].wires
        touched |= sum(1 << w for w in ws)
        for w in ws[1:]:
            parent[find(w)] = find(ws[0])
    groups: dict[int, list[int]] = defaultdict(list)
    for w in range(n):
        if touched >> w & 1:
            groups[find(w)].append(w)
    # Blocks without a measured wire cannot change any output; untouched wires stay |0>, <Z>=1.
    return [ws for ws in groups.values() if any(support >> w & 1 for w in ws)]


@dataclass
class _Node:
    records: list[int]
    axes: tuple[int, ...]
    kind: str  # "single" | "multi" | "channel"
    preds: set[int] = field(default_factory=set)
    succs: set[int] = field(default_factory=set)
    monomial: tuple[np.ndarray, np.ndarray] | None = None  # local (sigma, phase) if constant monomial


def _constant_monomial(records: list[OpRecord], ids: list[int]) -> tuple[np.ndarray, np.ndarray] | None:
    if not all(records[i].matrix is not None and records[i].sigma is not None for i in ids):
        return None
    mat = np.eye(len(records[ids[0]].matrix))  # type: ignore[arg-type]
    for i in ids:
        mat = records[i].matrix @ mat  # type: ignore[operator]
    sigma = np.abs(mat).argmax(axis=0)
    return sigma, mat[sigma, np.arange(len(sigma))]


def _build_nodes(records: list[OpRecord], ids: list[int], axis_of: dict[int, int]) -> list[_Node]:
    nodes: list[_Node] = []
    open_run: dict[int, int] = {}
    last: dict[int, int] = {}
    for i in ids:
        rec = records[i]
        axes = tuple(axis_of[w] for w in rec.wires)
        if not rec.is_channel and len(axes) == 1 and axes[0] in open_run:
            nodes[open_run[axes[0]]].records.append(i)
            continue
        kind = "channel" if rec.is_channel else "single" if len(axes) == 1 else "multi"
        node = _Node([i], axes, kind)
        node.preds = {last[a] for a in axes if a in last}
        for p in node.preds:
            nodes[p].succs.add(len(nodes))
        for a in axes:
            last[a] = len(nodes)
            open_run.pop(a, None)
        if kind == "single":
            open_run[axes[0]] = len(nodes)
        nodes.append(node)
    for node in nodes:
        if node.kind != "channel":
            node.monomial = _constant_monomial(records, node.records)
    return nodes


def _full_monomial(
    axes: tuple[int, ...], local: tuple[np.ndarray, np.ndarray], k: int
) -> tuple[np.ndarray, np.ndarray]:
    """(src, phase) on the block's 2**k basis states of a monomial gate on ``axes``."""
    sigma, phase = local
    m = len(axes)
    idx = np.arange(2**k)
    loc = np.zeros_like(idx)
    for a, ax in enumerate(axes):
        loc |= ((idx >> (k - 1 - ax)) & 1) << (m - 1 - a)
    new_loc = sigma[loc]
    new_idx = idx.copy()
    for a, ax in enumerate(axes):
        bit = k - 1 - ax
        new_idx = (new_idx & ~(1 << bit)) | (((new_loc >> (m - 1 - a)) & 1) << bit)
    src = np.empty_like(idx)
    ph = np.empty(2**k, dtype=complex)
    src[new_idx] = idx
    ph[new_idx] = phase[loc]
    return src, ph


def _schedule(nodes: list[_Node], k: int) -> tuple[tuple[tuple[int, ...], ...], list[Step]]:
    """Topological order that keeps constant monomial gates together, so they fuse."""
    init: list[tuple[int, ...]] = [() for _ in range(k)]
    indeg = [len(n.preds) for n in nodes]
    heap: list[tuple[int, int]] = []

    def release(j: int) -> None:
        for s in nodes[j].succs:
            indeg[s] -= 1
            if indeg[s] == 0:
                heapq.heappush(heap, (_priority(nodes[s]), s))

    # First single-qubit run on each wire: part of the product initial state.
    firsts = [j for j, n in enumerate(nodes) if not n.preds and n.kind == "single"]
    for j, node in enumerate(nodes):
        if not node.preds and node.kind != "single":
            heapq.heappush(heap, (_priority(node), j))
    for j in firsts:
        init[nodes[j].axes[0]] = tuple(nodes[j].records)
        release(j)

    steps: list[Step] = []
    pending: tuple[np.ndarray, np.ndarray] | None = None

    def emit(j: int) -> None:
        nonlocal pending
        node = nodes[j]
        if node.monomial is not None:
            src2, ph2 = _full_monomial(node.axes, node.monomial, k)
            if pending is not None:  # compose: new2[i] = ph2[i] * ph1[src2[i]] * old[src1[src2[i]]]
                src1, ph1 = pending
                src2, ph2 = src1[src2], ph2 * ph1[src2]
            pending = (src2, ph2)
            return
        if pending is not None:
            steps.append(_monomial_step(*pending))
            pending = None
        if node.kind == "channel":
            steps.append(ChannelStep(node.axes[0], node.records[0]))
        else:
            steps.append(MatrixStep(node.axes, tuple(node.records)))

    while heap:
        if heap[0][0] == 0:  # a monomial gate is ready: extend the current permutation
            batch = [heapq.heappop(heap)[1]]
        else:  # none is: emit everything else that is ready, so the next run stays contiguous
            batch = [j for _, j in sorted(heap)]
            heap.clear()
        for j in batch:
            emit(j)
            release(j)
    if pending is not None:
        steps.append(_monomial_step(*pending))
    return tuple(init), _parallelize(steps)


def _parallelize(steps: list[Step]) -> list[Step]:
    """Merge consecutive single-qubit steps on distinct axes into ParallelSteps."""
    out: list[Step] = []
    for step in steps:
        if isinstance(step, MatrixStep) and len(step.axes) == 1:
            prev = out[-1] if out else None
            if isinstance(prev, ParallelStep) and step.axes[0] not in {a for a, _ in prev.runs}:
                prev.runs = (*prev.runs, (step.axes[0], step.records))
                continue
            out.append(ParallelStep(((step.axes[0], step.records),)))
        else:
            out.append(step)
    return out


def _monomial_step(src: np.ndarray, phase: np.ndarray) -> MonomialStep:
    return MonomialStep(src, None if np.allclose(phase, 1) else phase)


def _priority(node: _Node) -> int:
    return 0 if node.monomial is not None else 1 if node.kind == "single" else 2


def _is_real(records: list[OpRecord], ids: list[int]) -> bool:
    return all(records[i].real for i in ids)


# ---------------------------------------------------------------- the plan


def _local_mask(mask: int, wires: tuple[int, ...]) -> int:
    k = len(wires)
    return sum(1 << (k - 1 - a) for a, w in enumerate(wires) if mask >> w & 1)


def _group_plan(rec: Recording, basis: dict[int, str], items: list[_Item], n_out: int, simplify: bool) -> GroupPlan:
    n = rec.n_qubits
    records = list(rec.records)
    for w, p in sorted(basis.items()):
        if p != "Z":
            obs = qml.PauliX(w) if p == "X" else qml.PauliY(w)
            records.extend(constant_record(op, n) for op in obs.diagonalizing_gates())
    terms: Terms = [defaultdict(float) for _ in range(n_out)]
    for item in items:
        for out, mask, c in item.entries:
            terms[out][mask] += c
    terms = [dict(t) for t in terms]
    if simplify:
        kept, terms = absorb_tail(records, terms)
    else:
        kept = list(range(len(records)))
    masks = sorted({m for t in terms for m in t})
    coeffs = np.zeros((n_out, len(masks)))
    col = {m: j for j, m in enumerate(masks)}
    for o, t in enumerate(terms):
        for m, c in t.items():
            coeffs[o, col[m]] += c
    support = 0
    for m in masks:
        support |= m
    blocks: list[Block] = []
    mask_rows = []
    for wires_list in _blocks_of(records, kept, n, support, simplify):
        wires = tuple(sorted(wires_list))
        wset = set(wires)
        ids = [i for i in kept if set(records[i].wires) <= wset]
        axis_of = {w: a for a, w in enumerate(wires)}
        init, steps = _schedule(_build_nodes(records, ids, axis_of), len(wires))
        local = [_local_mask(m, wires) for m in masks]
        uniq = sorted({lm for lm in local if lm})
        pos = {lm: j + 1 for j, lm in enumerate(uniq)}
        blocks.append(Block(wires, _is_real(records, ids), init, steps, np.array(uniq, dtype=np.int64)))
        mask_rows.append([pos.get(lm, 0) for lm in local])
    mask_index = np.array(mask_rows, dtype=np.int64).reshape(len(blocks), len(masks))
    return GroupPlan(records, blocks, mask_index, coeffs)


def compile_plan(rec: Recording, simplify: bool = True) -> Plan:
    """Compile a recording into a :class:`Plan` (module docstring)."""
    items, n_out = _measurement_items(rec.measurements, rec.n_qubits)
    plan = Plan(n_out)
    for basis, members in _group_items(items):
        plan.groups.append(_group_plan(rec, basis, members, n_out, simplify))
    return plan
