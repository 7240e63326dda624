"""Preparing frames: data bar, refreshed and torn frames, intensity, drift."""
import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "_databar": ["DataBar", "analysis_region", "analysis_rows", "crop_image", "find_data_bar"],
        "_refresh": ["mark_refreshes"],
        "_info": ["video_info"],
        "_register": ["DriftTracker", "estimate_shift", "register_frames", "shift_image"],
        "_normalize": [
            "denoise", "intensity_reference", "is_blank_or_saturated", "normalize_intensity",
            "suppress_scan_lines",
        ],
    },
)
