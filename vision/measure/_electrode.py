"""Find the lithium microelectrode and the counter electrode in an SEM frame.

Lithium is darker than the LLZO ceramic. The working microelectrode is a
dark disc (possibly with a contacting needle and whiskers attached); the
counter electrode, when visible, is a dark lithium band along one image edge.

Coordinates: x = column, y = row, origin at the centre of the top-left pixel.
"""
import dataclasses
import logging
import math

import cv2
import numpy as np

from calibration import InputError

from .._shared._stats import mad_sigma
from ._front import CounterElectrode, parse_counter_electrode
from ._needle import NEEDLE_MIN_TAPER, needle_candidate

logger = logging.getLogger(__name__)

__all__ = ["Electrode", "find_electrode", "find_counter_electrode",
           "resolve_electrode", "resolve_counter_electrode"]

SIDES = ("left", "right", "top", "bottom")


@dataclasses.dataclass(frozen=True, slots=True)
class Electrode:
    """The lithium microelectrode (a disc).

    Attributes
    ----------
    x_px, y_px : float
        Centre (x = column, y = row) in first-frame pixel coordinates.
    radius_px : float
        Radius in pixels.
    source : str
        ``"auto"`` (found in the image) or ``"user"`` (given position).
    polarity : str
        ``"dark"`` when the lithium is darker than the ceramic (secondary
        electrons, the usual case), ``"bright"`` when it is brighter.
    """

    x_px: float
    y_px: float
    radius_px: float
    source: str = "auto"
    polarity: str = "dark"


def _gray(image, data_bar_row=None):
    image = np.asarray(image)
    if image.ndim != 2:
        raise InputError(f"expected a 2-D greyscale image (rows, cols), got shape {image.shape}")
    if data_bar_row is not None:
        image = image[: int(data_bar_row)]
    return image.astype(np.float32, copy=False)


def _fit_circle(xs, ys):
    """Algebraic (Kasa) circle fit; returns (xc, yc, r)."""
    a = np.column_stack([xs, ys, np.ones_like(xs)])
    b = xs * xs + ys * ys
    sol, *_ = np.linalg.lstsq(a, b, rcond=None)
    xc, yc = sol[0] / 2, sol[1] / 2
    r = np.sqrt(max(sol[2] + xc * xc + yc * yc, 0.0))
    return float(xc), float(yc), float(r)


#: Gaussian smoothing (px) of the frame before the lithium/ceramic threshold: removes shot
#: noise while keeping discs of the smallest accepted radius (4 px) intact.
SMOOTH_PX = 2.0
#: Lag (px) of the pixel differences the smoothed frame's noise is measured on: beyond the
#: correlation length of the SMOOTH_PX blur (correlation exp(-lag^2 / (4 sigma^2)) ~ 2 %).
NOISE_LAG_PX = 8
#: Histogram bins used to find the ceramic's grey level (the most common level).
CERAMIC_HIST_BINS = 128
#: ... smoothed by a running mean over this many bins (one noisy bin does not win).
CERAMIC_HIST_SMOOTH_BINS = 3
#: Percentile (and 100 - it) taken as the extreme grey level on the dark (bright) side:
#: lithium covers at least ~0.2 % of the frame (a 4-px disc in 1080p), so this lies inside it.
EXTREME_PERCENTILE = 0.5
#: Lithium/ceramic thresholds as fractions of the way from the ceramic level to the
#: extreme level: half way (the mid-level of a blurred step, independent of contrast) and
#: a third of the way (the extreme may be the needle, brighter than bright lithium).
MID_LEVELS = (0.5, 0.3)
#: A side counts only if its extreme lies this many ceramic noise levels from the ceramic.
MIN_CONTRAST_SIGMA = 3.0
#: Outline points within this distance (px, or this fraction of the radius if larger)
#: of a fitted circle are on it (needles and whiskers cut in and stick out of the disc).
CIRCLE_TOL_PX = 1.0
CIRCLE_TOL_FRAC = 0.04
#: Angular bins over which the fitted circle's outline points are counted ...
N_ARC_BINS = 36
#: ... and the least fraction of them a disc must fill: an electrode partly outside the
#: field keeps its centre in the field (more than half its rim visible); a straight band
#: (counter electrode) or a needle covers a few bins only.
MIN_ARC_COVER = 0.45
#: The disc's inside (within INNER_FRAC of its radius) must differ from a ring outside it
#: (RING_GAP_PX beyond the rim, past the edge blur and bright rim, RING_FRAC of the radius
#: or RING_MIN_PX wide) by this many times the ring's spread: lithium is a plateau apart
#: from the ceramic, a blob of the ceramic's texture differs by about its spread.
MIN_DISC_CONTRAST = 1.0
#: ... and scores in full from this contrast on (below, in proportion).
FULL_DISC_CONTRAST = 3.0
#: Least fraction of a fitted disc (inside the image) its region must cover: the needle's
#: tip cuts a few % out of an electrode; a circle fitted to part of a needle's wedge (where
#: it meets the image edge) or to a band's end covers half of it or less.
MIN_DISC_FILL = 0.75
#: Largest electrode radius as a fraction of the shorter image side: a microelectrode is
#: imaged whole or nearly (its diameter at most ~80 % of the field); larger "circles" are
#: the curved sides of borders, bands or the needle.
MAX_RADIUS_FRAC = 0.5
INNER_FRAC = 0.7
RING_GAP_PX = 4.0
RING_FRAC = 0.3
RING_MIN_PX = 6.0

#: Smallest electrode radius (px) searched for by default: below ~4 px a disc is not told
#: from a blob of noise after the SMOOTH_PX blur.
MIN_ELECTRODE_RADIUS_PX = 4.0
#: Two candidate thresholds closer than this fraction of the contrast give the same mask.
SAME_THRESHOLD_FRAC = 0.05
#: Fewest outline points a circle fit is made from (a 4-px disc has ~25).
MIN_FIT_POINTS = 12
#: Annulus (fractions of the inscribed radius) of outline points for the fit started from
#: the inscribed circle: the disc rim, not the far ends of whiskers or the needle.
INSCRIBED_ANNULUS = (0.9, 2.0)
#: ... and a tight annulus for the third start: a wide needle (or band of whiskers) merged
#: with a large disc puts many outline points within twice the radius, which drag the first
#: algebraic fit off the disc; the inscribed circle of a disc with a needle attached is the
#: disc itself, so its rim lies within the needle's edge blur of it.
INSCRIBED_TIGHT_ANNULUS = (0.9, 1.2)
#: Shrinking tolerances of the trimmed circle fit: first fractions of the radius (drop the
#: needle and long whiskers), then px (down to the pixel noise of the outline).
TRIM_TOL_FRACS = (0.5, 0.25)
TRIM_TOL_PX = (6.0, 3.0)
#: Same for the refinement of a user-given position's disc (ends at the outline's 1.5 px).
REFINE_TOL_FRAC = 0.25
REFINE_TOL_PX = (6.0, 3.0, 2.0, 1.5)
#: Contour pixels lie on the inner side of the boundary: the radius gains half a pixel.
CONTOUR_HALF_PX = 0.5
#: A region this much smaller than the smallest disc's area cannot hold one (discretisation).
MIN_AREA_FRAC = 0.8
#: A candidate whose inscribed radius exceeds max_radius_px by this factor is dropped (the
#: inscribed radius is under the fitted one, so some slack).
MAX_INSCRIBED_FACTOR = 1.3
#: The sub-pixel edge fit is kept only if it moves the centre and radius by at most this
#: (px, or fraction of the radius if larger); further, it has locked onto a needle or rim.
REFINE_MAX_SHIFT_PX = 3.0
REFINE_MAX_SHIFT_FRAC = 0.1
#: Radial edge profiles: sectors, rays averaged per sector, half length (px) around the
#: start radius, sampling step (px), margin (px) kept from the profile ends for the model
#: fit, and the fit's position grid (px).
EDGE_SECTORS = 48
EDGE_RAYS_PER_SECTOR = 4
EDGE_HALF_WINDOW_PX = 8.0
EDGE_STEP_PX = 0.5
EDGE_FIT_MARGIN_PX = 2
EDGE_GRID_PX = 0.1
#: Fewest sector edges a circle is fitted to, and the shrinking tolerances (px) dropping
#: sectors off the circle (needle, whiskers) down to the edge fit's precision.
MIN_EDGE_SECTORS = 8
EDGE_TOL_PX = (3.0, 1.5, 1.0)
#: A sector's edge agrees with a circle within this (px): the middle of EDGE_TOL_PX, past
#: the sub-pixel edge fit's scatter on a noisy or textured rim (whatever the radius: a
#: fraction of it, as for mask outlines, lets a 200 px circle 8 px off the rim agree).
EDGE_AGREE_TOL_PX = 1.5
#: The edge fit from the region's circle is the rim when at least this fraction of the
#: sectors in the image agree with it: a needle covers one or two of 48, whiskers a few;
#: a region's circle that holds a grain (or a rim ring) beside the disc has most of its
#: sectors on two different curves.
EDGE_MIN_AGREEMENT = 0.5
#: ... else the widest-window rim circle replaces it when this many more sectors (a fraction)
#: agree with it: two sectors of 48, past a coin toss on one sector.
EDGE_AGREEMENT_GAIN = 2.0 / EDGE_SECTORS
#: Around a user-given point outside any region, the nearest region within this (px) is
#: taken (a click a few px off the disc); its inscribed circle is looked for within
#: USER_INSCRIBED_PX of the point.
USER_SNAP_PX = 10
USER_INSCRIBED_PX = 15
#: Counter-electrode band: least fraction of the edge that must be lithium (a band, not a
#: few whiskers reaching the edge), least depth (px, beyond the edge blur), and most depth
#: as a fraction of the image (deeper is the working side, not a band).
BAND_MIN_COVER = 0.6
BAND_MIN_DEPTH_PX = 3
BAND_MAX_DEPTH_FRAC = 0.5
#: Band edge profile: half window (px) around the pixel edge, fewest samples, model-fit
#: margins at the start and the end (px) and the fit's grid (px).
BAND_HALF_WINDOW_PX = 10
BAND_MIN_SAMPLES = 8
BAND_FIT_MARGIN_LO_PX = 2.0
BAND_FIT_MARGIN_HI_PX = 3.0
BAND_GRID_PX = 0.05
#: Electrode search without counter-electrode bands (:func:`_band_depths`): every this-many-th
#: line along a side enters its profile; band edges tried every BAND_DEPTH_STEP_PX; the band's
#: plateau must differ from the rest by BAND_MIN_PLATEAU_Z times the scatter of its lines (a
#: plain ceramic's line medians scatter by its texture, a band's level is a step apart); the
#: edge is straight when BAND_MIN_STRAIGHT of the lines cross the mid-level within
#: BAND_STRAIGHT_PX (or BAND_STRAIGHT_FRAC of the depth) of the median depth; the band and a
#: margin for its bright rim (px, or fraction of the frame) are set to the ceramic's level,
#: unless less than BAND_MIN_REST_FRAC of the frame would be left.
BAND_LINE_SUBSAMPLE = 2
#: Band edges are tried up to this fraction of the frame (a counter electrode may cover more
#: than half of it).
BAND_SEARCH_DEPTH_FRAC = 0.75
BAND_DEPTH_STEP_PX = 2
BAND_MIN_PLATEAU_Z = 8.0
BAND_STRAIGHT_PX = 4.0
BAND_STRAIGHT_FRAC = 0.05
BAND_MIN_STRAIGHT = 0.8
BAND_RIM_MARGIN_PX = 8
BAND_RIM_MARGIN_FRAC = 0.01
BAND_MIN_REST_FRAC = 0.3
STATS_STEP = 7
#: Discs within their radius plus NEEDLE_TIP_TOL_PX (or _FRAC of the radius) of the needle's
#: tip (:mod:`._needle`) are preferred (the needle's tip rests on the electrode, see
#: :func:`_needle_preference`) ...
NEEDLE_TIP_TOL_PX = 5.0
#: ... or this fraction of the radius, whichever is larger: the tip rests on the rim or over
#: the disc, and a small disc may be found as its dark core (10 of 13.5 px in a tuning scene,
#: the tip 17 px from the centre), so the tip may lie up to one radius beyond the fitted rim.
NEEDLE_TIP_TOL_FRAC = 1.0
#: ... a disc at the tip whose size-free score (arc cover times contrast factor) is at least
#: this and at least the best disc's is the electrode, whatever its size: a closed, contrasted
#: circle where the needle ends (in the tuning scenes true electrodes at the tip score 0.73..
#: 0.84, grains at the tip 0.18..0.61) ...
NEEDLE_MIN_RIM_SCORE = 0.7
#: A needle seen with its tip within this fraction of the best disc's radius of its centre
#: rests on that disc, and the search for discs cut by the image edge (for an electrode whose
#: needle is hidden beyond it, :func:`_disc_candidates`) is not run. The needle presses on
#: the electrode over its inner part (the generator ends it 0.35 r from the centre with a
#: round cap 0.12 r wide, so its far end lies about 0.23 r from the centre: read at 0.23-0.26 r
#: on the first tuning frames); a misread region that merely reaches a grain's boundary ends
#: near its rim (tuning seeds 7011 and 5054: 0.94 r and 0.8 r from the centre of a wrong
#: disc, where the edge search finds the electrode).
NEEDLE_OVER_DISC_FRAC = 0.5
#: Rim circle at the needle's tip (:func:`_tip_rim_circles`), for an electrode no mask
#: separates from the ceramic (textured lithium as grey as the grains around it): the circle
#: whose normal grey-level gradient keeps one sign all round. An angular bin carries the
#: rim when its normal gradient exceeds TIP_RIM_GRADIENT_SIGMA times the gradient's noise
#: (one noise bin in ~40 passes, one-sided 2 sigma); grain boundaries are straight, so a
#: circle follows a grain's polygon only where it touches its sides.
TIP_RIM_GRADIENT_SIGMA = 2.0
#: Angular bins of the rim (as N_ARC_BINS) and, per radius, centres tried on a grid of this
#: fraction of the radius (at least 1 px) within reach of the tip (:func:`_at_tip`); radii
#: grow in steps of TIP_RIM_RADIUS_STEP_FRAC (at least 1 px). The grid puts the sampled rim
#: within a few % of the radius of the true one, the gradient is blurred by that much
#: (TIP_RIM_BLUR_FRAC of the radius, at least SMOOTH_PX) so the rim is still met.
TIP_RIM_GRID_FRAC = 0.1
TIP_RIM_RADIUS_STEP_FRAC = 0.06
TIP_RIM_BLUR_FRAC = 0.05
#: The best circles of the grid search refined on a finer grid around them (how many).
TIP_RIM_REFINE = 3
#: A rim circle covered by the needle over more than this fraction of its disc is the
#: needle's own end: the needle's tip rests on the disc, it does not hide most of it.
TIP_RIM_MAX_NEEDLE_FRAC = 0.5
#: A rim circle of the edge search (:func:`_edge_rim_circles`) is moved onto the rim's strongest
#: edge by a pattern search starting with steps of EDGE_RIM_POLISH_STEP_PX, within
#: EDGE_RIM_POLISH_FRAC of its radius (at least 1 px) of where the search put it.
EDGE_RIM_POLISH_STEP_PX = 2.0
#: Discs cut by the image edge (:func:`_edge_rim_circles`) are looked for when the best disc's
#: rim is not closed (its normal gradient significant in fewer than NEEDLE_MIN_RIM_SCORE of
#: its visible bins: a circle fitted to a grain region, or a misread needle's tip); a circle
#: there replaces it when its visible arc is followed in at least EDGE_RIM_MIN_COVER of the
#: bins: with the needle hidden beyond the edge nothing covers the arc (one noise bin in ~40
#: passes the 2-sigma test; a grain's polygon is followed over 3/4 of a circle at most in
#: the tuning renders, the electrodes cut by the edge over all of it).
EDGE_RIM_MIN_COVER = 0.9
EDGE_RIM_POLISH_FRAC = 0.4
#: Radius step (px) of the bright-ring crest search (:func:`_rim_ridge`): a quarter of the
#: smallest edge blur.
RIDGE_STEP_PX = 0.25
#: Blurs (px, Gaussian sigma) tried for the ring and its step: the edge brightening's own
#: width (about 1-2 px) combined with the beam's and the smoothing's.
RIDGE_BLURS_PX = (1.5, 2.0, 2.5, 3.0, 4.0)
#: tanh(k u) approximates the error function erf(u / sqrt 2) of a Gaussian-blurred step
#: (k = sqrt(2 / pi) matches its slope at the edge).
RIDGE_ERF_TANH = math.sqrt(2.0 / math.pi)
#: Breakdown point of the median absolute deviation: the fraction of samples that may be
#: outliers (here: pixels of one flat level) before it no longer measures the rest's scatter.
MAD_BREAKDOWN = 0.5
#: Least inner/ring samples of the disc contrast (fewer give no robust median).
MIN_INNER_SAMPLES = 5
MIN_RING_SAMPLES = 10
#: The contrast is sampled on about this many points across the radius (speed).
CONTRAST_SAMPLES_PER_RADIUS = 20


def _ceramic_level(sm):
    """Most common grey level of the smoothed frame (the ceramic covers most of it)."""
    sub = sm[::2, ::2].ravel()
    lo, hi = (float(v) for v in np.percentile(sub, (EXTREME_PERCENTILE, 100 - EXTREME_PERCENTILE)))
    if hi - lo <= 1e-9:
        return lo, 0.0
    hist, edges = np.histogram(sub, bins=CERAMIC_HIST_BINS, range=(lo, hi))
    k = CERAMIC_HIST_SMOOTH_BINS
    hist = np.convolve(hist, np.ones(k) / float(k), mode="same")
    k = int(np.argmax(hist))
    level = 0.5 * (edges[k] + edges[k + 1])
    # noise of the smoothed frame: differences of pixels NOISE_LAG_PX apart (beyond the
    # smoothing's correlation), robust to the few that straddle an edge
    lag = NOISE_LAG_PX
    return level, mad_sigma(sm[::2, lag:] - sm[::2, :-lag]) / math.sqrt(2.0)


def _li_masks(image, *, smooth_px=SMOOTH_PX, polarities=("dark", "bright")):
    """Candidate lithium masks: [(polarity, mask, threshold), ...].

    Two references for the ceramic's level, since neither holds everywhere:
    the median of the frame (wrong when lithium covers half of it) and the
    most common level (wrong when the ceramic is textured and the lithium
    flat). For each and each side, the threshold lies half way from it to
    the 0.5th (99.5th) percentile; a side whose extreme is within the
    ceramic's noise has no mask. Which mask holds the electrode is decided
    by the shape and contrast of its regions (:func:`_disc_score`).
    """
    sm = cv2.GaussianBlur(image, (0, 0), smooth_px)
    mode, sigma = _ceramic_level(sm)
    sub = sm[::2, ::2]
    med = float(np.median(sub))
    out = []
    for pol in polarities:
        q = EXTREME_PERCENTILE if pol == "dark" else 100 - EXTREME_PERCENTILE
        extreme = float(np.percentile(sub, q))
        for level in (med, mode):
            contrast = abs(extreme - level)
            if contrast < max(MIN_CONTRAST_SIGMA * sigma, 1e-6):
                continue
            for frac in MID_LEVELS:
                thr = level + frac * (extreme - level)
                if any(p == pol and abs(t - thr) < SAME_THRESHOLD_FRAC * contrast for p, _, t in out):
                    continue
                out.append((pol, (sm < thr) if pol == "dark" else (sm > thr), thr))
    return out


def _dark_mask(image, *, smooth_px=SMOOTH_PX, polarity="dark"):
    """Pixels clearly darker (``polarity='bright'``: brighter) than the ceramic.

    Returns (mask or None, smoothed image, threshold).
    """
    sm = cv2.GaussianBlur(image, (0, 0), smooth_px)
    got = _li_masks(image, smooth_px=smooth_px, polarities=(polarity,))
    if not got:
        return None, sm, math.nan
    return got[0][1], sm, got[0][2]


def _disc_score(comp, x0, y0, shape, min_radius_px, tip=None):
    """Fit a circle to a region's outline away from the image border.

    Returns [(score, xc, yc, r, r_in), ...] in full-image px, one per start of the
    fit that gave a circle (or None). The score is the
    radius times the fraction of the circle's angular bins that carry outline
    points on it: a disc (also one partly outside the field, with a needle
    or whiskers attached) scores its radius, a band or a needle nearly 0.

    ``tip`` (x, y) px: the needle's tip, for a region that holds the electrode
    merged with the needle (of the needle's grey level) or with a grain (with the
    needle's pixels added). The only start is then the largest inscribed circle
    that reaches the tip (:func:`_tip_inscribed`): the region's largest inscribed
    circle lies in the needle's wide base or in the grain.
    """
    h, w = shape
    contours, _ = cv2.findContours(comp.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    filled = np.zeros(comp.shape, np.uint8)   # holes (textured lithium, noise) filled
    cv2.drawContours(filled, contours, -1, 1, thickness=-1)
    bh, bw = comp.shape
    pads = (int(y0 == 0), int(y0 + bh == h), int(x0 == 0), int(x0 + bw == w))
    if tip is not None and any(pads):
        # a textured disc cut by the image edge at the needle's tip: its holes open at the edge
        # and would cut its inscribed circle; closed against the edge as for the fill below
        # (check seed 7079)
        closed_tip = cv2.copyMakeBorder(filled, *pads, cv2.BORDER_CONSTANT, value=1)
        cont_tip, _ = cv2.findContours(closed_tip, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(closed_tip, cont_tip, -1, 1, thickness=-1)
        filled = np.ascontiguousarray(closed_tip[pads[0]:pads[0] + bh, pads[2]:pads[2] + bw])
    padded = np.pad(filled, 1, mode="edge")
    dist = cv2.distanceTransform(padded, cv2.DIST_L2, cv2.DIST_MASK_5)[1:-1, 1:-1]
    if tip is not None:
        got = _tip_inscribed(dist, tip[0] - x0, tip[1] - y0)
        if got is None:
            return None
        ix, iy, r_in = got
    else:
        r_in = float(dist.max())
        iy, ix = np.unravel_index(int(np.argmax(dist)), dist.shape)
    if r_in < min_radius_px:
        return None
    pts = np.vstack([c.reshape(-1, 2) for c in contours]).astype(np.float64) + (x0, y0)
    inside = (pts[:, 0] > 0) & (pts[:, 0] < w - 1) & (pts[:, 1] > 0) & (pts[:, 1] < h - 1)
    pts = pts[inside]
    if len(pts) < MIN_FIT_POINTS:
        return None
    # three starts for the trimmed circle fit: the inscribed circle (a disc with long whiskers),
    # all the outline (a needle cutting deep into the disc moves the inscribed circle) and the
    # inscribed circle's own rim (a wide needle merged with a large disc)
    starts = [(float(ix + x0), float(iy + y0), r_in, INSCRIBED_ANNULUS), (*_fit_circle(pts[:, 0], pts[:, 1]),
                                                                    (0.0, np.inf)),
              (float(ix + x0), float(iy + y0), r_in, INSCRIBED_TIGHT_ANNULUS)]
    if tip is not None:
        starts = starts[2:]
    # holes closed against the image edge too: the bright rim of an electrode partly outside
    # the field is a ring open at the edge
    bh, bw = comp.shape
    pads = (int(y0 == 0), int(y0 + bh == h), int(x0 == 0), int(x0 + bw == w))
    padded = cv2.copyMakeBorder(filled, *pads, cv2.BORDER_CONSTANT, value=1)
    cont2, _ = cv2.findContours(padded, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(padded, cont2, -1, 1, thickness=-1)
    closed = padded[pads[0]:pads[0] + bh, pads[2]:pads[2] + bw].astype(bool)
    out = []
    for xc, yc, r, (lo, hi) in starts:
        got = _trimmed_circle(pts, xc, yc, r, lo, hi, (h, w), min_radius_px)
        cut = min(xc, yc, w - 1 - xc, h - 1 - yc) < r
        if got is not None and (lo, hi) == INSCRIBED_TIGHT_ANNULUS and not (tip is not None and cut) \
                and not (lo * r <= got[3] <= hi * r and
                         math.hypot(got[1] - xc, got[2] - yc) <= (hi - lo) * r):
            # the fit left the inscribed circle's rim: not the disc this start assumes. (Unless
            # at the tip the inscribed circle is cut by the image edge, closed there: it is then
            # no circle of the disc's size, and the fit's fill and rim decide; check seed 7079)
            continue
        if got is not None:
            score, xc, yc, r = got
            if _disc_fill(closed, x0, y0, xc, yc, r, (h, w)) < MIN_DISC_FILL:
                continue  # an outline that only bounds the region (a needle's wedge, a band's end)
            out.append((score, xc, yc, r + CONTOUR_HALF_PX, r_in))
    return out


def _tip_inscribed(dist, tx, ty):
    """(x, y, r) box px of the largest inscribed circle reaching the point (tx, ty), or None.

    ``dist`` is the region's distance transform (the radius of the inscribed
    circle centred on each pixel); a circle reaches the point when the point lies
    within its radius plus NEEDLE_TIP_TOL_PX. A disc at the needle's tip
    (merged with the needle) is the largest such circle: the needle's shaft next
    to its tip is narrower than the disc.
    """
    yy, xx = np.mgrid[0:dist.shape[0], 0:dist.shape[1]]
    reach = np.where(np.hypot(xx - tx, yy - ty) <= dist + NEEDLE_TIP_TOL_PX, dist, 0.0)
    if not reach.any():
        return None
    iy, ix = np.unravel_index(int(np.argmax(reach)), reach.shape)
    return int(ix), int(iy), float(reach[iy, ix])


def _disc_fill(filled, x0, y0, xc, yc, r, shape):
    """Fraction of the fitted disc's pixels inside the image that the region (holes filled) covers.

    ``filled`` is the region's box at offset (x0, y0) in an image of ``shape``. A
    lithium disc fills its circle but for the needle's tip cutting in (a few %); a
    circle fitted to part of a needle's wedge or of a band's outline is half empty.
    """
    h, w = shape
    step = max(1, int(r // CONTRAST_SAMPLES_PER_RADIUS))
    ys = np.arange(max(int(yc - r), 0), min(int(yc + r) + 1, h), step)
    xs = np.arange(max(int(xc - r), 0), min(int(xc + r) + 1, w), step)
    yy, xx = np.meshgrid(ys, xs, indexing="ij")
    disc = (xx - xc) ** 2 + (yy - yc) ** 2 <= r * r
    if not disc.any():
        return 0.0
    by, bx = yy[disc] - y0, xx[disc] - x0
    ok = (by >= 0) & (by < filled.shape[0]) & (bx >= 0) & (bx < filled.shape[1])
    hit = np.zeros(by.shape, bool)
    hit[ok] = filled[by[ok], bx[ok]]
    return float(hit.mean())


def _trimmed_circle(pts, xc, yc, r, lo, hi, shape, min_radius_px):
    """Circle fit to ``pts`` dropping far points with a shrinking tolerance; (score, xc, yc, r)."""
    h, w = shape
    d = np.hypot(pts[:, 0] - xc, pts[:, 1] - yc)
    sel = (d > lo * r) & (d < hi * r)
    if sel.sum() < MIN_FIT_POINTS or not np.isfinite(r):
        return None
    xc, yc, r = _fit_circle(pts[sel, 0], pts[sel, 1])
    for tol in (*(f * r for f in TRIM_TOL_FRACS), *TRIM_TOL_PX, CIRCLE_TOL_PX):
        tol = max(tol, CIRCLE_TOL_FRAC * r)
        sel = np.abs(np.hypot(pts[:, 0] - xc, pts[:, 1] - yc) - r) < tol
        if sel.sum() < MIN_FIT_POINTS:
            return None
        xc, yc, r = _fit_circle(pts[sel, 0], pts[sel, 1])
    if not (np.isfinite(r) and min_radius_px <= r <= MAX_RADIUS_FRAC * min(h, w)):
        return None
    if not (0 <= xc <= w - 1 and 0 <= yc <= h - 1):
        return None  # an electrode partly outside the field keeps its centre inside
    tol = max(CIRCLE_TOL_PX, CIRCLE_TOL_FRAC * r)
    on = np.abs(np.hypot(pts[:, 0] - xc, pts[:, 1] - yc) - r) < tol
    ang = np.arctan2(pts[on, 1] - yc, pts[on, 0] - xc)
    # bins of the circle inside the image: the rest cannot carry outline points
    a_bins = (np.arange(N_ARC_BINS) + 0.5) * 2 * np.pi / N_ARC_BINS - np.pi
    bx, by = xc + r * np.cos(a_bins), yc + r * np.sin(a_bins)
    visible = (bx >= 0) & (bx <= w - 1) & (by >= 0) & (by <= h - 1)
    if visible.sum() < N_ARC_BINS // 2:
        return None
    hit = np.zeros(N_ARC_BINS, bool)
    hit[((ang + np.pi) / (2 * np.pi) * N_ARC_BINS).astype(int) % N_ARC_BINS] = True
    cover = float(hit[visible].mean())
    if cover < MIN_ARC_COVER:
        return None
    return r * cover, xc, yc, r


def _disc_contrast(sm, xc, yc, r):
    """|median inside - median of a ring outside| / spread (MAD) of the ring, smoothed image.

    A lithium disc is a plateau clearly apart from the ceramic around it; a blob
    of the ceramic's own texture differs from its surroundings by about their spread.
    """
    h, w = sm.shape
    step = max(1, int(r // CONTRAST_SAMPLES_PER_RADIUS))
    reach = r + RING_GAP_PX + max(RING_MIN_PX, RING_FRAC * r)
    y0, y1 = max(int(yc - reach), 0), min(int(yc + reach) + 1, h)
    x0, x1 = max(int(xc - reach), 0), min(int(xc + reach) + 1, w)
    yy, xx = np.mgrid[y0:y1:step, x0:x1:step]
    d = np.hypot(xx - xc, yy - yc)
    vals = sm[y0:y1:step, x0:x1:step]
    inner = vals[d <= INNER_FRAC * r]
    ring = vals[(d >= r + RING_GAP_PX) & (d <= reach)]
    if inner.size < MIN_INNER_SAMPLES or ring.size < MIN_RING_SAMPLES:
        return 0.0
    med_ring = float(np.median(ring))
    spread = max(mad_sigma(ring - med_ring), 1e-6)
    return abs(float(np.median(inner)) - med_ring) / spread


def _disc_side(sm, xc, yc, r):
    """Median inside the disc minus the median of a ring outside it (smoothed image)."""
    h, w = sm.shape
    reach = r + RING_GAP_PX + max(RING_MIN_PX, RING_FRAC * r)
    y0, y1 = max(int(yc - reach), 0), min(int(yc + reach) + 1, h)
    x0, x1 = max(int(xc - reach), 0), min(int(xc + reach) + 1, w)
    yy, xx = np.mgrid[y0:y1, x0:x1]
    d = np.hypot(xx - xc, yy - yc)
    vals = sm[y0:y1, x0:x1]
    inner, ring = vals[d <= INNER_FRAC * r], vals[(d >= r + RING_GAP_PX) & (d <= reach)]
    if inner.size == 0 or ring.size == 0:
        return 0.0
    return float(np.median(inner)) - float(np.median(ring))


def _refine_disc(component, xc, yc, r):
    """Robust circle fit to the component's outline, starting from an inscribed circle.

    Outline points far from the current circle (a needle cutting into the disc,
    attached whiskers) are dropped in successive fits with a shrinking tolerance.
    """
    contours, _ = cv2.findContours(component.astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_NONE)
    if not contours:
        return xc, yc, r
    pts = np.vstack([c.reshape(-1, 2) for c in contours]).astype(np.float64)
    h, w = component.shape
    inside = (pts[:, 0] > 0) & (pts[:, 0] < w - 1) & (pts[:, 1] > 0) & (pts[:, 1] < h - 1)
    pts = pts[inside]
    d = np.hypot(pts[:, 0] - xc, pts[:, 1] - yc)
    sel = (d > INSCRIBED_ANNULUS[0] * r) & (d < INSCRIBED_ANNULUS[1] * r)
    if sel.sum() < MIN_FIT_POINTS:
        return xc, yc, r
    xc, yc, r = _fit_circle(pts[sel, 0], pts[sel, 1])
    for tol in (REFINE_TOL_FRAC * r, *REFINE_TOL_PX):
        res = np.abs(np.hypot(pts[:, 0] - xc, pts[:, 1] - yc) - r)
        sel = res < tol
        if sel.sum() < MIN_FIT_POINTS:
            break
        xc, yc, r = _fit_circle(pts[sel, 0], pts[sel, 1])
    # contour pixels lie on the inner side of the boundary: add half a pixel
    return xc, yc, r + CONTOUR_HALF_PX


def _sector_edges(img, x_px, y_px, s_lo, s_hi, n_sectors, rays_per_sector, length_px=None):
    """Rim points (x, y) of the sectors whose radial profile over [s_lo, s_hi] px from
    (x_px, y_px) lies in the image: the best step-plus-edge-peak model's position in each
    (:func:`._whiskers._edge_model_fit`), with EDGE_FIT_MARGIN_PX kept from the ends.

    ``length_px`` (default ``s_hi - s_lo``) is the profile's length as given to
    :func:`._kymograph.sample_line`, whose sample count is ``floor(length / step) + 1``:
    a window given as r +- h passes 2 h, since (r + h) - (r - h) can fall one ulp short
    of it and drop the last sample (which moved the presets' electrode by 0.01-0.02 px)."""
    from ._kymograph import sample_line
    from ._whiskers import _edge_model_fit

    pts = []
    n_rays = n_sectors * rays_per_sector
    angles = (np.arange(n_rays) + 0.5) * 2 * np.pi / n_rays
    for k in range(n_sectors):
        profs = []
        for a in angles[k * rays_per_sector:(k + 1) * rays_per_sector]:
            s, prof = sample_line(img, (x_px, y_px), (np.cos(a), np.sin(a)),
                                  length_px=s_hi - s_lo if length_px is None else length_px,
                                  step_px=EDGE_STEP_PX,
                                  start_offset_px=s_lo)
            profs.append(prof)
        prof = np.mean(profs, axis=0)
        if not np.all(np.isfinite(prof)):
            continue
        r_edge, _ = _edge_model_fit(s, -prof, s_lo + EDGE_FIT_MARGIN_PX, s_hi - EDGE_FIT_MARGIN_PX,
                                    grid_px=EDGE_GRID_PX)
        if np.isfinite(r_edge):
            a = (k + 0.5) * 2 * np.pi / n_sectors
            pts.append((x_px + r_edge * np.cos(a), y_px + r_edge * np.sin(a)))
    return np.asarray(pts, dtype=np.float64).reshape(-1, 2)


def _edge_circle(pts):
    """Circle fitted to sector rim points dropping those off it (EDGE_TOL_PX), or None."""
    if len(pts) < MIN_EDGE_SECTORS:
        return None
    xc, yc, r = _fit_circle(pts[:, 0], pts[:, 1])
    for tol in EDGE_TOL_PX:
        res = np.abs(np.hypot(pts[:, 0] - xc, pts[:, 1] - yc) - r)
        sel = res < tol
        if sel.sum() < MIN_EDGE_SECTORS:
            break
        xc, yc, r = _fit_circle(pts[sel, 0], pts[sel, 1])
    return xc, yc, r


def _edge_agreement(pts, n_sectors, xc, yc, r):
    """Fraction of the ``n_sectors`` sectors whose rim point lies on the circle (within
    EDGE_AGREE_TOL_PX)."""
    if n_sectors == 0 or len(pts) == 0:
        return 0.0
    res = np.abs(np.hypot(pts[:, 0] - xc, pts[:, 1] - yc) - r)
    return float(np.sum(res < EDGE_AGREE_TOL_PX)) / n_sectors


def refine_circle_edge(image, x_px, y_px, radius_px, *, n_sectors=EDGE_SECTORS,
                       rays_per_sector=EDGE_RAYS_PER_SECTOR, half_window_px=EDGE_HALF_WINDOW_PX,
                       return_agreement=False):
    """Sub-pixel disc edge from radial profiles (step plus edge-brightening model).

    Radial intensity profiles are averaged per angular sector; in each, the
    edge is located by fitting a blurred step plus a peak centred on the edge
    (the bright rim of SEM edge contrast). A circle is fitted to the sector
    edges, dropping sectors far off (needle, whiskers).

    Parameters
    ----------
    image : (M, N) ndarray
    x_px, y_px, radius_px : float
        Starting circle.
    n_sectors, rays_per_sector : int
        Angular sampling.
    half_window_px : float
        Half length of each radial profile around the starting radius.
    return_agreement : bool
        Also return the fraction of the sectors in the image whose edge lies on
        the refined circle (:func:`_edge_agreement`; 0 when too few fit).

    Returns
    -------
    (x_px, y_px, radius_px) : floats
        The refined circle, or the starting one when too few sectors fit
        (followed by the agreement when ``return_agreement``).
    """
    img = np.asarray(image, dtype=np.float32)
    pts = _sector_edges(img, x_px, y_px, radius_px - half_window_px, radius_px + half_window_px,
                        n_sectors, rays_per_sector, length_px=2 * half_window_px)
    got = _edge_circle(pts)
    if got is None:
        return (x_px, y_px, radius_px, 0.0) if return_agreement else (x_px, y_px, radius_px)
    if return_agreement:
        # the denominator counts the sectors whose profile lay in the image
        n_in = _sectors_in_image(img.shape, x_px, y_px, radius_px + half_window_px, n_sectors)
        return (*got, _edge_agreement(pts, max(n_in, len(pts)), *got))
    return got


def _sectors_in_image(shape, x_px, y_px, reach_px, n_sectors):
    """Sectors whose ray from (x_px, y_px) stays in the image up to ``reach_px``."""
    h, w = shape
    a = (np.arange(n_sectors) + 0.5) * 2 * np.pi / n_sectors
    ex, ey = x_px + reach_px * np.cos(a), y_px + reach_px * np.sin(a)
    return int(np.sum((ex >= 0) & (ex <= w - 1) & (ey >= 0) & (ey <= h - 1)))


def find_electrode(image, *, data_bar_row=None, min_radius_px=MIN_ELECTRODE_RADIUS_PX,
                   max_radius_px=None):
    """Find the lithium microelectrode: the best disc, darker or brighter than the ceramic.

    Parameters
    ----------
    image : (M, N) ndarray
        A frame (ideally one of the first, before much lithium has grown),
        axis order (row, col).
    data_bar_row : int, optional
        First row of the SEM data bar; rows below are ignored.
    min_radius_px, max_radius_px : float
        Accepted electrode radius range in pixels.

    Returns
    -------
    Electrode
        Centre and radius in pixels, ``source="auto"``, and the lithium's
        ``polarity``.

    Raises
    ------
    InputError
        If no disc is found; the message says to pass ``electrode=(x_px, y_px)``.

    Notes
    -----
    Lithium may be darker or brighter than the ceramic (secondary-electron
    or other contrast), so both sides of the ceramic's grey level are
    searched: pixels beyond the mid-level between the ceramic (the most
    common level) and the extreme level on that side. Each connected region
    gets a robust circle fit to its outline away from the image border
    (needles and whiskers cut in or stick out and are dropped as outliers);
    its score is the radius times the fraction of the circle's arc that the
    outline follows. An electrode partly outside the field (centre inside)
    still scores; a counter-electrode band or a needle does not. The
    contacting needle's tip marks the electrode: a disc there (or the round
    hole of a rim ring there, an electrode as grey as the ceramic) that is
    as closed and contrasted per unit of rim length as the best disc wins
    whatever its size (:func:`_needle_preference`). The chosen disc's edge is
    then located to sub-pixel with :func:`refine_circle_edge`.
    """
    img = _gray(image, data_bar_row)
    fix = "pass the electrode position as electrode=(x_px, y_px)"
    cands = _disc_candidates(img, min_radius_px, max_radius_px)
    if not cands:
        raise InputError("no lithium electrode found: no dark or bright disc of radius >= "
                         f"{min_radius_px:g} px with its centre in the image; {fix}")
    _, xc, yc, r, r_in, pol = max(cands, key=lambda c: c[0])
    xc, yc, r = _refined(img, xc, yc, r, r_in)
    if max_radius_px is not None and r > max_radius_px:
        raise InputError(f"no lithium electrode found: the best disc has radius {r:.0f} px "
                         f"> max_radius_px={max_radius_px:g}; {fix}")
    logger.info("electrode found at (%.1f, %.1f) px, radius %.1f px, lithium %s", xc, yc, r, pol)
    return Electrode(xc, yc, r, "auto", pol)


def _with_needle(region, needle_region):
    """A region (comp, x0, y0, polarity) with the needle's pixels added (box grown to hold both)."""
    comp, x0, y0, pol = region
    ncomp, nx0, ny0, _ = needle_region
    bx0, by0 = min(x0, nx0), min(y0, ny0)
    bx1 = max(x0 + comp.shape[1], nx0 + ncomp.shape[1])
    by1 = max(y0 + comp.shape[0], ny0 + ncomp.shape[0])
    out = np.zeros((by1 - by0, bx1 - bx0), bool)
    out[y0 - by0:y0 - by0 + comp.shape[0], x0 - bx0:x0 - bx0 + comp.shape[1]] |= comp
    out[ny0 - by0:ny0 - by0 + ncomp.shape[0], nx0 - bx0:nx0 - bx0 + ncomp.shape[1]] |= ncomp
    return out, bx0, by0, pol


def _lines_from(img, side):
    """The image turned so that ``side`` is the first column: rows are lines along the side."""
    return {"left": img, "right": img[:, ::-1], "top": img.T, "bottom": img[::-1].T}[side]


def _line_edges(lines, mid, *, dark, step_fit=False):
    """Per line (row of ``lines``), the depth (px) where the band ends.

    The band is where the line is beyond ``mid`` (below it when ``dark``); it
    ends at the line's first pixel outside it or, with ``step_fit``, at the
    step that best splits the line into band and rest: the depth that
    maximises the pixels on their own side of it (inside before, outside
    after), so a few noise pixels of a deep band's textured lithium past the
    mid-level do not end the band there (check seed 5027); the first crossing
    is not pulled by dark grains of the ceramic beyond a thin band.
    """
    inside = (lines < mid) if dark else (lines > mid)
    if not step_fit:
        notin = ~inside
        return np.where(notin.any(axis=1), notin.argmax(axis=1), lines.shape[1])
    cs = np.zeros((lines.shape[0], lines.shape[1] + 1), np.int32)
    np.cumsum(inside, axis=1, out=cs[:, 1:])
    # inside before e plus outside from e on = 2 cs[e] - e + (n - cs[n])
    return np.argmax(2 * cs - np.arange(lines.shape[1] + 1), axis=1)


def _straight_edge(depth):
    """Median depth (px) of per-line band edges ``depth`` and whether they form a straight edge.

    A line crosses the mid-level early wherever something lies over the band
    (a grain, a whisker, a particle, the data bar or the needle crossing some
    lines): such a line is interrupted, it says nothing about where the edge
    is. Only lines that reach the edge (at least the median depth minus the
    tolerance) are judged: a straight edge has BAND_MIN_STRAIGHT of them
    within the tolerance (BAND_STRAIGHT_PX, or BAND_STRAIGHT_FRAC of the
    depth) of the median. A disc cut by the side (the working electrode) still
    fails: its lines near the chord's middle pass the median by far more than
    the tolerance, unless the median lies within the tolerance of its deepest
    point, which is a straight edge at this resolution. Checks seeds 7053,
    7089 (thin bands with lines interrupted by bright grains).
    """
    med = float(np.median(depth))
    tol = max(BAND_STRAIGHT_PX, BAND_STRAIGHT_FRAC * med)
    reach = depth >= med - tol
    on_edge = reach & (depth <= med + tol)
    return med, bool(on_edge.sum() >= BAND_MIN_STRAIGHT * reach.sum())


def _band_depths(img):
    """{side: depth_px} of counter-electrode-like bands along the image sides (:func:`_band_fits`)."""
    return {side: depth for side, (depth, _) in _band_fits(img).items()}


def _band_fits(img, *, thorough=False):
    """{side: (depth_px, plateau_z)} of counter-electrode-like bands along the image sides.

    A counter electrode (a lithium foil or band) covers one image side: along
    that side the lines across it (median over the side's length) form a
    plateau whose level differs from the rest of the image by far more than
    the lines scatter, ending at a straight edge: every line along the side
    crosses the mid-level at about the same depth. A disc partly outside the
    field (the working electrode) fails the straightness. The band and its bright
    rim may take a third to half of the frame and then dominate its histogram, so
    the electrode search leaves them out (:func:`_without_bands`).
    """
    sm = cv2.GaussianBlur(img, (0, 0), SMOOTH_PX)
    out = {}
    for side in SIDES:
        lines = _lines_from(sm, side)[::BAND_LINE_SUBSAMPLE]   # (n_lines, depth)
        n = lines.shape[1]
        prof = np.median(lines, axis=0)
        noise = mad_sigma(np.diff(prof)) + 1e-6
        fits = []   # (plateau z, band depth, band level, rest level, between-class variance)
        for e in range(BAND_MIN_DEPTH_PX, int(BAND_SEARCH_DEPTH_FRAC * n), BAND_DEPTH_STEP_PX):
            band, rest = prof[:e], prof[e:]
            lb, lr = float(np.median(band)), float(np.median(rest))
            step = abs(lb - lr)
            spread = max(mad_sigma(band - lb), noise)
            fits.append((step / spread, e, lb, lr, step * step * e * (n - e)))
        if not fits:
            continue
        # the split whose band stands furthest apart from its own scatter, its lines ending
        # where they first cross the mid-level; with ``thorough``, failing that, the split of
        # the profile into two levels (largest between-class variance: a thin strip at the
        # picture's edge, a recorder's border blur, has the tighter plateau but cuts the lines
        # anywhere; check seeds 5023, 7029) and the lines' best single steps (a deep band's
        # textured lithium crosses the mid-level here and there; check seed 5027)
        tries = [(max(fits), False)]
        if thorough:
            tries += [(max(fits), True), (max(fits, key=lambda f: f[4]), False),
                      (max(fits, key=lambda f: f[4]), True)]
        for (z, _, lb, lr, _), step_fit in tries:
            if z < BAND_MIN_PLATEAU_Z:
                continue
            depth = _line_edges(lines, 0.5 * (lb + lr), dark=lb < lr, step_fit=step_fit)
            med, straight = _straight_edge(depth)
            # a band ends inside the searched depth (lines that never cross are no edge)
            if BAND_MIN_DEPTH_PX <= med < BAND_SEARCH_DEPTH_FRAC * n and straight:
                out[side] = (med, z)
                break
    # a band over more than half the frame makes the ceramic's side look like one too: of
    # two opposite "bands" meeting at one edge, the counter electrode is the flatter (a
    # lithium plateau; the ceramic holds the electrode, the needle, grains, particles)
    for a, b in (("left", "right"), ("top", "bottom")):
        if a in out and b in out:
            n = sm.shape[1] if a == "left" else sm.shape[0]
            spread = {}
            for side in (a, b):
                area = _lines_from(sm, side)[::BAND_LINE_SUBSAMPLE, :max(int(out[side][0]) - BAND_RIM_MARGIN_PX, 1)]
                spread[side] = mad_sigma(area[:, ::BAND_LINE_SUBSAMPLE].ravel() - np.median(area))
            if abs(out[a][0] + out[b][0] - n) <= max(BAND_STRAIGHT_PX, BAND_STRAIGHT_FRAC * n):
                del out[a if spread[a] > spread[b] else b]
    return out


def _without_bands(img):
    """``img`` with counter-electrode bands (and their rims) set to the median of the rest."""
    bands = _band_depths(img)
    if not bands:
        return img
    h, w = img.shape
    keep = np.ones((h, w), bool)
    for side, depth in bands.items():
        n = w if side in ("left", "right") else h
        d = int(min(depth + max(BAND_RIM_MARGIN_PX, BAND_RIM_MARGIN_FRAC * n), n))
        _lines_from(keep, side)[:, :d] = False
    if keep.mean() < BAND_MIN_REST_FRAC:
        return img
    out = img.copy()
    out[~keep] = np.float32(np.median(img[keep][::STATS_STEP]))
    return out


def _disc_candidates(img, min_radius_px, max_radius_px):
    """Disc-shaped dark and bright regions: [(score, xc, yc, r, r_in, polarity), ...].

    When the best one's rim is not closed (:func:`_rim_cover` below
    NEEDLE_MIN_RIM_SCORE), a disc cut by the image edge whose rim is
    (:func:`_edge_rim_circles`) and that is another disc is ranked above all:
    unless the needle's tip lies over the best disc's inner part (within
    NEEDLE_OVER_DISC_FRAC of its radius of its centre). The edge search is for an
    electrode whose needle is hidden beyond the image edge; a needle seen resting on
    the best disc marks it, however faint its rim (check seed 8124: a 115 px
    electrode of broken rim, the needle's tip 27 px from its centre, lost to a 10 px
    arc at the top edge).
    """
    cands, needle, rings = _raw_candidates(img, min_radius_px, max_radius_px)
    out = _needle_preference(cands, needle, rings)
    if not out:
        return out
    _, xc, yc, r, _, _ = max(out, key=lambda c: c[0])
    if needle is not None and math.hypot(needle[1] - xc, needle[2] - yc) <= NEEDLE_OVER_DISC_FRAC * r:
        return out
    plain = _without_bands(img)
    if _rim_cover(plain, xc, yc, r) >= NEEDLE_MIN_RIM_SCORE:
        return out
    sm = cv2.GaussianBlur(plain, (0, 0), SMOOTH_PX)
    edge = [c for c in _edge_rim_circles(plain, min_radius_px, max_radius_px, sm)
            if math.hypot(c[1] - xc, c[2] - yc) > r]      # the same disc: the masks' fit stays
    if edge:
        top = max(c[0] for c in out)
        best = max(edge, key=lambda c: (c[0] / c[3] >= EDGE_RIM_MIN_COVER, c[0]))
        out.append((best[0] + top, *best[1:]))
    return out


def _raw_candidates(img, min_radius_px, max_radius_px):
    """Disc candidates before the needle's preference, the needle and rim rings at its tip.

    Returns ``(cands, needle, rings)``: ``cands`` as in :func:`_disc_candidates`,
    ``needle`` None or (elongation x solidity, tip_x, tip_y) of the contacting
    needle: the best-ranked needle-like region (:func:`._needle.needle_candidate`)
    at whose tip a disc or rim ring is the electrode by the needle's rule
    (:func:`_electrode_at_tip`), else the best-ranked one; ``rings`` rim circles at
    its tip (:func:`_rings_at`, :func:`_tip_rim_circles`).
    """
    img = _without_bands(img)
    h, w = img.shape
    cands = []
    sm = cv2.GaussianBlur(img, (0, 0), SMOOTH_PX)
    holes = []      # outlines of round holes: rims of electrodes as grey as the ceramic
    needles = []    # (rank, needle, taper, region) of every needle-like region
    regions = []    # (comp, x0, y0, polarity) of the regions large enough for a disc

    def add(comp, x0, y0, pol, tip=None, into=cands):
        for got in _disc_score(comp, x0, y0, (h, w), min_radius_px, tip=tip) or ():
            contrast = _disc_contrast(sm, *got[1:4])
            if contrast < MIN_DISC_CONTRAST:
                continue
            if max_radius_px is not None and got[4] > max_radius_px * MAX_INSCRIBED_FACTOR:
                continue
            # a faint disc counts less: lithium is a plateau clearly apart from the ceramic
            score = got[0] * min(contrast / FULL_DISC_CONTRAST, 1.0)
            if tip is not None:
                # a region joined with the needle (or the needle's own, around a rim ring): the
                # lithium's side is the disc's own, its inside against the ceramic beyond it
                pol = "dark" if _disc_side(sm, *got[1:4]) < 0 else "bright"
            into.append((score, *got[1:], pol))

    for pol, mask, _ in _li_masks(img):
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
        for lab in range(1, n):
            x0, y0, bw, bh, area = (int(v) for v in stats[lab])
            if x0 == 0 or y0 == 0 or x0 + bw == w or y0 + bh == h:
                comp = labels[y0:y0 + bh, x0:x0 + bw] == lab
                found = needle_candidate(comp, x0, y0, (h, w), area)
                if found is not None:
                    needles.append((*found, (comp, x0, y0, pol)))
            if area < np.pi * min_radius_px ** 2 * MIN_AREA_FRAC:
                continue
            comp = labels[y0:y0 + bh, x0:x0 + bw] == lab
            regions.append((comp, x0, y0, pol))
            add(comp, x0, y0, pol)
        holes.extend(_round_holes(mask, min_radius_px))

    def at_tip_of(needle, needle_taper, needle_region):
        """Discs (joined with the needle at its tip) and rim rings for one needle-like region."""
        extra = []
        if not any(_at_tip(*needle[1:], *c[1:4]) and _rim_score(c) >= NEEDLE_MIN_RIM_SCORE
                   for c in cands):
            # no disc at the needle's tip that its rule would prefer (a huge faint circle of a
            # dark half of the field reaches the tip: check seed 7079): the electrode is one
            # region with the needle (of its grey level) or with a grain of its own level. Its
            # disc is then the largest circle inscribed in such a region that reaches the tip
            # (the region's largest inscribed circle may be the needle's wide base, or the grain)
            tx, ty = needle[1:]
            reach = NEEDLE_TIP_TOL_PX
            near = [reg for reg in regions if reg[1] - reach <= tx <= reg[1] + reg[0].shape[1] + reach
                    and reg[2] - reach <= ty <= reg[2] + reg[0].shape[0] + reach]
            # the needle lies over the disc: a region of another grey level has a notch there
            near = [_with_needle(reg, needle_region) for reg in near] + [needle_region]
            for reg in near:
                add(*reg, tip=(tx, ty), into=extra)
        every = cands + extra
        rings = _rings_at(needle, holes, sm, min_radius_px)
        at_tip = [c for c in (*every, *rings) if _at_tip(*needle[1:], *c[1:4])]
        if needle_taper[1] >= NEEDLE_MIN_TAPER and not any(
                _rim_score(c) >= NEEDLE_MIN_RIM_SCORE for c in (*at_tip, *rings, *(
                    [max(every, key=lambda c: c[0])] if every else []))):
            # neither a disc at the tip, nor the best disc (by score, as the needle's rule
            # weighs it), nor a rim ring is closed and contrasted: no mask separates the
            # electrode from the grains around it, but its rim is a circle and theirs are
            # polygons. (Where a region is a closed disc at the tip or the best one, masks work
            # in this frame, and a "rim" at a misread needle's tip must not outrank it: check
            # seeds 7044, 7010.)
            rings.extend(_tip_rim_circles(img, needle, min_radius_px, max_radius_px, sm,
                                          needle_region))
        return extra, rings

    if not needles:
        return cands, None, []
    # the needle contacts the electrode: the best-ranked region that ends on a disc or rim
    # ring the needle's rule takes (a grain cluster's wedge or the electrode's own rim arc
    # cut by the image edge may rank first by shape alone: check seed 8090). A region ranked
    # lower by its shape is the needle only on both counts, its disc also the largest by
    # score (a grain's sliver ending on a round grain beside a large electrode, seed 7053)
    ranked = sorted(needles, key=lambda f: f[0], reverse=True)   # stable: ties keep mask order
    largest = max((c[0] for c in cands), default=0.0)
    first = None
    for _, needle, needle_taper, needle_region in ranked:
        extra, rings = at_tip_of(needle, needle_taper, needle_region)
        at_tip = _electrode_at_tip(cands + extra, needle, rings)
        if first is None:
            first = (needle, extra, rings)
            if at_tip:
                break
        elif at_tip and max(c[0] for c in at_tip) >= largest:
            break
    else:
        needle, extra, rings = first
    return cands + extra, needle, rings


def _electrode_at_tip(cands, needle, rings=()):
    """The discs and rim rings at the needle's tip that are the electrode by the needle's rule.

    As :func:`_needle_preference` takes them: candidates (score, xc px, yc px, r px, ...)
    at the tip (:func:`_at_tip`) whose :func:`_rim_score` is at least NEEDLE_MIN_RIM_SCORE
    and at least that of the best-scored disc of ``cands``; ``needle`` is
    (elongation x solidity, tip_x px, tip_y px), ``rings`` are all at its tip. Returns a
    list (empty: none).
    """
    _, tx, ty = needle
    floor = NEEDLE_MIN_RIM_SCORE
    if cands:
        floor = max(floor, _rim_score(max(cands, key=lambda c: c[0])))
    return [c for c in cands if _at_tip(tx, ty, *c[1:4]) and _rim_score(c) >= floor] + \
        [c for c in rings if _rim_score(c) >= floor]


def _rim_rank(c, closed=NEEDLE_MIN_RIM_SCORE):
    """Rank of a rim circle (cover, xc, yc, r): closed (cover at least ``closed``: for the
    needle's rule by default), then length."""
    return c[0] >= closed, c[0] * c[3]


class _RimGradient:
    """The grey-level gradient along circles' normals, for rim circles (:func:`_rim_search`).

    ``hidden`` (bool image or None): pixels where a rim cannot be seen (under the
    needle); bins there do not count.
    """

    def __init__(self, img, hidden=None):
        self.img = img
        self.hidden = hidden
        self.grads = {}
        ang = (np.arange(N_ARC_BINS) + 0.5) * 2 * np.pi / N_ARC_BINS
        self.ca, self.sa = np.cos(ang), np.sin(ang)

    def gradient(self, sigma):
        key = round(sigma, 1)
        if key not in self.grads:
            sm = cv2.GaussianBlur(self.img, (0, 0), key)
            gx = cv2.Sobel(sm, cv2.CV_32F, 1, 0, ksize=3) / 8.0
            gy = cv2.Sobel(sm, cv2.CV_32F, 0, 1, ksize=3) / 8.0
            # pixels set to one level (a counter electrode's band removed, :func:`_without_bands`)
            # have no gradient: from half of the frame up they break the MAD (its breakdown
            # point), which comes out zero and makes every faint circle "significant" (check
            # seed 7034, a band over 62 % of it); the noise is then the textured pixels' alone
            sx, sy = gx[::3, ::3].ravel(), gy[::3, ::3].ravel()
            textured = (sx != 0) | (sy != 0)
            if textured.mean() <= MAD_BREAKDOWN and textured.any():
                sx, sy = sx[textured], sy[textured]
            noise = mad_sigma(np.concatenate([sx, sy]))
            self.grads[key] = (gx, gy, max(noise, 1e-9))
        return self.grads[key]

    def strength(self, xc, yc, r, sign):
        """Mean normal gradient (noise levels, times ``sign``: +1 for a dark disc) over the
        visible bins of the circle (xc, yc, r) at the frame's own smoothing; -inf with less
        than half of it visible."""
        h, w = self.img.shape
        gx, gy, noise = self.gradient(SMOOTH_PX)
        px, py = xc + r * self.ca, yc + r * self.sa
        vis = (px >= 0) & (px <= w - 1) & (py >= 0) & (py <= h - 1)
        if self.hidden is not None:
            vis &= ~self.hidden[np.clip(np.rint(py).astype(int), 0, h - 1),
                                np.clip(np.rint(px).astype(int), 0, w - 1)]
        if vis.sum() < N_ARC_BINS // 2:
            return -np.inf
        ix, iy = np.rint(px[vis]).astype(int), np.rint(py[vis]).astype(int)
        gn = gx[iy, ix] * self.ca[vis] + gy[iy, ix] * self.sa[vis]
        return sign * float(gn.mean()) / noise

    def polish(self, xc, yc, r, sign, reach, r_min):
        """The circle near (xc, yc, r) on the rim's strongest edge: a pattern search of
        :meth:`strength` in steps halving from EDGE_RIM_POLISH_STEP_PX to half a pixel, moving
        the centre and the radius at most ``reach`` px, the radius not below ``r_min``."""
        x0, y0, r0 = xc, yc, r
        best = self.strength(xc, yc, r, sign)
        step = EDGE_RIM_POLISH_STEP_PX
        moves = [(a, b, c) for a in (-1, 0, 1) for b in (-1, 0, 1) for c in (-1, 0, 1) if a or b or c]
        while step >= 0.5:
            better = True
            while better:
                better = False
                for a, b, c in moves:
                    x2, y2, r2 = xc + a * step, yc + b * step, r + c * step
                    if max(abs(x2 - x0), abs(y2 - y0), abs(r2 - r0)) > reach or r2 < r_min:
                        continue
                    v = self.strength(x2, y2, r2, sign)
                    if v > best:
                        best, xc, yc, r, better = v, x2, y2, r2, True
            step *= 0.5
        return xc, yc, r

    def covers(self, xc, yc, r, blur):
        """(cover of the dark side, cover of the bright side) of circles (xc, yc arrays, r)."""
        h, w = self.img.shape
        ca, sa = self.ca, self.sa
        gx, gy, noise = self.gradient(max(SMOOTH_PX, blur))
        px = xc[:, None] + r * ca[None, :]
        py = yc[:, None] + r * sa[None, :]
        vis = (px >= 0) & (px <= w - 1) & (py >= 0) & (py <= h - 1)
        ix = np.clip(np.rint(px).astype(int), 0, w - 1)
        iy = np.clip(np.rint(py).astype(int), 0, h - 1)
        if self.hidden is not None:
            vis &= ~self.hidden[iy, ix]
        field = vis.sum(axis=1)
        gn = (gx[iy, ix] * ca[None, :] + gy[iy, ix] * sa[None, :]) / noise
        nvis = np.maximum(vis.sum(axis=1), 1)
        # half the rim or more in the field and not under the needle (the needle's tip rests on
        # the disc and hides a small part of its rim; a circle running along the needle's own
        # edge is hidden nearly all round)
        ok = field >= N_ARC_BINS // 2
        dark = ((gn > TIP_RIM_GRADIENT_SIGMA) & vis).sum(axis=1) / nvis
        bright = ((gn < -TIP_RIM_GRADIENT_SIGMA) & vis).sum(axis=1) / nvis
        return np.where(ok, dark, 0.0), np.where(ok, bright, 0.0)


def _rim_radii(shape, min_radius_px, max_radius_px):
    """Radii (px) tried by the rim searches: from the smallest disc in TIP_RIM_RADIUS_STEP_FRAC steps."""
    h, w = shape
    r_max = MAX_RADIUS_FRAC * min(h, w)
    if max_radius_px is not None:
        r_max = min(r_max, float(max_radius_px))
    radii = []
    r = float(min_radius_px)
    while r <= r_max:
        radii.append(r)
        r += max(1.0, TIP_RIM_RADIUS_STEP_FRAC * r)
    return radii


def _rim_search(grad, radii, centres, allowed, min_radius_px, closed=NEEDLE_MIN_RIM_SCORE):
    """Best rim circle per side: {"dark": (cover, xc, yc, r) or None, "bright": ...}.

    For each radius the circles centred on ``centres(r)`` (x, y arrays, px) are
    scored by :meth:`_RimGradient.covers` with the gradient blurred by
    TIP_RIM_BLUR_FRAC of the radius; per side the TIP_RIM_REFINE best by
    :func:`_rim_rank` are refined on halving grids, and the best refined circle
    that ``allowed(xc, yc, r)`` is kept. ``closed``: the cover from which a circle
    ranks as closed (:func:`_rim_rank`).
    """
    best = {"dark": [], "bright": []}
    for r in radii:
        xc, yc = centres(r)
        if xc.size == 0:
            continue
        for pol, cov in zip(("dark", "bright"), grad.covers(xc, yc, r, TIP_RIM_BLUR_FRAC * r)):
            k = int(np.argmax(cov))
            best[pol].append((float(cov[k]), float(xc[k]), float(yc[k]), r))
    out = {}
    for pol, lst in best.items():
        # closed enough for the needle's rule first (NEEDLE_MIN_RIM_SCORE), then the most rim
        # length followed: a small circle round the needle's own tip is closed too
        lst.sort(key=lambda c: _rim_rank(c, closed), reverse=True)
        top = None
        for _, xc, yc, r in lst[:TIP_RIM_REFINE]:
            # finer grids around it, halving the steps (and the blur with them) down to 1 px at
            # the frame's own smoothing: a broad shading that passed as a rim at a coarse blur
            # is no sharp edge there
            step = TIP_RIM_GRID_FRAC * r
            dr = max(1.0, TIP_RIM_RADIUS_STEP_FRAC * r)
            cand = None
            while True:
                step, dr = max(1.0, 0.5 * step), max(1.0, 0.5 * dr)
                g = np.arange(-2, 3) * step
                xx, yy = (a.ravel() for a in np.meshgrid(g + xc, g + yc))
                cand = None
                for r2 in (r - dr, r, r + dr):
                    if r2 < min_radius_px:
                        continue
                    c2 = grad.covers(xx, yy, r2, TIP_RIM_BLUR_FRAC * step / TIP_RIM_GRID_FRAC)
                    c2 = c2[0 if pol == "dark" else 1]
                    k = int(np.argmax(c2))
                    c = (float(c2[k]), float(xx[k]), float(yy[k]), r2)
                    if cand is None or _rim_rank(c, closed) > _rim_rank(cand, closed):
                        cand = c
                if cand is None:
                    break
                _, xc, yc, r = cand
                if step <= 1.0 and dr <= 1.0:
                    break
            if cand is not None and allowed(*cand[1:]) and (
                    top is None or _rim_rank(cand, closed) > _rim_rank(top, closed)):
                top = cand
        out[pol] = top if top is not None and top[0] > 0 else None
    return out


def _tip_rim_circles(img, needle, min_radius_px, max_radius_px, sm, needle_region=None):
    """Circles at the needle's tip whose rim is an edge all round: candidates as rings.

    For each radius, circles within reach of the tip (:func:`_at_tip`) are scored
    by the fraction of their visible angular bins where the grey-level gradient
    along the circle's normal exceeds TIP_RIM_GRADIENT_SIGMA times its noise,
    with one sign for the whole circle (the disc darker or brighter than what
    surrounds it). A grain is a polygon: a circle follows its straight sides only
    where it touches them, so it covers few bins; the electrode's rim covers
    nearly all. Bins where the needle (``needle_region``, grown by its edge blur)
    lies over the rim do not count: the rim is hidden there. Returns at most one
    candidate per polarity of the gradient, as in :func:`_rings_at` (the score
    is the radius times the cover; the lithium's side is the disc's own,
    :func:`_disc_side`).
    """
    _, tx, ty = needle
    h, w = img.shape
    hidden = None
    if needle_region is not None:
        hidden = np.zeros((h, w), bool)
        comp, x0, y0, _ = needle_region
        hidden[y0:y0 + comp.shape[0], x0:x0 + comp.shape[1]] = comp
        k = 2 * int(math.ceil(2 * SMOOTH_PX)) + 1
        hidden = cv2.dilate(hidden.astype(np.uint8), np.ones((k, k), np.uint8)).astype(bool)
    radii = _rim_radii((h, w), min_radius_px, max_radius_px)
    if not radii:
        return []

    def centres(r):
        reach = r + max(NEEDLE_TIP_TOL_PX, NEEDLE_TIP_TOL_FRAC * r)
        step = max(1.0, TIP_RIM_GRID_FRAC * r)
        g = np.arange(-reach, reach + step / 2, step)
        xx, yy = np.meshgrid(g, g)
        keep = np.hypot(xx, yy) <= reach
        xc, yc = xx[keep] + tx, yy[keep] + ty
        inside = (xc >= 0) & (xc <= w - 1) & (yc >= 0) & (yc <= h - 1)
        return xc[inside], yc[inside]

    found = _rim_search(_RimGradient(img, hidden), radii, centres,
                        lambda xc, yc, r: _at_tip(tx, ty, xc, yc, r), min_radius_px)
    out = []
    for pol in ("dark", "bright"):
        top = found[pol]
        if top is None:
            continue
        cov, xc, yc, r = top
        yy, xx = np.mgrid[max(int(yc - r), 0):min(int(yc + r) + 1, h), max(int(xc - r), 0):min(int(xc + r) + 1, w)]
        disc = np.hypot(xx - xc, yy - yc) <= r
        if disc.any() and needle_region is not None:
            comp, x0, y0, _ = needle_region
            by, bx = yy[disc] - y0, xx[disc] - x0
            ok = (by >= 0) & (by < comp.shape[0]) & (bx >= 0) & (bx < comp.shape[1])
            under = np.zeros(by.shape, bool)
            under[ok] = comp[by[ok], bx[ok]]
            if under.mean() > TIP_RIM_MAX_NEEDLE_FRAC:
                continue
            # the disc's own level is seen beside the needle, clear of its edge blur (the
            # ``hidden`` pixels): a circle whose inner part lies all under it is the needle's
            # own end, its rim the blurred flanks of the needle's tip
            inner = np.hypot(xx - xc, yy - yc) <= INNER_FRAC * r
            if int((inner & ~hidden[yy, xx]).sum()) < MIN_INNER_SAMPLES:
                continue
        if _disc_contrast(sm, xc, yc, r) < MIN_DISC_CONTRAST:
            continue   # as for every disc: lithium is a plateau apart from what surrounds it
        side = "dark" if _disc_side(sm, xc, yc, r) < 0 else "bright"
        out.append((r * cov, xc, yc, r, r, side))
    return out


def _edge_rim_circles(img, min_radius_px, max_radius_px, sm):
    """Discs cut by the image edge, found by their rim: candidates as rings.

    The contacting needle comes from outside the field and rests on the
    electrode: when it is not seen, it is hidden beyond the image edge, and so
    is part of the electrode. A disc cut by the edge is still an arc whose
    normal grey-level gradient keeps one sign all along it: circles centred
    within their radius of an image side (or up to one grid step beyond it) are
    scored as in :func:`_tip_rim_circles`, with more than half the rim in the
    field. Returns at most one candidate per polarity of the gradient, closed
    (cover at least EDGE_RIM_MIN_COVER) and contrasted (:func:`_disc_contrast`).
    """
    h, w = img.shape
    radii = _rim_radii((h, w), min_radius_px, max_radius_px)
    if not radii:
        return []

    def centres(r):
        step = max(1.0, TIP_RIM_GRID_FRAC * r)
        depth = np.arange(-step, r + step / 2, step)     # from the side inwards
        xs, ys = [], []
        for n, vertical in ((h, True), (w, False)):
            along = np.arange(0.0, n - 1 + step / 2, step)
            a, d = (v.ravel() for v in np.meshgrid(along, depth))
            far = (w - 1 if vertical else h - 1) - d
            if vertical:      # left and right sides
                xs += [d, far]
                ys += [a, a]
            else:             # top and bottom
                xs += [a, a]
                ys += [d, far]
        return np.concatenate(xs), np.concatenate(ys)

    def cut(xc, yc, r):
        return min(xc, yc, w - 1 - xc, h - 1 - yc) < r

    grad = _RimGradient(img)
    found = _rim_search(grad, radii, centres, cut, min_radius_px)
    out = []
    for pol in ("dark", "bright"):
        top = found[pol]
        if top is None or top[0] < EDGE_RIM_MIN_COVER:
            continue
        cov, xc, yc, r = top
        # the rim search's blurred gradient keeps the largest circle that is still closed: on a
        # strong edge that is one some px outside it; the disc's rim is its strongest edge
        reach = max(1.0, EDGE_RIM_POLISH_FRAC * r)
        xc, yc, r = grad.polish(xc, yc, r, 1.0 if pol == "dark" else -1.0, reach, min_radius_px)
        r = _rim_ridge(sm, xc, yc, r, reach, min_radius_px)
        if _disc_contrast(sm, xc, yc, r) < MIN_DISC_CONTRAST:
            continue
        side = "dark" if _disc_side(sm, xc, yc, r) < 0 else "bright"
        out.append((r * cov, xc, yc, r, r, side))
    return out


def _rim_ridge(sm, xc, yc, r, reach, min_radius_px):
    """Radius (px) of a disc whose boundary is a bright ring, else ``r``.

    The secondary-electron edge brightening puts a bright ring on the disc's
    boundary, symmetric about it: its two flanks are edges of opposite sign,
    and the strongest edge the polish of :func:`_edge_rim_circles` finds may
    be the ring's outer flank (check seed 7034: a dark 12 px disc, its rim
    bright out to 17 px). Concentric circles within ``reach`` px of ``r`` are
    read on the smoothed image ``sm`` (their parts in the field); where one is
    brighter than the disc's inside and the ceramic outside by more than
    MIN_CONTRAST_SIGMA times the scatter along the circles, the boundary is
    the ring's centre, fitted with the step it sits on.
    """
    h, w = sm.shape
    ang = (np.arange(N_ARC_BINS) + 0.5) * 2 * np.pi / N_ARC_BINS
    radii = np.arange(max(r - reach, min_radius_px), r + reach + 0.5 * RIDGE_STEP_PX, RIDGE_STEP_PX)
    means, spreads = [], []
    for rr in radii:
        px, py = xc + rr * np.cos(ang), yc + rr * np.sin(ang)
        vis = (px >= 0) & (px <= w - 1) & (py >= 0) & (py <= h - 1)
        if vis.sum() < MIN_RING_SAMPLES:
            return r
        vals = sm[np.rint(py[vis]).astype(int), np.rint(px[vis]).astype(int)]
        means.append(float(np.median(vals)))
        spreads.append(mad_sigma(vals - means[-1]))
    means = np.asarray(means)
    k = int(np.argmax(means))
    if k in (0, len(radii) - 1):
        return r     # no crest inside the reach: the ring is no ridge here
    spread = max(float(np.median(spreads)), 1e-6)
    if min(means[k] - means[0], means[k] - means[-1]) < MIN_CONTRAST_SIGMA * spread:
        return r
    # the ring sits on the step between the disc's level and the ceramic's, which moves the
    # crest towards the brighter side: the profile is fitted as a level, a blurred step and a
    # Gaussian ring at one radius (the step's and the ring's blur alike), least squares over
    # a grid of radii and blurs, the levels solved linearly
    best = (np.inf, r)
    for blur in RIDGE_BLURS_PX:
        for r0 in radii:
            u = (radii - r0) / blur
            step = 0.5 * (1.0 + np.tanh(u * RIDGE_ERF_TANH))
            design = np.stack([np.ones_like(u), step, np.exp(-0.5 * u * u)], axis=1)
            coef, _, _, _ = np.linalg.lstsq(design, means, rcond=None)
            res = float(np.sum((design @ coef - means) ** 2))
            if coef[2] > 0 and res < best[0]:
                best = (res, float(r0))
    return best[1]


def _rim_cover(img, xc, yc, r):
    """Fraction of a circle's visible rim where the normal gradient is significant, the
    better of the two signs (:meth:`_RimGradient.covers`)."""
    dark, bright = _RimGradient(img).covers(np.array([xc]), np.array([yc]), r, TIP_RIM_BLUR_FRAC * r)
    return float(max(dark[0], bright[0]))


def _round_holes(mask, min_radius_px):
    """Outlines (K, 2) px of the holes in ``mask``'s regions of at least the smallest disc's area."""
    contours, hier = cv2.findContours(mask.astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    if hier is None:
        return []
    least = np.pi * min_radius_px ** 2 * MIN_AREA_FRAC
    return [c.reshape(-1, 2).astype(np.float64) for c, hh in zip(contours, hier[0])
            if hh[3] >= 0 and len(c) >= MIN_FIT_POINTS and cv2.contourArea(c) >= least]


def _rings_at(needle, holes, sm, min_radius_px):
    """Electrodes seen only by their rim: round holes of a mask at the needle's tip.

    An electrode as grey as the ceramic shows only its bright (or dark) rim, a
    ring around a hole of the ceramic's level that no region fills. Such a hole
    elsewhere is ceramic ringed by grain boundaries; at the needle's tip (as in
    :func:`_needle_preference`) it is the disc the needle touches. Returns
    candidates as in :func:`_disc_candidates`; the score is the radius times
    the arc cover (the ring is the contrast), kept only from
    NEEDLE_MIN_RIM_SCORE up.
    """
    _, tx, ty = needle
    out = []
    for pts in holes:
        xc, yc, r = _fit_circle(pts[:, 0], pts[:, 1])
        if not (np.isfinite(r) and _at_tip(tx, ty, xc, yc, r)):
            continue
        got = _trimmed_circle(pts, xc, yc, r, 0.0, np.inf, sm.shape, min_radius_px)
        if got is None or got[0] < NEEDLE_MIN_RIM_SCORE * got[3]:
            continue
        score, xc, yc, r = got
        # the lithium's side is the disc's own, not the ring's (an edge brightening on a disc
        # slightly darker than the ceramic): its inside against the ceramic beyond the ring
        pol = "dark" if _disc_side(sm, xc, yc, r) < 0 else "bright"
        # the hole's outline runs on the ring's inner pixels: the hole ends half a pixel further
        out.append((score * (r + CONTOUR_HALF_PX) / r, xc, yc, r + CONTOUR_HALF_PX, r, pol))
    return out


def _at_tip(tx, ty, xc, yc, r):
    """Whether the needle's tip (tx, ty) rests on the disc (xc, yc, r), px.

    Within the radius plus NEEDLE_TIP_TOL_PX or NEEDLE_TIP_TOL_FRAC of the
    radius, whichever is larger, of the disc's centre.
    """
    return math.hypot(xc - tx, yc - ty) <= r + max(NEEDLE_TIP_TOL_PX, NEEDLE_TIP_TOL_FRAC * r)


def _rim_score(cand):
    """Size-free score of a candidate: arc cover times the contrast factor (0..1).

    The candidate's score is its fitted radius times this; per unit of radius
    (rim length) a small closed disc and a large one compare on their shape and
    contrast alone.
    """
    return cand[0] / max(cand[3] - CONTOUR_HALF_PX, 1e-9)


def _needle_preference(cands, needle, rings=()):
    """Candidates with the discs at the needle's tip preferred.

    The needle's tip rests on the electrode (on its rim or over it): a disc
    whose centre lies within its radius plus NEEDLE_TIP_TOL_PX (or
    NEEDLE_TIP_TOL_FRAC of the radius) of the tip is at the tip. The score
    grows with the radius (a large dark grain outscores a small electrode),
    so a disc at the tip is compared on the size-free :func:`_rim_score`: when it
    is at least NEEDLE_MIN_RIM_SCORE and as closed and contrasted as the best
    disc elsewhere, it is the electrode (ranked above all others, in their own
    order). A disc at the tip that is less round or fainter gains nothing: the
    needle may be misread or out of the field, and a grain under its tip then
    outscored the electrode (a fixed bonus on the size-weighted score did).
    Rim rings (``rings``, from :func:`_rings_at`, all at the tip) count only
    through this rule: a hole is no disc by itself.
    """
    if needle is None or not (cands or rings):
        return list(cands)
    _, tx, ty = needle
    at_tip = [_at_tip(tx, ty, *c[1:4]) for c in cands]
    top = max(c[0] for c in (*cands, *rings))
    floor = NEEDLE_MIN_RIM_SCORE
    if cands:
        floor = max(floor, _rim_score(max(cands, key=lambda c: c[0])))
    out = []
    for c, tip in zip(cands, at_tip):
        out.append((c[0] + top, *c[1:]) if tip and _rim_score(c) >= floor else c)
    out.extend((c[0] + top, *c[1:]) for c in rings if _rim_score(c) >= floor)
    return out


def _refined(img, xc, yc, r, r_in):
    """Sub-pixel edge of a found disc (kept as is when the edge fit goes astray).

    The edge fit starts at the region's circle. Where that circle is not the
    disc's rim (the region holds a grain or the bright rim ring beyond it, check
    seeds 7076 and 7031), the fit either moves too far to be trusted or few of
    the rim's sectors agree with it (:func:`_edge_agreement` below
    EDGE_MIN_AGREEMENT). The rim is then looked for as the strongest step in each
    sector between the rim's least radius (INSCRIBED_ANNULUS[0] of the inscribed
    one) and the region's circle (plus the fit window): the disc's plateau is
    the largest step of its region. That circle replaces the region's when more
    of the sectors agree with it (and at least EDGE_MIN_AGREEMENT).
    """
    x2, y2, r2, agree = refine_circle_edge(img, xc, yc, r, return_agreement=True)
    near = np.isfinite(r2) and abs(r2 - r) <= max(REFINE_MAX_SHIFT_PX, REFINE_MAX_SHIFT_FRAC * r) and \
        np.hypot(x2 - xc, y2 - yc) <= max(REFINE_MAX_SHIFT_PX, REFINE_MAX_SHIFT_FRAC * r)
    if near and agree >= EDGE_MIN_AGREEMENT:
        return x2, y2, r2
    best = (x2, y2, r2) if near else (xc, yc, r)
    best_agree = agree if near else 0.0
    s_lo = max(INSCRIBED_ANNULUS[0] * min(r_in, r), EDGE_FIT_MARGIN_PX + EDGE_STEP_PX)
    s_hi = r + EDGE_HALF_WINDOW_PX
    pts = _sector_edges(img, xc, yc, s_lo, s_hi, EDGE_SECTORS, EDGE_RAYS_PER_SECTOR)
    wide = _edge_circle(pts)
    if wide is None or not np.isfinite(wide[2]) or np.hypot(wide[0] - xc, wide[1] - yc) > r:
        return best
    x3, y3, r3, agree3 = refine_circle_edge(img, *wide, return_agreement=True)
    if np.isfinite(r3) and agree3 >= max(EDGE_MIN_AGREEMENT, best_agree + EDGE_AGREEMENT_GAIN):
        return x3, y3, r3
    return best


def resolve_electrode(image, electrode=None, *, data_bar_row=None,
                      min_radius_px=MIN_ELECTRODE_RADIUS_PX,
                      max_radius_px=None):
    """Electrode from a user option or found automatically.

    Parameters
    ----------
    image : (M, N) ndarray
        First usable frame.
    electrode : None, Electrode, (x_px, y_px) or (x_px, y_px, radius_px)
        None: found with :func:`find_electrode`. A position overrides the
        search; without a radius the radius is measured around that position
        (dark region containing it).
    data_bar_row, min_radius_px, max_radius_px
        As in :func:`find_electrode`.

    Returns
    -------
    Electrode

    Raises
    ------
    InputError
        No electrode found, or the given position is outside the image.
    """
    img = _gray(image, data_bar_row)
    if electrode is None:
        return find_electrode(img, min_radius_px=min_radius_px, max_radius_px=max_radius_px)
    if isinstance(electrode, Electrode):
        x, y, r = electrode.x_px, electrode.y_px, electrode.radius_px
    else:
        try:
            vals = [float(v) for v in electrode]
        except (TypeError, ValueError):
            raise InputError(f"electrode must be (x_px, y_px) or (x_px, y_px, radius_px), "
                             f"got {electrode!r}; pass electrode=(x_px, y_px)") from None
        if len(vals) not in (2, 3):
            raise InputError(f"electrode must be (x_px, y_px) or (x_px, y_px, radius_px), "
                             f"got {electrode!r}; pass electrode=(x_px, y_px)")
        x, y = vals[0], vals[1]
        r = vals[2] if len(vals) == 3 else None
    h, w = img.shape
    if not (np.isfinite(x) and np.isfinite(y) and 0 <= x <= w - 1 and 0 <= y <= h - 1):
        raise InputError(f"electrode position ({x:g}, {y:g}) px is outside the image "
                         f"(x 0..{w - 1}, y 0..{h - 1}); pass electrode=(x_px, y_px) inside the image")
    if r is not None:
        if not r > 0:
            raise InputError(f"electrode radius must be > 0 px, got {r:g}")
        return Electrode(x, y, r, "user")
    # a user-given position must never track worse than automatic detection: when it lies
    # in a disc found automatically, that disc (its fitted centre and radius) is the electrode
    cands = _disc_candidates(img, min_radius_px, max_radius_px)
    inside = [c for c in cands if np.hypot(x - c[1], y - c[2]) <= c[3]]
    if inside:
        _, xc, yc, rc, r_in, pol = max(inside, key=lambda c: c[0])
        xc, yc, rc = _refined(img, xc, yc, rc, r_in)
        logger.info("electrode given at (%.1f, %.1f) px: the disc there has its centre at "
                    "(%.1f, %.1f) px, radius %.1f px", x, y, xc, yc, rc)
        return Electrode(xc, yc, rc, "user", pol)
    xi, yi = int(round(x)), int(round(y))
    for pol, mask, _ in _li_masks(img):
        n, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
        lab = labels[yi, xi]
        if lab == 0:  # not inside a region: take the nearest within USER_SNAP_PX
            y0, y1 = max(0, yi - USER_SNAP_PX), yi + USER_SNAP_PX + 1
            x0, x1 = max(0, xi - USER_SNAP_PX), xi + USER_SNAP_PX + 1
            win = labels[y0:y1, x0:x1]
            if win.any():
                yy, xx = np.nonzero(win)
                k = int(np.argmin((yy + y0 - yi) ** 2 + (xx + x0 - xi) ** 2))
                lab = win[yy[k], xx[k]]
        if lab:
            comp = labels == lab
            dist = cv2.distanceTransform(np.pad(comp, 1).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_5)[1:-1, 1:-1]
            # largest inscribed circle near the given point (needle/whiskers may be attached)
            u = USER_INSCRIBED_PX
            r_in = float(dist[max(0, yi - u):yi + u + 1, max(0, xi - u):xi + u + 1].max())
            if r_in >= 1:
                _, _, r = _refine_disc(comp, x, y, r_in)
                _, _, r = refine_circle_edge(img, x, y, r)
                logger.info("electrode given at (%.1f, %.1f) px; radius measured %.1f px", x, y, r)
                return Electrode(x, y, r, "user", pol)
    raise InputError(f"no lithium disc at the given electrode position ({x:g}, {y:g}) px; "
                     "check the position or also give the radius: electrode=(x_px, y_px, radius_px)")


def _band_depth(dark, side):
    """Per-line depth (px) of the dark band from the given image edge."""
    if side == "left":
        lines = dark
    elif side == "right":
        lines = dark[:, ::-1]
    elif side == "top":
        lines = dark.T
    else:
        lines = dark[::-1].T
    # depth = index of the first non-dark pixel along each line
    notdark = ~lines
    first = np.where(notdark.any(axis=1), notdark.argmax(axis=1), lines.shape[1])
    return first


def find_counter_electrode(image, *, data_bar_row=None, min_cover=BAND_MIN_COVER,
                           min_depth_px=BAND_MIN_DEPTH_PX, polarity="dark"):
    """Find a counter electrode visible as a dark lithium band at an image edge.

    Parameters
    ----------
    image : (M, N) ndarray
        A frame, axis order (row, col).
    data_bar_row : int, optional
        First row of the data bar (ignored rows; the bottom side is then
        the row above it).
    min_cover : float
        Fraction of the edge that must be dark lithium.
    min_depth_px : int
        Minimum median band depth in pixels.
    polarity : {'dark', 'bright'}
        Lithium darker or brighter than the ceramic (see :class:`Electrode`).

    Returns
    -------
    CounterElectrode or None
        ``CounterElectrode(side=..., boundary_px=...)`` (from the front
        module) with the band's inner edge; None when no side carries a
        dark band.

    Notes
    -----
    A counter electrode is a lithium plateau along one side ending at a
    straight edge across the whole field (:func:`_band_fits`); of several
    such sides the one whose plateau stands furthest apart from the rest
    wins. This holds whatever the band's share of the frame (a band over
    more than half of it makes the lithium the frame's most common level, so
    a threshold from the ceramic's level finds no band: tuning seeds 5006,
    7041) and whichever side of the ceramic's grey level it lies on (the
    electrode's ``polarity`` may be misread from its bright rim: tuning seeds
    5013, 7006). Only when no side shows such a plateau is the band taken
    from the lithium mask (``min_cover``, ``min_depth_px``, ``polarity``).
    """
    img = _gray(image, data_bar_row)
    bands = _band_fits(img, thorough=True)
    if bands:
        side, (depth, _) = max(bands.items(), key=lambda kv: kv[1][1])
        return _side_counter(side, img.shape, depth_px=depth, image=img)
    mask, _, _ = _dark_mask(img, polarity=polarity)
    if mask is None:
        return None
    h, w = mask.shape
    best = None
    for side in SIDES:
        depth = _band_depth(mask, side)
        cover = float(np.mean(depth >= min_depth_px))
        if cover < min_cover:
            continue
        d = float(np.median(depth[depth >= min_depth_px]))
        if d >= (w if side in ("left", "right") else h) * BAND_MAX_DEPTH_FRAC:
            continue
        if best is None or cover > best[1]:
            best = (side, cover, d)
    if best is None:
        return None
    side, _, d = best
    return _side_counter(side, (h, w), depth_px=d, image=img)


def _refine_band_edge(image, side, edge, *, half_window_px=BAND_HALF_WINDOW_PX):
    """Sub-pixel inner edge of a counter-electrode band (step plus rim model).

    The intensity profile across the edge is the median over all lines along
    the band, so it is almost noise-free; the edge model of
    :func:`refine_circle_edge` locates it.
    """
    from ._whiskers import _edge_model_fit

    img = np.asarray(image, dtype=np.float32)
    if side in ("top", "bottom"):
        img = img.T
    n = img.shape[1]
    lo = int(max(0, np.floor(edge - half_window_px)))
    hi = int(min(n, np.ceil(edge + half_window_px) + 1))
    if hi - lo < BAND_MIN_SAMPLES:
        return edge
    prof = np.median(img[:, lo:hi], axis=0)
    s = np.arange(lo, hi, dtype=np.float64)
    e, _ = _edge_model_fit(s, prof, lo + BAND_FIT_MARGIN_LO_PX, hi - BAND_FIT_MARGIN_HI_PX,
                           grid_px=BAND_GRID_PX)
    return float(e) if np.isfinite(e) else edge


def _side_counter(side, shape, depth_px=0.0, image=None):
    h, w = shape
    edge = {"left": depth_px - 0.5, "right": w - 1 - depth_px + 0.5,
            "top": depth_px - 0.5, "bottom": h - 1 - depth_px + 0.5}[side]
    if image is not None and depth_px > 0:
        edge = _refine_band_edge(image, side, edge)
    edge = float(min(max(edge, 0.0), (w - 1) if side in ("left", "right") else (h - 1)))
    return CounterElectrode(side=side, boundary_px=edge)


def resolve_counter_electrode(image, counter_electrode=None, *, data_bar_row=None, polarity="dark"):
    """Counter electrode from a user option or found when visible.

    Parameters
    ----------
    image : (M, N) ndarray
        First usable frame.
    counter_electrode : None, str, (x_px, y_px) or CounterElectrode
        ``'left'|'right'|'top'|'bottom'``: that image side (its band edge is
        measured if a band is visible there, else the image edge). A point:
        used as is. None: :func:`find_counter_electrode` (may give None).
    data_bar_row : int, optional
    polarity : {'dark', 'bright'}
        Lithium darker or brighter than the ceramic (see :class:`Electrode`).

    Returns
    -------
    CounterElectrode or None

    Raises
    ------
    InputError
        Unknown side name or a point outside the image.
    """
    img = _gray(image, data_bar_row)
    h, w = img.shape
    if counter_electrode is None:
        return find_counter_electrode(img, polarity=polarity)
    if isinstance(counter_electrode, CounterElectrode):
        return counter_electrode
    if isinstance(counter_electrode, str):
        text = counter_electrode.strip().lower()
        if text in SIDES:
            bands = _band_fits(img, thorough=True)
            if text in bands:   # a plateau with a straight edge there (find_counter_electrode)
                return _side_counter(text, (h, w), depth_px=bands[text][0], image=img)
            mask, _, _ = _dark_mask(img, polarity=polarity)
            depth = 0.0
            if mask is not None:
                dep = _band_depth(mask, text)
                if np.mean(dep >= BAND_MIN_DEPTH_PX) >= BAND_MIN_COVER:
                    depth = float(np.median(dep[dep >= BAND_MIN_DEPTH_PX]))
            return _side_counter(text, (h, w), depth_px=depth, image=img)
        return parse_counter_electrode(text, (h, w))
    try:
        x, y = (float(v) for v in counter_electrode)
    except (TypeError, ValueError):
        raise InputError(f"counter electrode must be left|right|top|bottom or a point X,Y; got "
                         f"{counter_electrode!r}; pass counter_electrode='right' (for example)") from None
    if not (0 <= x <= w - 1 and 0 <= y <= h - 1):
        raise InputError(f"counter electrode point ({x:g}, {y:g}) px is outside the image "
                         f"(x 0..{w - 1}, y 0..{h - 1}); pass counter_electrode=(x_px, y_px) inside the "
                         "image or an image side (left|right|top|bottom)")
    return CounterElectrode(point=(x, y))
