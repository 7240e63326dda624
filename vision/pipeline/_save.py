"""Writing the results folder of one analysis (the format is a contract, see README)."""
import base64
import contextlib
import ctypes
import functools
import logging
import os
import shutil

import cv2
import numpy as np
import pandas as pd

from calibration import InputError

from .._schema import (
    EVENTS_FILE,
    FRAMES_FILE,
    GROWTH_RATES_FILE,
    OVERLAY_FILE,
    OVERLAY_FRAME_COLUMNS,
    OVERLAY_FRAMES_FILE,
    REPORT_FILE,
    SUMMARY_FILE,
    WHISKER_COLUMNS,
    WHISKERS_FILE,
)
from .._shared._fileio import check_output_dir, make_temp_dir, replace_dir, write_json_atomic
from .._shared._progress import progress_bar
from ..io._registry import open_video
from ._overlay import OverlayWriter, draw_overlay
from ._report import build_report

logger = logging.getLogger(__name__)

__all__ = ["TABLE_FORMATS", "save_results"]


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None (another C library: nothing to do)."""
    try:
        trim = ctypes.CDLL(None).malloc_trim   # the process's own C library
    except (OSError, AttributeError, TypeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def release_free_heap():
    """Hand the C heap's free pages back to the system; True when that was possible.

    The analysis frees its full-frame temporaries into glibc's heap, which stays
    resident: glibc returns memory only from the top of the heap, and the holes an
    analysis leaves are below live blocks. The save's own allocations mostly cannot
    reuse them (the report's Python objects come from their own arenas, the overlay
    encoder's frame buffers from mapped blocks), so they added to the process's peak
    on top of memory nothing used. ``malloc_trim(0)`` releases every free page; no
    block moves, so no result changes. Called once before each large step of the save.
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


def _write_csv(df, path):
    df.to_csv(path, index=False, float_format="%.6g")


def _key_frame_indices(analysis):
    """Frames worth showing in the report: start, events, end."""
    n = len(analysis.frames)
    wanted = {0, n - 1}
    for frame in analysis.events["frame"] if len(analysis.events) else ():
        wanted.add(int(frame))
    return sorted(i for i in wanted if 0 <= i < n)[:8]


def _overlay_frames(analysis, needed):
    """The frames the overlay is drawn from, and the context that holds them open.

    The frames the analysis spooled (:class:`FrameSpool`, no second decode) when the
    spool holds every frame in `needed` (positions in the video); otherwise a second
    decode of the video.
    """
    spool = getattr(analysis, "frame_spool", None)
    if spool is not None and spool.covers(needed, len(analysis.frames)):
        return contextlib.nullcontext(), spool.frames(), analysis.frame_shape
    reader = open_video(analysis.video_path, fps=analysis.fps)
    return reader, iter(reader), reader.frame_shape


def _overlay_pass(analysis, path, progress):
    """Draw and encode once per new scan.

    One overlay frame is written per frame that brings new content (a new scan
    or a torn frame), shown from that frame's time on (variable frame rate),
    and one for the last frame so the overlay lasts as long as the video.
    Duplicate frames are neither drawn nor encoded. The frames come from the
    analysis's spool (:class:`FrameSpool`) or, when it lacks one, from a second
    decode of the video: the same pixels either way.

    Returns
    -------
    key_jpegs : dict
        Video frame index -> JPEG bytes of the report's key frames.
    mapping : list of (overlay_frame, frame, time_s)
        Which video frame each overlay frame shows.
    """
    frames = analysis.frames.set_index("frame")
    keys = set(_key_frame_indices(analysis))
    key_jpegs = {}
    volts = frames["voltage_V"].to_numpy(float)
    amps = frames["current_A"].to_numpy(float)
    duplicate = frames["is_duplicate"].to_numpy(bool)
    last = len(frames) - 1
    mapping = []
    needed = {0, last} | set(np.flatnonzero(~duplicate).tolist()) if last >= 0 else set()
    bar = progress_bar(len(frames), progress, "overlay")
    source, stream, frame_shape = _overlay_frames(analysis, needed)
    with source, OverlayWriter(path, frame_shape) as writer:
        drawing = None
        bgr = None
        for k, fr in enumerate(stream):  # drawings are keyed by frame index
            drawing = analysis.drawings.get(fr.index, drawing)
            new = bgr is None or k > last or not duplicate[k]
            if new or k == last:
                lines = [f"t = {fr.time_s:7.2f} s   frame {fr.index}"]
                if k < len(volts) and np.isfinite(volts[k]):
                    lines.append(f"U = {volts[k]:+.3f} V   I = {amps[k] * 1e6:+.3f} µA")
                bgr = draw_overlay(fr.image, drawing, lines=lines)
                mapping.append((writer.n_written, fr.index, fr.time_s))
                writer.write(bgr, fr.time_s)
            if fr.index in keys:
                ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 85])
                if ok:
                    key_jpegs[fr.index] = buf.tobytes()
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return key_jpegs, mapping


#: What ``formats`` of :func:`save_results` may name.
TABLE_FORMATS = ("csv", "parquet", "xlsx")
#: The Excel workbook of ``formats=(..., "xlsx")``: one sheet per table.
XLSX_FILE = "results.xlsx"


def _tables(analysis):
    """The tables of a results folder: file stem -> DataFrame (CSV contract order)."""
    w = analysis.whiskers
    cols = WHISKER_COLUMNS + [c for c in w.columns if c not in WHISKER_COLUMNS]
    stem = lambda name: os.path.splitext(name)[0]  # noqa: E731
    return {stem(FRAMES_FILE): analysis.frames, stem(WHISKERS_FILE): w.reindex(columns=cols),
            stem(EVENTS_FILE): analysis.events, stem(GROWTH_RATES_FILE): analysis.growth_rates}


def _check_formats(formats):
    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    bad = [f for f in formats if f not in TABLE_FORMATS]
    if bad or not formats:
        raise InputError(f"formats must name some of {', '.join(TABLE_FORMATS)}, not "
                         f"{bad or list(formats)}")
    return formats


def _write_xlsx(tables, summary, path):
    """One sheet per table plus a ``summary`` sheet of the scalar summary fields."""
    import pandas as pd  # openpyxl writes the workbook (pandas' xlsx engine)

    scalars = {k: v for k, v in summary.items()
               if v is None or isinstance(v, (bool, int, float, str))}
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        pd.DataFrame({"key": list(scalars), "value": [str(v) if v is not None else ""
                                                      for v in scalars.values()]}
                     ).to_excel(xl, sheet_name="summary", index=False)
        for name, df in tables.items():
            df.to_excel(xl, sheet_name=name[:31], index=False)


def save_results(analysis, out_dir, *, overlay=True, report=True, progress=False,
                 formats=("csv",)):
    """Write `analysis` into `out_dir` atomically. See :meth:`Analysis.save`.

    `formats` names the table files: ``csv`` (the contract, always written),
    ``parquet`` (``frames.parquet``, ...) and ``xlsx`` (``results.xlsx``, one sheet per
    table). An existing `out_dir` is replaced only if semtrack wrote every file in it.
    """
    formats = _check_formats(formats)
    out_dir = os.path.abspath(os.fspath(out_dir))
    check_output_dir(out_dir)
    tmp = os.fspath(make_temp_dir(out_dir))
    try:
        write_json_atomic(os.path.join(tmp, SUMMARY_FILE), analysis.summary)
        tables = _tables(analysis)
        for stem, df in tables.items():
            _write_csv(df, os.path.join(tmp, f"{stem}.csv"))
            if "parquet" in formats:
                df.to_parquet(os.path.join(tmp, f"{stem}.parquet"), index=False)
        if "xlsx" in formats:
            _write_xlsx(tables, analysis.summary, os.path.join(tmp, XLSX_FILE))
        if analysis.kymographs:
            kdir = os.path.join(tmp, "kymographs")
            os.makedirs(kdir)
            for wid, image in analysis.kymographs.items():
                cv2.imwrite(os.path.join(kdir, f"whisker_{int(wid)}.png"), image)
        key_jpegs = {}
        release_free_heap()   # the analysis's freed temporaries, before the encoder's buffers
        if overlay:
            key_jpegs, mapping = _overlay_pass(analysis, os.path.join(tmp, OVERLAY_FILE),
                                               progress)
            _write_csv(pd.DataFrame(mapping, columns=OVERLAY_FRAME_COLUMNS),
                       os.path.join(tmp, OVERLAY_FRAMES_FILE))
        if report:
            release_free_heap()   # the encoder's, before the report's figures
            html = build_report(analysis, {k: base64.b64encode(v).decode("ascii")
                                           for k, v in key_jpegs.items()})
            with open(os.path.join(tmp, REPORT_FILE), "w", encoding="utf-8") as fh:
                fh.write(html)
        replace_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir
