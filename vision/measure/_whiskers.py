"""Whiskers: straight lithium rods growing out of the electrode.

Detection works on the lithium mask of one registered frame (new lithium
outside the electrode disc, connected to it). Each rod-shaped region gives
one :class:`WhiskerObs`: its base (where its axis leaves the electrode
circle), its tip (sub-pixel, from the change profile along the axis) and its
length along the axis. :class:`WhiskerLinker` links tips over frames with
trackpy so that ids stay stable.

Points are (x, y) = (column, row) in pixels, origin at the centre of the
top-left pixel; lengths in pixels.
"""
import dataclasses
import logging
import math

import cv2
import numpy as np

from calibration import InputError

from ._kymograph import sample_line

logger = logging.getLogger(__name__)


#: Default shape tests of a whisker candidate (the tracker passes its own length and
#: width from TrackOptions): lithium within RIM_MARGIN_PX of the rim is the electrode's
#: edge; a rod is at least MIN_LENGTH_PX long (shorter is edge noise), at most
#: MAX_WIDTH_PX wide (wider is lateral lithium), fills MIN_FILL of its oriented box and
#: has MIN_STRAIGHTNESS of its pixels within half its width of its axis (branched or
#: wandering shapes do not); regions under MIN_AREA_PX are noise.
RIM_MARGIN_PX = 1.5
MIN_LENGTH_PX = 4.0
MAX_WIDTH_PX = 60.0
MIN_FILL = 0.7
MIN_STRAIGHTNESS = 0.9
MIN_AREA_PX = 8
#: Rods sharing a root (:func:`_rods_sharing_a_root`): the disc cut out around the root grows
#: in steps of ROOT_CUT_STEP_PX (px) up to ROOT_CUT_MAX_PX (px; two rods parting at 20 deg are
#: a 15 px wide rod apart 40 px from the root, about the widest rod the detector meets).
ROOT_CUT_STEP_PX = 2.0
ROOT_CUT_MAX_PX = 40.0
#: cv2.circle draws with this many fractional bits (sub-pixel centre and radius).
CIRCLE_SHIFT_BITS = 4
#: A region is attached to the electrode if it comes within this (px) of the masked rim:
#: the 8-connected mask edge and the rasterised circle leave up to ~2.5 px between them.
ATTACH_SLACK_PX = 2.5
#: A uniform rod of length L has variance L^2 / 12 along its axis: sqrt(12 * eigenvalue)
#: gives its length and width.
UNIFORM_VAR_FACTOR = 12
#: A region with major/minor axis below this ratio is a stub: its axis is taken radial.
STUB_ASPECT = 2.5
#: A pixel's extent is half a pixel beyond its centre (length from base to the far edge).
HALF_PX = 0.5
#: Percentiles of the across-axis positions taken as the rod's sides (robust to a few
#: pixels of a touching neighbour).
SIDE_PERCENTILES = (1, 99)
#: Pixels within half the width plus this (px) of the axis count as on a straight rod.
STRAIGHT_SLACK_PX = 1.5
#: Edge model: fine grid (px), and the step blurs and rim-peak widths (px) tried (the
#: edge blurs the fit can represent; the best pair is chosen per profile).
EDGE_GRID_PX = 0.05
EDGE_SIGMAS_PX = (0.3, 0.6, 0.85, 1.2, 1.6)
EDGE_PEAK_SIGMAS_PX = (0.8, 1.0, 1.25, 1.6)
#: Coarse grid (px) of the edge position; the fine EDGE_GRID_PX search then covers
#: EDGE_COARSE_REACH_PX (px) either side of the coarse best (two coarse steps).
EDGE_COARSE_PX = 0.25
EDGE_COARSE_REACH_PX = 0.5
#: Blur pairs whose coarse chi-square exceeds the best pair's by more than this are left out
#: of the tip's model average (their weight, exp(-chi2 / 2), is below 1e-4: a speed-up).
EDGE_AVERAGE_MAX_CHI2 = 18.0
#: Parameters of the edge model (step, peak and offset amplitudes, and the edge position)
#: taken from the residual's degrees of freedom.
EDGE_MODEL_PARAMS = 4
#: Tip profile: half length (px) around the pixel-level tip, sampling step (px), largest
#: inward correction (px; outward only half of it: the segmented bright rim puts the
#: pixel-level tip beyond the edge, never inside) and the band across the axis (px, half
#: the width, at most MAX_TIP_BAND_PX: the rod's central part).
TIP_HALF_WINDOW_PX = 10.0
TIP_STEP_PX = 0.25
TIP_MAX_SHIFT_PX = 6.0
TIP_OUTWARD_FRAC = 0.5
#: Second pass of the tip fit: the window is centred on the first pass's edge and the edge
#: is searched this far (px) either side of it.
TIP_RECENTRE_REACH_PX = 2.0
MAX_TIP_BAND_PX = 9
#: Width profiles: sampling step (px), cross-sections averaged between WIDTH_SPAN of the
#: length (away from the base's rim and the tip's rounding), shortest rod measured (px),
#: fewest usable sections, margin beyond the rough half width (px) sampled, and the search
#: of each edge: from WIDTH_INWARD_PX inside the rough edge (not below half a px) to
#: WIDTH_OUTWARD_PX outside it (the rough width includes the bright rims).
WIDTH_STEP_PX = 0.25
WIDTH_POSITIONS = 9
WIDTH_SPAN = (0.3, 0.8)
MIN_WIDTH_ROD_PX = 8
MIN_WIDTH_SECTIONS = 3
WIDTH_MARGIN_PX = 6.0
WIDTH_MIN_EDGE_PX = 0.5
WIDTH_INWARD_PX = 5
WIDTH_OUTWARD_PX = 1.5
#: Scans a whisker may be missed and keep its id (a scan or two can lose a faint tip).
LINK_MEMORY = 3
#: Curved and kinked rods: the centreline is the medial path from the rim to the far end,
#: smoothed (CENTRE_SIGMA_WIDTHS) and simplified (Douglas-Peucker) to within
#: CURVE_SIMPLIFY_PX (just above the +-0.5 px staircase of a digital line, so a straight
#: rod stays one piece), each piece then refitted to its stretch of the path (total least
#: squares). A run of pieces shorter than CURVE_PIECE_WIDTHS of the region's width (at
#: least CURVE_MIN_PIECE_PX) becomes one vertex at its corner (there the medial path rounds a
#: kink's corner, and two touching whiskers make short pieces: at half a width, tuning
#: seed 5010 lost a whisker's id and its rate). A whisker bends gently or
#: kinks once or twice: a total turn beyond CURVE_MAX_TURN_DEG, or more than
#: CURVE_MAX_PIECES pieces, is a wandering branch of a lateral front; pieces turning by
#: less than CURVE_MERGE_DEG are one straight piece.
CURVE_SIMPLIFY_PX = 0.75
#: ... but first: a medial path whose CURVE_DEV_PERCENTILE-th percentile distance from one
#: straight line is within CURVE_STRAIGHT_DEV_PX, or CURVE_STRAIGHT_DEV_WIDTHS of the width
#: (the ragged sides of a noisy mask move the medial path by a fraction of the width), is a
#: straight rod: the digital staircase stays within it, and a bend that small changes the
#: length by less than 0.3 px (chord vs polyline of a 15 deg kink: ~ a b / (a + b) theta^2 / 2).
CURVE_STRAIGHT_DEV_PX = 1.25
#: ... and whose smooth bend (a parabola fitted across its line, which the ragged sides
#: hardly move) lengthens it by at most CURVE_STRAIGHT_EXCESS_PX (px) over its chord: the
#: deviation alone passed a 30 deg arc 80 px long and 11 px wide (its sag, 5 px, is half
#: the width), measured 1.4 px long as its chord, with the tip 3 px off the rod.
CURVE_STRAIGHT_EXCESS_PX = 0.3
#: ... a bend that is judged only on rods at least CURVE_MIN_WIDTHS of their width long:
#: half a width is cut from either end of the medial path, and on what is left of a shorter
#: rod the ragged sides of a noisy mask bend the path as much as a curve does (a straight
#: 30 px rod, 10.6 px wide with its rims, under heavy noise: 2.1 px of 'bend').
CURVE_MIN_WIDTHS = 4.0
#: The pieces of a kinked rod are straight: a rod whose pieces' own bends lengthen it by more
#: than CURVE_PIECES_EXCESS_PX (px) over the polygon's chords is a curve, measured along its
#: smoothed centreline. A third of CURVE_STRAIGHT_EXCESS_PX: lines through the pieces of an
#: arc, meeting where they cross, overshoot it by about twice what its chords fall short.
CURVE_PIECES_EXCESS_PX = CURVE_STRAIGHT_EXCESS_PX / 3
CURVE_STRAIGHT_DEV_WIDTHS = 0.2
CURVE_DEV_PERCENTILE = 90
CURVE_PIECE_WIDTHS = 1.0
CURVE_MAX_TURN_DEG = 120.0
CURVE_MAX_PIECES = 16
CURVE_MERGE_DEG = 3.0
CURVE_MIN_PIECE_PX = 3.0
#: Ridge-following cost of the medial path: 1 / (distance to the region edge)^POWER.
MEDIAL_COST_POWER = 2
#: A curved rod is measured along its medial path smoothed with a Gaussian of
#: CENTRE_SIGMA_WIDTHS of its width (the ragged sides of the mask move the medial path at
#: the scale of the width; the +-0.5 px staircase of a digital path has a period of a few
#: px), at least CENTRE_MIN_SIGMA_PX (px). The smoothing is applied twice (twicing,
#: 2 G - G G): a Gaussian alone shrinks an arc of radius R by sigma^2 / (2 R^2) of its
#: length (1.1 px on a 90 deg, 40 px arc 12 px wide), twicing leaves (sigma / R)^4 / 4.
CENTRE_SIGMA_WIDTHS = 0.5
CENTRE_MIN_SIGMA_PX = 2.0
#: The smoothed centreline is kept as a polyline with a vertex every CENTRE_VERTEX_STEP_PX
#: (px): its chords are shorter than the arc by c^2 / (24 R^2) of its length, 1e-3 at
#: R = 25 px.
CENTRE_VERTEX_STEP_PX = 2.0
#: The start of a curved centreline is continued back to the electrode circle along an arc
#: at most CURVE_BACK_REACH times its gap to the circle long: an arc of the rod reaching the
#: circle at 45 deg or steeper is at most sqrt(2) times the gap long (at most 90 deg of
#: turn per gap, more than any whisker turns within half a width).
CURVE_BACK_REACH = 1.5
#: A curved rod whose end's curvature is within this factor of its mean curvature curves
#: evenly there, and its end is continued with that curvature (a kink seen at the end shows
#: a curvature of its turn over a width, far above the mean; a straight leg shows none).
CURVE_EVEN_FACTOR = 2.0

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

__all__ = ["WhiskerObs", "find_whiskers", "follow_rod", "refine_tip", "refine_width", "WhiskerLinker"]


@dataclasses.dataclass(frozen=True, slots=True)
class WhiskerObs:
    """One whisker seen in one frame (first-frame pixel coordinates).

    Attributes
    ----------
    whisker_id : int
        Id stable across frames (-1 before linking).
    base_xy_px : (float, float)
        Where the whisker axis leaves the electrode circle (x, y).
    tip_xy_px : (float, float)
        Sub-pixel tip (x, y).
    length_px : float
        Base-to-tip distance along the axis, pixels (image plane, not
        tilt-corrected).
    width_px : float
        Width across the axis, pixels (sub-pixel after :func:`refine_width`;
        from the mask, bright rims included, before).
    direction_xy : (float, float)
        Unit vector of the axis, from base to tip.
    tip_sigma_px : float
        Standard uncertainty of the tip position along the axis, px (from the
        edge-model fit of :func:`refine_tip`; NaN before it).
    path_xy_px : tuple of (float, float)
        Centreline of a curved or kinked rod: the base and the vertices after it,
        in order; the tip lies on the ray from the last vertex along
        ``direction_xy``. Empty for a straight rod (the axis is the ray from the
        base). ``length_px`` is the length along this centreline.
    """

    whisker_id: int
    base_xy_px: tuple
    tip_xy_px: tuple
    length_px: float
    width_px: float
    direction_xy: tuple = (float("nan"), float("nan"))
    tip_sigma_px: float = float("nan")
    path_xy_px: tuple = ()

    def anchor(self):
        """(point, arc length) of the start of the last straight piece (the base if straight)."""
        if len(self.path_xy_px) < 2:
            return self.base_xy_px, 0.0
        p = np.asarray(self.path_xy_px, float)
        return tuple(p[-1]), float(np.hypot(*np.diff(p, axis=0).T).sum())

    def _polyline(self):
        """Vertices from the base to the tip (K, 2), piece lengths and cumulative arc length, px."""
        pts = np.asarray(list(self.path_xy_px) or [self.base_xy_px], float)
        pts = np.vstack([pts, np.asarray(self.tip_xy_px, float)[None]])
        seg = np.hypot(*np.diff(pts, axis=0).T)
        return pts, seg, np.concatenate([[0.0], np.cumsum(seg)])

    def centreline(self, step_px=1.0):
        """(K, 2) points along the centreline from the base to the tip, ``step_px`` apart."""
        pts, _, cum = self._polyline()
        if cum[-1] <= 0:
            return pts[:1]
        s = np.append(np.arange(0.0, cum[-1], step_px), cum[-1])
        return np.column_stack([np.interp(s, cum, pts[:, 0]), np.interp(s, cum, pts[:, 1])])

    def point_at(self, s_px):
        """(point, unit direction) on the centreline at arc length ``s_px`` from the base."""
        pts, seg, cum = self._polyline()
        k = int(np.clip(np.searchsorted(cum, s_px, side="right") - 1, 0, len(seg) - 1))
        if len(self.path_xy_px) < 2:
            u = np.asarray(self.direction_xy, float)
        else:
            u = (pts[k + 1] - pts[k]) / max(seg[k], 1e-9)
        p = pts[k] + (s_px - cum[k]) * u
        return (float(p[0]), float(p[1])), (float(u[0]), float(u[1]))


def _axis_circle_exit(cx, cy, ux, uy, ex, ey, r):
    """Parameter t >= ... where the line c + t u crosses the circle (the outer crossing)."""
    fx, fy = cx - ex, cy - ey
    b = fx * ux + fy * uy
    c = fx * fx + fy * fy - r * r
    disc = b * b - c
    if disc < 0:
        return None
    return -b + np.sqrt(disc)  # larger root: exit point going along +u


def find_whiskers(li_mask, *, electrode_xy_px, electrode_radius_px, rim_margin_px=RIM_MARGIN_PX,
                  min_length_px=MIN_LENGTH_PX, max_width_px=MAX_WIDTH_PX, min_fill=MIN_FILL,
                  min_straightness=MIN_STRAIGHTNESS, min_area_px=MIN_AREA_PX):
    """Rod-shaped lithium regions growing out of the electrode.

    Parameters
    ----------
    li_mask : (M, N) bool ndarray
        Lithium (electrode disc plus new lithium) in first-frame coordinates.
    electrode_xy_px : (float, float)
        Electrode centre (x, y), pixels.
    electrode_radius_px : float
        Electrode radius, pixels.
    rim_margin_px : float
        Lithium within ``radius + rim_margin_px`` belongs to the electrode.
    min_length_px : float
        Shorter protrusions are not reported.
    max_width_px : float
        Wider regions are lateral lithium, not whiskers.
    min_fill : float
        Minimum fraction of its oriented bounding box a region fills (a rod
        fills it; branched or bent lateral lithium does not).
    min_straightness : float
        Fraction of the region's pixels that must lie within half its width
        (+1.5 px) of its axis: wandering branches of a lateral front fail.
    min_area_px : int
        Smaller regions are noise.

    Returns
    -------
    list of WhiskerObs
        With ``whisker_id=-1`` and the pixel-level tip (refine with
        :func:`refine_tip`).
    whisker_mask : (M, N) bool ndarray
        Pixels of the accepted whiskers.
    """
    li = np.asarray(li_mask)
    if li.ndim != 2:
        raise InputError(f"li_mask must be 2-D (rows, cols), got shape {li.shape}")
    ex, ey = (float(v) for v in electrode_xy_px)
    r = float(electrode_radius_px)
    h, w = li.shape
    new = li.astype(np.uint8)
    f = 1 << CIRCLE_SHIFT_BITS
    cv2.circle(new, (int(round(ex * f)), int(round(ey * f))),
               int(round((r + rim_margin_px) * f)), 0, -1, cv2.LINE_8, CIRCLE_SHIFT_BITS)
    whisker_mask = np.zeros((h, w), bool)
    found = []
    # label only the bounding box of the lithium outside the disc (the rest is empty)
    bx0, by0, bbw, bbh = cv2.boundingRect(new)
    if bbw == 0 or bbh == 0:
        return found, whisker_mask
    crop = new[by0:by0 + bbh, bx0:bx0 + bbw]
    n, labels, stats, _ = cv2.connectedComponentsWithStats(crop, connectivity=8)
    todo = []
    for lab in range(1, n):
        x0, y0, bw, bh, area = (int(v) for v in stats[lab])
        if area >= min_area_px:
            todo.append((labels[y0:y0 + bh, x0:x0 + bw] == lab, x0 + bx0, y0 + by0, area, False))
    tests = dict(ex=ex, ey=ey, r=r, attach_px=r + rim_margin_px + ATTACH_SLACK_PX,
                 min_length_px=min_length_px, max_width_px=max_width_px, min_fill=min_fill,
                 min_straightness=min_straightness)
    while todo:
        sub, x0, y0, area, split = todo.pop(0)
        rod = _region_rod(sub, x0, y0, area, **tests)
        if isinstance(rod, WhiskerObs):
            found.append(rod)
            whisker_mask[y0:y0 + sub.shape[0], x0:x0 + sub.shape[1]] |= sub
        elif rod == "rejected" and not split:
            # attached but not a rod: rods sharing a root
            tries = [(arm, x0 + ax0, y0 + ay0, int(arm.sum()), True)
                     for arm, ax0, ay0 in _rods_sharing_a_root(sub, x0, y0, ex, ey, min_area_px)]
            todo.extend(tries)
    return found, whisker_mask


def _pieces(mask, min_area_px):
    """The 8-connected pieces of ``mask`` of at least ``min_area_px``: (piece, x0, y0)."""
    m, lab, st, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    out = []
    for j in range(1, m):
        x0, y0, w, h, area = (int(v) for v in st[j])
        if area >= min_area_px:
            out.append((lab[y0:y0 + h, x0:x0 + w] == j, x0, y0))
    return out


def _rods_sharing_a_root(sub, x0, y0, ex, ey, min_area_px):
    """Rods that grow from one root, each with the root: pieces of a region, or [].

    Two or more whiskers may start at one spot of the rim and part at an angle
    (check seed 7080: 4 and 3 px wide rods 31 deg apart from one root, a "V" that
    fails every rod test). Cut out a disc around the root (the region's pixel
    nearest the electrode centre), growing in :data:`ROOT_CUT_STEP_PX` steps up to
    :data:`ROOT_CUT_MAX_PX`: at the first radius where what is left falls into two or
    more pieces each at least twice as long as the radius, each piece with the
    root's pixels is tested as a rod.
    """
    ys, xs = np.nonzero(sub)
    k = int(np.argmin(np.hypot(xs + x0 - ex, ys + y0 - ey)))
    yy, xx = np.mgrid[0:sub.shape[0], 0:sub.shape[1]]
    rho = np.hypot(xx - xs[k], yy - ys[k])
    for radius in np.arange(ROOT_CUT_STEP_PX, ROOT_CUT_MAX_PX + 1e-9, ROOT_CUT_STEP_PX):
        arms = []
        for piece, px0, py0 in _pieces(sub & (rho > radius), min_area_px):
            r_piece = rho[py0:py0 + piece.shape[0], px0:px0 + piece.shape[1]][piece]
            if r_piece.max() >= 2.0 * radius + ROOT_CUT_STEP_PX:
                arms.append((piece, px0, py0))
        if len(arms) >= 2:
            root = sub & (rho <= radius)
            out = []
            for piece, px0, py0 in arms:
                full = root.copy()
                full[py0:py0 + piece.shape[0], px0:px0 + piece.shape[1]] |= piece
                out.extend(_pieces(full, min_area_px))
            return out
    return []


def _region_rod(sub, x0, y0, area, *, ex, ey, r, attach_px, min_length_px, max_width_px,
                min_fill, min_straightness):
    """One lithium region (``sub``, its box at ``x0, y0``) as a rod, or why not.

    Returns the :class:`WhiskerObs`, None for a region not attached to the
    electrode, or ``"rejected"`` for an attached region that fails the rod tests
    (see :func:`find_whiskers`).
    """
    ys, xs = np.nonzero(sub)
    xs = xs.astype(np.float64) + x0
    ys = ys.astype(np.float64) + y0
    d = np.hypot(xs - ex, ys - ey)
    if d.min() > attach_px:
        return None  # not attached to the electrode
    # axis: from the attachment point on the rim to the far end (robust for short stubs),
    # refined by PCA when the region is elongated
    cx, cy = xs.mean(), ys.mean()
    cov = np.cov(np.vstack([xs - cx, ys - cy]))
    evals, evecs = np.linalg.eigh(cov)
    ux, uy = evecs[:, 1]
    radial = np.array([cx - ex, cy - ey])
    radial /= max(np.hypot(*radial), 1e-9)
    if ux * radial[0] + uy * radial[1] < 0:
        ux, uy = -ux, -uy
    major = np.sqrt(max(evals[1], 0)) * np.sqrt(UNIFORM_VAR_FACTOR)
    minor = np.sqrt(max(evals[0], 0)) * np.sqrt(UNIFORM_VAR_FACTOR)
    bent = None
    if major >= STUB_ASPECT * minor:
        # an elongated region: the centreline decides between a straight rod and a
        # curved or kinked one (a bent rod's principal axis may miss the electrode, and
        # a slightly kinked rod passes the straight tests but its chord is too short)
        bent = _bent_rod(sub, x0, y0, xs, ys, d, ex, ey, r,
                         attach_px=attach_px,
                         min_length_px=min_length_px, max_width_px=max_width_px,
                         min_straightness=min_straightness)
        if bent is not None and bent.path_xy_px:
            return bent
    else:
        # a stub: its long axis is along the rim; growth is radial
        ux, uy = radial
    t_exit = _axis_circle_exit(cx, cy, ux, uy, ex, ey, r)
    if t_exit is None:
        return "rejected"  # axis misses the electrode: not growing out of it
    bx, by = cx + t_exit * ux, cy + t_exit * uy
    s = (xs - bx) * ux + (ys - by) * uy
    perp = -(xs - bx) * uy + (ys - by) * ux
    length = float(s.max()) + HALF_PX
    if length < min_length_px:
        return "rejected"
    width = float(area / max(s.max() - max(s.min(), 0.0) + 1.0, 1.0))
    if width > max_width_px:
        return "rejected"
    # a rod fills its oriented bounding box; branched or wandering shapes do not
    lo_p, hi_p = np.percentile(perp, SIDE_PERCENTILES)
    extent = s.max() - max(s.min(), 0.0) + 1.0
    fill = area / max(extent * (hi_p - lo_p + 1.0), 1.0)
    straight = float(np.mean(np.abs(perp - np.median(perp)) <= width / 2 + STRAIGHT_SLACK_PX))
    if fill < min_fill or straight < min_straightness:
        # one straight piece by its centreline, though not by its box
        return bent if bent is not None else "rejected"
    k = int(np.argmax(s))
    tip = (bx + s[k] * ux, by + s[k] * uy)
    return WhiskerObs(-1, (float(bx), float(by)), (float(tip[0]), float(tip[1])),
                      length, width, (float(ux), float(uy)))


def _bent_rod(sub, x0, y0, xs, ys, d, ex, ey, r, *, attach_px, min_length_px, max_width_px,
              min_straightness):
    """A region as a rod of constant width along a curved or kinked centreline, or None.

    The centreline is the medial path (cheapest path along the ridge of the
    distance to the region's edge) from the pixels at the rim to the region's
    geodesically farthest pixel; it is simplified to a polyline and each piece
    is refitted to its own pixels, consecutive pieces meeting where their lines
    cross (a kink's vertex). The base is where the first piece's line leaves the
    electrode circle; the pixel-level tip is the far end of the last piece.
    """
    from skimage.graph import MCP_Geometric

    m = np.pad(sub, 1)
    seeds_sel = d <= attach_px
    if not seeds_sel.any():
        return None
    seeds = np.column_stack([ys[seeds_sel] - y0 + 1, xs[seeds_sel] - x0 + 1]).astype(int)
    walk = MCP_Geometric(np.where(m, 1.0, np.inf))
    geo, _ = walk.find_costs([tuple(p) for p in seeds])
    geo = np.where(m & np.isfinite(geo), geo, -1.0)
    far = np.unravel_index(int(np.argmax(geo)), geo.shape)
    if geo[far] <= 0:
        return None
    dt = cv2.distanceTransform(m.astype(np.uint8), cv2.DIST_L2, 5)
    ridge = MCP_Geometric(np.where(m, 1.0 / np.maximum(dt, 0.5) ** MEDIAL_COST_POWER, np.inf))
    ridge.find_costs([tuple(p) for p in seeds], ends=[far])
    path = np.asarray(ridge.traceback(far), float)[:, ::-1] + (x0 - 1, y0 - 1)   # (x, y)
    if len(path) < 2:
        return None
    area = float(len(xs))
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(path, axis=0).T))])
    geo_len = float(cum[-1])
    width0 = area / max(geo_len, 1.0)
    if width0 > max_width_px:
        return None
    # the medial path turns off the axis within half a width of either end (to a corner
    # of the flat tip, from a rim pixel at the side of the base): those ends are cut
    inner = (cum >= 0.5 * width0) & (cum <= geo_len - 0.5 * width0)
    if inner.sum() >= 2:
        path = path[inner]
    # a rod whose medial path stays within CURVE_STRAIGHT_DEV_PX of one line is straight (a
    # bend that small changes the length by far less than a pixel)
    pc = path.mean(axis=0)
    _, evec = np.linalg.eigh(np.cov((path - pc).T)) if len(path) > 2 else (None, np.eye(2))
    dev = np.percentile(np.abs((path - pc) @ evec[:, 0]), CURVE_DEV_PERCENTILE) \
        if len(path) > 2 else 0.0
    straight = dev <= max(CURVE_STRAIGHT_DEV_PX, CURVE_STRAIGHT_DEV_WIDTHS * width0) \
        and (geo_len < CURVE_MIN_WIDTHS * width0
             or _bend_excess_px(path, geo_len) <= CURVE_STRAIGHT_EXCESS_PX)
    pts = np.column_stack([xs, ys])
    kw = dict(min_length_px=min_length_px, max_width_px=max_width_px,
              min_straightness=min_straightness)
    corner = None if straight else _kink_corner(path, width0)
    if corner is not None:
        # a kink: two straight legs meeting at the corner (see KINK_CHORD_PX)
        got = _polygon_chain(path, np.vstack([path[0], corner, path[-1]]), pts, width0, ex, ey, r)
        if got is not None:
            chain, ul, own = got
            rod = _rod_from_chain(chain, ul, pts[own], pts, area, turn_step=1, **kw)
            if rod is not None:
                return rod
        # legs that fail the rod tests: the region goes through the curve tests below
    centre = None if straight else _smoothed_centreline(path, width0)
    poly = path[[0, -1]] if straight else _simplified_centreline(centre, width0)
    n_pieces = len(poly) - 1
    if n_pieces > CURVE_MAX_PIECES:
        return None
    if centre is not None and _pieces_bend_px(path, poly, width0) > CURVE_PIECES_EXCESS_PX:
        # a curve: measured along its smoothed medial path, not as a polygon of pieces
        chain = _curved_chain(centre, width0, ex, ey, r)
        if chain is not None:
            d2 = (pts[:, None, 0] - centre[None, :, 0]) ** 2 \
                + (pts[:, None, 1] - centre[None, :, 1]) ** 2
            own = np.argmin(d2, axis=1) == len(centre) - 1
            ul = _curve_end_direction(centre, width0, pts[own])
            turn_step = max(int(round(width0 / CENTRE_VERTEX_STEP_PX)), 1)
            rod = _rod_from_chain(chain, ul, pts[own], pts, area, turn_step=turn_step, **kw)
            if rod is not None:
                return rod
        # the smoothed path fails the rod tests (its continuation back to the rim misses
        # the circle, or the shape tests along it fail): the region is measured as the
        # polygon of its pieces, as before the curved path existed, rather than lost
        # (tuning seed 7033: a 31 px rod 5 px wide lost in one scan, its step's rate with it)
    got = _polygon_chain(path, poly, pts, width0, ex, ey, r)
    if got is None:
        return None
    chain, ul, own = got
    return _rod_from_chain(chain, ul, pts[own], pts, area, turn_step=1, **kw)


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


def _simplified_centreline(centre, width_px):
    """Vertices (K, 2) of the straight pieces of the smoothed centreline ``centre``, px.

    Douglas-Peucker to within :data:`CURVE_SIMPLIFY_PX`; a run of pieces shorter than
    :data:`CURVE_PIECE_WIDTHS` of the width (where the medial path rounds a kink's corner
    over about a width) becomes one vertex, the run's vertex farthest from the line
    joining its neighbours (the corner); then pieces that turn by less than
    :data:`CURVE_MERGE_DEG`, or are still shorter than the width, are merged.
    """
    poly = cv2.approxPolyDP(np.asarray(centre, np.float32)[:, None, :], CURVE_SIMPLIFY_PX,
                            False)[:, 0, :].astype(float)
    min_piece = max(CURVE_PIECE_WIDTHS * float(width_px), CURVE_MIN_PIECE_PX)
    seg = np.hypot(*np.diff(poly, axis=0).T)
    runs = [poly[0]]
    k, n = 1, len(poly)
    while k < n - 1:
        j = k
        while j < n - 2 and seg[j] < min_piece:
            j += 1
        cand, a, b = poly[k:j + 1], runs[-1], poly[j + 1]
        ab = (b - a) / max(float(np.hypot(*(b - a))), 1e-9)
        off = np.abs((cand[:, 0] - a[0]) * ab[1] - (cand[:, 1] - a[1]) * ab[0])
        runs.append(cand[int(np.argmax(off))])
        k = j + 1
    runs.append(poly[-1])
    keep = [runs[0]]
    for k in range(1, len(runs) - 1):
        a, b = runs[k] - keep[-1], runs[k + 1] - runs[k]
        turn = abs(math.degrees(math.atan2(a[0] * b[1] - a[1] * b[0], a @ b)))
        if turn >= CURVE_MERGE_DEG and np.hypot(*a) >= min_piece and np.hypot(*b) >= min_piece:
            keep.append(runs[k])
    keep.append(runs[-1])
    return np.asarray(keep)


def _piece_stretches(path, poly, width_px):
    """The medial-path points (list of (K, 2)) of each piece of the polyline ``poly``, half a
    width away from its joints (where the medial path rounds a kink's corner)."""
    n_pieces = len(poly) - 1
    seglen = np.hypot(*np.diff(poly, axis=0).T)
    idx = [int(np.argmin(np.hypot(*(path - v).T))) for v in poly]
    out = []
    for k in range(n_pieces):
        u = (poly[k + 1] - poly[k]) / max(seglen[k], 1e-9)
        q = path[min(idx[k], idx[k + 1]):max(idx[k], idx[k + 1]) + 1]
        t = (q - poly[k]) @ u
        lo = 0.5 * width_px if k > 0 else 0.0
        hi = seglen[k] - (0.5 * width_px if k < n_pieces - 1 else 0.0)
        out.append(q[(t >= lo) & (t <= hi)])
    return out


def _pieces_bend_px(path, poly, width_px):
    """How much longer (px) the rod is than the polyline ``poly`` on account of its pieces'
    own bends: the sum of :func:`_bend_excess_px` over the pieces' stretches of the medial
    ``path``; inf when a stretch is shorter than the width (a piece that short cannot be
    told from a stretch of a curve: both turn within a width).
    """
    seglen = np.hypot(*np.diff(poly, axis=0).T)
    shortest = max(CURVE_PIECE_WIDTHS * float(width_px), 2 * CURVE_MIN_PIECE_PX)
    total = 0.0
    for k, q in enumerate(_piece_stretches(path, poly, width_px)):
        if len(q) < 4 or float(np.hypot(*(q[-1] - q[0]))) < shortest:
            return math.inf
        total += _bend_excess_px(q, seglen[k])
    return total


def _polygon_chain(path, poly, pts, width0, ex, ey, r):
    """(chain, last direction, pixels of the last piece) of a straight or kinked rod, or None.

    Each piece of ``poly`` is refitted to its stretch of the medial ``path``; consecutive
    lines meet where they cross (a kink's vertex); the base is where the first line leaves
    the electrode circle.
    """
    eps = CURVE_SIMPLIFY_PX
    n_pieces = len(poly) - 1
    seglen = np.hypot(*np.diff(poly, axis=0).T)
    # each piece is refitted (total least squares) to its stretch of the medial path
    lines = []
    for k, q in enumerate(_piece_stretches(path, poly, width0)):
        u = (poly[k + 1] - poly[k]) / max(seglen[k], 1e-9)
        c = 0.5 * (poly[k] + poly[k + 1])
        if seglen[k] >= CURVE_MIN_PIECE_PX and len(q) >= 3:
            c = q.mean(axis=0)
            _, evec = np.linalg.eigh(np.cov((q - c).T))
            v = evec[:, 1]
            u = v if v @ u >= 0 else -v
        lines.append((c, u))
    # each pixel belongs to its nearest piece (the last piece's pixels give the tip)
    dists = np.empty((len(pts), n_pieces))
    for k in range(n_pieces):
        u = (poly[k + 1] - poly[k]) / max(seglen[k], 1e-9)
        rel = pts - poly[k]
        tc = np.clip(rel @ u, 0.0, seglen[k])
        dists[:, k] = np.hypot(rel[:, 0] - tc * u[0], rel[:, 1] - tc * u[1])
    owner = np.argmin(dists, axis=1)
    # vertices: where consecutive lines cross (or the simplified vertex, if they hardly turn)
    verts = []
    for k in range(1, n_pieces):
        (c1, u1), (c2, u2) = lines[k - 1], lines[k]
        cross = u1[0] * u2[1] - u1[1] * u2[0]
        v = poly[k]
        if abs(cross) > math.sin(math.radians(CURVE_MERGE_DEG)):
            t1 = ((c2 - c1)[0] * u2[1] - (c2 - c1)[1] * u2[0]) / cross
            cand = c1 + t1 * u1
            if np.hypot(*(cand - poly[k])) <= max(width0, 2.0 * eps):
                v = cand
        verts.append(v)
    c1, u1 = lines[0]
    t_exit = _axis_circle_exit(c1[0], c1[1], u1[0], u1[1], ex, ey, r)
    if t_exit is None:
        return None
    base = c1 + t_exit * u1
    chain = np.vstack([base[None], np.asarray(verts).reshape(-1, 2)])
    return chain, lines[-1][1], owner == n_pieces - 1


def _rod_from_chain(chain, ul, tip_pts, pts, area, *, min_length_px, max_width_px, min_straightness,
                    turn_step=1):
    """The rod along ``chain`` (base and vertices) whose last piece runs along ``ul`` to the
    farthest of ``tip_pts``, or None when it fails the shape tests of :func:`find_whiskers`.

    The total turn is summed over every ``turn_step``-th vertex (a dense centreline's
    small wiggles are no turn).
    """
    last = chain[-1]
    s_tip = float(((tip_pts - last) @ ul).max()) + HALF_PX if len(tip_pts) else 0.0
    if s_tip <= 0:
        return None
    tip = last + s_tip * ul
    full = np.vstack([chain, tip[None]])
    heads = np.diff(full, axis=0)
    coarse = full[np.unique(np.append(np.arange(0, len(full), max(int(turn_step), 1)), len(full) - 1))]
    turns = np.diff(coarse, axis=0)
    ang = np.unwrap(np.arctan2(turns[:, 1], turns[:, 0]))
    if len(ang) > 1 and abs(math.degrees(np.abs(np.diff(ang)).sum())) > CURVE_MAX_TURN_DEG:
        return None
    length = float(np.hypot(*heads.T).sum())
    if length < min_length_px:
        return None
    width = area / max(length, 1.0)
    if width > max_width_px:
        return None
    if _sharpest_corner_deg(heads, CORNER_SPAN_WIDTHS * width, CURVE_PIECE_WIDTHS * width) \
            >= KINK_MAX_TURN_DEG:
        return None  # a crack's corner, not a whisker's (see KINK_MAX_TURN_DEG)
    # a rod: (nearly) all its pixels within half its width of the centreline
    dcl = np.full(len(pts), np.inf)
    for a, b in zip(full[:-1], full[1:]):
        ab = b - a
        lab = max(float(np.hypot(*ab)), 1e-9)
        u = ab / lab
        t = np.clip((pts - a) @ u, 0.0, lab)
        dcl = np.minimum(dcl, np.hypot(pts[:, 0] - a[0] - t * u[0], pts[:, 1] - a[1] - t * u[1]))
    if float(np.mean(dcl <= width / 2 + STRAIGHT_SLACK_PX)) < min_straightness:
        return None
    path_xy = tuple((float(x), float(y)) for x, y in chain) if len(chain) > 1 else ()
    base = chain[0]
    return WhiskerObs(-1, (float(base[0]), float(base[1])), (float(tip[0]), float(tip[1])),
                      length, width, (float(ul[0]), float(ul[1])), path_xy_px=path_xy)


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


def _bend_excess_px(path, full_length_px):
    """Length (px) by which a rod ``full_length_px`` long, bent as the parabola fitted across
    the principal line of ``path`` (K, 2), exceeds its chord.

    The parabola's excess over its chord is measured on the stretch ``path`` covers and
    scaled by the cube of the length ratio (a bend of constant curvature kappa lengthens a
    rod of length c by c^3 kappa^2 / 24 over its chord): ``path`` lacks the ends the
    medial path leaves the axis at.
    """
    if len(path) < 4:
        return 0.0
    pc = path.mean(axis=0)
    _, evec = np.linalg.eigh(np.cov((path - pc).T))
    t, v = (path - pc) @ evec[:, 1], (path - pc) @ evec[:, 0]
    coef = np.polyfit(t, v, 2)
    tt = np.linspace(t.min(), t.max(), 64)
    vv = np.polyval(coef, tt)
    chord = float(np.hypot(tt[-1] - tt[0], vv[-1] - vv[0]))
    excess = float(np.hypot(np.diff(tt), np.diff(vv)).sum()) - chord
    return excess * max(float(full_length_px) / max(chord, 1.0), 1.0) ** 3


def _resample_path(path, step_px=1.0):
    """(K, 2) points every ``step_px`` (px) along the polyline ``path`` (its ends kept)."""
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(path, axis=0).T))])
    if cum[-1] <= 0:
        return np.asarray(path[:1], float)
    s = np.linspace(0.0, cum[-1], max(int(round(cum[-1] / step_px)), 1) + 1)
    return np.column_stack([np.interp(s, cum, path[:, 0]), np.interp(s, cum, path[:, 1])])


def _gaussian_along(pts, sigma):
    """Points (K, 2) smoothed along the path by a Gaussian of ``sigma`` samples.

    The path is continued beyond each end by its point reflection through the end (a
    straight end stays straight, the end point stays put), then by the end point.
    """
    half = int(math.ceil(4.0 * sigma))
    m = min(half, len(pts) - 1)
    if m < 1 or sigma <= 0:
        return np.asarray(pts, float).copy()
    padded = np.vstack([2.0 * pts[0] - pts[m:0:-1], pts, 2.0 * pts[-1] - pts[-2:-m - 2:-1]])
    padded = np.pad(padded, ((half - m, half - m), (0, 0)), mode="edge")
    k = np.arange(-half, half + 1)
    g = np.exp(-0.5 * (k / sigma) ** 2)
    g /= g.sum()
    return np.column_stack([np.convolve(padded[:, j], g, mode="valid") for j in range(2)])


def _smoothed_centreline(path, width_px):
    """Centreline (K, 2) of a curved rod from its medial path (K0, 2), 1 px apart, px.

    Gaussian smoothing at the scale of the width (:data:`CENTRE_SIGMA_WIDTHS`), twiced
    (``2 G p - G G p``) so that the arc keeps its length (see :data:`CENTRE_SIGMA_WIDTHS`).
    """
    sigma = max(CENTRE_SIGMA_WIDTHS * float(width_px), CENTRE_MIN_SIGMA_PX)
    p = _resample_path(np.asarray(path, float))
    once = _gaussian_along(p, sigma)
    return 2.0 * once - _gaussian_along(once, sigma)


def _curved_chain(centre, width_px, ex, ey, r):
    """Base on the electrode circle followed by vertices every :data:`CENTRE_VERTEX_STEP_PX`
    along ``centre`` (K, 2), or None if the rod's start line misses the circle.

    ``centre`` starts half a width out from the rim (nearer, the medial path turns to the
    corners of the rod's cut end): it is continued back to the circle with the heading
    and curvature of its start (:func:`_end_heading`), in 1 px steps; if that arc does
    not meet the circle within :data:`CURVE_BACK_REACH` times the gap (the curvature
    measured near a kink is no curvature of the rod), along its start tangent instead.
    """
    h = max(int(round(CENTRE_VERTEX_STEP_PX)), 1)
    if len(centre) <= h:
        return None
    keep = np.arange(0, len(centre), h)
    if keep[-1] != len(centre) - 1:
        keep = np.append(keep, len(centre) - 1)
    phi, kappa = _end_heading(centre[::-1], width_px)      # pointing back towards the rim
    p = np.asarray(centre[0], float)
    gap = math.hypot(p[0] - ex, p[1] - ey) - r
    back = []
    for j in range(int(math.ceil(CURVE_BACK_REACH * max(gap, 0.0))) + 1):
        heading = phi + kappa * (j + 0.5)
        q = p + np.array([math.cos(heading), math.sin(heading)])
        dq, dp = math.hypot(q[0] - ex, q[1] - ey), math.hypot(p[0] - ex, p[1] - ey)
        if dq <= r:
            base = p + (q - p) * (dp - r) / max(dp - dq, 1e-9)
            back = np.asarray(back[::-1]).reshape(-1, 2)[::h]   # from the rim side, every h-th
            # no vertex within a step of the base: the first piece gives the root's direction
            # (the whisker's identity in linking, _link_coords)
            back = back[np.hypot(*(back - base).T) >= h] if len(back) else back
            return np.vstack([base[None], back, centre[keep]])
        back.append(q)
        p = q
    u0 = -np.array([math.cos(phi), math.sin(phi)])
    t_exit = _axis_circle_exit(centre[0][0], centre[0][1], u0[0], u0[1], ex, ey, r)
    if t_exit is None:
        return None
    return np.vstack([(centre[0] + t_exit * u0)[None], centre[keep]])


def _end_heading(centre, width_px):
    """(heading, curvature) at the end of the smoothed centreline ``centre`` (K, 2): rad, rad/px.

    Its last two smoothing scales are pulled straight by the point reflection at its end
    (:func:`_gaussian_along`): the heading and the curvature (over one width) are taken
    before them and the heading is continued to the end. That holds for a rod that curves
    evenly: unless the curvature over the width before, and the mean curvature between
    the ends, are within a factor :data:`CURVE_EVEN_FACTOR` of it (not so near a kink, nor
    on a straight end of a kinked rod, nor on a rod too short to tell), the heading is that
    of the end's last chord (the reflection keeps a straight end straight) and the
    curvature 0.
    """
    n = len(centre)
    sigma = max(CENTRE_SIGMA_WIDTHS * float(width_px), CENTRE_MIN_SIGMA_PX)
    k = min(int(math.ceil(2.0 * sigma)), (n - 1) // 3)
    i1 = n - 1 - k
    i0 = max(i1 - max(int(round(float(width_px))), 2), 0)

    def heading(i):
        d = centre[min(i + 1, n - 1)] - centre[max(i - 1, 0)]
        return math.atan2(d[1], d[0])

    def curvature(a, b):
        return math.remainder(heading(b) - heading(a), 2 * math.pi) / max(b - a, 1)

    i00 = i0 - (i1 - i0)
    kappa = curvature(i0, i1)
    if i00 >= k:
        ratios = [curvature(i00, i0) / kappa, curvature(k, i1) / kappa] if kappa else [0.0]
        if all(1.0 / CURVE_EVEN_FACTOR <= q <= CURVE_EVEN_FACTOR for q in ratios):
            return heading(i1) + kappa * k, kappa
    h = max(int(round(CENTRE_VERTEX_STEP_PX)), 1)
    d = centre[-1] - centre[max(n - 1 - h, 0)]
    return math.atan2(d[1], d[0]), 0.0


def _curve_end_direction(centre, width_px, tip_pts):
    """Unit direction (2,) from the end of a curved centreline to the rod's far end.

    The smoothed ``centre`` stops half a width short of the tip: its end's heading and
    curvature (:func:`_end_heading`) are continued to the farthest of ``tip_pts`` (the
    pixels beyond the end); the direction is the chord of that constant-curvature
    continuation (the heading halfway along it).
    """
    phi_end, kappa = _end_heading(centre, width_px)
    u = np.array([math.cos(phi_end), math.sin(phi_end)])
    reach = max(float(((tip_pts - centre[-1]) @ u).max()) + HALF_PX, 0.0) if len(tip_pts) else 0.0
    phi = phi_end + 0.5 * kappa * reach
    return np.array([math.cos(phi), math.sin(phi)])


def _edge_model_fit(s, prof, s_lo, s_hi, *, grid_px=EDGE_GRID_PX, sigmas=EDGE_SIGMAS_PX,
                    peak_sigmas=EDGE_PEAK_SIGMAS_PX, return_sigma=False):
    """Least-squares edge position of ``prof(s)``: step (erf) plus an edge peak.

    Model: ``A * Phi((s0 - s) / sigma) + B * exp(-(s - s0)^2 / (2 sigma_p^2)) + C``
    (inside at s < s0). A, B, C are solved linearly for every trial s0 on a
    ``grid_px`` grid in [s_lo, s_hi] and every pair (sigma, sigma_p); the best
    s0 is refined by a parabola through the residuals. Returns (s0, residual)
    or (nan, inf).

    All pairs are solved at once from the normal equations (the step and peak
    columns are computed once per sigma, not once per pair).
    """
    y = np.asarray(prof, dtype=np.float64)
    s = np.asarray(s, dtype=np.float64)

    # coarse: every sigma pair on the coarse grid; fine: the best pair on a fine grid
    coarse = np.arange(s_lo, s_hi + 1e-9, EDGE_COARSE_PX)
    res = _edge_scan(coarse, s, y, np.asarray(sigmas, float), np.asarray(peak_sigmas, float))
    best = res.min(axis=-1)                     # (n_sigma, n_peak_sigma)
    if not np.isfinite(best).any():
        return (np.nan, np.inf, np.nan) if return_sigma else (np.nan, np.inf)
    if return_sigma:
        return _edge_model_average(s, y, s_lo, s_hi, coarse, res, grid_px, sigmas, peak_sigmas)
    a, b = np.unravel_index(int(np.argmin(best)), best.shape)  # first pair in (sigma, peak) order
    c = coarse[int(np.argmin(res[a, b]))]
    s0s = np.arange(max(s_lo, c - EDGE_COARSE_REACH_PX), min(s_hi, c + EDGE_COARSE_REACH_PX) + 1e-9,
                    grid_px)
    best_res = _edge_scan(s0s, s, y, np.array([sigmas[a]], float),
                          np.array([peak_sigmas[b]], float))[0, 0]
    if not np.isfinite(best_res).all():
        return (np.nan, np.inf, np.nan) if return_sigma else (np.nan, np.inf)
    k = int(np.argmin(best_res))
    rmin = best_res[k]
    s0 = s0s[k]
    sigma = np.nan
    if 0 < k < len(best_res) - 1:
        den = best_res[k - 1] - 2 * rmin + best_res[k + 1]
        if den > 0:
            s0 += 0.5 * grid_px * (best_res[k - 1] - best_res[k + 1]) / den
            curvature = den / (grid_px * grid_px)            # d2 RSS / d s0^2
            dof = max(len(y) - EDGE_MODEL_PARAMS, 1)
            per_px = 1.0 / max(float(np.median(np.diff(s))), 1e-6) if len(s) > 1 else 1.0
            sigma = math.sqrt(2.0 * (rmin / dof) / curvature * max(per_px, 1.0))
    if return_sigma:
        return float(s0), float(rmin), float(sigma)
    return float(s0), float(rmin)


def _edge_model_average(s, y, s_lo, s_hi, coarse, res, grid_px, sigmas, peak_sigmas):
    """Edge position averaged over the blur pairs, weighted by their likelihood: (s0, rss, sigma).

    Picking the single best (sigma, sigma_p) pair makes the edge jump by 0.1-0.3 px
    when noise tips the choice; averaging the pairs' edges with weights
    ``exp(-delta_chi2 / 2)`` removes the jumps, and the spread of the pairs' edges
    enters the uncertainty (model averaging: var = sum w (sigma_ab^2 + (s_ab - s0)^2)).
    Samples closer than a pixel are correlated (bilinear interpolation of pixel noise):
    chi-square and variances count one independent sample per px.
    """
    dof = max(len(y) - EDGE_MODEL_PARAMS, 1)
    per_px = max(1.0 / max(float(np.median(np.diff(s))), 1e-6), 1.0) if len(s) > 1 else 1.0
    edges, rss, var = [], [], []
    coarse_best = res.min(axis=-1)
    floor = float(np.nanmin(coarse_best))
    noise0 = floor / dof
    for a in range(len(sigmas)):
        for b in range(len(peak_sigmas)):
            if not np.isfinite(res[a, b]).any():
                continue
            if noise0 > 0 and (coarse_best[a, b] - floor) / (noise0 * per_px) > EDGE_AVERAGE_MAX_CHI2:
                continue  # its weight would be below exp(-EDGE_AVERAGE_MAX_CHI2 / 2)
            c = coarse[int(np.argmin(res[a, b]))]
            s0s = np.arange(max(s_lo, c - EDGE_COARSE_REACH_PX),
                            min(s_hi, c + EDGE_COARSE_REACH_PX) + 1e-9, grid_px)
            r = _edge_scan(s0s, s, y, np.array([sigmas[a]], float),
                           np.array([peak_sigmas[b]], float))[0, 0]
            if not np.isfinite(r).all():
                continue
            k = int(np.argmin(r))
            s0, rmin, v = s0s[k], r[k], np.nan
            if 0 < k < len(r) - 1:
                den = r[k - 1] - 2 * rmin + r[k + 1]
                if den > 0:
                    s0 += 0.5 * grid_px * (r[k - 1] - r[k + 1]) / den
                    rmin -= 0.125 * (r[k - 1] - r[k + 1]) ** 2 / den
                    v = 2.0 * per_px / (den / (grid_px * grid_px))      # times sigma^2 below
            edges.append(s0)
            rss.append(max(rmin, 0.0))
            var.append(v)
    if not edges:
        return np.nan, np.inf, np.nan
    edges, rss, var = np.asarray(edges), np.asarray(rss), np.asarray(var)
    noise_var = float(rss.min()) / dof
    if not noise_var > 0:
        k = int(np.argmin(rss))
        return float(edges[k]), float(rss[k]), np.nan
    chi2 = (rss - rss.min()) / (noise_var * per_px)
    w = np.exp(-0.5 * chi2)
    w /= w.sum()
    s0 = float(np.sum(w * edges))
    ok = np.isfinite(var)
    if not ok.any():
        return s0, float(rss.min()), np.nan
    spread = np.sum(w * (edges - s0) ** 2)
    within = np.sum(w[ok] * var[ok] * noise_var) / np.sum(w[ok])
    return s0, float(rss.min()), float(math.sqrt(within + spread))


def _edge_scan(s0s, s, y, sigmas, peak_sigmas):
    """Residual sum of squares of the edge model, (n_sigma, n_peak_sigma, n_s0).

    A pair whose normal matrix is singular for some s0 gets inf residuals.
    """
    from scipy.special import ndtr

    d = s0s[:, None] - s[None, :]                                   # (K, N)
    step = ndtr(d[None] / sigmas[:, None, None])                    # (A, K, N)
    zp = d[None] / peak_sigmas[:, None, None]
    peak = np.exp(-0.5 * zp * zp)                                   # (B, K, N)
    n_a, n_b, n_k = len(sigmas), len(peak_sigmas), len(s0s)
    mtm = np.empty((n_a, n_b, n_k, 3, 3))
    mty = np.empty((n_a, n_b, n_k, 3))
    pp = np.einsum("akn,akn->ak", step, step)
    p1 = step.sum(axis=-1)
    gg = np.einsum("bkn,bkn->bk", peak, peak)
    g1 = peak.sum(axis=-1)
    pg = np.matmul(step.transpose(1, 0, 2), peak.transpose(1, 2, 0)).transpose(1, 2, 0)
    mtm[..., 0, 0] = pp[:, None]
    mtm[..., 0, 1] = mtm[..., 1, 0] = pg
    mtm[..., 0, 2] = mtm[..., 2, 0] = p1[:, None]
    mtm[..., 1, 1] = gg[None]
    mtm[..., 1, 2] = mtm[..., 2, 1] = g1[None]
    mtm[..., 2, 2] = float(len(y))
    mty[..., 0] = (step @ y)[:, None]
    mty[..., 1] = (peak @ y)[None]
    mty[..., 2] = y.sum()
    try:
        coef = np.linalg.solve(mtm, mty[..., None])[..., 0]
        ok = np.ones((n_a, n_b), bool)
    except np.linalg.LinAlgError:
        coef = np.zeros_like(mty)
        ok = np.zeros((n_a, n_b), bool)
        for i in range(n_a):
            for j in range(n_b):
                try:
                    coef[i, j] = np.linalg.solve(mtm[i, j], mty[i, j, :, :, None])[..., 0]
                    ok[i, j] = True
                except np.linalg.LinAlgError:
                    pass
    fit = (coef[..., 0, None] * step[:, None] + coef[..., 1, None] * peak[None]
           + coef[..., 2, None])                                    # (A, B, K, N)
    fit -= y
    res = np.einsum("abkn,abkn->abk", fit, fit)
    res[~ok] = np.inf
    return res


#: :func:`follow_rod`: length of the rod's own core inside the segmented tip that sets its
#: change level (px; at most this, at least FOLLOW_MIN_CORE_PX), the least significance of a
#: continuation (its mean over the noise's standard error), and the fraction of the core's
#: level it must keep (a rod of constant width keeps its contrast; half is the level at which
#: a blurred end lies).
FOLLOW_REF_PX = 15.0
FOLLOW_MIN_CORE_PX = 4.0
FOLLOW_MIN_Z = 5.0
FOLLOW_LEVEL_FRAC = 0.5


def follow_rod(diff, whisker, *, other_li=None, ref_px=FOLLOW_REF_PX, min_z=FOLLOW_MIN_Z,
               level_frac=FOLLOW_LEVEL_FRAC):
    """Move the tip of a rod the segmentation cut short to where the rod ends.

    A whisker is a rod of roughly constant width and contrast. The segmentation
    of a faint or fading rod keeps only its stronger part near the base; the change
    image still shows the rest along the axis. The axial profile (averaged over the
    central half of the rod, 1 px steps) from inside the segmented tip to the image
    side (or to other lithium on the axis) is split at its most likely step, a
    two-level change point (least squares). The tip moves there if the part between
    the segmented tip and the step keeps at least ``level_frac`` of the core's level,
    stands ``min_z`` standard errors above zero, and above the same stretch one rod
    width to either side (a broad change, a brightness step or a front, is not a rod);
    and if beyond the step the level falls below ``level_frac`` of the core's.
    :func:`refine_tip` then fits the edge at the new tip.

    Parameters
    ----------
    diff : (M, N) ndarray
        Change image (not smoothed).
    whisker : WhiskerObs
        Pixel-level detection.
    other_li : (M, N) bool ndarray, optional
        Lithium not belonging to this rod (electrode, front, other rods): the
        profile stops where the axis enters it.
    ref_px : float
        Longest stretch of core inside the tip that sets the rod's level, px.
    min_z : float
        Least significance of the continuation.
    level_frac : float
        Fraction of the core's level the continuation keeps.

    Returns
    -------
    WhiskerObs
        With the tip moved outward along the last straight piece, or unchanged.
    """
    (bx, by), s_anchor = whisker.anchor()
    ux, uy = whisker.direction_xy
    L = whisker.length_px - s_anchor
    width = max(float(whisker.width_px), 1.0)
    ref_len = min(ref_px, L - width / 2)
    if not np.isfinite(L) or ref_len < FOLLOW_MIN_CORE_PX:
        return whisker
    band = int(np.clip(round(width / 2), 1, MAX_TIP_BAND_PX))
    h, w = np.asarray(diff).shape
    start = L - width / 2 - ref_len
    s, prof = sample_line(diff, (bx, by), (ux, uy), length_px=float(np.hypot(h, w)), step_px=1.0,
                          width_px=band, start_offset_px=start)
    prof = np.asarray(prof, float)
    stop = len(prof)
    bad = ~np.isfinite(prof)
    if other_li is not None:
        xi = np.rint(bx + s * ux).astype(int)
        yi = np.rint(by + s * uy).astype(int)
        inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        hit = np.zeros(len(s), bool)
        hit[inside] = other_li[yi[inside], xi[inside]]
        bad |= hit & (s > L)
    after = np.nonzero(bad & (s > start))[0]
    if len(after):
        stop = int(after[0])
    prof, s = prof[:stop], s[:stop]
    n_core = int(np.count_nonzero(s <= L - width / 2))
    if n_core < FOLLOW_MIN_CORE_PX or len(prof) < n_core + 2:
        return whisker
    core = prof[:n_core]
    level = float(np.median(core))
    # noise per 1-px sample from successive differences (robust to the core's slow changes)
    noise = float(np.median(np.abs(np.diff(prof)))) * 1.4826 / math.sqrt(2.0)
    if not (noise > 0 and abs(level) > min_z * noise / math.sqrt(n_core)):
        return whisker
    sign = 1.0 if level > 0 else -1.0
    y = sign * prof
    # two-level change point: the split k (first sample of the second level) with least RSS
    n = len(y)
    c1, c2 = np.cumsum(y), np.cumsum(y * y)
    k = np.arange(1, n)
    left = c2[k - 1] - c1[k - 1] ** 2 / k
    right = (c2[-1] - c2[k - 1]) - (c1[-1] - c1[k - 1]) ** 2 / (n - k)
    k_end = int(k[np.argmin(left + right)])
    ext = (s > L) & (np.arange(n) < k_end)
    n_ext = int(np.count_nonzero(ext))
    if n_ext < 2:
        return whisker
    a = abs(level)
    m_ext = float(np.mean(y[ext]))
    m_after = float(np.mean(y[k_end:])) if k_end < n else 0.0
    if m_ext < level_frac * a or m_ext < min_z * noise / math.sqrt(n_ext) or m_after >= level_frac * a:
        return whisker
    # a rod is as narrow as its width: one width off the axis lies ceramic
    off = width / 2 + band / 2 + 1.0
    for side in (-1.0, 1.0):
        _, sp = sample_line(diff, (bx - side * off * uy, by + side * off * ux), (ux, uy),
                            length_px=float(s[-1] - start) + 1.0, step_px=1.0, width_px=band,
                            start_offset_px=start)
        sp = sign * np.asarray(sp, float)[:n]
        if len(sp) < n or not np.isfinite(sp[ext]).all() \
                or m_ext - float(np.mean(sp[ext])) < level_frac * a:
            return whisker
    end = float(s[k_end]) - 0.5   # the step lies between the last rod and the first ceramic sample
    if end <= L + 1.0:
        return whisker
    tip = (bx + end * ux, by + end * uy)
    return dataclasses.replace(whisker, tip_xy_px=(float(tip[0]), float(tip[1])),
                               length_px=float(s_anchor + end))


def refine_tip(diff, whisker, *, half_window_px=TIP_HALF_WINDOW_PX, step_px=TIP_STEP_PX,
               band_px=None, max_shift_px=TIP_MAX_SHIFT_PX):
    """Sub-pixel tip along the whisker axis from the change profile.

    The change image (background minus frame, registered, flicker-normalised)
    is sampled along the axis around the pixel-level tip and averaged over a
    band across the axis (the central half of the rod). An edge model is
    fitted: a blurred step (lithium inside, ceramic outside: an error
    function) plus a peak centred on the edge (the bright rim of SEM edge
    contrast), both with the same blur. Its centre is the tip.

    Parameters
    ----------
    diff : (M, N) ndarray
        Change image (not smoothed).
    whisker : WhiskerObs
        Pixel-level detection.
    half_window_px : float
        Half length of the profile around the pixel-level tip.
    step_px : float
        Profile sampling step.
    band_px : int, optional
        Lines averaged across the axis (default: half the width, 1..9).
    max_shift_px : float
        Largest correction of the pixel-level tip accepted.

    Returns
    -------
    WhiskerObs
        With refined ``tip_xy_px``, ``length_px`` and ``tip_sigma_px`` (unchanged
        when the profile runs off the image or the fit fails).
    """
    (bx, by), s_anchor = whisker.anchor()   # the last straight piece starts there
    ux, uy = whisker.direction_xy
    L = whisker.length_px - s_anchor
    if band_px is None:
        band_px = int(np.clip(round(whisker.width_px / 2), 1, MAX_TIP_BAND_PX))
    s, prof = sample_line(diff, (bx, by), (ux, uy), length_px=2 * half_window_px,
                          step_px=step_px, width_px=band_px, start_offset_px=L - half_window_px)
    if not np.all(np.isfinite(prof)):
        return whisker
    # the pixel-level tip of the mask lies up to a few px beyond the edge (the
    # bright rim is segmented too): search mostly inward
    tip_s, _, tip_sigma = _edge_model_fit(s, prof, L - max_shift_px, L + TIP_OUTWARD_FRAC * max_shift_px,
                                          return_sigma=True)
    if not np.isfinite(tip_s):
        return whisker
    # second pass: the window centred on the edge found (on the sampling grid), so that
    # the jitter of the pixel-level tip no longer moves the window against the edge
    c = round(tip_s / step_px) * step_px
    s2, prof2 = sample_line(diff, (bx, by), (ux, uy), length_px=2 * half_window_px,
                            step_px=step_px, width_px=band_px, start_offset_px=c - half_window_px)
    if np.all(np.isfinite(prof2)):
        t2, _, sig2 = _edge_model_fit(s2, prof2, c - TIP_RECENTRE_REACH_PX, c + TIP_RECENTRE_REACH_PX,
                                      return_sigma=True)
        if np.isfinite(t2):
            tip_s, tip_sigma = t2, sig2
    tip = (bx + tip_s * ux, by + tip_s * uy)
    return dataclasses.replace(whisker, tip_xy_px=(float(tip[0]), float(tip[1])),
                               length_px=float(s_anchor + tip_s), tip_sigma_px=float(tip_sigma))


def refine_width(diff, whisker, *, step_px=WIDTH_STEP_PX, n_positions=WIDTH_POSITIONS):
    """Sub-pixel rod width from the change profile across the axis.

    Profiles across the axis at ``n_positions`` places in the middle of the
    rod (30-80 % of its length) are averaged; each side's edge is located
    with the edge model of :func:`refine_tip` (blurred step plus rim peak).

    Parameters
    ----------
    diff : (M, N) ndarray
        Change image (not smoothed).
    whisker : WhiskerObs
        With its axis and a rough width (from the mask, rims included).
    step_px : float
        Sampling step across the axis.
    n_positions : int
        Number of cross-sections averaged.

    Returns
    -------
    WhiskerObs
        With ``width_px`` refined (unchanged when the rod is too short or the
        fit fails).
    """
    L = whisker.length_px
    if L < MIN_WIDTH_ROD_PX:
        return whisker
    half = 0.5 * whisker.width_px + WIDTH_MARGIN_PX
    profs = []
    for f in np.linspace(*WIDTH_SPAN, n_positions):
        (cx, cy), (ux, uy) = whisker.point_at(f * L)
        nx, ny = -uy, ux
        s, prof = sample_line(diff, (cx, cy), (nx, ny), length_px=2 * half, step_px=step_px,
                              start_offset_px=-half)
        if np.all(np.isfinite(prof)):
            profs.append(prof)
    if len(profs) < MIN_WIDTH_SECTIONS:
        return whisker
    prof = np.mean(profs, axis=0)
    w0 = 0.5 * whisker.width_px
    right = s >= 0
    left = s <= 0
    lo = max(WIDTH_MIN_EDGE_PX, w0 - WIDTH_INWARD_PX)
    e_r, _ = _edge_model_fit(s[right], prof[right], lo, w0 + WIDTH_OUTWARD_PX)
    e_l, _ = _edge_model_fit(-s[left][::-1], prof[left][::-1], lo, w0 + WIDTH_OUTWARD_PX)
    if not (np.isfinite(e_r) and np.isfinite(e_l)):
        return whisker
    return dataclasses.replace(whisker, width_px=float(e_r + e_l))


#: Largest whisker tip displacement between two measured scans, px (the analyze pipeline's
#: value; a tip at the fastest growth in the paper, ~15 um/s, moves < 30 px per scan at
#: typical pixel sizes and scan times).
WHISKER_SEARCH_RANGE_PX = 30.0


#: Scale of the root direction in the linking space, px per radian: a rod's identity is its
#: root (base) and the direction it leaves the electrode in, which stay put while its tip
#: moves; two rods from one base 10 deg apart are ~10 px apart, a root turning by more than
#: ~30 deg between scans is another rod (with the 30 px search range).
LINK_DIRECTION_PX_PER_RAD = 60.0
#: ... and the length enters at this weight: a tip moving along its own axis may move up to
#: twice the search range per scan (a fast whisker), while another rod from a nearby root
#: (one missed in a scan must not hand its id to a neighbour) differs in length.
LINK_LENGTH_WEIGHT = 0.5


#: The root direction is the chord from the base to the centreline point
#: ROOT_CHORD_WIDTHS rod widths along it (at least ROOT_CHORD_MIN_PX, at most the rod's
#: length): a curved rod's centreline has a vertex every CENTRE_VERTEX_STEP_PX, and a
#: 2 px chord turns by atan(0.5 / 2) = 14 deg with half a pixel of noise at its end
#: (~15 px in the linking space, half the search range); over two widths (12 px and
#: more) it turns by <= 5 deg, while a rod bending at its root by the curvature the
#: generator allows (radius >= ~3 widths) turns by < 20 deg over that chord.
ROOT_CHORD_WIDTHS = 2.0
ROOT_CHORD_MIN_PX = 4.0
#: Re-linking (issue 11): a track lost for longer than the linker's memory (a faint
#: stretch of scans, a segmentation that lost the rod) and a new one that starts from the
#: same root are one whisker when the new root lies within RELINK_BASE_WIDTHS of the mean
#: rod width of the old one (two rods whose roots are closer than a width overlap: they
#: are one rod), leaves it within RELINK_MAX_TURN_DEG of the same direction (the root
#: chord's noise, +-0.5 px at each end of a chord of two widths >= 12 px: <= 5 deg each,
#: plus the turn of a curved rod's first two widths as its tip grows, < 10 deg), and is
#: not shorter than the old one's last length by more than RELINK_SHRINK_WIDTHS of a width
#: (a whisker does not shrink while it grows; its measured tip moves back by up to a
#: width when the edge fit or the segmentation cuts the far end). Without it, each re-born
#: track is a spurious whisker and the rate fit sees only its own stretch (tuning seeds
#: 5002, 5038, 5010).
RELINK_BASE_WIDTHS = 1.0
RELINK_MAX_TURN_DEG = 20.0
RELINK_SHRINK_WIDTHS = 1.0


def _root_direction(w):
    """Unit vector (x, y) in which a whisker leaves its root (see :data:`ROOT_CHORD_WIDTHS`)."""
    if len(w.path_xy_px) >= 2:
        reach = min(max(ROOT_CHORD_WIDTHS * float(w.width_px), ROOT_CHORD_MIN_PX),
                    float(w._polyline()[2][-1]))
        p, _ = w.point_at(reach)
        d = np.subtract(p, w.base_xy_px)
        if not np.hypot(*d) > 0:
            d = np.subtract(w.path_xy_px[1], w.path_xy_px[0])
    else:
        d = np.asarray(w.direction_xy, float)
    return d / max(float(np.hypot(*d)), 1e-9)


def _link_coords(w):
    """Linking coordinates: base (row, col), scaled root direction and weighted length, px.

    Not the tip: a tip moves by its growth per scan, which for a fast whisker (tens of
    um/s at a fine pixel size) exceeds any search range that keeps neighbours apart
    (tuning seed 5049: 20-36 px per scan, a new id every scan, all dropped as too
    short), and a segmentation that loses a rod's far part in one scan moves the tip
    by tens of px although the rod is the same. Its root and its direction stay; its
    length (at :data:`LINK_LENGTH_WEIGHT`) keeps two rods from neighbouring roots apart
    (tuning seed 5057: a rod missed in one scan handed its id to a 57 px neighbour).
    The direction is that of the root chord (:func:`_root_direction`), not of the first
    2-px piece of a curved centreline.
    """
    bx, by = w.base_xy_px
    d = _root_direction(w) * LINK_DIRECTION_PX_PER_RAD
    return (float(by), float(bx), float(d[1]), float(d[0]), LINK_LENGTH_WEIGHT * float(w.length_px))


class WhiskerLinker:
    """Give whiskers ids that stay stable across frames (trackpy linking of roots).

    Parameters
    ----------
    search_range_px : float
        Largest change of a whisker's linking coordinates (base, px, and root
        direction, :data:`LINK_DIRECTION_PX_PER_RAD`) between two measured scans.
    memory : int
        Number of scans a whisker may be missed and keep its id.
    relink : bool
        Also give a track that trackpy starts anew the id of a track lost earlier (for
        longer than ``memory``) from the same root, in the same direction and not
        shorter (see :data:`RELINK_BASE_WIDTHS`); off, ids are trackpy's alone.
    """

    def __init__(self, *, search_range_px=WHISKER_SEARCH_RANGE_PX, memory=LINK_MEMORY,
                 relink=False):
        if not search_range_px > 0:
            raise InputError(f"search_range_px must be > 0, got {search_range_px}")
        self.search_range_px = float(search_range_px)
        self.memory = int(memory)
        self.relink = bool(relink)
        self._linker = None
        self._t = 0
        self._alias = {}      # trackpy id -> id given out (re-linked tracks)
        self._last = {}       # id given out -> (scan, base, root direction, length, mean width)
        self._widths = {}     # id given out -> (scans, mean width), px

    def link(self, whiskers):
        """Assign ids to the whiskers of the next scan.

        Parameters
        ----------
        whiskers : list of WhiskerObs
            Detections of one scan (ids ignored).

        Returns
        -------
        list of WhiskerObs
            Same order, with ``whisker_id`` set.
        """
        t = self._t
        self._t += 1
        if not whiskers:
            if self._linker is not None:
                # an empty level still ages the memory
                self._linker.next_level(np.zeros((0, 5)), t)
            return []
        coords = np.array([_link_coords(w) for w in whiskers], dtype=float)
        if self._linker is None:
            from trackpy.linking import Linker  # trackpy (and scipy.optimize) on first use

            self._linker = Linker(self.search_range_px, memory=self.memory)
            self._linker.init_level(coords, t)
        else:
            self._linker.next_level(coords, t)
        ids = [int(i) for i in self._linker.particle_ids]
        if self.relink:
            ids = self._relinked(whiskers, ids, t)
        return [dataclasses.replace(w, whisker_id=int(i)) for w, i in zip(whiskers, ids)]

    def _relinked(self, whiskers, ids, t):
        """Ids after re-linking new trackpy tracks to lost ones; updates the track state."""
        out = [self._alias.get(i, i) for i in ids]
        present = set(out)
        fresh = [k for k, i in enumerate(ids) if i not in self._alias and i not in self._last]
        taken = set()
        for k in sorted(fresh, key=lambda k: -whiskers[k].length_px):
            w = whiskers[k]
            u = _root_direction(w)
            best, best_cost = None, math.inf
            for j, (tj, base, uj, length, width) in self._last.items():
                if j in present or j in taken or tj >= t:
                    continue
                wid = 0.5 * (width + float(w.width_px))
                dist = math.hypot(w.base_xy_px[0] - base[0], w.base_xy_px[1] - base[1])
                turn = math.degrees(math.acos(float(np.clip(np.dot(u, uj), -1.0, 1.0))))
                if (dist > RELINK_BASE_WIDTHS * wid or turn > RELINK_MAX_TURN_DEG
                        or w.length_px < length - RELINK_SHRINK_WIDTHS * wid):
                    continue
                cost = (dist / max(RELINK_BASE_WIDTHS * wid, 1e-9)) ** 2 + (turn / RELINK_MAX_TURN_DEG) ** 2
                if cost < best_cost:
                    best, best_cost = j, cost
            if best is not None:
                self._alias[ids[k]] = best
                out[k] = best
                taken.add(best)
        for w, i in zip(whiskers, out):
            n, width = self._widths.get(i, (0, 0.0))
            self._widths[i] = (n + 1, width + (float(w.width_px) - width) / (n + 1))
            self._last[i] = (t, tuple(map(float, w.base_xy_px)), _root_direction(w),
                             float(w.length_px), self._widths[i][1])
        return out
