"""The options of a tracking run, defined once (:class:`TrackOptions`).

Before this class the options were written out three times (``track``,
``track_iter`` and the tracker) and their defaults had drifted (issue 10). The
defaults here are the values ``semtrack analyze`` has always used.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from ..measure._whiskers import WHISKER_SEARCH_RANGE_PX
from ..measure.crack._detect import THICK_LI_PX

__all__ = ["MEASUREMENTS", "TrackOptions"]

#: What a tracking run can measure.
MEASUREMENTS = ("whiskers", "front", "crack")


@dataclass(frozen=True)
class TrackOptions:
    """How a video is tracked (not what it shows: pixel size, electrode, crop are inputs).

    Attributes
    ----------
    measure : tuple of str
        Subset of ``('whiskers', 'front', 'crack')``.
    n_background_scans : int
        Number of first scans whose median is the background model of the
        ceramic (lithium that grows during them is partly hidden).
    drift : bool
        Register drift (phase correlation against the first scan).
    drift_downsample : int or None
        Bin images by this factor for the drift estimate (faster); None:
        so that the shorter side is about 384-767 px (1 below 768 px).
    drift_region : (x0, y0, x1, y1) or None
        Full-frame pixel box (end exclusive) the drift is measured on, e.g.
        an area away from the growing lithium; None: the whole analysed image.
    high_sigma, low_sigma : float
        Hysteresis thresholds of the lithium segmentation, in noise units.
    whisker_search_range_px : float
        Largest whisker tip displacement between two measured scans, px.
    whisker_memory : int
        Scans a whisker may be missed and keep its id.
    min_whisker_length_px, min_whisker_width_px : float
        Smaller protrusions are not whiskers (thin ones: cracks), px.
    min_whisker_scans : int
        Whisker ids seen in fewer measured scans are dropped as noise.
    crack_polarity : 'auto', 'dark' or 'bright'
        Appearance of cracks; 'auto': as the electrode's lithium (a Li-filled crack looks
        like lithium, dark or bright).
    crack_threshold_sigma : float
        Detection threshold of the crack ridge filter, in noise units.
    crack_thick_li_px : int
        Lithium at least this thick (px, after segmentation, bright rims
        included) is lateral lithium, not a Li-filled crack; also the size of
        the square that masks a found crack out of the lateral front.
    frame_interval_s : float
        Time between frames given as plain arrays, s.
    """

    measure: tuple = MEASUREMENTS
    n_background_scans: int = 3
    drift: bool = True
    drift_downsample: int | None = None
    drift_region: tuple | None = None
    high_sigma: float = 5.0
    low_sigma: float = 2.5
    whisker_search_range_px: float = WHISKER_SEARCH_RANGE_PX
    whisker_memory: int = 3
    min_whisker_length_px: float = 4.0
    min_whisker_width_px: float = 3.0
    min_whisker_scans: int = 3
    crack_polarity: str = "auto"
    crack_threshold_sigma: float = 5.0
    crack_thick_li_px: int = THICK_LI_PX
    frame_interval_s: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "measure", tuple(self.measure))
        unknown = sorted(set(self.measure) - set(MEASUREMENTS))
        if unknown:
            raise ValueError(f"measure contains {unknown}; allowed: {', '.join(MEASUREMENTS)}")
        if self.n_background_scans < 1:
            raise ValueError(f"n_background_scans must be >= 1, got {self.n_background_scans}")
        for name in ("high_sigma", "low_sigma", "whisker_search_range_px", "crack_threshold_sigma",
                     "frame_interval_s"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        if self.crack_polarity not in ("auto", "dark", "bright"):
            raise ValueError(f"crack_polarity must be 'auto', 'dark' or 'bright', got "
                             f"{self.crack_polarity!r}")

    def replace(self, **changes):
        """A copy with ``changes`` (field names as keywords); unknown names raise ValueError."""
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise ValueError(f"unknown tracking option(s) {', '.join(unknown)}; the options are the "
                             f"fields of TrackOptions")
        return dataclasses.replace(self, **changes)
