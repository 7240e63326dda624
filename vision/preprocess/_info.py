"""Summary of a video file: what ``semtrack info`` prints."""
from __future__ import annotations

import logging
from pathlib import Path

from calibration import InputError, read_sem_info, resolve_pixel_size

from ..io._registry import open_video
from ._databar import find_data_bar
from ._refresh import mark_refreshes

__all__ = ["video_info"]

logger = logging.getLogger(__name__)


def video_info(path, *, fps=None, refresh=True, crop=None):
    """Read a whole video once and summarise it.

    Parameters
    ----------
    path : str or os.PathLike
        Anything :func:`vision.open_video` reads.
    fps : float, optional
        Frame rate for frame folders / TIFF stacks without timing.
    refresh : bool
        Also count duplicate and torn frames (:func:`vision.mark_refreshes`).
    crop : (top, bottom, left, right), optional
        Region compared by the refresh marking (default: all but the data bar).

    Returns
    -------
    dict
        ``path``, ``reader`` (class name), ``format``, ``frames``, ``rows``,
        ``cols``, ``dtype``, ``fps`` (nominal, frames/s or None),
        ``duration_s`` (time of the last frame, video clock), ``start_time``
        (datetime or None), ``data_bar`` (DataBar or None), ``time_source``,
        ``time_uncertainty_s`` (frame times from per-file stamps, else None),
        ``acquired_start`` (the first file's stamp for a TIFF series), the SEM
        metadata ``vendor``, ``stage_tilt_deg``, ``detector``,
        ``accelerating_voltage_kV`` (None where the file has none),
        ``pixel_size`` (:class:`calibration.PixelSize` from the metadata, else
        from the data bar's scale bar, else None) and ``pixel_size_error``
        (why there is none), and with ``refresh``: ``duplicates``, ``torn``, ``new_scans`` (frames
        that are neither), ``mean_scan_interval_s`` (mean spacing of the
        content times of new scans, or None).

    Raises
    ------
    InputError
        Whatever :func:`vision.open_video` raises for bad input.
    """
    with open_video(path, fps=fps) as reader:
        info = {
            "path": str(reader.path),
            "reader": type(reader).__name__,
            "format": _format_name(reader),
            "rows": reader.frame_shape[0],
            "cols": reader.frame_shape[1],
            "dtype": reader.dtype.name,
            "fps": reader.fps,
            "start_time": reader.start_time,
            "time_source": reader.metadata.get("time_source", "container timestamps")
            if reader.metadata else None,
        }
        meta = reader.metadata or {}
        info["time_uncertainty_s"] = meta.get("time_uncertainty_s")
        info["acquired_start"] = (meta.get("acquired") or [None])[0]
        sem = _sem_info(reader)
        info.update(vendor=sem.vendor if sem else None,
                    stage_tilt_deg=sem.stage_tilt_deg if sem else None,
                    detector=sem.detector if sem else None,
                    accelerating_voltage_kV=sem.accelerating_voltage_kV if sem else None)
        frames = iter(reader)
        first = next(frames, None)
        bar = None
        if first is not None:
            bar = find_data_bar(first.image, scan_height_px=sem.scan_height_px if sem else None)
        info["data_bar"] = bar
        info["pixel_size"], info["pixel_size_error"] = _pixel_size(sem, first, bar, reader.path)

        def chained():
            if first is not None:
                yield first
            yield from frames

        stream = mark_refreshes(chained(), crop=crop) if refresh else chained()
        n = dup = torn = 0
        last_t = 0.0
        scan_times = []
        for frame in stream:
            n += 1
            last_t = frame.time_s
            if refresh:
                dup += frame.is_duplicate
                torn += frame.partial_refresh and not frame.is_duplicate
                if not frame.is_duplicate and not frame.partial_refresh:
                    if not scan_times or frame.content_time_s != scan_times[-1]:
                        scan_times.append(frame.content_time_s)
        info["frames"] = n
        info["duration_s"] = last_t
        if refresh:
            info["duplicates"] = int(dup)
            info["torn"] = int(torn)
            info["new_scans"] = int(n - dup - torn)
            info["mean_scan_interval_s"] = (
                (scan_times[-1] - scan_times[0]) / (len(scan_times) - 1)
                if len(scan_times) > 1 else None)
    return info


def _sem_info(reader):
    """:class:`calibration.SemInfo` of a TIFF stack or of a folder's first TIFF, else None."""
    meta = reader.metadata or {}
    if "tiff_tags" not in meta:
        return None
    files = getattr(reader, "files", None)
    path = files[0] if files else Path(reader.path)
    try:
        return read_sem_info(path)
    except InputError as exc:
        logger.warning("%s", exc)
        return None


def _pixel_size(sem, first, bar, path):
    """(PixelSize or None, reason or None): the metadata's, else the data bar's scale bar."""
    if sem is not None and sem.pixel_size is not None:
        return sem.pixel_size, None
    if first is None or bar is None:
        return None, "no pixel size in the metadata and no data bar with a scale bar"
    try:
        got = resolve_pixel_size(image=first.image, data_bar=(bar.top, bar.bottom, bar.left,
                                                               bar.right), path=path)
    except InputError as exc:
        return None, str(exc)
    return got, None


def _format_name(reader):
    meta = reader.metadata or {}
    if "codec" in meta:
        kind = reader.path.suffix.lstrip(".").upper() or meta.get("format")
        return f"{kind} video ({meta['codec']}, {meta.get('pix_fmt')})"
    if "files" in meta:
        return f"image frames ({meta['first_file']} .. {meta['last_file']})"
    if "tiff_tags" in meta:
        return f"TIFF stack ({meta.get('n_pages')} pages)"
    return type(reader).__name__
