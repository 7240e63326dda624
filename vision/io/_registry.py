"""The reader registry: which reader opens which file, in one table.

Each :class:`ReaderSpec` names a reader, the file extensions it claims, how to
recognise its files from their first bytes (``magic``) and where the reader class
lives (imported only when a file of that kind is opened, so PyAV and tifffile load
on first use). :func:`open_video`, :data:`KNOWN_FORMATS` and the batch discovery
(:func:`video_extensions`, :func:`frame_extensions`) all derive from :data:`READERS`.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from calibration import InputError

from ._base import IMAGE_EXTENSIONS, TIFF_EXTENSIONS, VIDEO_EXTENSIONS, check_fps

__all__ = ["KNOWN_FORMATS", "READERS", "ReaderSpec", "frame_extensions", "open_video",
           "reader_for", "video_extensions"]


@dataclass(frozen=True)
class ReaderSpec:
    """One reader of the registry.

    Attributes
    ----------
    name : str
        Short name (``"av"``, ``"tiff"``, ``"image"``, ``"folder"``).
    extensions : tuple of str
        Lower-case file extensions it claims (for ``"folder"``: of its member frames).
    magic : tuple of (int, bytes)
        ``(offset, bytes)`` pairs; a file whose first bytes match any pair is this kind.
    factory : str
        ``"module:Class"`` of the reader, relative to :mod:`vision.io`; imported lazily.
    description : str
        What it reads, for :data:`KNOWN_FORMATS` and error messages.
    recording : bool
        One file holds a whole recording (batch discovery counts it as a video).
    """

    name: str
    extensions: tuple
    magic: tuple
    factory: str
    description: str
    recording: bool = True

    def load(self):
        """The reader class (imports its module)."""
        module, cls = self.factory.split(":")
        return getattr(importlib.import_module(module, __package__), cls)


_TIFF_MAGIC = ((0, b"II*\x00"), (0, b"MM\x00*"), (0, b"II+\x00"), (0, b"MM\x00+"))
_PNG_MAGIC = ((0, b"\x89PNG\r\n\x1a\n"),)
_VIDEO_MAGIC = tuple((4, m) for m in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip")) + (
    (0, b"RIFF"),          # AVI (checked with "AVI " at 8, see _matches)
    (0, b"\x1a\x45\xdf\xa3"),  # Matroska / WebM
)

#: The readers, in the order a file's first bytes are tested against them.
READERS = (
    ReaderSpec("tiff", TIFF_EXTENSIONS, _TIFF_MAGIC, "._tiff:TiffStackReader",
               "multi-page TIFF stacks (.tif, .tiff)"),
    ReaderSpec("image", (".png",), _PNG_MAGIC, "._folder:ImageFolderReader",
               "single .png/.tif images", recording=False),
    ReaderSpec("av", VIDEO_EXTENSIONS, _VIDEO_MAGIC, "._av:AVReader",
               "videos (.mp4, .avi, .mkv, .mov; also .m4v .webm .wmv .mpg via FFmpeg)"),
    ReaderSpec("folder", IMAGE_EXTENSIONS, (), "._folder:ImageFolderReader",
               "folders of numbered .png/.tif frames", recording=False),
)

_BY_NAME = {spec.name: spec for spec in READERS}

#: Human-readable list of what :func:`open_video` reads, used in error messages.
KNOWN_FORMATS = ", ".join(_BY_NAME[n].description for n in ("av", "tiff", "folder", "image"))


def video_extensions():
    """Extensions of files that hold a whole recording (what batch discovery collects)."""
    return tuple(dict.fromkeys(e for s in READERS if s.recording for e in s.extensions))


def frame_extensions():
    """Extensions of the numbered frames of a frame folder."""
    return _BY_NAME["folder"].extensions


def _matches(spec, head):
    for offset, magic in spec.magic:
        if head[offset:offset + len(magic)] == magic:
            if magic == b"RIFF" and head[8:12] != b"AVI ":
                continue
            return True
    return False


def reader_for(path):
    """The :class:`ReaderSpec` for a file from its first bytes, or None if none matches."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    if len(head) == 0:
        raise InputError("the file is empty (0 bytes); re-export or re-copy it", path=path)
    for spec in READERS:
        if _matches(spec, head):
            return spec
    return None


def open_video(path, *, fps=None):
    """Open a video, TIFF stack, image folder or single image for streaming.

    Parameters
    ----------
    path : str or os.PathLike
        An MP4/AVI/MKV/MOV video (any codec FFmpeg decodes), a multi-page
        TIFF, a folder of numbered PNG/TIFF frames, or one PNG/TIFF image.
    fps : float, optional
        Frames per second. Required for image folders and for TIFF stacks
        without timing metadata; for a TIFF stack it overrides the metadata
        (with a warning if they disagree); ignored for videos, whose
        per-frame presentation times are exact.

    Returns
    -------
    VideoReader
        Iterate it for :class:`Frame` objects; use it as a context manager.

    Raises
    ------
    InputError
        Missing file, empty folder, unknown format (the message lists the
        known ones), undecodable file, inconsistent frame shapes, or a
        folder/TIFF stack without timing and no ``fps``.
    """
    path = Path(path).expanduser()
    fps = check_fps(fps, path=path)
    if not path.exists():
        raise InputError("no such file or folder; check the path", path=path)
    if path.is_dir():
        return _BY_NAME["folder"].load()(path, fps=fps)
    spec = reader_for(path)
    suffix = path.suffix.lower()
    if spec is None:
        if suffix in _BY_NAME["av"].extensions:
            spec = _BY_NAME["av"]  # let FFmpeg decide (e.g. MPEG-PS, ASF)
        elif suffix in frame_extensions():
            raise InputError(f"the file is not a valid {suffix[1:].upper()} image (wrong header); "
                             "re-export it", path=path)
        else:
            raise InputError(f"unknown file format {suffix or '(no extension)'!r}; semtrack "
                             f"reads {KNOWN_FORMATS}", path=path)
    if spec.name == "av":
        return spec.load()(path)
    return spec.load()(path, fps=fps)
