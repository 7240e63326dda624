"""Tracking a whole video: options, the per-scan tracker, crack initiation, result tables."""
import sys as _sys
import types as _types

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "_tables": ["FrameTrack", "Tracks"],
        "_tracker": ["TrackIterator", "track", "track_iter"],
        "_frontcrack": ["FrontCrackState", "FrontCrackUpdate"],
        "_options": ["MEASUREMENTS", "TrackOptions"],
    },
)


class _CallableTrackModule(_types.ModuleType):
    """``vision.track`` is this subpackage and, as before the subpackages, the function.

    The public function :func:`vision.track.track` kept its name in :mod:`vision`;
    calling the subpackage calls it, so ``vision.track(frames, ...)`` works as it did.
    """

    def __call__(self, *args, **kwargs):
        return self.track(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallableTrackModule
