"""Units, physical constants, pixel size, tilt and clocks for semtrack.

This package imports nothing else of semtrack's.
"""
from ._constants import (
    C_PER_MAH,
    CM_PER_UM,
    FARADAY_C_MOL,
    GAS_CONSTANT_J_MOL_K,
    MOLAR_DENSITY_LI_MOL_CM3,
    MOLAR_MASS_LI_G_MOL,
    MOLAR_VOLUME_LI_CM3_MOL,
    ROOM_TEMPERATURE_K,
    UM3_PER_CM3,
    UM_PER_CM,
)
from ._errors import InputError

__all__ = [
    "C_PER_MAH",
    "CM_PER_UM",
    "FARADAY_C_MOL",
    "GAS_CONSTANT_J_MOL_K",
    "InputError",
    "MOLAR_DENSITY_LI_MOL_CM3",
    "MOLAR_MASS_LI_G_MOL",
    "MOLAR_VOLUME_LI_CM3_MOL",
    "ROOM_TEMPERATURE_K",
    "UM3_PER_CM3",
    "UM_PER_CM",
]
