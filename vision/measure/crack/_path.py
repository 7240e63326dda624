"""The path of a crack: longest skeleton path from the electrode, its length, width and tip.

Points are (x, y) = (column, row) in pixels.
"""
import logging

import cv2
import numpy as np

from ..._shared._stats import _span_above

#: A path needs this many points to be smoothed (the Gaussian needs some length).
MIN_SMOOTH_POINTS = 5
#: Line width: profiles across the path every WIDTH_STEP_PX, WIDTH_REACH_PX either side,
#: sampled every WIDTH_SAMPLE_PX; the tangent from WIDTH_TANGENT_PTS points either side;
#: the peak is looked for within WIDTH_PEAK_PTS samples of the path; the width is the
#: extent above half the peak (full width at half maximum).
WIDTH_STEP_PX = 2.0
WIDTH_REACH_PX = 8.0
WIDTH_SAMPLE_PX = 0.5
WIDTH_TANGENT_PTS = 2
WIDTH_PEAK_PTS = 2
HALF_MAXIMUM = 0.5
#: Hook at the path end: the tip is looked for over the last HOOK_WINDOW_PX points (~1 px
#: apart), along the direction from there to HOOK_LEAD_PX before the end (a fork arm of
#: the end blob is shorter than that).
HOOK_WINDOW_PX = 25
HOOK_LEAD_PX = 10
#: Tip re-tracing: steps (px) straight on, moved onto the strongest response within
#: RETRACE_REACH_PX across (sampled every RETRACE_SAMPLE_PX), direction over the last
#: RETRACE_LEAD_PX; it stops after RETRACE_PATIENCE_PX below half the line's level over
#: its last RETRACE_LEVEL_PX (a wiggly line dips at its bends).
RETRACE_STEP_PX = 0.5
RETRACE_REACH_PX = 1.0
RETRACE_LEAD_PX = 4.0
RETRACE_PATIENCE_PX = 2.0
RETRACE_LEVEL_PX = 10.0
RETRACE_SAMPLE_PX = 0.5
#: A path shorter than this many points has no end to re-trace.
MIN_RETRACE_POINTS = 3
#: At most this many times the backed-off length is followed again.
RETRACE_MAX_FACTOR = 2.0
#: At most this many side branches are followed off a crack's main path.
MAX_BRANCHES = 16

__all__ = []

logger = logging.getLogger(__name__)


def _longest_path(skel, seeds):
    """Geodesic longest path on an 8-connected skeleton from any seed pixel.

    Returns ordered (rows, cols) of the path from a seed to the far tip and
    its geodesic length in px, or None.
    """
    if not np.any(skel):
        return None
    graph, index, rr, cc = _graph(skel)
    seed_ids = index[seeds[0], seeds[1]]
    seed_ids = seed_ids[seed_ids >= 0]
    if seed_ids.size == 0:
        return None
    from scipy.sparse.csgraph import dijkstra  # scipy.sparse when a crack is traced

    dist, pred, _ = dijkstra(graph, directed=False, indices=seed_ids, min_only=True,
                             return_predecessors=True)
    dist[~np.isfinite(dist)] = -1
    tip = int(dist.argmax())
    if dist[tip] <= 0:
        return None
    order = [tip]
    while pred[order[-1]] >= 0:
        order.append(int(pred[order[-1]]))
    order = order[::-1]
    return rr[order], cc[order], float(dist[tip])


def _smooth_length(xy, smoothing_px):
    """Length of an ordered pixel chain after Gaussian smoothing along it."""
    if len(xy) < 2:
        return 0.0, xy
    if smoothing_px > 0 and len(xy) >= MIN_SMOOTH_POINTS:
        # resample to ~1 px arc-length steps first so sigma is in pixels
        seg = np.hypot(*np.diff(xy, axis=0).T)
        s = np.r_[0.0, np.cumsum(seg)]
        n = max(int(np.ceil(s[-1])) + 1, 2)
        t = np.linspace(0, s[-1], n)
        pts = np.column_stack([np.interp(t, s, xy[:, 0]), np.interp(t, s, xy[:, 1])])
        from scipy.ndimage import gaussian_filter1d  # scipy.ndimage when a crack is traced

        sm = np.column_stack([gaussian_filter1d(pts[:, k], smoothing_px, mode="nearest")
                              for k in (0, 1)])
        # keep the true end points (smoothing pulls the ends inward)
        sm[0], sm[-1] = pts[0], pts[-1]
        xy = sm
    return float(np.hypot(*np.diff(xy, axis=0).T).sum()), xy


def _line_width(diff, path, polarity, *, step_px=WIDTH_STEP_PX, reach_px=WIDTH_REACH_PX):
    """Median full width at half maximum (px) of the line across the path.

    Profiles of the difference image (dark lines positive) are sampled
    perpendicular to the path every ``step_px``; the width is the extent of
    the contiguous part around the path above half the profile's peak.
    """
    from scipy.ndimage import map_coordinates
    d = -diff if polarity == "dark" else diff
    n = len(path)
    idx = np.arange(WIDTH_TANGENT_PTS, n - WIDTH_TANGENT_PTS, max(int(step_px), 1))
    if idx.size == 0:
        return 0.0
    t = path[np.minimum(idx + WIDTH_TANGENT_PTS, n - 1)] - path[np.maximum(idx - WIDTH_TANGENT_PTS, 0)]
    t /= np.maximum(np.hypot(t[:, 0], t[:, 1]), 1e-9)[:, None]
    nrm = np.column_stack([-t[:, 1], t[:, 0]])
    offs = np.arange(-reach_px, reach_px + WIDTH_SAMPLE_PX / 2, WIDTH_SAMPLE_PX)
    xs = path[idx, 0][:, None] + offs[None, :] * nrm[:, 0][:, None]
    ys = path[idx, 1][:, None] + offs[None, :] * nrm[:, 1][:, None]
    prof = map_coordinates(d, [ys.ravel(), xs.ravel()], order=1, mode="nearest").reshape(xs.shape)
    prof = prof - np.median(prof[:, [0, 1, -2, -1]], axis=1, keepdims=True)
    c = len(offs) // 2
    widths = []
    for row in prof:
        k = c - WIDTH_PEAK_PTS + int(np.argmax(row[c - WIDTH_PEAK_PTS:c + WIDTH_PEAK_PTS + 1]))   # peak near the path
        half = HALF_MAXIMUM * row[k]
        if not half > 0:
            continue
        lo, hi = _span_above(row, k, half)
        widths.append((hi - lo + 1) * WIDTH_SAMPLE_PX)
    return float(np.median(widths)) if widths else 0.0


def _cut_hook(path, *, window_px=HOOK_WINDOW_PX, lead_px=HOOK_LEAD_PX):
    """Cut a hook at the end of the path (it runs past the tip and turns back).

    The skeleton of the blob at a line end often forks; the longest path
    may follow a fork arm that bends back. The tip is the path point that
    reaches furthest along the direction of the path just before its end
    (points ``window_px`` to ``lead_px`` from the end, ~1 px apart).
    """
    n = len(path)
    if n < window_px + 2:
        return path
    a = path[n - window_px]
    b = path[n - lead_px]
    v = b - a
    nv = float(np.hypot(*v))
    if nv == 0:
        return path
    proj = (path[n - window_px:] - a) @ (v / nv)
    j = int(np.argmax(proj)) + n - window_px
    return path[:j + 1]


def _retrace_tip(path, resp, retrace_px, *, step_px=RETRACE_STEP_PX, reach_px=RETRACE_REACH_PX,
                 lead_px=RETRACE_LEAD_PX, patience_px=RETRACE_PATIENCE_PX,
                 level_px=RETRACE_LEVEL_PX):
    """Re-find the end of the line: back off ``retrace_px``, then follow the ridge.

    The skeleton of a thresholded line forks or bends at the line's end (a
    blob's skeleton) and stops about a half-width short of it or runs on
    into the filter's overshoot. Here the last ``retrace_px`` of the path are
    dropped and the ridge is followed again from there, in steps of
    ``step_px`` straight on (direction of the last ``lead_px``), each step
    moved onto the strongest response within ``reach_px`` across, until the
    response stays below half its median over the last ``level_px`` of the
    kept path for ``patience_px``
    (it dips at bends of a wiggly line): a filter response falls to half at
    the end of a line (the kernel covers half line, half background),
    whatever the noise level. The end is interpolated between the last step
    above half and the next; at most ``2 * retrace_px`` are followed.
    """
    from scipy.ndimage import map_coordinates
    if len(path) < MIN_RETRACE_POINTS:
        return path
    seg = np.hypot(*np.diff(path, axis=0).T)
    total = float(seg.sum())
    if total <= RETRACE_MAX_FACTOR * retrace_px:
        return path
    s = np.r_[0.0, np.cumsum(seg)]
    keep = int(np.searchsorted(s, total - retrace_px, side="right"))
    offs = np.arange(-reach_px, reach_px + 1e-9, RETRACE_SAMPLE_PX)
    # the line's own level near its end (contrast varies along a crack), sampled
    # like the steps below: strongest response within reach_px across the path
    near = np.flatnonzero(s[:keep] >= s[keep - 1] - level_px)
    t = np.gradient(path, axis=0)[near]
    t /= np.maximum(np.hypot(t[:, 0], t[:, 1]), 1e-9)[:, None]
    q = path[near][:, None, :] + offs[None, :, None] * np.column_stack([-t[:, 1], t[:, 0]])[:, None, :]
    level = map_coordinates(resp, [q[..., 1].ravel(), q[..., 0].ravel()], order=1,
                            mode="nearest").reshape(q.shape[:2]).max(axis=1)
    half = HALF_MAXIMUM * float(np.median(level))
    if not half > 0:
        return path
    pts = [p for p in path[:keep]]
    n_steps = int(np.ceil(RETRACE_MAX_FACTOR * retrace_px / step_px))
    n_patience = max(int(round(patience_px / step_px)), 1)
    vals_along = []
    for _ in range(n_steps + n_patience):
        # direction: from the point lead_px back to the current end
        cur = pts[-1]
        j = len(pts) - 1
        acc = 0.0
        while j > 0 and acc < lead_px:
            acc += float(np.hypot(*(pts[j] - pts[j - 1])))
            j -= 1
        u = cur - pts[j]
        nu = float(np.hypot(*u))
        if nu == 0:
            break
        u = u / nu
        nrm = np.array([-u[1], u[0]])
        cand = cur + step_px * u + offs[:, None] * nrm
        vals = map_coordinates(resp, [cand[:, 1], cand[:, 0]], order=1, mode="nearest")
        k = int(np.argmax(vals))
        pts.append(cand[k])
        vals_along.append(float(vals[k]))
        if len(vals_along) >= n_patience and max(vals_along[-n_patience:]) < half:
            break
    v = np.asarray(vals_along)
    if v.size == 0:
        return np.asarray(pts)
    # the end: the last step above half before the final run below it
    above = np.flatnonzero(v >= half)
    n0 = keep                     # index in pts of the first followed step
    if above.size == 0:
        return np.asarray(pts[:n0])
    j = int(above[-1])
    if j + 1 >= v.size:
        return np.asarray(pts[:n0 + j + 1])
    f = (v[j] - half) / max(v[j] - v[j + 1], 1e-12)
    end = pts[n0 + j] + np.clip(f, 0.0, 1.0) * (pts[n0 + j + 1] - pts[n0 + j])
    return np.asarray(pts[:n0 + j + 1] + [end])


def _graph(skel):
    """8-connected skeleton as a sparse graph (diagonal steps sqrt(2)); (graph, index, rows, cols)."""
    rr, cc = np.nonzero(skel)
    n = rr.size
    index = -np.ones(skel.shape, np.int64)
    index[rr, cc] = np.arange(n)
    src, dst, wts = [], [], []
    h, w = skel.shape
    for dr, dc, wt in ((0, 1, 1.0), (1, 0, 1.0), (1, 1, np.sqrt(2)), (1, -1, np.sqrt(2))):
        r2, c2 = rr + dr, cc + dc
        ok = (r2 >= 0) & (r2 < h) & (c2 >= 0) & (c2 < w)
        j = np.full(n, -1, np.int64)
        j[ok] = index[r2[ok], c2[ok]]
        ok = j >= 0
        src.append(np.arange(n)[ok])
        dst.append(j[ok])
        wts.append(np.full(ok.sum(), wt))
    src, dst, wts = np.concatenate(src), np.concatenate(dst), np.concatenate(wts)
    from scipy.sparse import coo_matrix  # scipy.sparse when a crack is traced

    graph = coo_matrix((np.r_[wts, wts], (np.r_[src, dst], np.r_[dst, src])), shape=(n, n)).tocsr()
    return graph, index, rr, cc


def _side_branches(skel, path_rc, *, min_branch_px, smoothing_px, max_branches=MAX_BRANCHES):
    """Side branches of a crack skeleton off its main path, longest first.

    Greedy: the connected skeleton pixel farthest (in the plane) from the tree
    so far (the main path, then the branches taken) ends a branch if it is at
    least ``min_branch_px`` away; its geodesic path back to the tree is the
    branch. Nearer ends are the skeleton's spurs at the line's ragged edges or
    a parallel track along an open crack's other lip, not branches. Returns a
    list of (N, 2) (x, y) branch paths from the tree outward, smoothed as the
    main path.
    """
    graph, index, rr, cc = _graph(skel)
    tree = index[path_rc[0], path_rc[1]]
    tree = tree[tree >= 0]
    if tree.size == 0:
        return []
    out = []
    in_tree = np.zeros(rr.size, bool)
    in_tree[tree] = True
    for _ in range(max_branches):
        from scipy.sparse.csgraph import dijkstra  # scipy.sparse when a crack is traced

        dist, pred, _ = dijkstra(graph, directed=False, indices=np.flatnonzero(in_tree),
                                  min_only=True, return_predecessors=True)
        # a branch leaves the tree: its end lies min_branch_px from it in the plane (a
        # parallel track along the line's other lip, however long, stays within the
        # line's width)
        free = np.ones(skel.shape, np.uint8)
        free[rr[in_tree], cc[in_tree]] = 0
        away = cv2.distanceTransform(free, cv2.DIST_L2, 5)[rr, cc]
        away[~np.isfinite(dist)] = -1
        far = int(away.argmax())
        if away[far] < min_branch_px:
            break
        order = [far]
        while pred[order[-1]] >= 0:
            order.append(int(pred[order[-1]]))
        order = order[::-1]           # from the tree outward
        in_tree[order] = True
        xy = np.column_stack([cc[order], rr[order]]).astype(float)
        _, sm = _smooth_length(xy, smoothing_px)
        out.append(sm)
    return out

