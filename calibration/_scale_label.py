"""Read the value of a scale-bar label ("10 um", "500 nm") next to the bar.

No OCR engine is used: the characters of the label are matched against
glyph templates rendered with OpenCV's Hershey fonts (what many acquisition
and annotation tools, and semtrack's synthetic videos, use) by normalised
cross-correlation. A reading is returned only when every character matches
one template clearly (score >= `MIN_CHAR_SCORE`, ahead of the runner-up by
`MIN_CHAR_MARGIN`) and the text parses as ``<number> <unit>``; otherwise the
value is None and the caller must ask for ``--scale-bar-um``. Then the
vendor-font reader and, for small labels, the re-drawing reader of
:mod:`._scale_label_fonts` are tried, then Tesseract if installed. Other
fonts (the SEM vendors' own) are often not read: that is by design, a
missing value is safer than a wrong one.

Whatever reader gives the text, its unit prefix is checked against the
geometry of the glyph before the ``m``: ``n`` (and the first ``m`` of
``mm``) is an arch, open at the bottom; ``u``/``µ`` is a bowl, open at the
top. The two are mirror images top to bottom, so at 5-6 px of x-height a
template score can prefer the wrong one (a label "20 um" read as "20 nm",
a pixel size 1000x too small); where the ink of the glyph's inner columns
lies in its x-height band cannot. A reading whose unit contradicts the
glyph is dropped.
"""
import functools
import logging
import re

import cv2
import numpy as np

from ._scale_label_fonts import label_boxes, read_label_in_vendor_font, redraw_label
from ._scale_label_ocr import read_label_tesseract, tesseract_available
from ._units import length_to_um

__all__ = ["read_scale_label", "MIN_CHAR_SCORE", "MIN_CHAR_MARGIN"]

logger = logging.getLogger(__name__)

#: Lowest normalised cross-correlation accepted for one character.
MIN_CHAR_SCORE = 0.80
#: Lowest lead of the best over the second-best character template.
MIN_CHAR_MARGIN = 0.04
# A blob matching one template this well is not split further (an 'm' is not
# read as 'nn'); below it, splits are tried (a '.' touching a digit).
_CLEAR_CHAR_SCORE = 0.90
# Cost of one more character in a split, in units of line height x score:
# keeps a slightly blurred 'm' whole, still lets a touching '.' go its own way.
_SPLIT_PENALTY = 0.05

# The label alphabet plus look-alikes, so that a foreign character is
# recognised as foreign rather than forced onto a digit.
# Digit look-alikes that never stand in a label (O, o, I, l) are left out so
# that they do not steal a digit's margin.
_ALPHABET = "0123456789.,umnpkaAbcdefghijrstvwxyzBCDEFGHJKLMNPRSTUVWXYZ=:/%+-"
_SIMPLEX, _DUPLEX = cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX
# (font, stroke thickness) tried in this order; the first verified reading wins
_STYLES = ((_SIMPLEX, 1), (_SIMPLEX, 2), (_DUPLEX, 1), (_SIMPLEX, 3), (_DUPLEX, 2), (_DUPLEX, 3))
_NORM_H = 32  # line height after resampling, px
_LABEL_CHARS = frozenset("0123456789.,umnp")
_LABEL = re.compile(r"^(\d+(?:[.,]\d+)?)\s?(pm|nm|um|mm)$")
# Opening of the unit prefix glyph: the mean ink of its inner columns in the top
# and bottom 30 % of the x-height band must differ by this much (0..1 scale) to
# tell an arch ('n', 'm': ink on top) from a bowl ('u', 'µ': ink at the bottom).
# An arch or bowl stroke is fully lit (~1) on one side and background (~0) on
# the other; 0.25 leaves room for anti-aliasing spreading a 1-px stroke over 2 rows.
_OPENING_CONTRAST = 0.25
# share of the prefix glyph's width on each side left out as its stems
_STEM_SHARE = 0.25
# a last blob this many x-heights wide is the prefix and the 'm' touching: an 'm'
# alone is 1.2-1.6 x-heights wide in Hershey and sans-serif fonts, 'um'/'nm' over 2
_MERGED_WIDTH = 1.9
# the units whose prefix glyph is an arch / a bowl
_ARCH_UNITS = ("nm", "mm")
_BOWL_UNITS = ("um", "µm")


@functools.lru_cache(maxsize=64)
def _templates(line_h, thickness, font):
    """Glyph templates for one font, size and stroke, normalised like a glyph."""
    # font scale at which the digit '0' is line_h px high
    probe = np.zeros((200, 200), np.uint8)
    cv2.putText(probe, "0", (20, 150), font, 4.0, 255, 1, cv2.LINE_AA)
    ys = np.nonzero(probe.max(axis=1) > 127)[0]
    scale = 4.0 * line_h / (ys.max() - ys.min() + 1)
    out = []
    for ch in _ALPHABET:
        size = int(line_h * 4 + 20)
        img = np.zeros((size, size), np.uint8)
        base = int(line_h * 2.5) + 5
        cv2.putText(img, ch, (5, base), font, scale, 255, thickness, cv2.LINE_AA)
        cols = np.nonzero(img.max(axis=0) > 127)[0]
        if cols.size == 0:
            continue
        # line box: from the top of a digit to the baseline
        top = base - line_h
        g = img.astype(np.float32) / 255.0
        out.append((ch, _normalise_glyph(g, top, base - 1, cols.min(), cols.max())))
    return out


def _normalise_glyph(norm, line_top, line_bottom, gx0, gx1):
    """Cut one character (with its place in the text line) and resample it."""
    pad = max(1, int(round(0.15 * (line_bottom - line_top + 1))))
    r0, r1 = line_top - pad, line_bottom + pad + 1
    c0, c1 = gx0 - 1, gx1 + 2
    canvas = np.zeros((r1 - r0, c1 - c0), np.float32)
    sr0, sc0 = max(r0, 0), max(c0, 0)
    sr1, sc1 = min(r1, norm.shape[0]), min(c1, norm.shape[1])
    canvas[sr0 - r0:sr1 - r0, sc0 - c0:sc1 - c0] = np.clip(norm[sr0:sr1, sc0:sc1], 0, 1)
    f = _NORM_H / canvas.shape[0]
    w = max(3, int(round(canvas.shape[1] * f)))
    out = cv2.resize(canvas, (w, _NORM_H), interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(out, (0, 0), 1.2)


def _ncc(glyph, tmpl, width_tol=None):
    """Best zero-mean normalised correlation over shifts of +-2 px.

    With `width_tol` (normalised px), a glyph whose width differs from the
    template's by more than max(width_tol, 25 %) scores -1: the template,
    rendered at the label's size, cannot be that character (e.g. a digit
    with a touching '.').
    """
    w = max(glyph.shape[1], tmpl.shape[1])
    lo = min(glyph.shape[1], tmpl.shape[1])
    if w > 1.6 * lo + 3:
        return -1.0  # very different widths: not the same character
    if width_tol is not None and w - lo > max(width_tol, 0.25 * lo):
        return -1.0
    big = np.zeros((_NORM_H + 4, w + 4), np.float32)
    o = (w - glyph.shape[1]) // 2 + 2
    big[2:2 + _NORM_H, o:o + glyph.shape[1]] = glyph
    small = np.zeros((_NORM_H, w), np.float32)
    o = (w - tmpl.shape[1]) // 2
    small[:, o:o + tmpl.shape[1]] = tmpl
    if small.std() < 1e-6 or big.std() < 1e-6:
        return -1.0
    return float(cv2.matchTemplate(big, small, cv2.TM_CCOEFF_NORMED).max())


def _components(mask, bar_box):
    n, lab, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    x0, x1, y0, y1 = bar_box
    comps = []
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if x <= x0 and x + w - 1 >= x1 and y <= y0 and y + h - 1 >= y1:
            continue  # the bar itself (with its end ticks)
        comps.append((x, y, x + w - 1, y + h - 1, area))
    return comps


def _chain(comps, seed, gap):
    """Comps on the seed's text line, chained left and right with gaps < gap."""
    sy0, sy1 = seed[1], seed[3]
    on_line = [c for c in comps if min(c[3], sy1) - max(c[1], sy0) >= 0.3 * (c[3] - c[1] + 1)
               or (c[1] >= sy0 - 1 and c[3] <= sy1 + 1)]
    on_line.sort(key=lambda c: c[0])
    i = on_line.index(seed)
    left, right = i, i
    while left > 0 and on_line[left][0] - max(c[2] for c in on_line[:left]) <= gap:
        left -= 1
    while right < len(on_line) - 1 and on_line[right + 1][0] - max(c[2] for c in on_line[:right + 1]) <= gap:
        right += 1
    return on_line[left:right + 1]


def _label_lines(comps, bar_box, h):
    """Candidate label lines: above, right, left, below the bar (in that order)."""
    x0, x1, y0, y1 = bar_box
    xc = 0.5 * (x0 + x1)
    lines = []
    above = [c for c in comps if y0 - 3 * h <= c[3] < y0 and x0 - h <= 0.5 * (c[0] + c[2]) <= x1 + h]
    if above:
        seed = min(above, key=lambda c: (y0 - c[3]) * 4 + abs(0.5 * (c[0] + c[2]) - xc) / max(x1 - x0, 1))
        lines.append(("above", _chain(comps, seed, gap=1.0 * h)))
    side_rows = (y0 - h, y1 + h)
    right = [c for c in comps if x1 < c[0] <= x1 + 3 * h and c[1] <= side_rows[1] and c[3] >= side_rows[0]]
    if right:
        lines.append(("right", _chain(comps, min(right, key=lambda c: c[0]), gap=1.0 * h)))
    left = [c for c in comps if x0 - 3 * h <= c[2] < x0 and c[1] <= side_rows[1] and c[3] >= side_rows[0]]
    if left:
        lines.append(("left", _chain(comps, max(left, key=lambda c: c[2]), gap=1.0 * h)))
    below = [c for c in comps if y1 < c[1] <= y1 + 3 * h and x0 - h <= 0.5 * (c[0] + c[2]) <= x1 + h]
    if below:
        seed = min(below, key=lambda c: (c[1] - y1) * 4 + abs(0.5 * (c[0] + c[2]) - xc) / max(x1 - x0, 1))
        lines.append(("below", _chain(comps, seed, gap=1.0 * h)))
    return lines


def _characters(line):
    """Merge blobs that overlap in x (the dot of an 'i') into characters."""
    chars = []
    for c in sorted(line, key=lambda c: c[0]):
        if chars and c[0] <= chars[-1][2] - 1:
            p = chars[-1]
            chars[-1] = (p[0], min(p[1], c[1]), max(p[2], c[2]), max(p[3], c[3]), p[4] + c[4])
        else:
            chars.append(c)
    return chars


def _font_scale(line_h, font):
    """Font scale at which the digit '0' of `font` is `line_h` px high."""
    probe = np.zeros((200, 200), np.uint8)
    cv2.putText(probe, "0", (20, 150), font, 4.0, 255, 1, cv2.LINE_AA)
    ys = np.nonzero(probe.max(axis=1) > 127)[0]
    return 4.0 * line_h / (ys.max() - ys.min() + 1)


def _cuts(norm, blob, top, bottom):
    """Candidate cut columns inside a blob: valleys of its column profile."""
    x0, x1 = blob[0], blob[2]
    prof = norm[top:bottom + 1, x0:x1 + 1].clip(0, 1).sum(axis=0)
    cuts = [x0]
    for i in range(2, prof.size - 2):
        if prof[i] <= prof[i - 1] and prof[i] <= prof[i + 1] and prof[i] <= 0.5 * prof.max():
            cuts.append(x0 + i)
    cuts.append(x1 + 1)
    return sorted(set(cuts))


def _segment_blob(norm, blob, top, bottom, tmpls, cache):
    """Split a blob into characters (touching glyphs) by dynamic programming.

    Maximises the sum of (template score x segment width) minus a penalty per
    segment, over segments between valley columns. Returns [(char, score, margin, x0, x1)].
    """
    line_h = bottom - top + 1
    cuts = _cuts(norm, blob, top, bottom)

    def seg(a, b):
        key = (a, b)
        if key not in cache:
            g = _normalise_glyph(norm, top, bottom, a, b - 1)
            # 2 px of the label in normalised units: stroke and anti-aliasing slack
            tol = 2.0 * g.shape[0] / (bottom - top + 1)
            scores = sorted(((_ncc(g, t, tol), ch) for ch, t in tmpls), reverse=True)
            (s1, ch1), rest = scores[0], scores[1:]
            if ch1 in _LABEL_CHARS:
                # only a confusion with another label character changes the value
                # read ('3' vs '8', 'n' vs 'u'); one with a letter that cannot
                # stand in a label ('2' vs 'Z') makes the text unparseable instead
                rest = [r for r in rest if r[1] in _LABEL_CHARS]
            cache[key] = (ch1, s1, s1 - rest[0][0] if rest else 1.0)
        return cache[key]

    whole = seg(cuts[0], cuts[-1])
    if whole[1] >= _CLEAR_CHAR_SCORE and whole[2] >= MIN_CHAR_MARGIN:
        return [(whole[0], whole[1], whole[2], cuts[0], cuts[-1] - 1)]  # one clear character
    n = len(cuts)
    best = [(-np.inf, None)] * n
    best[0] = (0.0, None)
    for j in range(1, n):
        for i in range(j):
            w = cuts[j] - cuts[i]
            if best[i][0] == -np.inf or w > 1.3 * line_h:
                continue
            ch, sc, _m = seg(cuts[i], cuts[j])
            total = best[i][0] + sc * w - _SPLIT_PENALTY * line_h
            if total > best[j][0]:
                best[j] = (total, i)
    if best[-1][1] is None and n > 1 and best[-1][0] == -np.inf:
        ch, sc, m = seg(cuts[0], cuts[-1])
        return [(ch, sc, m, cuts[0], cuts[-1] - 1)]
    out, j = [], n - 1
    while j > 0:
        i = best[j][1]
        ch, sc, m = seg(cuts[i], cuts[j])
        out.append((ch, sc, m, cuts[i], cuts[j] - 1))
        j = i
    return out[::-1]


def _verify_words(norm, text_chars, top, bottom, font, scale, thickness):
    """Re-render each word as read and compare it with the image (NCC)."""
    words, cur = [], []
    for item in text_chars:
        if item is None:
            if cur:
                words.append(cur)
            cur = []
        else:
            cur.append(item)
    if cur:
        words.append(cur)
    worst = 1.0
    line_h = bottom - top + 1
    for word in words:
        s = "".join(c[0] for c in word)
        wx0, wx1 = word[0][3], word[-1][4]
        size = (int(line_h * 3 + 20), int(line_h * (len(s) + 2) * 1.5 + 20))
        img = np.zeros(size, np.uint8)
        base = int(line_h * 2) + 5
        cv2.putText(img, s, (5, base), font, scale, 255, thickness, cv2.LINE_AA)
        cols = np.nonzero(img.max(axis=0) > 127)[0]
        if cols.size == 0:
            return 0.0
        rendered_w = cols.max() - cols.min() + 1
        seen_w = wx1 - wx0 + 1
        if abs(rendered_w - seen_w) > max(2.0, 0.15 * seen_w):
            return 0.0
        a = _normalise_glyph(img.astype(np.float32) / 255.0, base - line_h, base - 1, cols.min(), cols.max())
        b = _normalise_glyph(norm, top, bottom, wx0, wx1)
        worst = min(worst, _ncc(b, cv2.resize(a, (b.shape[1], b.shape[0]), interpolation=cv2.INTER_AREA)))
    return worst


def _read_line(norm, line):
    blobs = _characters(line)
    if not 2 <= len(blobs) <= 12:
        return None, None, None
    top = min(c[1] for c in blobs)
    bottom = max(c[3] for c in blobs)
    line_h = bottom - top + 1
    if line_h < 6:
        return None, None, None
    best_text, best_score = None, -1.0
    for font, thickness in _STYLES:
        scale = _font_scale(line_h, font)
        tmpls = _templates(int(line_h), thickness, font)
        cache = {}
        chars = []  # (char, score, margin, x0, x1) or None for a space
        prev_x1 = None
        for c in blobs:
            if prev_x1 is not None and c[0] - prev_x1 - 1 > 0.3 * line_h:
                chars.append(None)
            prev_x1 = c[2]
            gh, gw = c[3] - c[1] + 1, c[2] - c[0] + 1
            if gh <= 0.3 * line_h and gw <= 0.3 * line_h and c[3] >= bottom - 0.15 * line_h:
                chars.append((".", 1.0, 1.0, c[0], c[2]))
                continue
            chars.extend(_segment_blob(norm, c, top, bottom, tmpls, cache))
        worst = 1.0
        for item in chars:
            if item is not None:
                _ch, sc, margin = item[:3]
                worst = min(worst, sc if margin >= MIN_CHAR_MARGIN else min(sc, margin))
        text = "".join(" " if item is None else item[0] for item in chars)
        if worst >= MIN_CHAR_SCORE:
            worst = min(worst, _verify_words(norm, chars, top, bottom, font, scale, thickness))
        if worst > best_score:
            best_text, best_score = text, worst
        if best_score >= MIN_CHAR_SCORE:
            break  # the first verified reading is taken
    return best_text, best_score, line_h


def unit_prefix_opening(norm, comps):
    """Where the glyph before the final ``m`` of a label is open.

    Parameters
    ----------
    norm : (M, N) ndarray of float
        The data bar, 0 = background, 1 = text.
    comps : list of tuple
        The label's connected components ``(x0, y0, x1, y1, area)``.

    Returns
    -------
    str or None
        ``"bottom"`` for an arch (``n``, ``m``), ``"top"`` for a bowl
        (``u``, ``µ``), None when the glyphs cannot be told apart this way
        (touching glyphs, too small, no clear contrast).
    """
    chars = _characters(comps)
    if len(chars) < 2:
        return None
    line_h = max(c[3] - c[1] + 1 for c in chars)
    body = [c for c in chars if c[3] - c[1] + 1 >= 0.4 * line_h]  # not a '*' or '.'
    if len(body) < 2:
        return None
    m, pre = body[-1], body[-2]
    mx0, mt, mx1 = m[0], m[1], m[2]
    # the band ends at the baseline, where the digits stand: a 'µ' touching the
    # 'm' would otherwise carry its descender into the band
    mb = min(c[3] for c in body)
    cap_top = min(c[1] for c in body[:-1])
    if mt <= cap_top + 0.15 * (mb - cap_top + 1):
        return None  # the last blob is as tall as the digits: not an 'm' (a '*' touches it)
    xh = mb - mt + 1
    pw, mw = pre[2] - pre[0] + 1, mx1 - mx0 + 1
    if xh < 4:
        return None
    if mw >= _MERGED_WIDTH * xh:
        # prefix and 'm' touch (blur, video codecs): the prefix is the left ~40 %
        # of the blob, its inner columns about 10-28 % of the blob's width
        c0 = int(np.ceil(mx0 + 0.10 * mw))
        c1 = int(np.floor(mx0 + 0.28 * mw))
    else:
        if pw < 3 or mw < 1.2 * pw:
            return None  # too small, or the 'm' is not a glyph of its own
        if pre[1] < mt - 0.25 * xh:
            return None  # taller than the x-height: a digit, no unit prefix glyph
        c0 = int(np.ceil(pre[0] + _STEM_SHARE * pw))
        c1 = int(np.floor(pre[2] - _STEM_SHARE * pw))
    if c1 < c0:
        return None
    k = max(1, int(round(0.3 * xh)))
    inner = np.clip(norm[mt:mb + 1, c0:c1 + 1], 0, 1)
    upper, lower = float(inner[:k].mean()), float(inner[-k:].mean())
    if upper - lower >= _OPENING_CONTRAST:
        return "bottom"
    if lower - upper >= _OPENING_CONTRAST:
        return "top"
    return None


def unit_fits_glyph(unit, opening):
    """False if `unit` (``"nm"``, ``"µm"``...) contradicts the prefix glyph's `opening`."""
    unit = unit.strip().rstrip("*")[-2:]
    if opening == "bottom":
        return unit not in _BOWL_UNITS
    if opening == "top":
        return unit not in _ARCH_UNITS
    return True


def _comps_in(comps, box):
    x0, x1, y0, y1 = box
    return [c for c in comps if c[0] >= x0 and c[2] <= x1 and c[1] >= y0 and c[3] <= y1]


def read_scale_label(norm, mask, bar_box, *, text_height_px):
    """Read the scale-bar label near the bar.

    Parameters
    ----------
    norm : (M, N) ndarray of float
        The data bar scaled to 0 = background, 1 = text/bar.
    mask : (M, N) ndarray of uint8
        ``norm > 0.5``.
    bar_box : (x0, x1, y0, y1)
        The bar's columns and rows in `norm` (inclusive).
    text_height_px : float
        Typical character height in the data bar, px (0 if unknown).

    Returns
    -------
    label_um : float or None
        The bar's length in µm, None unless the reading is certain.
    text : str or None
        The best reading of the label, even if not accepted.
    confidence : float or None
        The lowest per-character score of that reading.
    """
    h = max(float(text_height_px), 8.0)
    comps = _components(mask, bar_box)
    fallback = (None, None, None)
    for where, line in _label_lines(comps, bar_box, h):
        text, score, _ = _read_line(norm, line)
        if text is None:
            continue
        m = _LABEL.match(text.strip())
        logger.debug("scale-bar label %s the bar read as %r (score %.2f)", where, text, score)
        if m is not None and score >= MIN_CHAR_SCORE:
            opening = unit_prefix_opening(norm, line)
            if not unit_fits_glyph(m.group(2), opening):
                logger.info("scale-bar label read as %r, but its unit's first glyph is open at the "
                            "%s: reading dropped", text.strip(), opening)
                continue
            um = length_to_um(m.group(1).replace(",", "."), m.group(2))
            if um is not None and um > 0:
                return um, text.strip(), float(score)
        if fallback[1] is None or m is not None:
            fallback = (None, text.strip(), float(score))
    openings = {}

    def fits(box, unit):
        if box not in openings:
            openings[box] = unit_prefix_opening(norm, _comps_in(comps, box))
        return unit_fits_glyph(unit, openings[box])

    # a label re-drawn exactly in a Hershey font is read; one whose re-drawings leave
    # several values open (a '5' and a '6' a pixel apart) rules out any other value
    small, open_um = redraw_label(norm, comps, bar_box, text_height_px=h, chain=_chain, unit_fits=fits)
    if small is not None:
        return small[0], small[1], float(small[2])

    def possible(um):
        return open_um is None or any(abs(um - o) <= 1e-9 * o for o in open_um)

    vendor = read_label_in_vendor_font(norm, comps, bar_box, text_height_px=h, chain=_chain,
                                       unit_fits=fits)
    if vendor is not None and possible(vendor[0]):
        return vendor[0], vendor[1], float(vendor[2])
    if vendor is not None:
        logger.info("scale-bar label read as %r in a vendor font, but re-drawn it can only be one of %s µm: "
                    "reading dropped", vendor[1], sorted(open_um))
    if tesseract_available():
        for box in label_boxes(comps, bar_box, text_height_px=h, chain=_chain):
            got = read_label_tesseract(norm, box)
            if got is not None and fits(box, got[1]) and possible(got[0]):
                return got[0], got[1], None  # OCR gives no comparable score
    if fallback[1] is not None:
        logger.info("scale-bar label not read with confidence (best guess %r, score %.2f)",
                    fallback[1], fallback[2])
    return fallback
