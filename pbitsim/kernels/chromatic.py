r"""Chromatic (graph-coloured) Gibbs kernels over plain arrays, float datapath.

Update rule (bipolar p-bit): ``m_i <- sgn(tanh(beta * I_i) - u)``, ``u ~ U(-1, 1)``,
``I_i = h_i + sum_j J_ij m_j``.  Colour classes are updated in sequence; all
p-bits of one colour read the same state, which is exact Gibbs sampling
because a colour class has no internal edge.  ``tanh`` is
:func:`~pbitsim.kernels.activation.fast_tanh` (absolute error < 2e-6); every
uniform carries 32 random bits, ``u = (j + 1/2) 2^-31`` with ``j`` a signed
32-bit word, so ``P(m_i = +1)`` is ``(1 + tanh(beta I_i)) / 2`` to within 1e-6.

Two data layouts, one law and one random-number assignment
-----------------------------------------------------------
Nodes are relabelled so colour ``c`` is the contiguous range
``colour_ptr[c] : colour_ptr[c+1]``.  A colour is cut into *chunks* of
``C = 2 L`` consecutive positions (the last one may be shorter).  Every replica
owns ``L`` xoroshiro128+ *lane* streams; for each chunk every lane is advanced
once and its 64-bit output gives two uniforms: the high word goes to chunk
position ``l`` and the low word to position ``L + l``.  Both layouts below
follow this rule exactly, so for a given seed they draw the same uniform for
the same update; their inputs differ only in the last bits of rounding (see
the layouts), so their trajectories agree except for a tie ``|tanh - u|`` below
~1e-15.

- **Single-chain** (:func:`run_chromatic`, any mode): one replica per
  iteration of a ``prange``; float64 fields ``I`` cached and updated on flips.
  A colour is processed in passes that are each one long loop: the uniforms,
  the decisions of every p-bit of the colour from the current fields (SIMD,
  branch-free), then the flips, each adding ``2 m_i J_ij`` to its neighbours'
  fields (work only where a p-bit flipped).  With one "colour" holding all
  p-bits this is the naive-parallel (all-at-once, not Gibbs) update.
- **Replica-major** (:func:`run_chromatic_replica_major`, chromatic mode):
  states of a block of replicas stored node-major, ``(n + 1, RB)`` int8, so
  the input of one p-bit for all replicas of the block is a branch-free
  vector gather-add over its neighbours' rows (``I`` recomputed from scratch in
  float64 in CSR order, no cached fields).

Array conventions
-----------------
- ``graph`` tuple ``(indptr, indices, weights, h)``: symmetric CSR coupling
  matrix ``J`` (int64 (n+1,), int32 (nnz,), float64 (nnz,); both directions
  stored, sorted columns) and fields float64 (n,).
- ``colour_ptr`` int64 (n_colours+1,).
- ``schedule`` int64 (N_SCHEDULE,): :mod:`pbitsim.kernels.run_window` (burn-in,
  samples, thin, the window of sweeps this call runs); ``schedule[S_MODE]`` 0 =
  chromatic, 1 = naive parallel.
- ``edges`` int32 (2, n_edges): upper-triangle pairs for the running moments.
- ``out`` tuple ``(out_states, out_energies, sum_m, sum_mm)``: int8
  (R, S, n) with ``S`` = n_samples or 0 (states not stored), float64
  (R, n_samples), float64 (R, n) and (R, n_edges), or width 0 when moments are
  off.  Energies are ``E(m)`` without the model's constant offset.
"""
import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from .activation import _CLAMP, _P, _Q
from .run_window import S_FROM, S_MODE, S_N_SAMPLES, S_TO, unit_length, window_start

_U32_SCALE = 1.0 / 2147483648.0  # 2^-31
_PREFETCH_AHEAD = 4  # flips whose coupling rows are requested before they are applied
_P0, _P1, _P2, _P3, _P4, _P5, _P6 = _P
_Q1, _Q2, _Q3, _Q4, _Q5, _Q6 = _Q[1:]


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def tanh_above(x, u):
    """``fast_tanh(x) > u`` without the division: ``x P(x^2) > u Q(x^2)`` (``Q >= 1``).

    Same rational as :func:`~pbitsim.kernels.activation.fast_tanh` (clamped at
    ``+-9``), evaluated by Estrin's scheme with fused multiply-adds so the
    dependency chain is short and the SIMD loops that inline it are
    throughput-bound.  Differs from ``fast_tanh(x) > u`` only where
    ``|fast_tanh(x) - u|`` is at rounding level (1e-15).
    """
    x = min(max(x, -_CLAMP), _CLAMP)
    t = x * x
    t2 = t * t
    t4 = t2 * t2
    p = ((_P0 + _P1 * t) + t2 * (_P2 + _P3 * t)) + t4 * ((_P4 + _P5 * t) + t2 * _P6)
    q = ((1.0 + _Q1 * t) + t2 * (_Q2 + _Q3 * t)) + t4 * ((_Q4 + _Q5 * t) + t2 * _Q6)
    return x * p > u * q


@intrinsic
def _prefetch(typingctx, arr, idx):
    """Hint the CPU to fetch ``arr[idx]`` into cache (no effect on results; never faults)."""
    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, signature.args[0], ary, [args[1]], wraparound=False)
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
                                            "llvm.prefetch.p0i8")  # (address, read, high locality, data)
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()
    return types.void(arr, idx), codegen


@njit(cache=True, inline="always")
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(cache=True, inline="always", error_model="numpy")
def advance_streams(s0, s1, u_hi, u_lo):
    """Advance a vector of xoroshiro128+ streams once; two uniforms in (-1, 1) each.

    ``s0``, ``s1`` uint64 (k,): the two state words of ``k`` streams (updated);
    ``u_hi``, ``u_lo`` float64 (k,): ``(j + 1/2) 2^-31`` with ``j`` the high /
    low 32-bit word of the output read as a signed integer.  Vectorises.
    """
    for l in range(s0.shape[0]):
        a = s0[l]
        b = s1[l]
        x = a + b
        b ^= a
        s0[l] = _rotl(a, 24) ^ b ^ (b << np.uint64(16))
        s1[l] = _rotl(b, 37)
        u_hi[l] = (np.float64(np.int32(x >> np.uint64(32))) + 0.5) * _U32_SCALE
        u_lo[l] = (np.float64(np.int32(x)) + 0.5) * _U32_SCALE


@njit(cache=True)
def compute_fields(indptr, indices, weights, h, s, f):
    """``f[i] = h[i] + sum_j J_ij s[j]`` for ``i < n`` (1-D views, CSR order of summation)."""
    for i in range(h.shape[0]):
        acc = h[i]
        for k in range(indptr[i], indptr[i + 1]):
            acc += weights[k] * s[indices[k]]
        f[i] = acc


@njit(cache=True)
def energy_from_fields(h, s, f):
    """``E = -sum_i s_i (f_i + h_i) / 2`` (= ``-1/2 m'Jm - h'm`` when ``f = h + J m``)."""
    e = 0.0
    for i in range(h.shape[0]):
        e -= s[i] * (f[i] + h[i]) * 0.5
    return e


@njit(cache=True)
def record_moments(s, edge_u, edge_v, sum_m, sum_mm):
    """Add one sample's ``m_i`` (sum_m, (n,)) and ``m_u m_v`` per edge (sum_mm, (n_edges,))."""
    for i in range(sum_m.shape[0]):
        sum_m[i] += s[i]
    for e in range(edge_u.shape[0]):
        sum_mm[e] += s[edge_u[e]] * s[edge_v[e]]


# ----------------------------------------------------------------- single-chain layout
@njit(cache=True, error_model="numpy")
def colour_pass(graph, a, b, beta, s, f, d, flips, lanes, u):
    """Update positions ``a:b`` (one colour, or all p-bits for naive parallel); returns ``dE``.

    ``s`` float64 (n + C,) states ±1; ``f`` float64 (n + C,) cached inputs;
    ``d`` and ``u`` float64 (n + C,) and ``flips`` int32 (n,) scratch;
    ``lanes`` uint64 (2, L) lane streams.  Three passes, each one long loop:
    the uniforms of every chunk, the decisions of every p-bit from the current
    fields (SIMD), then the flips (each adds ``2 m_i J_ij`` to its neighbours'
    fields).  ``dE`` is exact for a colour class (no internal edges); for a
    naive pass with coupled flips it is meaningless and the caller recomputes ``E``.
    """
    indptr, indices, weights = graph[0], graph[1], graph[2]
    L = lanes.shape[1]
    C = 2 * L
    for q0 in range(a, b, C):  # chunk q0: lane l -> positions q0 + l (high word), q0 + L + l (low)
        advance_streams(lanes[0], lanes[1], u[q0:q0 + L], u[q0 + L:q0 + C])
    fa = f[a:b]
    sa = s[a:b]
    da = d[a:b]
    ua = u[a:b]
    for l in range(b - a):
        da[l] = (1.0 if tanh_above(beta * fa[l], ua[l]) else -1.0) - sa[l]
    cnt = 0
    for l in range(b - a):  # branch-free compaction of the flips
        flips[cnt] = a + l
        cnt += da[l] != 0.0
    de = 0.0
    for z in range(-_PREFETCH_AHEAD, cnt):
        if z + _PREFETCH_AHEAD < cnt:  # rows of later flips are cache misses on big graphs
            k0 = indptr[flips[z + _PREFETCH_AHEAD]]
            _prefetch(indices, k0)
            _prefetch(weights, k0)
            _prefetch(weights, k0 + 8)
        if z < 0:
            continue
        i = flips[z]
        di = d[i]  # new - old = 2 m_new
        de -= di * f[i]
        s[i] += di
        for k in range(indptr[i], indptr[i + 1]):
            f[indices[k]] += weights[k] * di
    return de


@njit(cache=True)
def sweeps(graph, colour_ptr, beta, s, f, d, flips, lanes, u, n_sweeps, naive, de):
    """``n_sweeps`` sweeps of one replica; returns ``de`` plus the energy change (NaN if ``naive``)."""
    n_phases = colour_ptr.shape[0] - 1
    for _ in range(n_sweeps):
        for c in range(n_phases):
            de += colour_pass(graph, colour_ptr[c], colour_ptr[c + 1], beta, s, f, d, flips, lanes, u)
    return np.nan if naive else de


@njit(cache=True, parallel=True)
def run_chromatic(graph, colour_ptr, beta, state, rng, schedule, edges, out, carry):
    """Single-chain layout: the sweeps of ``schedule``'s window, replicas in parallel.

    ``state`` int8 (R, n) states (overwritten with the states at the window's
    end); ``rng`` uint64 (R, 2, L) lane streams of each replica (advanced).
    ``carry`` = ``(fields float64 (R, n + C), acc float64 (R, 2))``: the cached
    inputs and ``(E, dE of the unfinished unit)`` of each replica, written at
    the window's end and read by the next window (set up when the window starts
    at sweep 0).  Mode 1 (naive parallel) must come with ``colour_ptr = [0, n]``.
    """
    h = graph[3]
    n_samples, naive = schedule[S_N_SAMPLES], schedule[S_MODE] == 1
    g0, g1 = schedule[S_FROM], schedule[S_TO]
    out_states, out_energies, sum_m, sum_mm = out
    fields, acc = carry
    n = h.shape[0]
    C = 2 * rng.shape[2]
    for r in prange(state.shape[0]):
        s = np.zeros(n + C)
        f = np.zeros(n + C)  # a local copy of the carried fields (the hot loops see a fresh array)
        d = np.zeros(n + C)
        u = np.zeros(n + C)
        flips = np.empty(n, dtype=np.int32)
        lanes = rng[r]
        for i in range(n):
            s[i] = state[r, i]
        if g0 == 0:
            compute_fields(graph[0], graph[1], graph[2], h, s, f)
            acc[r, 0] = energy_from_fields(h, s, f)
            acc[r, 1] = 0.0
        else:
            for i in range(n + C):
                f[i] = fields[r, i]
        e, de = acc[r, 0], acc[r, 1]
        t, done = window_start(schedule)
        g = g0
        while t <= n_samples:
            steps = unit_length(schedule, t)
            k = min(steps - done, g1 - g)
            de = sweeps(graph, colour_ptr, beta, s, f, d, flips, lanes, u, k, naive, de)
            g += k
            done += k
            if done < steps:
                break
            e += de
            de = 0.0
            if naive:
                e = energy_from_fields(h, s, f)
            if t > 0:
                out_energies[r, t - 1] = e
                if out_states.shape[1] > 0:
                    for i in range(n):
                        out_states[r, t - 1, i] = np.int8(s[i])
                if sum_m.shape[1] > 0:
                    record_moments(s, edges[0], edges[1], sum_m[r], sum_mm[r])
            t += 1
            done = 0
        acc[r, 0] = e
        acc[r, 1] = de
        for i in range(n + C):
            fields[r, i] = f[i]
        for i in range(n):
            state[r, i] = np.int8(s[i])


# ----------------------------------------------------------------- replica-major layout
@njit(cache=True, error_model="numpy")
def colour_pass_replica_major(h, sell, c, beta, sb, lanes, u, acc, e):
    """Update colour ``c`` for one block of replicas (pull: inputs recomputed, no cached fields).

    ``sell`` = ``(colour_ptr, chunk_ptr, chunk_off, nbr, w)``: colour ``c`` owns
    chunks ``chunk_ptr[c]:chunk_ptr[c+1]``; chunk ``k`` stores its p-bits'
    neighbour lists padded to a common length ``D_k`` at
    ``chunk_off[k] + j*C + l`` (``j``-th neighbour of chunk position ``l``;
    padding points at the all-zero row ``n`` with weight 0).  ``sb`` int8
    (n + 1, RB) states, ``lanes`` uint64 (2, L, RB), ``u`` and ``acc`` float64
    (C, RB) scratch, ``e`` float64 (RB,) energies (updated).  Per chunk: the
    uniforms, the inputs ``I = h + sum_j J_ij m_j`` of its p-bits (CSR order of
    summation), then one flat SIMD loop over the chunk's (p-bit, replica) pairs.
    """
    colour_ptr, chunk_ptr, chunk_off, nbr, w = sell
    L = lanes.shape[1]
    C = 2 * L
    RB = sb.shape[1]
    a = colour_ptr[c]
    b = colour_ptr[c + 1]
    ch = chunk_ptr[c]
    for q0 in range(a, b, C):
        for l in range(L):
            advance_streams(lanes[0, l], lanes[1, l], u[l], u[L + l])
        off = chunk_off[ch]
        n_nbr = (chunk_off[ch + 1] - off) // C
        m = min(C, b - q0)
        for l in range(m):
            al = acc[l]
            hi = h[q0 + l]
            for r in range(RB):
                al[r] = hi
            k = 0
            while k + 4 <= n_nbr:  # four rows per pass over acc, same order of summation
                p = off + k * C + l
                w0, w1, w2, w3 = w[p], w[p + C], w[p + 2 * C], w[p + 3 * C]
                s0, s1, s2, s3 = sb[nbr[p]], sb[nbr[p + C]], sb[nbr[p + 2 * C]], sb[nbr[p + 3 * C]]
                for r in range(RB):
                    al[r] = (((al[r] + w0 * s0[r]) + w1 * s1[r]) + w2 * s2[r]) + w3 * s3[r]
                k += 4
            for k in range(k, n_nbr):
                p = off + k * C + l
                wk = w[p]
                sj = sb[nbr[p]]
                for r in range(RB):
                    al[r] += wk * sj[r]
        x = acc[:m].reshape(m * RB)
        uf = u[:m].reshape(m * RB)
        sf = sb[q0:q0 + m].reshape(m * RB)
        for k in range(m * RB):  # float arithmetic only: AVX2 has no int64 -> double
            new = 1.0 if tanh_above(beta * x[k], uf[k]) else -1.0
            x[k] = (np.float64(np.int32(sf[k])) - new) * x[k]  # energy change -(new - old) I
            sf[k] = np.int8(np.int32(new))
        for l in range(m):  # replica by replica, p-bits in order (same sum as one at a time)
            al = acc[l]
            for r in range(RB):
                e[r] += al[r]
        ch += 1


@njit(cache=True, parallel=True)
def run_chromatic_replica_major(graph, sell, beta, blocks, rng, schedule, edges, out, energy):
    """Replica-major layout (chromatic mode only): blocks of ``RB`` replicas in parallel.

    ``blocks`` int8 (B, n + 1, RB): block ``b`` column ``q`` is replica
    ``b*RB + q`` (row ``n`` must be zero; replicas ``>= R`` are padding and not
    reported); ``rng`` uint64 (B, 2, L, RB).  ``graph``, ``schedule``,
    ``edges`` and ``out`` as for :func:`run_chromatic` (outputs indexed by
    replica, so nothing is transposed afterwards); ``energy`` float64 (B, RB)
    the carried energies (set up when the window starts at sweep 0).
    """
    indptr, indices, weights, h = graph
    n_samples, g0, g1 = schedule[S_N_SAMPLES], schedule[S_FROM], schedule[S_TO]
    out_states, out_energies, sum_m, sum_mm = out
    n = h.shape[0]
    R = out_energies.shape[0]
    n_colours = sell[0].shape[0] - 1
    RB = blocks.shape[2]
    C = 2 * rng.shape[2]
    for blk in prange(blocks.shape[0]):
        sb = blocks[blk]
        lanes = rng[blk]
        u = np.empty((C, RB))
        acc = np.empty((C, RB))
        e = energy[blk]
        s = np.empty(n)
        f = np.empty(n)
        if g0 == 0:
            for q in range(RB):  # exact start energies, as in the single-chain layout
                for i in range(n):
                    s[i] = sb[i, q]
                compute_fields(indptr, indices, weights, h, s, f)
                e[q] = energy_from_fields(h, s, f)
        t, done = window_start(schedule)
        g = g0
        while t <= n_samples:
            steps = unit_length(schedule, t)
            k = min(steps - done, g1 - g)
            for _ in range(k):
                for c in range(n_colours):
                    colour_pass_replica_major(h, sell, c, beta, sb, lanes, u, acc, e)
            g += k
            done += k
            if done < steps:
                break
            if t > 0:
                for q in range(min(RB, R - blk * RB)):
                    r = blk * RB + q
                    out_energies[r, t - 1] = e[q]
                    if out_states.shape[1] > 0:
                        for i in range(n):
                            out_states[r, t - 1, i] = sb[i, q]
                    if sum_m.shape[1] > 0:
                        for i in range(n):
                            s[i] = sb[i, q]
                        record_moments(s, edges[0], edges[1], sum_m[r], sum_mm[r])
            t += 1
            done = 0
