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

Small labels (5-8 px digits, as 30-40-row data bars carry) are read by
:func:`read_label_in_pixels`: each candidate label is re-drawn in OpenCV's
eight Hershey fonts at the label's own height and stroke, in its pixel grid
(no resampling), and must reproduce the pixels (correlation >= 0.97) ahead
of every other value.
"""
from __future__ import annotations

import functools
import logging
from pathlib import Path

import cv2
import numpy as np

from ._units import length_to_um

__all__ = ["label_boxes", "read_label_in_vendor_font", "read_label_in_pixels", "redraw_label", "VENDOR_FONTS",
           "HERSHEY_FONTS", "MIN_LABEL_SCORE", "MIN_LABEL_MARGIN", "MIN_PIXEL_LABEL_SCORE"]

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
# label and candidate are blurred by this much before they are correlated (px): anti-aliasing
# and a sub-pixel offset between them then cost little
_BLUR_SIGMA_PX = 0.8
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


def _required_margin(score, box):
    """Lead a label's score needs over another value's: the correlation's sampling error.

    A correlation r over n independent samples scatters by about
    (1 - r^2) / sqrt(n - 3) (Fisher); the label's pixels, blurred by
    `_BLUR_SIGMA_PX` before correlating, give one independent sample per
    4 pi sigma^2 pixels. A small label (7 x 37 px: 32 samples) at r = 0.8
    needs a lead of 0.065, a large one (20 x 80 px) 0.025, at least
    `MIN_LABEL_MARGIN`.
    """
    x0, x1, y0, y1 = box
    n = (x1 - x0 + 1) * (y1 - y0 + 1) / (4 * np.pi * _BLUR_SIGMA_PX ** 2)
    return max(MIN_LABEL_MARGIN, (1 - score ** 2) / np.sqrt(max(n - 3, 1.0)))


def _score(glyph, tmpl):
    t = cv2.resize(tmpl, (glyph.shape[1], glyph.shape[0]), interpolation=cv2.INTER_AREA)
    g = cv2.GaussianBlur(glyph, (0, 0), _BLUR_SIGMA_PX)
    t = cv2.GaussianBlur(t, (0, 0), _BLUR_SIGMA_PX)
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
                    out.append((_score(glyph, tmpl), value, unit, text, box))
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
    need = _required_margin(best[0], best[4])
    logger.debug("vendor-font label read as %r (score %.3f, margin %.3f, needed %.3f, box %s)", best[3], best[0],
                 margin, need, best[4])
    if best[0] < MIN_LABEL_SCORE or margin < need or um is None:
        return None
    return um, best[3].rstrip("*"), best[0]


# --- small labels drawn pixel by pixel in a Hershey font -------------------------------------
#: Hershey fonts (OpenCV's, drawn by tools built on it) matched whole at the label's own size.
HERSHEY_FONTS = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_DUPLEX,
                 cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_TRIPLEX, cv2.FONT_HERSHEY_COMPLEX_SMALL,
                 cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX)
#: Lowest correlation accepted for a label re-drawn at its own size. The right text, font, size
#: and stroke reproduce the pixels up to noise and codec blur (1.0 on PNG, >= 0.99 on the
#: H.264 / MJPEG tuning renders); one digit different costs 0.03-0.08 at 5-6 px digits, so a
#: label in another font, or a value outside the vocabulary, does not reach it.
MIN_PIXEL_LABEL_SCORE = 0.97
# the values re-drawn: every one-digit mantissa and its decades, and the 2.5 of 1-2.5-5 series
# (a '7 um' label must meet its own text, not be taken for the nearest value of the 1-2-5 series)
_PIXEL_VALUES = tuple(m * 10 ** k for k in range(3) for m in range(1, 10)) + (25, 250)
# stroke widths tried, px: labels are drawn with 1- or 2-px lines
_PIXEL_STROKES = (1, 2)
# the digits' height is searched this many px either side of the label box's height (the box,
# from a 0.3 threshold of anti-aliased strokes, is within a pixel of the drawn glyphs)...
_HEIGHT_SLACK_PX = 1.0
# ...in steps of this many px (a quarter pixel: finer steps draw the same pixels)
_HEIGHT_STEP_PX = 0.25
# a re-drawn label's ink box may differ from the seen one by this many px (anti-aliasing)
_BOX_SLACK_PX = 1
# the seen label is compared with a margin of this many px around its box, shifted +-1 px
_PAD_PX = 2
# a drawn text's advance width exceeds its ink width by its side bearings and stroke: 1-6 px
# for 5-22-px Hershey digits, at most this share of the height
_BEARINGS = 0.3
# the label texts: Hershey fonts have no 'µ', such labels write "um"
_PIXEL_UNITS = ("nm", "um", "mm")


@functools.lru_cache(maxsize=16)
def _hershey_digit_height(font):
    """Height of the digit '0' of `font` at font scale 1, px (1-px stroke)."""
    probe = np.zeros((200, 200), np.uint8)
    cv2.putText(probe, "0", (20, 150), font, 4.0, 255, 1, cv2.LINE_AA)
    ys = np.nonzero(probe.max(axis=1) > 77)[0]
    return (ys.max() - ys.min() + 1) / 4.0


def _draw_1x(text, font, scale, stroke):
    """`text` drawn at 1x as OpenCV draws it: (uint8 image, ink box (x0, x1, y0, y1)) or None."""
    (tw, th), base = cv2.getTextSize(text, font, scale, stroke)
    img = np.zeros((th + base + 2 * stroke + 2 * _PAD_PX + 6, tw + 2 * stroke + 2 * _PAD_PX + 6), np.uint8)
    cv2.putText(img, text, (stroke + _PAD_PX + 3, th + stroke + _PAD_PX + 3), font, scale, 255, stroke,
                cv2.LINE_AA)
    pts = cv2.findNonZero((img > 77).astype(np.uint8))  # the 0.3 threshold of the label's mask
    if pts is None:
        return None
    x, y, w, h = cv2.boundingRect(pts)
    return img, (x, x + w - 1, y, y + h - 1)


def _read_box_pixels(norm, box, unit_fits=None):
    """Score every vocabulary label re-drawn in each Hershey font at the box's size."""
    x0, x1, y0, y1 = box
    h, w = y1 - y0 + 1, x1 - x0 + 1
    seen = np.zeros((h + 2 * _PAD_PX, w + 2 * _PAD_PX), np.float32)
    r0, c0 = max(y0 - _PAD_PX, 0), max(x0 - _PAD_PX, 0)
    src = np.clip(norm[r0:y1 + _PAD_PX + 1, c0:x1 + _PAD_PX + 1], 0, 1)
    seen[r0 - (y0 - _PAD_PX):r0 - (y0 - _PAD_PX) + src.shape[0],
         c0 - (x0 - _PAD_PX):c0 - (x0 - _PAD_PX) + src.shape[1]] = src
    texts = [(f"{v}{sep}{u}", v, u) for v in _PIXEL_VALUES for u in _PIXEL_UNITS for sep in (" ", "")
             if unit_fits is None or unit_fits(box, u)]
    heights = np.arange(h - _HEIGHT_SLACK_PX, h + _HEIGHT_SLACK_PX + 1e-9, _HEIGHT_STEP_PX)
    out = []
    for font in HERSHEY_FONTS:
        dh = _hershey_digit_height(font)
        for stroke in _PIXEL_STROKES:
            # advance widths at the box's height; at other heights they scale with the height
            advance = [cv2.getTextSize(text, font, h / dh, stroke)[0][0] for text, _v, _u in texts]
            for hh in heights:
                scale = float(hh) / dh
                digits = _draw_1x("10", font, scale, stroke)
                if digits is None or abs(digits[1][3] - digits[1][2] + 1 - h) > _BOX_SLACK_PX:
                    continue  # the digits, the label's tallest glyphs, are not as high as the box
                for (text, v, u), adv in zip(texts, advance):
                    over = adv * hh / h - w  # the advance exceeds the ink by the side bearings
                    if not -_BOX_SLACK_PX - 1 <= over <= _BOX_SLACK_PX + 1 + _BEARINGS * h:
                        continue  # far too wide or narrow: not drawn, not scored
                    got = _draw_1x(text, font, scale, stroke)
                    if got is None:
                        continue
                    a, (rx0, rx1, ry0, ry1) = got
                    if abs(rx1 - rx0 + 1 - w) > _BOX_SLACK_PX or abs(ry1 - ry0 + 1 - h) > _BOX_SLACK_PX:
                        continue
                    # the drawn label around the seen one's place, +-1 px
                    ty, tx = ry0 - _PAD_PX - 1, rx0 - _PAD_PX - 1
                    win = a[max(ty, 0):ty + seen.shape[0] + 2, max(tx, 0):tx + seen.shape[1] + 2]
                    if win.shape[0] < seen.shape[0] or win.shape[1] < seen.shape[1]:
                        continue
                    ncc = cv2.matchTemplate(win.astype(np.float32) / 255.0, seen, cv2.TM_CCOEFF_NORMED)
                    out.append((float(ncc.max()), v, u, text))
    return out


def read_label_in_pixels(norm, comps, bar_box, *, text_height_px, chain, unit_fits=None):
    """Read a label by re-drawing each candidate at the label's own size in Hershey fonts.

    Meant for small labels (5-8 px digits): there a glyph is a handful of
    pixels, and its shape resampled to a common height (the glyph reader) or
    a TrueType label stretched to the box (the vendor-font reader) no longer
    tells '1' from '4'. Drawn at the label's height (searched +-1 px in
    quarter pixels), stroke (1 or 2 px) and pixel grid (shifts of +-1 px),
    the right text reproduces the pixels and a wrong one differs in whole
    strokes. The candidates are `_PIXEL_VALUES` in nm, um and mm, with and
    without a space.

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
        ``chain(comps, seed, gap)`` as for :func:`read_label_in_vendor_font`.
    unit_fits : callable, optional
        ``unit_fits(box, unit)``: False drops the unit's candidates.

    Returns
    -------
    (label_um, text, score) or None
        None unless the best candidate scores >= `MIN_PIXEL_LABEL_SCORE` and
        leads every candidate of another value by `MIN_LABEL_MARGIN`.
    """
    got, _open = redraw_label(norm, comps, bar_box, text_height_px=text_height_px, chain=chain,
                              unit_fits=unit_fits)
    return got


def redraw_label(norm, comps, bar_box, *, text_height_px, chain, unit_fits=None):
    """:func:`read_label_in_pixels`, and the values the re-drawing leaves open.

    Returns
    -------
    reading : (label_um, text, score) or None
        As :func:`read_label_in_pixels`.
    open_um : frozenset of float or None
        When some candidate reproduces the label (score >= `MIN_PIXEL_LABEL_SCORE`)
        but without the lead: the values (µm) within `MIN_LABEL_MARGIN` of the
        best, of which the label must be one; None when none reproduces it.
    """
    boxes = label_boxes(comps, bar_box, text_height_px=text_height_px, chain=chain)
    scored = [s for box in boxes for s in _read_box_pixels(norm, box, unit_fits)]
    if not scored:
        return None, None
    scored.sort(key=lambda s: s[0], reverse=True)
    best = scored[0]
    um = length_to_um(best[1], best[2])
    rival = next((s for s in scored if length_to_um(s[1], s[2]) != um), None)
    margin = best[0] - rival[0] if rival else 1.0
    logger.debug("re-drawn label read as %r (score %.3f, margin %.3f)", best[3], best[0], margin)
    if best[0] < MIN_PIXEL_LABEL_SCORE or um is None:
        return None, None
    if margin < MIN_LABEL_MARGIN:
        return None, frozenset(length_to_um(s[1], s[2]) for s in scored if s[0] > best[0] - MIN_LABEL_MARGIN)
    return (um, best[3], best[0]), None
