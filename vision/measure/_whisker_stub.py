"""A short whisker (a stub) growing from the root of a longer rod: two rods in one region.

Two whiskers whose bases lie a few pixels apart and that part at a small angle stay one
lithium region as long as their axes are closer than the sum of their half widths
(tuning seeds 5034, 5038, 7058: a stub 13-55 px long beside or around a rod, read as one
rod 15-18 px wide). The region is a union of two rods, so it is read by geometry:

- The rod's own cross-sections beyond the stub's end give its centre line and width.
- Closer to the root, the region's edge on one side (or both) lies beyond the rod's band
  by more than its ragged edges do: that excess edge is the stub's outer edge, a straight
  line whose slope is the stub's direction relative to the rod.
- A second rod from the same root diverges from the first, so its outer edge moves away
  from the rod with distance from the root; an excess edge that converges on the rod is
  a rod bowed near its root (seed 7049), or a wide stub around a thin rod that the mask
  cannot tell from one (seed 5038): neither is split.
- The rod's own edge on the other side stays on its line up to the root: a curved rod's
  inner part leaves the line as a whole, that edge with it (not split).
- Over its length the stub's axis leaves the rod's line by more than a ragged edge
  (STUB_MIN_DIVERGENCE_PX): a stub that diverges less cannot be told from the rod's own
  widening.
- The stub's end is where the excess ends; it shares the rod's root (its centre at the
  root is the rod's centre there), so its half width is the excess edge's distance from
  the rod's centre at the root. When the excess is on both sides, the stub encloses the
  rod and its centre is the middle of the two edges.

The stub is then a straight rod (tip refined on the image by the tracker like any other)
and the rod is re-read from its own band only.
"""
import math

import numpy as np

from ._whisker_obs import HALF_PX, STRAIGHT_SLACK_PX, WhiskerObs, _axis_circle_exit

#: A cross-section's edge counts as beyond the rod's band when it lies more than this (px)
#: outside the rod's edge: a segmented edge is ragged by about a pixel either way.
STUB_EXCESS_PX = 2.0
#: The rod's reference cross-sections: from this fraction of its length to its end less
#: one width (the tip's cap); the stub must end before STUB_MAX_REACH of the rod's length
#: so that these are the rod's alone.
STUB_REF_FROM = 0.5
STUB_MAX_REACH = 0.45
#: Reference cross-sections needed for the rod's centre line and width: at least
#: STUB_MIN_REF_SECTIONS and STUB_REF_WIDTHS rod widths, so that the line is the rod's and
#: not the local tangent of a short curved rod (a 46 px rod 16 px wide curving 55 deg had
#: 5 sections there and its inner part was read as a stub).
STUB_MIN_REF_SECTIONS = 5
STUB_REF_WIDTHS = 2.0
#: A stub's excess runs at least this many rod widths and STUB_MIN_RUN_PX from the root:
#: a shorter widening at the root is the fillet where the segmentation meets the
#: electrode's edge (up to 7 px on the tuning masks, seed 7019). 10 px is also the
#: shortest whisker the validation counts, so no counted stub is refused by it.
STUB_MIN_WIDTHS = 1.0
STUB_MIN_RUN_PX = 10.0
#: Share of the cross-sections from the root to the stub's end that must show the excess
#: (a gap of a ragged pixel row or two is allowed).
STUB_MIN_COVER = 0.8
#: The stub's outer edge is straight: RMS residual of its line fit at most this (px). The
#: segmented edges of the tuning stubs fit within 0.4-0.75 px (seed 5034); a looser bound
#: (1.5 px) also takes the inner part of a thin rod 31 deg off (seed 7080's "V") as a stub.
STUB_EDGE_RMS_PX = 1.0
#: Sections beyond the band needed to fit the stub's edge.
STUB_MIN_SECTIONS = 3
#: A second rod leaves the rod's line: over the stub's length its axis moves away from the
#: rod's centre line by more than this (px), a segmented edge's raggedness (the scale of
#: STUB_EDGE_RMS_PX). Less is the rod's own widening, or a stub still hidden in the rod's
#: band read where its edge happens to stick out (seed 7036: reads 0.4-0.6 deg off the rod,
#: 0.3-0.5 px over 40-52 px, 14-22 px short of the stub; drawn 7-deg stubs 25 px long,
#: 3 px of true divergence, measure 1.8-2.0 px).
STUB_MIN_DIVERGENCE_PX = 1.0


def _sections(s, p):
    """Per integer bin of ``s`` (from 0): lowest and highest ``p`` and pixel count."""
    k = np.floor(s).astype(int)
    keep = k >= 0
    k, p = k[keep], p[keep]
    n = int(k.max()) + 1 if len(k) else 0
    lo = np.full(n, np.inf)
    hi = np.full(n, -np.inf)
    np.minimum.at(lo, k, p)
    np.maximum.at(hi, k, p)
    cnt = np.bincount(k, minlength=n)
    return lo, hi, cnt


def _line_fit(x, y):
    """Least-squares line y = a + b x: (a, b, rms residual)."""
    A = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    res = y - A @ coef
    return float(coef[0]), float(coef[1]), float(np.sqrt(np.mean(res ** 2)))


def split_stub(xs, ys, rod, ex, ey, r, *, min_length_px, straight_rod):
    """A straight ``rod`` read from a region (pixel centres ``xs, ys``) as a rod plus a
    stub from its root: ``(rod, stub)`` as :class:`WhiskerObs`, or None.

    ``straight_rod(xs, ys, area, centre_xy, axis_xy)`` re-reads the rod from its band.
    """
    if rod.path_xy_px:
        return None
    bx, by = rod.base_xy_px
    ux, uy = rod.direction_xy
    s = (xs - bx) * ux + (ys - by) * uy
    p = -(xs - bx) * uy + (ys - by) * ux
    lo, hi, cnt = _sections(s, p)
    n = len(cnt)
    if n < 4:
        return None
    ks = np.arange(n, dtype=float) + HALF_PX
    # the rod's own cross-sections: outer half, less its tip's cap
    w0 = float(np.median((hi - lo + 1.0)[cnt > 0]))
    ref = (ks >= STUB_REF_FROM * n) & (ks <= n - w0) & (cnt > 0)
    if ref.sum() < max(STUB_MIN_REF_SECTIONS, STUB_REF_WIDTHS * w0):
        return None
    ca, cb, _ = _line_fit(ks[ref], 0.5 * (lo[ref] + hi[ref]))
    w = float(np.median((hi - lo + 1.0)[ref]))
    centre = ca + cb * ks
    half = 0.5 * (w - 1.0)
    ex_hi = np.where(cnt > 0, hi - (centre + half), -np.inf)
    ex_lo = np.where(cnt > 0, (centre - half) - lo, -np.inf)
    over_hi = ex_hi > STUB_EXCESS_PX
    over_lo = ex_lo > STUB_EXCESS_PX
    over = over_hi | over_lo
    first = np.flatnonzero(cnt > 0)[0]
    idx = np.flatnonzero(over)
    if not len(idx):
        return None
    # the run of excess: from its first section to the last after which the excess stays
    # below STUB_MIN_COVER of the sections (a stub diverging from inside the rod's band
    # shows its edge beyond the band only some way from the root)
    a = int(idx[0])
    end = None
    for j in idx[::-1]:
        if over[a:j + 1].mean() >= STUB_MIN_COVER:
            end = int(j)
            break
    if end is None or end - a < STUB_MIN_SECTIONS:
        return None
    run = np.arange(a, end + 1)
    run = run[cnt[run] > 0]
    if ks[end] - ks[first] < max(STUB_MIN_WIDTHS * w, STUB_MIN_RUN_PX, min_length_px) \
            or ks[end] > STUB_MAX_REACH * n:
        return None
    both = over_hi[run].mean() >= STUB_MIN_COVER and over_lo[run].mean() >= STUB_MIN_COVER
    k0 = ks[first]
    if both:
        # the stub encloses the rod: its centre is the middle of the region's two edges
        qa, qb, rms = _line_fit(ks[run], 0.5 * (lo[run] + hi[run]))
        _, _, rms2 = _line_fit(ks[run], hi[run] - lo[run])
        width = float(np.median(hi[run] - lo[run] + 1.0))
        rms = max(rms, rms2)
    else:
        sign = 1.0 if over_hi[run].sum() >= over_lo[run].sum() else -1.0
        edge = hi if sign > 0 else lo
        sel = run[(over_hi if sign > 0 else over_lo)[run]]
        if len(sel) < 3:
            return None
        ea, eb, rms = _line_fit(ks[sel], edge[sel])
        # shared root: the stub's centre at the root is the rod's centre there
        half_s = sign * (ea + eb * k0 - (ca + cb * k0))
        if not 0 < half_s <= w:
            # the stub's edge at the root lies farther than one rod width from the rod's
            # centre: the two do not share the root (bases within half a width or so)
            return None
        if sign * (eb - cb) <= 0:
            return None  # converging on the rod: a rod bowed near its root, not a stub
        # the rod's own edge on the other side stays on the rod's line up to the root; a
        # curved rod's inner part moves off that line as a whole, that edge with it
        own = (centre - half) - lo if sign > 0 else hi - (centre + half)
        if np.mean(own[run] >= -STUB_EXCESS_PX) < STUB_MIN_COVER:
            return None
        qb = eb
        qa = ea + eb * k0 - sign * half_s - qb * k0
        width = 2.0 * half_s + 1.0
    if rms > STUB_EDGE_RMS_PX:
        return None
    if abs(qb - cb) * (ks[end] - k0) <= STUB_MIN_DIVERGENCE_PX:
        # over its whole length the stub's axis leaves the rod's line by no more than a
        # ragged edge: a widening along the rod, not a second rod that can be told from it
        return None
    # stub axis in image coordinates: point at the root section, direction u + qb n
    nx, ny = -uy, ux
    p0 = (bx + k0 * ux + (qa + qb * k0) * nx, by + k0 * uy + (qa + qb * k0) * ny)
    vx, vy = ux + qb * nx, uy + qb * ny
    norm = math.hypot(vx, vy)
    vx, vy = vx / norm, vy / norm
    t_exit = _axis_circle_exit(p0[0], p0[1], vx, vy, ex, ey, r)
    if t_exit is None:
        return None
    t_tip = (ks[end] + HALF_PX - k0) * norm
    base = (p0[0] + t_exit * vx, p0[1] + t_exit * vy)
    tip = (p0[0] + t_tip * vx, p0[1] + t_tip * vy)
    length = t_tip - t_exit
    if length < min_length_px:
        return None
    stub = WhiskerObs(-1, (float(base[0]), float(base[1])), (float(tip[0]), float(tip[1])),
                      float(length), float(width), (float(vx), float(vy)))
    # the rod from its own band (the region less the stub's side beyond it)
    in_band = np.abs(p - (ca + cb * s)) <= half + STRAIGHT_SLACK_PX
    if in_band.sum() < 2:
        return None
    mx, my = float(xs[in_band].mean()), float(ys[in_band].mean())
    wx, wy = ux + cb * nx, uy + cb * ny
    wn = math.hypot(wx, wy)
    new_rod = straight_rod(xs[in_band], ys[in_band], int(in_band.sum()), (mx, my), (wx / wn, wy / wn))
    if not isinstance(new_rod, WhiskerObs):
        new_rod = rod
    return new_rod, stub
