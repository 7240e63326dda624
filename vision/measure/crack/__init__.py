"""Cracks in the electrolyte: ridge filters, crack paths, detection."""
import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "_detect": [
            "CrackBackground", "CrackMeasurement", "crack_background", "detect_crack",
            "ridge_response",
        ],
    },
)
