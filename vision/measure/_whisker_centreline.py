"""Centrelines of curved and kinked whiskers, from a rod region's medial path.

The medial path (rim to far end, along the ridge of the distance to the region's
edge) is read either as a polygon of straight pieces (a straight or kinked rod:
:func:`_simplified_centreline`, :func:`_polygon_chain`) or as a smoothed curve
(:func:`_smoothed_centreline`, :func:`_curved_chain`, :func:`_curve_end_direction`);
:func:`_pieces_bend_px` and :func:`_bend_excess_px` tell the two apart.

Points are (x, y) = (column, row) in pixels, origin at the centre of the
top-left pixel; lengths in pixels.
"""
import math

import cv2
import numpy as np

from ._whisker_obs import HALF_PX, _axis_circle_exit

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
