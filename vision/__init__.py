"""Video reading, segmentation, tracking and the semtrack application layer."""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("semtrack")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

from ._databar import DataBar, analysis_region, analysis_rows, crop_image, find_data_bar
from ._io import KNOWN_FORMATS, Frame, TruncatedVideoWarning, VideoReader, open_video
from ._io_info import video_info
from ._refresh import mark_refreshes
from ._analyze import Analysis, analyze
from ._failure import DEFAULT_THRESHOLDS, FailureThresholds, classify_failure
from ._rates import fit_growth_rate, growth_rates_per_step
from ._sync import estimate_offset_auto, resample_trace
from ._batch import BatchResult, collect_batch, process_video, run_batch
from ._manifest import BatchItem, read_manifest
from ._pairing import discover_videos, pair_videos
from ._front import CounterElectrode, FrontMeasurement, measure_front, parse_counter_electrode
from ._crack import CrackBackground, CrackMeasurement, crack_background, detect_crack, ridge_response
from ._fractal import box_counting_dimension, count_branches
from ._frontcrack_state import FrontCrackState, FrontCrackUpdate
from ._register import DriftTracker, estimate_shift, register_frames, shift_image
from ._normalize import (denoise, intensity_reference, is_blank_or_saturated,
                         normalize_intensity, suppress_scan_lines)
from ._electrode import Electrode, find_counter_electrode, find_electrode
from ._segment import difference_image, segment_lithium
from ._whiskers import WhiskerLinker, WhiskerObs, find_whiskers, refine_tip
from ._kymograph import KymographBuilder, sample_line
from ._track import FrameTrack, TrackIterator, Tracks, track, track_iter

__all__ = [
    "__version__",
    "Analysis",
    "analyze",
    "classify_failure",
    "DEFAULT_THRESHOLDS",
    "estimate_offset_auto",
    "FailureThresholds",
    "fit_growth_rate",
    "growth_rates_per_step",
    "resample_trace",
    "BatchItem",
    "BatchResult",
    "collect_batch",
    "analysis_region",
    "analysis_rows",
    "crop_image",
    "DataBar",
    "find_data_bar",
    "Frame",
    "KNOWN_FORMATS",
    "mark_refreshes",
    "open_video",
    "TruncatedVideoWarning",
    "video_info",
    "VideoReader",
    "discover_videos",
    "pair_videos",
    "process_video",
    "read_manifest",
    "run_batch",
    "CounterElectrode",
    "FrontMeasurement",
    "measure_front",
    "parse_counter_electrode",
    "CrackBackground",
    "CrackMeasurement",
    "crack_background",
    "detect_crack",
    "ridge_response",
    "box_counting_dimension",
    "count_branches",
    "FrontCrackState",
    "FrontCrackUpdate",
    "DriftTracker",
    "estimate_shift",
    "register_frames",
    "shift_image",
    "denoise",
    "intensity_reference",
    "is_blank_or_saturated",
    "normalize_intensity",
    "suppress_scan_lines",
    "Electrode",
    "find_counter_electrode",
    "find_electrode",
    "difference_image",
    "segment_lithium",
    "WhiskerLinker",
    "WhiskerObs",
    "find_whiskers",
    "refine_tip",
    "KymographBuilder",
    "sample_line",
    "FrameTrack",
    "TrackIterator",
    "Tracks",
    "track",
    "track_iter",
]
