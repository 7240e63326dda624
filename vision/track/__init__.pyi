"""Tracking a whole video: options, the per-scan tracker, crack initiation, result tables."""
from ._frontcrack import FrontCrackState, FrontCrackUpdate
from ._tracker import FrameTrack, TrackIterator, Tracks, track, track_iter

__all__ = [
    "FrameTrack",
    "FrontCrackState",
    "FrontCrackUpdate",
    "TrackIterator",
    "Tracks",
    "track",
    "track_iter",
]
