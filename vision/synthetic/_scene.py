"""The :class:`Scene` description and its exact, analytic geometry over time.

Everything that changes with time is a pure function of the scene and a time
on the *video clock* (s, 0 at the first frame). Geometry is in pixels of the
output frame: x = column, y = row, origin at the centre of the top-left pixel,
*without* drift (drift is added where positions are reported as seen in the
frame).
"""
from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np

from calibration import InputError

from ._segments import Segments

from ._extras import Extras, TraceModel

__all__ = [
    "Artefacts",
    "Crack",
    "LateralFront",
    "Scene",
    "Stripping",
    "Whisker",
]

#: Substrate textures :class:`Scene` knows.
SUBSTRATES = ("single_crystal", "polycrystalline")


@dataclasses.dataclass(frozen=True)
class Whisker:
    """One straight lithium whisker growing out of the electrode rim.

    Attributes
    ----------
    angle_deg : float
        Growth direction in the image, degrees; 0 = +x (right), 90 = +y
        (down, image rows grow downward).
    rates_px_s : tuple of float
        Tip speed during each potential step of :attr:`Scene.steps`, px/s
        (same length as ``Scene.steps``; 0 = no growth in that step).
    width_px : float
        Rod diameter, px.
    base_angle_deg : float or None
        Where on the electrode rim the whisker starts (polar angle from the
        electrode centre, same convention); None = ``angle_deg`` (radial).
    """

    angle_deg: float
    rates_px_s: tuple
    width_px: float = 10.0
    base_angle_deg: float | None = None


@dataclasses.dataclass(frozen=True)
class LateralFront:
    """A branched (DLA-like) lateral lithium front along the surface.

    Attributes
    ----------
    onset_s : float
        Video time at which the front starts from the electrode rim, s.
    speed_px_s : float
        Speed of each branch tip along its path, px/s.
    thickness_um : float
        Assumed thickness of the lateral lithium layer, um (for its volume).
    n_seeds : int
        Number of branches starting from the rim (facing the counter electrode).
    trunk_width_px : float
        Width of the first-generation branches, px (children are thinner).
    branch_probability : float
        Probability per 4-px step that a branch spawns a child.
    """

    onset_s: float
    speed_px_s: float = 30.0
    thickness_um: float = 0.5
    n_seeds: int = 4
    trunk_width_px: float = 5.0
    branch_probability: float = 0.12


@dataclasses.dataclass(frozen=True)
class Crack:
    """A lithium-filled crack running from the electrode to the counter electrode.

    Attributes
    ----------
    onset_s : float
        Video time of crack initiation, s.
    speed_px_s : float
        Speed of the crack tip along its path, px/s.
    width_px : float
        Visible width of the Li-filled crack, px.
    depth_um : float
        Assumed depth of the Li-filled crack below the surface, um (for its
        volume).
    """

    onset_s: float
    speed_px_s: float = 30.0
    width_px: float = 2.0
    depth_um: float = 3.0


@dataclasses.dataclass(frozen=True)
class Stripping:
    """Galvanostatic stripping of the microelectrode until contact loss.

    The visible lithium area shrinks linearly in time (constant current)
    from ``pi r0^2`` to ``(1 - area_fraction_lost) pi r0^2`` at ``t0_s``, when
    contact is lost: the rim recedes and ``n_pores`` pores open inside the
    electrode (through which the ceramic shows). The electrode thickness
    follows from Faraday's law.

    Attributes
    ----------
    start_s : float
        Video time at which the constant anodic current is switched on, s.
    current_A : float
        Stripping current, A (positive: anodic, as EC-Lab writes it).
    t0_s : float
        Video time of contact loss (depletion), s.
    area_fraction_lost : float
        Fraction of the visible electrode area gone at ``t0_s``.
    """

    start_s: float = 1.0
    current_A: float = 5.0e-7
    t0_s: float = 14.0
    area_fraction_lost: float = 0.55
    n_pores: int = 5


@dataclasses.dataclass(frozen=True)
class Artefacts:
    """Which SEM / screen-recording artefacts to add, and how strong.

    Attributes
    ----------
    noise : bool
        Poisson-Gaussian detector noise.
    photons_per_unit : float
        Mean photon count at intensity 1 (Poisson part; lower = noisier).
    read_noise : float
        Standard deviation of the Gaussian part, intensity units (0..1).
    scanline_sigma : float
        Standard deviation of the per-row offsets of each scan, intensity
        units; 0 = off.
    drift_px_s : float
        Largest drift speed, px/s (smooth, sub-pixel); 0 = off.
    flicker : float
        Largest relative contrast (gain) change per scan (0.15 = +-15 %; the
        gain is drawn with standard deviation flicker/2 and clipped); the
        brightness offset stays within +-flicker/4 (intensity units); 0 = off.
    tear_fraction : float
        Fraction of scan changes recorded as a torn frame; 0 = off.
    data_bar : bool
        Draw the black data bar with text and scale bar at the bottom.
    """

    noise: bool = True
    photons_per_unit: float = 400.0
    read_noise: float = 0.012
    scanline_sigma: float = 0.012
    drift_px_s: float = 1.0
    flicker: float = 0.15
    tear_fraction: float = 0.15
    data_bar: bool = True

    @classmethod
    def off(cls, *, data_bar=True):
        """No artefacts at all (optionally keeping the data bar)."""
        return cls(noise=False, scanline_sigma=0.0, drift_px_s=0.0, flicker=0.0,
                   tear_fraction=0.0, data_bar=data_bar)


@dataclasses.dataclass(frozen=True)
class Scene:
    """Everything needed to render one synthetic in-situ SEM video.

    Geometry is in px of the output frame (x = column, y = row, origin at the
    centre of the top-left pixel), times are on the video clock in s (0 at the
    first frame). The potentiostat (trace) clock is
    ``t_trace = t_video + sync_offset_s``.

    Attributes
    ----------
    name : str
        Preset name, used for file names.
    shape : (int, int)
        Frame shape (rows, cols).
    pixel_size_um : float
        Size of one pixel, um.
    fps : float
        Screen-recorder frame rate, frames/s.
    scan_period_s : float
        Time for one SEM scan, s; the recorder repeats the last completed
        scan, so ``fps * scan_period_s`` frames show the same scan.
    duration_s : float
        Video length, s.
    seed : int
        Seed of every random choice (texture, branches, noise, drift...).
    substrate : str
        ``'single_crystal'`` or ``'polycrystalline'`` (grains + boundaries).
    electrode_xy_px : (float, float)
        Centre of the Li microelectrode at t = 0, px (x, y), without drift.
    electrode_radius_px : float
        Radius of the microelectrode disc, px.
    needle_angle_deg : float
        Direction from the electrode centre to where the tungsten needle
        enters the image, degrees.
    counter_electrode_x_px : float
        x of the left edge of the counter electrode, a dark Li band reaching
        the right image edge, px.
    rest_voltage_V : float
        Working-electrode potential before the first step, V.
    steps : tuple of (float, float)
        Potential program: (start time on the video clock in s, voltage in V)
        for each step, in time order. A step lasts until the next one starts.
    whiskers, lateral, crack, stripping :
        Growth processes (any may be empty / None).
    artefacts : Artefacts
        SEM and recorder artefacts.
    sync_offset_s : float
        Trace clock minus video clock, s (> 0: the trace starts first).
    trace_rate_hz : float
        Potentiostat sampling rate, Hz.
    trace_tail_s : float
        How long the trace continues after the video ends, s.
    capacitance_F : float
        Double-layer capacitance charged at each potential step, F.
    current_noise_A : float
        Standard deviation of the current noise, A.
    supersample : int
        Supersampling factor for the thin objects (sub-pixel geometry).
    eht_kv, wd_mm : float
        Values printed in the data bar.
    extras : Extras or None
        Options beyond the presets (appearance, whisker shapes, crack styles,
        more artefacts, file codec); None = the presets' rendering.
    trace_model : TraceModel or None
        Trace nuisances (unseen deposit, leakage, offset, clock drift);
        None = the presets' trace.
    """

    name: str = "scene"
    shape: tuple = (384, 512)
    pixel_size_um: float = 0.2
    fps: float = 10.0
    scan_period_s: float = 0.5
    duration_s: float = 20.0
    seed: int = 0
    substrate: str = "single_crystal"
    electrode_xy_px: tuple = (160.0, 180.0)
    electrode_radius_px: float = 60.0
    needle_angle_deg: float = -140.0
    counter_electrode_x_px: float = 464.0
    rest_voltage_V: float = 0.0
    steps: tuple = ()
    whiskers: tuple = ()
    lateral: LateralFront | None = None
    crack: Crack | None = None
    stripping: Stripping | None = None
    artefacts: Artefacts = Artefacts()
    sync_offset_s: float = 3.2
    trace_rate_hz: float = 20.0
    trace_tail_s: float = 2.0
    capacitance_F: float = 5.0e-11
    current_noise_A: float = 2.0e-10
    supersample: int = 4
    eht_kv: float = 5.0
    wd_mm: float = 6.1
    extras: Extras | None = None
    trace_model: TraceModel | None = None

    def __post_init__(self):
        validate(self)

    # -- derived quantities -------------------------------------------------
    @property
    def n_frames(self):
        """Number of output frames, ``round(duration_s * fps)``."""
        return int(round(self.duration_s * self.fps))

    @property
    def data_bar_rows(self):
        """Height of the data bar, rows (0 when it is switched off)."""
        return int(round(0.08 * self.shape[0])) if self.artefacts.data_bar else 0

    def replace(self, **changes):
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self):
        """All fields as plain JSON-able Python (tuples become lists).

        ``extras`` and ``trace_model`` are left out when None, so the presets'
        dicts (and truth files) are those of the scenes before these options.
        """
        d = dataclasses.asdict(self)
        for key in ("extras", "trace_model"):
            if d[key] is None:
                del d[key]
        return d

    @classmethod
    def from_dict(cls, data):
        """Rebuild a :class:`Scene` from :meth:`to_dict` output (e.g. ``truth.json["scene"]``)."""
        d = dict(data)
        unknown = sorted(set(d) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise InputError(f"unknown Scene field(s) {', '.join(unknown)}")
        d["shape"] = tuple(d.get("shape", cls.shape))
        d["electrode_xy_px"] = tuple(d.get("electrode_xy_px", cls.electrode_xy_px))
        d["steps"] = tuple(tuple(st) for st in d.get("steps", ()))
        d["whiskers"] = tuple(Whisker(**{**w, "rates_px_s": tuple(w["rates_px_s"])})
                              for w in d.get("whiskers", ()))
        for key, typ in (("lateral", LateralFront), ("crack", Crack), ("stripping", Stripping)):
            if d.get(key) is not None:
                d[key] = typ(**d[key])
        if "artefacts" in d:
            d["artefacts"] = Artefacts(**d["artefacts"])
        if d.get("extras") is not None:
            d["extras"] = Extras.from_dict(d["extras"])
        if d.get("trace_model") is not None:
            d["trace_model"] = TraceModel(**d["trace_model"])
        return cls(**d)


def validate(scene):
    """Check a :class:`Scene`; raise :class:`calibration.InputError` naming the fix."""
    rows, cols = (int(v) for v in scene.shape)
    if rows < 64 or cols < 64 or rows % 2 or cols % 2:
        raise InputError(f"shape={scene.shape!r}: need even rows and cols of at least 64 "
                         "(H.264 yuv420p needs even dimensions)")
    for field in ("pixel_size_um", "fps", "scan_period_s", "duration_s", "electrode_radius_px",
                  "trace_rate_hz"):
        value = getattr(scene, field)
        if not (np.isfinite(value) and value > 0):
            raise InputError(f"{field}={value!r}: must be a positive number")
    if int(round(scene.duration_s * scene.fps)) < 1:
        raise InputError(f"duration_s={scene.duration_s} at fps={scene.fps} gives no frame; "
                         "make the video at least one frame long")
    if scene.substrate not in SUBSTRATES:
        raise InputError(f"substrate={scene.substrate!r}: use one of {', '.join(SUBSTRATES)}")
    if scene.supersample not in (1, 2, 4, 8):
        raise InputError(f"supersample={scene.supersample!r}: use 1, 2, 4 or 8")
    times = [float(t) for t, _ in scene.steps]
    if any(b <= a for a, b in zip(times, times[1:])):
        raise InputError(f"steps={scene.steps!r}: start times must increase")
    for i, w in enumerate(scene.whiskers):
        if len(w.rates_px_s) != len(scene.steps):
            raise InputError(f"whisker {i}: rates_px_s has {len(w.rates_px_s)} values but "
                             f"there are {len(scene.steps)} steps; give one rate per step")
        if any(r < 0 for r in w.rates_px_s) or w.width_px <= 0:
            raise InputError(f"whisker {i}: rates and width must be >= 0 / > 0")
    if scene.extras is not None and scene.extras.whisker_shapes and \
            len(scene.extras.whisker_shapes) != len(scene.whiskers):
        raise InputError(f"extras.whisker_shapes has {len(scene.extras.whisker_shapes)} entries "
                         f"but there are {len(scene.whiskers)} whiskers; give one per whisker")
    if not 0 < scene.counter_electrode_x_px < cols:
        raise InputError(f"counter_electrode_x_px={scene.counter_electrode_x_px}: must lie "
                         f"inside the frame (0..{cols})")
    a = scene.artefacts
    for field in ("photons_per_unit",):
        if not getattr(a, field) > 0:
            raise InputError(f"artefacts.{field}={getattr(a, field)!r}: must be > 0")
    for field in ("read_noise", "scanline_sigma", "drift_px_s", "flicker"):
        if not getattr(a, field) >= 0:
            raise InputError(f"artefacts.{field}={getattr(a, field)!r}: must be >= 0 (0 = off)")
    if not (0 <= a.flicker < 1 and 0 <= a.tear_fraction <= 1):
        raise InputError("artefacts: flicker must be in [0, 1) and tear_fraction in [0, 1]")
    if scene.stripping is not None:
        if scene.steps or scene.whiskers or scene.lateral or scene.crack:
            raise InputError("a stripping scene is galvanostatic: leave steps, whiskers, lateral "
                             "and crack empty")
        s = scene.stripping
        if not (s.t0_s > s.start_s and 0 < s.area_fraction_lost < 1 and s.current_A > 0):
            raise InputError("stripping: need t0_s > start_s, 0 < area_fraction_lost < 1 "
                             "and current_A > 0 (anodic)")


# ---------------------------------------------------------------------------
# Potential program and whiskers
# ---------------------------------------------------------------------------
def step_bounds(scene):
    """(start, end) of each potential step on the video clock, s."""
    starts = [float(t) for t, _ in scene.steps]
    ends = starts[1:] + [math.inf]
    return list(zip(starts, ends))


def control_voltage(scene, t):
    """Applied potential at video time(s) ``t``, V (vectorised)."""
    t = np.asarray(t, dtype=float)
    out = np.full(t.shape, float(scene.rest_voltage_V))
    for (start, _), (_, volt) in zip(step_bounds(scene), scene.steps):
        out[t >= start] = float(volt)
    return out


def whisker_length(scene, whisker, t, *, freeze_s=math.inf):
    """Exact length of ``whisker`` at video time ``t``, px (0 before growth)."""
    t = min(float(t), freeze_s)
    length = 0.0
    for (start, end), rate in zip(step_bounds(scene), whisker.rates_px_s):
        if t > start:
            length += float(rate) * (min(t, end) - start)
    return length


def whisker_base(scene, whisker):
    """Base point of ``whisker`` on the electrode rim, px (x, y), no drift."""
    ang = math.radians(whisker.angle_deg if whisker.base_angle_deg is None
                       else whisker.base_angle_deg)
    ex, ey = scene.electrode_xy_px
    r = scene.electrode_radius_px
    return ex + r * math.cos(ang), ey + r * math.sin(ang)


def whisker_shape(scene, index):
    """The :class:`WhiskerShape` of whisker ``index``, or None (straight, in plane)."""
    ex = scene.extras
    if ex is None or not ex.whisker_shapes:
        return None
    return ex.whisker_shapes[index]


#: Chord length of the polyline of a curved whisker, px (chord-vs-arc error < 1e-3 px
#: per chord at the largest drawn curvature).
_PATH_STEP_PX = 3.0


def whisker_path(scene, index, length):
    """Projected axis of whisker ``index`` at true length ``length``.

    Returns
    -------
    points : (n, 2) ndarray
        Polyline from the base to the tip, px (x, y), no drift. Straight
        whiskers give two points.
    projected_px : float
        Length of the polyline (what the image shows), px.
    """
    w = scene.whiskers[index]
    bx, by = whisker_base(scene, w)
    shape = whisker_shape(scene, index)
    a = math.radians(w.angle_deg)
    if shape is None:
        return np.array([[bx, by], [bx + length * math.cos(a), by + length * math.sin(a)]]), length
    s = length * math.cos(math.radians(shape.inclination_deg))
    if shape.curvature_deg_per_px == 0.0 and shape.kink_at_px is None:
        return np.array([[bx, by], [bx + s * math.cos(a), by + s * math.sin(a)]]), s
    cuts = list(np.arange(0.0, s, _PATH_STEP_PX)) + [s]
    if shape.kink_at_px is not None and 0 < shape.kink_at_px < s:
        cuts.append(shape.kink_at_px)
    cuts = np.unique(np.asarray(cuts, float))
    pts = [(bx, by)]
    x, y = bx, by
    for u0, u1 in itertools.pairwise(cuts):
        mid = (u0 + u1) / 2
        h = a + math.radians(shape.curvature_deg_per_px * mid)
        if shape.kink_at_px is not None and mid > shape.kink_at_px:
            h += math.radians(shape.kink_deg)
        x, y = x + (u1 - u0) * math.cos(h), y + (u1 - u0) * math.sin(h)
        pts.append((x, y))
    return np.array(pts), s


def whisker_onset(scene, whisker):
    """Video time at which ``whisker`` starts growing, s (None if never)."""
    for (start, _), rate in zip(step_bounds(scene), whisker.rates_px_s):
        if rate > 0:
            return start
    return None


# ---------------------------------------------------------------------------
# Lateral front and crack: precomputed random paths with arrival times
# ---------------------------------------------------------------------------
def _empty_segments():
    z = np.zeros(0)
    return Segments(z, z, z, z, z, z, z)


def lateral_segments(scene):
    """The branched lateral front as :class:`Segments` (empty without one).

    A DLA-like tree: ``n_seeds`` branches start on the rim facing the counter
    electrode, wander with a bias toward it and spawn thinner side branches.
    Seeded by ``scene.seed``: identical for identical scenes.
    """
    lat = scene.lateral
    if lat is None:
        return _empty_segments()
    rng = np.random.default_rng([scene.seed, 101])
    ex, ey = scene.electrode_xy_px
    r = scene.electrode_radius_px
    ce = scene.counter_electrode_x_px
    top, bottom = 4.0, scene.shape[0] - scene.data_bar_rows - 5.0
    step = 4.0
    segs = []
    # (x, y, heading, t, width, generation, max_len, bias)
    stack = []
    seed_angles = np.linspace(-0.9, 0.9, lat.n_seeds) + rng.normal(0, 0.12, lat.n_seeds)
    for k, a in enumerate(seed_angles):
        stack.append((ex + r * math.cos(a), ey + r * math.sin(a), float(a), lat.onset_s,
                      lat.trunk_width_px, 0, math.inf if k == lat.n_seeds // 2 else 2.5 * (ce - ex),
                      0.25 if k == lat.n_seeds // 2 else 0.12))
    while stack and len(segs) < 4000:
        x, y, h, t, w, gen, max_len, bias = stack.pop()
        travelled = 0.0
        speed = lat.speed_px_s * (1.0 if gen == 0 else 0.8)
        while travelled < max_len and len(segs) < 4000:
            h += rng.normal(0.0, 0.38) - bias * math.sin(h)
            nx, ny = x + step * math.cos(h), y + step * math.sin(h)
            if ny < top or ny > bottom or nx < 0:
                break
            if math.hypot(nx - ex, ny - ey) < r:  # do not grow back into the electrode
                h += math.pi / 2
                continue
            seg_len = step
            if nx >= ce:  # clip at the counter electrode
                f = (ce - x) / (nx - x)
                nx, ny, seg_len = ce, y + f * (ny - y), step * f
            t_end = t + seg_len / speed
            segs.append((x, y, nx, ny, t, t_end, w))
            x, y, t, travelled = nx, ny, t_end, travelled + seg_len
            if x >= ce:
                break
            if gen < 3 and rng.random() < lat.branch_probability:
                side = rng.choice((-1.0, 1.0))
                stack.append((x, y, h + side * rng.uniform(0.5, 1.1), t, max(1.5, w * 0.65),
                              gen + 1, rng.uniform(15, 70) / (gen + 1), 0.05))
    arr = np.array(segs, dtype=float).reshape(-1, 7)
    return Segments(*(arr[:, i].copy() for i in range(7)))


def crack_segments(scene):
    """The crack path as :class:`Segments` (empty without a crack).

    A wiggly path from the electrode rim (facing the counter electrode) to the
    counter electrode, traversed at ``crack.speed_px_s``.
    """
    cr = scene.crack
    if cr is None:
        return _empty_segments()
    if scene.extras is not None and scene.extras.crack_style != "wiggly":
        from ._paths import styled_crack_segments
        return styled_crack_segments(scene)
    rng = np.random.default_rng([scene.seed, 202])
    ex, ey = scene.electrode_xy_px
    r = scene.electrode_radius_px
    ce = scene.counter_electrode_x_px
    a = rng.uniform(-0.35, 0.35)
    x, y, h, t = ex + r * math.cos(a), ey + r * math.sin(a), a, cr.onset_s
    top, bottom = 6.0, scene.shape[0] - scene.data_bar_rows - 6.0
    segs = []
    step = 3.0
    while x < ce and len(segs) < 5000:
        h += rng.normal(0.0, 0.3) - 0.15 * math.sin(h)
        h = float(np.clip(h, -1.2, 1.2))
        nx, ny = x + step * math.cos(h), y + step * math.sin(h)
        ny = float(np.clip(ny, top, bottom))
        seg_len = math.hypot(nx - x, ny - y)
        if nx >= ce:
            f = (ce - x) / (nx - x)
            nx, ny = ce, y + f * (ny - y)
            seg_len = math.hypot(nx - x, ny - y)
        t_end = t + seg_len / cr.speed_px_s
        segs.append((x, y, nx, ny, t, t_end, cr.width_px))
        x, y, t = nx, ny, t_end
    arr = np.array(segs, dtype=float).reshape(-1, 7)
    return Segments(*(arr[:, i].copy() for i in range(7)))


# ---------------------------------------------------------------------------
# Events and the state at a time
# ---------------------------------------------------------------------------
@dataclasses.dataclass
class Timeline:
    """Precomputed paths and event times of a scene (video clock, s)."""

    lateral: Segments
    crack: Segments
    touchdown_s: float          # inf if no short circuit
    short_circuit: bool
    failure_mode: str
    growth_onset_s: float | None
    lateral_onset_s: float | None
    crack_initiation_s: float | None
    contact_loss_s: float | None


def timeline(scene):
    """Compute the :class:`Timeline` (paths, touchdown, failure mode) of ``scene``."""
    lat = lateral_segments(scene)
    crk = crack_segments(scene)
    ce = scene.counter_electrode_x_px
    t_lat = lat.time_reaching_x(ce) if len(lat.x0) else math.inf
    t_crk = crk.time_reaching_x(ce) if len(crk.x0) else math.inf
    touchdown = min(t_lat, t_crk)
    short = touchdown < scene.duration_s + scene.trace_tail_s
    if not short:
        touchdown = math.inf
    onsets = [o for o in (whisker_onset(scene, w) for w in scene.whiskers) if o is not None]
    if scene.lateral is not None:
        onsets.append(scene.lateral.onset_s)
    if scene.crack is not None:
        onsets.append(scene.crack.onset_s)
    if short:
        mode = "lateral_growth" if t_lat <= t_crk else "fracture"
    elif scene.stripping is not None:
        mode = "contact_loss"
    else:
        mode = "none"
    return Timeline(
        lateral=lat, crack=crk, touchdown_s=touchdown, short_circuit=short, failure_mode=mode,
        growth_onset_s=min(onsets) if onsets else None,
        lateral_onset_s=scene.lateral.onset_s if scene.lateral is not None else None,
        crack_initiation_s=scene.crack.onset_s if scene.crack is not None else None,
        contact_loss_s=scene.stripping.t0_s if scene.stripping is not None else None,
    )


def electrode_thickness_um(scene):
    """Thickness of the stripped electrode implied by Faraday's law, um (None if no stripping)."""
    from calibration import FARADAY_C_MOL, MOLAR_VOLUME_LI_CM3_MOL, UM3_PER_CM3
    s = scene.stripping
    if s is None:
        return None
    volume_um3 = s.current_A * (s.t0_s - s.start_s) / FARADAY_C_MOL * MOLAR_VOLUME_LI_CM3_MOL \
        * UM3_PER_CM3
    area_um2 = s.area_fraction_lost * math.pi * (scene.electrode_radius_px * scene.pixel_size_um) ** 2
    return volume_um3 / area_um2


def _stripping_progress(s, t):
    return (min(max(float(t), s.start_s), s.t0_s) - s.start_s) / (s.t0_s - s.start_s)


def pores(scene):
    """Pores of a stripping scene: list of (x, y, final radius, onset progress), px.

    Placed (seeded) without overlap inside the final electrode disc; a pore
    opens at stripping progress ``onset`` (0..1) and its radius grows as
    ``R sqrt((p - onset) / (1 - onset))``.
    """
    s = scene.stripping
    if s is None or s.n_pores <= 0:
        return []
    rng = np.random.default_rng([scene.seed, 303])
    r0 = scene.electrode_radius_px
    r_end = r0 * math.sqrt(1.0 - s.area_fraction_lost)
    # pores take at most 1/3 of the lost area, so the rim always recedes
    budget = s.area_fraction_lost * r0 ** 2 / 3.0
    out = []
    for _ in range(200):
        if len(out) == s.n_pores:
            break
        rad = rng.uniform(0.06, 0.12) * r0
        if rad ** 2 + sum(p[2] ** 2 for p in out) > budget:
            continue
        d = rng.uniform(0, r_end - rad - 3.0)
        a = rng.uniform(0, 2 * math.pi)
        x, y = scene.electrode_xy_px[0] + d * math.cos(a), scene.electrode_xy_px[1] + d * math.sin(a)
        if all(math.hypot(x - px, y - py) > rad + pr + 2.0 for px, py, pr, _ in out):
            out.append((x, y, rad, float(rng.uniform(0.15, 0.7))))
    return out


def pore_radii(scene, t):
    """Radius of each pore of :func:`pores` at video time ``t``, px."""
    s = scene.stripping
    if s is None:
        return []
    p = _stripping_progress(s, t)
    return [rad * math.sqrt(min(max((p - on) / (1.0 - on), 0.0), 1.0))
            for _, _, rad, on in pores(scene)]


def electrode_radius(scene, t):
    """Outer radius of the electrode disc at video time ``t``, px.

    With stripping the visible Li area (disc minus pores) falls linearly:
    ``r^2 - sum(rho_i^2) = r0^2 (1 - f p)`` with progress ``p`` in 0..1.
    """
    r0 = scene.electrode_radius_px
    s = scene.stripping
    if s is None:
        return r0
    frac = s.area_fraction_lost * _stripping_progress(s, t)
    holes = sum(rho ** 2 for rho in pore_radii(scene, t))
    return math.sqrt(r0 ** 2 * (1.0 - frac) + holes)


def li_volume_um3(scene, tl, t):
    """Lithium volume plated since t = -inf up to video time ``t``, um^3.

    Whiskers (cylinders pi w^2/4 per length), the lateral front (projected
    area x thickness) and the crack (length x width x depth). Negative for
    stripping (volume removed from the electrode).
    """
    px = scene.pixel_size_um
    t_eff = min(float(t), tl.touchdown_s)
    vol = 0.0
    for w in scene.whiskers:
        vol += whisker_length(scene, w, t_eff) * px * math.pi * (w.width_px * px) ** 2 / 4.0
    if scene.lateral is not None and len(tl.lateral.x0):
        *_, width, vis = tl.lateral.visible(t_eff)
        vol += float(np.sum(width * vis)) * px * px * scene.lateral.thickness_um
    if scene.crack is not None and len(tl.crack.x0):
        delay = scene.extras.crack_fill_delay_s if scene.extras is not None else 0.0
        *_, width, vis = tl.crack.visible(t_eff - delay if delay else t_eff)
        vol += float(np.sum(width * vis)) * px * px * scene.crack.depth_um
    if scene.stripping is not None:
        r0 = scene.electrode_radius_px
        lost_px2 = r0 ** 2 * scene.stripping.area_fraction_lost * _stripping_progress(scene.stripping, t)
        vol -= math.pi * lost_px2 * px * px * electrode_thickness_um(scene)
    return vol
