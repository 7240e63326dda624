"""What an SEM image file says about itself: pixel size, tilt, detector, voltage, time.

Reads the first page's TIFF tags (Zeiss SmartSEM ``CZ_SEM``, FEI/Thermo
``FEI_HELIOS``/``FEI_SFEG``, ImageJ, OME, baseline TIFF) and returns plain
values with their units in the names. OpenCV is not needed here.
"""
from __future__ import annotations

import datetime as _dt
import math
import os
from dataclasses import dataclass

from ._errors import InputError
from ._metadata import stage_tilt_from_tags
from ._pixel_size import PixelSize, pixel_size_from_tags

__all__ = ["SemInfo", "read_sem_info", "sem_info_from_tags", "acquisition_time",
           "acquisition_time_from_tags", "TIME_RESOLUTION_S"]

#: Resolution of every time stamp the vendors write (whole seconds).
TIME_RESOLUTION_S = 1.0

_ZEISS_DATE_FORMATS = ("%d %b %Y", "%d %B %Y", "%d.%m.%Y", "%m/%d/%Y", "%Y-%m-%d")
_FEI_DATE_FORMATS = ("%m/%d/%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y")
_TIME_FORMATS = ("%H:%M:%S", "%I:%M:%S %p", "%H:%M:%S.%f", "%H:%M")


@dataclass(frozen=True)
class SemInfo:
    """Acquisition facts of one SEM image, from its metadata.

    Attributes
    ----------
    vendor : str or None
        ``'zeiss'``, ``'fei'`` or None (other TIFF).
    pixel_size : PixelSize or None
        Pixel size in µm with its source, None if the metadata has none.
    stage_tilt_deg : float or None
        Stage tilt, degrees.
    detector : str or None
        Detector name as the vendor writes it (``'InLens'``, ``'ETD'``...).
    accelerating_voltage_kV : float or None
        Beam (EHT / HV) voltage, kV.
    image_width_px, image_height_px : int or None
        The size of the stored TIFF page, pixels.
    scan_height_px : int or None
        The height of the scanned image stated by the metadata (Zeiss
        ``Store resolution``, FEI ``[Image] ResolutionY``). FEI appends its
        data bar below the scan, so TIFF rows from `scan_height_px` on are
        the bar. Zeiss draws its bar over the last rows of the stored image
        (rows 691-767 of a 1024 x 768 SmartSEM TIFF), so there it equals
        `image_height_px` and says nothing about the bar.
    acquired : datetime.datetime or None
        Acquisition time (local time of the microscope, naive).
    time_resolution_s : float or None
        Resolution of `acquired`, s (None when there is no time).
    """

    vendor: str | None
    pixel_size: PixelSize | None
    stage_tilt_deg: float | None
    detector: str | None
    accelerating_voltage_kV: float | None
    image_width_px: int | None
    image_height_px: int | None
    scan_height_px: int | None
    acquired: _dt.datetime | None
    time_resolution_s: float | None


def _read_tags(path):
    import tifffile  # the TIFF reader: only when a file is read

    try:
        with tifffile.TiffFile(os.fspath(path)) as tif:
            page = tif.pages[0]
            return {tag.name: tag.value for tag in page.tags.values()}
    except FileNotFoundError:
        raise InputError("no such file; check the path", path=path) from None
    except (tifffile.TiffFileError, ValueError, IndexError) as exc:
        raise InputError(f"not a readable TIFF ({exc}); give an SEM TIFF image", path=path) from None


def _zeiss(tags):
    cz = tags.get("CZ_SEM")
    return cz if isinstance(cz, dict) else None


def _fei(tags):
    for name in ("FEI_HELIOS", "FEI_SFEG"):
        md = tags.get(name)
        if isinstance(md, dict):
            return md
    return None


def _zeiss_value(cz, key):
    entry = cz.get(key)
    if isinstance(entry, tuple) and len(entry) >= 2:
        return entry[1:]
    return None


def _to_kV(value, unit):
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    factor = {"kv": 1.0, "v": 1e-3, "mv": 1e-6}.get(str(unit).strip().lower())
    if factor is None or not math.isfinite(v):
        return None
    return v * factor


def _int_or_none(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _zeiss_store_height(cz):
    got = _zeiss_value(cz, "dp_image_store")
    if got:
        parts = str(got[0]).replace("x", "*").split("*")
        if len(parts) == 2:
            return _int_or_none(parts[1].strip())
    return None


def _parse(date_text, time_text, date_formats):
    date_text, time_text = str(date_text).strip(), str(time_text).strip()
    for dfmt in date_formats:
        for tfmt in _TIME_FORMATS:
            try:
                return _dt.datetime.strptime(f"{date_text} {time_text}", f"{dfmt} {tfmt}")
            except ValueError:
                continue
    return None


def acquisition_time_from_tags(tiff_tags: dict) -> tuple[_dt.datetime | None, float | None]:
    """Acquisition time from TIFF tags: Zeiss, then FEI, then TIFF DateTime.

    Parameters
    ----------
    tiff_tags : dict
        First-page tags as tifffile gives them (name -> value).

    Returns
    -------
    acquired : datetime.datetime or None
        Local time of the microscope, timezone-naive.
    resolution_s : float or None
        The time stamp's resolution, s (1 s for every vendor format); None
        when no time was found.
    """
    cz = _zeiss(tiff_tags)
    if cz is not None:
        d, t = _zeiss_value(cz, "ap_date"), _zeiss_value(cz, "ap_time")
        if d and t:
            got = _parse(d[0], t[0], _ZEISS_DATE_FORMATS)
            if got is not None:
                return got, TIME_RESOLUTION_S
    fei = _fei(tiff_tags)
    if fei is not None:
        user = fei.get("User") if isinstance(fei.get("User"), dict) else {}
        if user.get("Date") and user.get("Time"):
            got = _parse(user["Date"], user["Time"], _FEI_DATE_FORMATS)
            if got is not None:
                return got, TIME_RESOLUTION_S
    stamp = tiff_tags.get("DateTime")
    if isinstance(stamp, bytes):
        stamp = stamp.decode("ascii", "replace")
    if isinstance(stamp, str):
        try:
            return _dt.datetime.strptime(stamp.strip(), "%Y:%m:%d %H:%M:%S"), TIME_RESOLUTION_S
        except ValueError:
            pass
    return None, None


def acquisition_time(path: str | os.PathLike) -> tuple[_dt.datetime | None, float | None]:
    """Acquisition time of an SEM TIFF from its own metadata.

    Zeiss ``Date``/``Time`` (``ap_date``, ``ap_time``), FEI ``[User]
    Date``/``Time``, else the baseline TIFF ``DateTime`` tag.

    Parameters
    ----------
    path : str or os.PathLike
        The TIFF file.

    Returns
    -------
    acquired : datetime.datetime or None
        Local time of the microscope (naive), None if the file has none.
    resolution_s : float or None
        Resolution of the stamp in seconds (1.0: the vendors write whole
        seconds), None when there is no time.

    Raises
    ------
    InputError
        The file is missing or not a TIFF.
    """
    return acquisition_time_from_tags(_read_tags(path))


def sem_info_from_tags(tiff_tags: dict) -> SemInfo:
    """:class:`SemInfo` from first-page TIFF tags (see :func:`read_sem_info`)."""
    cz, fei = _zeiss(tiff_tags), _fei(tiff_tags)
    vendor = "zeiss" if cz is not None else "fei" if fei is not None else None
    detector = kv = scan_h = None
    if cz is not None:
        got = _zeiss_value(cz, "dp_detector_type") or _zeiss_value(cz, "dp_detector_channel")
        detector = str(got[0]) if got else None
        got = _zeiss_value(cz, "ap_actualkv") or _zeiss_value(cz, "ap_manualkv")
        kv = _to_kV(got[0], got[1]) if got and len(got) >= 2 else None
        scan_h = _zeiss_store_height(cz)
    elif fei is not None:
        det = fei.get("Detectors") if isinstance(fei.get("Detectors"), dict) else {}
        detector = det.get("Name") or None
        beam = fei.get("Beam") if isinstance(fei.get("Beam"), dict) else {}
        if beam.get("HV") is not None:
            kv = _to_kV(beam["HV"], "V")
        image = fei.get("Image") if isinstance(fei.get("Image"), dict) else {}
        scan_h = _int_or_none(image.get("ResolutionY"))
    width = _int_or_none(tiff_tags.get("ImageWidth"))
    acquired, res = acquisition_time_from_tags(tiff_tags)
    return SemInfo(
        vendor=vendor,
        pixel_size=pixel_size_from_tags(tiff_tags, image_width_px=width),
        stage_tilt_deg=stage_tilt_from_tags(tiff_tags),
        detector=detector,
        accelerating_voltage_kV=kv,
        image_width_px=width,
        image_height_px=_int_or_none(tiff_tags.get("ImageLength")),
        scan_height_px=scan_h,
        acquired=acquired,
        time_resolution_s=res,
    )


def read_sem_info(path: str | os.PathLike) -> SemInfo:
    """Pixel size (with source), stage tilt, detector, voltage and time of an SEM TIFF.

    Parameters
    ----------
    path : str or os.PathLike
        Zeiss SmartSEM, FEI/Thermo, ImageJ, OME or plain TIFF.

    Returns
    -------
    SemInfo
        Fields the metadata does not hold are None.

    Raises
    ------
    InputError
        The file is missing or not a TIFF.
    """
    return sem_info_from_tags(_read_tags(path))
