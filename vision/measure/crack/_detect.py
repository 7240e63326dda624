"""Crack in the solid electrolyte: ridge/valley filter, skeleton, path from the electrode.

Pure functions on one (registered) frame. Arrays are (rows, cols); points
are (x, y) = (column, row) in pixels with the origin at the centre of the
top-left pixel. Lengths are in pixels.
"""
import inspect
import logging
from dataclasses import dataclass, field

import cv2
import numpy as np

from ..._shared._stats import _median, mad_sigma
from ._filters import KERNEL_HALF_SIGMAS, CrackBackground, _as_image, _oriented_stack, crack_background, ridge_response
from ._link import LINK_COUNTER_REACH_PX, counter_zones, link_pieces
from ._path import _cut_hook, _line_width, _longest_path, _retrace_tip, _side_branches, _smooth_length

__all__ = ["BRANCHING_NETWORK_RATIO", "CrackMeasurement", "CrackState", "RIM_EDGE_PENALTY",
           "RIM_EXCESS_REACHES", "THICK_LI_PX",
           "detect_crack", "detect_crack_core_or_rims"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CrackMeasurement:
    """A crack starting at the electrode (pixels; points are (x, y)).

    Attributes
    ----------
    path_length_px : float
        Length along the crack from the electrode rim to the far tip, pixels
        (skeleton path, smoothed so that the pixel staircase does not add length).
    tip_xy_px : (float, float)
        The far tip (x, y).
    path : (N, 2) ndarray
        Ordered (x, y) points from the electrode rim to the tip (smoothed).
    skeleton_xy_px : (K, 2) ndarray
        All skeleton pixels of the crack network attached to the electrode
        (including side branches), (x, y).
    contrast : float
        Median ridge response along the path divided by the noise level.
    branches : tuple of (M, 2) ndarray
        Side branches off the main path, each ordered (x, y) from the path
        outward (smoothed like the path); empty for a single path.
    """

    path_length_px: float
    tip_xy_px: tuple
    path: np.ndarray = field(repr=False)
    skeleton_xy_px: np.ndarray = field(repr=False)
    contrast: float = float("nan")
    branches: tuple = field(default=(), repr=False)

    @property
    def branch_length_px(self):
        """Summed length of the side branches off the main path, px (0 for a single path)."""
        return float(sum(float(np.hypot(*np.diff(b, axis=0).T).sum()) for b in self.branches
                         if len(b) > 1))

    @property
    def total_length_px(self):
        """Length of the whole crack, px: the main path plus its side branches.

        A branched lithium-filled crack is the whole network, not only its
        longest path (the generator's truth, ``crack_length_px``, counts the
        branches too).
        """
        return float(self.path_length_px) + self.branch_length_px

    @property
    def network_ratio(self):
        """Skeleton pixels of the whole network per px of the main path (about 1 for one path).

        A crack, even with a few side branches, is one thin path: its network
        is about as long as its path (0.8-1.2 measured: a diagonal skeleton step
        is one pixel, a path step sqrt(2)). A branching, area-filling cluster
        (the thin branches of a lateral front) has several times more skeleton
        than its longest path from the rim.
        """
        return float(len(self.skeleton_xy_px)) / max(float(self.path_length_px), 1.0)

    @property
    def is_branching_cluster(self):
        """True when the network is a branching cluster, not one crack path (see
        :attr:`network_ratio` and :data:`BRANCHING_NETWORK_RATIO`)."""
        return self.network_ratio >= BRANCHING_NETWORK_RATIO


def _robust_sigma(values):
    med = float(_median(values))
    return med, mad_sigma(values - med)


def _gain(image, background):
    """Least-squares gain g so that image ~ g * background + offset (subsampled).

    The two sums of products are ``np.einsum`` (numpy's own loop), not ``@``: a BLAS dot
    of the ~12 k samples of a crack window is handed to OpenBLAS's threads, which on a
    busy two-core machine cost 0.5-55 ms a call instead of 0.07 ms. The order of
    summation differs from BLAS's in the last float64 bits only; the caller rounds the
    gain to float32 (the same value on 120 recorded 1080p windows).
    """
    a = image[::GAIN_SUBSAMPLE, ::GAIN_SUBSAMPLE].ravel().astype(np.float64)
    b = background[::GAIN_SUBSAMPLE, ::GAIN_SUBSAMPLE].ravel().astype(np.float64)
    b = b - b.mean()
    den = float(np.einsum("i,i->", b, b))
    if den <= 0:
        return 1.0
    return float(np.einsum("i,i->", a - a.mean(), b) / den)


#: A line network attached to the electrode with at least this many skeleton pixels per px
#: of its longest path is a branching cluster (lateral lithium's 1-2 px branches), not a
#: crack: single cracks, also the branched and intergranular ones, measure 0.8-1.2; the
#: thin branches of a DLA front 2-3 (tuning seeds 5014, 5021 vs 5051).
BRANCHING_NETWORK_RATIO = 1.6

#: A ``roi`` of :func:`detect_crack` grows when the crack comes this close to a side (px) ...
ROI_NEAR_PX = 8
#: ... by this much beyond the crack (px).
ROI_GROW_PX = 48

#: Lithium at least this thick (px, any direction; after segmentation, with edge rims) is
#: lateral lithium, not a Li-filled crack: between a crack's width and a lateral branch's.
#: The analyze pipeline's value.
THICK_LI_PX = 13

#: A piece of thick lithium beyond the rim margin smaller than this fraction of the
#: ``THICK_LI_PX`` disc's area cannot hold that disc: it is the corner between a thin
#: Li line and the electrode (:func:`_without_rim_corners`). 1 = exactly one disc.
CORNER_DISC_FRACTION = 1.0

#: Every this-many-th pixel (per axis) enters the gain fit against the background (a
#: 1-in-16 sample: two numbers are fitted, speed matters more than the last digit).
GAIN_SUBSAMPLE = 4
#: Every this-many-th pixel (per axis, or row) enters the robust noise of the responses
#: and of the scan-line differences (percentiles and MAD to well under a grey level).
STATS_SUBSAMPLE = 3
#: Smallest ``roi`` side, px (the filters need some length of line).
MIN_ROI_PX = 8
#: Ridge filter reach in units of its sigma (a Gaussian's second derivative is nil
#: beyond ~2-3 sigma): the default rim margin is 2 sigma + 1 px beyond the electrode, so
#: the rim's own edge gives no line response; masks are grown by 2 sigma either side.
FILTER_REACH_SIGMAS = 2.0
#: Real pixels around a ``roi`` box for the filters: the oriented kernel's half-length
#: (ROI_KERNEL_SIGMAS sigma along the line) plus ROI_PAD_PX for the dilations.
ROI_KERNEL_SIGMAS = 3.0
ROI_PAD_PX = 4
#: A crack starts within this (px) beyond the rim margin (seed zone) ...
SEED_ZONE_PX = 3.0
#: ... and its skeleton within this further slack (px) of the seed zone (the skeleton
#: ends up to ~1.5 px short of the segmented region's edge).
SEED_SKELETON_SLACK_PX = 1.5
#: Scan-line offsets: the pixels within SCANLINE_CLIP_SIGMA noise levels of a row's median
#: difference are averaged (a crack or lithium covering part of a row does not shift it);
#: rows with fewer than SCANLINE_MIN_PIXELS keep the median.
SCANLINE_CLIP_SIGMA = 3.0
SCANLINE_MIN_PIXELS = 8
#: Sobel 3x3 kernel and its normalisation (weights sum to 8 in absolute value): the slope
#: comes out in grey levels per px.
SOBEL_KSIZE = 3
SOBEL_NORM = 0.125
#: Clipped areas are flat over this square (px) ...
FLAT_PATCH_PX = 3
#: ... and masked with the filter's reach plus this (px) around them.
FLAT_MARGIN_PX = 3
#: A side of the frame whose rows (columns) repeat the next one exactly, at least this many
#: (px), holds no scene: a drift-registered frame (``vision.preprocess.shift_image``)
#: replicates its last real row into the band the drift uncovered, and every column of
#: that band is a straight line across it to the line filter (tuning seed 7006: drift
#: 30-40 px up, a 60 px false side branch up to the frame's top, joined across a gap by
#: ``link_gaps``). Two rows of a real (noisy) frame are never equal. A piece lying mostly in
#: the band (and the filter's reach along a line beyond it) joins no crack across a gap; a
#: crack running into the band is kept as it was (its root at an electrode in the band,
#: tuning seed 7034; its touch-down at a counter electrode there, 5020: masking the band
#: lost both).
BLANK_MIN_REPEATS = 1
#: The opposite sign of the crack's lithium, for the difference image's other line search.
_OPPOSITE = {"dark": "bright", "bright": "dark"}
#: A stretch of the opposite sign (:func:`_opposite_lines`) lies at least this many
#: filter sigmas from every line pixel of the crack's own sign: a line's second-derivative
#: response has side lobes of the other sign at +-sqrt(3) sigma, and a lithium-filled
#: crack's bright edge rims run alongside its core (half its width plus 1-3 px); both are
#: the crack's own edges, not a stretch of it. Two filter reaches (4 sigma).
OPPOSITE_CLEAR_SIGMAS = 2.0 * FILTER_REACH_SIGMAS
#: A piece of the background's line mask is a line (a grain boundary) when it is at least
#: this long (px, the larger side of its box): the linker's shortest piece, 2x the
#: shortest crack; noise in a background of few frames makes specks of a few px.
STATIC_LINE_PX = 20
#: The opposite sign's response is averaged along the background's line (a grain boundary,
#: straight between junctions) with a Gaussian of this many times the filter's length
#: along the line (``sigma_px * elongation``): the crack's stretch along a boundary is
#: fainter than across a grain (lithium against the boundary's groove, not against the
#: ceramic; tuning seed 7012: 2.5-5 noise levels per pixel), and the mean over the
#: boundary's pixels within two filter lengths has about sqrt(2) less noise.
OPPOSITE_ALONG_SIGMAS = 2.0
#: A path of more than this many points has its tip re-traced at the half-maximum of the
#: response (shorter paths have no tip profile to speak of).
MIN_RETRACE_POINTS = 8

#: Defaults of :func:`detect_crack` (the tracker passes its own from TrackOptions):
#: ridge filter sigma (px, about a crack's half width), hysteresis thresholds (noise units:
#: a 5-sigma seed is rare in pure noise, the 3-sigma level follows a faint crack), shortest
#: crack (px, about 3x the longest line noise makes at these thresholds), path smoothing
#: (px), gaps bridged across a static line and joined between pieces (px), the filter's
#: elongation along the line, the gain margin over the background's own line response
#: (10 %: static edges whose contrast changed a little more than the global brightness do
#: not remain as lines), the largest hole filled (px: noise inside the line would make
#: skeleton loops) and the slope penalty weight (the dark side of a bright rim is not a
#: valley).
SIGMA_PX = 1.0
THRESHOLD_SIGMA = 5.0
LOW_THRESHOLD_SIGMA = 3.0
MIN_LENGTH_PX = 10.0
SMOOTHING_PX = 2.0
BRIDGE_GAP_PX = 3
JOIN_GAP_PX = 1
ELONGATION = 3.0
GAIN_MARGIN = 0.1
MAX_HOLE_PX = 40
EDGE_PENALTY = 0.5
#: A side branch counts towards the crack's length when its end lies at least this far
#: (px) from the main path (and the branches taken before it): farther than the
#: skeleton's spurs at a line's ragged edges and the parallel track along an open crack's
#: second lip (a few px), shorter than the generator's branches (10-40 px).
MIN_BRANCH_PX = 10.0


def _detect_in_roi(img, roi, bg, li_mask, exclude_mask, electrode_xy, rad, opts, passes, *,
                   keep_twin=False, starts=None):
    """:func:`detect_crack` in a box that grows until the crack is inside it.

    ``passes`` holds the line pass of each window searched, ``keep_twin`` and ``starts``
    share work with the rim search (see :func:`_detect`).
    """
    rows, cols = img.shape
    try:
        x0, y0, x1, y1 = (int(round(float(v))) for v in roi)
    except (TypeError, ValueError):
        raise ValueError(f"roi must be (x0, y0, x1, y1) in px; got {roi!r}.") from None
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, cols), min(y1, rows)
    if x1 - x0 < MIN_ROI_PX or y1 - y0 < MIN_ROI_PX:
        raise ValueError(f"roi {roi!r} leaves less than {MIN_ROI_PX}x{MIN_ROI_PX} px of the {cols}x{rows} image; "
                         "give a box around the electrode.")
    ex, ey = electrode_xy
    # the box holds at least the electrode and ROI_GROW_PX / 2 beyond its rim margin, so a
    # young crack has enough length inside it to be found (and to make the box grow)
    rim = opts["rim_margin_px"]
    reach = (rad + (FILTER_REACH_SIGMAS * opts["sigma_px"] + 1.0 if rim is None else rim)
             + SEED_ZONE_PX + ROI_GROW_PX / 2)
    x0, y0 = max(min(x0, int(np.floor(ex - reach))), 0), max(min(y0, int(np.floor(ey - reach))), 0)
    x1 = min(max(x1, int(np.ceil(ex + reach)) + 1), cols)
    y1 = min(max(y1, int(np.ceil(ey + reach)) + 1), rows)
    # real pixels around the box for the filters (kernel half-length plus the dilations)
    pad = int(np.ceil(ROI_KERNEL_SIGMAS * opts["sigma_px"] * max(opts["elongation"], 1.0))) + ROI_PAD_PX
    # a crack cut short by the box side must still be found to grow the box: the
    # length limit applies to the final path only
    min_length_px = float(opts["min_length_px"])
    opts = dict(opts, min_length_px=0.0)
    while True:
        wx0, wy0, wx1, wy1 = max(x0 - pad, 0), max(y0 - pad, 0), min(x1 + pad, cols), min(y1 + pad, rows)
        sl = (slice(wy0, wy1), slice(wx0, wx1))
        band = np.ones((wy1 - wy0, wx1 - wx0), bool)
        band[y0 - wy0:y1 - wy0, x0 - wx0:x1 - wx0] = False
        window = (wx0, wy0, wx1, wy1)
        if passes is not None and window in passes:
            p = passes[window]
        else:
            sub_bg = None
            if bg is not None:
                sub_bg = bg.window(sl)
            sub = _as_image(img[sl], "image")
            p = _line_pass(
                sub, sub_bg, None if li_mask is None else np.asarray(li_mask)[sl],
                band if exclude_mask is None else band | np.asarray(exclude_mask, bool)[sl],
                (ex - wx0, ey - wy0), rad, _resolved(opts),
                keep_twin=keep_twin, start=None if starts is None else starts.get(window))
            if passes is not None:
                passes[window] = p
        blank, counter = opts.get("blank"), opts.get("counter")
        sub_opts = opts if blank is None else dict(opts, blank=blank[sl])
        if counter is not None:
            sub_opts = dict(sub_opts, counter=_WindowZones(counter, window, opts.get("state")))
        c = _measure_pass(p, sub_opts)
        del p
        if c is None:
            return None
        off = np.array([wx0, wy0], float)
        sk = c.skeleton_xy_px + off
        lo_xy, hi_xy = sk.min(axis=0), sk.max(axis=0)
        grow_x0 = x0 > 0 and lo_xy[0] < x0 + ROI_NEAR_PX
        grow_y0 = y0 > 0 and lo_xy[1] < y0 + ROI_NEAR_PX
        grow_x1 = x1 < cols and hi_xy[0] > x1 - 1 - ROI_NEAR_PX
        grow_y1 = y1 < rows and hi_xy[1] > y1 - 1 - ROI_NEAR_PX
        grown = (max(min(x0, int(lo_xy[0]) - ROI_GROW_PX), 0) if grow_x0 else x0,
                 max(min(y0, int(lo_xy[1]) - ROI_GROW_PX), 0) if grow_y0 else y0,
                 min(max(x1, int(hi_xy[0]) + 1 + ROI_GROW_PX), cols) if grow_x1 else x1,
                 min(max(y1, int(hi_xy[1]) + 1 + ROI_GROW_PX), rows) if grow_y1 else y1)
        if grown == (x0, y0, x1, y1):
            if c.path_length_px < min_length_px:
                return None
            return CrackMeasurement(
                path_length_px=c.path_length_px,
                tip_xy_px=(c.tip_xy_px[0] + wx0, c.tip_xy_px[1] + wy0),
                path=c.path + off, skeleton_xy_px=sk, contrast=c.contrast,
                branches=tuple(b + off for b in c.branches))
        x0, y0, x1, y1 = grown


def detect_crack(image, *, li_mask=None, electrode_xy_px, electrode_radius_px, background=None,
                 exclude_mask=None, sigma_px=SIGMA_PX, polarity="dark",
                 threshold_sigma=THRESHOLD_SIGMA, low_threshold_sigma=LOW_THRESHOLD_SIGMA,
                 min_length_px=MIN_LENGTH_PX, rim_margin_px=None, smoothing_px=SMOOTHING_PX,
                 thick_li_px=THICK_LI_PX, bridge_gap_px=BRIDGE_GAP_PX, join_gap_px=JOIN_GAP_PX,
                 elongation=ELONGATION, tip_half_max=True, gain_margin=GAIN_MARGIN,
                 max_hole_px=MAX_HOLE_PX, edge_penalty=EDGE_PENALTY, max_width_px=None, scan_lines=True,
                 roi=None, min_branch_px=MIN_BRANCH_PX, thick_rim_only=True, link_gaps=True,
                 counter_mask=None, state=None):
    """Find a crack growing from the electrode and measure its path.

    Steps: subtract the background (gain-matched, so brightness flicker does
    not leave grain boundaries behind); ridge/valley filter
    (:func:`ridge_response`) minus the dilated ridge response of the
    background, so lines already present (grain boundaries, polishing
    scratches) do not count; hysteresis threshold at ``threshold_sigma`` and
    ``low_threshold_sigma`` times the robust noise level of the response
    (median + k * 1.4826 * MAD over the frame); keep the line pixels connected
    to the electrode rim; skeletonize; longest geodesic skeleton path from
    the rim (diagonal steps count sqrt(2)); smooth it (Gaussian,
    ``smoothing_px``) and measure its length from the rim circle to the tip.

    Parameters
    ----------
    image : (M, N) ndarray
        The registered frame (any grey scale).
    li_mask : (M, N) array of bool, optional
        Lithium pixels. Thick Li (lateral front; anything surviving an
        opening with a disc of diameter ``thick_li_px``) and its edges are
        ignored; thin Li lines (a crack filled with Li) are kept.
    electrode_xy_px : (float, float)
        Electrode centre (x, y), pixels.
    electrode_radius_px : float
        Electrode radius, pixels.
    background : (M, N) ndarray or CrackBackground, optional
        The frame before any crack (e.g. mean of the first scans), or the
        result of :func:`crack_background` (faster when called per frame).
        Without it, static lines such as grain boundaries that touch the
        electrode are taken for cracks.
    exclude_mask : (M, N) array of bool, optional
        Pixels that cannot be crack (whiskers, the needle).
    sigma_px : float, optional
        Scale of the ridge filter, about the crack half-width in pixels.
    polarity : {'dark', 'bright'}, optional
        Cracks are dark lines in secondary-electron images; use 'bright' if
        they appear bright (e.g. filled with Li in backscatter contrast).
    threshold_sigma, low_threshold_sigma : float, optional
        Hysteresis thresholds in units of the noise level of the response.
    min_length_px : float, optional
        Shorter paths are not reported as a crack (returns None). The
        default, 10 px, is about three times the length of the longest
        line segments pure noise produces at the default thresholds and scale.
    rim_margin_px : float, optional
        Response within ``electrode_radius_px + rim_margin_px`` of the centre
        is ignored (the electrode edge itself); default ``2 * sigma_px + 1``.
        The crack must reach within 3 px beyond that.
    smoothing_px : float, optional
        Gaussian smoothing of the path along its length before measuring.
    gain_margin : float, optional
        The background's line response is subtracted with a gain this much
        larger than the fitted one (0.15 = 15 %), so that strong static
        edges (needle, electrode, grain boundaries) whose contrast changed
        a little more than the global brightness fit says do not remain as
        lines.
    edge_penalty : float, optional
        The slope of the (smoothed) difference image times this factor and
        ``sigma_px`` is subtracted from the line response: the dark side of
        a new bright edge (the bright rims of a Li-filled crack) looks like a
        valley to a second-derivative filter, a line centre has no slope.
    max_width_px : float or None, optional
        With a background: a line whose dark core is wider than this (median
        full width at half maximum across the path in the difference image,
        px) is several px wide, e.g. a fresh lateral Li branch, and is not
        reported as a crack. None (default) = no check. Measured on the
        generator: Li-filled cracks 1.0-1.5 px, fresh lateral branches
        2.5-4 px (their bright rims narrow the dark core), plain dark 2-px
        lines 2-2.5 px, so 2.2 separates the generator's cases only.
    max_hole_px : int, optional
        Holes up to this area (px) inside the thresholded crack are filled
        before the skeleton, so that the skeleton has no loops.
    scan_lines : bool, optional
        With a background: remove per-row offsets (SEM scan lines, which
        differ between scans) before filtering, measured as the median of
        each row of the difference to the background. A darker row is
        otherwise a straight horizontal line to the filter.
    tip_half_max : bool, optional
        Put the tip where the line response along the path falls to half its
        median (the end of a line, independent of the noise level) instead of
        where the thresholded pixels end.
    thick_li_px : int, optional
        Li structures at least this thick (px, any direction) are not crack.
        Set it between the width of the crack and that of the lateral
        branches as the segmentation draws them (with edge rims).
    thick_rim_only : bool, optional
        Only thick Li that reaches the electrode rim (within the rim margin,
        the seed zone and ``thick_li_px``) is lateral lithium and ignored:
        lateral lithium grows from the electrode. A thick spot out in the
        field (where a Li-filled crack forks, the segmented rims fill the
        fork) is part of the crack (default True; False: every thick spot).
    join_gap_px : int, optional
        The thresholded line pixels are dilated by this many pixels before
        finding connected pieces and the skeleton, which joins a faint
        crack broken into pieces by noise; 0 = off.
    bridge_gap_px : int, optional
        Where a crack crosses a static line (grain boundary) the
        drift-robust response has a gap; there, pixels of the difference
        image's line response within this distance of the crack are added
        (bridging gaps up to twice as wide); 0 to disable.

    min_branch_px : float or None, optional
        Side branches whose end lies at least this far (px) from the main
        path, and whose line response stays above the low threshold, are
        measured (:attr:`CrackMeasurement.branches`,
        :attr:`CrackMeasurement.total_length_px`); None or 0: none.
    link_gaps : bool, optional
        Join the line pieces that continue the crack beyond a faint stretch
        (``vision.measure.crack._link``): a piece at least
        ``LINK_MIN_PIECE_PX`` long whose near end points back at an end of
        the crack within ``LINK_MAX_ANGLE_DEG``, across a gap no longer than
        the piece and ``LINK_MAX_GAP_PX`` (default True).
    counter_mask : (M, N) array of bool or None, optional
        The counter electrode's pixels (:meth:`CounterElectrode.region_mask`).
        A crack ends where it meets the counter electrode: no piece is joined
        beyond an end that reaches it, and no piece running along its edge
        (its bright rim) is joined (``vision.measure.crack._link``). None: not
        known.
    roi : (x0, y0, x1, y1) or None, optional
        Search only this pixel box (end exclusive), e.g. the electrode and
        the last crack with a margin: much faster than the whole frame. It
        is widened to hold at least the electrode and ``ROI_GROW_PX / 2``
        beyond its rim margin (a young crack must be long enough in it to
        be found). The box
        grows by ``ROI_GROW_PX`` (and the search is repeated) wherever the
        crack comes within ``ROI_NEAR_PX`` of one of its sides, so a crack
        is followed out of it; the noise level and the brightness gain are
        then those of the box. Filtering uses a margin of real pixels
        around it, so the box edges add no lines. None: the whole frame.
    state : CrackState or None, optional
        Work kept between calls on the same ``background`` (a tracker makes
        one per background and passes it every scan): what depends only on
        the window, the background, the electrode and the counter electrode
        is made once. The same results with or without it. None: everything
        is made anew.

    Returns
    -------
    CrackMeasurement or None
        None when no crack of at least ``min_length_px`` starts at the electrode.
    """
    # every argument of this call by name: the options are defined once, in this signature
    # (detect_crack_core_or_rims binds its own arguments to it)
    return _detect(dict(locals()), None)


#: :func:`detect_crack`'s signature (made once: ``inspect.signature`` costs about as much as
#: the scan-line correction of a window).
_DETECT_SIGNATURE = inspect.signature(detect_crack)
#: Arguments of :func:`detect_crack` that are the frame's data and geometry; all the
#: others are options, the same for every window of one search.
_DATA_ARGS = frozenset({"image", "li_mask", "electrode_xy_px", "electrode_radius_px",
                        "background", "exclude_mask", "roi", "counter_mask"})


def _detect(args, passes, *, keep_twin=False, starts=None):
    """:func:`detect_crack` from its arguments by name, reusing line passes.

    Parameters
    ----------
    args : dict
        Every argument of :func:`detect_crack`, by name.
    passes : dict or None
        Line passes (:func:`_line_pass`) already made for this image, background
        and options, keyed by window ((x0, y0, x1, y1) px, end exclusive; None for
        the whole frame); new ones are added. Searches that differ only in
        ``link_gaps`` (which acts after the pass) may share one dict. None: none
        kept (a growing box never searches a window twice; each pass is freed when
        the box grows past it).
    keep_twin : bool
        Each new pass also keeps, in its ``twin``, what a search of the opposite
        polarity (the crack's rims) with the same background image would compute again
        on the same window (:class:`_TwinStart`).
    starts : dict or None
        The ``twin`` of the opposite polarity's passes by window: taken for those
        windows, not computed again.

    Returns
    -------
    CrackMeasurement or None
        As :func:`detect_crack`.
    """
    image, li_mask, exclude_mask, roi = (args["image"], args["li_mask"], args["exclude_mask"],
                                         args["roi"])
    electrode_xy_px, electrode_radius_px = args["electrode_xy_px"], args["electrode_radius_px"]
    background = args["background"]
    opts = {k: v for k, v in args.items() if k not in _DATA_ARGS}
    state = opts["state"]
    if state is not None and not isinstance(state, CrackState):
        raise TypeError(f"state must be a CrackState or None; got {type(state).__name__}. "
                        "Make one with CrackState() per background.")
    sigma_px, polarity, elongation = opts["sigma_px"], opts["polarity"], opts["elongation"]
    img = _as_image(image, "image")
    rows, cols = img.shape
    ex, ey = (float(v) for v in electrode_xy_px)
    rad = float(electrode_radius_px)
    if not (np.isfinite(ex) and np.isfinite(ey) and np.isfinite(rad) and rad >= 0):
        raise ValueError("electrode_xy_px and electrode_radius_px must be finite (radius >= 0); "
                         f"got {electrode_xy_px!r}, {electrode_radius_px!r}. Find the electrode first.")
    for name, m in (("li_mask", li_mask), ("exclude_mask", exclude_mask)):
        if m is not None and np.shape(m) != img.shape:
            raise ValueError(f"{name} has shape {np.shape(m)} but image has {img.shape}; "
                             "pass masks of the same frame.")
    if isinstance(background, CrackBackground):
        if (background.sigma_px != float(sigma_px) or background.polarity != polarity
                or background.elongation != float(elongation)):
            raise ValueError("background was prepared with sigma_px="
                             f"{background.sigma_px}, polarity={background.polarity!r}, "
                             f"elongation={background.elongation} but detect_crack got "
                             f"sigma_px={sigma_px}, polarity={polarity!r}, "
                             f"elongation={elongation}; prepare it with the same settings.")
        bg = background
    elif background is not None:
        bg = crack_background(background, sigma_px=sigma_px, polarity=polarity,
                              elongation=elongation)
    else:
        bg = None
    if bg is not None and bg.image.shape != img.shape:
        raise ValueError(f"background has shape {bg.image.shape} but image has {img.shape}; "
                         "use a background of the same (registered) frame size.")
    # the band a drift-registered frame has no scene in: its streaks join no crack across a
    # gap (a crack reaching the band still runs into it, as main's path did)
    opts["blank"] = _blank_border(img, int(np.ceil(FILTER_REACH_SIGMAS * float(sigma_px)
                                                   * max(float(elongation), 1.0))))
    counter_mask = args["counter_mask"]
    if counter_mask is not None:
        if np.shape(counter_mask) != img.shape:
            raise ValueError(f"counter_mask has shape {np.shape(counter_mask)} but image has "
                             f"{img.shape}; pass the counter electrode's mask of the same frame.")
        # its zones are made for a window only when a crack is joined there (_WindowZones)
        opts["counter"] = np.asarray(counter_mask, bool)
    if roi is not None:
        return _detect_in_roi(img, roi, bg, li_mask, exclude_mask, (ex, ey), rad, opts, passes,
                              keep_twin=keep_twin, starts=starts)
    if opts.get("counter") is not None:
        opts["counter"] = _WindowZones(opts["counter"], (0, 0, cols, rows), opts.get("state"))
    if passes is not None and None in passes:
        return _measure_pass(passes[None], opts)
    p = _line_pass(img, bg, li_mask, exclude_mask, (ex, ey), rad, _resolved(opts),
                   keep_twin=keep_twin, start=None if starts is None else starts.get(None))
    if passes is not None:
        passes[None] = p
    return _measure_pass(p, opts)


#: Windows a :class:`CrackState` keeps its work for, per kind, the most recently used: a
#: tracker searches one window a scan (its crack box), two while a crack grows out of it.
STATE_WINDOWS = 2


class CrackState:
    """Work :func:`detect_crack` keeps between calls on one background, owned by the caller.

    A tracker searches the same window (its crack box) of the same background with the same
    electrode and counter electrode scan after scan. With a state (``state=`` of
    :func:`detect_crack` and :func:`detect_crack_core_or_rims`) what depends only on those
    is made once per window: the squared distances from the electrode centre and the masks
    of the rim zones (:func:`_window_geometry`), which background angle is the strongest
    (:func:`_opposite_and_along`) and the counter electrode's zones (:func:`counter_zones`
    of the window). Every entry is checked against its inputs (the electrode by value, the
    background by identity, the counter electrode's mask by value), so a changed input gets
    new work; the results are the same with or without a state, bit for bit.

    Make one per background (a new background: a new state) and video; it holds window-sized
    arrays only, for the :data:`STATE_WINDOWS` most recent windows of each kind. Not for
    use by two threads at once.
    """

    def __init__(self):
        self._kept = {}

    def _get(self, kind, key, check):
        """The value kept for ``(kind, key)`` when ``check(inputs kept)`` holds, else None."""
        entry = self._kept.get(kind, {}).get(key)
        if entry is None or not check(entry[0]):
            return None
        return entry[1]

    def _put(self, kind, key, inputs, value):
        kept = self._kept.setdefault(kind, {})
        kept.pop(key, None)
        while len(kept) >= STATE_WINDOWS:
            del kept[next(iter(kept))]   # the least recently stored
        kept[key] = (inputs, value)
        return value


def _frozen(*arrays):
    """``arrays`` made read-only (kept in a :class:`CrackState`, shared by later calls)."""
    for a in arrays:
        if isinstance(a, np.ndarray):
            a.setflags(write=False)
    return arrays


class _WindowZones:
    """The counter electrode's zones (:func:`counter_zones`) in one window, made on first use.

    Only a crack joined across a gap asks for them (:func:`link_pieces`): a crack-free scan
    makes none. They are made from the window's part of the mask and
    ``LINK_COUNTER_REACH_PX + 1`` px around it: the zones reach that far from the region
    and its boundary, the distances are exact (``DIST_MASK_PRECISE``) and OpenCV counts
    no region beyond an image's border, so they are the window's part of the whole frame's
    zones, to the bit. A ``state`` keeps them per window while the mask there is the same.
    """

    def __init__(self, mask, window, state):
        self.mask, self.window, self.state = mask, window, state
        self._zones = None

    def get(self):
        if self._zones is None:
            self._zones = _window_counter_zones(self.mask, self.window, self.state)
        return self._zones


def _window_counter_zones(mask, window, state=None):
    """``counter_zones(mask)`` cut to ``window`` (x0, y0, x1, y1), from the window's part only."""
    rows, cols = mask.shape
    x0, y0, x1, y1 = window
    m = int(np.ceil(LINK_COUNTER_REACH_PX)) + 1
    cx0, cy0, cx1, cy1 = max(x0 - m, 0), max(y0 - m, 0), min(x1 + m, cols), min(y1 + m, rows)
    crop = mask[cy0:cy1, cx0:cx1]
    if state is not None:
        kept = state._get("counter", window, lambda old: np.array_equal(old, crop))
        if kept is not None:
            return kept
    inner = (slice(y0 - cy0, y1 - cy0), slice(x0 - cx0, x1 - cx0))
    zones = tuple(z[inner] for z in counter_zones(crop))
    if state is not None:
        zones = state._put("counter", window, crop.copy(), _frozen(*zones))
    return zones


def _repeats(lines):
    """How many leading lines of ``lines`` (a 2-D array, one line per row) equal the next one.

    0 when the first line is constant: a flat (clipped) area, not a repeated scene line.
    """
    if not len(lines) or lines[0].min() == lines[0].max():
        return 0
    n = 0
    while n + 1 < len(lines) and np.array_equal(lines[n], lines[n + 1]):
        n += 1
    return n


def _blank_border(img, margin_px):
    """The sides of ``img`` that hold no scene (a registration's replicated border), or None.

    Parameters
    ----------
    img : (M, N) ndarray
        The frame.
    margin_px : int
        Added to each band on its field side (px): the filter's reach along a line that
        crosses the band's edge.

    Returns
    -------
    (M, N) ndarray of bool or None
        True in every band of at least ``BLANK_MIN_REPEATS`` rows (columns) at a side
        that repeat their neighbour exactly, with the repeated real line and the margin;
        None when no side has one.
    """
    rows, cols = img.shape
    top, bottom = _repeats(img), _repeats(img[::-1])
    left, right = _repeats(img.T), _repeats(img.T[::-1])
    if max(top, bottom, left, right) < BLANK_MIN_REPEATS:
        return None
    blank = np.zeros(img.shape, bool)
    for n, sl in ((top, lambda k: (slice(0, k), slice(None))),
                  (bottom, lambda k: (slice(rows - k, rows), slice(None))),
                  (left, lambda k: (slice(None), slice(0, k))),
                  (right, lambda k: (slice(None), slice(cols - k, cols)))):
        if n >= BLANK_MIN_REPEATS:
            blank[sl(n + 1 + margin_px)] = True
    return blank


def _resolved(opts):
    """``opts`` with the default rim margin (None: 2 filter reaches + 1 px) made a number."""
    if opts["rim_margin_px"] is not None:
        return opts
    return dict(opts, rim_margin_px=FILTER_REACH_SIGMAS * opts["sigma_px"] + 1.0)


@dataclass(frozen=True)
class _LinePass:
    """The filtering and thresholding of one frame (or window), before any joining.

    Everything :func:`_measure_pass` needs: the scan-line corrected image ``img``, the
    background ``bg`` and its fitted gain ``g`` (None without one), the line response
    ``resp`` with its median ``med``, noise level ``sig`` and low threshold ``lo``, the
    bridging responses ``bridge`` (or None), the connected line pieces (``labels`` and
    ``stats`` of ``cv2.connectedComponentsWithStats``), the pieces kept as the crack
    (``keep``: strong and at the rim) and the strong ones (``strong``), the squared
    distance ``r2`` of each pixel from the electrode centre (px^2), the inner radius
    ``r_in`` (px), the electrode centre ``electrode_xy`` (x, y) and radius ``rad`` (px);
    ``opposite``: the stretches of the opposite sign that may continue the crack
    (:func:`_opposite_lines`'s two masks and the opposite response; None without a
    background or without such stretches); ``static_lines``: the background's lines
    (:func:`_static_lines` of ``bridge[1]``; None without a background), made once for
    the pass's joined and plain measurements.
    """

    img: np.ndarray
    bg: object
    g: object
    resp: np.ndarray
    med: float
    sig: float
    lo: float
    bridge: object
    labels: np.ndarray
    stats: np.ndarray
    keep: np.ndarray
    strong: np.ndarray
    r2: np.ndarray
    r_in: float
    electrode_xy: tuple
    rad: float
    twin: object = None
    opposite: object = None
    static_lines: object = None


@dataclass(frozen=True)
class _TwinStart:
    """What a line pass of the opposite polarity on the same window would compute first.

    Polarity-free, with the same background image: the background gain ``g``, the
    scan-line corrected image ``img``, the pixels ignored (``ignore``) and the squared
    distances ``r2`` from the electrode centre (px^2), with the window's :class:`_Geometry`.
    """

    img: np.ndarray
    g: np.float32
    ignore: np.ndarray
    r2: np.ndarray
    geo: object = None


def _line_pass(img, bg, li_mask, exclude_mask, electrode_xy, rad, opts, *, keep_twin=False,
               start=None):
    """Filter and threshold a frame: the steps of :func:`detect_crack` before joining.

    Parameters
    ----------
    img : (M, N) ndarray of float32
        The frame (or window).
    bg : CrackBackground or None
        Its background, same shape.
    li_mask, exclude_mask : (M, N) array of bool or None
        As in :func:`detect_crack`.
    electrode_xy : (float, float)
        Electrode centre (x, y) in this frame, px.
    rad : float
        Electrode radius, px.
    opts : dict
        The options of :func:`detect_crack`, ``rim_margin_px`` a number (:func:`_resolved`).
    keep_twin : bool
        Keep, in the returned pass's ``twin``, what a pass of the opposite polarity with
        the same background image would compute again (:class:`_TwinStart`).
    start : _TwinStart or None
        The ``twin`` of the opposite polarity's pass of this window: taken instead of
        correcting, filtering and masking the frame again (the same values).

    Returns
    -------
    _LinePass or None
        None when no line piece is strong and at the rim (no crack, whatever the joining).
    """
    sigma_px, polarity, elongation = opts["sigma_px"], opts["polarity"], opts["elongation"]
    scan_lines, gain_margin, edge_penalty = opts["scan_lines"], opts["gain_margin"], opts["edge_penalty"]
    threshold_sigma, low_threshold_sigma = opts["threshold_sigma"], opts["low_threshold_sigma"]
    rim_margin_px, bridge_gap_px, join_gap_px = (opts["rim_margin_px"], opts["bridge_gap_px"],
                                                 opts["join_gap_px"])
    rows, cols = img.shape
    ex, ey = electrode_xy
    g = None
    bridge = None
    if start is not None:
        img, g, ignore, r2, geo = start.img, start.g, start.ignore, start.r2, start.geo
    if bg is not None:
        if start is None:
            g = np.float32(_gain(img, bg.image))
            if scan_lines:
                img = _scanline_corrected(img, bg.image, g)
        if elongation > 1.0 and bg.angle_responses:
            resp, diff_resp, opp_along, own_along = _angle_maxima(img, g, bg, opts)
        else:
            resp = ridge_response(img, sigma_px=sigma_px, polarity=polarity,
                                  elongation=elongation)
            # crossing-robust: line strength of the difference image; used only
            # to bridge a crack across a static line, where resp has a gap
            diff_resp = ridge_response(img - g * bg.image, sigma_px=sigma_px,
                                       polarity=polarity, elongation=elongation)
            own_along = diff_resp
            opp_along = ridge_response(img - g * bg.image, sigma_px=sigma_px,
                                       polarity=_OPPOSITE[polarity], elongation=elongation)
        # drift-robust: new line strength beyond what the background had nearby
        resp = resp - np.float32(1.0 + gain_margin) * g * bg.response
        if edge_penalty > 0:
            # the dark side of a new bright edge (e.g. the bright rims of a
            # Li-filled crack) looks like a valley to a second-derivative
            # filter; at a true line centre the slope is zero
            dimg = cv2.GaussianBlur(img - g * bg.image, (0, 0), sigma_px)
            slope = np.sqrt(
                cv2.Sobel(dimg, cv2.CV_32F, 1, 0, ksize=SOBEL_KSIZE, scale=SOBEL_NORM) ** 2
                + cv2.Sobel(dimg, cv2.CV_32F, 0, 1, ksize=SOBEL_KSIZE, scale=SOBEL_NORM) ** 2)
            slope *= np.float32(edge_penalty * sigma_px)
            resp -= slope
            diff_resp = diff_resp - slope
            # not on the opposite sign's response: the bright side of a new dark edge is
            # the crack's own flank (cleared by OPPOSITE_CLEAR_SIGMAS), and that search
            # keeps to the background's lines; there the penalty's own noise (the slope's
            # magnitude) buried a faint stretch (tuning seed 7012: 9 -> 2 noise levels)
        else:
            slope = None
        bridge = (diff_resp, g * bg.response, slope)
    else:
        resp = ridge_response(img, sigma_px=sigma_px, polarity=polarity, elongation=elongation)
    med, sig = _robust_sigma(resp[::STATS_SUBSAMPLE, ::STATS_SUBSAMPLE])
    if sig <= 0:
        sig = float(np.std(resp)) or 1.0
    hi = med + threshold_sigma * sig
    lo = med + low_threshold_sigma * sig
    if start is None:
        geo = _window_geometry(img.shape, electrode_xy, rad, opts)
        ignore, r2 = _ignored(img, li_mask, exclude_mask, electrode_xy, rad, opts, geo)
    r_in = rad + rim_margin_px
    low = (resp > lo) & ~ignore
    if not low.any():
        return None
    if bridge is not None and bridge_gap_px > 0:
        diff_resp, bg_resp, _ = bridge
        k = 2 * int(bridge_gap_px) + 1
        near_low = cv2.dilate(low.astype(np.uint8), np.ones((k, k), np.uint8)) > 0
        d_med, d_sig = _robust_sigma(diff_resp[::STATS_SUBSAMPLE, ::STATS_SUBSAMPLE])
        strong_diff = diff_resp > d_med + low_threshold_sigma * max(d_sig, 1e-12)
        low |= near_low & strong_diff & (bg_resp > lo) & ~ignore
    if join_gap_px > 0:
        # a faint crack breaks up where the ridge maximum wanders between rows;
        # one-pixel dilation joins the pieces (the skeleton stays centred)
        k = 2 * int(join_gap_px) + 1
        low = (cv2.dilate(low.astype(np.uint8), np.ones((k, k), np.uint8)) > 0) & ~ignore
    seeds = geo.seed_zone & low
    if not seeds.any():
        # no line pixel at the rim: no piece can be kept (the same None as below,
        # without labelling the window)
        return None
    strong_px = (resp > hi) & low
    if not strong_px.any():
        # no strong line pixel: no piece is strong, none can be kept (the same None as
        # below, without labelling the window: most crack-free scans end here)
        return None
    n, labels, stats, _ = cv2.connectedComponentsWithStats(low.view(np.uint8), connectivity=8)
    # flags by label (fancy assignment: repeated labels set the same flag, no sort needed)
    strong = np.zeros(n, bool)
    strong[labels[strong_px]] = True
    at_rim = np.zeros(n, bool)
    at_rim[labels[seeds]] = True
    keep = strong & at_rim
    keep[0] = False
    if not keep.any():
        return None
    opposite = static_lines = None
    if bridge is not None:
        # the background's lines away from the electrode's own edge (its response reaches
        # a filter length beyond the rim margin): grain boundaries
        edge = rim_margin_px + FILTER_REACH_SIGMAS * sigma_px * max(elongation, 1.0) + 1.0
        static_lines = _static_lines(bridge[1], opts)
        static = static_lines & (r2 > (rad + edge) ** 2)
        opposite = _opposite_lines(opp_along, own_along, static, low, ignore, opts,
                                   found=keep[labels])
    return _LinePass(img=img, bg=bg, g=g, resp=resp, med=med, sig=sig, lo=lo, bridge=bridge,
                     labels=labels, stats=stats, keep=keep, strong=strong, r2=r2, r_in=r_in,
                     electrode_xy=(ex, ey), rad=rad, opposite=opposite, static_lines=static_lines,
                     twin=_TwinStart(img=img, g=g, ignore=ignore, r2=r2, geo=geo) if keep_twin else None)


def _static_lines(bg_resp, opts):
    """The background's lines: (M, N) bool, hysteresis on its line response ``bg_resp``.

    In units of the response's own noise level over the window, at the crack's
    thresholds (``opts``): pieces above the low one that hold a pixel above the high one
    and are at least STATIC_LINE_PX long. Grain boundaries run from junction to junction
    (tens to hundreds of px); the noise of a background made of few frames makes specks
    and webs without a strong pixel.
    """
    b_med, b_sig = _robust_sigma(bg_resp[::STATS_SUBSAMPLE, ::STATS_SUBSAMPLE])
    b_sig = max(b_sig, 1e-12)
    lo = b_med + opts["low_threshold_sigma"] * b_sig
    hi = b_med + opts["threshold_sigma"] * b_sig
    n, lab, st, _ = cv2.connectedComponentsWithStats((bg_resp > lo).view(np.uint8),
                                                     connectivity=8)
    ok = np.maximum(st[:, cv2.CC_STAT_WIDTH], st[:, cv2.CC_STAT_HEIGHT]) >= STATIC_LINE_PX
    strong = np.zeros(n, bool)
    strong[lab[bg_resp > hi]] = True
    ok &= strong
    ok[0] = False
    return ok[lab]


def _boundary_mean(resp, static, along, weights=None):
    """``resp`` averaged along the background's lines, in units of its noise there.

    Normalised convolution over the ``static`` pixels with a Gaussian of ``along`` px:
    the lines are thin, so this averages along them, not across. Returns (M, N) float32,
    0 off ``static``. ``weights``: ``(st, den)``, the float32 mask and its blurred
    denominator, when already made for the same ``static`` and ``along``.
    """
    if weights is None:
        st = static.astype(np.float32)
        den = cv2.GaussianBlur(st, (0, 0), along)
    else:
        st, den = weights
    avg = cv2.GaussianBlur(resp * st, (0, 0), along) / np.maximum(den, 1e-6)
    med, sig = _robust_sigma(avg[static][::STATS_SUBSAMPLE])
    return np.where(static, (avg - med) / max(sig, 1e-12), 0.0).astype(np.float32)


def _opposite_lines(opp_resp, own_resp, static, low, ignore, opts, found=None):
    """Stretches of a crack whose difference image has the opposite sign: (low, strong) masks.

    Along a grain boundary a lithium-filled crack replaces the boundary's groove, which
    can be darker than the lithium: there the crack is a *bright* line in the difference
    image (tuning seed 7012: dark across its first grain, bright from the first junction
    on), and the search for the lithium's own sign has nothing to follow. Such a stretch
    can only lie where the background had a line of the lithium's sign (``static``: the
    background's line response above the low threshold), and it is not one of the crack's
    own edges (:data:`OPPOSITE_CLEAR_SIGMAS` from every pixel of ``low``). Hysteresis on
    the opposite response averaged along the boundary (over its pixels within
:data:`OPPOSITE_ALONG_SIGMAS` of the filter's length), in units of its own noise level
over the boundaries, at the crack's thresholds.

    Parameters
    ----------
    opp_resp : (M, N) ndarray of float32
        The difference image's line response of the opposite sign (slope penalty applied).
    static : (M, N) ndarray of bool
        Where the background had a line of the lithium's sign (a grain boundary).
    low : (M, N) ndarray of bool
        The line pixels of the lithium's sign (low threshold).
    ignore : (M, N) ndarray of bool
        Pixels that cannot be crack (:func:`_ignored`).
    opts : dict
        The options of :func:`detect_crack`.
    found : (M, N) ndarray of bool, optional
        The crack found so far (the pass's kept pieces): the means along the boundaries
        leave out its pixels and their clearance (:data:`OPPOSITE_CLEAR_SIGMAS`). A mean
        over a boundary that meets the crack otherwise carries the crack's own response
        some Gaussian widths along that boundary, past where the crack went (tuning seed
        5021: a branch ending at a boundary ran on 17 px down it, and a spur off the
        crack's end along a grain's edge took the crack's tip 13 px short of the counter
        electrode). The stretches measure the boundary, not the crack already found.

    Returns
    -------
    (low, strong, z_tip) : two (M, N) ndarrays of bool and one of float32, or None
        The stretches' pixels above the low threshold, those above the high one, and the
        opposite sign's own response in noise units on the boundaries (0 elsewhere; the
        tip is re-traced on it); None when there are none. They never start a crack (a line at the rim of the
        opposite sign alone is no crack); :func:`link_pieces` may join them to one.
    """
    sigma_px = float(opts["sigma_px"])
    if not static.any():
        return None
    # the mean response along the boundary's own pixels nearby (normalised convolution:
    # the boundary is a thin line, so this averages along it, not across)
    along = OPPOSITE_ALONG_SIGMAS * sigma_px * max(float(opts["elongation"]), 1.0)
    k = 2 * int(np.ceil(OPPOSITE_CLEAR_SIGMAS * sigma_px)) + 1
    box = np.ones((k, k), np.uint8)
    clear = ~(cv2.dilate(low.view(np.uint8), box) > 0)
    # the boundary's own pixels: not the crack found so far nor its flanks
    support = static if found is None else static & ~(cv2.dilate(found.view(np.uint8), box) > 0)
    if not support.any():
        return None
    # both means over the same pixels: the denominator blurred once
    st = support.astype(np.float32)
    weights = (st, cv2.GaussianBlur(st, (0, 0), along))
    z = _boundary_mean(opp_resp, support, along, weights)
    z_own = _boundary_mean(own_resp, support, along, weights)
    # the lithium's own sign along a boundary too: there a crack is fainter than across a
    # grain and the line pass sees it in dashes; the mean along the boundary joins them
    o_low = (((z > opts["low_threshold_sigma"]) & clear)
             | (z_own > opts["low_threshold_sigma"])) & ~ignore
    if not o_low.any():
        return None
    # the tip is re-traced on the pixels' own responses (the mean along the boundary
    # runs on past the crack's end by about twice its length)
    o_med, o_sig = _robust_sigma(opp_resp[::STATS_SUBSAMPLE, ::STATS_SUBSAMPLE])
    z_tip = np.where(static & clear, (opp_resp - o_med) / max(o_sig, 1e-12), 0.0).astype(np.float32)
    z = np.maximum(z, z_own)
    if int(opts["join_gap_px"]) > 0:
        j = 2 * int(opts["join_gap_px"]) + 1
        o_low = (cv2.dilate(o_low.view(np.uint8), np.ones((j, j), np.uint8)) > 0) & ~ignore & ~low
    o_strong = o_low & (z > opts["threshold_sigma"])
    if not o_strong.any():
        return None
    return o_low, o_strong, z_tip


def _with_opposite(labels, stats, keep, strong, opposite):
    """The line pieces joined with the stretches along the background's lines.

    The pieces are labelled again on the union of the pass's line pixels and the
    stretches' (:func:`_opposite_lines`): a piece is kept when it holds a kept pixel of
    the pass and strong when it holds a strong pixel of either. Returns ``(labels,
    stats, keep, strong, (on_lines, with_lines))``: new arrays (the pass's are shared)
    and, per piece, whether it is mostly stretch pixels (on the background's lines) and
    whether it holds any.
    """
    o_low, o_strong = opposite[:2]
    own = labels > 0
    n, lab, st, _ = cv2.connectedComponentsWithStats((own | o_low).view(np.uint8),
                                                     connectivity=8)
    k = np.zeros(n, bool)
    k[lab[own & keep[labels]]] = True
    k[0] = False
    sg = np.zeros(n, bool)
    sg[lab[(own & strong[labels]) | o_strong]] = True
    sg[0] = False
    # pieces mostly of stretch pixels lie on the background's lines by construction
    count = np.bincount(lab[o_low & ~own], minlength=n)[:n]
    return lab, st, k, sg, (2 * count > st[:, cv2.CC_STAT_AREA], count > 0)


def _scanline_corrected(img, bg_image, g):
    """``img`` minus its per-row offsets against ``g * bg_image`` (SEM scan lines), float32.

    Per-row offsets change from scan to scan: a dark row is a straight horizontal valley
    to the line filter, and a crack next to it takes it as a side branch. The filters are
    linear, so the offsets are removed from the image (robust median per row of the
    difference to the background, every second column, then the mean of the pixels within
    SCANLINE_CLIP_SIGMA noise levels of it: a crack or lithium covering a good part of a
    row would shift a plain median).
    """
    dd = img[:, ::2] - g * bg_image[:, ::2]
    centre = _row_medians(dd)
    _, sig_d = _robust_sigma(dd[::STATS_SUBSAMPLE] - centre[::STATS_SUBSAMPLE])
    w = (np.abs(dd - centre) <= SCANLINE_CLIP_SIGMA * max(sig_d, 1e-6)).astype(np.float32)
    cnt = w.sum(axis=1)
    off = np.where(cnt >= SCANLINE_MIN_PIXELS, (dd * w).sum(axis=1) / np.maximum(cnt, 1), centre[:, 0])
    off = (off - np.median(off)).astype(np.float32)
    return img - off[:, None]


def _row_medians(a):
    """``np.median(a, axis=1, keepdims=True)`` of a 2-D float array (the same values).

    numpy's median partitions each row for the middle value(s) and for its largest value
    too (its check for NaN), which costs it 5x as much on a crack window's rows; a finite
    array needs only the middle. Arrays with a NaN or an infinity go to numpy's.
    """
    n = a.shape[1]
    if n == 0 or not np.isfinite(a.sum(dtype=np.float64)):
        return np.median(a, axis=1, keepdims=True)
    h = n // 2
    kth = [h] if n % 2 else [h - 1, h]
    # the mean of the middle one or two values, as numpy's median takes it
    return np.mean(np.partition(a, kth, axis=1)[:, kth[0]:h + 1], axis=1, keepdims=True)


def _angle_maxima(img, g, bg, opts):
    """Oriented line responses of ``img`` and of ``img - g * background``, maximum over angles.

    Returns ``(resp, diff_resp, opp_resp, along)``, float32 arrays, the first three
    clipped at 0: ``opp_resp`` is the difference image's line response of the opposite
    sign (a bright line for ``polarity='dark'``), ``along`` its response of the lithium's
    sign at the angle of the background's own strongest line there (a grain boundary's
    direction; :func:`_opposite_and_along`). The filters are linear, so the response of
    (image - g * background) is a difference per angle, and its opposite sign the same
    difference negated. One angle's arrays at a time.
    """
    polarity = opts["polarity"]
    stack = _oriented_stack(-img if polarity == "bright" else img, opts["sigma_px"],
                            opts["elongation"], len(bg.angle_responses), views=True)
    resp = np.zeros(img.shape, np.float32)
    diff_resp = np.zeros(img.shape, np.float32)

    def diffs():
        for a, b in zip(stack, bg.angle_responses):
            np.maximum(resp, a, out=resp)
            d = cv2.scaleAdd(b, float(-g), a)
            np.maximum(diff_resp, d, out=diff_resp)
            yield d

    opp_resp, along = _opposite_and_along(diffs(), bg, opts.get("state"))
    return resp, diff_resp, opp_resp, along


def _strongest_so_far(angle_responses):
    """Per angle (a generator), where its response exceeds every earlier angle's: (M, N) bool.

    The last angle flagged at a pixel is the first of the strongest there (later equal
    values are not flagged).
    """
    b_max = None
    for b in angle_responses:
        if b_max is None:
            b_max = np.full(b.shape, -np.inf, np.float32)
        upd = np.greater(b, b_max)
        np.maximum(b_max, b, out=b_max)
        yield upd


def _background_updates(bg, state):
    """:func:`_strongest_so_far` of ``bg``'s angles: kept in ``state`` (a list), else a generator.

    They depend on the background's window only: a :class:`CrackState` keeps them for the
    window (its arrays by identity and position), and a crack-free scan does not compare
    the six background responses again.
    """
    angles = bg.angle_responses
    if state is None:
        return _strongest_so_far(angles)
    key = tuple((a.__array_interface__["data"][0], a.shape, a.strides) for a in angles)
    bases = tuple(a if a.base is None else a.base for a in angles)
    kept = state._get("along", key, lambda old: all(x is y for x, y in zip(old, bases)))
    if kept is None:
        # (the bases kept with it: their memory cannot be reused by other arrays meanwhile)
        kept = state._put("along", key, bases, _frozen(*_strongest_so_far(angles)))
    return kept


def _opposite_and_along(diffs, bg, state=None):
    """The difference image's opposite-sign response and its response along the background's lines.

    From the per-angle responses ``diffs`` (an iterable, one angle at a time, in the order
    of ``bg.angle_responses``): ``(opp_resp, along)``, float32, ``opp_resp`` the maximum
    over angles of the negated responses clipped at 0, ``along`` the response at the
    angle of the background's strongest line there (the first such angle). ``state``: a
    :class:`CrackState` that keeps which angle is the background's strongest.
    """
    shape = bg.angle_responses[0].shape
    opp_resp = np.zeros(shape, np.float32)
    along = np.zeros(shape, np.float32)
    neg = np.empty(shape, np.float32)
    for d, upd in zip(diffs, _background_updates(bg, state)):
        np.maximum(opp_resp, np.negative(d, out=neg), out=opp_resp)
        # where this angle's background line is the strongest so far: a masked copy over
        # the earlier angles' values (the same values as a select; where b equals the
        # earlier maximum the earlier angle's value stays). OpenCV's masked copy: numpy's
        # select or masked copyto cost ~30x as much (0.6-0.8 ms an angle on a 440x430 window)
        cv2.copyTo(d, upd.view(np.uint8), along)
    return opp_resp, along


def _without_rim_corners(thick, r2, r_in, k, outside=None):
    """``thick`` (uint8, 0/1) without the corners where a thin Li line leaves the electrode.

    The electrode's lithium is in the Li mask: where a Li-filled crack (a band thinner
    than ``k``) leaves the disc at a slant, a disc of diameter ``k`` fits into the acute
    corner between band and disc and the opening keeps that corner, a few px beyond the
    rim and across the crack's root. Lithium thick in its own right holds at least one
    such disc beyond the rim (area ``pi * k**2 / 4``); a piece of the opening beyond the
    rim margin ``r_in`` (px from the electrode centre; ``r2`` the squared distance of
    each pixel from it, px^2) that is smaller is a corner and is dropped (tuning seed
    7065: the crack's root covered, the crack lost from 230 px on). ``outside``: ``r2 >
    r_in ** 2`` when already made.
    """
    if outside is None:
        outside = r2 > r_in ** 2
    outside = outside.view(np.uint8) & thick
    if not outside.any():
        return thick
    _, labels, stats, _ = cv2.connectedComponentsWithStats(outside, connectivity=8)
    corners = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] < CORNER_DISC_FRACTION * np.pi * k * k / 4.0)
    corners = corners[corners > 0]
    if not corners.size:
        return thick
    thick = thick.copy()
    for j in corners:  # a few small pieces: cleared in their boxes
        x, y, w, h = (int(v) for v in stats[j, :4])
        box = thick[y:y + h, x:x + w]
        box[labels[y:y + h, x:x + w] == j] = 0
    return thick


class _Geometry:
    """A window's distances from the electrode centre and its rim zones, each made on first use.

    ``r2``: (M, N) float64, the squared distance of each pixel from the centre (px^2);
    ``rim``: within the rim margin (``r_in = rad + rim_margin_px``); ``outside``: beyond
    it; ``seed_zone``: beyond it by at most SEED_ZONE_PX; ``near``: within the rim margin,
    the seed zone and ``thick_li_px`` (lithium at the rim). Kept read-only in a
    :class:`CrackState`.
    """

    def __init__(self, shape, electrode_xy, rad, opts):
        rows, cols = shape
        ex, ey = electrode_xy
        yy, xx = np.ogrid[:rows, :cols]
        self.r2 = (xx - ex) ** 2 + (yy - ey) ** 2
        self.r_in = rad + opts["rim_margin_px"]
        self._near_px = self.r_in + SEED_ZONE_PX + int(opts["thick_li_px"])
        self._made = {}

    def _mask(self, name, make):
        if name not in self._made:
            self._made[name] = _frozen(make())[0]
        return self._made[name]

    @property
    def rim(self):
        return self._mask("rim", lambda: self.r2 <= self.r_in ** 2)

    @property
    def outside(self):
        return self._mask("outside", lambda: self.r2 > self.r_in ** 2)

    @property
    def seed_zone(self):
        return self._mask("seed_zone", lambda: (self.r2 > self.r_in ** 2)
                          & (self.r2 <= (self.r_in + SEED_ZONE_PX) ** 2))

    @property
    def near(self):
        return self._mask("near", lambda: self.r2 <= self._near_px ** 2)


def _window_geometry(shape, electrode_xy, rad, opts):
    """:class:`_Geometry` of a window, the one kept in ``opts['state']`` when there is one."""
    state = opts.get("state")
    key = (tuple(shape), tuple(float(v) for v in electrode_xy), float(rad),
           float(opts["rim_margin_px"]), int(opts["thick_li_px"]))
    if state is not None:
        kept = state._get("geometry", key, lambda _: True)
        if kept is not None:
            return kept
    geo = _Geometry(shape, electrode_xy, rad, opts)
    _frozen(geo.r2)
    if state is not None:
        state._put("geometry", key, None, geo)
    return geo


def _ignored(img, li_mask, exclude_mask, electrode_xy, rad, opts, geo=None):
    """Pixels that cannot be crack, and the squared distance from the electrode centre.

    Returns ``(ignore, r2)``: (M, N) bool (thick lithium at the rim and its edges, the
    excluded pixels, clipped areas, the electrode and its rim margin, each with the
    filter's reach) and (M, N) float (px^2). ``geo``: the window's :class:`_Geometry`
    (made here when None).
    """
    ex, ey = electrode_xy
    sigma_px, elongation = opts["sigma_px"], opts["elongation"]
    rim_margin_px = opts["rim_margin_px"]
    if geo is None:
        geo = _window_geometry(img.shape, electrode_xy, rad, opts)
    ignore = np.zeros(img.shape, bool)
    r2 = geo.r2
    if li_mask is not None:
        li_mask = np.asarray(li_mask)
        li = li_mask.astype(np.uint8)
        k = int(opts["thick_li_px"])
        if k > 1:
            disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
            thick = cv2.morphologyEx(li, cv2.MORPH_OPEN, disc)
            if thick.any() and opts["thick_rim_only"]:
                # lateral lithium grows from the electrode: its thick part reaches the
                # rim. A thick spot out in the field (where a Li-filled crack branches,
                # its rims fill the fork) is part of the crack, not lateral lithium
                nt, tl = cv2.connectedComponents(thick, connectivity=8)
                near = geo.near
                # a look-up table of the labels at the rim (the same as np.isin on the
                # labels, without sorting them)
                at_rim = np.zeros(nt, bool)
                hit = near & (thick > 0)
                if nt == 2:
                    at_rim[1] = hit.any()   # one piece (no labels to gather)
                else:
                    at_rim[tl[hit]] = True
                at_rim[0] = False
                del hit
                if not (at_rim[1:].all() and li_mask.dtype == bool):
                    # (all at the rim, e.g. the electrode's own lithium only: thick, 0 or 1
                    # from a boolean mask, is that look-up already)
                    thick = at_rim[tl].view(np.uint8)
                del tl, near  # not kept through the masks below
            if thick.any():
                thick = _without_rim_corners(thick, r2, rad + rim_margin_px, k, geo.outside)
            if thick.any():
                m = int(np.ceil(FILTER_REACH_SIGMAS * sigma_px)) * 2 + 1
                ignore |= cv2.dilate(thick, np.ones((m, m), np.uint8)) > 0
    if exclude_mask is not None:
        m = int(np.ceil(FILTER_REACH_SIGMAS * sigma_px)) * 2 + 1
        ignore |= cv2.dilate(np.asarray(exclude_mask).astype(np.uint8),
                             np.ones((m, m), np.uint8)) > 0
    # clipped (saturated or black) areas, e.g. the bright needle when the
    # brightness flickers up: flat 3x3 patches, where no line can be measured
    patch = np.ones((FLAT_PATCH_PX, FLAT_PATCH_PX), np.uint8)
    # (max == min over the patch: the same pixels as max - min == 0, one array less)
    flat = cv2.dilate(img, patch) == cv2.erode(img, patch)
    if flat.any():
        m = int(np.ceil(FILTER_REACH_SIGMAS * sigma_px * max(elongation, 1.0))) * 2 + FLAT_MARGIN_PX
        ignore |= cv2.dilate(flat.astype(np.uint8), np.ones((m, m), np.uint8)) > 0
    ignore |= geo.rim
    return ignore, r2


def _measure_pass(p, opts):
    """Join, skeletonize and measure a line pass: the steps of :func:`detect_crack` after
    thresholding.

    Parameters
    ----------
    p : _LinePass or None
        From :func:`_line_pass` (None: no crack).
    opts : dict
        The options of :func:`detect_crack` (those of the pass, any ``link_gaps``).

    Returns
    -------
    CrackMeasurement or None
        As :func:`detect_crack` without ``roi``.
    """
    if p is None:
        return None
    img, bg, g, resp, med, sig, lo, bridge = p.img, p.bg, p.g, p.resp, p.med, p.sig, p.lo, p.bridge
    labels, stats, keep, strong, r2, r_in = p.labels, p.stats, p.keep, p.strong, p.r2, p.r_in
    (ex, ey), rad = p.electrode_xy, p.rad
    rows, cols = img.shape
    sigma_px, polarity, elongation = opts["sigma_px"], opts["polarity"], opts["elongation"]
    smoothing_px, tip_half_max, max_hole_px = (opts["smoothing_px"], opts["tip_half_max"],
                                               opts["max_hole_px"])
    min_length_px, max_width_px, min_branch_px = (opts["min_length_px"], opts["max_width_px"],
                                                  opts["min_branch_px"])
    link_gaps = opts["link_gaps"]
    bridges = []
    joined_opposite = False
    on_lines = with_lines = None
    if link_gaps:
        counter = opts.get("counter")
        # a crack seen in pieces (a faint stretch over a grain of its own grey level, heavy
        # noise): the pieces that continue it beyond the gap join it (vision.measure.crack._link)
        blank = opts.get("blank")
        if blank is not None:
            # a piece lying mostly in the band without scene is a streak of it, not a
            # stretch of the crack beyond a gap (tuning seed 7006)
            n = len(strong)
            in_band = 2 * np.bincount(labels[blank], minlength=n)[:n] > stats[:, cv2.CC_STAT_AREA]
            strong = strong & ~in_band
        if p.opposite is not None:
            # stretches along grain boundaries (of the opposite sign where the boundary is
            # darker than the crack's lithium) join the pieces; they never start a crack
            labels, stats, keep, strong, (on_lines, with_lines) = _with_opposite(
                labels, stats, keep, strong, p.opposite)
        # a crack along grain boundaries turns at their junctions: there both arms' line
        # responses fade within the filter's half-length along the line (and the
        # opposite sign's clearance), so a piece that close continues it at any angle
        half_len = np.ceil(KERNEL_HALF_SIGMAS * sigma_px * max(elongation, 1.0))
        corner = 2.0 * half_len + OPPOSITE_CLEAR_SIGMAS * sigma_px
        corner_mask = None
        if bridge is not None:
            # the background's lines, grown by the filter's half-length: at their
            # junctions their own line response fades as the crack's does
            k = 2 * int(half_len) + 1
            lines = p.static_lines if p.static_lines is not None else _static_lines(bridge[1], opts)
            corner_mask = cv2.dilate(lines.view(np.uint8), np.ones((k, k), np.uint8)) > 0
        keep, bridges = link_pieces(labels, stats, keep, strong, r2, r_in ** 2,
                                     image=img, polarity=polarity, corner_gap_px=corner,
                                     corner_mask=corner_mask, on_lines=on_lines,
                                     with_lines=with_lines, counter=None if counter is None else counter.get())
        if p.opposite is not None:
            joined_opposite = bool((keep[labels] & p.opposite[0]).any())
    ids = np.flatnonzero(keep)
    x0 = int(stats[ids, cv2.CC_STAT_LEFT].min())
    y0 = int(stats[ids, cv2.CC_STAT_TOP].min())
    x1 = int((stats[ids, cv2.CC_STAT_LEFT] + stats[ids, cv2.CC_STAT_WIDTH]).max())
    y1 = int((stats[ids, cv2.CC_STAT_TOP] + stats[ids, cv2.CC_STAT_HEIGHT]).max())
    crack = keep[labels[y0:y1, x0:x1]]
    if bridges:
        drawn = np.zeros(crack.shape, np.uint8)
        for (xa, ya), (xb, yb) in bridges:
            cv2.line(drawn, (xa - x0, ya - y0), (xb - x0, yb - y0), 1, 2)
        crack |= drawn > 0
    # fill small holes: noise inside the line would make skeleton loops, and
    # the longest path would run out along one side and back along the other
    inv = np.pad(~crack, 1, constant_values=True).astype(np.uint8)
    nh, hl, hs, _ = cv2.connectedComponentsWithStats(inv, connectivity=4)
    small = np.flatnonzero(hs[:, cv2.CC_STAT_AREA] <= max_hole_px)
    small = small[small != hl[0, 0]]
    if small.size:
        crack |= np.isin(hl, small)[1:-1, 1:-1]
    from skimage.morphology import skeletonize  # skimage.morphology on first use

    skel = skeletonize(np.pad(crack, 1))[1:-1, 1:-1]
    sr, sc = np.nonzero(skel)
    if sr.size < 2:
        return None
    d2 = (sc + x0 - ex) ** 2 + (sr + y0 - ey) ** 2
    near = d2 <= (r_in + SEED_ZONE_PX + SEED_SKELETON_SLACK_PX) ** 2
    if not near.any():
        return None
    found = _longest_path(skel, (sr[near], sc[near]))
    if found is None:
        return None
    pr, pc, _ = found
    xy = np.column_stack([pc + x0, pr + y0]).astype(float)
    # start on the electrode rim, along the ray through the first path point
    v = xy[0] - (ex, ey)
    nv = float(np.hypot(*v))
    if nv > rad > 0:
        xy = np.vstack([(ex, ey) + v / nv * rad, xy])
    length, path = _smooth_length(xy, smoothing_px)
    path = _cut_hook(path)
    length = float(np.hypot(*np.diff(path, axis=0).T).sum()) if len(path) > 1 else 0.0
    if tip_half_max and len(path) > MIN_RETRACE_POINTS:
        tip_resp = resp
        if bridge is not None:
            # across a static line (grain boundary) the drift-robust response has a
            # gap; there the difference image's response shows the crack
            diff_resp, bg_resp, slope = bridge
            tip_resp = np.where(bg_resp > lo, np.maximum(resp, diff_resp), resp)
            if slope is not None:
                # along a line's end the intensity slopes (the line fades out):
                # the slope penalty would pull the half-level point back
                tip_resp = tip_resp + slope
            if joined_opposite:
                # the crack may end in a stretch of the opposite sign: its response there,
                # in the same noise units as the crack's own
                tip_resp = np.maximum(tip_resp, med + p.opposite[2] * np.float32(sig))
        path = _retrace_tip(path, tip_resp - med,
                            FILTER_REACH_SIGMAS * sigma_px * max(elongation, 1.0) + 1.0)
        length = float(np.hypot(*np.diff(path, axis=0).T).sum())
    if length < min_length_px:
        return None
    if max_width_px is not None and bg is not None:
        width = _line_width(img - g * bg.image, path, polarity)
        if width > max_width_px:
            logger.debug("line from the electrode is %.1f px wide: not a crack", width)
            return None
    contrast = float(np.median(resp[pr + y0, pc + x0]) / sig)
    skel_xy = np.column_stack([sc + x0, sr + y0]).astype(float)
    branches = []
    if min_branch_px is not None and min_branch_px > 0:
        off = np.array([x0, y0], float)
        for b in _side_branches(skel, (pr, pc), min_branch_px=float(min_branch_px),
                                smoothing_px=smoothing_px):
            b = b + off
            # a side branch is a line of its own: its response stays above the low
            # threshold along most of it (a skeleton spur into noise does not)
            r = resp[np.clip(np.round(b[:, 1]).astype(int), 0, rows - 1),
                     np.clip(np.round(b[:, 0]).astype(int), 0, cols - 1)]
            if not float(np.median(r)) > lo:
                continue
            # a side branch starts at its fork after the main crack passed there and grows
            # no faster than the main tip: it is not longer than the main path beyond the
            # fork (a longer "branch" is noise or another structure joined to the crack)
            fork = int(np.argmin(np.hypot(path[:, 0] - b[0, 0], path[:, 1] - b[0, 1])))
            beyond = float(np.hypot(*np.diff(path[fork:], axis=0).T).sum()) if fork < len(path) - 1 else 0.0
            if float(np.hypot(*np.diff(b, axis=0).T).sum()) <= beyond:
                branches.append(b)
    return CrackMeasurement(
        path_length_px=length,
        tip_xy_px=(float(path[-1, 0]), float(path[-1, 1])),
        path=path,
        skeleton_xy_px=skel_xy,
        contrast=contrast,
        branches=tuple(branches),
    )


#: Slope penalty of the search for a crack's bright rims (:func:`detect_crack_core_or_rims`):
#: none. The penalty keeps the dark side of a bright rim from passing as a valley; in the
#: bright search the rims themselves are the line.
RIM_EDGE_PENALTY = 0.0
#: The rims replace the core only when they show more of the crack than their own ends
#: explain: a rim runs around the crack's end and the half-maximum tip follows its halo, so
#: the rim path of a crack whose core is seen whole is longer by up to 2.5 filter reaches
#: (4-17 px on the crack preset with hard artefacts, reach 7 px at sigma 1). Longer by
#: more than this many reaches (FILTER_REACH_SIGMAS * sigma * elongation + 1 px each), the
#: core was broken or faint (tuning seed 5014: 50-230 px more).
RIM_EXCESS_REACHES = 3.0


def detect_crack_core_or_rims(image, *, background, rim_background=None, polarity="dark",
                              **kwargs):
    """A lithium-filled crack seen by its lithium core, followed along its bright rims.

    Secondary-electron edge brightening is bright whatever the lithium's own
    contrast: each edge of a crack carries a bright rim 1-3 px wide. Where
    lithium is darker than the ceramic, a crack narrower than its two rims
    shows as a bright (double) line rather than a dark one, and the search for
    a dark line finds only the pieces where its core is wider or darker
    (tuning seed 5014: a 1.5 px crack with 0.6 rims over a 0.3 lithium
    contrast; the dark search measures 11-220 px of a 300 px crack, the bright
    one 300-320 px). The crack is first searched by its core (``polarity``,
    the lithium's); only when the core shows a crack is it searched by its
    rims too (bright lines, no slope penalty), and the rim path is taken when
    it is longer by more than its own ends explain (:data:`RIM_EXCESS_REACHES`
    filter reaches) and is one path, not a branching cluster (a core that is a
    branching cluster, the thin branches of a lateral front, stays one). A bright line with no
    dark core at the electrode (a whisker's rim, noise) is never a crack on
    its own: in whisker scenes the bright search alone finds 10-70 px lines
    in a third of the scans (check seed 7000).

    Parameters
    ----------
    image : (M, N) ndarray
        The registered frame.
    background : CrackBackground
        Prepared with ``polarity`` (:func:`crack_background`).
    rim_background : CrackBackground or None
        The same background prepared with ``polarity='bright'``; None, or a
        ``polarity`` of ``'bright'`` (lithium brighter than the ceramic: its
        core and rims are both bright), searches the core only.
    polarity : {'dark', 'bright'}
        The lithium's contrast against the ceramic.
    **kwargs
        Everything else of :func:`detect_crack` (``edge_penalty`` applies to
        the core search only; one ``state`` serves both backgrounds).

    Returns
    -------
    CrackMeasurement or None
        The core's measurement, or the rims' when they show more of the same
        crack; None when the core shows no crack.
    """
    link = bool(kwargs.pop("link_gaps", True))
    args = _DETECT_SIGNATURE.bind(image, background=background, polarity=polarity, **kwargs)
    args.apply_defaults()
    # the joined search differs from the plain one only after the line pass: one pass each
    # window, shared by both (same results as two detect_crack calls, half the filtering);
    # the passes also keep what the rim search would filter again on the same windows
    passes = {}
    core = _detect(dict(args.arguments, link_gaps=False), passes,
                   keep_twin=rim_background is not None and polarity != "bright")
    if link and core is not None and not core.is_branching_cluster:
        # a crack seen in pieces is joined only where the rim network is one line: the thin
        # branches of a lateral front stay as they are (they are the front's; joined, tuning
        # seed 5051's front reach moved 118.5 -> 128.7 px RMS)
        joined = _detect(dict(args.arguments, link_gaps=True), passes)
        if joined is not None and not joined.is_branching_cluster:
            core = joined
    if core is None or core.is_branching_cluster or rim_background is None or polarity == "bright":
        return core
    rim_args = dict(args.arguments, background=rim_background, polarity="bright", link_gaps=link,
                    edge_penalty=RIM_EDGE_PENALTY)
    # the rim search corrects, masks and weighs the frame as the core search did when the
    # background image is the same (the tracker's two backgrounds share one array)
    same_image = (isinstance(rim_background, CrackBackground) and isinstance(background, CrackBackground)
                  and (rim_background.image is background.image
                       or np.array_equal(rim_background.image, background.image)))
    rims = _detect(rim_args, None, starts={w: p.twin for w, p in passes.items()
                                         if same_image and p is not None and p.twin is not None})
    sigma = float(kwargs.get("sigma_px", SIGMA_PX))
    reach = FILTER_REACH_SIGMAS * sigma * max(float(kwargs.get("elongation", ELONGATION)), 1.0) + 1.0
    if (rims is None or rims.is_branching_cluster
            or rims.total_length_px <= core.total_length_px + RIM_EXCESS_REACHES * reach):
        return core
    return rims
