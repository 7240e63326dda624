"""Lateral lithium front: area, reach, fractal dimension, branches, touch-down.

Pure functions on one segmented frame. Arrays are (rows, cols); points are
(x, y) = (column, row) in pixels with the origin at the centre of the
top-left pixel. Lengths are in pixels, areas in pixels squared.
"""
import logging
import math
import re
from dataclasses import dataclass, field

import cv2
import numpy as np

from calibration import InputError

from ._fractal import box_counting_dimension, count_branches

__all__ = [
    "CounterElectrode",
    "FrontMeasurement",
    "FrontPiece",
    "measure_front",
    "parse_counter_electrode",
]

logger = logging.getLogger(__name__)

_SIDES = ("left", "right", "top", "bottom")

#: A pixel's outer edge lies half a pixel beyond its centre: distances to the far edge of
#: the lithium (extent, reach, touch-down) add it; a distance transform of a pixel centre
#: exceeds the distance to the outline by it.
HALF_PX = 0.5
#: A float mask is lithium where it exceeds half (the mid-level of a soft mask).
MASK_LEVEL = 0.5
#: The rounded tip's centre is looked for within this many px of the outermost pixel
#: (branch half-widths in the videos are 1-5 px).
TIP_SEARCH_PX = 6
#: Default front measurement (the tracker passes its own rim margin): lithium within
#: RIM_MARGIN_PX of the rim is the electrode's edge; gaps up to CONNECT_GAP_PX are bridged
#: (a branch broken by one noisy pixel); pieces under MIN_PIECE_AREA_PX are rim noise; a
#: front within TOUCH_TOLERANCE_PX of the counter electrode touches it (edge blur); a
#: branch is at least MIN_BRANCH_LENGTH_PX long (shorter skeleton spurs are outline
#: noise); the fractal dimension needs MIN_FRACTAL_PIXELS; the tip is found on the mask
#: smoothed by TIP_SMOOTHING_PX (one-pixel bumps do not add reach).
RIM_MARGIN_PX = 1.5
CONNECT_GAP_PX = 1
MIN_PIECE_AREA_PX = 30
TOUCH_TOLERANCE_PX = 1.0
MIN_BRANCH_LENGTH_PX = 8.0
MIN_FRACTAL_PIXELS = 100
TIP_SMOOTHING_PX = 1.0
#: Branches are counted outside the electrode's disc grown by this (px): skeleton spurs
#: of the rim's own roughness end within it.
BRANCH_RIM_PX = 4.0
#: With ``exclude_rods``: a lateral piece with at most two skeleton ends beyond the rim
#: zone (an unbranched path: its base, unless the rim zone holds it, and its tip) whose
#: length (along its principal axis) is at least ROD_ASPECT times its width is a straight
#: rod, i.e. a whisker (or a whisker's stub, the needle's edge, a scan artefact), not
#: lateral growth, which branches and fills area (the paper's DLA fronts). Length and
#: width are sqrt(12) times the standard deviations of the piece's pixels along and across
#: its principal axis (exact for a rectangle). 2: a whisker segmented with its bright
#: rims measures 2.5 and more beyond the rim zone (seed 2002), while a compact lobe of
#: lithium spreads along the rim (aspect near 1) and stays in.
ROD_ASPECT = 2.0
#: Before its skeleton is taken, a rod candidate is closed with a disc of this radius (px):
#: a whisker segmented as its two bright rims, the dark core between them within the noise,
#: is a tube whose core gap (1-4 px) would give two parallel skeleton lines.
ROD_CLOSE_PX = 2
#: A rod points away from the electrode: its principal axis within this angle (deg) of the
#: radial direction (a band of lithium along the rim lies at 90 deg; a young compact front
#: spreading along the rim with knobs shorter than its width at 59-69 deg, tuning seeds
#: 5050 and 5039: 60 deg made them rods and lost 5050's front) ...
ROD_MAX_TILT_DEG = 45.0
#: ... and its centre line spans at least this many rod widths in distance from the
#: electrode centre (a whisker, kinked or curved, reaches out; a band along the rim
#: stays at one distance whatever its principal axis).
ROD_MIN_RADIAL_WIDTHS = 2.0
#: ... or, for a kinked or curved rod and two rods grown together (a V), its centre line
#: (skeleton pixels L) at least this many times its mean width (area / L): L^2 >= 4 area.
#: A compact lobe's centre line is about as long as it is wide (L / width near 1); a straight
#: rod passes the principal-axis test already.
ROD_SKELETON_ASPECT = 4.0
#: The width profile and the skeleton ends of a piece leave out its centre line within this
#: distance (px) of an excluded whisker: the whisker's bright rim and edge blur (1-3 px beyond
#: its mask) stay behind as a thin strip along the piece's side (tuning seed 5002: a kinked whisker's lower
#: arm with a 3 px strip along its tracked upper arm, widths 1.4-5.4 px).
EXCLUDE_RIM_PX = 3
#: A rod has a constant width (a whisker is extruded through its base): the half-widths
#: along its skeleton (distance transform), between these percentiles, differ by at most
#: this factor (edge roughness and bright rims vary them by 1-2 px); a lobe of a compact
#: front, thick at the base and knobbed, varies by several times.
ROD_WIDTH_PERCENTILES = (25, 90)
ROD_MAX_WIDTH_RATIO = 2.0
#: A piece whose centre line (skeleton) runs mostly (more than this fraction of its
#: skeleton pixels) within THIN_NEAR_PX of a ``thin_mask`` line is no rod: those lines are
#: the 1-2 px branches the line filter found after the accepted whiskers were hidden from
#: it, i.e. thinner than any whisker the tracker reports (the segmentation may draw such a
#: line several px wide with its bright rims); a tortuous thin trunk of a DLA front is
#: straight enough for the aspect test (tuning seed 5004: a 300 px trunk left out, the
#: front's reach 80 px short).
ROD_MAX_THIN_FRAC = 0.5
#: ... within this distance (px): the rims drawn by the segmentation put the piece's
#: skeleton up to a pixel or two beside the line filter's centre line.
THIN_NEAR_PX = 2
#: A piece is at the mask's border (:attr:`FrontPiece.at_border`) when one of its pixels is
#: within this many px of it: the pieces are taken on the tip-smoothed mask (sigma
#: TIP_SMOOTHING_PX, nothing outside the mask), which can take a thin piece's outermost
#: pixel off the border.
BORDER_PX = 2
#: Each piece of the front keeps at most this many of its pixels (evenly spread) as its
#: footprint (:attr:`FrontPiece.points_xy_px`): enough to tell whether it lies along a
#: whisker's rod, little memory per scan.
PIECE_MAX_POINTS = 128


@dataclass(frozen=True)
class CounterElectrode:
    """Where the counter electrode is, as seen in the image.

    Give either a ``side`` of the image ('left', 'right', 'top', 'bottom')
    with an optional ``boundary_px`` (the x for left/right, the y for
    top/bottom, in pixels, where the counter electrode begins; default: the
    image edge on that side), or a ``point`` (x, y) in pixels with an optional
    ``radius_px`` (the counter electrode is the disc of that radius).

    Parameters
    ----------
    side : {'left', 'right', 'top', 'bottom'}, optional
    point : (float, float), optional
        (x, y) in pixels.
    boundary_px : float, optional
        Only with ``side``.
    radius_px : float, optional
        Only with ``point``; default 0 (a point).
    """

    side: str | None = None
    point: tuple | None = None
    boundary_px: float | None = None
    radius_px: float = 0.0

    def __post_init__(self):
        if (self.side is None) == (self.point is None):
            raise ValueError("CounterElectrode needs exactly one of side= "
                             f"({'|'.join(_SIDES)}) or point=(x, y); got side={self.side!r}, "
                             f"point={self.point!r}.")
        if self.side is not None and self.side not in _SIDES:
            raise ValueError(f"CounterElectrode side must be one of {_SIDES}; got {self.side!r}.")
        if self.point is not None:
            pt = tuple(float(v) for v in np.ravel(self.point))
            if len(pt) != 2 or not all(np.isfinite(pt)):
                raise ValueError(f"CounterElectrode point must be two finite numbers (x, y) "
                                 f"in pixels; got {self.point!r}.")
            object.__setattr__(self, "point", pt)
            if self.boundary_px is not None:
                raise ValueError("boundary_px goes with side=, not with point=; "
                                 "use radius_px for the size of a point counter electrode.")
        if not (self.radius_px >= 0):
            raise ValueError(f"radius_px must be >= 0; got {self.radius_px!r}.")

    def boundary(self, image_shape):
        """The x (left/right) or y (top/bottom) of the boundary, in pixels."""
        rows, cols = image_shape[:2]
        if self.boundary_px is not None:
            return float(self.boundary_px)
        return {"left": 0.0, "right": cols - 1.0, "top": 0.0, "bottom": rows - 1.0}[self.side]

    def direction(self, from_xy):
        """Unit vector (dx, dy) from ``from_xy`` toward the counter electrode."""
        if self.side is not None:
            return {"left": (-1.0, 0.0), "right": (1.0, 0.0),
                    "top": (0.0, -1.0), "bottom": (0.0, 1.0)}[self.side]
        d = np.subtract(self.point, from_xy, dtype=float)
        n = float(np.hypot(*d))
        if n == 0:
            raise ValueError("the counter electrode point coincides with the electrode "
                             "centre; give the counter electrode's position.")
        return (float(d[0] / n), float(d[1] / n))

    def region_mask(self, image_shape):
        """Boolean (rows, cols) mask of the pixels inside the counter electrode.

        A pixel is inside when its centre is at or beyond the boundary (side)
        or within ``radius_px`` of the point.
        """
        rows, cols = int(image_shape[0]), int(image_shape[1])
        if self.point is not None:
            yy, xx = np.ogrid[:rows, :cols]
            return (xx - self.point[0]) ** 2 + (yy - self.point[1]) ** 2 <= self.radius_px ** 2
        b = self.boundary((rows, cols))
        out = np.zeros((rows, cols), bool)
        if self.side == "right":
            out[:, max(0, int(np.ceil(b))):] = True
        elif self.side == "left":
            out[:, :max(0, int(np.floor(b)) + 1)] = True
        elif self.side == "bottom":
            out[max(0, int(np.ceil(b))):, :] = True
        else:
            out[:max(0, int(np.floor(b)) + 1), :] = True
        return out

    def reached(self, xs, ys, image_shape, *, tolerance_px=TOUCH_TOLERANCE_PX):
        """True if any of the pixels (xs, ys) reaches the counter electrode region.

        A pixel reaches it when its outer edge (centre + 0.5 px toward the
        counter electrode) lies within ``tolerance_px`` of the region. The
        pixels of the region itself are removed from the front, so a
        touching front ends on the pixel next to it.
        """
        xs = np.asarray(xs, float)
        ys = np.asarray(ys, float)
        if xs.size == 0:
            return False
        if self.point is not None:
            d = np.hypot(xs - self.point[0], ys - self.point[1]) - HALF_PX
            return bool(d.min() <= self.radius_px + tolerance_px)
        b = self.boundary(image_shape)
        if self.side == "right":
            return bool(xs.max() + HALF_PX >= b - tolerance_px)
        if self.side == "left":
            return bool(xs.min() - HALF_PX <= b + tolerance_px)
        if self.side == "bottom":
            return bool(ys.max() + HALF_PX >= b - tolerance_px)
        return bool(ys.min() - HALF_PX <= b + tolerance_px)


_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)"


def parse_counter_electrode(text, image_shape):
    """Parse a command-line description of the counter electrode.

    Accepted forms: a side ``right`` (the counter electrode is beyond that
    image edge), a side with its boundary ``right:900`` (x = 900 px; for
    top/bottom the number is a y), a point ``480,200`` (x, y in pixels) and
    a point with a radius ``480,200,15``.

    Parameters
    ----------
    text : str
    image_shape : tuple
        (rows, cols) of the frames, used to check that the position is inside.

    Returns
    -------
    CounterElectrode

    Raises
    ------
    InputError
        When the text is none of the forms or lies outside the image.
    """
    rows, cols = int(image_shape[0]), int(image_shape[1])
    s = str(text).strip().lower().replace(" ", "")
    m = re.fullmatch(rf"({'|'.join(_SIDES)})(?:[:=]({_NUM}))?", s)
    if m:
        side, b = m.group(1), m.group(2)
        if b is not None:
            b = float(b)
            limit = cols - 1 if side in ("left", "right") else rows - 1
            if not 0 <= b <= limit:
                raise InputError(f"counter electrode boundary {text!r} is outside the image "
                                 f"(0..{limit} px); give a position inside the frame.")
        return CounterElectrode(side=side, boundary_px=b)
    m = re.fullmatch(rf"({_NUM}),({_NUM})(?:,({_NUM}))?", s)
    if m:
        x, y = float(m.group(1)), float(m.group(2))
        r = float(m.group(3)) if m.group(3) else 0.0
        if not (0 <= x <= cols - 1 and 0 <= y <= rows - 1):
            raise InputError(f"counter electrode point {text!r} is outside the {cols}x{rows} "
                             "image; give x,y in pixels inside the frame.")
        return CounterElectrode(point=(x, y), radius_px=r)
    raise InputError(f"cannot read counter electrode {text!r}; use a side "
                     "(left|right|top|bottom, optionally with a boundary like right:900) "
                     "or a point x,y in pixels like 480,200.")


@dataclass(frozen=True)
class FrontPiece:
    """One connected piece of the lateral front in one frame (pixels; points are (x, y)).

    The front's numbers are the maxima (reach) and sums (area, branches) over
    its pieces, so a piece found later to be something else (the rod of a
    whisker tracked in other scans) can be taken out of them.

    Attributes
    ----------
    area_px : float
        Its share of :attr:`FrontMeasurement.area_px`, px^2.
    max_distance_px, projected_px : float
        As :attr:`FrontMeasurement.max_distance_px` and ``projected_px``, for
        this piece alone.
    n_branches : int
        Its counted branch end points.
    touching : bool
        It reaches the counter electrode.
    points_xy_px : (K, 2) ndarray
        Up to :data:`PIECE_MAX_POINTS` of its pixels (x, y), evenly spread.
    at_border : bool
        One of its pixels lies within :data:`BORDER_PX` of the border of the mask
        (the analysed region's edge: the image's edge, the data bar, a crop).
    """

    area_px: float
    max_distance_px: float
    projected_px: float
    n_branches: int
    touching: bool
    points_xy_px: np.ndarray = field(repr=False)
    at_border: bool = False


@dataclass(frozen=True)
class FrontMeasurement:
    """The lateral lithium front in one frame (pixels; points are (x, y)).

    Attributes
    ----------
    area_px : float
        Lateral Li area (px^2): Li connected to the electrode, outside its
        disc, not whiskers or needle.
    max_distance_px : float
        Largest distance of the lateral Li from the electrode centre, px,
        measured on the centre line (skeleton) of the branches, i.e. to the
        centre of the furthest branch tip; NaN without lateral Li.
    extent_px : float
        Largest distance of any lateral Li pixel from the electrode centre,
        px (outer edge: ``max_distance_px`` plus about half the tip width
        plus whatever rim the segmentation added); NaN without lateral Li.
    projected_px : float
        Furthest reach of the lateral Li (centre line) along the direction
        electrode -> counter electrode, measured from the electrode centre,
        px; NaN without lateral Li.
    front_xy_px : (float, float)
        The centre-line point of that furthest reach (x, y); NaN without.
    fractal_dimension : float
        Box-counting dimension of the lateral Li; NaN if too small.
    n_branches : int
        Skeleton end points of the lateral Li (spurs shorter than the
        minimum branch length and end points at the rim not counted).
    touching : bool
        Li connected to the electrode reaches the counter electrode region
        (within the touch tolerance).
    contour : (N, 2) ndarray
        Outline (x, y) of electrode plus lateral Li, for drawing.
    branch_tips_xy_px : (K, 2) ndarray
        The counted branch end points (x, y).
    pieces : tuple of FrontPiece
        The connected pieces of the lateral Li (of its tip-smoothed mask),
        with each one's reach, area share and branches.
    rim_zone_px : float
        Outer radius of the rim zone, px from the electrode centre (the rim
        margin plus :data:`BRANCH_RIM_PX` beyond the radius): lithium only
        within it is the electrode's own edge; NaN without lateral Li.
    """

    area_px: float
    max_distance_px: float
    extent_px: float
    projected_px: float
    front_xy_px: tuple
    fractal_dimension: float
    n_branches: int
    touching: bool
    contour: np.ndarray = field(repr=False)
    branch_tips_xy_px: np.ndarray = field(repr=False)
    pieces: tuple = field(default=(), repr=False)
    rim_zone_px: float = math.nan

    @property
    def present(self):
        """True if any lateral lithium was found."""
        return self.area_px > 0


def _empty_front():
    nan = float("nan")
    return FrontMeasurement(0.0, nan, nan, nan, (nan, nan), nan, 0, False,
                            np.zeros((0, 2)), np.zeros((0, 2)))


def _check_inputs(li_mask, electrode_xy_px, electrode_radius_px, exclude_mask):
    li = np.asarray(li_mask)
    if li.ndim != 2:
        raise ValueError(f"li_mask must be a 2-D (rows, cols) array; got shape {li.shape}.")
    li = li > MASK_LEVEL if li.dtype.kind == "f" else li.astype(bool, copy=False)
    try:
        ex, ey = (float(v) for v in electrode_xy_px)
    except (TypeError, ValueError):
        raise ValueError(f"electrode_xy_px must be (x, y) in pixels; got {electrode_xy_px!r}.") from None
    if not (np.isfinite(ex) and np.isfinite(ey)):
        raise ValueError(f"electrode_xy_px must be finite; got {electrode_xy_px!r}. "
                         "Find the electrode first.")
    r = float(electrode_radius_px)
    if not (np.isfinite(r) and r >= 0):
        raise ValueError(f"electrode_radius_px must be a finite number >= 0; got {electrode_radius_px!r}.")
    if exclude_mask is not None:
        exclude_mask = np.asarray(exclude_mask).astype(bool, copy=False)
        if exclude_mask.shape != li.shape:
            raise ValueError(f"exclude_mask has shape {exclude_mask.shape} but li_mask has "
                             f"{li.shape}; pass masks of the same frame.")
    return li, ex, ey, r, exclude_mask


def _disc(shape, x0, y0, r0, c0, radius):
    yy, xx = np.ogrid[r0:r0 + shape[0], c0:c0 + shape[1]]
    return (xx - x0) ** 2 + (yy - y0) ** 2 <= radius * radius


def _tip_half_width(dt, x, y, *, radius_px=TIP_SEARCH_PX):
    """Half-width of the branch whose outermost pixel is (x, y), px.

    The largest distance-transform value within ``radius_px`` (the centre
    of the rounded tip is there), minus the half pixel by which the
    transform of a pixel centre exceeds the distance to the outline.
    """
    r0, r1 = max(0, int(y) - radius_px), int(y) + radius_px + 1
    c0, c1 = max(0, int(x) - radius_px), int(x) + radius_px + 1
    return max(float(dt[r0:r1, c0:c1].max()) - HALF_PX, 0.0)


def _rod_pieces(lateral, skel, rim_zone, min_branch_length_px, centre_xy, *, aspect=ROD_ASPECT,
                thin=None, near_exclude=None):
    """The pieces of ``lateral`` (8-connected) that are single rods (see ROD_ASPECT).

    A piece is a rod when it is elongated (principal-axis length at least ``aspect``
    times the width, or a centre line at least :data:`ROD_SKELETON_ASPECT` times its
    mean width: a kinked or curved rod, two rods grown together into a V) away from
    the electrode (its principal axis within :data:`ROD_MAX_TILT_DEG` of the direction
    from ``centre_xy``, the electrode centre in the array's coordinates, to the piece,
    and its centre line spanning :data:`ROD_MIN_RADIAL_WIDTHS` widths in distance from
    it: a whisker grows out of the electrode, a band of lithium along the rim is lateral
    growth) and its skeleton
    has a constant width (:data:`ROD_MAX_WIDTH_RATIO`) and at most two ends beyond
    the rim zone once spurs shorter than
    ``min_branch_length_px`` or than twice the rod's half-width (the skeleton's
    corner spurs of a wide rod, outline roughness) are pruned. A piece whose skeleton runs
    mostly within ``thin`` (the line filter's thin branches, grown by :data:`THIN_NEAR_PX`)
    is never a rod (:data:`ROD_MAX_THIN_FRAC`). The width profile and the ends leave out
    the centre line within ``near_exclude`` (the excluded whiskers grown by
    :data:`EXCLUDE_RIM_PX`): the bright rim of a whisker beside the piece is neither its
    width nor a branch.
    """
    n, lab = cv2.connectedComponents(lateral.astype(np.uint8), connectivity=8)
    out = np.zeros(lateral.shape, bool)
    if n <= 1:
        return out
    ys, xs = np.nonzero(lateral)
    k = lab[ys, xs]
    cnt = np.bincount(k, minlength=n).astype(float)
    cnt[0] = 1.0
    mx, my = np.bincount(k, xs, n) / cnt, np.bincount(k, ys, n) / cnt
    dx, dy = xs - mx[k], ys - my[k]
    sxx, syy = np.bincount(k, dx * dx, n) / cnt, np.bincount(k, dy * dy, n) / cnt
    sxy = np.bincount(k, dx * dy, n) / cnt
    half_tr, det = 0.5 * (sxx + syy), sxx * syy - sxy * sxy
    root = np.sqrt(np.maximum(half_tr * half_tr - det, 0.0))
    lam1, lam2 = half_tr + root, np.maximum(half_tr - root, 0.0)
    elongated = lam1 >= aspect * aspect * np.maximum(lam2, 1.0 / 12.0)
    sy, sx = np.nonzero(skel & lateral)
    ks = lab[sy, sx]
    n_skel = np.bincount(ks, minlength=n).astype(float)
    # centre line against mean width (area / centre-line length): a kinked or curved rod
    elongated |= n_skel * n_skel >= ROD_SKELETON_ASPECT * cnt
    # principal axis (unit vector) against the radial direction from the electrode centre
    vx, vy = sxy, lam1 - sxx
    swap = np.hypot(vx, vy) < 1e-9
    vx, vy = np.where(swap, lam1 - syy, vx), np.where(swap, sxy, vy)
    rx, ry = mx - centre_xy[0], my - centre_xy[1]
    cos_tilt = np.abs(vx * rx + vy * ry) / np.maximum(np.hypot(vx, vy) * np.hypot(rx, ry), 1e-9)
    elongated &= cos_tilt >= math.cos(math.radians(ROD_MAX_TILT_DEG))
    if thin is not None:
        near = np.bincount(ks, thin[sy, sx].astype(float), n)
        elongated &= near <= ROD_MAX_THIN_FRAC * np.maximum(n_skel, 1)
    elongated[0] = False
    if not elongated.any():
        return out
    for lbl in np.flatnonzero(elongated):
        piece = lab == lbl
        r0, r1 = np.flatnonzero(piece.any(axis=1))[[0, -1]]
        c0, c1 = np.flatnonzero(piece.any(axis=0))[[0, -1]]
        box = (slice(r0, r1 + 1), slice(c0, c1 + 1))
        # closed first: a rod segmented as its two bright rims (the dark core within the
        # noise) is a tube with two parallel skeleton lines
        p = cv2.morphologyEx(np.pad(piece[box], ROD_CLOSE_PX).astype(np.uint8), cv2.MORPH_CLOSE,
                             cv2.getStructuringElement(cv2.MORPH_ELLIPSE,
                                                       (2 * ROD_CLOSE_PX + 1,) * 2))
        p = p[ROD_CLOSE_PX:-ROD_CLOSE_PX, ROD_CLOSE_PX:-ROD_CLOSE_PX] > 0
        from skimage.morphology import skeletonize  # skimage.morphology on first use

        sk = skeletonize(np.pad(p, 1))[1:-1, 1:-1]
        if not sk.any():
            continue
        pdt = cv2.distanceTransform(np.pad(p, 1).astype(np.uint8), cv2.DIST_L2,
                                    cv2.DIST_MASK_5)[1:-1, 1:-1]
        own = sk
        if near_exclude is not None:
            own = sk & ~near_exclude[box]
            if not own.any():
                own = sk    # wholly along a whisker: judged on all of it
        widths = pdt[own]
        half_width = float(np.median(widths))
        lo, hi = np.percentile(widths, ROD_WIDTH_PERCENTILES)
        if hi > ROD_MAX_WIDTH_RATIO * max(lo, 1.0):
            continue    # a lobe narrowing from a thick base, not a rod of constant width
        ky, kx = np.nonzero(sk)
        rad = np.hypot(kx + c0 - centre_xy[0], ky + r0 - centre_xy[1])
        if float(rad.max() - rad.min()) < ROD_MIN_RADIAL_WIDTHS * 2.0 * half_width:
            continue    # along the rim, not away from the electrode
        spur = max(float(min_branch_length_px), 2.0 * half_width)
        ignore = ~rim_zone[box] if near_exclude is None else ~rim_zone[box] | near_exclude[box]
        n_tips, _ = count_branches(p, min_branch_length_px=spur, ignore_mask=ignore, skeleton=sk)
        if n_tips <= 2:
            out |= piece
    return out


def measure_front(li_mask, *, electrode_xy_px, electrode_radius_px, counter_electrode,
                  exclude_mask=None, rim_margin_px=RIM_MARGIN_PX,
                  connect_gap_px=CONNECT_GAP_PX, min_piece_area_px=MIN_PIECE_AREA_PX,
                  touch_tolerance_px=TOUCH_TOLERANCE_PX, min_branch_length_px=MIN_BRANCH_LENGTH_PX,
                  min_fractal_pixels=MIN_FRACTAL_PIXELS, tip_smoothing_px=TIP_SMOOTHING_PX,
                  thin_mask=None, exclude_rods=False):
    """Measure the lateral lithium front in one segmented frame.

    Lateral Li is the part of ``li_mask`` that is connected to the electrode
    (8-connectivity, bridging gaps up to ``connect_gap_px``), lies outside the
    electrode disc widened by ``rim_margin_px``, and is not in
    ``exclude_mask`` (whiskers, the micromanipulator needle).

    Parameters
    ----------
    li_mask : (M, N) array of bool
        Lithium pixels of this frame (a float array is thresholded at 0.5).
    electrode_xy_px : (float, float)
        Electrode centre (x, y), pixels.
    electrode_radius_px : float
        Electrode radius, pixels.
    counter_electrode : CounterElectrode or str
        Where the counter electrode is; a string is parsed with
        :func:`parse_counter_electrode`.
    exclude_mask : (M, N) array of bool, optional
        Pixels that are not lateral front: whiskers (thin straight rods) and
        the needle. They also do not connect Li to the electrode.
    rim_margin_px : float, optional
        Li within ``electrode_radius_px + rim_margin_px`` of the centre is the
        electrode itself (absorbs a slightly wrong radius).
    connect_gap_px : int, optional
        Gaps of up to this many pixels (segmentation breaks in thin
        branches) still connect Li to the electrode; 0 for strict
        8-connectivity. Only used to decide connectivity, not for the area.
    min_piece_area_px : int, optional
        Lateral pieces smaller than this (pixel noise along the rim) are dropped.
    touch_tolerance_px : float, optional
        Li this close to the counter electrode region counts as touching.
    min_branch_length_px : float, optional
        Shortest skeleton branch counted in ``n_branches``.
    min_fractal_pixels : int, optional
        Below this lateral area the fractal dimension is NaN.
    tip_smoothing_px : float, optional
        Gaussian smoothing (sigma, px) of the mask before locating the tips,
        so that one-pixel noise bumps on the outline add no reach; 0 = off.
    thin_mask : (M, N) array of bool, optional
        Thin (1-2 px) lithium branches found by a line filter that the
        segmentation missed (drawn a few px wide). They are part of the
        front for connectivity, reach, branches and touch-down, but not for
        ``area_px``: their drawn width is not their width, and the lithium
        area feeds the plated volume.
    exclude_rods : bool, optional
        Leave out lateral pieces that are single straight rods (unbranched:
        at most two skeleton ends beyond the rim, length at least :data:`ROD_ASPECT` times
        the width): whiskers the whisker finder missed and line artefacts.
        Lateral growth is a branching, area-filling cluster; the young,
        still unbranched trunk of a front is left out until it branches.
        Pieces are taken beyond the rim zone (``BRANCH_RIM_PX`` outside the
        rim margin), and lithium only within that zone (a halo along the
        rim) is no front. The analyze pipeline sets it; default False (every
        piece counts).

    Returns
    -------
    FrontMeasurement
        With ``area_px == 0`` and NaN distances when there is no lateral Li.

    Notes
    -----
    ``max_distance_px`` and ``projected_px`` are measured to the centre of
    the furthest branch tip: the furthest pixel of the (slightly smoothed)
    mask, moved back by the local half-width of the branch (largest
    distance-transform value within 6 px). A segmentation that makes
    branches thicker or thinner (bright edge rims, smoothing) moves the
    outline but not the tip centre. ``extent_px`` gives the outline-based
    distance as well. The pixels of the counter electrode
    region are removed from ``li_mask`` first (the counter electrode is
    lithium too), so a touching front ends next to it. Only the bounding box
    of the Li connected to the electrode is
    processed, so the cost scales with the size of the front, not the frame.
    """
    li, ex, ey, rad, exclude = _check_inputs(li_mask, electrode_xy_px,
                                             electrode_radius_px, exclude_mask)
    seg = None
    if thin_mask is not None:
        thin_mask = np.asarray(thin_mask).astype(bool, copy=False)
        if thin_mask.shape != li.shape:
            raise ValueError(f"thin_mask has shape {thin_mask.shape} but li_mask has "
                             f"{li.shape}; pass masks of the same frame.")
        seg = li
        li = li | thin_mask
    if isinstance(counter_electrode, str):
        counter_electrode = parse_counter_electrode(counter_electrode, li.shape)
    if not isinstance(counter_electrode, CounterElectrode):
        raise ValueError("counter_electrode must be a CounterElectrode or a string like "
                         f"'right' or '480,200'; got {type(counter_electrode).__name__}.")
    rows, cols = li.shape
    if exclude is not None:
        li = li & ~exclude
    # the counter electrode itself is not front (it is lithium too)
    li = li & ~counter_electrode.region_mask(li.shape)
    r_in = rad + rim_margin_px
    # seed: the electrode disc (pixels strictly inside it need not be Li)
    seed_r = max(rad, 1.0)
    rr0, rr1 = int(max(0, np.floor(ey - seed_r - 1))), int(min(rows, np.ceil(ey + seed_r + 2)))
    cc0, cc1 = int(max(0, np.floor(ex - seed_r - 1))), int(min(cols, np.ceil(ex + seed_r + 2)))
    if rr0 >= rr1 or cc0 >= cc1:
        raise ValueError(f"electrode at {electrode_xy_px} with radius {rad} px lies outside "
                         f"the {cols}x{rows} frame; check the electrode position.")
    work = li.astype(np.uint8)
    seed_disc = _disc((rr1 - rr0, cc1 - cc0), ex, ey, rr0, cc0, seed_r)
    # connectivity on a copy with the electrode disc filled in
    conn = work.copy()
    conn[rr0:rr1, cc0:cc1] |= seed_disc.astype(np.uint8)
    if connect_gap_px > 0:
        k = 2 * int(connect_gap_px) + 1
        conn_d = cv2.dilate(conn, np.ones((k, k), np.uint8))
        if exclude is not None:
            conn_d[exclude] = 0
            conn_d[rr0:rr1, cc0:cc1] |= seed_disc.astype(np.uint8)
    else:
        conn_d = conn
    # flood fill from the electrode: only the component touching it is visited
    seed_rc = np.argwhere(seed_disc & (conn_d[rr0:rr1, cc0:cc1] > 0))
    if seed_rc.size == 0:
        return _empty_front()
    sr, sc = seed_rc[len(seed_rc) // 2]
    ff_mask = np.zeros((rows + 2, cols + 2), np.uint8)
    _, _, _, rect = cv2.floodFill(conn_d, ff_mask, (int(sc + cc0), int(sr + rr0)), 2,
                                  loDiff=0, upDiff=0,
                                  flags=8 | cv2.FLOODFILL_MASK_ONLY | (1 << 8))
    x0, y0, w, h = (int(v) for v in rect)
    comp = (ff_mask[1 + y0:1 + y0 + h, 1 + x0:1 + x0 + w] > 0) & (work[y0:y0 + h, x0:x0 + w] > 0)
    lateral = comp & ~_disc(comp.shape, ex, ey, y0, x0, r_in)
    if not lateral.any():
        return _empty_front()
    # drop tiny pieces (rim noise)
    n2, lab2, st2, _ = cv2.connectedComponentsWithStats(lateral.astype(np.uint8), connectivity=8)
    small = np.flatnonzero(st2[1:, cv2.CC_STAT_AREA] < min_piece_area_px) + 1
    if small.size:
        lateral &= ~np.isin(lab2, small)
    if not lateral.any():
        return _empty_front()
    from skimage.morphology import skeletonize  # skimage.morphology on first use

    skel = skeletonize(np.pad(lateral, 1))[1:-1, 1:-1]
    rim_zone = ~_disc(lateral.shape, ex, ey, y0, x0, r_in + BRANCH_RIM_PX)
    if exclude_rods:
        # pieces beyond the rim zone (whiskers joined only by a halo along the rim are
        # pieces of their own there); the rim zone alone is the electrode's edge changing
        thin = None
        if thin_mask is not None:
            k_near = 2 * THIN_NEAR_PX + 1
            thin = cv2.dilate(thin_mask[y0:y0 + h, x0:x0 + w].astype(np.uint8),
                              np.ones((k_near, k_near), np.uint8)) > 0
        near_ex = None
        if exclude is not None:
            k_ex = 2 * EXCLUDE_RIM_PX + 1
            near_ex = cv2.dilate(exclude[y0:y0 + h, x0:x0 + w].astype(np.uint8),
                                 np.ones((k_ex, k_ex), np.uint8)) > 0
        rods = _rod_pieces(lateral & rim_zone, skel & rim_zone, rim_zone, min_branch_length_px,
                           (ex - x0, ey - y0), thin=thin, near_exclude=near_ex)
        lateral &= ~rods
        skel &= ~rods
        if not (lateral & rim_zone).any():
            return _empty_front()
    ys, xs = np.nonzero(lateral)
    xs = xs + x0
    ys = ys + y0
    extent = float(np.hypot(xs - ex, ys - ey).max() + HALF_PX)
    # tip centres: the furthest outline point moved back by the local
    # half-width (largest distance-transform value near it), on a slightly
    # smoothed mask so that one-pixel noise bumps do not add reach
    if tip_smoothing_px > 0:
        soft = cv2.GaussianBlur(np.pad(lateral, 2).astype(np.float32), (0, 0), tip_smoothing_px)
        smooth = (soft > MASK_LEVEL)[2:-2, 2:-2]
        if not smooth.any():
            smooth = lateral
    else:
        smooth = lateral
    ty, tx = np.nonzero(smooth)
    txs = tx + x0
    tys = ty + y0
    dt = cv2.distanceTransform(np.pad(smooth, 1).astype(np.uint8), cv2.DIST_L2,
                               cv2.DIST_MASK_5)[1:-1, 1:-1]
    d_all = np.hypot(txs - ex, tys - ey)
    k = int(d_all.argmax())

    def half_width(j):
        # a branch cut by the counter electrode has no rounded tip to step back from
        if counter_electrode.reached(txs[j:j + 1], tys[j:j + 1], li.shape,
                                     tolerance_px=touch_tolerance_px):
            return 0.0
        return _tip_half_width(dt, tx[j], ty[j])

    max_distance = float(d_all[k] + HALF_PX) - half_width(k)
    ux, uy = counter_electrode.direction((ex, ey))
    proj = (txs - ex) * ux + (tys - ey) * uy
    i = int(proj.argmax())
    hw = half_width(i)
    projected = float(proj[i] + HALF_PX - hw)
    front_xy = (float(txs[i] + (HALF_PX - hw) * ux), float(tys[i] + (HALF_PX - hw) * uy))
    touching = counter_electrode.reached(xs, ys, li.shape, tolerance_px=touch_tolerance_px)
    fd = box_counting_dimension(lateral, min_pixels=min_fractal_pixels)
    n_br, tips = count_branches(lateral, min_branch_length_px=min_branch_length_px,
                                ignore_mask=~rim_zone, skeleton=skel)
    tips = tips + np.array([x0, y0], float)
    # outline of electrode + lateral Li for drawing
    draw = lateral.astype(np.uint8)
    draw |= _disc(lateral.shape, ex, ey, y0, x0, r_in).astype(np.uint8)
    contours, _ = cv2.findContours(draw, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if contours:
        big = max(contours, key=cv2.contourArea)
        contour = big.reshape(-1, 2).astype(float) + np.array([x0, y0], float)
    else:
        contour = np.zeros((0, 2))
    counted = lateral if seg is None else lateral & seg[y0:y0 + h, x0:x0 + w]
    area = float(np.count_nonzero(counted))
    pieces = _front_pieces(smooth, counted, tips - np.array([x0, y0], float), ty, tx, d_all, proj,
                           half_width, counter_electrode, li.shape, touch_tolerance_px, (x0, y0))
    return FrontMeasurement(
        area_px=area,
        max_distance_px=max_distance,
        extent_px=extent,
        projected_px=projected,
        front_xy_px=front_xy,
        fractal_dimension=fd,
        n_branches=int(n_br),
        touching=touching,
        contour=contour,
        branch_tips_xy_px=tips,
        pieces=pieces,
        rim_zone_px=r_in + BRANCH_RIM_PX,
    )


def _front_pieces(smooth, counted, tips_local, ty, tx, d_all, proj, half_width, counter, shape,
                  tolerance_px, offset):
    """The :class:`FrontPiece` of each 8-connected piece of the tip-smoothed mask ``smooth``.

    ``ty, tx`` are ``np.nonzero(smooth)``; ``d_all`` and ``proj`` the distance and the
    projection of those pixels; ``half_width(j)`` the tip half-width at pixel j of them.
    Area and branch tips off the smoothed mask (a one-pixel bump) go to the piece
    next to them.
    """
    n, lab = cv2.connectedComponents(smooth.astype(np.uint8), connectivity=8)
    if n <= 1:
        return ()
    k = lab[ty, tx]
    pad = np.pad(lab, 1)

    def piece_of(rows, cols):
        # the label there, else the largest label among the 8 neighbours (0: none)
        out = lab[rows, cols]
        off = np.flatnonzero(out == 0)
        if off.size:
            r, c = rows[off] + 1, cols[off] + 1
            out[off] = np.max([pad[r + dr, c + dc] for dr in (-1, 0, 1) for dc in (-1, 0, 1)],
                              axis=0)
        return out

    cy, cx = np.nonzero(counted)
    areas = np.bincount(piece_of(cy, cx), minlength=n)
    tips_k = np.zeros(n, int)
    if len(tips_local):
        tr = np.clip(np.round(tips_local[:, 1]).astype(int), 0, lab.shape[0] - 1)
        tc = np.clip(np.round(tips_local[:, 0]).astype(int), 0, lab.shape[1] - 1)
        tips_k = np.bincount(piece_of(tr, tc), minlength=n)
    order = np.argsort(k, kind="stable")
    starts = np.concatenate([[0], np.cumsum(np.bincount(k, minlength=n)[1:])])
    x0, y0 = offset
    out = []
    for j in range(1, n):
        idx = order[starts[j - 1]:starts[j]]
        if not idx.size:
            continue
        i_d = idx[int(np.argmax(d_all[idx]))]
        i_p = idx[int(np.argmax(proj[idx]))]
        sample = idx[np.linspace(0, idx.size - 1, min(idx.size, PIECE_MAX_POINTS)).astype(int)]
        out.append(FrontPiece(
            area_px=float(areas[j]),
            max_distance_px=float(d_all[i_d] + HALF_PX) - half_width(i_d),
            projected_px=float(proj[i_p] + HALF_PX) - half_width(i_p),
            n_branches=int(tips_k[j]),
            touching=counter.reached(tx[idx] + x0, ty[idx] + y0, shape, tolerance_px=tolerance_px),
            points_xy_px=np.column_stack([tx[sample] + x0, ty[sample] + y0]).astype(np.float32),
            at_border=bool(np.any((tx[idx] + x0 < BORDER_PX) | (tx[idx] + x0 >= shape[1] - BORDER_PX)
                                  | (ty[idx] + y0 < BORDER_PX) | (ty[idx] + y0 >= shape[0] - BORDER_PX)))))
    return tuple(out)
