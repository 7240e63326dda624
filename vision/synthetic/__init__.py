"""Deterministic synthetic in-situ SEM videos with exact ground truth.

Render SEM-like videos of a lithium microelectrode on LLZO (whiskers, a
lateral fractal front, a Li-filled crack, stripping) with SEM and
screen-recorder artefacts, plus per-frame truth and the matching
potentiostat trace. Geometry in px of the output frame (x = column,
y = row, origin at the centre of the top-left pixel), times on the video
clock in s.

>>> from vision.synthetic import preset, render
>>> res = render(preset("whisker", duration_s=2), "out")  # doctest: +SKIP

Randomized scenes (every property drawn from a seed, for the validation bank):

>>> from vision.synthetic import random_scene, render_random
>>> res = render_random(random_scene(7), "out")  # doctest: +SKIP
"""
from ._extras import CODECS, Extras, TraceModel, WhiskerShape
from ._output import RenderResult, render, render_random, truth_json, write_samples
from ._presets import PRESETS, preset
from ._random import BANK_FIRST_SEED, STREAMS, BankCaps, random_scene
from ._render import FRAME_COLUMNS, WHISKER_COLUMNS, render_frames
from ._scene import Artefacts, Crack, LateralFront, Scene, Stripping, Whisker
from ._writers import FORMATS

__all__ = [
    "BANK_FIRST_SEED",
    "CODECS",
    "FORMATS",
    "FRAME_COLUMNS",
    "PRESETS",
    "STREAMS",
    "WHISKER_COLUMNS",
    "Artefacts",
    "BankCaps",
    "Crack",
    "Extras",
    "LateralFront",
    "RenderResult",
    "Scene",
    "Stripping",
    "TraceModel",
    "Whisker",
    "WhiskerShape",
    "preset",
    "random_scene",
    "render",
    "render_frames",
    "render_random",
    "truth_json",
    "write_samples",
]
