"""Read a scale-bar label written in an SEM vendor's font ("1 µm", "200 nm").

Zeiss SmartSEM and FEI/Thermo write their labels in Arial-like sans-serif
fonts (regular, bold or italic), which the Hershey glyph matcher of
:mod:`._scale_label` does not know. Scale-bar labels come from a small
vocabulary (a round number and a length unit, Zeiss adds ``*`` when the
bar is tilt-corrected), so each candidate label is rendered whole in
metric-compatible TrueType fonts (Liberation Sans = Arial metrics, DejaVu
Sans; Debian packages ``fonts-liberation`` and ``fonts-dejavu-core``) and
compared with the label's pixels by normalised cross-correlation. A value
is returned only when it matches clearly and ahead of every other value.
Without those fonts on the machine this reader returns nothing.
"""
from __future__ import annotations

import functools
import logging
from pathlib import Path

import cv2
import numpy as np

from ._units import length_to_um

__all__ = ["label_boxes", "read_label_in_vendor_font", "VENDOR_FONTS", "MIN_LABEL_SCORE", "MIN_LABEL_MARGIN"]

logger = logging.getLogger(__name__)

#: TrueType fonts tried (those present on the machine are used).
VENDOR_FONTS = tuple(
    str(Path(d) / name)
    for d, names in (
        ("/usr/share/fonts/truetype/liberation", ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf",
                                                  "LiberationSans-Italic.ttf", "LiberationSans-BoldItalic.ttf")),
        ("/usr/share/fonts/truetype/dejavu", ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")),
    )
    for name in names
)
#: Lowest correlation accepted for a whole label (real Zeiss labels: 0.73-0.89).
MIN_LABEL_SCORE = 0.70
#: Lowest lead over the best candidate of another value (real Zeiss: >= 0.04).
MIN_LABEL_MARGIN = 0.03
# the numbers SEM software puts on scale bars (1-2-5 series and neighbours)
_VALUES = (1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500)
# "um": what labels drawn without a µ glyph write (Hershey fonts, many tools);
# Hershey 'u' has no descender, unlike a TrueType 'µ', so 'µm' scores it poorly
_UNITS = ("nm", "µm", "um", "mm")
# a candidate's aspect ratio must be within this factor of the label's
_ASPECT_TOLERANCE = 1.18
# label pieces are chained across gaps up to this many text heights ("1 µm")
_WORD_GAP = 1.6


@functools.lru_cache(maxsize=1)
def _fonts():
    return tuple(f for f in VENDOR_FONTS if Path(f).is_file())


@functools.lru_cache(maxsize=4096)
def _render(text, font, height):
    from PIL import Image, ImageDraw, ImageFont  # pillow: only when a label is read this way

    face = ImageFont.truetype(font, size=max(8, int(height * 1.5)))
    img = Image.new("L", (int(height * len(text) * 2 + 20), int(height * 4)), 0)
    ImageDraw.Draw(img).text((5, 5), text, fill=255, font=face)
    a = np.asarray(img, np.float32) / 255.0
    ys, xs = np.nonzero(a > 0.3)
    if ys.size == 0:
        return None
    return a[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def _score(glyph, tmpl):
    t = cv2.resize(tmpl, (glyph.shape[1], glyph.shape[0]), interpolation=cv2.INTER_AREA)
    g = cv2.GaussianBlur(glyph, (0, 0), 0.8)
    t = cv2.GaussianBlur(t, (0, 0), 0.8)
    g, t = g - g.mean(), t - t.mean()
    den = float(np.sqrt((g * g).sum() * (t * t).sum()))
    return float((g * t).sum() / den) if den > 0 else -1.0


def _read_box(norm, box, unit_fits=None):
    x0, x1, y0, y1 = box
    glyph = np.clip(norm[y0:y1 + 1, x0:x1 + 1], 0, 1).astype(np.float32)
    if glyph.shape[0] < 6 or glyph.shape[1] < 6:
        return []
    aspect = glyph.shape[1] / glyph.shape[0]
    out = []
    for font in _fonts():
        for value in _VALUES:
            for unit in _UNITS:
                if unit_fits is not None and not unit_fits(box, unit):
                    continue  # the glyph before the 'm' has the other shape
                for star in ("", "*"):
                    text = f"{value} {unit}{star}"
                    tmpl = _render(text, font, glyph.shape[0])
                    if tmpl is None:
                        continue
                    ratio = (tmpl.shape[1] / tmpl.shape[0]) / aspect
                    if not 1 / _ASPECT_TOLERANCE < ratio < _ASPECT_TOLERANCE:
                        continue
                    out.append((_score(glyph, tmpl), value, unit, text))
    return out


def label_boxes(comps, bar_box, *, text_height_px, chain):
    """Boxes ``(x0, x1, y0, y1)`` of the text lines just above or below a bar."""
    h = max(float(text_height_px), 8.0)
    x0, x1, y0, y1 = bar_box
    near = [c for c in comps if (y0 - 3 * h <= c[3] < y0 or y1 < c[1] <= y1 + 3 * h)
            and c[2] >= x0 - h and c[0] <= x1 + h]
    boxes = []
    for seed in near:
        line = chain(comps, seed, gap=_WORD_GAP * h)
        box = (min(c[0] for c in line), max(c[2] for c in line),
               min(c[1] for c in line), max(c[3] for c in line))
        # the label stands over or under the bar: most of its width within the bar's span
        inside = min(box[1], x1 + h) - max(box[0], x0 - h) + 1
        if box not in boxes and inside >= 0.5 * (box[1] - box[0] + 1):
            boxes.append(box)
    return boxes


def read_label_in_vendor_font(norm, comps, bar_box, *, text_height_px, chain, unit_fits=None):
    """Read the label above or below a bar in a vendor's font.

    Parameters
    ----------
    norm : (M, N) ndarray of float
        The data bar, 0 = background, 1 = text and bar.
    comps : list of tuple
        Connected components ``(x0, y0, x1, y1, area)`` other than the bar.
    bar_box : (x0, x1, y0, y1)
        The bar (inclusive pixel bounds in `norm`).
    text_height_px : float
        Typical character height, px.
    chain : callable
        ``chain(comps, seed, gap)``: the components on the seed's text line
        joined across gaps up to `gap` px.
    unit_fits : callable, optional
        ``unit_fits(box, unit)``: False when the label in `box` cannot carry
        `unit` (its prefix glyph has the other shape); such candidates are
        not scored, so they can neither win nor set the margin.

    Returns
    -------
    (label_um, text, score) or None
        The bar's length in µm with the label as read and its score; None if
        no label matched clearly.
    """
    if not _fonts():
        logger.debug("no vendor TrueType fonts installed: vendor-font labels are not read")
        return None
    boxes = label_boxes(comps, bar_box, text_height_px=text_height_px, chain=chain)
    scored = [s for box in boxes for s in _read_box(norm, box, unit_fits)]
    if not scored:
        return None
    scored.sort(key=lambda s: s[0], reverse=True)
    best = scored[0]
    um = length_to_um(best[1], best[2])
    rival = next((s for s in scored if length_to_um(s[1], s[2]) != um), None)
    margin = best[0] - rival[0] if rival else 1.0
    logger.debug("vendor-font label read as %r (score %.3f, margin %.3f)", best[3], best[0], margin)
    if best[0] < MIN_LABEL_SCORE or margin < MIN_LABEL_MARGIN or um is None:
        return None
    return um, best[3].rstrip("*"), best[0]
