"""Find the scale bar in an SEM data bar and measure its length in pixels."""
import logging
from dataclasses import dataclass

import cv2
import numpy as np

from ._errors import InputError
from ._scale_label import read_scale_label

__all__ = ["ScaleBar", "measure_scale_bar"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScaleBar:
    """A scale bar found in an image.

    Coordinates are in pixels of the full image (x = column, y = row,
    origin at the centre of the top-left pixel).

    Attributes
    ----------
    length_px : float
        Bar length in pixels, sub-pixel (area of the edge profile), so a bar
        covering N whole pixels has length N.
    x0, x1 : float
        Left and right edge of the bar (``x1 - x0 == length_px``).
    row : float
        Centre row of the bar.
    thickness_px : int
        Number of rows the bar covers.
    label_um : float or None
        Bar length in µm read from its label, None if not read reliably.
    label_text : str or None
        The label as read (e.g. '10 um'), None if not read.
    label_confidence : float or None
        Lowest per-character match score (0-1) of the label reading.
    ticked : bool
        The bar has end ticks (vertical strokes above or below it, as Zeiss
        and FEI draw them); its length is then measured between the tick
        centres, which is what the label means (checked on real Zeiss files
        against their metadata: 90 px for 89.6 px, 134 px for 134.4 px,
        where the outer ends give 92 and 136).
    """

    length_px: float
    x0: float
    x1: float
    row: float
    thickness_px: int
    label_um: float | None = None
    label_text: str | None = None
    label_confidence: float | None = None
    ticked: bool = False


def _check_image(image):
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[2] in (3, 4):
        arr = arr[..., :3].mean(axis=2)
    if arr.ndim != 2 or min(arr.shape) < 3:
        raise InputError(f"image must be a 2-D grayscale frame (rows, cols), got shape {arr.shape}")
    if arr.dtype.kind not in "uif" and arr.dtype != bool:
        raise InputError(f"image must be numeric, got dtype {arr.dtype}")
    return arr.astype(np.float32)


def _check_region(region, shape):
    if region is None:
        return 0, shape[0], 0, shape[1]
    try:
        top, bottom, left, right = (int(round(float(v))) for v in region)
    except (TypeError, ValueError):
        raise InputError(f"region must be (top, bottom, left, right) in pixels, got {region!r}") from None
    top, left = max(top, 0), max(left, 0)
    bottom, right = min(bottom, shape[0]), min(right, shape[1])
    if bottom - top < 3 or right - left < 10:
        raise InputError(f"region {region!r} is empty or too small inside an image of shape {shape}; "
                         "give (top, bottom, left, right) with bottom/right exclusive")
    return top, bottom, left, right


def _normalised(crop):
    """Scale the crop to 0 = background, 1 = foreground (bright or dark bar)."""
    bg = float(np.median(crop))
    lo, hi = float(crop.min()), float(crop.max())
    if hi - bg >= bg - lo:  # bright features on a dark bar (the usual case)
        norm = (crop - bg) / max(hi - bg, 1e-6)
    else:  # dark features on a light bar
        norm = (bg - crop) / max(bg - lo, 1e-6)
    return norm, (hi - lo) > 1e-6


def _candidates(mask, min_length_px, min_thickness_px, max_thickness_px):
    """Long thin horizontal bars in a binary mask, as (x0, x1, y0, y1) inclusive."""
    k = max(int(min_length_px), 3) | 1  # odd: an even kernel shifts the opening by 1 px
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1))
    opened = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    n, _lab, stats, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        if not (min_thickness_px <= h <= max_thickness_px):
            continue
        if w < 3 * h or area < 0.8 * w * h:
            continue
        out.append((int(x), int(x + w - 1), int(y), int(y + h - 1)))
    return out


def _drop_boxes(mask, cands, max_thickness_px):
    """Remove horizontal lines that belong to a drawn box (data-bar cell frames).

    Two long horizontal lines joined through vertical lines into one blob are
    the top and bottom of a box, not a scale bar (whose end ticks join nothing
    else). If the whole box is as thin as a bar (a hollow bar outline), it is
    kept as one candidate spanning the box.
    """
    if len(cands) < 2:
        return cands
    _n, lab, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    by_comp = {}
    for c in cands:
        x0, x1, y0, y1 = c
        ids = lab[y0:y1 + 1, x0:x1 + 1]
        comp = int(np.bincount(ids[ids > 0]).argmax()) if np.any(ids > 0) else 0
        by_comp.setdefault(comp, []).append(c)
    out = []
    for comp, group in by_comp.items():
        if len(group) == 1:
            out.extend(group)
            continue
        x, y, w, h, _area = (int(v) for v in stats[comp])
        if h <= max_thickness_px:
            out.append((x, x + w - 1, y, y + h - 1))
        else:
            logger.debug("ignoring %d horizontal lines of a drawn box at rows %d-%d", len(group), y, y + h - 1)
    return out


def _on_plain_background(norm, cand):
    """True if the rows 2-4 px above and below the line are plain background.

    A scale bar sits on the flat data bar; a bright line in the picture (a
    whisker, an edge) has textured surroundings. Ticks and labels touching
    those rows are tolerated (up to a quarter of the pixels).
    """
    x0, x1, y0, y1 = cand
    rows = [r for r in (*range(y0 - 4, y0 - 1), *range(y1 + 2, y1 + 5)) if 0 <= r < norm.shape[0]]
    if not rows:
        return True
    band = norm[rows, x0:x1 + 1]
    dark = band[band <= 0.5]
    if band.size == 0 or dark.size < 0.75 * band.size:
        return False
    return float(dark.std()) < 0.1


# a tick rises (or drops) at least this many rows beyond the bar
_TICK_MIN_RISE_PX = 3
# ticks stand within this many columns of the bar's ends
_TICK_SEARCH_PX = 4


def _tick_centres(mask, bar_box):
    """Centres (columns) of the end ticks of a bar, or None if it has none at both ends."""
    x0, x1, y0, y1 = bar_box

    def is_tick(c):
        above = mask[max(y0 - _TICK_MIN_RISE_PX, 0):y0, c]
        below = mask[y1 + 1:y1 + 1 + _TICK_MIN_RISE_PX, c]
        return (above.size == _TICK_MIN_RISE_PX and above.all()) or \
            (below.size == _TICK_MIN_RISE_PX and below.all())

    left = [c for c in range(x0, min(x0 + _TICK_SEARCH_PX, x1) + 1) if is_tick(c)]
    right = [c for c in range(max(x1 - _TICK_SEARCH_PX, x0), x1 + 1) if is_tick(c)]
    if not left or not right or max(left) >= min(right):
        return None
    return float(np.mean(left)), float(np.mean(right))


def _split_bar(mask, cands):
    """Join the two halves of a bar whose label stands in a gap of the line.

    FEI/Thermo data bars draw ``|---- 40 µm ----|``: two collinear segments
    of one thickness, a tick at the outer end of each, text in between.
    Returns ``(bar_box, left_half, right_half)`` or None.
    """
    best = None
    for a in cands:
        for b in cands:
            if b[0] <= a[1] or abs(a[2] - b[2]) > 1 or abs(a[3] - b[3]) > 1:
                continue
            gap = b[0] - a[1] - 1
            half = max(a[1] - a[0], b[1] - b[0]) + 1
            if gap < 2 or gap > 2 * half:
                continue
            box = (a[0], b[1], min(a[2], b[2]), max(a[3], b[3]))
            if _tick_centres(mask, box) is None:
                continue  # no tick at both outer ends: two lines, not one bar
            y0, y1 = box[2], box[3]
            h = y1 - y0 + 1
            between = mask[max(y0 - 4 * h - 8, 0):y1 + 4 * h + 9, a[1] + 2:b[0] - 1]
            if between.sum() == 0:
                continue  # nothing written in the gap
            if best is None or box[1] - box[0] > best[0][1] - best[0][0]:
                best = (box, a, b)
    return best


def _text_height(mask, bar_box):
    """Median height of the other blobs (text characters) in the mask, px."""
    n, _lab, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    x0, x1, y0, y1 = bar_box
    heights = []
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        if x <= x0 and x + w - 1 >= x1 and y <= y0 and y + h - 1 >= y1:
            continue  # the bar's own component
        if h >= 4 and area >= 6:
            heights.append(h)
    return float(np.median(heights)) if heights else 0.0


def _edge_profile(norm, x0, x1, y0, y1):
    """Sub-pixel edges from the column profile of the bar's core rows."""
    rows = norm[y0:y1 + 1, x0:x1 + 1].mean(axis=1)
    core = np.arange(y0, y1 + 1)[rows >= 0.75 * rows.max()]
    prof = norm[core.min():core.max() + 1].mean(axis=0)
    inner = prof[x0:x1 + 1]
    plateau = float(np.median(inner)) if inner.size else 1.0
    p = np.clip(prof / max(plateau, 1e-6), 0.0, 1.0)

    # Edge pixels: the first/last columns with coverage > 0.5, then walk out
    # while the coverage keeps falling (blurred or anti-aliased edge), at most
    # 3 px, so that a neighbouring label is not counted.
    c0, c1 = x0, x1
    while c0 < c1 and p[c0] <= 0.5:
        c0 += 1
    while c1 > c0 and p[c1] <= 0.5:
        c1 -= 1
    while c0 > 0 and p[c0 - 1] > 0.5:
        c0 -= 1
    while c1 < p.size - 1 and p[c1 + 1] > 0.5:
        c1 += 1
    left = p[c0]
    k = c0 - 1
    while k >= 0 and c0 - k <= 3 and p[k] < p[k + 1] and p[k] > 0.02:
        left += p[k]
        k -= 1
    right = p[c1]
    k = c1 + 1
    while k < p.size and k - c1 <= 3 and p[k] < p[k - 1] and p[k] > 0.02:
        right += p[k]
        k += 1
    xl = c0 + 0.5 - left
    xr = c1 - 0.5 + right
    row = 0.5 * (core.min() + core.max())
    return xl, xr, row, int(core.max() - core.min() + 1)


def measure_scale_bar(
    image: np.ndarray,
    *,
    region: tuple[float, float, float, float] | None = None,
    min_length_px: int = 12,
    min_thickness_px: int = 2,
    max_thickness_px: int = 12,
    read_label: bool = True,
) -> ScaleBar | None:
    """Find the scale bar (a long, thin, solid horizontal line) and measure it.

    The bar is told apart from text by its shape: after a morphological
    opening with a horizontal line of `min_length_px`, only horizontal runs
    at least that long survive; of those, blobs 2-12 rows thick, at least
    3x longer than thick, at least 80 % filled, on a plain background (the
    rows 2-4 px above and below it flat), not part of a drawn box, and at
    least 1.5x longer than the median text-character height are bar
    candidates, and the longest one wins. Its length comes from the column profile of its fully lit rows,
    normalised between the data-bar background and the bar plateau: the
    coverage of the partially lit edge pixels is added (area method), which
    gives sub-pixel edges for anti-aliased or slightly blurred bars.

    Parameters
    ----------
    image : (M, N) ndarray
        The frame (any numeric dtype). RGB is averaged to gray.
    region : (top, bottom, left, right), optional
        The data bar in pixels, bottom and right exclusive (slice
        semantics), e.g. from ``vision.find_data_bar``. Default: the whole
        image (then any long thin bright line in the picture may be taken
        for the bar: pass the data bar when you have it).
    min_length_px : int, optional
        Shortest bar to consider, pixels.
    min_thickness_px, max_thickness_px : int, optional
        Allowed bar thickness, rows.
    read_label : bool, optional
        Also try to read the value from the label next to the bar
        (`label_um`); it is None when the reading is not certain.

    Returns
    -------
    ScaleBar or None
        None if no bar-shaped object was found.

    Raises
    ------
    InputError
        If `image` is not a 2-D numeric array or `region` is outside it.
    """
    arr = _check_image(image)
    for name, v in (("min_length_px", min_length_px), ("min_thickness_px", min_thickness_px),
                    ("max_thickness_px", max_thickness_px)):
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise InputError(f"{name} must be a positive whole number of pixels, got {v!r}")
    if min_thickness_px > max_thickness_px:
        raise InputError(f"min_thickness_px ({min_thickness_px}) must not exceed max_thickness_px "
                         f"({max_thickness_px})")
    top, bottom, left, right = _check_region(region, arr.shape)
    crop = arr[top:bottom, left:right]
    norm, has_contrast = _normalised(crop)
    if not has_contrast:
        return None
    mask = (norm > 0.5).astype(np.uint8)
    cands = _drop_boxes(mask, _candidates(mask, min_length_px, min_thickness_px, max_thickness_px),
                        max_thickness_px)
    cands = [c for c in cands if _on_plain_background(norm, c)]
    if not cands:
        logger.debug("no scale-bar candidate in region %s", (top, bottom, left, right))
        return None
    cands.sort(key=lambda c: c[1] - c[0], reverse=True)
    best = cands[0]
    label_box = None
    label_mask = (norm > 0.3).astype(np.uint8)  # a lower threshold keeps thin strokes whole
    split = _split_bar(mask, cands)
    if split is not None and split[0][1] - split[0][0] > best[1] - best[0]:
        best, left_half, right_half = split
        cands = [best]
        # the label is the text in the gap: read it as a label standing on a line just
        # under its lowest row there (the halves and their ticks erased from its mask)
        reach = 4 * (best[3] - best[2] + 1) + 8
        rows = slice(max(best[2] - reach, 0), best[3] + reach + 1)
        for hx0, hx1, _y0, _y1 in (left_half, right_half):
            label_mask[rows, hx0:hx1 + 1] = 0
        gx0, gx1 = left_half[1] + 1, right_half[0] - 1
        text_rows = np.nonzero(label_mask[rows, gx0:gx1 + 1].any(axis=1))[0] + rows.start
        if text_rows.size:
            label_box = (gx0, gx1, int(text_rows.max()) + 1, int(text_rows.max()) + 2)
    h_text = _text_height(mask, best)
    if best[1] - best[0] + 1 < 1.5 * h_text:
        logger.debug("longest horizontal run (%d px) is not longer than the text (%.0f px high)",
                     best[1] - best[0] + 1, h_text)
        return None
    if len(cands) > 1 and cands[1][1] - cands[1][0] > 0.9 * (best[1] - best[0]):
        logger.warning("two scale-bar-like lines of similar length (%d and %d px); using the one at "
                       "row %d", best[1] - best[0] + 1, cands[1][1] - cands[1][0] + 1, best[2] + top)
    xl, xr, row, thick = _edge_profile(norm, *best)
    ticks = _tick_centres(mask, best)
    if ticks is not None:
        xl, xr = ticks  # ticked bar: the label's length runs between the tick centres
    label = (None, None, None)
    if read_label:
        label = read_scale_label(norm, label_mask, label_box or best, text_height_px=h_text)
    return ScaleBar(
        length_px=float(xr - xl),
        x0=float(xl + left),
        x1=float(xr + left),
        row=float(row + top),
        thickness_px=thick,
        label_um=label[0],
        label_text=label[1],
        label_confidence=label[2],
        ticked=ticks is not None,
    )
