"""The analyze pipeline: tracking, synchronisation, rates, events, failure, results."""
import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "_analyze": ["Analysis", "analyze", "read_explicit_trace"],
        "_failure": ["DEFAULT_THRESHOLDS", "FailureThresholds", "classify_failure"],
        "_rates": ["fit_growth_rate", "growth_rates_per_step"],
        "_sync": ["estimate_offset_auto", "resample_trace"],
    },
)
