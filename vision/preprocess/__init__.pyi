"""Preparing frames: data bar, refreshed and torn frames, intensity, drift."""
from ._databar import DataBar, analysis_region, analysis_rows, crop_image, find_data_bar
from ._info import video_info
from ._normalize import (
    denoise,
    intensity_reference,
    is_blank_or_saturated,
    normalize_intensity,
    suppress_scan_lines,
)
from ._refresh import mark_refreshes
from ._register import DriftTracker, estimate_shift, register_frames, shift_image

__all__ = [
    "DataBar",
    "DriftTracker",
    "analysis_region",
    "analysis_rows",
    "crop_image",
    "denoise",
    "estimate_shift",
    "find_data_bar",
    "intensity_reference",
    "is_blank_or_saturated",
    "mark_refreshes",
    "normalize_intensity",
    "register_frames",
    "shift_image",
    "suppress_scan_lines",
    "video_info",
]
