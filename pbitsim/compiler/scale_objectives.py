r"""What a scale search minimises: the distance of a candidate program's sampled law from the target.

A *candidate* is the model compiled at one scale ``s`` (chip units per logical
unit, ``beta_factor = 1/s``).  :func:`make_objective` picks, for a policy and a
model, the best reference that can be computed, and returns an
:class:`Objective` whose ``evaluate(program)`` gives one number (lower is
better) plus side facts (zero fraction, saturation rate, Q).

``law`` (distance of the sampled law from the target ``p ∝ exp(-beta E)``):

1. *exact kernel law* -- at most :data:`MAX_KERNEL_SPINS` p-bits, one p-bit per
   spin, a datapath that is Markov in the state (no LFSR, no input noise) and a
   chromatic / systematic-sequential / naive-parallel schedule:
   ``KL(pi_kernel || p)`` in nats, no sampling at all
   (:func:`pbitsim.analysis.kernel_law.kernel_stationary_law`);
2. *sampled layer law* -- an RBM whose smaller layer has at most
   :data:`MAX_LAYER_UNITS` units: ``KL(q || p)`` of the histogram ``q`` of that
   layer in a seeded run against its exact marginal ``p(h) ∝ exp(beta c'h)
   prod_i (1 + exp(beta (b_i + W_i h)))`` (the demo's "hidden-layer KL");
   an Ising model of at most :data:`MAX_LAYER_UNITS` spins: the same over all spins;
3. *moment matching* -- otherwise: ``mean_i (m_i - m_i^ref)^2 + mean_(ij) (C_ij -
   C_ij^ref)^2`` over the spins and the coupled pairs (spin parameterisation),
   the reference from enumeration (``n <= 20``) or from a seeded run of the
   model on the ``ideal`` chip.

``gradient`` (the learning signal): the squared bias ``|E ghat - g|^2 =
|<phi>_run - <phi>_ref|^2 - T/R (- T_ref/R_ref)`` of the gradient observables
``phi`` (:mod:`pbitsim.analysis.gradients`; the data term cancels), ``T`` the
trace of the replica-to-replica covariance of one replica's average and ``R``
the replicas; the reference model term is exact (RBM layer <= 20 units or
``n <= 20`` spins) or from an ideal-chip run.  With ``data`` the operational
``Q = |g|^2 / mean_r |ghat_r - g|^2`` of one replica's estimate is reported
too, and ``objective="q"`` minimises that mean squared error (maximises Q).

Every sampled objective runs each candidate with the *same* seed (common random
numbers), so differences between candidates are not seed noise.
"""
from __future__ import annotations

import numpy as np

from ..errors import ChipSpecError
from ..models import RBM
from .quantize import saturation_rate, saturation_rate_under_law

__all__ = ["Objective", "make_objective", "MAX_KERNEL_SPINS", "MAX_LAYER_UNITS", "layer_log_marginal"]

#: exact kernel law up to this many p-bits (a dense 2^n x 2^n sweep matrix)
MAX_KERNEL_SPINS = 10
#: sampled layer / spin histograms against the exact law up to this many units
MAX_LAYER_UNITS = 16


def layer_log_marginal(rbm, beta=1.0):
    """``(layer, log p)``: the smaller layer (``"hidden"``/``"visible"``) and its exact log-marginal over codes.

    Code bit ``j`` set = unit ``j`` of the layer is on (1).  ``log p(h) = beta c'h + sum_i
    softplus(beta (b_i + W_i h)) - log Z`` (and symmetrically for the visible layer).
    """
    W, b, c = beta * rbm.W, beta * rbm.b, beta * rbm.c
    hidden = W.shape[1] <= W.shape[0]
    We, be, bo = (W, c, b) if hidden else (W.T, b, c)
    n_e = We.shape[1]
    codes = np.arange(1 << n_e, dtype=np.int64)
    e = ((codes[:, None] >> np.arange(n_e)) & 1).astype(np.float64)
    lw = e @ be + np.logaddexp(0.0, e @ We.T + bo).sum(axis=1)
    return ("hidden" if hidden else "visible"), lw - np.logaddexp.reduce(lw)


def _kl(q, logp):
    m = q > 0
    return float(np.sum(q[m] * (np.log(q[m]) - logp[m])))


class Objective:
    """``evaluate(program) -> dict`` with ``objective`` (lower is better), ``stderr``, ``q``,
    ``saturation_rate``; ``name`` and ``reference`` say what it measures."""

    def __init__(self, policy, target, seed):
        self.policy, self.target, self.seed = policy, target, int(seed)
        self.name = self.reference = ""
        self._kind = None
        self._ref = None

    # ---------------------------------------------------------------- set-up
    def prepare(self, program):
        """Choose the reference from the first candidate (the layout and chip do not depend on the scale)."""
        p, t = self.policy, self.target
        if p.name == "law":
            if _kernel_ok(program):
                self._kind, self.name = "kernel", "KL(kernel law || target) [nats]"
                self.reference = "exact stationary law of the chip's Markov kernel vs exact enumeration"
                from ..analysis.exact import exact_law

                self._ref = np.log(np.maximum(exact_law(program.logical, p.beta).probs, 1e-300))
                return
            if isinstance(t, RBM) and min(t.W.shape) <= MAX_LAYER_UNITS:
                layer, logp = layer_log_marginal(t, p.beta)
                self._kind, self._ref = "layer", (layer, logp)
                self.name = f"KL(sampled {layer} layer || exact marginal) [nats]"
                self.reference = f"exact {layer}-layer marginal of the RBM (analytic sum)"
                return
            if not isinstance(t, RBM) and t.n <= MAX_LAYER_UNITS:
                from ..analysis.exact import exact_law

                self._kind, self._ref = "spins", np.log(np.maximum(exact_law(t, p.beta).probs, 1e-300))
                self.name, self.reference = "KL(sampled law || target) [nats]", "exact enumeration"
                return
            self._kind, self.name = "moments", "moment distance (mean sq. error of <m_i>, <m_i m_j>)"
            self._ref, self.reference = self._spin_moment_reference()
            return
        self._kind = "gradient"
        self.name = ("gradient MSE of one replica's estimate (|g|^2 / Q)" if p.objective == "q"
                     else "gradient bias^2 |E ghat - g|^2")
        self._ref, self.reference = self._gradient_reference()

    def _ideal_states(self):
        from ..simulate import simulate

        p = self.policy
        run = simulate(self.target, "ideal", sweeps=p.sweeps, burn_in=p.burn_in, replicas=p.replicas, beta=p.beta,
                       seed=self.seed + 1)
        return run.states

    def _spin_moment_reference(self):
        ising = self.target.to_ising() if isinstance(self.target, RBM) else self.target
        r, c, _ = ising.edges()
        if ising.n <= 20:
            from ..analysis.exact import exact_law

            law = exact_law(ising, self.policy.beta)
            return (law.means, law.correlations[r, c]), "exact enumeration"
        s = self._ideal_states().reshape(-1, ising.n).astype(np.float64)
        return (s.mean(axis=0), (s[:, r] * s[:, c]).mean(axis=0)), "seeded run on the ideal chip"

    def _gradient_reference(self):
        from ..analysis.gradients import exact_model_term, model_terms

        p, t = self.policy, self.target
        mt = exact_model_term(t, p.beta)
        if mt is not None:
            return (mt, 0.0), "exact model term"
        M = model_terms(t, self._ideal_states(), beta=p.beta)
        return (M.mean(axis=0), _trace_cov(M) / M.shape[0]), "seeded run on the ideal chip (its noise subtracted)"

    # ---------------------------------------------------------------- evaluation
    def evaluate(self, program) -> dict:
        if self._kind is None:
            self.prepare(program)
        if self._kind == "kernel":
            return self._kernel(program)
        from ..simulate import simulate

        p = self.policy
        run = simulate(program, sweeps=p.sweeps, burn_in=p.burn_in, replicas=p.replicas, beta=p.beta,
                       seed=self.seed)
        out = {"saturation_rate": saturation_rate(program.physical, program.chip, run.states), "q": None,
               "stderr": None}
        states = program.unembed(run.states)
        if self._kind == "layer":
            layer, logp = self._ref
            nv = self.target.n_visible
            units = states[..., nv:] if layer == "hidden" else states[..., :nv]
            codes = (units.reshape(-1, units.shape[-1]) > 0).astype(np.int64) @ (1 << np.arange(units.shape[-1]))
            out["objective"] = _kl(np.bincount(codes, minlength=logp.size) / codes.size, logp)
        elif self._kind == "spins":
            from ..analysis.exact import empirical_distribution

            out["objective"] = _kl(empirical_distribution(states, states.shape[-1]), self._ref)
        elif self._kind == "moments":
            ising = self.target.to_ising() if isinstance(self.target, RBM) else self.target
            r, c, _ = ising.edges()
            s = states.reshape(-1, ising.n).astype(np.float64)
            m_ref, c_ref = self._ref
            dm = np.mean((s.mean(axis=0) - m_ref) ** 2) if ising.n else 0.0
            dc = np.mean(((s[:, r] * s[:, c]).mean(axis=0) - c_ref) ** 2) if r.size else 0.0
            out["objective"] = float(dm + dc)
        else:
            out.update(self._gradient(states))
        return out

    def _gradient(self, states):
        from ..analysis.gradients import data_term, model_terms

        p = self.policy
        (ref, ref_noise) = self._ref
        M = model_terms(self.target, states, beta=p.beta)
        R = M.shape[0]
        T = _trace_cov(M)
        d = M.mean(axis=0) - ref
        bias = float(d @ d - T / R - ref_noise)
        per_replica = np.sum((M - ref) ** 2, axis=1)        # |ghat_r - g|^2 (the data term cancels)
        mse = float(per_replica.mean() - ref_noise)
        out = {"bias_sq": bias, "stderr": float(per_replica.std(ddof=1) / np.sqrt(R)) if R > 1 else None,
               "q": None}
        x = self._data()
        if x is not None:
            g = data_term(self.target, x, p.beta) - ref
            out["q"] = float(g @ g / mse) if mse > 0 else float("inf")
        out["objective"] = mse if p.objective == "q" else bias
        return out

    def _data(self):
        """The policy's data rows for Q, or None without data (or when the shipped digits do not fit the model)."""
        from ..errors import PbitsimError
        from ..training.digits import load_data

        t, data = self.target, self.policy.data
        if data is None:
            return None
        try:
            return load_data(data, t.n_visible if isinstance(t, RBM) else t.n)
        except PbitsimError:
            if isinstance(data, str) and data == "digits" and self.policy.objective != "q":
                return None       # a sweep's default data on a model the digits do not fit: no Q
            raise

    def _kernel(self, program):
        from ..analysis.exact import codes_to_states, states_to_codes
        from ..analysis.kernel_law import kernel_stationary_law

        n = program.n_physical
        pi_phys = kernel_stationary_law(program, self.policy.beta, _mode(program))
        codes = states_to_codes(codes_to_states(np.arange(1 << n), n)[:, program.placement])
        pi = np.bincount(codes, weights=pi_phys, minlength=1 << n)
        kl = float(np.sum(np.where(pi > 0, pi * (np.log(np.maximum(pi, 1e-300)) - self._ref), 0.0)))
        return {"objective": max(kl, 0.0), "stderr": 0.0, "q": None,
                "saturation_rate": saturation_rate_under_law(program.physical, program.chip, pi_phys)}


def _trace_cov(M):
    return float(np.sum(M.var(axis=0, ddof=1))) if M.shape[0] > 1 else 0.0


def _mode(program):
    return program.chip.clock.mode


def _kernel_ok(program) -> bool:
    """The candidate's exact kernel law can be computed (small, unembedded, Markov, supported schedule)."""
    n = program.n_physical
    chip = program.chip
    if n > MAX_KERNEL_SPINS or program.is_embedded or program.n_logical != n:
        return False
    mode = _mode(program)
    if mode not in ("chromatic", "sequential", "naive_parallel") or (mode == "sequential"
                                                                     and chip.clock.scan == "random"):
        return False
    if chip.rng.kind == "lfsr" or chip.pbit.input_noise_sigma > 0:
        return False
    try:
        program.datapath(program.physical_beta(1.0))
    except (ChipSpecError, ValueError):
        return False
    return True


def make_objective(policy, target, seed) -> Objective:
    """The :class:`Objective` of a search policy (``law`` or ``gradient``) for ``target`` (RBM or IsingModel)."""
    return Objective(policy, target, seed)
