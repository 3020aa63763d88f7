"""Counter-free pseudo-random streams for the kernels: splitmix64 seeding and xoroshiro128+.

Every kernel that needs randomness receives its generator state as a plain
``uint64`` array and advances it in place, so results depend only on the seed,
never on the thread count or a global RNG.

State layout
------------
``rng_state``: ``uint64`` array of shape ``(streams, 2)``; row ``k`` is the
xoroshiro128+ state ``(s0, s1)`` of stream ``k`` (one per replica, or one per
replica and SIMD lane).  Streams are seeded from one integer seed through
splitmix64 (Vigna), which is the seeding procedure the xoroshiro authors
recommend, so different streams are decorrelated.
"""
import numpy as np
from numba import njit

_MASK64 = (1 << 64) - 1


def _splitmix64_py(x):
    """One splitmix64 step in Python integers; returns (new_state, output)."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x, z ^ (z >> 31)


def seed_streams(seed, n_streams, *, stream_offset=0):
    """Seed ``n_streams`` independent xoroshiro128+ streams from one integer seed.

    Stream ``k`` depends only on ``(seed, stream_offset + k)``, so replica ``k``
    gets the same stream whatever the number of replicas or threads.

    Returns
    -------
    ndarray of uint64, shape (n_streams, 2)
    """
    seed = int(seed) & _MASK64
    out = np.empty((n_streams, 2), dtype=np.uint64)
    for k in range(n_streams):
        # Mix the seed with the stream index through splitmix64 twice so
        # neighbouring (seed, k) pairs land far apart.
        x, a = _splitmix64_py(seed ^ ((0xD1B54A32D192ED03 * (stream_offset + k + 1)) & _MASK64))
        x, s0 = _splitmix64_py(x ^ a)
        x, s1 = _splitmix64_py(x)
        if s0 == 0 and s1 == 0:  # the all-zero state is the one fixed point
            s1 = 1
        out[k, 0] = s0
        out[k, 1] = s1
    return out


def resolve_seed(seed):
    """Return an integer seed; ``None`` draws one from OS entropy (and it is recorded)."""
    if seed is None:
        return int(np.random.SeedSequence().entropy) & _MASK64
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer or None, got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    return int(seed) & _MASK64


@njit(inline="always", cache=True)
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(inline="always", cache=True)
def next_u64(state, k):
    """Advance stream ``k`` of ``state`` (uint64, (streams, 2)) and return 64 random bits."""
    s0 = state[k, 0]
    s1 = state[k, 1]
    result = s0 + s1
    s1 ^= s0
    state[k, 0] = _rotl(s0, 24) ^ s1 ^ (s1 << np.uint64(16))
    state[k, 1] = _rotl(s1, 37)
    return result


@njit(inline="always", cache=True)
def next_double(state, k):
    """Uniform float64 in [0, 1) with 53 random bits from stream ``k``."""
    return (next_u64(state, k) >> np.uint64(11)) * (1.0 / 9007199254740992.0)
