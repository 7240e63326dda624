"""Pixel size in µm, with where it came from."""
from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass

import numpy as np

from ._errors import InputError
from ._metadata import (
    pixel_size_from_fei,
    pixel_size_from_imagej,
    pixel_size_from_ome,
    pixel_size_from_tiff_resolution,
    pixel_size_from_zeiss,
)

__all__ = ["PixelSize", "PIXEL_SIZE_SOURCES", "resolve_pixel_size", "pixel_size_from_tags"]

logger = logging.getLogger(__name__)

#: Possible values of `PixelSize.source`, in the order they are tried.
PIXEL_SIZE_SOURCES = ("user", "zeiss_metadata", "fei_metadata", "imagej_metadata",
                      "ome_metadata", "tiff_resolution", "scale_bar")

#: Relative disagreement above which two independent pixel sizes are reported.
CROSS_CHECK_TOLERANCE = 0.02


@dataclass(frozen=True)
class PixelSize:
    """Size of one image pixel.

    Attributes
    ----------
    um : float
        Pixel size in µm (square pixels: the same along x and y).
    source : str
        One of `PIXEL_SIZE_SOURCES`.
    detail : str
        Human-readable provenance, e.g.
        'Width = 46.4 µm / 1024 px; cross-checked with Image Pixel Size = 45.3 nm'
        or 'scale bar 100.0 px = 10 µm (label read: 10 um)'.
    """

    um: float
    source: str
    detail: str = ""

    def __post_init__(self):
        if self.source not in PIXEL_SIZE_SOURCES:
            raise InputError(f"pixel size source must be one of {PIXEL_SIZE_SOURCES}, got {self.source!r}")
        if not (isinstance(self.um, (int, float)) and math.isfinite(self.um) and self.um > 0):
            raise InputError(f"pixel size must be a positive number of µm, got {self.um!r}")


def _check_positive(value, option, path):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{option} must be a number in µm, got {value!r}", path=path) from None
    if not math.isfinite(v) or v <= 0:
        raise InputError(f"{option} must be a positive number in µm, got {value!r}", path=path)
    return v


_READERS = (
    ("zeiss_metadata", pixel_size_from_zeiss),
    ("fei_metadata", pixel_size_from_fei),
    ("imagej_metadata", pixel_size_from_imagej),
    ("ome_metadata", pixel_size_from_ome),
    ("tiff_resolution", pixel_size_from_tiff_resolution),
)


def pixel_size_from_tags(tiff_tags: dict, *, image_width_px: int | None = None) -> PixelSize | None:
    """Pixel size from file metadata alone (no image, no scale bar).

    Parameters
    ----------
    tiff_tags : dict
        First-page TIFF tags as tifffile gives them.
    image_width_px : int, optional
        Image width, pixels, for Zeiss files whose tags lack ``ImageWidth``.

    Returns
    -------
    PixelSize or None
        The first metadata source that holds a pixel size (Zeiss, FEI,
        ImageJ, OME, baseline TIFF), None if none does.
    """
    for source, reader in _READERS:
        if source == "zeiss_metadata":
            got = reader(tiff_tags, image_width_px=image_width_px)
        else:
            got = reader(tiff_tags)
        if got is not None:
            return PixelSize(um=float(got[0]), source=source, detail=got[1])
    return None


def _from_metadata(tiff_tags, image):
    for source, reader in _READERS:
        if source == "zeiss_metadata":
            shape = getattr(image, "shape", ())
            width = int(shape[1]) if len(shape) >= 2 else None  # (rows, cols[, channels])
            got = reader(tiff_tags, image_width_px=width)
        else:
            got = reader(tiff_tags)
        if got is not None:
            return PixelSize(um=float(got[0]), source=source, detail=got[1])
    return None


def _cross_check(found, image, data_bar, scale_bar_um, measure_scale_bar):
    """Compare the metadata pixel size with the scale bar, when both exist.

    The bar's length is read to about ±1 px, so the two may differ by
    1/length_px (relative) plus `CROSS_CHECK_TOLERANCE` for the label's
    rounding; beyond that a warning is logged and written in the detail.
    The metadata value is kept.
    """
    bar = measure_scale_bar(image, region=data_bar, read_label=scale_bar_um is None)
    if bar is None:
        return found
    value = scale_bar_um if scale_bar_um is not None else bar.label_um
    if value is None:
        return found
    bar_um = value / bar.length_px
    allowed = 1.0 / bar.length_px + CROSS_CHECK_TOLERANCE
    rel = abs(bar_um - found.um) / found.um
    if rel > allowed:
        what = "--scale-bar-um" if scale_bar_um is not None else f"the scale-bar label '{bar.label_text}'"
        logger.warning("%s gives %.6g µm/px (bar %.1f px = %g µm) but the metadata %.6g µm/px "
                       "(%.1f %% apart, more than the bar's ±1 px reading allows); using the metadata "
                       "(pass --pixel-size to override)", what, bar_um, bar.length_px, value, found.um,
                       100 * rel)
        detail = f"{found.detail}; scale bar disagrees by {100 * rel:.1f} %"
    else:
        detail = f"{found.detail}; scale bar agrees within {100 * rel:.1f} %"
    return PixelSize(um=found.um, source=found.source, detail=detail)


def resolve_pixel_size(
    *,
    user_um: float | None = None,
    tiff_tags: dict | None = None,
    image: np.ndarray | None = None,
    data_bar: tuple[float, float, float, float] | None = None,
    scale_bar_um: float | None = None,
    path: str | os.PathLike | None = None,
) -> PixelSize:
    """Find the pixel size, trying the sources in a fixed order.

    1. `user_um` (``--pixel-size``), if given.
    2. File metadata from `tiff_tags`: Zeiss ``CZ_SEM`` (field Width /
       image width in pixels, cross-checked against the pixel-size entry),
       FEI/Thermo ``FEI_HELIOS``/``FEI_SFEG`` ``PixelWidth``, ImageJ
       ``unit`` + ``XResolution``, OME ``PhysicalSizeX``, baseline TIFF
       ``XResolution`` (only when it is not a screen/print default).
    3. The scale bar in the data bar of `image`: its length in pixels is
       measured; its value is `scale_bar_um` (``--scale-bar-um``) if given,
       else the value read from its label.

    Parameters
    ----------
    user_um : float, optional
        Pixel size given by the user, µm.
    tiff_tags : dict, optional
        First-page TIFF tags as tifffile gives them,
        ``{tag.name: tag.value for tag in page.tags.values()}``.
    image : (M, N) ndarray, optional
        The first frame, for the scale bar (and the Zeiss image width).
    data_bar : (top, bottom, left, right), optional
        The info bar in pixels (bottom/right exclusive) where the scale bar
        is searched; default the whole image.
    scale_bar_um : float, optional
        The scale bar's length in µm as printed on its label.
    path : str or os.PathLike, optional
        The input file, named in error messages.

    Returns
    -------
    PixelSize

    Raises
    ------
    InputError
        A given value is not a positive number, or no source gave a pixel
        size (the message says which option to pass).
    """
    if user_um is not None:
        um = _check_positive(user_um, "--pixel-size", path)
        return PixelSize(um=um, source="user", detail=f"given by the user: {um:g} µm")
    if scale_bar_um is not None:
        scale_bar_um = _check_positive(scale_bar_um, "--scale-bar-um", path)
    if tiff_tags is not None and not isinstance(tiff_tags, dict):
        raise InputError(f"tiff_tags must be a dict of tag name -> value, got {type(tiff_tags).__name__}",
                         path=path)

    # OpenCV loads here, when a scale bar is really measured, not at import
    from ._scale_bar import measure_scale_bar

    found = _from_metadata(tiff_tags, image) if tiff_tags else None
    if found is not None:
        logger.info("pixel size %.6g µm from %s (%s)", found.um, found.source, found.detail)
        if image is not None and (scale_bar_um is not None or data_bar is not None):
            return _cross_check(found, image, data_bar, scale_bar_um, measure_scale_bar)
        return found

    if image is None:
        raise InputError("no pixel size in the file metadata and no image to find a scale bar in; "
                         "pass --pixel-size UM (µm per pixel)", path=path)
    bar = measure_scale_bar(image, region=data_bar, read_label=scale_bar_um is None)
    if bar is None:
        where = "in the data bar" if data_bar is not None else "in the image"
        raise InputError(f"no pixel size in the file metadata and no scale bar found {where}; "
                         "pass --pixel-size UM (µm per pixel)", path=path)
    if scale_bar_um is not None:
        value, how = scale_bar_um, "given by --scale-bar-um"
    elif bar.label_um is not None:
        value, how = bar.label_um, f"label read as '{bar.label_text}'"
    else:
        guess = f" (best guess '{bar.label_text}', not certain)" if bar.label_text else ""
        raise InputError(f"found a scale bar of {bar.length_px:.1f} px at row {bar.row:.0f} but could not read "
                         f"its label{guess}; pass --scale-bar-um UM (the bar's length in µm) or "
                         "--pixel-size UM", path=path)
    um = value / bar.length_px
    detail = (f"scale bar {bar.length_px:.1f} px = {value:g} µm ({how}; x {bar.x0:.1f}-{bar.x1:.1f}, "
              f"row {bar.row:.0f}); ±1 px = ±{100.0 / bar.length_px:.1f} %")
    logger.info("pixel size %.6g µm from the %s", um, detail)
    return PixelSize(um=um, source="scale_bar", detail=detail)
