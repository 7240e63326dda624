"""Drawing the analysis onto frames and writing the overlay video."""
import functools
import importlib.util
import logging
import os
import shutil
import tempfile
import weakref
from dataclasses import dataclass, field
from fractions import Fraction

import av
import cv2
import numpy as np

__all__ = ["FrameDrawing", "FrameSpool", "drawing_from_track", "draw_overlay", "OverlayWriter"]

logger = logging.getLogger(__name__)

# BGR colours
_LI = (255, 160, 0)        # lithium outline: blue-cyan
_WHISKER = (0, 220, 255)   # whisker axis: yellow
_FRONT = (255, 0, 255)     # lateral front: magenta
_CRACK = (0, 0, 255)       # crack: red
_ELECTRODE = (0, 255, 0)   # electrode: green
_TEXT = (255, 255, 255)

# The burnt-in text (time, U, I in µA) is drawn with a TrueType font through Pillow:
# OpenCV's Hershey fonts have no µ. Debian's fonts-dejavu-core first, then the copy of
# DejaVu Sans that matplotlib (a dependency) ships; without either, Hershey with "u".
_FONT_CANDIDATES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)
_FONT_PX = 13            # text height in pixels: the Hershey size used before (0.45)
_LINE_PX = 18            # line pitch, as before


def _matplotlib_font():
    """Path of matplotlib's bundled DejaVuSans.ttf, found without importing matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        return None
    return os.path.join(os.path.dirname(spec.origin), "mpl-data", "fonts", "ttf",
                        "DejaVuSans.ttf")


@functools.cache
def _text_font(candidates=None):
    """A Pillow TrueType font that has µ, or None (then Hershey text with "u")."""
    try:
        from PIL import ImageFont  # noqa: PLC0415  (only when an overlay is drawn)
    except ImportError:  # pragma: no cover - Pillow comes with matplotlib
        logger.warning("Pillow is not installed: overlay text is written with 'u' for 'µ'")
        return None
    paths = list(_FONT_CANDIDATES if candidates is None else candidates)
    if candidates is None:
        paths.append(_matplotlib_font())
    for path in paths:
        if path and os.path.isfile(path):
            try:
                return ImageFont.truetype(path, _FONT_PX)
            except OSError:
                continue
    logger.warning("no DejaVu Sans font found (install fonts-dejavu-core): overlay text is "
                   "written with 'u' for 'µ'")
    return None


def _draw_text_box(out, lines, font):
    """Write ``lines`` top-left on a black box (legible after chroma subsampling)."""
    if font is None:
        lines = [t.replace("\u00b5", "u").replace("\u03bc", "u") for t in lines]
        sizes = [cv2.getTextSize(t, cv2.FONT_HERSHEY_SIMPLEX, 0.45, 1)[0] for t in lines]
        width = max(w for w, _ in sizes) + 10
        cv2.rectangle(out, (0, 0), (width, _LINE_PX * len(lines) + 6), (0, 0, 0), -1)
        for k, text in enumerate(lines):
            cv2.putText(out, text, (5, 16 + _LINE_PX * k), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                        _TEXT, 1, cv2.LINE_AA)
        return out
    from PIL import Image, ImageDraw  # noqa: PLC0415

    width = int(max(font.getlength(t) for t in lines)) + 10
    height = _LINE_PX * len(lines) + 6
    width, height = min(width, out.shape[1]), min(height, out.shape[0])
    # the box alone is drawn by Pillow (grey: white text on black) and pasted in
    box = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(box)
    for k, text in enumerate(lines):
        draw.text((5, 4 + _LINE_PX * k), text, fill=255, font=font)
    out[:height, :width] = np.asarray(box)[:, :, None]
    return out


@dataclass
class FrameDrawing:
    """What to draw on one frame, in pixel coordinates of that frame.

    Small enough to keep one per new scan for a second pass over the video.
    """

    electrode: tuple | None = None                   # (x, y, r) px
    whiskers: list = field(default_factory=list)     # (id, (bx, by), (tx, ty))
    li_outline: list = field(default_factory=list)   # int32 (K, 1, 2) polylines
    front: np.ndarray | None = None                  # (K, 2) px
    crack: np.ndarray | None = None                  # (K, 2) px


def _simplify(points, eps=0.8):
    pts = np.asarray(points, dtype=np.float32).reshape(-1, 1, 2)
    if len(pts) > 8:
        pts = cv2.approxPolyDP(pts, eps, closed=False)
    return np.round(pts.reshape(-1, 2)).astype(np.int32)


def drawing_from_track(ft):
    """Reduce a :class:`FrameTrack` to a :class:`FrameDrawing` in that frame's pixels.

    Tracks are in first-frame (drift-corrected) coordinates; the drawing is
    shifted back by the frame's drift so it sits on the raw frame.
    """
    d = FrameDrawing()
    drift = np.nan_to_num(np.asarray(ft.drift_xy_px, dtype=float))
    region = np.asarray(getattr(ft, "mask_offset_xy_px", (0, 0)), dtype=float) + drift
    if ft.electrode is not None:
        d.electrode = (ft.electrode.x_px + drift[0], ft.electrode.y_px + drift[1],
                       ft.electrode.radius_px)
    for w in ft.whiskers or ():
        d.whiskers.append((int(w.whisker_id), tuple(np.asarray(w.base_xy_px) + drift),
                           tuple(np.asarray(w.tip_xy_px) + drift)))
    mask = getattr(ft, "li_mask", None)
    if mask is not None and mask.any():
        contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                       cv2.CHAIN_APPROX_SIMPLE)
        d.li_outline = [_simplify(c.reshape(-1, 2) + region).reshape(-1, 1, 2)
                        for c in contours if len(c) >= 3]
    front = getattr(ft, "front", None)
    if front is not None and getattr(front, "contour", None) is not None and len(front.contour):
        d.front = _simplify(np.asarray(front.contour, float) + region)
    crack = getattr(ft, "crack", None)
    if crack is not None and getattr(crack, "path", None) is not None and len(crack.path):
        d.crack = _simplify(np.asarray(crack.path, float) + region, eps=0.5)
    return d


def _to_bgr8(image):
    if image.dtype != np.uint8:
        scale = 255.0 / max(float(image.max()), 1.0)
        image = cv2.convertScaleAbs(image, alpha=scale)
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)


def draw_overlay(image, drawing, *, lines=()):
    """The frame in colour with the analysis drawn on it.

    Parameters
    ----------
    image : (M, N) ndarray
        Grayscale frame (uint8 or uint16).
    drawing : FrameDrawing or None
    lines : sequence of str
        Text lines written top-left (time, voltage, current) in white on a black
        box, with DejaVu Sans through Pillow so that "µA" and "µm" come out
        right; without that font, OpenCV's Hershey font with "u" for "µ".

    Returns
    -------
    (M, N, 3) uint8 ndarray
        BGR image.
    """
    out = _to_bgr8(image)
    if drawing is not None:
        if drawing.li_outline:
            cv2.polylines(out, drawing.li_outline, True, _LI, 1, cv2.LINE_AA)
        if drawing.front is not None:
            cv2.polylines(out, [drawing.front.reshape(-1, 1, 2)], True, _FRONT, 1, cv2.LINE_AA)
        if drawing.crack is not None:
            cv2.polylines(out, [drawing.crack.reshape(-1, 1, 2)], False, _CRACK, 2, cv2.LINE_AA)
        if drawing.electrode is not None:
            x, y, r = drawing.electrode
            cv2.circle(out, (int(round(x)), int(round(y))), int(round(r)), _ELECTRODE, 1,
                       cv2.LINE_AA)
        for wid, base, tip in drawing.whiskers:
            b = tuple(int(round(v)) for v in base)
            t = tuple(int(round(v)) for v in tip)
            cv2.line(out, b, t, _WHISKER, 1, cv2.LINE_AA)
            cv2.circle(out, t, 2, _WHISKER, -1, cv2.LINE_AA)
            cv2.putText(out, str(wid), (t[0] + 4, t[1] - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.4,
                        _WHISKER, 1, cv2.LINE_AA)
    if lines:
        _draw_text_box(out, list(lines), _text_font())
    return out


class OverlayWriter:
    """Stream BGR frames into an H.264 MP4 with exact presentation times.

    Frames may come at any times (variable frame rate): the pipeline writes one
    per new scan, so a screen recording with ten frames per scan is encoded ten
    times faster than frame by frame. Frames are converted to YUV 4:2:0 with
    OpenCV and handed to the encoder as such (no libswscale conversion).

    Parameters
    ----------
    path : str or os.PathLike
        Output file (written as given; callers write into a temporary folder).
    frame_shape : (rows, cols)
        Size of the frames; odd sizes are padded by one pixel (yuv420p).
    """

    TIME_BASE = Fraction(1, 1000)

    def __init__(self, path, frame_shape):
        self.path = os.fspath(path)
        rows, cols = frame_shape
        self._pad = (rows % 2, cols % 2)
        self._container = av.open(self.path, mode="w")
        stream = self._container.add_stream("libx264", rate=1000)
        stream.width = cols + self._pad[1]
        stream.height = rows + self._pad[0]
        stream.pix_fmt = "yuv420p"
        stream.time_base = self.TIME_BASE
        # ultrafast, one thread: measured on 1080p SEM frames (noise costs bits) on one
        # core, 20 ms of CPU a frame against 106 ms for veryfast (files 25 % larger);
        # x264's own threads only contended with the analysis and other batch workers
        stream.options = {"preset": "ultrafast", "crf": "23", "threads": "1"}
        self._stream = stream
        self._last_pts = -1
        self.n_written = 0

    def write(self, bgr, time_s):
        """Append one frame shown from `time_s` on (s, video clock) until the next one."""
        if any(self._pad):
            bgr = cv2.copyMakeBorder(bgr, 0, self._pad[0], 0, self._pad[1], cv2.BORDER_REPLICATE)
        yuv = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420)
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        pts = max(int(round(time_s * 1000)), self._last_pts + 1)
        frame.pts, frame.time_base = pts, self.TIME_BASE
        self._last_pts = pts
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.n_written += 1

    def close(self):
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


#: Share of the free disk space (of the temporary folder, when the spool opens) the frame
#: spool may take: it must never fill the disk the results are written to. Beyond it the
#: spool stops and the overlay is drawn from a second decode of the video, as before.
SPOOL_DISK_FRACTION = 0.5


@dataclass(frozen=True)
class _SpooledFrame:
    """A frame of the spool: its index and time, its pixels read on demand."""

    spool: "FrameSpool"
    position: int
    index: int
    time_s: float

    @property
    def image(self):
        return self.spool.read(self.position)


class FrameSpool:
    """The frames an overlay shows, kept on disk from the analysis to its save.

    The analysis decodes every frame once; the overlay draws one frame per new
    scan (frames that bring new content, and the last frame). The spool writes
    the pixels of those frames, as decoded, into an unnamed temporary file
    (deleted when the spool is closed or collected, or the process ends) so
    that the overlay needs no second decode of the video, while the process
    keeps no frame in memory. It takes at most :data:`SPOOL_DISK_FRACTION` of
    the free disk space; a spool that stopped short (full, a write error, an
    analysis that did not read to the end) reports itself incomplete and the
    overlay decodes the video again.

    Parameters
    ----------
    directory : str, optional
        Folder of the temporary file (default: the system's temporary folder).
    """

    def __init__(self, directory=None):
        self._dir = directory if directory is not None else tempfile.gettempdir()
        self._file = None
        self._stored = {}     # position -> (byte offset, shape, dtype)
        self._index = []      # frame index of every position read
        self._time_s = []     # video-clock time, s, of every position read
        self._size = 0
        self._budget = None
        self._finalizer = None
        self.complete = False

    def tap(self, frames):
        """Yield `frames` unchanged, spooling each that is not a duplicate, and the last.

        Parameters
        ----------
        frames : iterable of Frame
            Frames with ``is_duplicate`` set (:func:`vision.mark_refreshes`).

        Yields
        ------
        Frame
            The input frames, not copied.
        """
        last = None
        for position, frame in enumerate(frames):
            self._index.append(int(frame.index))
            self._time_s.append(float(frame.time_s))
            if not frame.is_duplicate:
                self._put(position, frame.image)
            last = (position, frame.image)
            yield frame
        if last is not None and last[0] not in self._stored:
            self._put(*last)
        self.complete = self._file is not None or last is None

    def _put(self, position, image):
        if self._budget is not None and self._file is None:
            return  # stopped (budget or error): the overlay decodes again
        if image is None:  # a reader without pixels here: stop, the overlay decodes again
            self._budget = 0.0
            self.close()
            return
        data = np.ascontiguousarray(image)
        try:
            if self._file is None:
                self._budget = SPOOL_DISK_FRACTION * shutil.disk_usage(self._dir).free
                self._file = tempfile.TemporaryFile(dir=self._dir, prefix="semtrack-frames-")
                # the file goes with the spool (an analysis dropped unsaved leaves nothing)
                self._finalizer = weakref.finalize(self, self._file.close)
            if self._size + data.nbytes > self._budget:
                raise OSError("the frame spool reached its share of the free disk space")
            self._file.seek(self._size)
            self._file.write(memoryview(data).cast("B"))
        except OSError as exc:
            logger.info("frames for the overlay not kept (%s): the overlay decodes the "
                        "video again", exc)
            self.close()
            return
        self._stored[position] = (self._size, data.shape, data.dtype)
        self._size += data.nbytes

    def covers(self, positions, n_frames):
        """True when the spool read `n_frames` frames and holds every one of `positions`."""
        return (self.complete and self._file is not None and len(self._index) == n_frames
                and all(p in self._stored for p in positions))

    def read(self, position):
        """The pixels of the frame at `position` (0-based order of the frames read)."""
        offset, shape, dtype = self._stored[position]
        image = np.empty(shape, dtype)
        self._file.seek(offset)
        if self._file.readinto(memoryview(image).cast("B")) != image.nbytes:
            raise OSError("the frame spool was truncated")
        return image

    def frames(self):
        """Every frame read, in order; ``image`` reads the pixels (spooled frames only)."""
        for position, (index, time_s) in enumerate(zip(self._index, self._time_s)):
            yield _SpooledFrame(self, position, index, time_s)

    @property
    def nbytes(self):
        """Bytes of pixels held on disk."""
        return self._size

    def close(self):
        """Delete the temporary file; the spool then covers nothing."""
        if self._file is not None:
            self._finalizer()
            self._file = None
        self._stored = {}
        self._size = 0
        self.complete = False

    def __getstate__(self):
        # a pickled analysis (another process) has no frames: its overlay decodes again
        state = dict(self.__dict__)
        state.update(_file=None, _finalizer=None, _stored={}, _size=0, complete=False)
        return state
