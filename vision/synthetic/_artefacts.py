"""SEM and screen-recorder artefacts: drift, flicker, scan lines, noise, tears, data bar.

All random draws come from ``numpy.random.default_rng([seed, stream, index])``
so a scan's artefacts depend only on the scene and the scan index (never on
the order of rendering).
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from ._look import degrade_extras, full_scale, shot_noise

__all__ = []

#: Display width that defines the magnification printed in the data bar, mm
#: (a 512-px frame of 0.1 um pixels is then "Mag = 2.00 K X").
_DISPLAY_WIDTH_MM = 102.4

#: Nice scale-bar lengths, um.
_NICE_UM = (0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def _rng(scene, stream, index=0):
    return np.random.default_rng([int(scene.seed), int(stream), int(index)])


def drift(scene, t):
    """Drift (dx, dy) at video time ``t``, px (smooth, 0 at t = 0).

    A constant velocity plus a slow sinusoidal wobble; the speed never
    exceeds ``artefacts.drift_px_s``.
    """
    vmax = scene.artefacts.drift_px_s
    if vmax <= 0:
        return beam_shift(scene, t)
    rng = _rng(scene, 11)
    ang = rng.uniform(0, 2 * math.pi)
    v = 0.6 * vmax * rng.uniform(0.5, 1.0)
    period = rng.uniform(6.0, 12.0)
    amp = 0.35 * vmax * period / (2 * math.pi)  # wobble speed <= 0.35 vmax
    phase = rng.uniform(0, 2 * math.pi, 2)
    out = []
    for k, c in enumerate((math.cos(ang), math.sin(ang))):
        wob = amp * (math.sin(2 * math.pi * t / period + phase[k]) - math.sin(phase[k]))
        out.append(v * c * t + wob)
    if scene.extras is not None:
        jx, jy = beam_shift(scene, t)
        out[0] += jx
        out[1] += jy
    return out[0], out[1]


def beam_shift(scene, t):
    """Sum of the sudden beam shifts (``extras.drift_jumps``) up to video time ``t``, px."""
    if scene.extras is None:
        return 0.0, 0.0
    dx = sum(jx for tj, jx, _ in scene.extras.drift_jumps if t >= tj)
    dy = sum(jy for tj, _, jy in scene.extras.drift_jumps if t >= tj)
    return float(dx), float(dy)


def flicker(scene, scan):
    """(gain, offset) of the brightness of scan ``scan``: I' = gain * I + offset."""
    a = scene.artefacts.flicker
    if a <= 0:
        gain, offset = 1.0, 0.0
    else:
        rng = _rng(scene, 12, scan)
        gain = 1.0 + float(np.clip(rng.normal(0, a / 2), -a, a))
        offset = float(np.clip(rng.normal(0, a / 8), -a / 4, a / 4))
    if scene.extras is not None and scene.extras.contrast_jumps:
        t = scan * scene.scan_period_s
        for tj, g, o in scene.extras.contrast_jumps:
            if t >= tj:
                gain, offset = gain * g, offset * g + o
    return gain, offset


def degrade(scene, image, scan):
    """Apply flicker, scan-line noise and Poisson-Gaussian noise to one scan.

    Parameters
    ----------
    image : (rows, cols) float32 ndarray
        Clean intensity in 0..1.
    scan : int
        Scan index (seeds the draws).

    Returns
    -------
    (rows, cols) uint8 ndarray
    """
    art = scene.artefacts
    gain, offset = flicker(scene, scan)
    img = image * np.float32(gain) + np.float32(offset)
    rng = _rng(scene, 13, scan)
    if art.scanline_sigma > 0:
        rows = img.shape[0]
        raw = rng.normal(0, art.scanline_sigma, rows + 8)
        smooth = np.convolve(raw, np.ones(3) / math.sqrt(3), mode="same")[4:4 + rows]
        img = img + smooth[:, None].astype(np.float32)
    ext = scene.extras
    if art.noise and ext is not None:
        img = shot_noise(rng, img, art.photons_per_unit, art.read_noise)
    elif art.noise:
        lam = np.clip(img, 0, None) * np.float32(art.photons_per_unit)
        img = rng.poisson(lam).astype(np.float32) / np.float32(art.photons_per_unit)
        img += rng.normal(0, art.read_noise, img.shape).astype(np.float32)
    if ext is None:
        return np.clip(img * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return degrade_extras(scene, img, scan)


def tear_schedule(scene, n_scans):
    """Tear row (or -1) for the first frame of each scan, from the seed."""
    rng = _rng(scene, 14)
    content = scene.shape[0] - scene.data_bar_rows
    draws = rng.random(n_scans)
    rows = rng.integers(int(0.15 * content), int(0.85 * content), n_scans)
    out = np.where(draws < scene.artefacts.tear_fraction, rows, -1)
    out[0] = -1  # the first scan has no previous scan to tear into
    return out


def scale_bar(scene):
    """Scale bar of the data bar: dict with length_um, length_px, x0, x1, y (px)."""
    rows, cols = scene.shape
    px = scene.pixel_size_um
    best = _NICE_UM[0]
    field = cols if scene.extras is None or scene.extras.content_box is None \
        else scene.extras.content_box[2]
    for um in _NICE_UM:
        if um / px <= 0.25 * field:
            best = um
    length_px = int(round(best / px))
    x1 = cols - 16
    if scene.extras is not None and scene.extras.content_box is not None:
        bx0, _, bw, _ = scene.extras.content_box
        x1 = bx0 + bw - 16
    x0 = x1 - length_px + 1
    bar_top = rows - scene.data_bar_rows
    y = bar_top + int(round(0.72 * scene.data_bar_rows))
    return {"length_um": float(best), "length_px": length_px, "x0": x0, "x1": x1, "y": y,
            "thickness_px": 3, "label": f"{best:g} um"}


def magnification(scene):
    """Magnification printed in the data bar (display width / field width)."""
    field_mm = scene.shape[1] * scene.pixel_size_um * 1e-3
    return _DISPLAY_WIDTH_MM / field_mm


def data_bar_text(scene):
    """The info text of the data bar, e.g. ``EHT = 5.00 kV  WD = 6.1 mm  Mag = 2.00 K X``."""
    mag = magnification(scene)
    mag_txt = f"{mag / 1000:.2f} K X" if mag >= 1000 else f"{mag:.0f} X"
    return f"EHT = {scene.eht_kv:.2f} kV  WD = {scene.wd_mm:.1f} mm  Mag = {mag_txt}"


def data_bar_image(scene):
    """The rendered data bar, (bar_rows, cols) uint8: black, white text and scale bar."""
    if scene.extras is not None:
        return styled_data_bar(scene)
    rows, cols = scene.shape
    h = scene.data_bar_rows
    bar = np.zeros((h, cols), np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    scale = max(0.3, 0.4 * h / 31)
    cv2.putText(bar, data_bar_text(scene), (6, int(0.62 * h)), font, scale, 255, 1, cv2.LINE_AA)
    sb = scale_bar(scene)
    y = sb["y"] - (rows - h)
    bar[y - 1:y + 2, sb["x0"]:sb["x1"] + 1] = 255
    (tw, _), _ = cv2.getTextSize(sb["label"], font, scale, 1)
    cx = (sb["x0"] + sb["x1"]) // 2
    cv2.putText(bar, sb["label"], (cx - tw // 2, y - 5), font, scale, 255, 1, cv2.LINE_AA)
    return bar


def styled_data_bar(scene):
    """The data bar of a scene with extras: (bar_rows, cols) at the scene's bit depth."""
    ext = scene.extras
    rows, cols = scene.shape
    h = scene.data_bar_rows
    bx0, bw = (0, cols) if ext.content_box is None else (ext.content_box[0], ext.content_box[2])
    font = int(ext.font)
    scale = max(0.3, 0.4 * h / 31)
    style = ext.data_bar_style
    bg, fg = (200, 0) if style == "zeiss" else (0, 255)
    bar = np.zeros((h, cols), np.uint8)
    bar[:, bx0:bx0 + bw] = bg
    sb = scale_bar(scene)
    y = sb["y"] - (rows - h)
    text = data_bar_text(scene)
    if style == "fei":
        text = text.replace("EHT =", "HV").replace("WD =", "WD").replace("Mag =", "mag")
        cv2.rectangle(bar, (bx0 + 1, 1), (bx0 + bw - 2, h - 2), 255, 1)
        for xs in (bx0 + bw // 3, bx0 + 2 * bw // 3):
            cv2.line(bar, (xs, 1), (xs, h - 2), 255, 1)
    cv2.putText(bar, text, (bx0 + 6, int(0.62 * h)), font, scale, fg, 1, cv2.LINE_AA)
    if style == "zeiss":  # the logo: a dark block with a light word in it
        lw = max(24, int(2.2 * h))
        lx = bx0 + int(0.55 * bw)
        cv2.rectangle(bar, (lx, 3), (lx + lw, h - 4), 40, -1)
        cv2.putText(bar, "ZEISS", (lx + 3, int(0.65 * h)), font, 0.8 * scale, 220, 1, cv2.LINE_AA)
    bar[y - 1:y + 2, sb["x0"]:sb["x1"] + 1] = fg
    if style == "fei":  # end ticks
        bar[max(0, y - 4):y + 5, sb["x0"]] = fg
        bar[max(0, y - 4):y + 5, sb["x1"]] = fg
    (tw, _), _ = cv2.getTextSize(sb["label"], font, scale, 1)
    cx = (sb["x0"] + sb["x1"]) // 2
    cv2.putText(bar, sb["label"], (cx - tw // 2, y - 5), font, scale, fg, 1, cv2.LINE_AA)
    if full_scale(scene) > 255:
        return bar.astype(np.uint16) * 257
    return bar
