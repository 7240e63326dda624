"""Bounds of the stage drift, shared by the artefacts and the paths that must cover it."""
from __future__ import annotations

__all__ = ["drift_max_px"]


def drift_max_px(scene):
    """Largest drift excursion over the video (and the trace tail), px."""
    return scene.artefacts.drift_px_s * (scene.duration_s + 1.0)
