"""Tracking a whole video: options, the per-scan tracker, crack initiation, result tables."""
from ._frontcrack import FrontCrackState, FrontCrackUpdate
from ._options import MEASUREMENTS, TrackOptions
from ._tracker import FrameTrack, TrackIterator, Tracks, track, track_iter

__all__ = [
    "MEASUREMENTS",
    "TrackOptions",
    "FrameTrack",
    "FrontCrackState",
    "FrontCrackUpdate",
    "TrackIterator",
    "Tracks",
    "track",
    "track_iter",
]
