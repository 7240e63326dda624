"""Frame times of a folder of single SEM TIFFs from each file's own acquisition time.

Zeiss SmartSEM and FEI/Thermo xT save an in-situ run as a folder of single
TIFFs, one per scan, each stamped with its acquisition time (Zeiss ``Date``/
``Time``, FEI ``[User] Date``/``Time``, else the TIFF ``DateTime`` tag) to the
whole second. Faster scans share a second. When the stamps are consistent with
equally spaced frames, the spacing is recovered to well below a second (see
:func:`even_spacing`); otherwise the stamps are used as they are, frames that
share a second spread evenly over it.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from calibration import InputError, acquisition_time, read_sem_info

__all__ = ["SeriesTimes", "even_spacing", "series_times"]

#: Where each vendor's stamp comes from, for the messages.
_SOURCES = {"zeiss": "Zeiss Date/Time", "fei": "FEI [User] Date/Time", None: "TIFF DateTime"}


@dataclasses.dataclass(frozen=True)
class SeriesTimes:
    """Frame times of a TIFF series and how well they are known.

    Attributes
    ----------
    times_s : (N,) ndarray
        Frame times in seconds, first frame at 0 (video clock).
    acquired : list of datetime.datetime
        Each file's stamp (naive local time of the microscope).
    resolution_s : float
        Resolution of the stamps, s (1 for every vendor).
    source : str
        Which metadata field the stamps come from.
    evenly_spaced : bool
        The stamps fit equally spaced frames; `times_s` are then ``i * interval_s``.
    interval_s, interval_uncertainty_s : float or None
        Frame spacing and the half-width of the spacings the stamps allow, s
        (only when `evenly_spaced`).
    uncertainty_s : float
        Largest uncertainty of a frame time relative to the first frame, s.
    """

    times_s: np.ndarray
    acquired: list
    resolution_s: float
    source: str
    evenly_spaced: bool
    interval_s: float | None
    interval_uncertainty_s: float | None
    uncertainty_s: float

    def describe(self):
        """One sentence for warnings and ``semtrack info``."""
        n = len(self.times_s)
        head = (f"frame times from the files' acquisition times ({self.source}, "
                f"{self.resolution_s:g} s resolution)")
        if self.evenly_spaced and n > 1:
            return (f"{head}; the {n} stamps fit equally spaced frames: one every "
                    f"{self.interval_s:.4g} ± {self.interval_uncertainty_s:.2g} s, interpolated "
                    f"within the seconds (times relative to the first frame uncertain by up to "
                    f"± {self.uncertainty_s:.2g} s); pass fps=FPS if the scan rate is known")
        return (f"{head}; the stamps are not equally spaced, so each frame keeps its own "
                f"(frames sharing a second spread evenly over it), uncertain by up to "
                f"± {self.uncertainty_s:.2g} s; pass fps=FPS if the scan rate is known")


def _range_at(seconds, index, dt):
    r = seconds - index * dt
    return float(r.max() - r.min())


def even_spacing(seconds, resolution_s=1.0):
    """Spacing of equally spaced frames whose times were truncated to whole stamps.

    Frame ``i`` was acquired at ``t0 + i * dt`` and stamped
    ``s_i = floor((t0 + i * dt) / resolution) * resolution``. Such ``t0`` exists
    for a given ``dt`` exactly when the values ``s_i - i * dt`` spread over
    less than one resolution step. That spread is convex in ``dt``; the set of
    ``dt`` where it is below one step is an interval, found by bisection.

    Parameters
    ----------
    seconds : (N,) array_like
        The stamps in seconds from the first (non-decreasing), N >= 2.
    resolution_s : float
        Stamp resolution, s.

    Returns
    -------
    (dt, half_width) or None
        Centre and half-width of the interval of spacings (s) consistent with
        every stamp; None if no equal spacing fits (a pause, a changed scan
        speed).
    """
    s = np.asarray(seconds, float) / resolution_s
    n = len(s)
    if n < 2:
        return None
    i = np.arange(n, dtype=float)
    # the first and last stamps alone bound dt to within one step over n - 1 frames
    lo, hi = max(0.0, (s[-1] - s[0] - 1.0) / (n - 1)), (s[-1] - s[0] + 1.0) / (n - 1)
    a, b = lo, hi
    for _ in range(100):  # golden-section search for the least spread (convex)
        m1, m2 = a + 0.382 * (b - a), a + 0.618 * (b - a)
        if _range_at(s, i, m1) <= _range_at(s, i, m2):
            b = m2
        else:
            a = m1
    best = 0.5 * (a + b)
    if _range_at(s, i, best) >= 1.0:
        return None

    def edge(inside, outside):
        for _ in range(60):
            mid = 0.5 * (inside + outside)
            if _range_at(s, i, mid) < 1.0:
                inside = mid
            else:
                outside = mid
        return inside

    left = edge(best, lo) if _range_at(s, i, lo) >= 1.0 else lo
    right = edge(best, hi) if _range_at(s, i, hi) >= 1.0 else hi
    return 0.5 * (left + right) * resolution_s, 0.5 * (right - left) * resolution_s


def series_times(files, *, folder):
    """Frame times of single TIFFs from their own metadata, or None if no file has any.

    Parameters
    ----------
    files : list of pathlib.Path
        The frame files in frame order.
    folder : pathlib.Path
        Named in error messages.

    Returns
    -------
    SeriesTimes or None
        None when not one file carries an acquisition time.

    Raises
    ------
    InputError
        Some files carry a time and others do not, or the times run backwards
        in the files' order.
    """
    stamps = []
    resolution = 0.0
    for f in files:
        when, res = acquisition_time(f)
        stamps.append(when)
        if res:
            resolution = max(resolution, float(res))
    missing = [f.name for f, s in zip(files, stamps) if s is None]
    if len(missing) == len(files):
        return None
    if missing:
        raise InputError(f"{len(missing)} of the {len(files)} TIFFs carry no acquisition time "
                         f"(first: {missing[0]}); pass fps=FPS or put a frame_times.csv into "
                         "the folder", path=folder)
    seconds = np.array([(s - stamps[0]).total_seconds() for s in stamps])
    back = np.flatnonzero(np.diff(seconds) < 0)
    if back.size:
        k = int(back[0])
        raise InputError(f"{files[k + 1].name} was acquired at {stamps[k + 1]} but sorts after "
                         f"{files[k].name}, acquired at {stamps[k]}; name the files in scan "
                         "order, or pass fps=FPS or a frame_times.csv", path=folder)
    vendor = read_sem_info(files[0]).vendor
    source = _SOURCES.get(vendor, _SOURCES[None])
    n = len(files)
    fit = even_spacing(seconds, resolution) if n > 1 else None
    if fit is not None:
        dt, half = fit
        times = np.arange(n) * dt
        return SeriesTimes(times, stamps, resolution, source, True, dt, half,
                           uncertainty_s=float((n - 1) * half))
    times = seconds.astype(float).copy()
    # frames sharing a stamp: spread evenly over that second, in file order
    start = 0
    while start < n:
        stop = start
        while stop < n and seconds[stop] == seconds[start]:
            stop += 1
        times[start:stop] = seconds[start] + resolution * np.arange(stop - start) / (stop - start)
        start = stop
    return SeriesTimes(times - times[0], stamps, resolution, source, False, None, None,
                       uncertainty_s=resolution)
