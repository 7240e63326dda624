"""Measuring one frame: electrode, lithium, whiskers, lateral front, cracks."""
from ._electrode import Electrode, find_counter_electrode, find_electrode
from ._fractal import box_counting_dimension, count_branches
from ._front import CounterElectrode, FrontMeasurement, measure_front, parse_counter_electrode
from ._kymograph import KymographBuilder, sample_line
from ._segment import difference_image, segment_lithium
from ._whiskers import WhiskerLinker, WhiskerObs, find_whiskers, refine_tip
from .crack import CrackBackground, CrackMeasurement, crack_background, detect_crack, ridge_response

__all__ = [
    "CounterElectrode",
    "CrackBackground",
    "CrackMeasurement",
    "Electrode",
    "FrontMeasurement",
    "KymographBuilder",
    "WhiskerLinker",
    "WhiskerObs",
    "box_counting_dimension",
    "count_branches",
    "crack_background",
    "detect_crack",
    "difference_image",
    "find_counter_electrode",
    "find_electrode",
    "find_whiskers",
    "measure_front",
    "parse_counter_electrode",
    "refine_tip",
    "ridge_response",
    "sample_line",
    "segment_lithium",
]
