"""Appearance of randomized scenes: substrate, lithium, data bars, extra artefacts, bit depth.

Used only for scenes with :class:`~vision.synthetic._extras.Extras`; the
presets keep the look of :mod:`vision.synthetic._render` and
:mod:`vision.synthetic._artefacts`.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

__all__ = ["background", "degrade_extras", "full_scale", "li_texture", "shot_noise"]


def full_scale(scene):
    """Largest grey value of the scene's frames (255 or 65535)."""
    return 65535 if scene.extras is not None and scene.extras.bit_depth == 16 else 255


def _noise(rng, shape, sigma):
    z = rng.standard_normal(shape).astype(np.float32)
    z = cv2.GaussianBlur(z, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    return z / (z.std() + 1e-12)


#: Mean photon count above which the Poisson draw is replaced by its Gaussian limit
#: (its skewness 1/sqrt(10) = 0.3 is lost in the read noise and the detector gain spread;
#: Poisson draws above it cost 5-10x a Gaussian one).
_GAUSS_PHOTONS = 10.0


def shot_noise(rng, img, photons_per_unit, read_noise):
    """Poisson-Gaussian detector noise: exact Poisson where fewer than
    :data:`_GAUSS_PHOTONS` photons are expected, its Gaussian limit elsewhere."""
    ppu = np.float32(photons_per_unit)
    lam = np.clip(img, 0, None) * ppu
    z = rng.standard_normal(img.shape, dtype=np.float32)
    out = (lam + np.sqrt(lam) * z) / ppu
    low = lam < _GAUSS_PHOTONS
    if np.any(low):
        out[low] = rng.poisson(lam[low]).astype(np.float32) / ppu
    out += np.float32(read_noise) * rng.standard_normal(img.shape, dtype=np.float32)
    return out


def background(scene, shape, pad):
    """Ceramic of the padded canvas (float32 0..1) from ``scene.extras``."""
    ext = scene.extras
    rng = np.random.default_rng([scene.seed, 501])
    img = (0.012 * _noise(rng, shape, 1.0) + 0.025 * _noise(rng, shape, 4.0)
           + 0.035 * _noise(rng, shape, 18.0) + 0.04 * _noise(rng, shape, 60.0))
    img += np.float32(ext.ceramic_level)
    if scene.substrate == "polycrystalline":
        from scipy.spatial import cKDTree

        from ._paths import grain_seeds
        seeds = grain_seeds(scene) + pad  # (x, y) on the padded canvas
        yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
        dist, idx = cKDTree(seeds).query(np.column_stack([xx.ravel(), yy.ravel()]), k=2,
                                         workers=1)
        level = rng.normal(0.0, ext.grain_contrast, len(seeds)).astype(np.float32)
        img += level[idx[:, 0]].reshape(shape)
        gap = ((dist[:, 1] - dist[:, 0]) / 2.0).reshape(shape).astype(np.float32)
        img -= np.float32(ext.boundary_depth) * np.exp(-(gap / 0.8) ** 2)
    else:
        h, w = shape
        for _ in range(ext.scratches):  # long straight polishing scratches, 1-2 px
            a = rng.uniform(0, math.pi)
            p = rng.uniform((0, 0), (w, h))
            d = np.array([math.cos(a), math.sin(a)]) * (h + w)
            canvas = np.zeros(shape, np.float32)
            cv2.line(canvas, tuple(int(v) for v in p - d), tuple(int(v) for v in p + d), 1.0,
                     int(rng.integers(1, 3)), cv2.LINE_AA)
            img += np.float32(rng.choice((-1, 1)) * rng.uniform(0.03, 0.08)) * canvas
        for level, count in ((0.3, ext.particles), (-0.3, ext.substrate_pores)):
            for _ in range(count):
                c = rng.uniform((0, 0), (w, h))
                rad = rng.uniform(1.0, 5.0)
                disc = np.zeros(shape, np.float32)
                cv2.circle(disc, (int(c[0] * 16), int(c[1] * 16)), int(rad * 16), 1.0, -1,
                           cv2.LINE_AA, 4)
                img += np.float32(level * rng.uniform(0.5, 1.0)) * disc
    return img.astype(np.float32)


def li_texture(scene, shape):
    """Lithium grey level with its texture on the padded canvas (float32)."""
    ext = scene.extras
    rng = np.random.default_rng([scene.seed, 502])
    tex = 0.6 * _noise(rng, shape, 1.5) + 0.8 * _noise(rng, shape, 6.0)
    return (np.float32(ext.li_level) + np.float32(ext.li_texture) * tex).astype(np.float32)


def degrade_extras(scene, img, scan):
    """Scan jitter, charging streaks, the screen-recording border and quantisation.

    Parameters
    ----------
    img : (rows, cols) float32 ndarray
        The scan after flicker and noise, intensity 0..1.
    scan : int

    Returns
    -------
    (rows, cols) uint8 or uint16 ndarray
    """
    ext = scene.extras
    rng = np.random.default_rng([scene.seed, 503, scan])
    rows, cols = img.shape
    if ext.line_jitter_px > 0:
        shift = rng.normal(0.0, ext.line_jitter_px, rows).astype(np.float32)
        mx = np.arange(cols, dtype=np.float32)[None, :] + shift[:, None]
        my = np.repeat(np.arange(rows, dtype=np.float32)[:, None], cols, axis=1)
        img = cv2.remap(img, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    if ext.streaks > 0:
        for _ in range(int(rng.integers(0, 4))):
            y0 = int(rng.integers(0, rows))
            hgt = int(rng.integers(1, 4))
            x0 = int(rng.integers(0, cols))
            tail = rng.uniform(20, 200)
            x = np.arange(cols, dtype=np.float32)
            prof = np.where(x >= x0, np.exp(-(x - x0) / tail), 0.0).astype(np.float32)
            img[y0:y0 + hgt] += np.float32(ext.streaks * rng.uniform(0.5, 1.0)) * prof
    top = full_scale(scene)
    out = np.clip(img * top + 0.5, 0, top).astype(np.uint16 if top > 255 else np.uint8)
    if ext.content_box is not None:
        x0, y0, w, h = ext.content_box
        mask = np.ones(out.shape, bool)
        mask[y0:y0 + h, x0:x0 + w] = False
        out[mask] = 0
    return out
