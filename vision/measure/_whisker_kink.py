"""Kink or curve: whether a bent rod turns at one corner, and how sharply its legs meet.

Points are (x, y) = (column, row) in pixels, origin at the centre of the
top-left pixel; lengths in pixels.
"""
import math

import numpy as np

from ._whisker_centreline import CURVE_MIN_PIECE_PX, _resample_path

#: Kink or curve: the heading of the medial path (from chords KINK_CHORD_PX either side
#: of each point; the +-0.5 px staircase of a digital path moves each heading by up to
#: atan(0.5 / 3) ~ 10 deg, which the fits below average out) is fitted two ways: as a
#: constant curvature (a line in heading vs arc length: an arc), and as a corner, two
#: constant headings joined by a linear turn over KINK_RAMP_WIDTHS of the rod's width (a
#: smooth bend of a rod is not resolved over less than a width: there the medial path and
#: the mask's blurred sides round any corner). A rod whose corner fit is significantly
#: better than its arc fit (KINK_CONFIDENCE), and turns by at least KINK_MIN_TURN_DEG
#: there, is kinked: measured as two straight legs meeting at the corner, not along the
#: smoothed path (which cuts the corner: a 56 deg kink in a 13 px rod came out 2 px short,
#: tuning seed 7036).
KINK_CHORD_PX = 3
KINK_RAMP_WIDTHS = 1.0
#: The corner's one extra parameter (where it is) must lower the residual by more than
#: the F test at this confidence allows for noise (one parameter; residual degrees of
#: freedom counted per independent heading, one every 2 KINK_CHORD_PX, as chords that far
#: apart share no pixels). On a short arc, a corner near one end fits about as well
#: (tuning seed 5010: a 46 px rod curving 0.9 deg/px, 40 % less residual, F = 2.6 on 5
#: independent headings).
KINK_CONFIDENCE = 0.95
#: Smaller turns are left to the curve tests: the two readings of a corner turning theta
#: over a rounding radius rho differ by rho (2 tan(theta / 2) - theta), at 30 deg 0.012 rho,
#: below 0.15 px for rods up to 24 px wide (rho about half the width).
KINK_MIN_TURN_DEG = 30.0
#: No corner of a whisker turns by a right angle or more: a rod pushed out from its root
#: bends gently or kinks (the generator's kinks turn 15-60 deg, its curves 10-90 deg over
#: the whole rod), and a leg turned by more than a right angle would run back along the
#: one before it, toward the side of the electrode the rod left. An intergranular crack
#: turns along grain boundaries by any angle: a Li-filled one is a thin lithium line from
#: the rim, and read as a rod of two or three pieces it passed as a kinked whisker and was
#: hidden from the crack finder (tuning seed 5024: a 395 px crack, 9 px wide in the mask,
#: turning 96 deg over 18 px; its length in that scan 19.0 -> 1.4 um). The turn is taken
#: between legs of the rod's chain (straight pieces at least CURVE_PIECE_WIDTHS of its
#: width long) at most CORNER_SPAN_WIDTHS widths apart: the medial path rounds a corner
#: over about a width on either side (see KINK_RAMP_WIDTHS), where the simplification may
#: leave a short piece between the legs (5024: 2.1 widths). A curve's chain of 2-px chords
#: has no legs: its turn, spread along the rod, is left to CURVE_MAX_TURN_DEG (the smoothed
#: centreline of a short rod bends most near its tip: tuning seed 5010, a 39 px rod 10 px
#: wide curving 47 deg, read 91 deg over 3 widths, is still measured).
KINK_MAX_TURN_DEG = 90.0
CORNER_SPAN_WIDTHS = 3.0


def _kink_corner(path, width_px):
    """Corner (2,) of a kinked rod's medial ``path`` (K, 2), px, or None for a curve.

    The path's heading (chords of :data:`KINK_CHORD_PX` either side) against arc length
    is fitted by a line (constant curvature) and by a corner: constant headings before
    and after, joined by a linear turn over :data:`KINK_RAMP_WIDTHS` of ``width_px``,
    at each position leaving both legs at least :data:`CURVE_MIN_PIECE_PX` beyond the
    turn. The rod is kinked when the best corner lowers the sum of squared residuals
    significantly (F test at :data:`KINK_CONFIDENCE`) and turns by at least
    :data:`KINK_MIN_TURN_DEG`; the corner is the path point at the middle of its turn.
    """
    from scipy.stats import f as f_dist

    p = _resample_path(np.asarray(path, float))
    h = KINK_CHORD_PX
    if len(p) < 2 * h + 3:
        return None
    d = p[2 * h:] - p[:-2 * h]
    phi = np.degrees(np.unwrap(np.arctan2(d[:, 1], d[:, 0])))
    s = np.arange(len(phi), dtype=float)
    rss_arc = float(((np.polyval(np.polyfit(s, phi, 1), s) - phi) ** 2).sum())
    ramp = max(KINK_RAMP_WIDTHS * float(width_px), 1.0)
    lo = int(math.ceil(0.5 * ramp + CURVE_MIN_PIECE_PX))
    best = (math.inf, 0, 0.0)
    for j in range(lo, len(s) - lo):
        a = np.column_stack([np.ones_like(s), np.clip((s - j) / ramp + 0.5, 0.0, 1.0)])
        coef, *_ = np.linalg.lstsq(a, phi, rcond=None)
        rss = float(((a @ coef - phi) ** 2).sum())
        if rss < best[0]:
            best = (rss, j, float(coef[1]))
    rss, j, turn = best
    if not (rss < rss_arc and abs(turn) >= KINK_MIN_TURN_DEG):
        return None
    dof = (len(s) - 3) / (2.0 * h)                  # independent headings left to the residual
    if dof < 1 or (rss_arc - rss) / (2.0 * h) <= f_dist.ppf(KINK_CONFIDENCE, 1, dof) * rss / (len(s) - 3):
        return None
    return p[j + h]


def _sharpest_corner_deg(heads, span_px, min_piece_px):
    """Largest turn (deg) between two pieces of a chain whose pieces are ``heads`` (K, 2),
    px: pieces each at least ``min_piece_px`` long, with at most ``span_px`` of chain
    between the end of the first and the start of the second (0 when there are none)."""
    seg = np.hypot(heads[:, 0], heads[:, 1])
    ok = seg > 0
    heads, seg = heads[ok], seg[ok]
    if len(heads) < 2:
        return 0.0
    ang = np.degrees(np.unwrap(np.arctan2(heads[:, 1], heads[:, 0])))
    start = np.concatenate([[0.0], np.cumsum(seg)[:-1]])     # arc length where piece k starts
    end = start + seg
    leg = seg >= min_piece_px
    worst = 0.0
    for i in np.nonzero(leg[:-1])[0]:
        j = i + 1 + np.nonzero(leg[i + 1:] & (start[i + 1:] - end[i] <= span_px))[0]
        if j.size:
            worst = max(worst, float(np.abs(ang[j] - ang[i]).max()))
    return worst
