"""Multi-page TIFF stacks (ImageJ, OME, Zeiss, FEI/Thermo, plain) via tifffile."""
from __future__ import annotations

import datetime
import logging
import struct
import warnings
import xml.etree.ElementTree as ET

import numpy as np
import tifffile

from calibration import InputError, sem_info_from_tags

from ._base import Frame, VideoReader, to_gray

__all__ = ["TiffStackReader"]

logger = logging.getLogger(__name__)

# tags that are only byte offsets into the file: useless to users, often huge
_SKIP_TAGS = frozenset({"StripOffsets", "StripByteCounts", "TileOffsets", "TileByteCounts",
                        "FreeOffsets", "FreeByteCounts", "JPEGTables"})

_TIME_UNITS_S = {"s": 1.0, "sec": 1.0, "second": 1.0, "seconds": 1.0, "ms": 1e-3,
                 "msec": 1e-3, "millisecond": 1e-3, "milliseconds": 1e-3, "us": 1e-6,
                 "µs": 1e-6, "microsecond": 1e-6, "min": 60.0, "minute": 60.0,
                 "minutes": 60.0, "h": 3600.0, "hour": 3600.0, "hours": 3600.0}


def _unit_factor(unit, *, path, what):
    factor = _TIME_UNITS_S.get(str(unit or "s").strip().lower())
    if factor is None:
        raise InputError(f"unknown time unit {unit!r} in the {what} metadata; expected one of "
                         f"{sorted(_TIME_UNITS_S)}; pass fps=FPS to ignore the metadata", path=path)
    return factor


def _parse_datetime(text):
    """Parse the date/time formats SEM software writes; naive datetime or None."""
    text = str(text).strip()
    for fmt in ("%Y:%m:%d %H:%M:%S", "%Y:%m:%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S",
                "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f",
                "%d %b %Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S",
                "%d.%m.%Y %H:%M:%S"):
        try:
            return datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value


def _plain(value):
    """Tag value in a form that prints and serialises (bytes decoded, enums named)."""
    if isinstance(value, bytes):
        return value.decode("latin-1", errors="replace").rstrip("\x00")
    if hasattr(value, "name") and hasattr(value, "value") and not isinstance(value, dict):
        return value.name  # IntEnum such as COMPRESSION.NONE
    return value


def _find(mapping, keys):
    """First value of one of ``keys`` in a nested dict (case-insensitive)."""
    if not isinstance(mapping, dict):
        return None
    lowered = {str(k).lower(): v for k, v in mapping.items()}
    for key in keys:
        if key.lower() in lowered:
            value = lowered[key.lower()]
            if isinstance(value, (tuple, list)) and len(value) >= 2:
                value = value[1]  # Zeiss CZ_SEM stores (label, value[, unit])
            return value
    for value in mapping.values():
        found = _find(value, keys) if isinstance(value, dict) else None
        if found is not None:
            return found
    return None


def _sem_start_time(tags):
    """Acquisition time from FEI/Thermo or Zeiss metadata, else the DateTime tag."""
    for name in ("FEI_HELIOS", "FEI_SFEG"):
        date, time = _find(tags.get(name), ["Date"]), _find(tags.get(name), ["Time"])
        if date and time:
            value = _parse_datetime(f"{date} {time}")
            if value:
                return value, name
    zeiss = tags.get("CZ_SEM")
    date, time = _find(zeiss, ["ap_date"]), _find(zeiss, ["ap_time"])
    if date and time:
        value = _parse_datetime(f"{date} {time}")
        if value:
            return value, "CZ_SEM"
    if tags.get("DateTime"):
        value = _parse_datetime(tags["DateTime"])
        if value:
            return value, "DateTime"
    return None, None


class TiffStackReader(VideoReader):
    """Stream the pages of a (multi-page) TIFF as frames.

    Parameters
    ----------
    path : pathlib.Path
        TIFF file; every page (except reduced-resolution thumbnails) is one
        frame, all of the same size.
    fps : float, optional
        Frames per second; overrides timing metadata (warns if they differ).

    Notes
    -----
    Frame times come from, in this order: the ``fps`` argument; OME
    ``Plane/@DeltaT`` (or ``Pixels/@TimeIncrement``); ImageJ ``finterval``
    (with ``tunit``); per-page ``DateTime`` tags if they strictly increase
    (1 s resolution, warns). A one-page file needs none of these.
    """

    def __init__(self, path, *, fps=None):
        self.path = path
        try:
            self._tif = tifffile.TiffFile(path)
        except (tifffile.TiffFileError, ValueError, OSError, struct.error) as exc:
            raise InputError(f"cannot read the TIFF ({exc}); the file is damaged or "
                             "truncated", path=path) from None
        try:
            self._setup(fps)
        except (tifffile.TiffFileError, OSError, struct.error) as exc:
            self.close()
            raise InputError(f"cannot read the TIFF ({exc}); the file is damaged or "
                             "truncated", path=path) from None
        except InputError:
            self.close()
            raise

    def _setup(self, fps):
        tif, path = self._tif, self.path
        ij = tif.imagej_metadata or {}
        if int(ij.get("channels", 1) or 1) > 1:
            raise InputError(f"the ImageJ stack has {ij['channels']} channels; semtrack reads "
                             "one channel: split channels in Fiji (Image > Color > Split "
                             "Channels) and save one", path=path)
        self._memmap = None
        pages = [p for p in tif.pages if not getattr(p, "is_reduced", False)]
        if not pages:
            raise InputError("the TIFF contains no image", path=path)
        first = pages[0]
        n_images = int(ij.get("images", 0) or 0)
        if tif.is_imagej and n_images > len(pages) and len(pages) == 1:
            # ImageJ >4 GB "raw" stacks: one IFD, images stored back to back
            series = tif.series[0]
            if series.dataoffset is None:
                raise InputError("the ImageJ stack is compressed but has one IFD; re-save it "
                                 "from Fiji", path=path)
            needed = series.dataoffset + n_images * int(np.prod(first.shape)) * series.dtype.itemsize
            size = path.stat().st_size
            if size < needed:
                raise InputError(f"the ImageJ stack is truncated: {n_images} images need "
                                 f"{needed} bytes but the file has {size}", path=path)
            self._memmap = np.memmap(path, dtype=series.dtype, mode="r",
                                     offset=series.dataoffset,
                                     shape=(n_images,) + tuple(first.shape))
            n = n_images
        else:
            n = len(pages)
        self._pages = pages
        self.frame_shape = (int(first.imagelength), int(first.imagewidth))
        for i, page in enumerate(pages):
            shape = (int(page.imagelength), int(page.imagewidth))
            if shape != self.frame_shape or getattr(page, "imagedepth", 1) > 1:
                raise InputError(
                    f"the TIFF has pages of mixed shapes: page {i} is {shape[0]}x{shape[1]} "
                    f"(rows x cols) but page 0 is {self.frame_shape[0]}x{self.frame_shape[1]}; "
                    "save a stack of equally sized frames", path=path)
        self.n_frames = n
        self.dtype = np.dtype(first.dtype)
        if self.dtype == bool:
            self.dtype = np.dtype(np.uint8)
        if self.dtype not in (np.uint8, np.uint16):
            raise InputError(f"pixel type {first.dtype} is not supported; export the stack as "
                             "8- or 16-bit unsigned integers", path=path)

        tags = {}
        for tag in first.tags:
            if tag.name not in _SKIP_TAGS:
                tags[tag.name] = _plain(tag.value)
        self.metadata = {"tiff_tags": tags, "imagej": dict(ij) or None,
                         "ome_xml": tif.ome_metadata, "n_pages": len(pages),
                         "scan_height_px": sem_info_from_tags(tags).scan_height_px}
        times, source, start = self._metadata_times(n)
        if fps is not None:
            if times is not None and n > 1:
                meta_fps = (n - 1) / times[-1] if times[-1] > 0 else None
                if meta_fps and abs(meta_fps - fps) > 1e-3 * fps:
                    warnings.warn(f"{path}: fps={fps:g} overrides the {source} metadata "
                                  f"({meta_fps:.6g} frames/s)", UserWarning, stacklevel=4)
            times, source = np.arange(n) / fps, "fps argument"
        if times is None:
            if n > 1:
                raise InputError("the TIFF stack has no frame timing metadata (ImageJ "
                                 "finterval, OME DeltaT or per-page DateTime); pass fps=FPS "
                                 "with the frame rate", path=path)
            times, source = np.zeros(1), "single page"
        self._times = np.asarray(times, dtype=float)
        self.metadata["time_source"] = source
        if fps is not None:
            self.fps = float(fps)
        elif n > 1 and self._times[-1] > 0:
            self.fps = round(float((n - 1) / self._times[-1]), 9)
        if start is None:
            start, start_source = _sem_start_time(tags)
            if start is not None:
                self.metadata["start_time_source"] = start_source
        self.start_time = start

    def _metadata_times(self, n):
        """(times or None, source name, start datetime or None) from the metadata."""
        tif, path = self._tif, self.path
        start = None
        if tif.ome_metadata:
            times, start = self._ome_times(tif.ome_metadata, n)
            if times is not None:
                return times, "OME DeltaT", start
        ij = tif.imagej_metadata or {}
        if ij.get("finterval"):
            factor = _unit_factor(ij.get("tunit", "sec"), path=path, what="ImageJ tunit")
            return np.arange(n) * float(ij["finterval"]) * factor, "ImageJ finterval", start
        if n > 1 and self._memmap is None:
            stamps = [p.tags.get("DateTime") for p in self._pages]
            if all(s is not None for s in stamps):
                parsed = [_parse_datetime(s.value) for s in stamps]
                if all(parsed):
                    secs = np.array([(p - parsed[0]).total_seconds() for p in parsed])
                    if np.all(np.diff(secs) > 0):
                        warnings.warn(f"{path}: frame times from per-page DateTime tags "
                                      "(1 s resolution); pass fps=FPS for exact timing",
                                      UserWarning, stacklevel=5)
                        return secs, "DateTime tags", parsed[0]
        return None, None, start

    def _ome_times(self, xml, n):
        try:
            root = ET.fromstring(xml)
        except ET.ParseError as exc:
            logger.warning("%s: unreadable OME-XML ignored (%s)", self.path, exc)
            return None, None
        ns = {"ome": root.tag.split("}")[0].strip("{")} if root.tag.startswith("{") else {}
        prefix = "ome:" if ns else ""
        image = root.find(f"{prefix}Image", ns)
        if image is None:
            return None, None
        start = None
        acq = image.find(f"{prefix}AcquisitionDate", ns)
        if acq is not None and acq.text:
            start = _parse_datetime(acq.text)
        pixels = image.find(f"{prefix}Pixels", ns)
        if pixels is None:
            return None, start
        by_t = {}
        for plane in pixels.findall(f"{prefix}Plane", ns):
            if plane.get("DeltaT") is None:
                continue
            if int(plane.get("TheZ", 0)) or int(plane.get("TheC", 0)):
                continue
            factor = _unit_factor(plane.get("DeltaTUnit", "s"), path=self.path,
                                  what="OME DeltaTUnit")
            by_t[int(plane.get("TheT", 0))] = float(plane.get("DeltaT")) * factor
        if len(by_t) == n:
            times = np.array([by_t[k] for k in sorted(by_t)])
            return times - times[0], start
        if pixels.get("TimeIncrement") is not None and float(pixels.get("TimeIncrement")) > 0:
            factor = _unit_factor(pixels.get("TimeIncrementUnit", "s"), path=self.path,
                                  what="OME TimeIncrementUnit")
            return np.arange(n) * float(pixels.get("TimeIncrement")) * factor, start
        return None, start

    # -- reading ---------------------------------------------------------------
    def _read(self, index):
        try:
            if self._memmap is not None:
                data = np.array(self._memmap[index])
            else:
                data = self._pages[index].asarray()
        except (tifffile.TiffFileError, ValueError, OSError, struct.error) as exc:
            raise InputError(f"page {index} cannot be decoded ({exc}); the file is damaged",
                             path=self.path) from None
        if data.ndim == 3 and data.shape[0] in (3, 4) and data.shape[-1] not in (3, 4):
            data = np.moveaxis(data, 0, -1)  # planar RGB
        return to_gray(data, path=self.path)

    def _iter_frames(self):
        for i in range(self.n_frames):
            yield Frame(index=i, time_s=float(self._times[i]), image=self._read(i))

    def get_frame(self, index):
        """Return frame ``index`` (random access, no decoding of other pages)."""
        index = self._check_index(index)
        return Frame(index=index, time_s=float(self._times[index]), image=self._read(index))

    @property
    def times_s(self):
        """(n_frames,) ndarray of frame times in seconds (video clock)."""
        return self._times.copy()

    def close(self):
        if getattr(self, "_tif", None) is not None:
            self._tif.close()
            self._tif = None
        self._memmap = None
