"""Summary of a video file: what ``semtrack info`` prints."""
from __future__ import annotations

import logging

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
        and with ``refresh``: ``duplicates``, ``torn``, ``new_scans`` (frames
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
        frames = iter(reader)
        first = next(frames, None)
        info["data_bar"] = find_data_bar(first.image) if first is not None else None

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


def _format_name(reader):
    meta = reader.metadata or {}
    if "codec" in meta:
        kind = reader.path.suffix.lstrip(".").upper() or meta.get("format")
        return f"{kind} video ({meta['codec']}, {meta.get('pix_fmt')})"
    if "tiff_tags" in meta:
        return f"TIFF stack ({meta.get('n_pages')} pages)"
    if "files" in meta:
        return f"image frames ({meta['first_file']} .. {meta['last_file']})"
    return type(reader).__name__
