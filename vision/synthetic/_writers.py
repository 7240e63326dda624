"""Streaming video writers: MP4 (H.264), AVI (FFV1), TIFF stack, PNG folder.

Every writer takes one 2-D uint8 frame at a time (never the whole video),
writes to a temporary name next to the target and renames it into place on
:meth:`close` (so no half-written video is ever left under the final name).
"""
from __future__ import annotations

import fractions
import json
import os
import shutil
from pathlib import Path

import numpy as np

from calibration import InputError

__all__ = ["FORMATS", "open_writer", "video_filename"]

#: Output formats and the file (or folder) suffix they write: H.264 MP4, FFV1 AVI,
#: MPEG-4 Part 2 (``.m4v``), Motion JPEG (QuickTime ``.mov``), TIFF stack, PNG folder.
FORMATS = {"mp4": ".mp4", "avi": ".avi", "mpeg4": ".m4v", "mjpeg": ".mov", "tiff": ".tif",
           "png": ""}


#: x264 settings of the H.264 writer: one thread, and no macroblock tree. With the
#: macroblock tree (x264's lookahead re-weighting of quantisers, on in every preset but
#: ultrafast) libx264 encoded the same frames into different streams from one call to the
#: next in one process (the first encode of a process differed from the later ones, and
#: renders interleaved with drawing differed each time), so a scene's video, and every
#: figure measured on it, depended on what the process had encoded before.
X264_PARAMS = "threads=1:sliced-threads=0:mbtree=0"


def _bit_rate(scene, crf):
    """Bit rate of the MPEG-4 / MJPEG encoders for an H.264-like quality ``crf``, bit/s:
    0.6 bit per pixel at crf 18, halving every 6 (as CRF roughly does); MJPEG gets 4x."""
    rows, cols = scene.shape
    bpp = 0.6 * 2.0 ** (-(crf - 18) / 6.0)
    return int(rows * cols * scene.fps * bpp)


def video_filename(name, fmt):
    """File (or, for PNG, folder) name of the video of ``name`` in format ``fmt``."""
    if fmt not in FORMATS:
        raise InputError(f"unknown video format {fmt!r}; use one of {', '.join(FORMATS)}")
    return f"{name}_png" if fmt == "png" else name + FORMATS[fmt]


def _tmp(path):
    return path.with_name(f".{path.name}.tmp{os.getpid()}")


class _FrameByFrameWriter:
    """Writers fed one frame at a time: subclasses define ``write``, ``close``, ``abort``."""

    def write_all(self, frames):
        """Write all ``(image, time_s)`` pairs, then finish (``close`` puts it in place).

        On any error, or an interrupt, ``abort`` removes the partial output.
        """
        try:
            for img, t in frames:
                self.write(img, t)
        except BaseException:
            self.abort()
            raise
        self.close()


class _AvWriter(_FrameByFrameWriter):
    """PyAV writer for MP4 (libx264, crf, yuv420p) and AVI (FFV1, gray, lossless)."""

    def __init__(self, path, scene, fmt, *, crf=18, start_time=None, x264_preset="medium"):
        import av
        self.path = path
        self.tmp = _tmp(path)
        container = {"mp4": "mp4", "avi": "avi", "mpeg4": "mp4", "mjpeg": "mov"}[fmt]
        self.container = av.open(str(self.tmp), "w", format=container)
        rate = fractions.Fraction(scene.fps).limit_denominator(1001)
        if fmt in ("mpeg4", "mjpeg"):
            self.stream = self.container.add_stream(fmt, rate=rate)
            self.stream.pix_fmt = "yuv420p" if fmt == "mpeg4" else "yuvj420p"
            self.stream.bit_rate = _bit_rate(scene, crf) if fmt == "mpeg4" else \
                int(4 * _bit_rate(scene, crf))
            self.stream.options = {"threads": "1"}
        elif fmt == "mp4":
            self.stream = self.container.add_stream("libx264", rate=rate)
            self.stream.pix_fmt = "yuv420p"
            self.stream.options = {"crf": str(crf), "preset": x264_preset, "threads": "1",
                                   "x264-params": X264_PARAMS}
        else:
            self.stream = self.container.add_stream("ffv1", rate=rate)
            self.stream.pix_fmt = "gray"
            self.stream.options = {"threads": "1"}
        self.stream.height, self.stream.width = scene.shape
        self.container.metadata["comment"] = f"semtrack synthetic scene {scene.name} seed {scene.seed}"
        if start_time is not None:
            self.container.metadata["creation_time"] = start_time.isoformat() + "Z"
        self.fmt = fmt
        self.index = 0

    def write(self, frame, time_s):
        import av
        vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="gray")
        if self.fmt in ("mp4", "mpeg4"):
            vf = vf.reformat(format="yuv420p")
        elif self.fmt == "mjpeg":
            vf = vf.reformat(format="yuvj420p")
        vf.pts = self.index
        for packet in self.stream.encode(vf):
            self.container.mux(packet)
        self.index += 1

    def close(self):
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()
        os.replace(self.tmp, self.path)

    def abort(self):
        try:
            self.container.close()
        finally:
            self.tmp.unlink(missing_ok=True)


#: SEM metadata tags the TIFF writer can add.
SEM_METADATA = ("zeiss", "fei", "none")


def _zeiss_text(scene, start_time):
    """Zeiss SmartSEM ``CZ_SEM`` (tag 34118) text: upper-case key, then ``Name = value unit``."""
    from ._artefacts import data_bar_text
    mag = data_bar_text(scene).split("Mag = ")[1]
    nm = scene.pixel_size_um * 1e3
    lines = ["AP_PIXEL_SIZE", f"Pixel Size = {nm:.4g} nm",
             "AP_IMAGE_PIXEL_SIZE", f"Image Pixel Size = {nm:.4g} nm",
             "AP_WIDTH", f"Width = {scene.shape[1] * scene.pixel_size_um:.6g} um",
             "AP_HEIGHT", f"Height = {scene.shape[0] * scene.pixel_size_um:.6g} um",
             "AP_MAG", f"Mag = {mag}",
             "AP_ACTUALKV", f"EHT = {scene.eht_kv:.2f} kV",
             "AP_WD", f"WD = {scene.wd_mm:.1f} mm",
             "AP_FRAME_TIME", f"Frame Time = {scene.scan_period_s * 1e3:.4g} ms"]
    if start_time is not None:
        lines += ["AP_DATE", f"Date :{start_time:%d %b %Y}", "AP_TIME", f"Time :{start_time:%H:%M:%S}"]
    return "\r\n".join(lines) + "\r\n"


def _fei_text(scene, start_time):
    """FEI / Thermo Fisher (tag 34682) INI text with ``[Scan] PixelWidth`` in m."""
    when = ""
    if start_time is not None:
        when = f"Date={start_time:%m/%d/%Y}\r\nTime={start_time:%I:%M:%S %p}\r\n"
    return ("[User]\r\n" + when + "User=semtrack\r\n[Scan]\r\n"
            f"PixelWidth={scene.pixel_size_um * 1e-6:.6e}\r\n"
            f"PixelHeight={scene.pixel_size_um * 1e-6:.6e}\r\n"
            f"FrameTime={scene.scan_period_s:.6g}\r\n"
            f"[Beam]\r\nHV={scene.eht_kv * 1000:.1f}\r\n"
            f"[Stage]\r\nWorkingDistance={scene.wd_mm * 1e-3:.6e}\r\n")


class _TiffWriter:
    """Multi-page ImageJ TIFF: ``finterval``, per-frame slice labels with the time,
    pixel size as resolution and a Zeiss ``CZ_SEM`` or FEI metadata tag."""

    def __init__(self, path, scene, times, start_time=None, sem_metadata="zeiss"):
        if sem_metadata not in SEM_METADATA:
            raise InputError(f"unknown sem_metadata {sem_metadata!r}; use one of "
                             f"{', '.join(SEM_METADATA)}")
        self.path = path
        self.tmp = _tmp(path)
        self.scene = scene
        self.times = times
        self.start_time = start_time
        self.sem_metadata = sem_metadata
        deep = scene.extras is not None and scene.extras.bit_depth == 16
        self.dtype = np.uint16 if deep else np.uint8

    def write_all(self, frames):
        """Stream ``(image, time_s)`` pairs into the stack (tifffile pulls them)."""
        import tifffile
        scene, times = self.scene, self.times
        extratags = []
        if self.sem_metadata == "zeiss":
            extratags = [(34118, "s", 0, _zeiss_text(scene, self.start_time), True)]
        elif self.sem_metadata == "fei":
            extratags = [(34682, "s", 0, _fei_text(scene, self.start_time), True)]
        labels = [f"frame {i} t={t:.3f} s" for i, t in enumerate(times)]
        info = json.dumps({"fps": scene.fps, "pixel_size_um": scene.pixel_size_um,
                           "scene": scene.name, "seed": scene.seed,
                           "times_s": [round(float(t), 6) for t in times]})
        try:
            with tifffile.TiffWriter(self.tmp, imagej=True) as tw:
                tw.write((np.ascontiguousarray(img) for img, _ in frames),
                         shape=(len(times), *scene.shape), dtype=self.dtype,
                         resolution=(1.0 / scene.pixel_size_um, 1.0 / scene.pixel_size_um),
                         metadata={"axes": "TYX", "finterval": 1.0 / scene.fps, "unit": "um",
                                   "Labels": labels, "Info": info},
                         extratags=extratags)
        except BaseException:
            self.tmp.unlink(missing_ok=True)
            raise
        os.replace(self.tmp, self.path)


class _PngWriter(_FrameByFrameWriter):
    """A folder of numbered 8-bit PNGs plus ``frame_times.csv`` (frame, time_s)."""

    def __init__(self, path, scene):
        self.path = path
        self.tmp = _tmp(path)
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir(parents=True)
        self.stem = scene.name
        self.rows = ["frame,time_s"]
        self.index = 0

    def write(self, frame, time_s):
        import cv2
        name = self.tmp / f"{self.stem}_{self.index:06d}.png"
        if not cv2.imwrite(str(name), frame):
            raise InputError("could not write PNG; check free space and permissions", path=name)
        self.rows.append(f"{self.index},{time_s:.6f}")
        self.index += 1

    def close(self):
        (self.tmp / "frame_times.csv").write_text("\n".join(self.rows) + "\n")
        old = self.path.with_name(f".{self.path.name}.old{os.getpid()}")
        if self.path.exists():
            os.replace(self.path, old)
        os.replace(self.tmp, self.path)
        shutil.rmtree(old, ignore_errors=True)

    def abort(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def open_writer(path, scene, fmt, times, *, crf=18, start_time=None, sem_metadata="zeiss"):
    """A streaming writer whose ``write_all(frames)`` consumes ``(image, time_s)`` pairs.

    H.264 uses the x264 preset ``medium``, or ``scene.extras.x264_preset``.
    """
    path = Path(path)
    if fmt in ("mp4", "avi", "mpeg4", "mjpeg"):
        preset = scene.extras.x264_preset if scene.extras is not None else "medium"
        return _AvWriter(path, scene, fmt, crf=crf, start_time=start_time, x264_preset=preset)
    if fmt == "tiff":
        return _TiffWriter(path, scene, times, start_time, sem_metadata)
    if fmt == "png":
        return _PngWriter(path, scene)
    raise InputError(f"unknown video format {fmt!r}; use one of {', '.join(FORMATS)}")
