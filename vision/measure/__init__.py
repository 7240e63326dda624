"""Measuring one frame: electrode, lithium, whiskers, lateral front, cracks."""
import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "_front": [
            "CounterElectrode", "FrontMeasurement", "measure_front", "parse_counter_electrode",
        ],
        "crack": [
            "CrackBackground", "CrackMeasurement", "crack_background", "detect_crack",
            "ridge_response",
        ],
        "_fractal": ["box_counting_dimension", "count_branches"],
        "_electrode": ["Electrode", "find_counter_electrode", "find_electrode"],
        "_segment": ["difference_image", "segment_lithium"],
        "_whiskers": ["WhiskerLinker", "WhiskerObs", "find_whiskers", "refine_tip"],
        "_kymograph": ["KymographBuilder", "sample_line"],
    },
)
