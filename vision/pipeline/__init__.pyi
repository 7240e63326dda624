"""The analyze pipeline: tracking, synchronisation, rates, events, failure, results."""
from ._analyze import Analysis, analyze, read_explicit_trace
from ._failure import DEFAULT_THRESHOLDS, FailureThresholds, classify_failure
from ._rates import fit_growth_rate, growth_rates_per_step
from ._sync import estimate_offset_auto, resample_trace

__all__ = [
    "Analysis",
    "DEFAULT_THRESHOLDS",
    "FailureThresholds",
    "analyze",
    "classify_failure",
    "estimate_offset_auto",
    "fit_growth_rate",
    "growth_rates_per_step",
    "read_explicit_trace",
    "resample_trace",
]
