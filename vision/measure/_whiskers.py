"""Whiskers: straight lithium rods growing out of the electrode.

Detection works on the lithium mask of one registered frame (new lithium
outside the electrode disc, connected to it). Each rod-shaped region gives
one :class:`WhiskerObs`: its base (where its axis leaves the electrode
circle), its tip (sub-pixel, from the change profile along the axis) and its
length along the axis. :class:`WhiskerLinker` links tips over frames with
trackpy so that ids stay stable.

A bent rod's centreline is read in :mod:`._whisker_centreline` (polygon of straight
pieces or smoothed curve) and :mod:`._whisker_kink` (one corner or a curve); the
observation is :class:`WhiskerObs` (:mod:`._whisker_obs`) and the linker lives in
:mod:`._whisker_link`. This module finds the rods and fits their tips and widths.

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
from ._whisker_centreline import (
    CENTRE_VERTEX_STEP_PX,
    CURVE_DEV_PERCENTILE,
    CURVE_MAX_PIECES,
    CURVE_MAX_TURN_DEG,
    CURVE_MIN_WIDTHS,
    CURVE_PIECE_WIDTHS,
    CURVE_PIECES_EXCESS_PX,
    CURVE_STRAIGHT_DEV_PX,
    CURVE_STRAIGHT_DEV_WIDTHS,
    CURVE_STRAIGHT_EXCESS_PX,
    MEDIAL_COST_POWER,
    _bend_excess_px,
    _curve_end_direction,
    _curved_chain,
    _pieces_bend_px,
    _polygon_chain,
    _simplified_centreline,
    _smoothed_centreline,
)
from ._whisker_kink import CORNER_SPAN_WIDTHS, KINK_MAX_TURN_DEG, _kink_corner, _sharpest_corner_deg

# WhiskerObs and the linker live in their own modules; they are imported from here too
# (vision.measure's namespace, TrackOptions' search range, older tests)
from ._whisker_link import (  # noqa: F401
    LINK_DIRECTION_PX_PER_RAD,
    LINK_LENGTH_WEIGHT,
    LINK_MEMORY,
    RELINK_MAX_TURN_DEG,
    WHISKER_SEARCH_RANGE_PX,
    WhiskerLinker,
    _link_coords,
    _root_direction,
)
from ._whisker_obs import HALF_PX, STRAIGHT_SLACK_PX, WhiskerObs, _axis_circle_exit
from ._whisker_stub import STUB_EXCESS_PX, split_stub

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
#: ... but a stub whose long axis lies nearer the radius than the rim (|cos| to the radius
#: above cos 45 deg: the region reaches farther out than it spreads along the rim, so it is
#: longer than wide) and that fails the rod tests along the radius is tried along the line
#: from its root to its outer half (:func:`_root_to_tip_axis`), then along its centreline:
#: a short rod grown at a slant or curving away from the radius.
STUB_OUTWARD_COS = math.cos(math.radians(45.0))
#: A straight rod's region is also read as a rod plus a stub from its root
#: (:mod:`._whisker_stub`; two whiskers from one root that never part).
SPLIT_STUBS = True
#: Percentiles of the across-axis positions taken as the rod's sides (robust to a few
#: pixels of a touching neighbour).
SIDE_PERCENTILES = (1, 99)
#: A bent rod's centreline is trusted from ROOT_SETTLE_WIDTHS of its width beyond the rim:
#: nearer, the medial path runs to a corner of the rod's cut root (within half a width) and
#: the smoothing of a curve (a Gaussian of half a width) carries that over another half
#: width. The base is taken from the rod's pixels at the rim instead (:func:`_rooted_chain`).
ROOT_SETTLE_WIDTHS = 1.0
#: ... provided those pixels are one rod's: a rod of width w leaving the rim at an angle a
#: from the radial direction crosses a band h deep beyond it over w / cos(a) + h tan(a)
#: along the rim (a capped at acos(ROOT_MIN_COS), 75 deg, where that is already four widths
#: and the bound no longer tells one rod from two); a root wider by more than
#: ROOT_EXTENT_SLACK_PX (px: a pixel of blur at either side) holds more lithium than the
#: rod's (tuning seed 7058: lithium along the rim beside a 16 px rod moved its base 3.6 px
#: toward it), and the chain keeps its own base.
ROOT_MIN_COS = 0.25
ROOT_EXTENT_SLACK_PX = 2.0
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


__all__ = ["WhiskerObs", "find_whiskers", "follow_rod", "refine_tip", "refine_width", "WhiskerLinker"]


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
            two = _with_stub(sub, x0, y0, rod, tests, cut=split or None) if SPLIT_STUBS else None
            found.extend(two if two is not None else [rod])
            whisker_mask[y0:y0 + sub.shape[0], x0:x0 + sub.shape[1]] |= sub
        elif rod == "rejected" and not split:
            # attached but not a rod: rods sharing a root
            arms, cut = _rods_sharing_a_root(sub, x0, y0, ex, ey, min_area_px)
            tries = [(arm, x0 + ax0, y0 + ay0, int(arm.sum()), cut) for arm, ax0, ay0 in arms]
            todo.extend(tries)
    return found, whisker_mask


def _with_stub(sub, x0, y0, rod, tests, cut=None):
    """A straight rod's region read as the rod plus a stub from its root (see
    :mod:`._whisker_stub`): [rod, stub], or None.

    ``cut`` = (x, y, radius) of the disc cut out of a region of rods sharing a root
    (:func:`_rods_sharing_a_root`) when ``sub`` is one of its arms: the arm holds the
    whole disc, so the other arms' roots widen it up to the disc's edge; a stub must
    reach beyond that edge by more than :data:`STUB_EXCESS_PX`.
    """
    ys, xs = np.nonzero(sub)
    xs = xs.astype(np.float64) + x0
    ys = ys.astype(np.float64) + y0
    ex, ey, r = tests["ex"], tests["ey"], tests["r"]
    shape = {k: tests[k] for k in ("min_length_px", "max_width_px", "min_fill", "min_straightness")}

    def straight(bxs, bys, area, centre_xy, axis_xy):
        return _straight_rod(bxs, bys, area, centre_xy, axis_xy, ex, ey, r, **shape)

    two = split_stub(xs, ys, rod, ex, ey, r, min_length_px=tests["min_length_px"],
                     straight_rod=straight)
    if two is None:
        return None
    if cut is not None:
        tx, ty = two[1].tip_xy_px
        if math.hypot(tx - cut[0], ty - cut[1]) <= cut[2] + STUB_EXCESS_PX:
            return None
    return list(two)


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
    """Rods that grow from one root, each with the root: (pieces of a region, (x, y,
    radius) of the disc cut out around the root), or ([], None).

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
            return out, (float(xs[k] + x0), float(ys[k] + y0), float(radius))
    return [], None


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
    tests = dict(min_length_px=min_length_px, max_width_px=max_width_px, min_fill=min_fill,
                 min_straightness=min_straightness)
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
        rod = _straight_rod(xs, ys, area, (cx, cy), (ux, uy), ex, ey, r, **tests)
        if rod == _NOT_BOXED:
            # one straight piece by its centreline, though not by its box
            return bent if bent is not None else "rejected"
        return rod
    # a stub: its long axis is along the rim; growth is radial
    rod = _straight_rod(xs, ys, area, (cx, cy), tuple(radial), ex, ey, r, **tests)
    if isinstance(rod, WhiskerObs):
        return rod
    if major > minor and abs(ux * radial[0] + uy * radial[1]) > STUB_OUTWARD_COS:
        # ... unless it fails the rod tests along the radius and its long axis points out
        # of the electrode rather than along the rim: a rod shorter than STUB_ASPECT widths
        # grown at a slant or curving away from the radius. It is tried along the line from
        # its root to its outer half, then along its centreline (the box tests fail on a
        # ragged mask)
        axis = _root_to_tip_axis(xs, ys, d <= attach_px, (cx, cy))
        if axis is not None:
            rod = _straight_rod(xs, ys, area, axis[0], axis[1], ex, ey, r, **tests)
            if isinstance(rod, WhiskerObs):
                return rod
        bent = _bent_rod(sub, x0, y0, xs, ys, d, ex, ey, r, attach_px=attach_px,
                         min_length_px=min_length_px, max_width_px=max_width_px,
                         min_straightness=min_straightness)
        if bent is not None:
            return bent
    return "rejected"


def _root_to_tip_axis(xs, ys, at_rim, centre_xy):
    """Axis of a short rod from the middle of its root to the middle of its outer half.

    The pixels at the rim (``at_rim``) are a cross-section of the rod, their middle on
    its axis; the outer half of the rod (pixels beyond half its reach from the root, along
    the line from the root's middle through ``centre_xy``) is a rectangle whose middle
    lies on the axis too. The principal axis of all its pixels is not: the wedge between
    a slanted rod and the rim pulls it towards the rim (by 10 deg on an 11 px wide rod
    25 px long, 30 deg off the radius). Returns (point, unit direction) or None.
    """
    if not at_rim.any():
        return None
    root = np.array([xs[at_rim].mean(), ys[at_rim].mean()])
    u = np.asarray(centre_xy, float) - root
    n = float(np.hypot(*u))
    if n <= 0:
        return None
    u /= n
    s = (xs - root[0]) * u[0] + (ys - root[1]) * u[1]
    outer = s >= 0.5 * float(s.max())
    far = np.array([xs[outer].mean(), ys[outer].mean()])
    v = far - root
    n = float(np.hypot(*v))
    if n <= 0:
        return None
    return (float(root[0]), float(root[1])), (float(v[0] / n), float(v[1] / n))


#: :func:`_straight_rod`'s verdict on a region that fails only the box tests (fill, straightness).
_NOT_BOXED = "not boxed"


def _straight_rod(xs, ys, area, centre_xy, axis_xy, ex, ey, r, *, min_length_px, max_width_px,
                  min_fill, min_straightness):
    """The region's pixels (``xs, ys``, px) as a straight rod along the unit ``axis_xy``
    through ``centre_xy`` from the electrode circle: a :class:`WhiskerObs`, ``"rejected"``,
    or :data:`_NOT_BOXED` when only the box tests fail (see :func:`find_whiskers`)."""
    cx, cy = centre_xy
    ux, uy = axis_xy
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
        return _NOT_BOXED
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
    cross (a kink's vertex). The base is where the centreline, through the middle of
    the region's pixels at the rim, meets the electrode circle (:func:`_rooted_chain`);
    the pixel-level tip is the far end of the last piece.
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
    root_pts = pts[seeds_sel]
    # the rod's own width, across its medial path (a pixel on the ridge of a w px wide rod
    # lies (w + 1) / 2 from the nearest pixel outside); area / length also counts lithium
    # attached to its side
    ridge_dt = dt[np.round(path[:, 1] - y0 + 1).astype(int), np.round(path[:, 0] - x0 + 1).astype(int)]
    rod_w = max(2.0 * float(np.median(ridge_dt)) - 1.0, 1.0)

    def rooted(chain):
        # the root's pixels fill the band ATTACH_SLACK_PX deep beyond the masked rim
        return _rooted_chain(chain, root_pts, width0, ex, ey, r, band_px=ATTACH_SLACK_PX,
                             rod_width_px=rod_w)

    kw = dict(min_length_px=min_length_px, max_width_px=max_width_px,
              min_straightness=min_straightness)
    corner = None if straight else _kink_corner(path, width0)
    if corner is not None:
        # a kink: two straight legs meeting at the corner (see KINK_CHORD_PX)
        got = _polygon_chain(path, np.vstack([path[0], corner, path[-1]]), pts, width0, ex, ey, r)
        if got is not None:
            chain, ul, own = got
            chain = rooted(chain)
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
            chain = rooted(chain)
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
    chain = rooted(chain)
    return _rod_from_chain(chain, ul, pts[own], pts, area, turn_step=1, **kw)


def _rooted_chain(chain, root_pts, width_px, ex, ey, r, *, band_px, rod_width_px=None):
    """``chain`` (K, 2) with its base moved to where the rod's root meets the circle, px.

    The base of a bent rod's chain comes from its centreline's first piece continued to
    the electrode circle; a direction error of that piece moves the base along the rim by
    its lever (tens of px for a long first leg or a smoothed curve). The rod's pixels at
    the rim (``root_pts``, within the attachment band) are a cross-section of the rod: their
    middle lies on its centreline a few px from the circle. The base is where the line from
    that middle to the first vertex at least :data:`ROOT_SETTLE_WIDTHS` widths beyond the
    rim meets the circle; vertices nearer the rim are dropped (see ROOT_SETTLE_WIDTHS). A
    straight chain (the base alone), a root line missing the circle, a chain with no
    vertex beyond the rim, or a root wider along the rim than one rod's cross-section (the
    roots of two touching rods, see :data:`ROOT_EXTENT_SLACK_PX`) is returned unchanged.
    ``band_px`` (px) is the depth of the band beyond the circle that ``root_pts`` fill;
    ``rod_width_px`` (px) the rod's width across its centreline (default ``width_px``).
    """
    if len(chain) < 2 or not len(root_pts):
        return chain
    root = np.asarray(root_pts, float)
    c = root.mean(axis=0)
    out = np.hypot(chain[1:, 0] - ex, chain[1:, 1] - ey) - r
    verts = chain[1:][out >= ROOT_SETTLE_WIDTHS * float(width_px)]
    if not len(verts):
        return chain
    u = verts[0] - c
    n = float(np.hypot(*u))
    if n <= 0:
        return chain
    u = u / n
    rad = (c - (ex, ey)) / max(float(np.hypot(c[0] - ex, c[1] - ey)), 1e-9)
    cos_a = max(abs(float(u @ rad)), ROOT_MIN_COS)
    along = (root - c) @ np.array([-rad[1], rad[0]])
    rod_w = float(width_px if rod_width_px is None else rod_width_px)
    one_rod = rod_w / cos_a + float(band_px) * math.sqrt(1.0 - cos_a ** 2) / cos_a
    if float(along.max() - along.min()) + 1.0 > one_rod + ROOT_EXTENT_SLACK_PX:
        return chain
    t = _axis_circle_exit(c[0], c[1], u[0], u[1], ex, ey, r)
    if t is None or t > 0:
        return chain
    return np.vstack([(c + t * u)[None], verts])


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
