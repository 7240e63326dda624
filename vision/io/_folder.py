"""Folders of numbered PNG/TIFF frames, and single PNG/TIFF images."""
from __future__ import annotations

import csv
import logging
import struct
import warnings

import cv2
import numpy as np
import tifffile

from calibration import InputError

from ._base import IMAGE_EXTENSIONS, Frame, VideoReader, natural_key, to_gray
from ._series_times import series_times

__all__ = ["ImageFolderReader"]

logger = logging.getLogger(__name__)


#: Optional per-frame times in a frame folder: columns ``time_s`` (and ``frame``).
TIMES_FILE = "frame_times.csv"


def _read_times(path, n):
    """Frame times (s, first = 0) from a ``frame_times.csv`` with a ``time_s`` column."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot read the frame times ({exc})", path=path) from None
    if not rows or "time_s" not in rows[0]:
        raise InputError("needs a header with a time_s column (seconds, one row per frame)",
                         path=path)
    try:
        times = np.array([float(r["time_s"]) for r in rows])
    except (TypeError, ValueError):
        raise InputError("time_s holds a value that is not a number", path=path) from None
    if len(times) != n:
        raise InputError(f"has {len(times)} rows but the folder has {n} frames; give one time "
                         "per frame file", path=path)
    if not np.all(np.isfinite(times)) or np.any(np.diff(times) < 0):
        raise InputError("time_s must be finite and non-decreasing", path=path)
    return times - times[0]


def _png_shape(path):
    """(rows, cols) from the PNG IHDR chunk, without decoding."""
    with open(path, "rb") as fh:
        head = fh.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise InputError("not a valid PNG file (bad header); re-export the frame", path=path)
    width, height = struct.unpack(">II", head[16:24])
    return int(height), int(width)


def _tiff_shape(path):
    try:
        with tifffile.TiffFile(path) as tif:
            page = tif.pages[0]
            return int(page.imagelength), int(page.imagewidth)
    except (tifffile.TiffFileError, ValueError, OSError, struct.error, IndexError) as exc:
        raise InputError(f"cannot read the TIFF frame ({exc}); the file is damaged",
                         path=path) from None


def _first_tiff_metadata(path):
    """``tiff_tags`` and ``scan_height_px`` of a folder's first TIFF (its pixel size, tilt, bar)."""
    from calibration import sem_info_from_tags

    from ._tiff import _SKIP_TAGS, _plain

    try:
        with tifffile.TiffFile(path) as tif:
            raw = {tag.name: tag.value for tag in tif.pages[0].tags.values()}
    except (tifffile.TiffFileError, ValueError, OSError, struct.error, IndexError) as exc:
        raise InputError(f"cannot read the TIFF frame ({exc}); the file is damaged",
                         path=path) from None
    info = sem_info_from_tags(raw)
    tags = {name: _plain(value) for name, value in raw.items() if name not in _SKIP_TAGS}
    return {"tiff_tags": tags, "scan_height_px": info.scan_height_px}


def _is_tiff(path):
    return path.suffix.lower() in (".tif", ".tiff")


def read_image(path):
    """Read one PNG/TIFF image file as a 2-D uint8/uint16 grayscale array.

    Parameters
    ----------
    path : pathlib.Path
        A .png, .tif or .tiff file (first page of a TIFF).

    Returns
    -------
    (M, N) ndarray of uint8 or uint16

    Raises
    ------
    InputError
        The file cannot be decoded or has an unsupported pixel type.
    """
    if _is_tiff(path):
        try:
            data = tifffile.imread(path, key=0)
        except (tifffile.TiffFileError, ValueError, OSError, struct.error) as exc:
            raise InputError(f"cannot read the TIFF frame ({exc}); the file is damaged",
                             path=path) from None
        if data.ndim == 3 and data.shape[0] in (3, 4) and data.shape[-1] not in (3, 4):
            data = np.moveaxis(data, 0, -1)
        return to_gray(data, path=path)
    raw = np.fromfile(path, dtype=np.uint8)  # imdecode copes with non-ASCII paths
    data = cv2.imdecode(raw, cv2.IMREAD_UNCHANGED) if raw.size else None
    if data is None:
        raise InputError("cannot decode the image; the file is damaged or truncated", path=path)
    if data.ndim == 3:
        data = data[:, :, 2::-1]  # OpenCV's BGR(A) -> RGB
    return to_gray(data, path=path)


class ImageFolderReader(VideoReader):
    """Frames from a folder of numbered PNG or TIFF files (or one image file).

    Parameters
    ----------
    path : pathlib.Path
        Folder holding ``*.png`` or ``*.tif``/``*.tiff`` files, sorted
        numerically by the numbers in their names (``frame_2`` before
        ``frame_10``); or a single image file (one frame at 0 s).
    fps : float, optional
        Frames per second of the sequence. Without it the frame times come
        from a ``frame_times.csv`` in the folder (``time_s`` column, one row
        per frame in frame order), else from the TIFFs' own acquisition times
        (Zeiss ``Date``/``Time``, FEI ``[User] Date``/``Time``, TIFF
        ``DateTime``; see :mod:`vision.io._series_times`: whole seconds, equally
        spaced frames interpolated within them, with a warning that states the
        uncertainty). One of these is required for more than one frame.

    Notes
    -----
    The acquisition times are the SEM computer's clock; they go to
    ``metadata['acquired']`` (datetimes) but not to :attr:`start_time`, so they
    never make absolute clock synchronisation the default. The first TIFF's
    tags are ``metadata['tiff_tags']`` (pixel size, tilt) and its stated scan
    height ``metadata['scan_height_px']`` (the FEI data bar below it).

    Raises
    ------
    InputError
        Empty folder, mixed PNG and TIFF, frames of different sizes,
        missing ``fps``.
    """

    def __init__(self, path, *, fps=None):
        self.path = path
        if path.is_dir():
            files = [f for f in path.iterdir()
                     if f.is_file() and not f.name.startswith(".")
                     and f.suffix.lower() in IMAGE_EXTENSIONS]
            if not files:
                raise InputError("the folder contains no .png or .tif/.tiff frames; point to "
                                 "the folder that holds the numbered frames", path=path)
            kinds = {"tiff" if _is_tiff(f) else "png" for f in files}
            if len(kinds) > 1:
                raise InputError("the folder mixes .png and .tif frames; keep one kind of "
                                 "frame file in it", path=path)
            files.sort(key=lambda f: natural_key(f.name))
        else:
            files = [path]
        self._files = files
        n = len(files)
        self._times = None
        times_csv = path / TIMES_FILE if path.is_dir() else None
        if fps is None and times_csv is not None and times_csv.is_file():
            self._times = _read_times(times_csv, n)
        series = None
        if n > 1 and fps is None and self._times is None and _is_tiff(files[0]):
            series = series_times(files, folder=path)
            if series is not None:
                self._times = series.times_s
                warnings.warn(f"{path}: {series.describe()}", UserWarning, stacklevel=4)
        if n > 1 and fps is None and self._times is None:
            raise InputError(f"a folder of {n} image frames has no frame timing; pass fps=FPS "
                             f"with the frame rate, or put a {TIMES_FILE} with a "
                             "time_s column (one row per frame) into the folder", path=path)
        shape_of = _tiff_shape if _is_tiff(files[0]) else _png_shape
        self.frame_shape = shape_of(files[0])
        for f in files[1:]:
            shape = shape_of(f)
            if shape != self.frame_shape:
                raise InputError(
                    f"frames of mixed shapes in the folder: {f.name} is {shape[0]}x{shape[1]} "
                    f"(rows x cols) but {files[0].name} is "
                    f"{self.frame_shape[0]}x{self.frame_shape[1]}; keep only frames of one size",
                    path=f)
        self.n_frames = n
        self.fps = float(fps) if fps is not None else None
        if self._times is not None and n > 1 and self._times[-1] > 0:
            self.fps = round((n - 1) / self._times[-1], 9)
        self.dtype = read_image(files[0]).dtype
        self.start_time = None
        if series is not None:
            source = (f"the files' acquisition times ({series.source}, "
                      f"{series.resolution_s:g} s resolution)")
        elif self._times is not None:
            source = TIMES_FILE
        else:
            source = "fps argument" if fps is not None else "single image"
        self.metadata = {"files": n, "first_file": files[0].name, "last_file": files[-1].name,
                         "time_source": source}
        if series is not None:
            self.metadata.update(
                acquired=list(series.acquired), time_resolution_s=series.resolution_s,
                time_uncertainty_s=series.uncertainty_s, evenly_spaced=series.evenly_spaced,
                frame_interval_s=series.interval_s,
                frame_interval_uncertainty_s=series.interval_uncertainty_s)
        if _is_tiff(files[0]):
            self.metadata.update(_first_tiff_metadata(files[0]))

    def _time(self, index):
        if self._times is not None:
            return float(self._times[index])
        return index / self.fps if self.fps else 0.0

    def _iter_frames(self):
        for i, f in enumerate(self._files):
            image = read_image(f)
            if image.shape != self.frame_shape:  # header lied (e.g. RGB TIFF planes)
                raise InputError(f"frame has shape {image.shape}, expected "
                                 f"{self.frame_shape}", path=f)
            yield Frame(index=i, time_s=self._time(i), image=image)

    def get_frame(self, index):
        """Return frame ``index`` (reads just that file)."""
        index = self._check_index(index)
        return Frame(index=index, time_s=self._time(index), image=read_image(self._files[index]))

    @property
    def files(self):
        """The frame files in frame order (list of pathlib.Path)."""
        return list(self._files)
