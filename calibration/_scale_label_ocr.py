"""Optional OCR backend for scale-bar labels: Tesseract, when it is installed.

Used only after the built-in readers (Hershey glyphs, vendor fonts) found no
clear reading, and only when both the ``pytesseract`` package and the
``tesseract`` program (Debian ``tesseract-ocr``) are present; semtrack never
requires it. The OCR text must parse as ``<number> <unit>``; ``p``/``u``
before ``m`` is read as ``µ`` (SEM scale bars are never in picometres, and
OCR engines often return ``µ`` as one of those letters).
"""
from __future__ import annotations

import functools
import logging
import re

import cv2
import numpy as np

from ._units import length_to_um

__all__ = ["tesseract_available", "read_label_tesseract"]

logger = logging.getLogger(__name__)

# the unit prefix is required: a bare "m" is a dropped "µ", never metres on an SEM bar
_LABEL = re.compile(r"(\d+(?:[.,]\d+)?)\s*([nµupm]m)\b")
# the label is upscaled to about this height before OCR (Tesseract prefers ~30 px text)
_OCR_TEXT_HEIGHT_PX = 40
# Tesseract: one text line, only the label's characters
_OCR_CONFIG = "--psm 7 -c tessedit_char_whitelist=0123456789.,µunpm"


@functools.lru_cache(maxsize=1)
def tesseract_available() -> bool:
    """True if ``pytesseract`` imports and finds the ``tesseract`` program."""
    try:
        import pytesseract
    except ImportError:
        return False
    try:
        pytesseract.get_tesseract_version()
    except Exception:  # noqa: BLE001 - any failure means "not usable"
        return False
    return True


def parse_ocr_label(text: str) -> tuple[float, str] | None:
    """``'1 µm*'`` -> (1.0, '1 µm'); None if no ``<number> <unit>`` in `text`."""
    m = _LABEL.search(text.replace("\n", " "))
    if m is None:
        return None
    unit = m.group(2)
    if unit in ("um", "pm"):
        unit = "µm"
    number = m.group(1).replace(",", ".")
    um = length_to_um(number, unit)
    if um is None or not um > 0:
        return None
    return um, f"{number} {unit}"


def read_label_tesseract(norm: np.ndarray, box: tuple[int, int, int, int]) -> tuple[float, str] | None:
    """OCR one label box of a data bar.

    Parameters
    ----------
    norm : (M, N) ndarray of float
        The data bar, 0 = background, 1 = text.
    box : (x0, x1, y0, y1)
        The label's pixels (inclusive).

    Returns
    -------
    (label_um, text) or None
        None when Tesseract is not installed or read no label.
    """
    if not tesseract_available():
        return None
    import pytesseract

    x0, x1, y0, y1 = box
    pad = 4
    crop = np.clip(norm[max(y0 - pad, 0):y1 + pad + 1, max(x0 - pad, 0):x1 + pad + 1], 0, 1)
    scale = max(1.0, _OCR_TEXT_HEIGHT_PX / max(y1 - y0 + 1, 1))
    img = cv2.resize(((1.0 - crop) * 255).astype(np.uint8), None, fx=scale, fy=scale,
                     interpolation=cv2.INTER_CUBIC)  # dark text on white, as OCR expects
    text = pytesseract.image_to_string(img, config=_OCR_CONFIG)
    got = parse_ocr_label(text)
    logger.debug("Tesseract read the label as %r -> %s", text.strip(), got)
    return got
