"""Pixel size from TIFF metadata of SEM vendors, ImageJ, OME and baseline TIFF.

Every reader takes ``tiff_tags``, the first page's tags as tifffile gives
them (``{tag.name: tag.value for tag in page.tags.values()}``), and returns
``(pixel_size_um, detail)`` or None when its metadata is absent or unusable.
"""
import logging
import math
import re
import xml.etree.ElementTree as ET

from ._units import length_to_um, length_unit_to_um

__all__ = [
    "pixel_size_from_zeiss",
    "pixel_size_from_fei",
    "pixel_size_from_imagej",
    "pixel_size_from_ome",
    "pixel_size_from_tiff_resolution",
    "stage_tilt_from_tags",
    "ZEISS_MISMATCH_TOLERANCE",
    "TIFF_RESOLUTION_MAX_UM",
]

logger = logging.getLogger(__name__)

#: Relative disagreement between Zeiss Width/pixels and the pixel-size tag
#: above which a warning is logged (the tag is wrong in some files).
ZEISS_MISMATCH_TOLERANCE = 0.02

#: Baseline TIFF XResolution is trusted only if it gives a pixel smaller than
#: this (in µm); larger values are screen/print defaults (72 dpi = 353 µm,
#: 300 dpi = 85 µm), not a calibration.
TIFF_RESOLUTION_MAX_UM = 10.0

_NUMBER_UNIT = re.compile(r"^\s*([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*(\S+)\s*$")


def _positive(v):
    return v is not None and math.isfinite(v) and v > 0


def _zeiss_entry_um(entry):
    """('Width', 46.4, 'µm') or ('Width', '46.4 µm') -> (µm, text) or None."""
    if not isinstance(entry, tuple) or len(entry) < 2:
        return None
    if len(entry) >= 3:
        value, unit = entry[1], entry[2]
    elif isinstance(entry[1], str):
        m = _NUMBER_UNIT.match(entry[1])
        if m is None:
            return None
        value, unit = m.group(1), m.group(2)
    else:
        return None
    um = length_to_um(value, unit)
    if not _positive(um):
        return None
    return um, f"{entry[0]} = {value} {unit}"


def _find_zeiss(cz, keys, label):
    for k in keys:
        if k in cz:
            got = _zeiss_entry_um(cz[k])
            if got is not None:
                return got
    for entry in cz.values():  # older files: other key prefixes, same label
        if isinstance(entry, tuple) and entry and entry[0] == label:
            got = _zeiss_entry_um(entry)
            if got is not None:
                return got
    return None


def _image_width_px(tiff_tags, image_width_px):
    w = tiff_tags.get("ImageWidth")
    if isinstance(w, int) and w > 0:
        return w
    if image_width_px:
        return int(image_width_px)
    return None


def pixel_size_from_zeiss(tiff_tags: dict, *, image_width_px: int | None = None) -> tuple[float, str] | None:
    """Zeiss SmartSEM ``CZ_SEM`` tag (34118).

    The field width ``Width`` (key ``ap_width``) divided by the image width in
    pixels (``ImageWidth`` tag, else `image_width_px`, else the
    ``dp_image_store`` "1024 * 768" entry) is used; the ``Image Pixel Size``
    entry (``ap_image_pixel_size``, else ``ap_pixel_size``) is used only as
    a cross-check, because it is wrong in some files. A disagreement above
    `ZEISS_MISMATCH_TOLERANCE` is logged as a warning and written into the
    detail. Without a Width entry the pixel-size entry is used alone.

    Returns
    -------
    (float, str) or None
        Pixel size in µm and a human-readable detail.
    """
    cz = tiff_tags.get("CZ_SEM")
    if not isinstance(cz, dict):
        return None
    width = _find_zeiss(cz, ("ap_width",), "Width")
    tag = _find_zeiss(cz, ("ap_image_pixel_size", "ap_pixel_size", "dp_pixel_size"), "Image Pixel Size")
    if tag is None:
        tag = _find_zeiss(cz, (), "Pixel Size")
    n_px = _image_width_px(tiff_tags, image_width_px)
    if n_px is None:
        store = cz.get("dp_image_store")
        if isinstance(store, tuple) and len(store) >= 2:
            m = re.match(r"\s*(\d+)\s*\*\s*(\d+)", str(store[1]))
            if m:
                n_px = int(m.group(1))
    if width is not None and n_px:
        um = width[0] / n_px
        detail = f"{width[1]} / {n_px} px"
        if tag is None:
            detail += "; no pixel-size entry to cross-check"
        else:
            rel = abs(tag[0] - um) / um
            if rel > ZEISS_MISMATCH_TOLERANCE:
                logger.warning("Zeiss metadata disagree: %s / %d px = %.6g µm but %s (%.1f %% off); "
                               "using Width/pixels", width[1], n_px, um, tag[1], 100 * rel)
                detail += f"; {tag[1]} disagrees by {100 * rel:.1f} % and was not used"
            else:
                detail += f"; cross-checked with {tag[1]}"
        return um, detail
    if tag is not None:
        return tag[0], f"{tag[1]}; not cross-checked (no Width entry or image width)"
    return None


def _fei_sections(tiff_tags):
    for name in ("FEI_HELIOS", "FEI_SFEG"):
        md = tiff_tags.get(name)
        if isinstance(md, dict):
            yield name, md


def pixel_size_from_fei(tiff_tags: dict) -> tuple[float, str] | None:
    """FEI / Thermo Fisher tag (``FEI_HELIOS`` 34682 or ``FEI_SFEG`` 34680).

    Uses ``[Scan] PixelWidth`` (metres), else ``[EScan]``/``[IScan]``
    ``PixelWidth``, else ``[Scan] HorFieldsize`` / ``[Image] ResolutionX``.

    Returns
    -------
    (float, str) or None
        Pixel size in µm and a human-readable detail.
    """
    for name, md in _fei_sections(tiff_tags):
        for section in ("Scan", "EScan", "IScan"):
            sec = md.get(section)
            if isinstance(sec, dict) and "PixelWidth" in sec:
                um = length_to_um(sec["PixelWidth"], "m")
                if _positive(um):
                    return um, f"{name} [{section}] PixelWidth = {sec['PixelWidth']} m"
        scan = md.get("Scan") if isinstance(md.get("Scan"), dict) else {}
        image = md.get("Image") if isinstance(md.get("Image"), dict) else {}
        hfw = length_to_um(scan.get("HorFieldsize"), "m")
        try:
            nx = int(image.get("ResolutionX"))
        except (TypeError, ValueError):
            nx = 0
        if _positive(hfw) and nx > 0:
            return hfw / nx, f"{name} HorFieldsize = {scan['HorFieldsize']} m / ResolutionX = {nx} px"
    return None


def _resolution_px_per_unit(value):
    """tifffile XResolution value (num, den) or number -> float or None."""
    if isinstance(value, tuple) and len(value) == 2:
        num, den = value
        if not den:
            return None
        value = num / den
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if _positive(v) else None


def _description(tiff_tags):
    d = tiff_tags.get("ImageDescription")
    if isinstance(d, bytes):
        d = d.decode("utf-8", "replace")
    return d if isinstance(d, str) else ""


def pixel_size_from_imagej(tiff_tags: dict) -> tuple[float, str] | None:
    """ImageJ/Fiji: ``unit=`` in ImageDescription + XResolution (pixels per unit).

    Returns None for an uncalibrated image (no unit, or unit 'pixel').
    """
    desc = _description(tiff_tags)
    if not desc.startswith("ImageJ="):
        return None
    m = re.search(r"^unit=(.*)$", desc, flags=re.MULTILINE)
    if m is None:
        return None
    unit = m.group(1).strip()
    factor = length_unit_to_um(unit)
    ppu = _resolution_px_per_unit(tiff_tags.get("XResolution"))
    if factor is None or ppu is None:
        return None
    return factor / ppu, f"ImageJ unit={unit}, XResolution = {ppu:.6g} px/{unit}"


def pixel_size_from_ome(tiff_tags: dict) -> tuple[float, str] | None:
    """OME-TIFF: ``Pixels PhysicalSizeX`` with ``PhysicalSizeXUnit`` (default µm)."""
    desc = _description(tiff_tags).strip()
    if not desc.startswith("<") or "OME" not in desc[:2000]:
        return None
    try:
        root = ET.fromstring(desc)
    except ET.ParseError:
        logger.warning("ImageDescription looks like OME-XML but does not parse; ignoring it")
        return None
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] == "Pixels" and "PhysicalSizeX" in el.attrib:
            unit = el.attrib.get("PhysicalSizeXUnit", "\u00b5m")
            um = length_to_um(el.attrib["PhysicalSizeX"], unit)
            if _positive(um):
                return um, f"OME PhysicalSizeX = {el.attrib['PhysicalSizeX']} {unit}"
    return None


_RESUNIT_NAMES = {2: "inch", 3: "cm", 4: "mm", 5: "um"}


def pixel_size_from_tiff_resolution(tiff_tags: dict) -> tuple[float, str] | None:
    """Baseline TIFF XResolution + ResolutionUnit (inch, cm; tifffile's mm, µm).

    Trusted only when it gives a pixel smaller than `TIFF_RESOLUTION_MAX_UM`
    (so 72/96/300 dpi screen and print defaults are ignored) and the file is
    not an ImageJ file (ImageJ's own reader handles those).
    """
    if _description(tiff_tags).startswith("ImageJ="):
        return None
    ppu = _resolution_px_per_unit(tiff_tags.get("XResolution"))
    try:
        code = int(tiff_tags.get("ResolutionUnit", 2))
    except (TypeError, ValueError):
        return None
    unit = _RESUNIT_NAMES.get(code)
    if ppu is None or unit is None:
        return None
    um = length_unit_to_um(unit) / ppu
    if um >= TIFF_RESOLUTION_MAX_UM:
        logger.debug("ignoring TIFF resolution %.6g px/%s (%.3g µm/px): a display default", ppu, unit, um)
        return None
    return um, f"TIFF XResolution = {ppu:.6g} px/{unit}"


def stage_tilt_from_tags(tiff_tags: dict) -> float | None:
    """Stage tilt in degrees from Zeiss (``ap_stage_at_t``) or FEI (``[Stage] StageT``, radians).

    Returns
    -------
    float or None
    """
    cz = tiff_tags.get("CZ_SEM")
    if isinstance(cz, dict):
        entry = cz.get("ap_stage_at_t")
        if isinstance(entry, tuple) and len(entry) >= 2:
            try:
                return float(entry[1])
            except (TypeError, ValueError):
                pass
    for _name, md in _fei_sections(tiff_tags):
        stage = md.get("Stage")
        if isinstance(stage, dict) and "StageT" in stage:
            try:
                return math.degrees(float(stage["StageT"]))
            except (TypeError, ValueError):
                pass
    return None
