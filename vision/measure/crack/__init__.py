"""Cracks in the electrolyte: ridge filters, crack paths, detection."""
import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "_filters": ["CrackBackground", "crack_background", "ridge_response"],
        "_detect": ["CrackMeasurement", "CrackState", "THICK_LI_PX", "detect_crack"],
    },
)
