"""Cracks in the electrolyte: ridge filters, crack paths, detection."""
from ._detect import (
    CrackBackground,
    CrackMeasurement,
    crack_background,
    detect_crack,
    ridge_response,
)

__all__ = [
    "CrackBackground",
    "CrackMeasurement",
    "crack_background",
    "detect_crack",
    "ridge_response",
]
