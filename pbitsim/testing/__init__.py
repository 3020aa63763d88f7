"""Engine conformance: statistical checks of samples against exact laws (importable by users' own engines)."""
from .conformance import (BlockStatistics, HistogramCheck, assert_engine_conforms, assert_matches_law,
                          assert_rejects_law, assert_samples_consistent, assert_seed_reproducible,
                          block_statistics, histogram_check, z_scores)

__all__ = ["BlockStatistics", "HistogramCheck", "assert_engine_conforms", "assert_matches_law",
           "assert_rejects_law", "assert_samples_consistent", "assert_seed_reproducible", "block_statistics",
           "histogram_check", "z_scores"]
