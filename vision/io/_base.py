"""One streaming reader for SEM videos, TIFF stacks and folders of frames.

``open_video(path)`` picks the reader by content (magic bytes) and
extension and returns a :class:`VideoReader`. Iterating a reader yields
:class:`Frame` objects one at a time; no reader ever holds the whole video
in memory.

Times are on the *video clock*: seconds since the first frame, which is at
0.0. Images are 2-D grayscale arrays, axis order (row, col), dtype uint8 or
uint16; colour input is converted to luma.
"""
from __future__ import annotations

import dataclasses
import logging
import re
from pathlib import Path

import numpy as np

from calibration import InputError

__all__ = ["Frame", "VideoReader", "TruncatedVideoWarning"]

logger = logging.getLogger(__name__)

#: Container extensions decoded with PyAV (FFmpeg).
VIDEO_EXTENSIONS = (".mp4", ".avi", ".mkv", ".mov", ".m4v", ".webm", ".wmv", ".mpg", ".mpeg")
#: Multi-page TIFF stacks.
TIFF_EXTENSIONS = (".tif", ".tiff")
#: Single-frame image files (also the members of a frame folder).
IMAGE_EXTENSIONS = (".png", ".tif", ".tiff")

class TruncatedVideoWarning(UserWarning):
    """A video ended early or could not be decoded to the end."""


@dataclasses.dataclass(slots=True)
class Frame:
    """One video frame.

    Attributes
    ----------
    index : int
        0-based position of the frame in the file (presentation order).
    time_s : float
        Presentation time in seconds on the video clock (first frame 0.0).
    image : (M, N) ndarray of uint8 or uint16
        Grayscale image, axis order (row, col); pixel (0, 0) is top-left.
        Frames decoded from a video file may hand out a read-only view of the
        decoder's buffer (no copy per frame): ``image.copy()`` before writing
        into it.
    is_duplicate : bool
        The content is the same scan as the previous frame (only
        compression noise differs). Set by :func:`vision.mark_refreshes`.
    partial_refresh : bool
        Torn frame: part new scan, part the previous scan. Set by
        :func:`vision.mark_refreshes`.
    content_time_s : float or None
        Video-clock time in seconds at which this frame's scan content first
        appeared; None until :func:`vision.mark_refreshes` fills it.
    tear_row : int or None
        For a torn frame, the first image row (full-resolution row index) of
        the part that still shows the old scan (top part new, bottom old) or
        the first row of the new scan (top old, bottom new). None otherwise.
    is_keyframe : bool or None
        The codec stored this frame as a keyframe (intra-coded, so its
        compression noise is re-drawn); None for image files.
    """

    index: int
    time_s: float
    image: np.ndarray
    is_duplicate: bool = False
    partial_refresh: bool = False
    content_time_s: float | None = None
    tear_row: int | None = None
    is_keyframe: bool | None = None


class VideoReader:
    """Base class of the readers: a small pims-like contract.

    Attributes
    ----------
    path : pathlib.Path
        The file or folder read.
    n_frames : int or None
        Number of frames if known without decoding, else None
        (``len(reader)`` then counts them).
    frame_shape : tuple of int
        (rows, cols) of every frame.
    dtype : numpy.dtype
        uint8 or uint16.
    fps : float or None
        Nominal frame rate in frames per second (None if unknown).
    start_time : datetime.datetime or None
        Naive wall-clock time of the first frame's acquisition, if the file's
        metadata states it.
    metadata : dict
        Format-specific metadata (for TIFF: ``{'tiff_tags': {name: value}}``
        of the first page and more).
    """

    path: Path
    n_frames: int | None = None
    frame_shape: tuple[int, int]
    dtype: np.dtype
    fps: float | None = None
    start_time = None
    metadata: dict

    def __iter__(self):
        return self._iter_frames()

    def _iter_frames(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def get_frame(self, index):
        """Return frame ``index`` (random access; may decode from a keyframe)."""
        raise NotImplementedError

    def __len__(self):
        if self.n_frames is None:
            self.n_frames = self._count_frames()
        return self.n_frames

    def _count_frames(self):
        return sum(1 for _ in self)

    def _check_index(self, index):
        n = len(self)
        if not isinstance(index, (int, np.integer)):
            raise TypeError(f"frame index must be an int, got {type(index).__name__}")
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"frame index {index} out of range for {n} frames in {self.path}")
        return int(index)

    def close(self):
        """Release the file handles (idempotent)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        return (f"<{type(self).__name__} {str(self.path)!r} frames={self.n_frames} "
                f"shape={self.frame_shape} dtype={np.dtype(self.dtype).name} fps={self.fps}>")


# ----------------------------------------------------------------------------
# helpers shared by the readers

def to_gray(image, *, path=None):
    """Convert a decoded image to a 2-D uint8/uint16 grayscale array.

    Parameters
    ----------
    image : (M, N) or (M, N, C) ndarray
        C = 3 (RGB) or 4 (RGBA, alpha ignored); C = 1 is squeezed.
    path : str, optional
        Named in the error message.

    Returns
    -------
    (M, N) ndarray of uint8 or uint16
        Luma ``0.299 R + 0.587 G + 0.114 B`` (ITU-R BT.601) for colour input.

    Raises
    ------
    InputError
        Unsupported dtype (float, signed) or number of dimensions.
    """
    image = np.asarray(image)
    if image.dtype == bool:
        image = image.astype(np.uint8) * np.uint8(255)
    if image.dtype not in (np.uint8, np.uint16):
        raise InputError(
            f"pixel type {image.dtype} is not supported; export the frames as 8- or 16-bit "
            "unsigned integer images", path=path)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 3 and image.shape[2] in (3, 4):
        rgb = image[:, :, :3].astype(np.float32)
        gray = rgb @ np.array([0.299, 0.587, 0.114], np.float32)
        return np.rint(gray).astype(image.dtype)
    if image.ndim != 2:
        raise InputError(
            f"cannot make a grayscale frame from an image of shape {image.shape}; expected "
            "(rows, cols) or (rows, cols, 3|4)", path=path)
    return image


def natural_key(name):
    """Sort key that orders embedded numbers numerically (frame_2 < frame_10)."""
    return [int(tok) if tok.isdigit() else tok.lower() for tok in re.split(r"(\d+)", name)]


def check_fps(fps, *, path=None):
    """Validate a user-given frame rate; return it as float or None."""
    if fps is None:
        return None
    try:
        value = float(fps)
    except (TypeError, ValueError):
        raise InputError(f"fps must be a positive number, got {fps!r}", path=path) from None
    if not np.isfinite(value) or value <= 0:
        raise InputError(f"fps must be a positive number, got {fps!r}", path=path)
    return value
