"""Units, physical constants, pixel size, tilt and clocks for semtrack.

This package imports nothing else of semtrack's. OpenCV is loaded only when
a scale bar is measured (:func:`measure_scale_bar`, :class:`ScaleBar` are
imported on first use).
"""
from ._clock import (
    SYNC_METHODS,
    FrameClock,
    SyncOffset,
    offset_from_spans,
    offset_from_start_times,
    trace_to_video_time,
    video_to_trace_time,
)
from ._constants import (
    AVOGADRO_PER_MOL,
    C_PER_MAH,
    CM_PER_UM,
    ELEMENTARY_CHARGE_C,
    FARADAY_C_MOL,
    GAS_CONSTANT_J_MOL_K,
    LENGTH_UNIT_UM,
    LI_LATTICE_PARAMETER_A,
    LI_MONOLAYER_AREAL_DENSITY_CM2,
    LI_MONOLAYER_CHARGE_C_CM2,
    LI_MONOLAYER_THICKNESS_UM,
    MOLAR_DENSITY_LI_MOL_CM3,
    MOLAR_MASS_LI_G_MOL,
    MOLAR_VOLUME_LI_CM3_MOL,
    ROOM_TEMPERATURE_K,
    UM3_PER_CM3,
    UM_PER_CM,
)
from ._errors import InputError
from ._metadata import (
    pixel_size_from_fei,
    pixel_size_from_imagej,
    pixel_size_from_ome,
    pixel_size_from_tiff_resolution,
    pixel_size_from_zeiss,
    stage_tilt_from_tags,
)
from ._pixel_size import (
    PIXEL_SIZE_SOURCES,
    PixelSize,
    pixel_size_from_tags,
    resolve_pixel_size,
)
from ._sem_info import (
    TIME_RESOLUTION_S,
    SemInfo,
    acquisition_time,
    acquisition_time_from_tags,
    read_sem_info,
    sem_info_from_tags,
)
from ._tilt import TILT_DIRECTIONS, tilt_correct, tilt_correct_vector
from ._units import length_to_um, length_unit_to_um

__all__ = [
    "AVOGADRO_PER_MOL",
    "C_PER_MAH",
    "CM_PER_UM",
    "ELEMENTARY_CHARGE_C",
    "FARADAY_C_MOL",
    "FrameClock",
    "GAS_CONSTANT_J_MOL_K",
    "InputError",
    "LENGTH_UNIT_UM",
    "LI_LATTICE_PARAMETER_A",
    "LI_MONOLAYER_AREAL_DENSITY_CM2",
    "LI_MONOLAYER_CHARGE_C_CM2",
    "LI_MONOLAYER_THICKNESS_UM",
    "MOLAR_DENSITY_LI_MOL_CM3",
    "MOLAR_MASS_LI_G_MOL",
    "MOLAR_VOLUME_LI_CM3_MOL",
    "PIXEL_SIZE_SOURCES",
    "PixelSize",
    "ROOM_TEMPERATURE_K",
    "SYNC_METHODS",
    "ScaleBar",
    "SemInfo",
    "SyncOffset",
    "TILT_DIRECTIONS",
    "TIME_RESOLUTION_S",
    "UM3_PER_CM3",
    "UM_PER_CM",
    "acquisition_time",
    "acquisition_time_from_tags",
    "length_to_um",
    "length_unit_to_um",
    "measure_scale_bar",
    "offset_from_spans",
    "offset_from_start_times",
    "pixel_size_from_fei",
    "pixel_size_from_imagej",
    "pixel_size_from_ome",
    "pixel_size_from_tags",
    "pixel_size_from_tiff_resolution",
    "pixel_size_from_zeiss",
    "read_sem_info",
    "resolve_pixel_size",
    "sem_info_from_tags",
    "stage_tilt_from_tags",
    "tilt_correct",
    "tilt_correct_vector",
    "trace_to_video_time",
    "video_to_trace_time",
]

_LAZY = {"ScaleBar", "measure_scale_bar"}


def __getattr__(name):
    # the scale-bar reader needs OpenCV: load it on first use only
    if name in _LAZY:
        from . import _scale_bar

        value = getattr(_scale_bar, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _LAZY)
