"""Reading SEM videos: frames, readers and the reader registry."""
from ._base import Frame, KNOWN_FORMATS, TruncatedVideoWarning, VideoReader, open_video

__all__ = ["Frame", "KNOWN_FORMATS", "TruncatedVideoWarning", "VideoReader", "open_video"]
