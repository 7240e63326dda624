"""The contacting needle: a tapering region entering the field from an image edge.

The needle's tip rests on the working electrode, so where it ends marks the
electrode (:func:`vision.measure._electrode.find_electrode` prefers the disc at
its tip). This module finds needle-like regions in a thresholded mask and
measures them: where the region enters the field, its base's width, its far end
(the tip), its elongation, solidity and how it narrows.

Coordinates: x = column, y = row, origin at the centre of the top-left pixel;
``shape`` is (rows, cols) of the frame.
"""
import math

import cv2
import numpy as np

#: Needle (:func:`_needle_tip`): a region whose base where it enters the field is at most this
#: fraction of the shorter side wide (across its axis, :func:`_base_across`: its base may
#: span a corner, obliquely; a band's or a cut disc's contact is a chord across), reaching at
#: least NEEDLE_MIN_ELONGATION (length**2 / area) from where it enters ...
NEEDLE_MAX_CONTACT_FRAC = 0.3
NEEDLE_MIN_ELONGATION = 4.0
#: ... and at least this solidity (area / convex hull area): a wedge (and a wedge ending on a
#: disc) is nearly convex, thresholded grain texture is ragged. The needle is the region with
#: the largest elongation times solidity.
NEEDLE_MIN_SOLIDITY = 0.6
#: ... or, if less solid, the line from where it enters to its tip lies inside it for at least
#: this fraction of its length (a straight shaft with a grain of its brightness attached; a
#: ragged region is crossed by its gaps).
NEEDLE_MIN_SHAFT = 0.95
#: Edge pixels of a region more than this apart (px, along the image's perimeter) are
#: separate stretches of contact: the needle's entry is the longest (:func:`_entry`).
NEEDLE_ENTRY_GAP_PX = 3.0
#: A region read from where it enters whose narrowing (:func:`_width_taper`) is below this
#: widens away from there: it enters there with less than its width in its middle, so that
#: end is its tip, not its base (:func:`_needle_entry`, a wedge whose tip touches a side).
NEEDLE_NO_NARROWING = 1.0
#: A needle tapers: its base at least this many times as wide as its narrowest point (a
#: wedge: 2 or more, a line of constant width: 1; half way between). A region that narrows
#: so is preferred as the needle; the rim search trusts only a needle that tapers so all the
#: way to its tip (its tip free: a needle merged with a disc at its tip widens again there,
#: and the disc is then a region of the masks).
NEEDLE_MIN_TAPER = 1.5
#: The contacting needle is a tungsten wedge entering from the image side: an etched probe
#: opens at a cone half-angle of several degrees (5.7 degrees in the synthetic renders), so
#: its base is at least NEEDLE_MIN_OPENING = 2 tan(NEEDLE_MIN_HALF_ANGLE_DEG) of its length
#: wide, and the part in view, from the side to its tip on the electrode, is tens of
#: micrometres long: NEEDLE_MIN_LENGTH_UM at the coarsest pixel size of the videos in scope
#: (NEEDLE_COARSEST_PIXEL_UM, the synthetic bank's upper end) is NEEDLE_MIN_LENGTH_PX. A
#: tapering region that is both ranks before those that are not (:func:`needle_candidate`):
#: elongation alone is scale-free and favours a slender sliver at the side (a grain's
#: corner, a whisker's root; random seeds 8079, 8177: 50 px slivers 3-6 px wide over the
#: 240-310 px needles).
NEEDLE_MIN_HALF_ANGLE_DEG = 4.0
NEEDLE_MIN_OPENING = 2.0 * math.tan(math.radians(NEEDLE_MIN_HALF_ANGLE_DEG))
NEEDLE_MIN_LENGTH_UM = 40.0
NEEDLE_COARSEST_PIXEL_UM = 0.5
NEEDLE_MIN_LENGTH_PX = NEEDLE_MIN_LENGTH_UM / NEEDLE_COARSEST_PIXEL_UM
#: Width profile of a needle-like region (:func:`_width_taper`): slabs across its axis of
#: this fraction of its length; the base's width is their median over the first
#: TAPER_BASE_FRAC of the length, compared with the least slab width up to TAPER_END_FRAC
#: (beyond lies the tip, or a disc merged with it) and with the widest slab from there on.
TAPER_SLAB_FRAC = 0.05
TAPER_BASE_FRAC = 0.25
TAPER_END_FRAC = 0.9


def needle_candidate(comp, x0, y0, shape, area):
    """A region's needle reading, or None when it is not needle-like.

    Parameters
    ----------
    comp : (m, n) bool ndarray
        The region's mask in its bounding box (a connected region touching the frame's edge).
    x0, y0 : int
        The box's corner in the frame, px.
    shape : (rows, cols)
        The frame's shape.
    area : int
        The region's pixel count.

    Returns
    -------
    tuple or None
        ``(rank, needle, taper)``: ``rank`` orders needle-like regions (tapering ones first,
        NEEDLE_MIN_TAPER, then wedges at least NEEDLE_MIN_LENGTH_PX long whose base is
        NEEDLE_MIN_OPENING of their length wide or more, then elongation times solidity);
        ``needle`` is (elongation x solidity, tip_x px, tip_y px); ``taper`` is
        :func:`_width_taper`'s (narrowing, taper to the tip).
    """
    tip = _needle_tip(comp, x0, y0, shape, area)
    if tip is None:
        return None
    # a needle narrows towards its tip; a line of constant width (a counter electrode's bright
    # boundary across the field, check seed 7079) does not
    xs, ys, entry, _ = _entry_chord(comp, x0, y0, shape)
    taper = _width_taper(xs, ys, entry, tip[:2])
    # a wedge opening at the probe's angle, tens of um long, outranks a slender sliver at the
    # side (elongation favours the sliver)
    length = math.hypot(tip[0] - float(xs[entry].mean()), tip[1] - float(ys[entry].mean()))
    wedge = (length >= NEEDLE_MIN_LENGTH_PX
             and _base_across(xs, ys, entry, tip[:2]) >= NEEDLE_MIN_OPENING * length)
    rank = (taper[0] >= NEEDLE_MIN_TAPER, bool(wedge), tip[2])
    return rank, (tip[2], tip[0], tip[1]), taper


def _needle_tip(comp, x0, y0, shape, area):
    """(x, y) px of the far end of a needle-like region touching the image edge, else None.

    The contacting needle enters the field from an edge and tapers to its tip
    on the electrode: a region touching the edge along a short stretch, whose
    far end lies many mean widths away from where it enters (a wedge of length
    L and mean half-width w has L**2 / area = L / 2w). A partly outside disc, a
    grain or a band does not qualify.
    """
    h, w = shape
    bh, bw = comp.shape
    entry = _entry_chord(comp, x0, y0, shape)
    if entry is None:
        return None
    xs, ys, edge, _ = entry
    cx, cy = float(xs[edge].mean()), float(ys[edge].mean())
    d2 = (xs - cx) ** 2 + (ys - cy) ** 2
    k = int(np.argmax(d2))
    if _base_across(xs, ys, edge, (xs[k], ys[k])) > NEEDLE_MAX_CONTACT_FRAC * min(h, w):
        return None
    elongation = d2[k] / max(area, 1)
    if elongation < NEEDLE_MIN_ELONGATION or _same_side(xs, ys, edge, k, (h, w)):
        return None
    hull = cv2.convexHull(np.column_stack([xs, ys]).astype(np.int32))
    solidity = area / max(cv2.contourArea(hull), 1.0)
    if solidity < NEEDLE_MIN_SOLIDITY:
        # a needle is a straight, tapering wedge; thresholded texture is ragged. A grain as
        # bright as the needle may touch it where it enters and lower its solidity: the needle
        # is still a straight shaft, the line from where it enters to its tip runs inside it
        n = max(int(math.sqrt(d2[k])), 2)
        lx = np.rint(np.linspace(cx, xs[k], n)).astype(int) - x0
        ly = np.rint(np.linspace(cy, ys[k], n)).astype(int) - y0
        ok = (lx >= 0) & (lx < bw) & (ly >= 0) & (ly < bh)
        # the electrode in the rim at its tip is a hole, closed against the image edge too (a
        # textured disc cut by the edge at the tip: its holes open there, check seed 7079)
        pads = (int(y0 == 0), int(y0 + bh == h), int(x0 == 0), int(x0 + bw == w))
        filled = cv2.copyMakeBorder(comp.astype(np.uint8), *pads, cv2.BORDER_CONSTANT, value=1)
        cont, _ = cv2.findContours(filled, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(filled, cont, -1, 1, thickness=-1)
        filled = filled[pads[0]:pads[0] + bh, pads[2]:pads[2] + bw]
        on = np.zeros(n, bool)
        on[ok] = filled[ly[ok], lx[ok]] > 0
        if on.mean() < NEEDLE_MIN_SHAFT:
            return None
        solidity = NEEDLE_MIN_SOLIDITY
    return float(xs[k]), float(ys[k]), float(elongation * solidity)


def _entry_chord(comp, x0, y0, shape):
    """A region's pixels where it enters the field, and the chord of that entry.

    Parameters
    ----------
    comp : (m, n) bool ndarray
        The region's mask in its bounding box.
    x0, y0 : int
        The box's corner in the frame, px.
    shape : (rows, cols)
        The frame's shape.

    Returns
    -------
    tuple or None
        ``(xs, ys, edge, base)``: the region's pixel coordinates in the frame (px), where
        it enters the field (boolean over ``xs``, :func:`_needle_entry`), and the width of
        its base, the chord of that entry (px; around a corner shorter than the entry's
        length along the two sides). None when the region does not enter from an edge.
    """
    ys, xs = np.nonzero(comp)
    xs, ys = xs + x0, ys + y0
    edge = _needle_entry(xs, ys, shape)
    if not edge.any():
        return None
    base = math.hypot(float(np.ptp(xs[edge])) + 1.0, float(np.ptp(ys[edge])) + 1.0)
    return xs, ys, edge, base


def _base_across(xs, ys, edge, tip):
    """Width (px) of a needle-like region where it enters, across its axis.

    The axis runs from the entry's centre to ``tip``; the width is the extent of the entry's
    pixels (``edge``, boolean over ``xs``) perpendicular to it, plus one pixel. A region
    entering straight through one side (a band, a disc cut by the edge) has its chord there
    as this width; a needle entering obliquely across a corner touches the two sides along
    a chord much longer than the bar is wide (check seed 8104: a 598 px wedge from the top
    left corner, running almost along the left side, touched the sides along a 273 px chord
    while its base is 150 px wide across its axis), and only its width tells its base from a
    band's or a disc's contact.

    Parameters
    ----------
    xs, ys : (n,) int ndarray
        The region's pixel coordinates in the frame, px.
    edge : (n,) bool ndarray
        Its pixels where it enters the field (:func:`_needle_entry`).
    tip : (x, y)
        Its far end in the frame, px.

    Returns
    -------
    float
        The base's width across the axis, px (the chord when the tip is at the entry).
    """
    ex, ey = xs[edge].astype(float), ys[edge].astype(float)
    cx, cy = float(ex.mean()), float(ey.mean())
    dx, dy = float(tip[0]) - cx, float(tip[1]) - cy
    length = math.hypot(dx, dy)
    if length < 1.0:
        return math.hypot(float(np.ptp(ex)) + 1.0, float(np.ptp(ey)) + 1.0)
    across = (ex - cx) * (-dy / length) + (ey - cy) * (dx / length)
    return float(np.ptp(across)) + 1.0


def _needle_entry(xs, ys, shape):
    """Where a needle-like region enters the field (boolean over ``xs``), see :func:`_entry`.

    A needle whose tip rests on an electrode cut by the image edge meets the edge
    twice, and the electrode's chord may be the longer stretch (check seed 7079:
    the needle's base on the left edge is 48 px, the disc's chord on the top edge
    111 px). The needle enters where the region reaches farthest from: from its
    base the tip lies a wedge's length away, from the disc's chord the base lies
    only about as far. Of the two longest stretches the one whose farthest pixel is
    farther is the entry, unless each stretch's farthest pixel lies on the other: the
    region then runs from one stretch to the other (a wedge whose tip touches another
    side), their reaches differ only by the stretches' widths, and a stretch the region
    widens away from (:func:`_width_taper`'s narrowing below NEEDLE_NO_NARROWING: its
    narrow end, the tip) is not the entry.
    """
    h, w = shape
    edge = (xs == 0) | (ys == 0) | (xs == w - 1) | (ys == h - 1)
    stretches = _entry(xs, ys, edge, shape, n=2)
    reads = []      # (stretch, index of its farthest pixel, squared reach px**2)
    for stretch in stretches:
        if not stretch.any():
            continue
        d2 = (xs - xs[stretch].mean()) ** 2 + (ys - ys[stretch].mean()) ** 2
        k = int(np.argmax(d2))
        if not _same_side(xs, ys, stretch, k, shape):
            reads.append((stretch, k, float(d2[k])))
    if not reads:
        return stretches[0]
    if len(reads) == 2 and reads[0][0][reads[1][1]] and reads[1][0][reads[0][1]]:
        # each stretch's farthest pixel lies on the other: the region runs from one to the
        # other, and their reaches differ only by the stretches' widths (from a wedge's tip on
        # a side, a corner of its base lies farther than the tip from the base's centre). The
        # needle enters with its full width and narrows to its tip: a stretch the region
        # widens away from is its tip; the reach decides when both or neither are so
        def key(read):
            stretch, k, d2 = read
            narrowing = _width_taper(xs, ys, stretch, (xs[k], ys[k]))[0]
            return narrowing >= NEEDLE_NO_NARROWING, d2
        return max(reads, key=key)[0]
    return max(reads, key=lambda r: r[2])[0]


def _same_side(xs, ys, stretch, k, shape):
    """Whether pixel ``k`` lies on an image side that the ``stretch`` of edge pixels touches.

    A straight needle entering from one side cannot end on that same side: such a
    region is a sliver along the edge (check seed 5016), not a needle.
    """
    h, w = shape
    x, y = xs[k], ys[k]
    sx, sy = xs[stretch], ys[stretch]
    return bool((x == 0 and (sx == 0).any()) or (y == 0 and (sy == 0).any()) or
                (x == w - 1 and (sx == w - 1).any()) or (y == h - 1 and (sy == h - 1).any()))


def _width_taper(xs, ys, edge, tip):
    """How much a needle-like region narrows, from its width profile along its axis.

    The pixels are cut into slabs across the axis from the entry's centre to the tip
    (TAPER_SLAB_FRAC of the length each; a slab's width is its pixel count over its
    thickness, px). The base's width is the median slab width in the first
    TAPER_BASE_FRAC of the length, the narrowest point the least slab width between
    there and TAPER_END_FRAC (the tip itself, or a disc at the tip, lie beyond).

    Returns
    -------
    (narrowing, to_tip) : floats
        The base's width over the least width (a wedge 2 or more, a line of constant
        width about 1: the needle is the region that narrows), and over the largest
        width from the narrowest point to the tip (the taper to the tip: a wedge whose
        tip is free keeps narrowing; one whose tip rests on a disc merged with it, of
        the needle's grey level, widens again there, below 1). 0 for a region shorter
        than a pixel.
    """
    cx, cy = float(xs[edge].mean()), float(ys[edge].mean())
    dx, dy = tip[0] - cx, tip[1] - cy
    length = math.hypot(dx, dy)
    if length < 1.0:
        return 0.0, 0.0
    s = ((xs - cx) * dx + (ys - cy) * dy) / length / length   # 0 at the base, 1 at the tip
    slab = TAPER_SLAB_FRAC
    k = np.floor(s / slab).astype(int)
    n = int(round(1.0 / slab))
    counts = np.bincount(np.clip(k, 0, n - 1)[(k >= 0) & (k < n)], minlength=n).astype(float)
    widths = counts / max(slab * length, 1.0)
    floor = 1.0 / max(slab * length, 1.0)       # one pixel in a slab
    nb = max(int(round(TAPER_BASE_FRAC / slab)), 1)
    ne = int(round(TAPER_END_FRAC / slab))
    base = float(np.median(widths[:nb]))
    if ne <= nb:
        return base / max(base, floor), base / max(float(widths[nb:].max(initial=base)), floor)
    k = nb + int(np.argmin(widths[nb:ne]))
    return base / max(float(widths[k]), floor), base / max(float(widths[k:].max()), floor)


def _entry(xs, ys, edge, shape, n=1):
    """The region's pixels on the image edge where the needle enters (boolean over ``xs``).

    A region may meet the image edge in several stretches: the needle enters along
    its wide base, and its tip may rest on an electrode partly outside the field,
    meeting the edge again there (check seed 7055). The entry is the longest
    stretch; stretches are runs of edge pixels along the image's perimeter, apart by
    more than NEEDLE_ENTRY_GAP_PX.
    """
    if not edge.any():
        return edge if n == 1 else [edge]
    h, w = shape
    ex, ey = xs[edge], ys[edge]
    # position along the perimeter, clockwise from the top-left corner
    pos = np.where(ey == 0, ex,
                   np.where(ex == w - 1, (w - 1) + ey,
                            np.where(ey == h - 1, (w - 1) + (h - 1) + (w - 1 - ex),
                                     2 * (w - 1) + (h - 1) + (h - 1 - ey)))).astype(np.float64)
    order = np.argsort(pos)
    p = pos[order]
    perimeter = 2.0 * ((w - 1) + (h - 1))
    gaps = np.diff(np.concatenate([p, [p[0] + perimeter]]))   # the last one wraps around
    labels = np.concatenate([[0], np.cumsum(gaps[:-1] > NEEDLE_ENTRY_GAP_PX)])
    if gaps[-1] <= NEEDLE_ENTRY_GAP_PX:
        labels[labels == labels[-1]] = 0    # the last run goes on into the first
    if labels.max() == 0:
        return edge if n == 1 else [edge]
    outs = []
    for keep_lab in np.argsort(-np.bincount(labels), kind="stable")[:n]:
        keep = np.zeros(len(p), bool)
        keep[order[labels == keep_lab]] = True
        out = np.zeros(edge.shape, bool)
        out[np.nonzero(edge)[0][keep]] = True
        outs.append(out)
    return outs[0] if n == 1 else outs
