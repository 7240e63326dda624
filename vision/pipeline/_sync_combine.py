"""Combining the clock-offset cues into one offset, a confidence and warnings."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ._sync_cues import AGREE_SCANS, AGREE_SIGMAS

__all__ = ["Combined", "combine_cues", "drift_ppm"]

#: Cues whose estimates differ by more than this many scan periods disagree
#: (issue 13: one scan period).
DISAGREE_SCANS = 1.0
#: Confidence given when the cues disagree: below 0.5, the level the validation
#: bank reads as "do not trust".
DISAGREE_CONFIDENCE = 0.3
#: Highest confidence of an offset that rests on one cue: below the "do not trust"
#: level, since no second cue checks it.
SINGLE_CUE_CONFIDENCE = 0.45
#: A combined uncertainty above this many scan periods makes the offset uncertain:
#: the requirement is half a scan.
UNCERTAIN_SCANS = 0.5
#: Below this confidence the offset is not to be trusted (the validation bank's level):
#: a warning says so.
LOW_CONFIDENCE = 0.5
#: Order of trust when equally many cues agree with two different offsets: the short
#: circuit is one sharp event in both records (its uncertainty is the scan period and
#: the trace interval); the charge uses every scan and the whole trace; the step cue
#: sees only the kinks of whisker lengths, and aliases when the step pattern repeats
#: or a whisker appears after its first kink.
RELIABILITY = ("short_circuit", "charge", "steps")
#: An estimate this many of its sigmas outside the bounds of the others is dropped.
BOUND_SIGMAS = 2.0


@dataclass
class Combined:
    """The combined offset.

    Attributes
    ----------
    offset_s, sigma_s : float
    confidence : float
        0-1.
    used : list of str
        Cues that entered the mean.
    warnings : list of str
    """

    offset_s: float
    sigma_s: float
    confidence: float
    used: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


def combine_cues(cues, dt_scan):
    """Inverse-variance mean of the cues' estimates within the cues' bounds.

    Parameters
    ----------
    cues : list of Cue
    dt_scan : float
        Scan period, s.

    Returns
    -------
    Combined or None
        None when no cue gave an estimate.

    Notes
    -----
    The confidence starts from the sharpness of the best-resolved cue and the
    ratio of the combined uncertainty to half a scan period; it drops to
    :data:`DISAGREE_CONFIDENCE` (and a warning is given) when two estimates
    differ by more than :data:`DISAGREE_SCANS` scan periods, when an estimate
    lies outside another cue's bound, or when the combined uncertainty exceeds
    :data:`UNCERTAIN_SCANS` scans.
    """
    lo = max((c.lo_s for c in cues), default=-math.inf)
    hi = min((c.hi_s for c in cues), default=math.inf)
    # a cue whose own test says its model does not hold here (Cue.informative False:
    # the contact-area cue when the current does not follow the footprint) is reported
    # but neither combined nor compared
    est = [c for c in cues if c.offset_s is not None and c.sigma_s is not None
           and c.informative is not False]
    if not est:
        return None
    warnings = []
    inside = [c for c in est if lo - BOUND_SIGMAS * c.sigma_s <= c.offset_s
              <= hi + BOUND_SIGMAS * c.sigma_s]
    for c in est:
        if c not in inside:
            warnings.append(f"sync cue {c.name!r} ({c.offset_s:+.2f} s) lies outside the "
                            f"bounds of the other cues ({lo:+.2f} to {hi:+.2f} s); not used")
    if len(inside) < len(est):
        # a cue against a bound is a disagreement between cues
        conflict = True
    else:
        conflict = False
    if not inside:
        inside = est
    # the largest group of cues that agree (each within half a scan period, or within
    # two combined standard uncertainties, of every other); a tie goes to the
    # group of the most reliable cue (RELIABILITY). A mean over cues that disagree would
    # be an offset none of them supports.
    group = _agreeing_group(inside, dt_scan)
    w = np.array([1.0 / c.sigma_s ** 2 for c in group])
    x = np.array([c.offset_s for c in group])
    offset = float(np.sum(w * x) / np.sum(w))
    sigma = float(1.0 / math.sqrt(np.sum(w)))
    offset = float(np.clip(offset, lo, hi)) if lo <= hi else offset
    sharp = max((c.sharpness for c in group if c.sharpness is not None), default=None)
    conf = 1.0 if sharp is None else float(sharp)
    conf *= float(np.clip(1.0 - sigma / (2 * UNCERTAIN_SCANS * dt_scan), 0.0, 1.0)) ** 0.5
    x = np.array([c.offset_s for c in inside])
    spread = float(np.ptp(x)) if len(x) > 1 else 0.0
    if spread > DISAGREE_SCANS * dt_scan:
        names = ", ".join(f"{c.name} {c.offset_s:+.2f} s" for c in inside)
        used = ", ".join(c.name for c in group)
        warnings.append(f"sync cues disagree by {spread:.2f} s (more than one scan period, "
                        f"{dt_scan:.2f} s): {names}; used {used}; the clock offset is "
                        f"uncertain, check it or give sync_offset_s / --sync-window")
        conf = min(conf, DISAGREE_CONFIDENCE)
    elif sigma > UNCERTAIN_SCANS * dt_scan:
        warnings.append(f"sync offset uncertain: +-{sigma:.2f} s, more than half a scan period "
                        f"({dt_scan:.2f} s); check it or give sync_offset_s / --sync-window")
        conf = min(conf, DISAGREE_CONFIDENCE)
    if conflict:
        conf = min(conf, DISAGREE_CONFIDENCE)
    if len(group) < 2 and not group[0].adequate and not warnings:
        # nothing checks a lone cue but its own residuals: when they run in stretches
        # of one sign its model misses part of the data (a bad track fits some offset
        # too), and its curvature-based uncertainty does not cover that
        warnings.append(f"sync offset {offset:+.2f} s rests on one cue ({group[0].name}) that "
                        "no other cue confirms and whose model leaves structured residuals; "
                        "check it or give sync_offset_s / --sync-window")
        conf = min(conf, SINGLE_CUE_CONFIDENCE)
    conf = float(np.clip(conf, 0.0, 1.0))
    if conf < LOW_CONFIDENCE and not warnings:
        warnings.append(f"sync confidence low ({conf:.2f}): the clock offset "
                        f"{offset:+.2f} s may be wrong; check it or give sync_offset_s / "
                        "--sync-window")
    return Combined(offset_s=offset, sigma_s=sigma, confidence=conf,
                    used=[c.name for c in group], warnings=warnings)


def _agreeing_group(cues, dt_scan):
    """The largest group of cues that agree pairwise (ties: the most reliable cue's)."""
    def rank(c):
        return RELIABILITY.index(c.name) if c.name in RELIABILITY else len(RELIABILITY)

    def agree(a, b):
        return abs(a.offset_s - b.offset_s) <= max(AGREE_SCANS * dt_scan,
                                                    AGREE_SIGMAS * math.hypot(a.sigma_s, b.sigma_s))
    order = sorted(cues, key=lambda c: (rank(c), c.sigma_s))
    best = None
    for c in order:
        group = [c]
        for d in order:  # every member agrees with every other
            if d is not c and all(agree(d, g) for g in group):
                group.append(d)
        if best is None or len(group) > len(best):
            best = group
    return best


def drift_ppm(t_early, off_early, t_late, off_late):
    """Clock drift from the offsets at two video times: ``d offset / d t_video`` in ppm."""
    if t_late <= t_early:
        return None
    return float((off_late - off_early) / (t_late - t_early) * 1e6)
