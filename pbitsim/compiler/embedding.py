r"""Minor embedding: chains of p-bits for logical spins, and the physical couplings on them.

A *minor embedding* maps each logical spin ``i`` to a connected *chain* of chip
p-bits, chains disjoint, so that every coupled pair ``(i, j)`` has at least one
chip edge between their chains.  :func:`find_chains` asks minorminer
(``minorminer.find_embedding``, seeded, with a time limit) for one.

Distribution (:func:`distribute`), exact by construction:

- a logical coupling ``J_ij`` is split evenly over the ``k_ij`` chip edges
  between chain ``i`` and chain ``j``: each carries ``J_ij / k_ij``;
- a field ``h_i`` is split evenly over the ``L_i`` p-bits of chain ``i``;
- each chain is held together by ferromagnetic *chain couplers* of strength
  ``K`` on a spanning tree of the chain (``L_i - 1`` couplers).

When every chain is intact the physical energy equals the logical energy plus
the constant ``-K * n_chain_couplers``, so the physical Boltzmann law
conditioned on intact chains *is* the logical law, for any ``K > 0``.

Chain strength rule (:func:`default_chain_strength`): ``K = 1.5 * max_i F_i``
with ``F_i = sum_j |J_ij| + |h_i|`` over the spins whose chain is longer than
one p-bit.  Cutting one coupler of chain ``i`` splits it into parts ``A`` and
``B``; flipping ``A`` alone changes the energy by ``2K - 2 m f_A`` where
``f_A``, the external field landing on ``A`` (its share of the couplings and of
``h_i``), obeys ``|f_A| <= F_i``.  ``K > F_i`` therefore makes every break cost
energy (no broken state is a ground state, the usual sufficient condition), and
at inverse temperature ``beta`` a break is suppressed by at least
``exp(-2 beta (K - F_i))`` against the intact state next to it.  The factor 1.5
leaves a margin of ``F/2`` while keeping ``K`` small: on a fixed-point chip
``K`` shares the weight range with the model (it is capped at the largest
weight), and a chain flips as a whole only through broken states, so a very
strong chain slows mixing.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import minorminer
import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

from .colouring import edge_arrays
from ..errors import PbitsimError, TopologyError
from .chains import Chains
from .placement import check_fits
from .progress import run_search

__all__ = ["ChainLayout", "find_chains", "validate_chains", "layout_chains", "distribute",
           "default_chain_strength", "CHAIN_STRENGTH_FACTOR"]

#: Default chain strength in units of the largest worst-case field on a chained spin.
CHAIN_STRENGTH_FACTOR = 1.5
_RESERVED_OPTIONS = ("random_seed", "timeout", "return_overlap")


def _minorminer_embedding(source_edges, target_edges, **options):
    """``minorminer.find_embedding`` as plain data (picklable: it may run in a child process)."""
    emb = minorminer.find_embedding(source_edges, target_edges, **options)
    return {k: list(v) for k, v in emb.items()}


def find_chains(logical, G, *, seed=0, timeout_s=60.0, options=None, chip_name="chip", progress=False):
    """Minor-embed the model's coupling graph into ``G`` with minorminer.

    Parameters
    ----------
    logical : IsingModel
    G : networkx.Graph
        Chip graph on nodes ``0..N-1``.
    seed : int
        ``random_seed`` of minorminer (same seed, same graph: same chains).
    timeout_s : float
        minorminer's ``timeout``.
    options : dict, optional
        Further ``minorminer.find_embedding`` parameters, e.g.
        ``{"chainlength_patience": 0}`` to skip the chain-shortening phase
        (much faster; longer chains) or ``{"tries": 20}``.
    chip_name : str
        For error messages and the progress bar.
    progress : bool
        Show elapsed time against ``timeout_s`` while minorminer runs (only
        when stderr is a terminal).

    Returns
    -------
    list of int64 ndarray
        Chip nodes of each logical spin's chain.  Spins without couplings get one
        free node each (lowest free index first).

    Raises
    ------
    TopologyError
        The model has more spins than the chip, or no embedding was found
        within the time limit (the message gives both graphs' sizes).
    """
    n, N = logical.n, G.number_of_nodes()
    check_fits(n, N, chip_name)
    options = dict(options or {})
    reserved = [k for k in options if k in _RESERVED_OPTIONS]
    if reserved:
        raise PbitsimError(f"embedding option {reserved[0]!r} is set by compile itself (use seed= / timeout_s=)")
    r, c, _ = logical.edges()
    chains = [None] * n
    used = np.zeros(N, dtype=bool)
    if r.size:
        t0 = time.perf_counter()
        emb = run_search(_minorminer_embedding, list(zip(r.tolist(), c.tolist())), list(G.edges()),
                         random_seed=int(seed), timeout=float(timeout_s), **options,
                         desc=f"embedding {n} spins into {chip_name}", limit_s=timeout_s, progress=progress)
        dt = time.perf_counter() - t0
        if not emb:
            raise TopologyError(
                f"no minor embedding found for the model ({n} spins, {logical.n_edges} couplings) into chip "
                f"{chip_name!r} ({N} p-bits, {G.number_of_edges()} edges): minorminer gave up after "
                f"{dt:.1f} s (time limit {timeout_s:g} s, seed {seed}); try a larger chip, a longer "
                "timeout or another seed")
        for i, chain in emb.items():
            chains[int(i)] = np.sort(np.asarray(list(chain), dtype=np.int64))
            used[chains[int(i)]] = True
    free = iter(np.flatnonzero(~used).tolist())
    for i in range(n):
        if chains[i] is None:
            node = next(free, None)
            if node is None:
                raise TopologyError(f"model has {n} spins; after embedding the coupled ones no free p-bit "
                                    f"is left on chip {chip_name!r} ({N} p-bits) for the uncoupled ones")
            chains[i] = np.array([node], dtype=np.int64)
    return chains


def validate_chains(logical, chains, G, chip_name="chip"):
    """Check chains (chip nodes per spin): in range, non-empty, disjoint, connected, covering every coupling.

    Returns the chains as sorted int64 arrays; raises :class:`TopologyError`
    naming the first problem.
    """
    n, N = logical.n, G.number_of_nodes()
    if len(chains) != n:
        raise TopologyError(f"{len(chains)} chains given for a model of {n} spins")
    out = []
    owner = np.full(N, -1, dtype=np.int64)
    for i, ch in enumerate(chains):
        a = np.asarray(list(ch) if not isinstance(ch, np.ndarray) else ch).reshape(-1)
        if a.size == 0:
            raise TopologyError(f"chain of spin {i} is empty")
        if not np.issubdtype(a.dtype, np.integer) or a.min() < 0 or a.max() >= N:
            raise TopologyError(f"chain of spin {i} holds {a.tolist()[:6]}, not chip nodes 0..{N - 1} "
                                f"of chip {chip_name!r}")
        a = np.sort(a.astype(np.int64))
        if np.unique(a).size != a.size:
            raise TopologyError(f"chain of spin {i} lists a p-bit twice")
        clash = owner[a] >= 0
        if clash.any():
            node = int(a[clash][0])
            raise TopologyError(f"chip node {node} is in the chains of spins {int(owner[node])} and {i}")
        owner[a] = i
        if a.size > 1 and not _connected(G, a):
            raise TopologyError(f"chain of spin {i} ({a.tolist()[:8]}) is not connected in the chip graph")
        out.append(a)
    owner_pairs = set()
    for u, v in G.edges():
        a, b = int(owner[u]), int(owner[v])
        if a >= 0 and b >= 0 and a != b:
            owner_pairs.add((min(a, b), max(a, b)))
    r, c, _ = logical.edges()
    for i, j in zip(r.tolist(), c.tolist()):
        if (i, j) not in owner_pairs:
            raise TopologyError(f"chains of spins {i} and {j} are coupled in the model but share no chip edge")
    return out


def _connected(G, nodes):
    return nx.is_connected(G.subgraph(nodes.tolist()))


@dataclass(frozen=True, eq=False)
class ChainLayout:
    """Where the model sits on the chip, in the physical index space.

    Attributes
    ----------
    chip_nodes : int64 (n_physical,)
        Chip nodes in use, increasing; physical p-bit ``k`` is ``chip_nodes[k]``.
    chains : Chains
        Physical p-bits of each logical spin.
    owner : int64 (n_physical,)
        Logical spin of each p-bit.
    edge_u, edge_v : int64 (n_couplers,)
        Physical couplers between different chains that carry a logical
        coupling (``u < v``), sorted.
    edge_owner : int64 (n_couplers,)
        Index of that coupling in ``logical.edges()`` order.
    chain_u, chain_v : int64 (n_chain_couplers,)
        Chain couplers (a spanning tree of each chain), ``u < v``, sorted.
    """

    chip_nodes: np.ndarray
    chains: Chains
    owner: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_owner: np.ndarray
    chain_u: np.ndarray
    chain_v: np.ndarray

    @property
    def n_physical(self):
        return int(self.chip_nodes.size)

    @property
    def placement(self):
        """First (lowest-index) p-bit of each chain."""
        return self.chains.members[self.chains.ptr[:-1]]


def layout_chains(logical, chains_chip, G) -> ChainLayout:
    """Physical index space, couplers and chain trees for chains given as chip nodes."""
    n = logical.n
    N = G.number_of_nodes()
    chip_nodes = np.sort(np.concatenate(chains_chip)) if n else np.zeros(0, dtype=np.int64)
    phys = np.full(N, -1, dtype=np.int64)
    phys[chip_nodes] = np.arange(chip_nodes.size)
    owner_chip = np.full(N, -1, dtype=np.int64)
    for i, ch in enumerate(chains_chip):
        owner_chip[ch] = i
    chains = Chains.from_lists([phys[ch] for ch in chains_chip])
    _, rows, cols = edge_arrays(G)
    a, b = owner_chip[rows], owner_chip[cols]
    live = (a >= 0) & (b >= 0)
    rows, cols, a, b = rows[live], cols[live], a[live], b[live]
    # couplers between chains that carry a logical coupling
    lr, lc, _ = logical.edges()
    key_logical = lr * n + lc                      # sorted: edges() is lexsorted by (row, col)
    inter = a != b
    lo, hi = np.minimum(a[inter], b[inter]), np.maximum(a[inter], b[inter])
    key = lo * n + hi
    idx = np.searchsorted(key_logical, key)
    idx_c = np.minimum(idx, max(key_logical.size - 1, 0))
    hit = (idx < key_logical.size) & (key_logical[idx_c] == key) if key_logical.size else np.zeros(key.size, bool)
    eu, ev = phys[rows[inter][hit]], phys[cols[inter][hit]]
    e_owner = idx[hit]
    counts = np.bincount(e_owner, minlength=key_logical.size)
    if key_logical.size and counts.min() == 0:
        k = int(np.flatnonzero(counts == 0)[0])
        raise TopologyError(f"chains of spins {int(lr[k])} and {int(lc[k])} are coupled in the model "
                            "but share no chip edge")
    order = np.lexsort((ev, eu))
    eu, ev, e_owner = eu[order], ev[order], e_owner[order]
    # chain couplers: a spanning forest of the intra-chain chip edges (one tree per chain)
    cu, cv = phys[rows[~inter]], phys[cols[~inter]]
    m = chip_nodes.size
    if cu.size:
        forest = minimum_spanning_tree(sp.coo_matrix((np.ones(cu.size), (cu, cv)), shape=(m, m))).tocoo()
        tu = np.minimum(forest.row, forest.col).astype(np.int64)
        tv = np.maximum(forest.row, forest.col).astype(np.int64)
        o = np.lexsort((tv, tu))
        tu, tv = tu[o], tv[o]
    else:
        tu = tv = np.zeros(0, dtype=np.int64)
    owner = np.empty(m, dtype=np.int64)
    owner[chains.members] = np.repeat(np.arange(n), chains.lengths)
    if tu.size != m - n:  # some chain is not connected by chip edges
        _, labels = connected_components(sp.coo_matrix((np.ones(tu.size), (tu, tv)), shape=(m, m)),
                                         directed=False)
        comps = np.array([np.unique(labels[chains[i]]).size for i in range(n)])
        i = int(np.flatnonzero(comps > 1)[0])
        raise TopologyError(f"chain of spin {i} (chip nodes {chip_nodes[chains[i]].tolist()[:8]}) is not "
                            "connected in the chip graph")
    return ChainLayout(chip_nodes.astype(np.int64), chains, owner, eu, ev, e_owner, tu, tv)


def distribute(logical, layout):
    """Couplings on ``layout``'s couplers and fields on its p-bits: ``(J (n_couplers,), h (n_physical,))``.

    ``J_ij`` is split evenly over the couplers between chains ``i`` and ``j``;
    ``h_i`` evenly over the p-bits of chain ``i`` (float64, logical units).
    """
    _, _, lv = logical.edges()
    counts = np.bincount(layout.edge_owner, minlength=lv.size)
    J = lv[layout.edge_owner] / counts[layout.edge_owner] if lv.size else np.zeros(0)
    lengths = layout.chains.lengths
    h = logical.h[layout.owner] / lengths[layout.owner]
    return J, h


def worst_case_fields(logical):
    """``F_i = sum_j |J_ij| + |h_i|`` (float64 (n,)): the largest |input| spin ``i`` can receive."""
    absJ = abs(logical.J)
    return np.asarray(absJ.sum(axis=1)).ravel() + np.abs(logical.h)


def default_chain_strength(logical, chain_lengths, factor=CHAIN_STRENGTH_FACTOR) -> float:
    """``factor * max F_i`` over spins with chains longer than one p-bit (logical units; see module docs).

    Returns 0.0 when no chain is longer than one p-bit, and ``factor`` when
    those spins feel no coupling or field at all (any positive K holds them).
    """
    lengths = np.asarray(chain_lengths)
    chained = lengths > 1
    if not chained.any():
        return 0.0
    F = float(worst_case_fields(logical)[chained].max())
    return factor * (F if F > 0 else 1.0)
