"""Video files (MP4, AVI, MKV, MOV, ...) decoded with PyAV (FFmpeg)."""
from __future__ import annotations

import datetime
import logging
import threading
import warnings
from fractions import Fraction

import av
import numpy as np

from calibration import InputError

from ._base import Frame, TruncatedVideoWarning, VideoReader

__all__ = ["AVReader"]

logger = logging.getLogger(__name__)

# Pixel formats whose first plane is the 8-bit luma (Y) plane: taking it is a
# copy-free view, 15x faster than a swscale conversion. Values are the coded
# luma (limited-range video keeps its 16..235 range).
_Y_PLANE_FORMATS = frozenset({
    "gray", "yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p",
    "yuv440p", "yuvj440p", "yuv411p", "yuvj411p", "yuv410p", "yuva420p", "yuva422p",
    "yuva444p", "nv12", "nv21", "nv16", "nv24", "nv42",
})


def _parse_creation_time(text):
    """Naive datetime from an ISO 8601 ``creation_time`` tag (UTC if zoned)."""
    if not text:
        return None
    try:
        value = datetime.datetime.fromisoformat(str(text).strip())
    except ValueError:
        logger.info("ignoring unparsable creation_time %r", text)
        return None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value


def _open(path):
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.FFmpegError as exc:
        raise InputError(
            f"cannot open as a video ({exc.strerror or type(exc).__name__}); the file is "
            "unreadable, truncated before its header, or not a video", path=path) from None
    if not container.streams.video:
        container.close()
        raise InputError("the file contains no video stream", path=path)
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    return container, stream


class AVReader(VideoReader):
    """Stream frames of a video file with exact presentation times.

    Parameters
    ----------
    path : pathlib.Path
        Video file in any container/codec FFmpeg decodes.

    Notes
    -----
    ``time_s`` of a frame is ``(pts - pts_first) * time_base`` computed in
    exact rational arithmetic, so variable-frame-rate recordings (screen
    recorders) keep their true timing. 8-bit YUV video yields the coded luma
    plane (uint8); >8-bit video yields ``gray16le`` (uint16); RGB video is
    converted to luma by FFmpeg.
    """

    def __init__(self, path):
        self.path = path
        self._container, self._stream = _open(path)
        stream, cc = self._stream, self._stream.codec_context
        self.frame_shape = (int(cc.height), int(cc.width)) if cc is not None else (0, 0)
        if 0 in self.frame_shape:
            self.close()
            raise InputError("the video header is incomplete (no frame size); the file is "
                             "damaged or truncated",
                             path=path)
        self.n_frames = int(stream.frames) or None
        rate = stream.average_rate or stream.guessed_rate
        self.fps = float(rate) if rate else None
        pix_fmt = cc.pix_fmt or ""
        try:
            bits = max(c.bits for c in av.VideoFormat(pix_fmt).components)
        except (ValueError, TypeError):
            bits = 8
        self.dtype = np.dtype(np.uint16 if bits > 8 else np.uint8)
        self._time_base = stream.time_base
        container_meta = dict(self._container.metadata)
        stream_meta = dict(stream.metadata)
        self.start_time = _parse_creation_time(
            container_meta.get("creation_time") or stream_meta.get("creation_time"))
        duration = (float(stream.duration * stream.time_base) if stream.duration
                    else (self._container.duration / 1e6 if self._container.duration else None))
        self.metadata = {
            "format": self._container.format.name,
            "codec": cc.name,
            "pix_fmt": pix_fmt,
            "bit_depth": bits,
            "time_base": str(stream.time_base),
            "container_duration_s": duration,
            "container_metadata": container_meta,
            "stream_metadata": stream_meta,
        }
        self._pts = None           # sorted presentation timestamps (for random access)
        self._cursor = None        # (decoder generator, index of next frame)
        self._decoded = False      # get_frame has decoded with self._container
        self._lock = threading.Lock()  # get_frame may be called from server threads

    # -- decoding --------------------------------------------------------------
    def _gray(self, frame):
        name = frame.format.name
        if name in _Y_PLANE_FORMATS:
            plane = frame.planes[0]
            buf = np.frombuffer(plane, np.uint8).reshape(frame.height, plane.line_size)
            if plane.line_size != frame.width:
                return buf[:, :frame.width].copy()   # rows padded: a contiguous copy
            # the decoder's own buffer, read-only: it may be a reference frame of the next
            # ones (written, it would change them); the array keeps it alive (refcounted)
            buf.flags.writeable = False
            return buf
        if self.dtype == np.uint16:
            return frame.to_ndarray(format="gray16le")
        return frame.to_ndarray(format="gray")

    def _decode(self, container, stream, status=None):
        """Decoded frames; stops at a decoding error, recorded in ``status``."""
        frames = container.decode(stream)
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                return
            except (av.FFmpegError, EOFError) as exc:
                if status is not None:
                    status["error"] = exc
                return
            yield frame

    def _iter_frames(self):
        with self._lock:
            self._release_decoder()
        container, stream = _open(self.path)
        pts0 = None
        n = 0
        status = {"error": None}
        try:
            for frame in self._decode(container, stream, status):
                if frame.pts is None:
                    if not self.fps:
                        raise InputError("frames carry no timestamps and the stream has no "
                                         "frame rate; re-mux the video (e.g. ffmpeg -i IN -c copy "
                                         "OUT.mkv)", path=self.path)
                    t = n / self.fps
                else:
                    if pts0 is None:
                        pts0 = frame.pts
                    t = float((frame.pts - pts0) * frame.time_base)
                yield Frame(index=n, time_s=t, image=self._gray(frame),
                            is_keyframe=bool(frame.key_frame))
                n += 1
        finally:
            container.close()
        self._warn_if_truncated(n, status["error"])

    def _warn_if_truncated(self, n, error):
        if n == 0:
            raise InputError("no frame could be decoded; the video is damaged or truncated"
                             + (f" ({error})" if error else ""), path=self.path)
        short = self.n_frames is not None and n < self.n_frames
        if error is not None or short:
            what = f"{n} of {self.n_frames} frames" if self.n_frames else f"{n} frames"
            why = f" (decoder: {error.strerror or type(error).__name__})" if error else ""
            warnings.warn(f"{self.path}: the video is truncated or damaged{why}; read {what}, "
                          "later frames are missing", TruncatedVideoWarning, stacklevel=3)
        if self.n_frames is None or short:
            self.n_frames = n

    # -- random access ---------------------------------------------------------
    def _release_decoder(self):
        """Free the decoder of :meth:`get_frame` (its next call seeks and decodes anew).

        A decoder that has output a frame holds its reference frames and its pool of
        frame buffers until it is closed: decoding frame 0 of a 1080p H.264 video kept
        14.6 MB resident through the whole iteration that usually follows (a second
        decoder decodes it), MPEG-4 7.8 MB. The container is opened again without
        decoding anything (header only).
        """
        if not self._decoded or self._container is None:
            return
        self._container.close()
        self._container, self._stream = _open(self.path)
        self._cursor = None
        self._decoded = False

    def _pts_index(self):
        """Sorted pts of all frames, from demuxing only (no decoding)."""
        if self._pts is None:
            container, stream = _open(self.path)
            pts = []
            try:
                for packet in container.demux(stream):
                    if packet.size == 0 or packet.is_discard:
                        continue
                    value = packet.pts if packet.pts is not None else packet.dts
                    if value is not None:
                        pts.append(value)
            except (av.FFmpegError, EOFError) as exc:
                logger.warning("%s: stopped indexing at a damaged packet (%s)", self.path, exc)
            finally:
                container.close()
            self._pts = sorted(pts)
        return self._pts

    def _count_frames(self):
        return len(self._pts_index()) or sum(1 for _ in self)

    def get_frame(self, index):
        """Return frame ``index`` (0-based, presentation order).

        Sequential calls (index, index + 1, ...) continue decoding without
        seeking; other calls seek to the nearest keyframe before the frame
        and decode forward. Thread-safe.
        """
        with self._lock:
            return self._get_frame(index)

    def _get_frame(self, index):
        pts = self._pts_index()
        if not pts:
            raise InputError("the video has no frame timestamps to seek by", path=self.path)
        if not isinstance(index, (int, np.integer)):
            raise TypeError(f"frame index must be an int, got {type(index).__name__}")
        n = len(pts)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"frame index {index} out of range for {n} frames in {self.path}")
        target = pts[index]
        if self._cursor is None or self._cursor[1] != index:
            self._container.seek(int(target), stream=self._stream, backward=True,
                                 any_frame=False)
            self._cursor = (self._decode(self._container, self._stream), None)
            self._decoded = True
        frames = self._cursor[0]
        for frame in frames:
            if frame.pts is None or frame.pts < target:
                continue
            if frame.pts > target:
                logger.debug("seek overshoot in %s: wanted pts %s, got %s",
                             self.path, target, frame.pts)
            self._cursor = (frames, index + 1)
            t = float(Fraction(frame.pts - pts[0]) * frame.time_base)
            return Frame(index=int(index), time_s=t, image=self._gray(frame),
                         is_keyframe=bool(frame.key_frame))
        self._cursor = None
        raise InputError(f"frame {index} could not be decoded; the video is damaged there",
                         path=self.path)

    def close(self):
        if getattr(self, "_container", None) is not None:
            self._container.close()
            self._container = None
            self._cursor = None
