"""Render the frames of a :class:`~vision.synthetic.Scene` with their truth rows.

Each SEM scan is rendered once (electrode and whiskers with analytic
box-filtered pixel coverage, branches and the crack at ``scene.supersample`` x
resolution area-averaged down, so edges sit at sub-pixel positions), shifted by the
drift with a sub-pixel cubic warp, degraded by flicker, scan lines and noise,
and reused for the duplicated frames of the screen recorder.
"""
from __future__ import annotations

import dataclasses
import itertools
import logging
import math

import cv2
import numpy as np

from . import _artefacts as art
from ._potentiostat import trace_table
from ._scene import (
    electrode_radius,
    li_volume_um3,
    pore_radii,
    pores,
    timeline,
    whisker_base,
    whisker_length,
    whisker_path,
    whisker_shape,
)

logger = logging.getLogger(__name__)

__all__ = ["render_frames", "FRAME_COLUMNS", "WHISKER_COLUMNS"]

#: Columns of the per-frame truth table, in order.
FRAME_COLUMNS = (
    "frame", "time_s", "content_time_s", "scan_index", "is_duplicate", "partial_refresh",
    "tear_row", "drift_x_px", "drift_y_px", "electrode_x_px", "electrode_y_px",
    "electrode_radius_px", "li_area_px", "li_volume_um3", "front_distance_px", "front_x_px",
    "front_touching", "crack_length_px", "crack_tip_x_px", "crack_tip_y_px", "voltage_V",
    "current_A",
)

#: Columns of the per-whisker truth table, in order.
WHISKER_COLUMNS = (
    "frame", "time_s", "content_time_s", "whisker_id", "base_x_px", "base_y_px", "tip_x_px",
    "tip_y_px", "length_px", "width_px", "angle_deg",
)

#: Columns added to the per-whisker truth of scenes with ``extras`` (randomized scenes);
#: see :mod:`vision.synthetic._output` for their meaning.
WHISKER_EXTRA_COLUMNS = ("length_3d_px", "inclination_deg", "censored", "tip_outside", "tip_in_data_bar")

#: Columns added to the per-frame truth of scenes with ``extras``.
FRAME_EXTRA_COLUMNS = ("crack_main_length_px", "crack_filled_length_px", "gain", "offset", "beam_shift_x_px",
                       "beam_shift_y_px")

# Grey levels (0..1) of the clean image.
_LI_LEVEL = 0.20
_EDGE_GAIN = 0.45
_NEEDLE_LEVEL = 0.80
_EDGE_SIGMA = 1.0
_SHIFT = 4  # fractional bits of cv2 drawing coordinates


@dataclasses.dataclass
class _Statics:
    """What does not change between scans (computed once per render)."""

    pad: int
    background: np.ndarray      # padded float32
    li_texture: np.ndarray      # padded float32
    ce_cov: np.ndarray          # padded float32 coverage of the counter electrode
    needle_cov: np.ndarray      # padded float32
    needle_level: np.ndarray    # padded float32
    bar: np.ndarray | None      # uint8 data bar or None


def _filtered_noise(rng, shape, sigma):
    z = rng.standard_normal(shape).astype(np.float32)
    z = cv2.GaussianBlur(z, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    return z / (z.std() + 1e-12)


def _background(scene, shape):
    """Ceramic texture of the padded canvas, float32 0..1 (seeded)."""
    rng = np.random.default_rng([scene.seed, 1])
    img = (0.015 * _filtered_noise(rng, shape, 1.0) + 0.03 * _filtered_noise(rng, shape, 4.0)
           + 0.045 * _filtered_noise(rng, shape, 18.0) + 0.05 * _filtered_noise(rng, shape, 60.0))
    img += 0.55
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float32)
    if scene.substrate == "polycrystalline":
        from scipy.spatial import cKDTree
        n = max(8, int(shape[0] * shape[1] / 45.0 ** 2))
        seeds = rng.uniform((0, 0), shape, (n, 2))
        dist, idx = cKDTree(seeds).query(np.column_stack([yy.ravel(), xx.ravel()]), k=2)
        level = rng.normal(0.0, 0.05, n).astype(np.float32)
        img += level[idx[:, 0]].reshape(shape)
        gap = ((dist[:, 1] - dist[:, 0]) / 2.0).reshape(shape).astype(np.float32)
        img -= 0.12 * np.exp(-(gap / 0.8) ** 2)
    else:
        # a few faint hackle ridges of a conchoidal single-crystal fracture surface
        for _ in range(5):
            a = rng.uniform(0, math.pi)
            c = rng.uniform(0, shape[1])
            d = (xx - c) * math.cos(a) + (yy - shape[0] / 2) * math.sin(a)
            d += 6.0 * np.sin(yy / rng.uniform(20, 60) + rng.uniform(0, 6))
            img += 0.05 * np.exp(-(d / 1.5) ** 2)
    return img.astype(np.float32)


class _Canvas:
    """Supersampled binary drawing canvas for the padded frame."""

    def __init__(self, shape, pad, s):
        self.s = s
        self.pad = pad
        self.shape = shape
        self.img = np.zeros((shape[0] * s, shape[1] * s), np.uint8)

    def _pts(self, xy):
        """Frame px (no drift) -> fixed-point canvas coordinates."""
        xy = np.asarray(xy, dtype=float)
        u = ((xy + self.pad + 0.5) * self.s - 0.5) * (1 << _SHIFT)
        return np.round(u).astype(np.int32)

    def disc(self, cx, cy, r):
        c = self._pts([cx, cy])
        cv2.circle(self.img, (int(c[0]), int(c[1])), int(round(r * self.s * (1 << _SHIFT))), 255,
                   -1, cv2.LINE_8, _SHIFT)

    def polygon(self, xy):
        cv2.fillPoly(self.img, [self._pts(xy).reshape(-1, 1, 2)], 255, cv2.LINE_8, _SHIFT)

    def lines(self, x0, y0, x1, y1, width):
        """Round-capped thick segments (lateral branches, crack)."""
        p0 = self._pts(np.column_stack([x0, y0]))
        p1 = self._pts(np.column_stack([x1, y1]))
        thick = np.maximum(1, np.round(np.asarray(width) * self.s)).astype(int)
        for a, b, th in zip(p0, p1, thick):
            cv2.line(self.img, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), 255, int(th),
                     cv2.LINE_8, _SHIFT)

    def coverage(self):
        h, w = self.shape
        return cv2.resize(self.img, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0


def _statics(scene, pad):
    rows, cols = scene.shape
    shape = (rows + 2 * pad, cols + 2 * pad)
    ext = scene.extras
    if ext is None:
        bg = _background(scene, shape)
        rng = np.random.default_rng([scene.seed, 2])
        li_tex = (_LI_LEVEL + 0.025 * _filtered_noise(rng, shape, 2.0)).astype(np.float32)
    else:
        from ._look import background, li_texture
        bg = background(scene, shape, pad)
        li_tex = li_texture(scene, shape)
    # counter electrode: a band from its x to beyond the right edge
    ce = _Canvas(shape, pad, scene.supersample)
    ce.polygon([[scene.counter_electrode_x_px, -pad], [cols + pad, -pad], [cols + pad, rows + pad],
                [scene.counter_electrode_x_px, rows + pad]])
    # tungsten needle: tapered, from beyond the image edge to near the electrode centre
    ex, ey = scene.electrode_xy_px
    a = math.radians(scene.needle_angle_deg)
    d = np.array([math.cos(a), math.sin(a)])
    nrm = np.array([-d[1], d[0]])
    tip = np.array([ex, ey]) + d * 0.35 * scene.electrode_radius_px
    far = tip + d * (rows + cols + 2 * pad)
    w_tip, slope = 0.12 * scene.electrode_radius_px, 0.10
    w_far = w_tip + slope * (rows + cols + 2 * pad)
    nd = _Canvas(shape, pad, scene.supersample)
    nd.polygon([tip + nrm * w_tip, far + nrm * w_far, far - nrm * w_far, tip - nrm * w_tip])
    cap = tip
    nd.disc(cap[0], cap[1], w_tip)
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float32)
    xx -= pad
    yy -= pad
    along = (xx - tip[0]) * d[0] + (yy - tip[1]) * d[1]
    across = (xx - tip[0]) * nrm[0] + (yy - tip[1]) * nrm[1]
    half = w_tip + slope * np.clip(along, 0, None)
    u = np.clip(np.abs(across) / half, 0, 1)
    level = (_NEEDLE_LEVEL - 0.12 + 0.2 * np.sqrt(1 - u ** 2) + 0.1 * u ** 8).astype(np.float32)
    bar = art.data_bar_image(scene) if scene.artefacts.data_bar else None
    return _Statics(pad, bg, li_tex, ce.coverage(), nd.coverage(), level, bar)


def _geometry(scene, tl, t):
    """Exact geometry at content time ``t`` (no drift): dict used for drawing and truth."""
    t_geo = min(t, tl.touchdown_s)
    ex, ey = scene.electrode_xy_px
    g = {"electrode": (ex, ey, electrode_radius(scene, t)), "whiskers": [],
         "pores": [(x, y, rho) for (x, y, _, _), rho in zip(pores(scene), pore_radii(scene, t))
                   if rho > 0]}
    ext = scene.extras
    g["paths"] = {}
    for k, w in enumerate(scene.whiskers):
        length = whisker_length(scene, w, t_geo)
        if length <= 0:
            continue
        if ext is not None:
            pts, proj = whisker_path(scene, k, length)
            g["paths"][k] = (pts, length)
            g["whiskers"].append((k, pts[0, 0], pts[0, 1], pts[-1, 0], pts[-1, 1], proj,
                                  w.width_px, w.angle_deg))
            continue
        bx, by = whisker_base(scene, w)
        a = math.radians(w.angle_deg)
        g["whiskers"].append((k, bx, by, bx + length * math.cos(a), by + length * math.sin(a),
                              length, w.width_px, w.angle_deg))
    g["lateral"] = tl.lateral.visible(t_geo) if len(tl.lateral.x0) else None
    g["crack"] = tl.crack.visible(t_geo) if len(tl.crack.x0) else None
    g["crack_filled"] = g["crack"]
    if ext is not None and ext.crack_fill_delay_s > 0 and len(tl.crack.x0):
        g["crack_filled"] = tl.crack.visible(t_geo - ext.crack_fill_delay_s)
    g["volume_um3"] = li_volume_um3(scene, tl, t)
    return g


def _sat(v):
    return np.clip(v, 0.0, 1.0)


def _disc_coverage(cov, pad, cx, cy, r):
    """Max-in the box-filtered coverage of a disc (exact for straight edges)."""
    h, w = cov.shape
    x0, x1 = max(0, int(cx + pad - r - 2)), min(w, int(cx + pad + r + 3))
    y0, y1 = max(0, int(cy + pad - r - 2)), min(h, int(cy + pad + r + 3))
    if x0 >= x1 or y0 >= y1:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    d = np.hypot(xx - pad - cx, yy - pad - cy)
    np.maximum(cov[y0:y1, x0:x1], _sat(r + 0.5 - d), out=cov[y0:y1, x0:x1])


def _rod_coverage(cov, pad, x0, y0, x1, y1, width):
    """Max-in the coverage of a flat-ended rod: a pixel's box-filtered coverage across
    and along the axis (exact for axis-aligned edges, so the tip sits at the sub-pixel
    truth and the integrated length equals the true length)."""
    h, w = cov.shape
    length = math.hypot(x1 - x0, y1 - y0)
    if length <= 0:
        return
    dx, dy = (x1 - x0) / length, (y1 - y0) / length
    m = width / 2 + 2
    bx0 = max(0, int(min(x0, x1) + pad - m)); bx1 = min(w, int(max(x0, x1) + pad + m + 1))
    by0 = max(0, int(min(y0, y1) + pad - m)); by1 = min(h, int(max(y0, y1) + pad + m + 1))
    if bx0 >= bx1 or by0 >= by1:
        return
    yy, xx = np.mgrid[by0:by1, bx0:bx1].astype(np.float64)
    px, py = xx - pad - x0, yy - pad - y0
    along = px * dx + py * dy
    across = np.abs(-px * dy + py * dx)
    c = _sat(width / 2 + 0.5 - across) * _sat(np.minimum(along, length - along) + 0.5)
    np.maximum(cov[by0:by1, bx0:bx1], c.astype(np.float32), out=cov[by0:by1, bx0:bx1])


def _draw(scene, statics, geo):
    """Clean padded image (float32 0..1) and Li area (px) of one geometry.

    The electrode disc and the whiskers get analytic box-filtered coverage;
    the branched lateral front and the crack are drawn at ``supersample`` x
    and area-averaged down.
    """
    shape = statics.background.shape
    pad = statics.pad
    ex, ey, r = geo["electrode"]
    cov = np.zeros(shape, np.float32)
    _disc_coverage(cov, pad, ex, ey, r)
    if geo["pores"]:
        holes = np.zeros(shape, np.float32)
        for x, y, rho in geo["pores"]:
            _disc_coverage(holes, pad, x, y, rho)
        cov = np.clip(cov - holes, 0.0, 1.0)
    for k, bx, by, tx, ty, _, width, ang in geo["whiskers"]:
        a = math.radians(ang)
        if k in geo.get("paths", {}) and len(geo["paths"][k][0]) > 2:
            _path_coverage(cov, pad, geo["paths"][k][0], width, a)
            continue
        # start inside the electrode so the rod joins the disc without a gap
        _rod_coverage(cov, pad, bx - width * math.cos(a), by - width * math.sin(a), tx, ty, width)
    ext = scene.extras
    if ext is not None:
        return _draw_extras(scene, statics, geo, cov)
    lines = [geo[k] for k in ("lateral", "crack") if geo[k] is not None and len(geo[k][0])]
    if lines:
        cv = _Canvas(shape, pad, scene.supersample)
        for x0, y0, x1, y1, width, _ in lines:
            cv.lines(x0, y0, x1, y1, width)
        np.maximum(cov, cv.coverage(), out=cov)
    area = float(np.sum(cov, dtype=np.float64))
    cov = np.maximum(cov, statics.ce_cov)
    img = statics.background * (1 - cov) + statics.li_texture * cov
    blur = cv2.GaussianBlur(cov, (0, 0), _EDGE_SIGMA)
    gx = cv2.Sobel(blur, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(blur, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    img += np.float32(_EDGE_GAIN * _EDGE_SIGMA * math.sqrt(2 * math.pi)) * np.sqrt(gx * gx + gy * gy)
    img = img * (1 - statics.needle_cov) + statics.needle_level * statics.needle_cov
    img = cv2.GaussianBlur(img, (0, 0), 0.6)
    return img, area


def _path_coverage(cov, pad, pts, width, a0):
    """Max-in the coverage of a rod along a polyline (curved or kinked whisker)."""
    x0, y0 = pts[0]
    pts = np.vstack([[x0 - width * math.cos(a0), y0 - width * math.sin(a0)], pts])
    for (xa, ya), (xb, yb) in itertools.pairwise(pts):
        _rod_coverage(cov, pad, xa, ya, xb, yb, width)
    # Round joints close the wedges of the kinks. A joint closer to the tip than its own
    # radius is left out: its disc would reach past the flat tip (by up to width/2 - 0.5 px,
    # varying with the last chord) and draw the whisker longer than its truth length.
    r = width / 2 - 0.5
    xt, yt = pts[-1]
    for xj, yj in pts[1:-1]:
        if math.hypot(xt - xj, yt - yj) >= r:
            _disc_coverage(cov, pad, xj, yj, r)


def _draw_extras(scene, statics, geo, cov):
    """:func:`_draw` for scenes with ``extras``: levels, rims, open cracks from the options."""
    ext = scene.extras
    shape = statics.background.shape
    pad = statics.pad
    lat = geo["lateral"]
    if lat is not None and len(lat[0]):
        cv = _Canvas(shape, pad, scene.supersample)
        cv.lines(*lat[:5])
        np.maximum(cov, cv.coverage(), out=cov)
    open_cov = None
    crk, filled = geo["crack"], geo["crack_filled"]
    if filled is not None and len(filled[0]):
        cv = _Canvas(shape, pad, scene.supersample)
        cv.lines(*filled[:5])
        np.maximum(cov, cv.coverage(), out=cov)
    if crk is not None and len(crk[0]) and ext.crack_fill_delay_s > 0:
        cv = _Canvas(shape, pad, scene.supersample)
        cv.lines(*crk[:4], np.full(len(crk[0]), ext.crack_open_width_px))
        open_cov = np.clip(cv.coverage() - cov, 0.0, 1.0)
    area = float(np.sum(cov, dtype=np.float64))
    cov = np.maximum(cov, statics.ce_cov)
    img = statics.background * (1 - cov) + statics.li_texture * cov
    rim_src = cov
    if open_cov is not None:
        img = img * (1 - open_cov) + np.float32(0.35 * ext.ceramic_level) * open_cov
        rim_src = np.maximum(cov, open_cov)
    if ext.edge_gain > 0:
        sig = ext.edge_sigma_px
        blur = cv2.GaussianBlur(rim_src, (0, 0), sig)
        gx = cv2.Sobel(blur, cv2.CV_32F, 1, 0, ksize=3) / 8.0
        gy = cv2.Sobel(blur, cv2.CV_32F, 0, 1, ksize=3) / 8.0
        img += np.float32(ext.edge_gain * sig * math.sqrt(2 * math.pi)) * np.sqrt(gx * gx + gy * gy)
    img = img * (1 - statics.needle_cov) + statics.needle_level * statics.needle_cov
    img = cv2.GaussianBlur(img, (0, 0), 0.6)
    return img, area


def _shift(img, pad, dx, dy, shape):
    """Crop the padded image to the frame, shifted by the drift (dx, dy) px (sub-pixel)."""
    m = np.array([[1, 0, pad - dx], [0, 1, pad - dy]], np.float64)
    return cv2.warpAffine(img, m, (shape[1], shape[0]), flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REFLECT)


def _frame_schedule(scene):
    """Per output frame: (time_s, scan_index)."""
    n = scene.n_frames
    times = np.arange(n) / scene.fps
    scans = np.floor(times / scene.scan_period_s + 1e-9).astype(int)
    return times, scans


def prepare(scene):
    """Everything shared by :func:`render_frames` and the writers: timeline, trace, schedule."""
    tl = timeline(scene)
    trace = trace_table(scene, tl)
    times, scans = _frame_schedule(scene)
    n_scans = int(scans[-1]) + 1 if len(scans) else 0
    content = np.arange(n_scans) * scene.scan_period_s
    drifts = np.array([art.drift(scene, c) for c in content]).reshape(-1, 2)
    pad = int(math.ceil(np.abs(drifts).max(initial=0.0))) + 8
    return tl, trace, times, scans, content, drifts, pad


def render_frames(scene, *, whiskers=False, _prepared=None):
    """Yield the frames of ``scene`` with their truth, without writing anything.

    Parameters
    ----------
    scene : Scene
    whiskers : bool
        Also yield the per-whisker truth rows of each frame.

    Yields
    ------
    image : (rows, cols) uint8 ndarray
        The frame as the screen recorder saw it.
    row : dict
        The truth row (keys :data:`FRAME_COLUMNS`; positions as seen in the
        frame, i.e. with drift; lengths drift-invariant; for duplicated and
        torn frames the geometry is that of ``content_time_s``).
    whisker_rows : list of dict
        Only when ``whiskers=True``: one dict per existing whisker (keys
        :data:`WHISKER_COLUMNS`).
    """
    tl, trace, times, scans, content, drifts, pad = _prepared or prepare(scene)
    statics = _statics(scene, pad)
    tears = art.tear_schedule(scene, len(content))
    bar_rows = scene.data_bar_rows
    t_trace = trace["time_s"].to_numpy() - scene.sync_offset_s
    if scene.trace_model is not None:
        t_trace = (trace["time_s"].to_numpy() / (1.0 + 1e-6 * scene.trace_model.clock_drift_ppm)
                   - scene.sync_offset_s)
    volt = trace["voltage_V"].to_numpy()
    curr = trace["current_A"].to_numpy()
    cache = {}  # scan index -> (image, geometry, area)

    def scan_image(k):
        if k not in cache:
            geo = _geometry(scene, tl, float(content[k]))
            clean, area = _draw(scene, statics, geo)
            dx, dy = drifts[k]
            img = art.degrade(scene, _shift(clean, pad, dx, dy, scene.shape), k)
            if statics.bar is not None:
                img[-bar_rows:] = statics.bar
            for old in [j for j in cache if j < k - 1]:
                del cache[old]
            cache[k] = (img, geo, area)
        return cache[k]

    prev_scan = -1
    prev_torn = False
    for i, (t, k) in enumerate(zip(times, scans)):
        img, geo, area = scan_image(k)
        torn = k != prev_scan and tears[k] >= 0
        if torn:
            tear = int(tears[k])
            out = img.copy()
            out[tear:] = scan_image(k - 1)[0][tear:]
        else:
            out = img
        row = _truth_row(scene, tl, i, float(t), k, float(content[k]), drifts[k], geo, area,
                         is_duplicate=(k == prev_scan and not torn and not prev_torn),
                         tear_row=int(tears[k]) if torn else -1,
                         voltage=float(np.interp(t, t_trace, volt)),
                         current=float(np.interp(t, t_trace, curr)))
        prev_scan, prev_torn = k, torn
        if scene.extras is not None:
            _extra_frame_fields(scene, tl, row, geo, k)
        if whiskers:
            wrows = _whisker_rows(i, float(t), float(content[k]), drifts[k], geo)
            if scene.extras is not None:
                _extra_whisker_fields(scene, wrows, geo)
            yield out, row, wrows
        else:
            yield out, row


def _truth_row(scene, tl, i, t, k, c, drift, geo, area, *, is_duplicate, tear_row, voltage,
               current):
    dx, dy = (float(v) for v in drift)
    ex, ey, r = geo["electrode"]
    row = {
        "frame": i, "time_s": t, "content_time_s": c, "scan_index": int(k),
        "is_duplicate": bool(is_duplicate), "partial_refresh": tear_row >= 0, "tear_row": tear_row,
        "drift_x_px": dx, "drift_y_px": dy, "electrode_x_px": ex + dx, "electrode_y_px": ey + dy,
        "electrode_radius_px": r, "li_area_px": area, "li_volume_um3": geo["volume_um3"],
        "front_distance_px": 0.0, "front_x_px": math.nan, "front_touching": False,
        "crack_length_px": math.nan, "crack_tip_x_px": math.nan, "crack_tip_y_px": math.nan,
        "voltage_V": voltage, "current_A": current,
    }
    lat = geo["lateral"]
    if lat is not None and len(lat[0]):
        x0, y0, x1, y1, _, _ = lat
        xs, ys = np.concatenate([x0, x1]), np.concatenate([y0, y1])
        row["front_distance_px"] = float(np.max(np.hypot(xs - ex, ys - ey)))
        row["front_x_px"] = float(np.max(xs)) + dx
        row["front_touching"] = bool(c >= tl.touchdown_s and tl.failure_mode == "lateral_growth")
    crk = geo["crack"]
    if crk is not None and c >= tl.crack_initiation_s:
        _, _, x1, y1, _, vis = crk
        if tl.crack.branch is not None and len(vis):  # the tip of the main path
            main = ~tl.crack.branch[tl.crack.t0 < min(c, tl.touchdown_s)]
            x1, y1 = x1[main], y1[main]
        if len(vis):
            tip = float(x1[-1]), float(y1[-1])
        else:  # at the initiation instant: zero length at the start point
            tip = float(tl.crack.x0[0]), float(tl.crack.y0[0])
        row["crack_length_px"] = float(np.sum(vis))
        row["crack_tip_x_px"] = tip[0] + dx
        row["crack_tip_y_px"] = tip[1] + dy
    return row


def content_region(scene):
    """(x0, y0, x1, y1) of the part of the frame that shows the sample, px (ends exclusive):
    the content box of a screen recording, above the data bar."""
    rows, cols = scene.shape
    x0, y0, x1 = 0, 0, cols
    ext = scene.extras
    if ext is not None and ext.content_box is not None:
        x0, y0, w, _ = ext.content_box
        x1 = x0 + w
    return x0, y0, x1, rows - scene.data_bar_rows


def _extra_frame_fields(scene, tl, row, geo, k):
    filled = geo["crack_filled"]
    row["crack_filled_length_px"] = (float(np.sum(filled[5])) if filled is not None
                                     else math.nan)
    crk = geo["crack"]
    row["crack_main_length_px"] = row["crack_length_px"]
    if crk is not None and tl.crack.branch is not None and len(crk[5]):
        main = ~tl.crack.branch[tl.crack.t0 < min(row["content_time_s"], tl.touchdown_s)]
        row["crack_main_length_px"] = float(np.sum(crk[5][main]))
    gain, offset = art.flicker(scene, k)
    row["gain"], row["offset"] = gain, offset
    row["beam_shift_x_px"], row["beam_shift_y_px"] = art.beam_shift(scene, row["content_time_s"])


def _extra_whisker_fields(scene, wrows, geo):
    x0, y0, x1, y1 = content_region(scene)
    by_id = {k: v for k, v in geo["paths"].items()}
    for r in wrows:
        k = r["whisker_id"]
        shape = whisker_shape(scene, k)
        r["length_3d_px"] = by_id[k][1]
        r["inclination_deg"] = 0.0 if shape is None else shape.inclination_deg
        tx, ty = r["tip_x_px"], r["tip_y_px"]
        half = scene.whiskers[k].width_px / 2
        outside = not (x0 + half <= tx <= x1 - 1 - half and y0 + half <= ty)
        in_bar = ty > y1 - 1 - half and not (tx < x0 or tx > x1 - 1)
        r["tip_outside"] = bool(outside)
        r["tip_in_data_bar"] = bool(in_bar and scene.data_bar_rows > 0)
        r["censored"] = bool(outside or in_bar)


def _whisker_rows(i, t, c, drift, geo):
    dx, dy = (float(v) for v in drift)
    return [{"frame": i, "time_s": t, "content_time_s": c, "whisker_id": k,
             "base_x_px": bx + dx, "base_y_px": by + dy, "tip_x_px": tx + dx, "tip_y_px": ty + dy,
             "length_px": length, "width_px": width, "angle_deg": ang}
            for k, bx, by, tx, ty, length, width, ang in geo["whiskers"]]

