"""An independent plain-Python event simulation of a tiny multi-chip machine (the test oracle).

Written from the read model of ``docs/multichip.md`` only, sharing no code with
the engine: Poisson p-bits of rate ``1 / tau``; p-bit ``i`` updating at ``t``
reads an on-chip neighbour now and a neighbour on another chip as of
``floor((t - A) / P) * P`` (``P > 0``) or ``t - A`` (``P = 0``), ``A`` the
link's latency plus serialization delay, always as a left limit; then
``m_i <- +1`` with probability ``(1 + tanh(beta I_i)) / 2``.
"""
import bisect
import math
import random


def simulate_reference(J, h, part, *, age_ns, period_ns, tau_ns=1.0, beta=1.0, t_end=20000.0, t_burn=50.0,
                       n_batches=20, seed=0):
    """Dwell-time weighted mean energy over ``[t_burn, t_end]`` and its batch-means standard error.

    ``J``: dense symmetric list of lists; ``h``: list; ``part``: chip of each spin.
    """
    rnd = random.Random(seed)
    n = len(h)
    init = [rnd.choice((-1, 1)) for _ in range(n)]
    s = list(init)
    changes = [[] for _ in range(n)]       # times of every flip of each spin

    def value_at(j, t_read):               # left limit: flips strictly before t_read
        c = bisect.bisect_left(changes[j], t_read)
        return init[j] if c % 2 == 0 else -init[j]

    def energy():
        e = -sum(h[i] * s[i] for i in range(n))
        for i in range(n):
            for j in range(i + 1, n):
                e -= J[i][j] * s[i] * s[j]
        return e

    width = (t_end - t_burn) / n_batches
    area = [0.0] * n_batches
    t, e, t_last = 0.0, energy(), 0.0

    def accumulate(t0, t1, value):
        a = max(t0, t_burn)
        while a < t1:
            b_idx = min(int((a - t_burn) / width), n_batches - 1)
            b_end = min(t1, t_burn + (b_idx + 1) * width)
            area[b_idx] += value * (b_end - a)
            a = b_end

    while True:
        t += rnd.expovariate(n / tau_ns)
        if t >= t_end:
            break
        i = rnd.randrange(n)
        field = h[i]
        for j in range(n):
            if j == i or J[i][j] == 0.0:
                continue
            if part[j] == part[i]:
                v = s[j]
            else:
                tr = t - age_ns
                if period_ns > 0:
                    tr = math.floor(tr / period_ns) * period_ns
                v = value_at(j, tr)
            field += J[i][j] * v
        new = 1 if rnd.random() < 0.5 * (1.0 + math.tanh(beta * field)) else -1
        if new != s[i]:
            accumulate(t_last, t, e)
            t_last = t
            s[i] = new
            changes[i].append(t)
            e = energy()
    accumulate(t_last, t_end, e)
    means = [a / width for a in area]
    mean = sum(means) / n_batches
    var = sum((m - mean) ** 2 for m in means) / (n_batches - 1)
    return mean, math.sqrt(var / n_batches)
