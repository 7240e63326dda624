"""Video reading, segmentation, tracking and the semtrack application layer."""
from . import annotate, batch, cli, io, measure, pipeline, preprocess, synthetic, track
from ._version import __version__
from .io import (
    Frame, KNOWN_FORMATS, TruncatedVideoWarning, VideoReader, open_video,
)
from .preprocess import (
    DataBar, DriftTracker, analysis_region, analysis_rows, crop_image, denoise, estimate_shift, find_data_bar, intensity_reference, is_blank_or_saturated, mark_refreshes, normalize_intensity, register_frames, shift_image, suppress_scan_lines, video_info,
)
from .measure import (
    CounterElectrode, CrackBackground, CrackMeasurement, Electrode, FrontMeasurement, KymographBuilder, WhiskerLinker, WhiskerObs, box_counting_dimension, count_branches, crack_background, detect_crack, difference_image, find_counter_electrode, find_electrode, find_whiskers, measure_front, parse_counter_electrode, refine_tip, ridge_response, sample_line, segment_lithium,
)
from .track import (
    FrameTrack, FrontCrackState, FrontCrackUpdate, TrackIterator, Tracks, track, track_iter,
)
from .pipeline import (
    Analysis, DEFAULT_THRESHOLDS, FailureThresholds, analyze, classify_failure, estimate_offset_auto, fit_growth_rate, growth_rates_per_step, resample_trace,
)
from .batch import (
    BatchItem, BatchResult, collect_batch, discover_videos, pair_videos, process_video, read_manifest, run_batch,
)

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
