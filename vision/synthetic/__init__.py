"""Deterministic synthetic in-situ SEM videos with exact ground truth.

Render SEM-like videos of a lithium microelectrode on LLZO (whiskers, a
lateral fractal front, a Li-filled crack, stripping) with SEM and
screen-recorder artefacts, plus per-frame truth and the matching
potentiostat trace. Geometry in px of the output frame (x = column,
y = row, origin at the centre of the top-left pixel), times on the video
clock in s.

>>> from vision.synthetic import preset, render
>>> res = render(preset("whisker", duration_s=2), "out")  # doctest: +SKIP
"""
from ._output import RenderResult, render, truth_json, write_samples
from ._presets import PRESETS, preset
from ._render import FRAME_COLUMNS, WHISKER_COLUMNS, render_frames
from ._scene import Artefacts, Crack, LateralFront, Scene, Stripping, Whisker
from ._writers import FORMATS

__all__ = [
    "Artefacts",
    "Crack",
    "FORMATS",
    "FRAME_COLUMNS",
    "LateralFront",
    "PRESETS",
    "RenderResult",
    "Scene",
    "Stripping",
    "WHISKER_COLUMNS",
    "Whisker",
    "preset",
    "render",
    "render_frames",
    "truth_json",
    "write_samples",
]
