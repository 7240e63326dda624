"""Reading SEM videos: frames, readers and the reader registry."""
from ._base import Frame, TruncatedVideoWarning, VideoReader
from ._registry import KNOWN_FORMATS, READERS, ReaderSpec, open_video

__all__ = [
    "Frame",
    "KNOWN_FORMATS",
    "READERS",
    "ReaderSpec",
    "TruncatedVideoWarning",
    "VideoReader",
    "open_video",
]
