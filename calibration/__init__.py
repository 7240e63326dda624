"""Units, physical constants, pixel size, tilt and clocks for semtrack.

This package imports nothing else of semtrack's.
"""
from ._errors import InputError

__all__ = ["InputError"]
