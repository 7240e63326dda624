"""Tracking a whole video: options, the per-scan tracker, crack initiation, result tables."""
from ._tracker import FrameTrack, TrackIterator, Tracks, track, track_iter
from ._frontcrack import FrontCrackState, FrontCrackUpdate

__all__ = ["FrameTrack", "FrontCrackState", "FrontCrackUpdate", "TrackIterator", "Tracks", "track", "track_iter"]
