r"""What programming a rung's beta costs a fixed-point datapath: the activation table against ``tanh``.

On a LUT chip, :func:`pbitsim.compiler.hardware.build_datapath` reaches beta by *reloading the table*:
entry ``k`` holds ``round(2^L (1 + tanh(beta v_k)) / 2)`` with ``v_k = k lsb 2^shift`` (``lsb`` the
accumulator's, ``shift`` the chip's fixed ``[accumulator] beta_shift``); weight and bias codes do not
change with beta.  The error of a rung is then the table's: output rounding (``2^-(L+1)``), an input
step of ``lsb 2^shift`` (the dropped low bits of the accumulator, at large beta the coarser the steeper
``tanh`` is), and the clipping of ``|I|`` at the last entry (at small beta ``tanh(beta v_max)`` may be far
from 1).  :func:`table_error` measures it over every accumulator value.
"""
from __future__ import annotations

import numpy as np

from ..errors import ChipSpecError


def table_error(program, betas_user) -> np.ndarray:
    """Largest ``|p_table(A) - (1 + tanh(beta A lsb)) / 2|`` over accumulator codes ``A``, per rung (K,).

    ``betas_user`` in the user's units (the table is built at ``program.physical_beta``).  Zero for a chip
    without a LUT (``tanh`` evaluated in floating point).
    """
    chip = program.chip
    if chip.pbit.activation != "lut":
        return np.zeros(len(betas_user))
    if not chip.is_fixed_point:
        raise ChipSpecError(f"chip {chip.name!r}: table_error needs a fixed-point accumulator")
    out = []
    for b in betas_user:
        dp = program.datapath(program.physical_beta(b))
        af, lut = dp.acc_format, dp.lut_thresholds.astype(np.float64)
        L = chip.pbit.lut_output_bits
        shift = chip.accumulator.beta_shift
        a = np.arange(af.int_min, af.int_max + 1, dtype=np.int64)
        idx = a >> shift if shift >= 0 else a << -shift
        if chip.pbit.lut_symmetric:
            p = lut[np.minimum(np.abs(idx), lut.size - 1)] / 2.0 ** L
            p = np.where(idx < 0, 1.0 - p, p)
        else:
            p = lut[np.clip(idx + lut.size // 2, 0, lut.size - 1)] / 2.0 ** L
        exact = 0.5 * (1.0 + np.tanh(program.physical_beta(b) * a * af.lsb))
        out.append(float(np.abs(p - exact).max()))
    return np.array(out)
