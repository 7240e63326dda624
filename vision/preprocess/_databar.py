"""The information bar of Zeiss / FEI (Thermo) SEM images.

SEM software burns a bar with the magnification, voltage, detector, date and
a scale bar into the bottom (sometimes the top) of every image. FEI/Thermo
append a dark bar (black or dark grey, white text and cell lines) below the
scanned rows; Zeiss SmartSEM draws a light one (white or light grey, black
text, logo, black frame line) over the last rows of the stored image (rows
690-765 of a 1024 x 768 TIFF). It must be excluded from every analysis (it
never changes, so it would also hide duplicate frames, and its text looks
like sample features).
"""
from __future__ import annotations

import dataclasses
import logging

import cv2
import numpy as np

from calibration import InputError

__all__ = ["DataBar", "find_data_bar", "analysis_region", "analysis_rows", "crop_image"]

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class DataBar:
    """Where the information bar is, in pixel rows/cols (half-open).

    Attributes
    ----------
    top, bottom : int
        Rows ``top <= row < bottom`` hold the bar.
    left, right : int
        Columns ``left <= col < right`` hold the bar.
    """

    top: int
    bottom: int
    left: int
    right: int

    @property
    def height(self):
        """Number of rows of the bar."""
        return self.bottom - self.top

    @property
    def width(self):
        """Number of columns of the bar."""
        return self.right - self.left


def _check_image(image):
    image = np.asarray(image)
    if image.ndim != 2:
        raise InputError(f"image must be 2-D (rows, cols) grayscale, got shape {image.shape}; "
                         "convert colour frames with vision.open_video or to_gray first")
    if image.size == 0:
        raise InputError("image is empty (0 pixels)")
    return image


def _longest_run(mask, *, gap):
    """(start, stop) of the longest run of True in 1-D ``mask``, bridging gaps <= gap."""
    best = (0, 0)
    start = None
    last_true = None
    for i, value in enumerate(mask):
        if value:
            if start is None or i - last_true - 1 > gap:
                start = i
            last_true = i
            if last_true + 1 - start > best[1] - best[0]:
                best = (start, last_true + 1)
    return best


#: A data bar's background is rendered, not scanned: within this many grey levels (or this
#: fraction of the image's grey range, whichever is larger) of the row median. Compression
#: ringing of H.264/MJPEG stays inside it; scan noise of a real sample does not.
FLAT_LEVELS = 1.5
FLAT_FRACTION = 0.006
#: Text, logo and scale bar differ from the bar background by at least this fraction of the
#: grey range (black on light grey, white on black); anti-aliased edges are the rest.
CONTRAST_FRACTION = 0.4
#: Compression (8 x 8 blocks of JPEG, MPEG-4, H.264) rings up to half a block from a sharp
#: edge; pixels that close to text or a line are not used to judge flatness.
RINGING_PX = 4
#: A row is judged only when at least this fraction of it is clear of text (else it is
#: bridged as large text).
MIN_CLEAR_FRACTION = 0.25
#: The edge between the scanned image and the bar: the row median changes by at least
#: STEP_FRACTION of the grey range and at least this fraction of the columns jump by half of
#: that (a sample edge crossing the frame does not, scan noise does not).
STEP_COLUMNS = 0.6
STEP_FRACTION = 0.1
#: Frame lines are drawn in the text colour: at least this fraction of the grey range from the
#: bar's background.
LINE_CONTRAST = 0.6
#: Frame lines (Zeiss: black on white; FEI: white on black) are at most this many rows thick.
FRAME_LINE_ROWS = 3
#: A border of a screen recording is painted, not scanned or compressed text: every pixel of a
#: border row or column lies within this fraction of the grey range of its level (JPEG /
#: MPEG-4 ringing next to the image stays inside it, as it does for the bar's background).
BORDER_FRACTION = 0.05
#: ... and in the border rows that share the image's last 8 x 8 compression blocks at least this
#: share of the pixels does (the rest ring next to the image's edge).
BORDER_RINGING_SHARE = 0.9


def _side_borders(data, span):
    """(c0, c1): the columns between the plain side borders of a screen recording.

    A side border is a run of columns from the left or right edge, each one
    grey level over all rows (within :data:`BORDER_FRACTION` of the grey
    range) and at the level of the edge column. Left in, the border pulls the
    row medians away from the bar's background (a third of a 1920-wide row is
    border around a 4:3 image), and a compressed bar then fails the flatness
    test. ``(0, N)`` when there is none.
    """
    cols = data.shape[1]
    tol = max(BORDER_FRACTION * span, 1.0)

    def run(order):
        edge = data[:, order[0]]
        level = float(np.median(edge))
        if np.abs(edge - level).max() > tol:
            return 0
        block = data[:, order]
        plain = (np.abs(block - level) <= tol).all(axis=0)
        return int(np.argmin(plain)) if not plain.all() else cols

    left = run(np.arange(cols))
    if left >= cols:
        return 0, cols  # one grey level everywhere
    right = run(np.arange(cols - 1, -1, -1))
    return left, cols - right


def _row_levels(data, span):
    """Per-row median, bar-likeness, contrast mask and acceptable-pixel mask.

    Pixels within :data:`RINGING_PX` columns of text are left out of the
    flatness test: compression rings there.
    """
    med = np.median(data, axis=1)
    dev = np.abs(data - med[:, None])
    flat = dev <= max(FLAT_FRACTION * span, FLAT_LEVELS)
    background = dev <= max(0.05 * span, 1.0)
    contrast = dev >= CONTRAST_FRACTION * span
    near = cv2.dilate(contrast.astype(np.uint8),
                      np.ones((1, 2 * RINGING_PX + 1), np.uint8)).astype(bool)
    clear = ~near
    n_clear = clear.sum(axis=1)
    safe = np.maximum(n_clear, 1)
    flat_clear = (flat & clear).sum(axis=1) / safe
    ok = background | near
    bar_like = ((n_clear >= MIN_CLEAR_FRACTION * data.shape[1]) & (flat_clear >= 0.7)
                & (ok.mean(axis=1) >= 0.85))
    return med, bar_like, contrast, ok


def _edge_bar(med, bar_like, *, gap, margin, level_tol):
    """(outer, inner, level): the bar's row offsets from index 0 and its grey level, or None.

    Walks the bar-like rows from the edge (after at most ``margin`` image rows),
    bridging up to ``gap`` rows of large text, and splits them into segments of
    one background level. The bar is its first segment thicker than a frame line,
    the frame lines on either side of it, and further segments at its level
    behind a frame line; a thick segment at another level (a blank image next to
    the bar) ends it.
    """
    n = len(bar_like)
    first = next((i for i in range(min(margin + 1, n)) if bar_like[i]), None)
    if first is None:
        return None
    segments = []  # [start, stop, level]
    misses = 0
    for i in range(first, n):
        if not bar_like[i]:
            misses += 1
            if misses > gap:
                break
            continue
        misses = 0
        if segments and abs(med[i] - segments[-1][2]) <= level_tol and i - segments[-1][1] <= gap:
            segments[-1][1] = i + 1
        else:
            segments.append([i, i + 1, float(med[i])])
    main = next((k for k, s in enumerate(segments) if s[1] - s[0] > FRAME_LINE_ROWS), None)
    if main is None:
        return None
    level = segments[main][2]
    stop = segments[main][1]
    k = main + 1
    while k < len(segments):
        start_k, stop_k, level_k = segments[k]
        if stop_k - start_k > FRAME_LINE_ROWS:
            if abs(level_k - level) > level_tol:
                break  # another flat area (blank image): not the bar
            stop = stop_k
        else:  # a frame line: part of the bar if the bar goes on behind it or it closes the bar
            nxt = segments[k + 1] if k + 1 < len(segments) else None
            if nxt is None or (nxt[1] - nxt[0] > FRAME_LINE_ROWS and abs(nxt[2] - level) > level_tol):
                stop = stop_k
                break
            stop = stop_k
        k += 1
    return segments[0][0], stop, level


def _bar_ish(row, med, level, span, level_tol):
    """The row is at the bar's level or a flat line (a frame line, ringing or not)."""
    if abs(med - level) <= level_tol:
        return True
    if abs(med - level) < LINE_CONTRAST * span:
        return False  # frame lines are drawn in the text colour, far from the background
    return (np.abs(row - med) <= max(0.1 * span, 1.0)).mean() >= 0.6


def _outer_end(oriented, med, outer, level, span, level_tol):
    """0 if the rows between the edge and ``outer`` are the bar too, else ``outer``.

    Compression rings around a frame line at the edge, so the last rows of a
    bar can fail the flatness test; they still sit at the bar's level (or are
    the line). Image rows there (Zeiss leaves two below its bar) do not.
    """
    run = 0  # rows in a row away from the bar's level: frame lines are thin
    for i in range(outer):
        if not _bar_ish(oriented[i], med[i], level, span, level_tol):
            return outer
        run = run + 1 if abs(med[i] - level) > level_tol else 0
        if run > FRAME_LINE_ROWS:
            return outer  # thicker than a line: image rows (Zeiss leaves two below its bar)
    return 0


def _snap_to_step(oriented, med, stop, level, span, *, window, reach, level_tol):
    """Move the bar's inner end ``stop`` to the image/bar edge nearby.

    ``oriented`` has the bar's edge at row 0. Compression smears the rows of
    the bar next to text and frame lines (they ring and fail the flatness
    test); they still sit at the bar's level. The bar may go on through such
    rows for up to ``reach`` rows. Within that stretch (and ``window`` rows
    back) the boundary farthest from the edge where the row median changes by
    at least 0.1 R and most columns (:data:`STEP_COLUMNS`) jump by at least
    half of that change is the bar's end (frame lines lie inside the bar).
    None there (image and bar at one grey level): ``stop`` stays.
    """
    n = len(oriented)
    end = stop
    off_level = 0  # consecutive rows away from the bar's level: a frame line is thin
    while end < min(n, stop + reach) and _bar_ish(oriented[end], med[end], level, span, level_tol):
        off_level = off_level + 1 if abs(med[end] - level) > level_tol else 0
        if off_level > FRAME_LINE_ROWS + RINGING_PX:
            end -= off_level - 1  # a thick flat area at another level (a bar behind a border)
            break
        end += 1
    lo = max(1, stop - window)
    hi = min(n - 1, end)
    best = stop
    for i in range(lo, hi + 1):
        change = abs(med[i] - med[i - 1])
        if change < STEP_FRACTION * span:
            continue
        # the columns where the bar side shows the bar's background (not a border, text)
        bar_side = np.abs(oriented[i - 1] - med[i - 1]) <= max(0.1 * span, 1.0)
        if bar_side.mean() < 0.25:
            continue
        jumps = np.abs(oriented[i] - oriented[i - 1])[bar_side] >= 0.5 * change
        if jumps.mean() >= STEP_COLUMNS:
            best = i
    return best


def find_data_bar(image, *, scan_height_px=None, max_height_fraction=0.4,
                  min_height_fraction=0.02):
    """Detect the information bar of a Zeiss / FEI SEM image.

    Parameters
    ----------
    image : (M, N) ndarray of uint8 or uint16
        Grayscale frame, axis order (row, col).
    scan_height_px : int, optional
        Height of the scanned image stated by the file's metadata
        (:attr:`calibration.SemInfo.scan_height_px`). When it is smaller than
        the image, the rows below it are the bar FEI/Thermo appends, whatever
        they look like (also when the image above is blank).
    max_height_fraction, min_height_fraction : float
        Allowed bar height as a fraction of the image height.

    Returns
    -------
    DataBar or None
        The bar, at (or within 2 % of the height of) the bottom or top edge, or
        None if there is none.

    Notes
    -----
    The bar is rendered, not scanned, so its background is one exact grey
    level: dark (FEI/Thermo black or dark grey, white text, white cell lines)
    or light (Zeiss SmartSEM white or light grey, black text, logo, black frame
    line). Let ``lo``/``hi`` be the 0.5th/99.9th grey-level percentiles and
    ``R = hi - lo``. A row is *bar-like* when at least 70 % of its pixels
    farther than :data:`RINGING_PX` columns from text (a pixel at least
    ``0.4 R`` from the row median) lie within ``max(1.5, 0.006 R)`` grey levels
    of the median (scan noise puts far fewer there) and at least 85 % are near
    the median (within ``0.05 R``) or near text. The bar is the run of bar-like
    rows from the bottom (or top) edge, after at most ``max(1, M // 50)``
    image rows (Zeiss draws its bar two rows above the bottom), bridging up to
    ``max(4, M // 40)`` rows of large text, cut where a thick flat area at
    another grey level begins; frame lines of up to 3 rows in the text colour
    belong to it. Its inner end then moves to the image/bar edge
    (:func:`_snap_to_step`), through rows that still sit at the bar's level:
    compression makes the rows next to text and frame lines fail the flatness
    test. It must hold text (at least 0.1 % of its pixels), be
    `min_height_fraction` to `max_height_fraction` of the height and span at
    least half the width (a logo or a screen-recording border bridged).

    Plain side borders of a screen recording (columns of one grey level from
    an edge, :func:`_side_borders`) are left out of every row statistic, and
    plain border rows at the top or bottom (compression ringing included) are
    skipped before the bar is searched.
    """
    image = _check_image(image)
    rows, cols = image.shape
    if scan_height_px is not None:
        scan = int(scan_height_px)
        if 0 < scan < rows and rows - scan <= max_height_fraction * rows:
            return DataBar(scan, rows, 0, cols)  # FEI: appended below the scan, certain
    if rows < 16 or cols < 16:
        return None
    data = image.astype(np.float32, copy=False)
    lo, hi = np.percentile(data[:: max(1, rows // 256)], [0.5, 99.9])
    span = float(hi - lo)
    if span <= 0:
        return None
    frame_cols = cols
    c0, c1 = _side_borders(data, span)
    if c1 - c0 < 16:
        c0, c1 = 0, cols
    if (c0, c1) != (0, cols):
        data, cols = data[:, c0:c1], c1 - c0
        r0, r1 = _side_borders(data.T, span)  # plain border rows, searched through below
        if r1 - r0 >= 16:
            inner = data[r0:r1]
            lo, hi = np.percentile(inner[:: max(1, len(inner) // 256)], [0.5, 99.9])
            span = float(hi - lo)  # the grey range of the framed image, not of its border
            if span <= 0:
                return None
    med, bar_like, contrast, ok = _row_levels(data, span)
    gap = max(4, rows // 40)
    margin = max(1, rows // 50)
    level_tol = max(2.0, 0.05 * span)
    candidates = []
    window = RINGING_PX + FRAME_LINE_ROWS + 2
    plain = bar_like & ~contrast.any(axis=1)  # flat rows without text or lines
    for flip in (True, False):
        oriented, med_o = (data[::-1], med[::-1]) if flip else (data, med)
        like_o = bar_like[::-1] if flip else bar_like
        # a plain border of a screen recording (flat rows at one level without text) may lie
        # outside the bar: search also beyond it
        border = 0
        plain_o = plain[::-1] if flip else plain
        contrast_o = contrast[::-1] if flip else contrast
        while (border < rows and plain_o[border]
               and abs(med_o[border] - med_o[0]) <= level_tol):
            border += 1
        # the last border rows, in the image's 8 x 8 blocks, ring (MJPEG, MPEG-4): still border
        # when every pixel stays near the border's level
        while (0 < border < rows and abs(med_o[border] - med_o[0]) <= level_tol
               and not contrast_o[border].any()
               and (np.abs(oriented[border] - med_o[0]) <= max(BORDER_FRACTION * span, 1.0)).mean()
               >= BORDER_RINGING_SHARE):
            border += 1
        starts = [0] + ([border] if FRAME_LINE_ROWS < border < max_height_fraction * rows else [])
        for start in starts:
            got = _edge_bar(med_o[start:], like_o[start:], gap=gap, margin=margin + gap,
                            level_tol=level_tol)
            if not got:
                continue
            outer = _outer_end(oriented[start:], med_o[start:], got[0], got[2], span, level_tol)
            if outer > margin:
                continue  # image rows between the edge and the flat rows: not an edge bar
            stop = _snap_to_step(oriented[start:], med_o[start:], got[1], got[2], span,
                                 window=window, reach=int(max_height_fraction * rows),
                                 level_tol=level_tol)
            outer, stop = outer + start, stop + start
            candidates.append((rows - stop, rows - outer) if flip else (outer, stop))
    best = None
    for top, bottom in candidates:
        height = bottom - top
        if height >= rows - 2 * margin:
            continue  # a uniform frame is not a bar
        if not min_height_fraction * rows <= height <= max_height_fraction * rows or height < 4:
            continue
        if contrast[top:bottom].mean() < 1e-3:
            continue  # no text or scale bar: a plain border, not a data bar
        col_ok = ok[top:bottom].mean(axis=0) >= 0.85
        left, right = _longest_run(col_ok, gap=max(2, cols // 10))  # bridges a logo
        if right - left < 0.5 * cols:
            continue
        # a bar from edge to edge of the framed image spans the side borders too
        left = 0 if left <= max(2, cols // 100) else left + c0
        right = frame_cols if right >= cols - max(2, cols // 100) else right + c0
        bar = DataBar(int(top), int(bottom), int(left), int(right))
        if best is None or bar.height > best.height:
            best = bar
    if best is not None:
        logger.debug("data bar found: %s", best)
    return best


def _check_crop(crop, image_shape):
    try:
        top, bottom, left, right = (int(v) for v in crop)
    except (TypeError, ValueError):
        raise InputError(f"crop must be four integers (top, bottom, left, right), got "
                         f"{crop!r}") from None
    rows, cols = image_shape[:2]
    if not (0 <= top < bottom <= rows and 0 <= left < right <= cols):
        raise InputError(f"crop {crop!r} does not fit the {rows}x{cols} (rows x cols) image; "
                         "give 0 <= top < bottom <= rows and 0 <= left < right <= cols")
    return top, bottom, left, right


def analysis_region(image_shape, data_bar=None, *, crop=None):
    """The rectangle of the image to analyse.

    Parameters
    ----------
    image_shape : tuple of int
        (rows, cols) of the frame.
    data_bar : DataBar or None
        From :func:`find_data_bar`; its full-width rows are excluded (the
        largest part of the image above or below it is kept).
    crop : (top, bottom, left, right), optional
        User-given region in pixels (half-open); overrides ``data_bar``.

    Returns
    -------
    tuple of int
        (top, bottom, left, right), half-open, in pixel rows/cols.

    Raises
    ------
    InputError
        ``crop`` does not fit the image.
    """
    rows, cols = int(image_shape[0]), int(image_shape[1])
    if crop is not None:
        return _check_crop(crop, (rows, cols))
    if data_bar is None:
        return 0, rows, 0, cols
    above, below = data_bar.top, rows - data_bar.bottom
    if above >= below:
        return 0, data_bar.top, 0, cols
    return data_bar.bottom, rows, 0, cols


def analysis_rows(image_shape, data_bar=None):
    """(top, bottom) rows to analyse: :func:`analysis_region` without columns."""
    top, bottom, _, _ = analysis_region(image_shape, data_bar)
    return top, bottom


def crop_image(image, region):
    """View of ``image`` inside ``region`` = (top, bottom, left, right).

    Coordinates measured in the crop are offset by (top, left) from the
    full frame.
    """
    top, bottom, left, right = _check_crop(region, np.shape(image))
    return image[top:bottom, left:right]
