"""Engine conformance: statistical checks of samples against exact laws, and the suite every registered
engine runs (importable by users' own engines, like ``dimod.testing``)."""
from .conformance import (BlockStatistics, HistogramCheck, assert_engine_conforms, assert_matches_law,
                          assert_rejects_law, assert_samples_consistent, assert_seed_reproducible,
                          block_statistics, histogram_check, law_test, tv_test, z_scores)
from .engine_suite import (SuiteCase, check_case, fixed_format, ideal_chip_with, random_ising, reference_law,
                           run_case, suite_cases)

__all__ = ["BlockStatistics", "HistogramCheck", "SuiteCase", "assert_engine_conforms", "assert_matches_law",
           "assert_rejects_law", "assert_samples_consistent", "assert_seed_reproducible", "block_statistics",
           "check_case", "fixed_format", "histogram_check", "ideal_chip_with", "law_test", "random_ising",
           "reference_law", "run_case", "suite_cases", "tv_test", "z_scores"]
