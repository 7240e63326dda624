"""Scene options beyond the presets: appearance, shapes, artefacts, trace nuisances, files.

Everything here is *off* unless a :class:`~vision.synthetic.Scene` carries an
:class:`Extras` (``Scene.extras``) or a :class:`TraceModel`
(``Scene.trace_model``); the presets carry neither, so they render exactly as
before. :func:`vision.synthetic.random_scene` fills both from a seed.
"""
from __future__ import annotations

import dataclasses

from calibration import InputError

__all__ = ["CODECS", "CRACK_STYLES", "DATA_BAR_STYLES", "Extras", "TraceModel", "WhiskerShape"]

#: Data-bar looks: the presets' black bar, Zeiss (light grey, black text, logo),
#: FEI (black with a white frame).
DATA_BAR_STYLES = ("black", "zeiss", "fei")

#: Crack paths: the presets' wiggly path, a straight transgranular one, an
#: intergranular one along the grain boundaries, a branched one.
CRACK_STYLES = ("wiggly", "straight", "intergranular", "branched")

#: File codec of a scene -> the writer format that makes it (see ``vision.synthetic.FORMATS``).
CODECS = {"h264": "mp4", "mpeg4": "mpeg4", "mjpeg": "mjpeg", "ffv1": "avi", "tiff": "tiff",
          "png": "png"}


@dataclasses.dataclass(frozen=True)
class WhiskerShape:
    """Shape of one whisker beyond the presets' straight in-plane rod.

    The rod's axis starts at ``Whisker.angle_deg`` and turns by
    ``curvature_deg_per_px`` per px of projected arc length, plus a sudden
    turn of ``kink_deg`` once ``kink_at_px`` px have grown. The rod is
    inclined ``inclination_deg`` out of the image plane, so the image shows
    ``cos(inclination)`` of its true (3-D) length; ``Whisker.rates_px_s`` are
    true (3-D) tip speeds.
    """

    inclination_deg: float = 0.0
    curvature_deg_per_px: float = 0.0
    kink_at_px: float | None = None
    kink_deg: float = 0.0


@dataclasses.dataclass(frozen=True)
class Extras:
    """Appearance, geometry and artefact options of a randomized scene (px, s, intensity 0..1).

    Attributes
    ----------
    li_level, ceramic_level : float
        Grey level of lithium and of the ceramic (lithium may be brighter).
    edge_gain, edge_sigma_px : float
        Secondary-electron edge brightening: height and width of the bright rim.
    li_texture : float
        Standard deviation of the lithium's texture.
    grain_size_px, grain_contrast, boundary_depth : float
        Polycrystalline substrate: mean grain diameter, grain-to-grain level
        spread, darkening of the grain boundaries.
    scratches, particles, substrate_pores : int
        Single-crystal substrate features (polishing scratches, bright
        particles, dark pores).
    streaks : float
        Amplitude of horizontal charging streaks (per scan); 0 = off.
    whisker_shapes : tuple of WhiskerShape
        One per ``Scene.whiskers`` (empty = all straight, in plane).
    crack_style : str
        One of :data:`CRACK_STYLES`.
    crack_fill_delay_s : float
        How long after it opens a crack segment fills with lithium; until then
        it is an open crack (dark gap with bright lips). 0 = filled at once.
    crack_open_width_px : float
        Width of the open (unfilled) crack, px.
    grain_seed_spacing_px : float
        Spacing of the grain seeds (the intergranular crack follows their
        Voronoi edges), px; computed from ``grain_size_px``.
    content_box : (int, int, int, int) or None
        (x0, y0, width, height) of the SEM image inside a screen recording;
        everything outside is black. None = the whole frame.
    data_bar_style : str
        One of :data:`DATA_BAR_STYLES`.
    font : int
        OpenCV Hershey font of the data-bar text and the scale-bar label.
    drift_jumps : tuple of (float, float, float)
        Sudden beam shifts (video time s, dx px, dy px), added to the drift.
    contrast_jumps : tuple of (float, float, float)
        Auto-contrast jumps (video time s, gain factor, offset) from then on.
    line_jitter_px : float
        Standard deviation of the per-row horizontal scan jitter, px.
    bit_depth : int
        8 or 16 (16 only for TIFF and PNG).
    codec : str
        One of :data:`CODECS` (what ``semtrack synth random`` writes).
    crf : int
        Quality of lossy codecs (H.264 CRF; MPEG-4/MJPEG map it to a bit rate).
    x264_preset : str
        x264 speed preset of H.264 files (screen recorders use the fast ones).
    stage_tilt_deg : float
        Stage tilt (recorded; whiskers' inclinations are drawn with it).
    bank_version : int or None
        Version of the drawing rules of :func:`~vision.synthetic.random_scene`.
    scenario : str
        What :func:`~vision.synthetic.random_scene` drew to grow (control,
        whiskers, lateral, crack, stripping); '' for hand-made scenes.
    """

    li_level: float = 0.20
    ceramic_level: float = 0.55
    edge_gain: float = 0.45
    edge_sigma_px: float = 1.0
    li_texture: float = 0.025
    grain_size_px: float = 45.0
    grain_contrast: float = 0.05
    boundary_depth: float = 0.12
    scratches: int = 0
    particles: int = 0
    substrate_pores: int = 0
    streaks: float = 0.0
    whisker_shapes: tuple = ()
    crack_style: str = "wiggly"
    crack_fill_delay_s: float = 0.0
    crack_open_width_px: float = 1.5
    content_box: tuple | None = None
    data_bar_style: str = "black"
    font: int = 0
    drift_jumps: tuple = ()
    contrast_jumps: tuple = ()
    line_jitter_px: float = 0.0
    bit_depth: int = 8
    codec: str = "h264"
    crf: int = 18
    x264_preset: str = "medium"
    stage_tilt_deg: float = 0.0
    bank_version: int | None = None
    scenario: str = ""

    def __post_init__(self):
        if self.data_bar_style not in DATA_BAR_STYLES:
            raise InputError(f"extras.data_bar_style={self.data_bar_style!r}: use one of "
                             f"{', '.join(DATA_BAR_STYLES)}")
        if self.crack_style not in CRACK_STYLES:
            raise InputError(f"extras.crack_style={self.crack_style!r}: use one of "
                             f"{', '.join(CRACK_STYLES)}")
        if self.codec not in CODECS:
            raise InputError(f"extras.codec={self.codec!r}: use one of {', '.join(CODECS)}")
        if self.bit_depth not in (8, 16):
            raise InputError(f"extras.bit_depth={self.bit_depth!r}: use 8 or 16")
        if self.bit_depth == 16 and self.codec not in ("tiff", "png"):
            raise InputError("extras.bit_depth=16 needs codec 'tiff' or 'png'")

    @classmethod
    def from_dict(cls, d):
        d = dict(d)
        d["whisker_shapes"] = tuple(WhiskerShape(**w) for w in d.get("whisker_shapes", ()))
        for key in ("drift_jumps", "contrast_jumps"):
            d[key] = tuple(tuple(v) for v in d.get(key, ()))
        if d.get("content_box") is not None:
            d["content_box"] = tuple(d["content_box"])
        return cls(**d)


@dataclasses.dataclass(frozen=True)
class TraceModel:
    """Nuisances of a real potentiostat trace, next to the Faradaic current.

    ``I = s * I_far(t) + G * (V - V_rest) + I_0 + spikes + noise``, sampled at
    trace-clock times that run ``1 + drift_ppm 1e-6`` times as fast as the
    video clock: a sample at true video time ``t`` carries the trace time stamp
    ``(t + sync_offset_s) * (1 + drift_ppm 1e-6)``.

    Attributes
    ----------
    unseen_factor : float
        s >= 1: charge per visible volume (lithium plated where the camera
        does not see it).
    leakage_S : float
        G, leakage conductance, A/V (current linear in the applied voltage).
    offset_A : float
        I_0, constant current offset, A.
    clock_drift_ppm : float
        Rate of the trace clock relative to the video clock minus 1, ppm.
    """

    unseen_factor: float = 1.0
    leakage_S: float = 0.0
    offset_A: float = 0.0
    clock_drift_ppm: float = 0.0

    def __post_init__(self):
        if not self.unseen_factor >= 1.0:
            raise InputError(f"trace_model.unseen_factor={self.unseen_factor!r}: must be >= 1")
