"""Parallel tempering (replica exchange) on the emulated chip: :func:`temper`, ladders, diagnostics.

``temper`` (:mod:`.temper`) runs it on every engine path; :mod:`.ladder` builds and checks ladders
(geometric, feedback-optimised, constant acceptance, constant entropy); :mod:`.diagnostics` measures
acceptances, ``C(beta)``, replica flow, round trips and ``tau_int``; :mod:`.exact` gives the exact
law of a small tempering chain; :mod:`.plots` draws the diagnostics.  See ``docs/tempering.md``.
"""
from .ladder import Ladder, geometric
from .result import TemperResult
from .temper import temper

__all__ = ["Ladder", "TemperResult", "geometric", "temper"]
