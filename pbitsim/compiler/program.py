"""A :class:`Program`: a model as compiled onto a chip (chains, physical couplings, colours, datapath).

:func:`pbitsim.compile` (:mod:`pbitsim.compiler.pipeline`) is the only way a
model becomes a Program: placement or minor embedding, quantization to the
chip's formats, colouring.  A Program owns its hardware: :meth:`Program.datapath`
builds the chip datapath (formats, tables, RNG configuration, device variation)
once per physical beta and kernel order and caches it on the program, and
:meth:`Program.physical_beta` is the one place the user's ``beta`` becomes the
beta the chip runs.  Engines, exact kernel laws and the FPGA export read both
from here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..chip.spec import ChipSpec
from ..errors import PbitsimError
from ..models import RBM, IsingModel
from .chains import Chains, frozen_int64
from .colouring import Colouring
from .hardware import Datapath, build_datapath
from .program_io import read_program, save_program
from .scale_policy import ScaleSearch

__all__ = ["Program", "as_ising", "UNEMBED_METHODS"]

UNEMBED_METHODS = ("majority", "discard")
#: Datapaths kept per program (one per (physical beta, kernel order)); the oldest is dropped.
DATAPATH_CACHE_SIZE = 4


@dataclass(frozen=True, eq=False)
class Program:
    r"""A model placed (or minor-embedded) on a chip, ready for an engine or an FPGA export.

    Index spaces: *logical* spins ``0..n_logical-1`` are the model's; *physical*
    p-bits ``0..n_physical-1`` are the chip p-bits in use, in increasing order of
    their chip-graph node (``chip_nodes``).  Only physical p-bits are simulated.

    Attributes
    ----------
    logical : IsingModel
        The model the user asked for (an RBM or DBM is converted exactly to spins).
    physical : IsingModel
        Couplings ``J`` and fields ``h`` of the p-bits that run, in chip units:
        ``physical ≈ scale * (logical distributed over chains) + chain couplers``.
        On a fixed-point chip every value is exactly on the chip's weight/bias
        grid and inside its range (the datapath's own quantization is then the
        identity on them).  ``physical.offset`` makes physical and scaled logical
        energies agree when every chain is intact.
    chip : ChipSpec
    placement : int64 ndarray (n_logical,)
        Physical p-bit of each logical spin.  Direct placement: the spin's only
        p-bit.  Minor embedding: the first (lowest-index) p-bit of its chain, a
        representative; :meth:`unembed` reads the whole chain.
    chip_nodes : int64 ndarray (n_physical,)
        Chip-graph node of each physical p-bit (increasing).
    colouring : Colouring
        Proper colouring of the physical p-bits: the chip graph's colouring
        restricted to ``chip_nodes`` (the chip's own clock phases), or for a
        topology-kind ``model`` chip a colouring of the model graph.
    report : dict
        What compilation did (JSON-serialisable): p-bits used, chain lengths,
        chain strength, scale, max |J| / |h| before and after, quantization
        RMS error, fraction clipped, number of colours ... (see
        :func:`pbitsim.compiler.pipeline.compile_model`).
    rbm : RBM or None
        The RBM the program came from, if any (visible spins first).
    beta_factor : float
        Physical inverse temperature per unit of the user's ``beta``:
        ``beta_factor = 1 / scale``, so running the physical couplings at
        ``beta * beta_factor`` (what :func:`pbitsim.simulate` does) samples the
        intended ``exp(-beta E)`` as closely as the bits allow.
    chains : Chains
        Physical p-bits of each logical spin: ``chains[i]`` is a sorted int64
        array (length 1 for direct placement); ``chains.ptr`` / ``chains.members``
        are the same as CSR arrays.  Chains are disjoint and connected in the
        chip graph.  A list of arrays is accepted and converted.
    chain_strength : float
        Ferromagnetic coupling on each chain coupler, in chip units (0 when no
        chain is longer than one p-bit).
    """

    logical: IsingModel
    physical: IsingModel
    chip: ChipSpec
    placement: np.ndarray
    chip_nodes: np.ndarray
    colouring: Colouring
    report: dict = field(default_factory=dict)
    rbm: RBM | None = None
    beta_factor: float = 1.0
    chains: Chains | None = None
    chain_strength: float = 0.0

    def __post_init__(self):
        placement = frozen_int64(self.placement)
        chip_nodes = frozen_int64(self.chip_nodes)
        if placement.shape[0] != self.logical.n:
            raise PbitsimError(f"placement has {placement.shape[0]} entries, the model {self.logical.n} spins")
        if chip_nodes.shape[0] != self.physical.n:
            raise PbitsimError(f"chip_nodes has {chip_nodes.shape[0]} entries, the physical model "
                               f"{self.physical.n} p-bits")
        if self.chains is None:
            chains = Chains.singletons(placement)
        elif isinstance(self.chains, Chains):
            chains = self.chains
        else:
            chains = Chains.from_lists(self.chains)
        if len(chains) != self.logical.n:
            raise PbitsimError(f"{len(chains)} chains for {self.logical.n} logical spins")
        n = self.physical.n
        m = chains.members
        if m.size and (m.min() < 0 or m.max() >= n):
            raise PbitsimError(f"chains hold p-bits outside 0..{n - 1}")
        if m.size and np.bincount(m, minlength=n).max() > 1:  # O(n), no sort
            raise PbitsimError("chains overlap: a p-bit belongs to two chains")
        if not np.isfinite(self.beta_factor) or self.beta_factor <= 0:
            raise PbitsimError(f"beta_factor must be a positive finite number, got {self.beta_factor}")
        object.__setattr__(self, "placement", placement)
        object.__setattr__(self, "chip_nodes", chip_nodes)
        object.__setattr__(self, "chains", chains)
        object.__setattr__(self, "beta_factor", float(self.beta_factor))
        object.__setattr__(self, "chain_strength", float(self.chain_strength))

    def __repr__(self):
        return (f"Program(chip={self.chip.name!r}, n_logical={self.n_logical}, n_physical={self.n_physical}, "
                f"edges={self.physical.n_edges}, colours={self.colouring.n_colours}, "
                f"embedded={self.is_embedded}, beta_factor={self.beta_factor:.6g})")

    # ------------------------------------------------------------------ facts
    @property
    def n_physical(self):
        return self.physical.n

    @property
    def n_logical(self):
        return self.logical.n

    @property
    def scale(self) -> float:
        """Chip units per logical unit: ``physical ≈ scale * logical``; ``1 / beta_factor``."""
        return 1.0 / self.beta_factor

    @property
    def scale_search(self) -> ScaleSearch | None:
        """What the scale policy tried and chose (``report["scale_search"]``); None for a program
        written before scale policies existed."""
        d = self.report.get("scale_search")
        return ScaleSearch.from_dict(d) if d else None

    @property
    def chain_lengths(self) -> np.ndarray:
        """int64 (n_logical,): p-bits per logical spin."""
        return self.chains.lengths

    @property
    def is_embedded(self) -> bool:
        """True when some logical spin occupies more than one p-bit (a minor embedding)."""
        return bool(self.chains.members.size > len(self.chains))

    # ------------------------------------------------------------------ hardware
    def physical_beta(self, beta) -> float:
        """The inverse temperature the chip runs for the user's ``beta``: ``beta * beta_factor``.

        The physical couplings are ``scale`` times the logical ones, so running
        them at ``beta / scale`` samples the intended ``exp(-beta E)``.
        """
        return float(beta) * self.beta_factor

    def datapath(self, beta, order=None) -> Datapath:
        """The chip datapath of this program at *physical* inverse temperature ``beta``, p-bits in ``order``.

        Built once by :func:`pbitsim.compiler.hardware.build_datapath` (formats,
        activation table at ``beta``, RNG configuration, device variation keyed
        on ``chip_nodes``) and cached on the program (at most
        ``DATAPATH_CACHE_SIZE`` entries, keyed by ``beta`` and ``order``).
        ``order`` (int64 (n_physical,)): kernel position ``k`` holds physical
        p-bit ``order[k]``; default the identity.  Callers must not modify the
        arrays it returns.  Use :meth:`physical_beta` to convert the user's beta.
        """
        n = self.n_physical
        order = np.arange(n, dtype=np.int64) if order is None else np.asarray(order, dtype=np.int64)
        if order.shape != (n,):
            raise PbitsimError(f"datapath order must have shape ({n},), got {order.shape}")
        key = (float(beta), order.tobytes())
        cache = self.__dict__.setdefault("_datapaths", {})
        dp = cache.get(key)
        if dp is None:
            dp = build_datapath(self.chip, self.physical, float(beta), order, chip_nodes=self.chip_nodes,
                                colours=self.colouring.colours)
            while len(cache) >= DATAPATH_CACHE_SIZE:
                cache.pop(next(iter(cache)))
            cache[key] = dp
        return dp

    def device_parameters(self) -> dict:
        """Per-p-bit device parameters the chip's datapath runs with (physical order).

        ``gain`` and ``offset`` (float64 (n_physical,)) of the sigmoid, ``stuck``
        (int8: +1/-1 stuck, 0 free), drawn once from ``[pbit] variation_seed``
        (a property of the chip, not of beta) and read from :meth:`datapath`;
        all ones/zeros without device variation.
        """
        kd = self.datapath(1.0).kernel
        return {"gain": np.array(kd.gain, dtype=np.float64), "offset": np.array(kd.offset, dtype=np.float64),
                "stuck": np.array(kd.stuck, dtype=np.int8)}

    # ------------------------------------------------------------------ samples
    def chain_breaks(self, states):
        """bool ``(..., n_logical)``: chain ``i`` is broken (its p-bits disagree) in each state."""
        sums, lengths = self._chain_sums(states)
        return np.abs(sums) != lengths

    def _chain_sums(self, states):
        s = np.asarray(states)
        if s.ndim == 0 or s.shape[-1] != self.n_physical:
            raise PbitsimError(f"states must have shape (..., {self.n_physical}) (physical p-bits), "
                               f"got {s.shape}")
        ptr, members = self.chains.ptr, self.chains.members
        x = s[..., members].astype(np.int64)
        if members.size == 0:
            return np.zeros(s.shape[:-1] + (0,), dtype=np.int64), np.diff(ptr)
        return np.add.reduceat(x, ptr[:-1], axis=-1), np.diff(ptr)

    def unembed(self, states, method="majority", *, seed=0, return_info=False):
        r"""Logical spins from physical states ``(..., n_physical)``.

        Parameters
        ----------
        states : array_like of ±1, shape (..., n_physical)
        method : {"majority", "discard"}
            ``majority``: each logical spin is the sign of the sum of its chain's
            p-bits; a tie (an even chain split half and half) is broken by a fair
            coin from ``seed``.  Shape ``(..., n_logical)``, int8.
            ``discard``: keep only the states in which every chain is intact;
            the leading axes are flattened, shape ``(n_kept, n_logical)``, int8.
        seed : int
            Seed of the tie-breaking coins (majority).
        return_info : bool
            Also return a dict with ``chain_break_fraction`` (mean over states and
            logical spins of "chain broken"), ``broken_state_fraction`` (states
            with at least one broken chain), ``n_states`` and, for discard,
            ``kept`` (bool mask over the leading axes) and ``n_kept``.

        A directly placed program (every chain one p-bit) returns
        ``states[..., placement]`` unchanged in dtype, for either method.
        """
        if method not in UNEMBED_METHODS:
            raise PbitsimError(f"unknown unembedding method {method!r}; allowed: {', '.join(UNEMBED_METHODS)}")
        s = np.asarray(states)
        sums, lengths = self._chain_sums(s)
        broken = np.abs(sums) != lengths
        lead = s.shape[:-1]
        info = {"chain_break_fraction": float(broken.mean()) if broken.size else 0.0,
                "broken_state_fraction": float(broken.any(axis=-1).mean()) if broken.size else 0.0,
                "n_states": int(np.prod(lead, dtype=np.int64))}
        if not self.is_embedded:
            out = s[..., self.placement]
        else:
            out = np.sign(sums).astype(np.int8)
            ties = sums == 0
            if ties.any():
                coins = np.random.default_rng(seed).integers(0, 2, int(ties.sum()))
                out[ties] = (2 * coins - 1).astype(np.int8)
        if method == "discard":
            kept = ~broken.any(axis=-1)
            out = out.reshape(-1, self.n_logical)[kept.reshape(-1)]
            info.update(kept=kept, n_kept=int(kept.sum()))
        return (out, info) if return_info else out

    # ------------------------------------------------------------------ files
    def save(self, path):
        """Write the program to ``.npz`` atomically (see :mod:`pbitsim.compiler.program_io`); returns the path."""
        return save_program(self, path)

    @classmethod
    def load(cls, path) -> "Program":
        """Read a program written by :meth:`save` (the chip is stored inside the file)."""
        return cls(**read_program(path))


def as_ising(model):
    """``(IsingModel, RBM or None)`` from an IsingModel or RBM."""
    if isinstance(model, RBM):
        return model.to_ising(), model
    if isinstance(model, IsingModel):
        return model, None
    raise TypeError(f"expected an IsingModel or RBM, got {type(model).__name__}")
