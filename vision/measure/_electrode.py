"""Find the lithium microelectrode and the counter electrode in an SEM frame.

Lithium is darker than the LLZO ceramic. The working microelectrode is a
dark disc (possibly with a contacting needle and whiskers attached); the
counter electrode, when visible, is a dark lithium band along one image edge.

Coordinates: x = column, y = row, origin at the centre of the top-left pixel.
"""
import dataclasses
import logging

import cv2
import numpy as np

from calibration import InputError

from .._shared._stats import mad_sigma
from ._front import CounterElectrode, parse_counter_electrode

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
    """

    x_px: float
    y_px: float
    radius_px: float
    source: str = "auto"


def _gray(image, data_bar_row=None):
    image = np.asarray(image)
    if image.ndim != 2:
        raise InputError(f"expected a 2-D greyscale image (rows, cols), got shape {image.shape}")
    if data_bar_row is not None:
        image = image[: int(data_bar_row)]
    return image.astype(np.float32, copy=False)


def _dark_mask(image, *, smooth_px=2.0):
    """Pixels clearly darker than the ceramic background, and the threshold."""
    sm = cv2.GaussianBlur(image, (0, 0), smooth_px)
    sub = sm[::2, ::2]
    med = float(np.median(sub))
    upper = sub[sub > med]  # the ceramic's spread, from the bright half (dark objects excluded)
    mad = mad_sigma(upper - med) if upper.size else 0.0
    dark = float(np.percentile(sub, 0.5))
    contrast = med - dark
    if contrast < max(3.0 * mad, 1e-6):
        return None, sm, med
    thr = med - 0.5 * contrast
    return sm < thr, sm, thr


def _fit_circle(xs, ys):
    """Algebraic (Kasa) circle fit; returns (xc, yc, r)."""
    a = np.column_stack([xs, ys, np.ones_like(xs)])
    b = xs * xs + ys * ys
    sol, *_ = np.linalg.lstsq(a, b, rcond=None)
    xc, yc = sol[0] / 2, sol[1] / 2
    r = np.sqrt(max(sol[2] + xc * xc + yc * yc, 0.0))
    return float(xc), float(yc), float(r)


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
    sel = (d > 0.9 * r) & (d < 2.0 * r)
    if sel.sum() < 12:
        return xc, yc, r
    xc, yc, r = _fit_circle(pts[sel, 0], pts[sel, 1])
    for tol in (0.25 * r, 6.0, 3.0, 2.0, 1.5):
        res = np.abs(np.hypot(pts[:, 0] - xc, pts[:, 1] - yc) - r)
        sel = res < tol
        if sel.sum() < 12:
            break
        xc, yc, r = _fit_circle(pts[sel, 0], pts[sel, 1])
    # contour pixels lie on the inner side of the boundary: add half a pixel
    return xc, yc, r + 0.5


def refine_circle_edge(image, x_px, y_px, radius_px, *, n_sectors=48, rays_per_sector=4,
                       half_window_px=8.0):
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

    Returns
    -------
    (x_px, y_px, radius_px) : floats
        The refined circle, or the starting one when too few sectors fit.
    """
    from ._kymograph import sample_line
    from ._whiskers import _edge_model_fit

    img = np.asarray(image, dtype=np.float32)
    pts = []
    n_rays = n_sectors * rays_per_sector
    angles = (np.arange(n_rays) + 0.5) * 2 * np.pi / n_rays
    for k in range(n_sectors):
        profs = []
        for a in angles[k * rays_per_sector:(k + 1) * rays_per_sector]:
            s, prof = sample_line(img, (x_px, y_px), (np.cos(a), np.sin(a)),
                                  length_px=2 * half_window_px, step_px=0.5,
                                  start_offset_px=radius_px - half_window_px)
            profs.append(prof)
        prof = np.mean(profs, axis=0)
        if not np.all(np.isfinite(prof)):
            continue
        r_edge, _ = _edge_model_fit(s, -prof, radius_px - half_window_px + 2,
                                    radius_px + half_window_px - 2, grid_px=0.1)
        if np.isfinite(r_edge):
            a = (k + 0.5) * 2 * np.pi / n_sectors
            pts.append((x_px + r_edge * np.cos(a), y_px + r_edge * np.sin(a)))
    if len(pts) < 8:
        return x_px, y_px, radius_px
    pts = np.asarray(pts)
    xc, yc, r = _fit_circle(pts[:, 0], pts[:, 1])
    for tol in (3.0, 1.5, 1.0):
        res = np.abs(np.hypot(pts[:, 0] - xc, pts[:, 1] - yc) - r)
        sel = res < tol
        if sel.sum() < 8:
            break
        xc, yc, r = _fit_circle(pts[sel, 0], pts[sel, 1])
    return xc, yc, r


def find_electrode(image, *, data_bar_row=None, min_radius_px=4.0, max_radius_px=None):
    """Find the lithium microelectrode: the largest dark disc not cut by the image edge.

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
        Centre and radius in pixels, ``source="auto"``.

    Raises
    ------
    InputError
        If no dark disc is found; the message says to pass ``electrode=(x_px, y_px)``.

    Notes
    -----
    Candidates are dark connected regions; each is scored by its largest
    inscribed circle (distance transform maximum), which ignores attached
    needles and whiskers. Regions whose inscribed circle touches the image
    border (a counter-electrode band) are not candidates. The centre and
    radius are then refined with a circle fit to the region's outline.
    """
    img = _gray(image, data_bar_row)
    mask, _, _ = _dark_mask(img)
    fix = "pass the electrode position as electrode=(x_px, y_px)"
    if mask is None:
        raise InputError(f"no lithium electrode found: the image has no dark region; {fix}")
    h, w = mask.shape
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    best = None
    for lab in range(1, n):
        x0, y0, bw, bh, area = stats[lab]
        if area < np.pi * min_radius_px ** 2 * 0.8:
            continue
        comp = labels[y0:y0 + bh, x0:x0 + bw] == lab
        padded = np.pad(comp, 1).astype(np.uint8)
        dist = cv2.distanceTransform(padded, cv2.DIST_L2, 5)
        r_in = float(dist.max())
        iy, ix = np.unravel_index(int(np.argmax(dist)), dist.shape)
        cx, cy = x0 + ix - 1, y0 + iy - 1
        if r_in < min_radius_px or (max_radius_px is not None and r_in > max_radius_px * 1.3):
            continue
        if min(cx, cy, w - 1 - cx, h - 1 - cy) < r_in + 1:
            continue  # touches the image border: a band, not a disc
        if best is None or r_in > best[0]:
            best = (r_in, lab, cx, cy)
    if best is None:
        raise InputError("no lithium electrode found: no dark disc of radius >= "
                         f"{min_radius_px:g} px away from the image border; {fix}")
    r_in, lab, cx, cy = best
    xc, yc, r = _refine_disc(labels == lab, float(cx), float(cy), r_in)
    if not (0 <= xc < w and 0 <= yc < h) or r < r_in * 0.9 or r > 3 * r_in + 2:
        xc, yc, r = float(cx), float(cy), r_in
    xc, yc, r = refine_circle_edge(img, xc, yc, r)
    if max_radius_px is not None and r > max_radius_px:
        raise InputError(f"no lithium electrode found: the darkest disc has radius {r:.0f} px "
                         f"> max_radius_px={max_radius_px:g}; {fix}")
    logger.info("electrode found at (%.1f, %.1f) px, radius %.1f px", xc, yc, r)
    return Electrode(xc, yc, r, "auto")


def resolve_electrode(image, electrode=None, *, data_bar_row=None, min_radius_px=4.0,
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
    mask, _, _ = _dark_mask(img)
    if mask is not None:
        n, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
        xi, yi = int(round(x)), int(round(y))
        lab = labels[yi, xi]
        if lab == 0:  # not inside a dark region: take the nearest within 10 px
            y0, y1, x0, x1 = max(0, yi - 10), yi + 11, max(0, xi - 10), xi + 11
            win = labels[y0:y1, x0:x1]
            if win.any():
                yy, xx = np.nonzero(win)
                k = int(np.argmin((yy + y0 - yi) ** 2 + (xx + x0 - xi) ** 2))
                lab = win[yy[k], xx[k]]
        if lab:
            comp = labels == lab
            dist = cv2.distanceTransform(np.pad(comp, 1).astype(np.uint8), cv2.DIST_L2, 5)[1:-1, 1:-1]
            # largest inscribed circle near the given point (needle/whiskers may be attached)
            r_in = float(dist[max(0, yi - 15):yi + 16, max(0, xi - 15):xi + 16].max())
            if r_in >= 1:
                _, _, r = _refine_disc(comp, x, y, r_in)
                _, _, r = refine_circle_edge(img, x, y, r)
                logger.info("electrode given at (%.1f, %.1f) px; radius measured %.1f px", x, y, r)
                return Electrode(x, y, r, "user")
    raise InputError(f"no dark lithium disc at the given electrode position ({x:g}, {y:g}) px; "
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


def find_counter_electrode(image, *, data_bar_row=None, min_cover=0.6,
                           min_depth_px=3):
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

    Returns
    -------
    CounterElectrode or None
        ``CounterElectrode(side=..., boundary_px=...)`` (from the front
        module) with the band's inner edge; None when no side carries a
        dark band.
    """
    img = _gray(image, data_bar_row)
    mask, _, _ = _dark_mask(img)
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
        if d >= (w if side in ("left", "right") else h) * 0.5:
            continue
        if best is None or cover > best[1]:
            best = (side, cover, d)
    if best is None:
        return None
    side, _, d = best
    return _side_counter(side, (h, w), depth_px=d, image=img)


def _refine_band_edge(image, side, edge, *, half_window_px=10):
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
    if hi - lo < 8:
        return edge
    prof = np.median(img[:, lo:hi], axis=0)
    s = np.arange(lo, hi, dtype=np.float64)
    e, _ = _edge_model_fit(s, prof, lo + 2.0, hi - 3.0, grid_px=0.05)
    return float(e) if np.isfinite(e) else edge


def _side_counter(side, shape, depth_px=0.0, image=None):
    h, w = shape
    edge = {"left": depth_px - 0.5, "right": w - 1 - depth_px + 0.5,
            "top": depth_px - 0.5, "bottom": h - 1 - depth_px + 0.5}[side]
    if image is not None and depth_px > 0:
        edge = _refine_band_edge(image, side, edge)
    edge = float(min(max(edge, 0.0), (w - 1) if side in ("left", "right") else (h - 1)))
    return CounterElectrode(side=side, boundary_px=edge)


def resolve_counter_electrode(image, counter_electrode=None, *, data_bar_row=None):
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
        return find_counter_electrode(img)
    if isinstance(counter_electrode, CounterElectrode):
        return counter_electrode
    if isinstance(counter_electrode, str):
        text = counter_electrode.strip().lower()
        if text in SIDES:
            mask, _, _ = _dark_mask(img)
            depth = 0.0
            if mask is not None:
                dep = _band_depth(mask, text)
                if np.mean(dep >= 3) >= 0.6:
                    depth = float(np.median(dep[dep >= 3]))
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
