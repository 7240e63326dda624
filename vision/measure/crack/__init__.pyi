"""Cracks in the electrolyte: ridge filters, crack paths, detection."""
from ._detect import THICK_LI_PX, CrackMeasurement, detect_crack
from ._filters import CrackBackground, crack_background, ridge_response

__all__ = [
    "CrackBackground",
    "CrackMeasurement",
    "THICK_LI_PX",
    "crack_background",
    "detect_crack",
    "ridge_response",
]
