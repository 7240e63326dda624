"""Tracking a whole video: options, the per-scan tracker, crack initiation, result tables."""
from ._frontcrack import FrontCrackState, FrontCrackUpdate
from ._options import MEASUREMENTS, TrackOptions
from ._tables import FrameTrack, Tracks
from ._tracker import TrackIterator, track, track_iter

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
