"""A crack seen in pieces: the pieces beyond a faint stretch joined to the crack from the rim.

A crack is one thin path from the electrode rim. Where it crosses a grain of its own
grey level, runs under heavy noise or past a neighbour's mask, its line response drops
below the threshold for a stretch and the thresholded line breaks: only the piece that
touches the rim was measured, the rest of the crack (often most of it) was left out
(check seeds 7012, 7033, 7066). The pieces beyond such a gap are found by geometry: a
long line piece whose near end points back at an end of the crack (the crack goes on
where it stopped) across a gap no longer than the piece itself.

Points are (x, y) = (column, row) in pixels.
"""
import cv2
import numpy as np

__all__ = []

#: A piece joins the crack only when it is at least this long (px, the larger side of its
#: box): 2x the shortest crack. Noise at the hysteresis thresholds makes lines of a few
#: px (``MIN_LENGTH_PX`` is 3x the longest); a piece of a real crack cut off by a faint
#: stretch is tens of px.
LINK_MIN_PIECE_PX = 20.0
#: Longest gap (px) a piece is joined across, and never longer than the piece itself: a
#: grain of the crack's own grey level is crossed in a few tens of px (7012: ~60 px).
LINK_MAX_GAP_PX = 80.0
#: The piece's own direction at its near end points back at the crack's end within this
#: angle (deg): the piece continues the crack's path, it does not pass beside it.
LINK_MAX_ANGLE_DEG = 30.0
#: The piece's direction is taken from its pixels within this distance (px) of its near end.
LINK_TANGENT_PX = 12.0
#: The pixels within that distance are a line when they spread at least this many times
#: more along than across (ratio of the standard deviations; a straight band's pixels
#: within the radius r of its end: r / W for a band W wide, so 2 holds for bands up to
#: 6 px at r = 12 px, a crack's line pixels with their join dilation); where they do not
#: (a band along a grain boundary, as wide as the radius: tuning seed 7012, its direction
#: came out 50 deg off) the radius doubles, at most LINK_TANGENT_DOUBLINGS times.
LINK_TANGENT_ELONGATION = 2.0
LINK_TANGENT_DOUBLINGS = 2
#: The crack's end: the crack pixels within this distance (px) of the joined point lie
#: behind it (their centroid at least LINK_END_OFFSET_PX away, on the side away from the
#: piece); a piece beside the middle of the crack is a side line, not its continuation.
LINK_END_PX = 8.0
LINK_END_OFFSET_PX = 2.0
#: Pieces join only a crack: the piece of the crack they continue is at least this long
#: (px, the larger side of its box; ``MIN_LENGTH_PX`` of the detector, the shortest crack).
#: A stub of a few px at the rim is no crack to continue (seeded whisker scene 2002: a
#: stub at a whisker's root joined to a line along the rod made a 73 px "crack").
LINK_MIN_CRACK_PX = 10.0
#: A crack runs away from the electrode: the piece's farthest pixel lies at least this
#: fraction of the piece's extent farther from the electrode's centre than its near end;
#: a line running along the rim does not. (Tuning seed 5028's false line along the
#: needle's edge heads outward; ``LINK_SIDE_PX`` stops it.)
LINK_MIN_OUTWARD = 0.5
#: A piece joins only if it is a line, not a bright body's edge. Its sides are taken this
#: far (px) from its pixels, across its local direction, and averaged over the piece (a
#: single pixel's side is as noisy as a faint crack is deep: check seed 7033).
LINK_SIDE_PX = 5.0
#: A piece is an edge when its pixels do not lie beyond both of its sides (below both for
#: ``polarity='dark'``, above for ``'bright'``) and its two sides differ by more than this
#: fraction of their mean grey level: a body of another material beside it. Tuning seed
#: 5028 (stripping, no crack): along the needle's lower edge, sides 187 and 136 grey
#: levels (0.32), the line's pixels 176 between them, a 36 px line continued to a 5 um
#: "crack". A crack's pieces on the check set (7033) differ by at most 0.12 between
#: sides (the ceramic's grains differ by a few %) and several lie within noise of them.
LINK_EDGE_STEP = 0.2
#: A gap is a junction's (a corner) when at least this fraction of it lies on the
#: background's lines: the crack turns where grain boundaries meet.
LINK_CORNER_ON_LINES = 0.5
#: At a corner the piece may start beside the crack's last this many px (a turn sharper
#: than a right angle puts the boundary beside the crack's end, and its line response
#: fades over the filter's half-length, 9 px at the defaults, on both arms) ...
LINK_CORNER_END_PX = 16.0
#: ... looking at the crack's pixels within this many times that of the joined point (a
#: point beside the middle of the crack has the whole look-out beyond it).
LINK_CORNER_LOOK = 1.5
#: After a corner the piece runs on along a boundary: it may reach back toward the
#: electrode (below the crack's end) no farther than it reaches out beyond that end, plus
#: the stretch a sharp turn puts beside the end (LINK_CORNER_END_PX). A piece that heads
#: back is a line beside the crack (the second lip of a crack filling with lithium),
#: not its continuation (tuning seed 7034, frame 160: a 35 px piece from the crack's end
#: back along it, reaching 5 px out and 31 px back, turned the tip 33 px back).
LINK_CORNER_BACK_PX = LINK_CORNER_END_PX
#: At most this many pieces are joined, one after the other.
LINK_MAX_PIECES = 24
#: A crack ends where it meets the counter electrode. Its end reaches the counter electrode
#: within this distance (px) of its pixels: the touch-down tolerance of the crack's tip
#: (``CRACK_TOUCH_TOLERANCE_PX`` of ``vision.track._frontcrack``: the boundary's edge blur,
#: 1 px, plus the filter's scale along the line, ``SIGMA_PX * ELONGATION`` = 3 px; the
#: value is repeated here, the detector imports this module). Beyond such an end no piece
#: joins, and the band this close to the boundary on either side is its edge.
LINK_COUNTER_REACH_PX = 4.0
#: A piece runs along the counter electrode's edge (its bright rim, a line to the filter)
#: when its pixels in that edge band (2 * LINK_COUNTER_REACH_PX wide) stretch along it
#: longer than this (px, the major axis of their spread): a line crossing the band at up
#: to 60 deg from its normal stays within twice the band's width (tuning seed 7034: a
#: corner join followed the counter electrode's rim 100 px, 14 px before touch-down).
LINK_COUNTER_ALONG_PX = 4.0 * LINK_COUNTER_REACH_PX


def _axis(pts):
    """Principal direction (unit vector, sign arbitrary) of points (k, 2), k >= 2."""
    w, v = np.linalg.eigh(np.cov((pts - pts.mean(axis=0)).T))
    return v[:, int(np.argmax(w))]


def _near(pts, q):
    """The points within LINK_TANGENT_PX of ``q``."""
    return pts[np.hypot(pts[:, 0] - q[0], pts[:, 1] - q[1]) <= LINK_TANGENT_PX]


def _end_direction(pts, near, widen=False):
    """Unit direction from a piece's interior to its point ``near`` (PCA of the nearby pixels).

    With ``widen`` (a piece holding a stretch along a grain boundary's band), where the
    pixels within LINK_TANGENT_PX are no line (the band as wide as the radius), the
    radius doubles, up to LINK_TANGENT_DOUBLINGS times, until they are
    (LINK_TANGENT_ELONGATION). Other pieces keep the plain radius (widened for every
    piece, a lateral front's piece joined a false crack: tuning seed 5031's front).
    """
    loc = _near(pts, near)
    if len(loc) < 3:
        return None
    u = _axis(loc)
    for k in range(1, (LINK_TANGENT_DOUBLINGS if widen else 0) + 1):
        w = np.linalg.eigvalsh(np.cov((loc - loc.mean(axis=0)).T))
        if w[1] >= LINK_TANGENT_ELONGATION ** 2 * max(w[0], 1e-12):
            break
        loc = pts[np.hypot(pts[:, 0] - near[0], pts[:, 1] - near[1]) <= LINK_TANGENT_PX * 2 ** k]
        u = _axis(loc)
    if float(np.dot(near - loc.mean(axis=0), u)) < 0:
        u = -u
    return u


def _is_edge(image, pts, sign):
    """Whether a piece runs along a bright body's edge rather than being a line itself.

    Each pixel's sides are LINK_SIDE_PX along the normal of the piece's local direction
    (PCA of its pixels within LINK_TANGENT_PX, turned to one side of the piece's main
    axis), averaged over the piece, and so are its own pixels. An edge: the piece's mean
    does not lie beyond both sides' (``sign`` +1: below, -1: above) and the sides differ
    by more than LINK_EDGE_STEP of their mean.
    """
    rows, cols = image.shape
    axis = _axis(pts)
    n0 = np.array([-axis[1], axis[0]])
    sub = pts[:: max(1, len(pts) // 64)]
    # every sampled pixel's neighbourhood at once: the pixels within LINK_TANGENT_PX
    # (as _near), their count, mean and second moments (one matrix product each)
    near = np.hypot(sub[:, None, 0] - pts[None, :, 0],
                    sub[:, None, 1] - pts[None, :, 1]) <= LINK_TANGENT_PX
    k = near.sum(axis=1).astype(float)
    ok = k >= 3
    near, sub, k = near[ok].astype(float), sub[ok], k[ok]
    if not len(sub):
        return False
    mx, my = near @ pts[:, 0] / k, near @ pts[:, 1] / k
    cxx = near @ (pts[:, 0] ** 2) / k - mx ** 2
    cyy = near @ (pts[:, 1] ** 2) / k - my ** 2
    cxy = near @ (pts[:, 0] * pts[:, 1]) / k - mx * my
    # the local direction: the major axis of each 2x2 covariance (as _axis), in closed form
    theta = 0.5 * np.arctan2(2.0 * cxy, cxx - cyy)
    nrm = np.column_stack([-np.sin(theta), np.cos(theta)])
    nrm[nrm @ n0 < 0] *= -1.0
    qa = np.round(sub + LINK_SIDE_PX * nrm).astype(int)
    qb = np.round(sub - LINK_SIDE_PX * nrm).astype(int)
    inside = ((qa[:, 0] >= 0) & (qa[:, 0] < cols) & (qa[:, 1] >= 0) & (qa[:, 1] < rows)
              & (qb[:, 0] >= 0) & (qb[:, 0] < cols) & (qb[:, 1] >= 0) & (qb[:, 1] < rows))
    qi = sub[inside].astype(int)
    centre = image[qi[:, 1], qi[:, 0]].astype(float)
    side_a = image[qa[inside, 1], qa[inside, 0]].astype(float)
    side_b = image[qb[inside, 1], qb[inside, 0]].astype(float)
    if not len(centre):
        return False
    a, b, c = float(np.mean(side_a)), float(np.mean(side_b)), float(np.mean(centre))
    groove = min(sign * a, sign * b) > sign * c
    level = 0.5 * (abs(a) + abs(b))
    return (not groove) and abs(a - b) > LINK_EDGE_STEP * max(level, 1e-12)


def _on_lines(mask, a, b):
    """Whether at least LINK_CORNER_ON_LINES of the straight gap from ``a`` to ``b`` lies in ``mask``."""
    n = max(int(np.ceil(np.hypot(*(b - a)))), 1)
    t = np.linspace(0.0, 1.0, n + 1)[:, None]
    xy = np.round(a * (1 - t) + b * t).astype(int)
    xy[:, 0] = xy[:, 0].clip(0, mask.shape[1] - 1)
    xy[:, 1] = xy[:, 1].clip(0, mask.shape[0] - 1)
    return float(np.mean(mask[xy[:, 1], xy[:, 0]])) >= LINK_CORNER_ON_LINES


def _at_end(loc, q, c, r2):
    """Whether ``q`` is the end of the crack whose pixels near it are ``loc`` (centroid ``c``).

    Along the principal axis of ``loc`` (the crack's pixels within LINK_CORNER_LOOK *
    LINK_CORNER_END_PX of ``q``), turned away from the electrode (``r2``: squared distance
    from its centre, px^2; a crack's end is its outer end), no crack pixel lies more
    than LINK_CORNER_END_PX beyond ``q``: beside the crack's middle the line runs on past
    it (the end test by the centroid alone passes there when the thresholded line is a
    few px wide: a boundary beside the crack, test_crack_branches seed 1).
    """
    if len(loc) < 3:
        return True
    t = _axis(loc)
    if r2_at(r2, c + LINK_CORNER_END_PX * t) < r2_at(r2, c - LINK_CORNER_END_PX * t):
        t = -t
    return float(np.max((loc - q) @ t)) <= LINK_CORNER_END_PX


def counter_zones(region):
    """The zones of a counter electrode's ``region`` (bool mask) that end a crack.

    Returns
    -------
    reach : (M, N) bool
        Within LINK_COUNTER_REACH_PX of the region (the region included): a crack's
        end here has met the counter electrode.
    edge : (M, N) bool
        Within LINK_COUNTER_REACH_PX of its boundary, on either side: its edge band.
    """
    region = np.asarray(region, bool)
    if not region.any():
        z = np.zeros(region.shape, bool)
        return z, z
    out = cv2.distanceTransform((~region).view(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    inside = cv2.distanceTransform(region.view(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    reach = out <= LINK_COUNTER_REACH_PX
    return reach, reach & (inside <= LINK_COUNTER_REACH_PX)


def _along_edge(p, edge):
    """Whether a piece's pixels ``p`` in the counter electrode's ``edge`` band run along it."""
    pi = p.astype(int)
    q = p[edge[pi[:, 1], pi[:, 0]]]
    if len(q) < 3:
        return False
    lam = float(np.linalg.eigvalsh(np.cov((q - q.mean(axis=0)).T))[-1])
    # a line's extent from the spread of its pixels along it: L^2 / 12
    return float(np.sqrt(12.0 * max(lam, 0.0))) > LINK_COUNTER_ALONG_PX


def link_pieces(labels, stats, keep, strong, r2, r_in2, image=None, polarity="dark",
                corner_gap_px=0.0, corner_mask=None, on_lines=None, with_lines=None,
                counter=None):
    """Join the line pieces that continue the crack from the rim across faint gaps.

    Parameters
    ----------
    labels, stats : the connected components of the thresholded line pixels (OpenCV).
    keep : (n,) bool array
        The components taken so far (those reaching the electrode rim).
    strong : (n,) bool array
        Components with a pixel above the high threshold (only these can join).
    r2 : (M, N) array
        Squared distance from the electrode centre, px^2 (broadcastable).
    r_in2 : float
        Squared radius of the ignored rim zone, px^2.
    image : (M, N) array, optional
        The frame; with it, a piece along a bright body's edge (the needle) does not join
        (:func:`_is_edge`).
    polarity : {'dark', 'bright'}
    corner_gap_px : float, optional
        Across a gap no longer than this (px) a piece joins at any angle: a crack along
        grain boundaries turns at their junctions, where the line filter loses both arms
        (0, default: the angle rule everywhere). Only where most of the gap lies in
        ``corner_mask``.
    corner_mask : (M, N) array of bool, optional
        The background's lines (grain boundaries): a junction's gap lies on them (a gap
        elsewhere, e.g. across a masked spot, is joined by the angle rule only). None:
        no corners.
    on_lines : (n,) bool array, optional
        Pieces found along the background's own lines (grain boundaries): no bright
        body's edge, so the edge test (:func:`_is_edge`) does not apply to them.
    with_lines : (n,) bool array, optional
        Pieces holding any such stretch: their band along a boundary is as wide as the
        tangent radius, so their end direction may widen it (:func:`_end_direction`);
        other pieces keep the plain radius.
    counter : (reach, edge) of bool (M, N) arrays, optional
        The counter electrode's zones (:func:`counter_zones`): a crack whose end lies in
        ``reach`` has met the counter electrode and is not continued; a piece running
        along ``edge`` (:data:`LINK_COUNTER_ALONG_PX`) is its rim, not the crack's. None:
        no counter electrode known.

    Returns
    -------
    keep : (n,) bool array
        With the joined pieces.
    bridges : list of ((x0, y0), (x1, y1))
        The straight segments drawn across the gaps (int px).
    """
    keep = keep.copy()
    bridges = []
    ext = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]).astype(float)
    cand = np.flatnonzero(strong & ~keep & (ext >= LINK_MIN_PIECE_PX))
    cand = cand[cand > 0]
    if not cand.size or not keep.any():
        return keep, bridges
    cos_max = np.cos(np.deg2rad(LINK_MAX_ANGLE_DEG))
    pts_of = {}

    def pts(j):
        if j not in pts_of:
            x, y, w, h = (int(v) for v in stats[j, :4])
            rr, cc = np.nonzero(labels[y:y + h, x:x + w] == j)
            pts_of[j] = np.column_stack([cc + x, rr + y]).astype(float)
        return pts_of[j]

    rows, cols = labels.shape
    sign = -1.0 if polarity == "bright" else 1.0
    edge = {}
    m = LINK_MAX_GAP_PX + 2
    for _ in range(LINK_MAX_PIECES):
        crack = np.vstack([pts(j) for j in np.flatnonzero(keep) if j > 0])
        lo, hi = crack.min(axis=0), crack.max(axis=0)
        # the pieces whose box is within the largest gap of the crack's box
        near = [j for j in cand if not keep[j]
                and stats[j, 0] - hi[0] <= LINK_MAX_GAP_PX
                and lo[0] - (stats[j, 0] + stats[j, 2]) <= LINK_MAX_GAP_PX
                and stats[j, 1] - hi[1] <= LINK_MAX_GAP_PX
                and lo[1] - (stats[j, 1] + stats[j, 3]) <= LINK_MAX_GAP_PX]
        if not near:
            break
        # distance to the crack over its box grown by the largest gap (one transform per round)
        bx0, by0 = max(int(lo[0] - m), 0), max(int(lo[1] - m), 0)
        bx1, by1 = min(int(hi[0] + m) + 1, cols), min(int(hi[1] + m) + 1, rows)
        free = np.ones((by1 - by0, bx1 - bx0), np.uint8)
        ci = crack.astype(int)
        free[ci[:, 1] - by0, ci[:, 0] - bx0] = 0
        dist = cv2.distanceTransform(free, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
        best = None
        for j in near:
            p = pts(j)
            ins = (p[:, 0] >= bx0) & (p[:, 0] < bx1) & (p[:, 1] >= by0) & (p[:, 1] < by1)
            if not ins.any():
                continue
            pin = p[ins]
            d = dist[pin[:, 1].astype(int) - by0, pin[:, 0].astype(int) - bx0]
            k = int(np.argmin(d))
            near_p = pin[k]
            if float(d[k]) > min(LINK_MAX_GAP_PX, ext[j]) + 1.0:
                continue
            # the crack pixel nearest to it
            cq = crack[(np.abs(crack[:, 0] - near_p[0]) <= d[k] + 1) & (np.abs(crack[:, 1] - near_p[1]) <= d[k] + 1)]
            q = cq[int(np.argmin(((cq - near_p) ** 2).sum(axis=1)))]
            gap = float(np.hypot(*(q - near_p)))
            if gap > min(LINK_MAX_GAP_PX, ext[j]) or gap < 1.0:
                continue
            if ext[labels[int(q[1]), int(q[0])]] < LINK_MIN_CRACK_PX:
                continue
            if counter is not None and counter[0][int(q[1]), int(q[0])]:
                continue  # the crack met the counter electrode there: it ends
            g = (q - near_p) / gap              # from the piece to the crack
            u = _end_direction(p, near_p, widen=with_lines is not None and bool(with_lines[j]))
            if u is None:
                continue
            # across a junction's short gap the piece may turn off the crack's end (a
            # corner): the rules for a straight continuation apply to longer gaps only
            corner = (gap <= corner_gap_px and corner_mask is not None
                      and _on_lines(corner_mask, q, near_p))
            if not corner and float(np.dot(u, g)) < cos_max:
                # across a gap shorter than the stretch the directions are measured over,
                # the gap's own direction is set by where the two ends' pixels happen to
                # lie across their bands (3-4 px wide: 45 deg off at a 3 px gap, tuning
                # seed 7033); there the piece also continues the crack when it runs on
                # in the direction of the crack's end
                v = _end_direction(crack, q) if gap < LINK_TANGENT_PX else None
                if v is None or float(np.dot(u, -v)) < cos_max:
                    continue
            # the crack's end: its pixels near q lie behind q, away from the piece (at a
            # corner the crack may come from the piece's side: q only has to be an end)
            dq = np.hypot(crack[:, 0] - q[0], crack[:, 1] - q[1])
            c = crack[dq <= LINK_END_PX].mean(axis=0)
            back = q - c
            if float(np.hypot(*back)) < LINK_END_OFFSET_PX or (
                    not corner and float(np.dot(back, -g)) <= 0):
                continue
            if corner and not _at_end(crack[dq <= LINK_CORNER_LOOK * LINK_CORNER_END_PX], q, c, r2):
                continue
            # the piece lies farther out than the crack's end (a crack grows away from the rim)
            r_far = float(np.sqrt(max(r2_at(r2, xy) for xy in p[:: max(1, len(p) // 64)])))
            if r2_at(r2, near_p) <= r_in2:
                continue
            if corner:
                # after a corner the crack runs along a grain boundary, which may cross the
                # radius: the piece only has to reach beyond the crack's end (its near end
                # may lie a little nearer the electrode, within the short gap)
                r_q = np.sqrt(r2_at(r2, q))
                if r_far <= r_q:
                    continue
                r_min = float(np.sqrt(min(r2_at(r2, xy) for xy in p[:: max(1, len(p) // 64)])))
                if r_q - r_min > r_far - r_q + LINK_CORNER_BACK_PX:
                    continue  # it heads back along the crack
            elif (r2_at(r2, near_p) < r2_at(r2, q)
                  or r_far - np.sqrt(r2_at(r2, near_p)) < LINK_MIN_OUTWARD * ext[j]):
                continue
            if counter is not None:
                if ("rim", j) not in edge:
                    edge["rim", j] = _along_edge(p, counter[1])
                if edge["rim", j]:
                    continue
            if image is not None and not (on_lines is not None and on_lines[j]):
                if j not in edge:
                    edge[j] = _is_edge(image, p, sign)
                if edge[j]:
                    continue
            if best is None or gap < best[0]:
                best = (gap, j, q, near_p)
        if best is None:
            break
        _, j, q, near_p = best
        keep[j] = True
        bridges.append((tuple(int(round(v)) for v in q), tuple(int(round(v)) for v in near_p)))
    return keep, bridges


def r2_at(r2, xy):
    """Squared distance from the electrode centre at pixel ``xy`` (x, y) of an r2 grid."""
    return float(r2[min(max(int(round(xy[1])), 0), r2.shape[0] - 1),
                    min(max(int(round(xy[0])), 0), r2.shape[1] - 1)])
