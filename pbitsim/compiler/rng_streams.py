r"""LFSR random streams for hardware p-bits: seeding, per-p-bit and shared registers, correlation checks.

A hardware p-bit compares a ``k``-bit threshold with ``k`` pseudo-random bits;
the uniform it effectively sees is ``u = word / 2**k``. This module builds
those ``uint64`` word streams (shape ``(n_draws, n_pbits)``) from the Numba
kernels in :mod:`pbitsim.kernels.lfsr` and measures how correlated they are.

Two designs are provided:

* one register per p-bit (:func:`lfsr_streams`), each seeded with a distinct
  non-lock-up state (:func:`seed_lfsr_states`); the reference RTL does this
  with a 32-bit Fibonacci XNOR register, taps (32, 22, 2, 1), and one step per
  update (``mode="word"``). All registers run the same m-sequence at different
  phases, which are far apart for random seeds;
* one shared Fibonacci register (:func:`shared_lfsr_streams`) where p-bit ``j``
  reads ``k`` stages starting at stage offset ``j*shift``. Stream ``j`` is then
  stream 0 delayed by ``j*shift`` shifts: cheap, but neighbouring p-bits get
  the *same* numbers a few draws apart, which :func:`max_lagged_cross_correlation`
  exposes (correlation 1 at the lag ``j*shift/advance``).
"""
import numpy as np

from pbitsim.errors import PbitsimError
from pbitsim.kernels import lfsr as _k
from pbitsim.chip.lfsr_taps import taps_to_mask

_MASK64 = (1 << 64) - 1


def _check_width(width):
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or not 2 <= width <= 64:
        raise PbitsimError(f"LFSR width must be an integer in 2..64, got {width!r}")
    return int(width)


def _check_taps(taps, width):
    mask = taps_to_mask(taps)
    if max(taps) != width:
        raise PbitsimError(f"LFSR taps {tuple(taps)} must include the output tap {width} (= width) "
                           f"and no tap above it")
    return np.uint64(mask)


def _check_count(name, value, lo=1, hi=None):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo or (
            hi is not None and value > hi):
        rng = f"{lo}..{hi}" if hi is not None else f">= {lo}"
        raise PbitsimError(f"{name} must be an integer {rng}, got {value!r}")
    return int(value)


def lockup_state(width, xnor):
    """The stuck state of a ``width``-bit register: 0 for XOR, all ones for XNOR feedback."""
    width = _check_width(width)
    return (1 << width) - 1 if xnor else 0


def valid_seed(seed, width, xnor):
    """True if ``seed`` is a usable register state: in ``[0, 2**width)`` and not the lock-up state."""
    width = _check_width(width)
    seed = int(seed)
    return 0 <= seed < (1 << width) and seed != lockup_state(width, xnor)


def seed_lfsr_states(seed, n, width, xnor=False):
    """Derive ``n`` distinct, valid (non-lock-up) register states from one integer seed.

    Deterministic: the same ``(seed, n, width, xnor)`` always gives the same
    states (via ``numpy.random.SeedSequence``). Valid states are numbered
    ``0 .. 2**width - 2`` and mapped past the lock-up state, so every draw is
    valid by construction; distinctness is by sampling without replacement.

    Returns
    -------
    ndarray of uint64, shape (n,)
        Each entry in ``[0, 2**width)``, none equal to :func:`lockup_state`.
    """
    width = _check_width(width)
    n = _check_count("n", n, lo=0)
    n_valid = (1 << width) - 1
    if n > n_valid:
        raise PbitsimError(f"cannot draw {n} distinct states from a {width}-bit register "
                           f"({n_valid} valid states)")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise PbitsimError(f"seed must be a non-negative integer, got {seed!r}")
    rng = np.random.default_rng(np.random.SeedSequence(int(seed)))
    if n_valid <= max(1 << 20, 4 * n):
        ordinals = rng.choice(n_valid, size=n, replace=False).astype(np.uint64)
    else:
        seen, ordinals = set(), []
        while len(ordinals) < n:
            for v in rng.integers(0, n_valid, size=n - len(ordinals), dtype=np.uint64, endpoint=False):
                if int(v) not in seen:
                    seen.add(int(v))
                    ordinals.append(int(v))
        ordinals = np.array(ordinals, dtype=np.uint64)
    # XOR: skip state 0 (ordinal i -> state i+1); XNOR: all-ones is the last state, ordinals fit below it.
    return ordinals + np.uint64(0 if xnor else 1)


def lfsr_streams(seed, n_pbits, width, taps, n_draws, *, k=None, xnor=False, galois=False, mode="word"):
    """One independent register per p-bit; ``out[d, j]`` is the word p-bit ``j`` sees at draw ``d``.

    Parameters
    ----------
    seed : int
        Expanded by :func:`seed_lfsr_states` into one distinct state per p-bit.
    width : int
        Register width 2..64; ``taps`` must contain ``width``.
    k : int, optional
        Output bits per draw for ``mode="shift"`` (1..64, default ``width``).
        ``mode="word"`` always returns the whole ``width``-bit register.
    mode : {"word", "shift"}
        ``"word"``: one step per draw, whole register (reference RTL).
        ``"shift"``: ``k`` steps per draw, the ``k`` fresh output bits.

    Returns
    -------
    ndarray of uint64, shape (n_draws, n_pbits)
    """
    width = _check_width(width)
    mask = _check_taps(taps, width)
    n_pbits = _check_count("n_pbits", n_pbits)
    n_draws = _check_count("n_draws", n_draws)
    if mode not in ("word", "shift"):
        raise PbitsimError(f"mode must be 'word' or 'shift', got {mode!r}")
    k = width if k is None else _check_count("k", k, 1, 64)
    states = seed_lfsr_states(seed, n_pbits, width, xnor)
    out = np.empty((n_draws, n_pbits), dtype=np.uint64)
    _k.lfsr_word_streams(states, mask, width, bool(xnor), bool(galois), k, mode == "shift", out)
    return out


def shared_lfsr_streams(seed, n_pbits, width, taps, k, n_draws, shift=1, *, advance=1, xnor=False):
    """Streams for ``n_pbits`` p-bits that share one Fibonacci register.

    P-bit ``j`` reads the ``k`` stages starting at stage offset ``j*shift``
    (stage ``o + i`` is bit ``i`` of its word); the register shifts
    ``advance`` times per draw. Offsets past the register are served by a
    delay line on its output, which holds the same sequence. Hence
    ``words[d, j] == words[d - j*shift/advance, 0]`` whenever ``j*shift`` is a
    multiple of ``advance`` -- with the default ``advance=1`` successive
    p-bits see the same numbers exactly ``shift`` draws apart.

    Parameters
    ----------
    seed : int
        Seeds the single register (a non-lock-up state).
    width : int
        Register width 2..64; ``taps`` must contain ``width``.
    k : int
        Bits per p-bit word, 1..64.
    shift : int
        Stage offset between successive p-bits, >= 1.
    advance : int
        Register shifts per draw, >= 1 (``advance=k`` gives ``k`` fresh bits per draw).

    Returns
    -------
    ndarray of uint64, shape (n_draws, n_pbits), values in ``[0, 2**k)``.
    """
    width = _check_width(width)
    mask = _check_taps(taps, width)
    n_pbits = _check_count("n_pbits", n_pbits)
    k = _check_count("k", k, 1, 64)
    n_draws = _check_count("n_draws", n_draws)
    shift = _check_count("shift", shift)
    advance = _check_count("advance", advance)
    first = (n_pbits - 1) * shift + k - 1
    n_bits = first + (n_draws - 1) * advance + 1
    state = seed_lfsr_states(seed, 1, width, xnor)[0]
    regs = np.empty(n_bits, dtype=np.uint64)
    _k.lfsr_sequence(state, mask, width, bool(xnor), False, regs)
    bits = (regs & np.uint64(1)).astype(np.uint8)
    out = np.empty((n_draws, n_pbits), dtype=np.uint64)
    _k.shared_window_words(bits, k, shift, advance, first, out)
    return out


def _uniforms(words, k):
    words = np.asarray(words)
    if words.ndim != 2:
        raise PbitsimError(f"words must be a 2-D (n_draws, n_pbits) array, got shape {words.shape}")
    k = _check_count("k", k, 1, 64)
    return words.astype(np.float64) * 2.0 ** -k


def _standardise(u):
    z = u - u.mean(axis=0)
    sd = np.sqrt((z * z).mean(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return z / sd


def stream_cross_correlation(words, k):
    """Lag-0 Pearson correlation matrix of the uniforms ``u = word / 2**k``.

    Parameters
    ----------
    words : uint64 array, shape (n_draws, n_pbits)
    k : int
        Bits per word.

    Returns
    -------
    ndarray of float64, shape (n_pbits, n_pbits); NaN for a constant stream.
    For independent streams the off-diagonal entries are ~N(0, 1/n_draws).
    """
    z = _standardise(_uniforms(words, k))
    return z.T @ z / z.shape[0]


def max_lagged_cross_correlation(words, k, max_lag):
    """Largest-magnitude correlation between streams over lags ``0..max_lag``.

    ``corr[i, j]`` is the value of ``corr(u_i[t], u_j[t - lag])`` with the
    largest magnitude over ``lag = 0..max_lag`` (the overlapping samples only),
    and ``lag[i, j]`` the lag where it occurs: stream ``i`` looks *later* than
    stream ``j``, so the matrix is not symmetric. For shared-register streams
    ``corr[j+1, j] == 1`` at ``lag == shift`` (with ``advance=1``). The diagonal holds
    each stream's largest autocorrelation over lags ``1..max_lag`` (the
    trivial lag-0 value 1 is skipped; 0 when ``max_lag == 0``).

    Returns
    -------
    corr : ndarray of float64, shape (n_pbits, n_pbits)
    lag : ndarray of int64, shape (n_pbits, n_pbits)
    """
    u = _uniforms(words, k)
    max_lag = _check_count("max_lag", max_lag, lo=0)
    n = u.shape[0]
    if max_lag > n - 3:
        raise PbitsimError(f"max_lag={max_lag} needs more than {max_lag + 2} draws, got {n}")
    p = u.shape[1]
    best = np.zeros((p, p))
    best_lag = np.zeros((p, p), dtype=np.int64)
    for lag in range(max_lag + 1):
        a = _standardise(u[lag:])
        b = _standardise(u[:n - lag])
        c = a.T @ b / (n - lag)
        if lag == 0:
            np.fill_diagonal(c, 0.0)
        better = np.abs(c) > np.abs(best)
        best[better] = c[better]
        best_lag[better] = lag
    return best, best_lag
