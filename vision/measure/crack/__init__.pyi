"""Cracks in the electrolyte: ridge filters, crack paths, detection."""
from ._detect import THICK_LI_PX, CrackMeasurement, CrackState, detect_crack
from ._filters import CrackBackground, crack_background, ridge_response

__all__ = [
    "CrackBackground",
    "CrackMeasurement",
    "CrackState",
    "THICK_LI_PX",
    "crack_background",
    "detect_crack",
    "ridge_response",
]
