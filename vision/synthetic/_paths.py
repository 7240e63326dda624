"""Grain seeds and the styled crack paths (straight, intergranular, branched) of randomized scenes.

Used only when a scene carries :class:`~vision.synthetic._extras.Extras`; the
presets' wiggly crack stays in :func:`vision.synthetic._scene.crack_segments`.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from ._motion import drift_max_px
from ._segments import Segments

__all__ = ["grain_seeds", "styled_crack_segments"]


def grain_margin_px(scene):
    """How far beyond the frame the grain seeds reach, px (covers drift and beam shifts)."""
    jumps = sum(abs(dx) + abs(dy) for _, dx, dy in scene.extras.drift_jumps)
    return drift_max_px(scene) + jumps + 32.0


def grain_seeds(scene):
    """Grain centres of a polycrystalline scene, (n, 2) px (x, y) in frame coordinates.

    Poisson points with mean spacing ``extras.grain_size_px``, covering the
    frame plus :func:`grain_margin_px`; the background's grains and the
    intergranular crack use the same seeds.
    """
    rows, cols = scene.shape
    m = grain_margin_px(scene)
    d = max(scene.extras.grain_size_px, 3.0)
    n = max(8, int((rows + 2 * m) * (cols + 2 * m) / d ** 2))
    rng = np.random.default_rng([scene.seed, 404])
    return np.column_stack([rng.uniform(-m, cols + m, n), rng.uniform(-m, rows + m, n)])


def _segments(pts, t_start, speed, width):
    """Timed segments along the polyline ``pts`` from ``t_start`` at ``speed`` px/s."""
    p = np.asarray(pts, float)
    seg = np.hypot(*(p[1:] - p[:-1]).T)
    keep = seg > 1e-9
    p0, p1, seg = p[:-1][keep], p[1:][keep], seg[keep]
    t1 = t_start + np.cumsum(seg) / speed
    t0 = t1 - seg / speed
    return [p0[:, 0], p0[:, 1], p1[:, 0], p1[:, 1], t0, t1, np.full(len(seg), width)]


def _clip_at(pts, ce):
    """Cut the polyline where it first reaches x = ce."""
    out = [pts[0]]
    for a, b in itertools.pairwise(pts):
        if b[0] >= ce > a[0]:
            f = (ce - a[0]) / (b[0] - a[0])
            out.append((ce, a[1] + f * (b[1] - a[1])))
            return out
        out.append(b)
    return out


def _intergranular_path(scene, start, rng, top, bottom):
    from scipy.spatial import Voronoi
    seeds = grain_seeds(scene)
    vor = Voronoi(seeds)
    verts = vor.vertices
    adj = {}
    for a, b in vor.ridge_vertices:
        if a < 0 or b < 0:
            continue
        adj.setdefault(a, []).append(b)
        adj.setdefault(b, []).append(a)
    ex, ey = scene.electrode_xy_px
    r = scene.electrode_radius_px
    ce = scene.counter_electrode_x_px
    outside = np.hypot(verts[:, 0] - ex, verts[:, 1] - ey) > r + 1.0
    cand = np.flatnonzero(outside & (verts[:, 0] > start[0] - 2 * scene.extras.grain_size_px))
    d = np.hypot(verts[cand, 0] - start[0], verts[cand, 1] - start[1])
    cur = int(cand[np.argmin(d)])
    pts, seen = [tuple(start), tuple(verts[cur])], {cur}
    while pts[-1][0] < ce and len(pts) < 5000:
        nbrs = [b for b in adj.get(cur, ()) if b not in seen and outside[b]
                and top <= verts[b, 1] <= bottom]
        if not nbrs:
            break
        gain = np.array([verts[b, 0] - verts[cur, 0] for b in nbrs])
        step = np.array([np.hypot(*(verts[b] - verts[cur])) for b in nbrs])
        score = gain / np.maximum(step, 1e-9) + rng.normal(0, 0.35, len(nbrs))
        cur = nbrs[int(np.argmax(score))]
        seen.add(cur)
        pts.append(tuple(verts[cur]))
    if pts[-1][0] < ce:  # dead end: straight on to the counter electrode
        pts.append((ce + 1.0, pts[-1][1]))
    return _clip_at(pts, ce)


def styled_crack_segments(scene):
    """The crack of a scene with ``extras.crack_style`` other than ``'wiggly'`` as Segments."""
    cr, ex = scene.crack, scene.extras
    rng = np.random.default_rng([scene.seed, 203])
    cx, cy = scene.electrode_xy_px
    r = scene.electrode_radius_px
    ce = scene.counter_electrode_x_px
    top, bottom = 6.0, scene.shape[0] - scene.data_bar_rows - 6.0
    a = rng.uniform(-0.35, 0.35)
    start = (cx + r * math.cos(a), cy + r * math.sin(a))
    if ex.crack_style == "intergranular":
        pts = _intergranular_path(scene, start, rng, top, bottom)
    else:  # straight (transgranular) or branched: a straight-ish main path
        h = rng.uniform(-0.3, 0.3)
        n = max(2, math.ceil((ce - start[0]) / max(math.cos(h), 0.3) / 3.0) + 2)
        pts = [start]
        for _ in range(n):
            x, y = pts[-1]
            hh = h + (rng.normal(0, 0.08) if ex.crack_style == "branched" else 0.0)
            pts.append((x + 3.0 * math.cos(hh), float(np.clip(y + 3.0 * math.sin(hh), top, bottom))))
        pts = _clip_at(pts, ce)
    main = _segments(pts, cr.onset_s, cr.speed_px_s, cr.width_px)
    cols = [list(c) for c in main]
    branch = [False] * len(main[0])
    if ex.crack_style == "branched" and len(main[0]) > 4:
        n_br = int(rng.integers(2, 5))
        for j in rng.choice(np.arange(2, len(main[0]) - 1), size=min(n_br, len(main[0]) - 3),
                            replace=False):
            x, y, t = main[0][j], main[1][j], main[4][j]
            h = math.atan2(main[3][j] - y, main[2][j] - x) + rng.choice((-1, 1)) * rng.uniform(0.5, 1.1)
            length = rng.uniform(10, 40)
            bp = [(x, y)]
            for _ in range(int(length / 3.0)):
                h += rng.normal(0, 0.15)
                px, py = bp[-1]
                ny = py + 3.0 * math.sin(h)
                if not top <= ny <= bottom:
                    break
                bp.append((px + 3.0 * math.cos(h), ny))
            bp = _clip_at(bp, ce) if bp[-1][0] >= ce else bp
            if len(bp) < 2:
                continue
            seg = _segments(bp, t, 0.7 * cr.speed_px_s, max(1.0, 0.7 * cr.width_px))
            for c, v in zip(cols, seg):
                c.extend(v)
            branch.extend([True] * len(seg[0]))
    arr = [np.asarray(c, float) for c in cols]
    return Segments(*arr, branch=np.asarray(branch, bool))
