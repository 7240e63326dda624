"""Randomized scenes: every property drawn from a seed, each property group from its own stream.

``random_scene(seed)`` is pure. Each group of properties (optics, electrode,
substrate, ...) draws from ``numpy.random.default_rng([bank_version, seed,
stream])`` with the group's fixed stream number in :data:`STREAMS`, so adding
a property to one group (or a new group) leaves every other group's draws
unchanged. The caps (:class:`BankCaps`) are applied *after* drawing: they crop
the field of view (pixel size unchanged) and shorten the video, scaling the
drawn event times with it.

Seeds below 100000 are for development and tuning; seeds from 100000 on form
the frozen validation bank (tune on none of them).
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from calibration import InputError

from ._extras import Extras, TraceModel, WhiskerShape
from ._scene import Crack, LateralFront, Scene, Stripping, Whisker

__all__ = ["BANK_FIRST_SEED", "SCENARIOS", "STREAMS", "BankCaps", "random_scene"]

#: Fewest scans a front or crack grows before it touches the counter electrode.
_MIN_GROWTH_SCANS = 4

#: First seed of the validation bank.
BANK_FIRST_SEED = 100_000

#: Property group -> its random stream number (never renumber: it would change every scene).
STREAMS = {
    "scenario": 1, "optics": 2, "timing": 3, "electrode": 4, "substrate": 5, "appearance": 6,
    "program": 7, "whiskers": 8, "lateral": 9, "crack": 10, "stripping": 11, "artefacts": 12,
    "trace": 13, "files": 14, "whisker_shapes": 15,
}

#: Scenario -> probability (what grows; the failure mode follows from it).
SCENARIOS = {"control": 0.15, "whiskers": 0.35, "lateral": 0.18, "crack": 0.17, "stripping": 0.15}


@dataclasses.dataclass(frozen=True)
class BankCaps:
    """Limits that keep a scene quick to analyse (defaults: the validation bank).

    Attributes
    ----------
    max_frames : int
        Most frames of a video (the duration is shortened to fit).
    max_cols, max_rows : int
        Largest frame, px; a larger drawn frame is cropped (same pixel size,
        smaller field of view).
    screen_recordings : bool
        Allow 1920 x 1080 screen recordings (drawn in 12 % of scenes).
    screen_max_frames : int
        Most frames of a screen recording.
    min_scans : int
        Fewest SEM scans in a video (the frames per scan are reduced to fit).
    """

    max_frames: int = 200
    max_cols: int = 1024
    max_rows: int = 768
    screen_recordings: bool = True
    screen_max_frames: int = 100
    min_scans: int = 20

    def __post_init__(self):
        if min(self.max_frames, self.screen_max_frames) < 1 or self.max_cols < 128 \
                or self.max_rows < 96 or self.min_scans < 1:
            raise InputError("BankCaps: need max_frames, screen_max_frames, min_scans >= 1, "
                             "max_cols >= 128 and max_rows >= 96")


def _rng(bank_version, seed, group):
    return np.random.default_rng([int(bank_version), int(seed), STREAMS[group]])


def _loguniform(rng, lo, hi):
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def _even(v):
    return int(v) // 2 * 2


def random_scene(seed, *, bank_version=1, caps=None):
    """A :class:`Scene` whose every property is drawn from ``seed``.

    Parameters
    ----------
    seed : int
        Scene seed (>= 0). Develop on seeds < 100000; the bank uses >= 100000.
    bank_version : int
        Version of the drawing rules (part of every stream's seed).
    caps : BankCaps, optional
        Frame and size limits (default: ``BankCaps()``).

    Returns
    -------
    Scene
        With ``extras`` (appearance, shapes, artefacts, codec) and
        ``trace_model`` (trace nuisances) set.
    """
    if int(seed) < 0:
        raise InputError(f"seed={seed}: must be >= 0")
    caps = caps or BankCaps()
    seed, v = int(seed), int(bank_version)
    r = {g: _rng(v, seed, g) for g in STREAMS}

    # --- scenario (what grows) ------------------------------------------------
    names = list(SCENARIOS)
    scenario = names[int(r["scenario"].choice(len(names), p=list(SCENARIOS.values())))]

    # --- optics: pixel size, frame, screen recording ---------------------------
    g = r["optics"]
    px = _loguniform(g, 0.03, 0.5)
    frames = ((384, 512), (480, 640), (600, 800), (768, 1024), (1024, 1280), (1536, 2048))
    rows, cols = frames[int(g.integers(len(frames)))]
    screen = bool(g.random() < 0.12)
    screen_top = int(g.integers(24, 90))
    screen_x = g.uniform(0.1, 0.9)
    tilt = float(g.uniform(0, 60)) if g.random() < 0.5 else 0.0
    eht, wd = float(g.choice((1.0, 2.0, 3.0, 5.0, 10.0, 15.0))), float(g.uniform(3.0, 12.0))
    content_box = None
    if screen and caps.screen_recordings:
        rows, cols = 1080, 1920
        h = rows - screen_top
        w = _even(min(cols - 40, h * 4 / 3))
        x0 = _even(screen_x * (cols - w))
        content_box = (x0, rows - h, w, h)
    else:
        screen = False
        rows, cols = min(rows, caps.max_rows), min(cols, caps.max_cols)

    # --- timing: frame rate, duplicates per scan, duration ---------------------
    g = r["timing"]
    fps = float(g.choice((10.0, 12.5, 15.0, 25.0, 30.0)))
    dups = int(g.integers(1, 13))
    duration = float(g.uniform(15.0, 60.0))
    max_frames = caps.screen_max_frames if screen else caps.max_frames
    duration = min(duration, max_frames / fps)
    while dups > 1 and duration * fps / dups < caps.min_scans:
        dups -= 1
    scan = dups / fps

    # --- electrode, needle, counter electrode ---------------------------------
    g = r["electrode"]
    cx0, cy0, cw, ch = content_box or (0, 0, cols, rows)
    bar_guess = 0.08 * rows
    lo_d, hi_d = max(5.0, 16 * px), min(50.0, 0.8 * min(cw, ch - bar_guess) * px)
    d_um = float(g.uniform(min(lo_d, hi_d), hi_d))
    rad = d_um / 2 / px
    gap_um = float(g.uniform(20.0, 200.0))
    partly_out = bool(g.random() < 0.3)
    if scenario == "stripping":
        partly_out = False  # the shrinking area is measured on the whole disc
    out_x = g.uniform(0.2, 0.8) * rad
    ex = cx0 + rad + g.uniform(0.05, 0.35) * max(cw - 2 * rad, 1.0)
    ey = cy0 + g.uniform(0.3, 0.7) * (ch - bar_guess)
    edge = float(g.random())
    if partly_out:  # the centre inside, up to ~40 % of the disc beyond one edge
        if edge < 0.6:
            ex = cx0 + out_x
        elif edge < 0.8:
            ey = cy0 + out_x
        else:
            ey = cy0 + ch - bar_guess - out_x
    ce_max = cx0 + cw - max(16.0, 0.04 * cw)
    ce_min = ex + rad + 24.0
    if ce_min > ce_max:  # too little room: move the electrode left
        ex -= ce_min - ce_max
        ce_min = ce_max
    ce = float(np.clip(ex + rad + gap_um / px, ce_min, ce_max))
    needle = float(g.uniform(100.0, 260.0))  # from the left half (the counter electrode is right)

    # --- substrate and appearance ---------------------------------------------
    g = r["substrate"]
    substrate = "polycrystalline" if g.random() < 0.5 else "single_crystal"
    grain_px = float(np.clip(g.uniform(2.0, 20.0) / px, 6.0, 400.0))
    strong = bool(g.random() < 0.5)
    grain_contrast = float(g.uniform(0.05, 0.12) if strong else g.uniform(0.01, 0.03))
    boundary = float(g.uniform(0.03, 0.15))
    scratches, particles, spores = int(g.integers(0, 8)), int(g.integers(0, 30)), int(g.integers(0, 20))
    g = r["appearance"]
    bright_li = bool(g.random() < 0.25)
    li_level = float(g.uniform(0.65, 0.82) if bright_li else g.uniform(0.06, 0.35))
    ceramic = float(g.uniform(0.3, 0.45) if bright_li else g.uniform(0.4, 0.6))
    edge_gain = float(g.uniform(0.0, 1.0))
    edge_sigma = float(g.uniform(0.5, 1.5))
    li_tex = float(g.uniform(0.01, 0.06))
    streaks = float(g.uniform(0.03, 0.15)) if g.random() < 0.3 else 0.0

    # --- potential program ------------------------------------------------------
    g = r["program"]
    n_steps = int(g.integers(3, 6))
    first = float(g.uniform(0.03, 0.12)) * duration
    bounds = np.sort(g.uniform(0.15, 0.85, n_steps - 1)) * duration
    starts = [first, *bounds.tolist()]
    volts = -np.sort(g.uniform(0.2, 4.0, n_steps))
    volts[0] = -float(g.uniform(0.05, 0.4))  # a first step that grows nothing
    if scenario == "control":
        volts = -np.sort(g.uniform(0.05, 0.4, n_steps))
    crack_v = -float(g.uniform(0.3, 1.0))
    # fronts and cracks start early enough to grow for >= _MIN_GROWTH_SCANS scans (the
    # analysis needs a few scans of persistence before it calls a failure)
    latest = duration - (_MIN_GROWTH_SCANS + 2) * scan
    early = [i for i in range(1, n_steps) if starts[i] <= latest] or [1]
    crack_step = early[int(g.integers(len(early)))]
    if scenario == "crack":  # the crack starts in a step at -0.3..-1 V; later steps stay above -1.2 V
        volts[crack_step] = crack_v
        for i in range(crack_step + 1, n_steps):
            volts[i] = min(volts[i - 1], -float(g.uniform(0.3, 1.2)))
        for i in range(1, crack_step):
            volts[i] = max(volts[i], crack_v + 0.05)
    steps = tuple((float(t), float(u)) for t, u in zip(starts, volts))
    if scenario == "stripping":
        steps = ()

    # --- whiskers ---------------------------------------------------------------
    g = r["whiskers"]
    n_wh = int(g.integers(1, 7)) if scenario == "whiskers" else int(g.integers(0, 3))
    if scenario in ("control", "stripping"):
        n_wh = 0
    whiskers = []
    for _ in range(n_wh):
        width = float(g.uniform(1.5, min(15.0, max(1.6, 0.8 * rad))))
        ang = float(g.uniform(-180.0, 180.0))
        if abs(((ang - needle) + 180) % 360 - 180) < 35:  # keep clear of the needle
            ang = (ang + 180.0) % 360 - 180.0
        # point into the field: flip a whisker that would leave it at once
        vx, vy = cx0 + cw / 2 - ex, cy0 + ch / 2 - ey
        a_r = math.radians(ang)
        if partly_out and math.cos(a_r) * vx + math.sin(a_r) * vy < 0:
            ang = (ang + 180.0) % 360 - 180.0
        base = ang + float(g.uniform(-25, 25))
        rate_hi = max(0.06, min(20.0, 1.2 * max(cw, ch) * px / duration))
        rate = _loguniform(g, 0.05, rate_hi)
        factors = np.sort(g.uniform(0.3, 1.0, n_steps))
        rates = [0.0] + [float(rate * f / px) for f in factors[1:]]
        if n_steps > 2 and g.random() < 0.3:  # stops, then restarts
            rates[int(g.integers(1, n_steps - 1))] = 0.0
        whiskers.append(Whisker(angle_deg=ang, rates_px_s=tuple(rates), width_px=width,
                                base_angle_deg=base))
    g = r["whisker_shapes"]
    shapes = []
    ends = [t for t, _ in steps[1:]] + [duration]
    for w in whiskers:
        kind = g.choice(("straight", "kinked", "curved"), p=(0.5, 0.25, 0.25))
        incl = float(g.uniform(0, min(60.0, tilt + 10.0))) if g.random() < 0.5 else 0.0
        # final projected length: the kink and the total turn (10-90 deg) scale with it
        final = max(20.0, math.cos(math.radians(incl)) * sum(
            rt * max(0.0, min(e, duration) - st) for rt, (st, _), e in zip(w.rates_px_s, steps, ends)))
        if kind == "kinked":
            shapes.append(WhiskerShape(inclination_deg=incl,
                                       kink_at_px=float(g.uniform(0.2, 0.7) * final),
                                       kink_deg=float(g.choice((-1, 1)) * g.uniform(15, 60))))
        elif kind == "curved":
            turn = float(g.choice((-1, 1)) * g.uniform(10.0, 90.0))
            shapes.append(WhiskerShape(inclination_deg=incl, curvature_deg_per_px=float(turn / final)))
        else:
            shapes.append(WhiskerShape(inclination_deg=incl))

    # --- lateral front ------------------------------------------------------------
    g = r["lateral"]
    lateral = None
    lat_target = None
    if scenario == "lateral":
        dla = bool(g.random() < 0.6)
        on_step = early[int(g.integers(len(early)))]
        onset = steps[on_step][0] + float(g.uniform(0.0, 0.5)) * scan
        lat_target = _touchdown_time(onset, float(g.uniform(0.5, 0.9)), duration, scan)
        lateral = LateralFront(
            onset_s=onset, speed_px_s=1.0, thickness_um=float(g.uniform(0.2, 1.0)),
            n_seeds=int(g.integers(3, 7) if dla else g.integers(8, 16)),
            trunk_width_px=float(g.uniform(1.0, 2.0) if dla else g.uniform(4.0, 10.0)),
            branch_probability=float(g.uniform(0.15, 0.3) if dla else g.uniform(0.25, 0.4)))

    # --- crack --------------------------------------------------------------------
    g = r["crack"]
    crack = None
    crack_style, fill_delay, crack_target = "wiggly", 0.0, None
    if scenario == "crack":
        substrate = "polycrystalline"
        crack_style = str(g.choice(("straight", "intergranular", "branched", "wiggly"),
                                   p=(0.2, 0.45, 0.2, 0.15)))
        fill_delay = 0.0 if g.random() < 0.5 else float(g.uniform(1.0, 4.0)) * scan
        step_end = steps[crack_step + 1][0] if crack_step + 1 < n_steps else duration
        onset = steps[crack_step][0] + float(g.uniform(0.05, 0.5)) * (step_end - steps[crack_step][0])
        onset = min(onset, max(steps[crack_step][0] + 0.1 * scan, latest))
        crack_target = _touchdown_time(onset, float(g.uniform(0.4, 0.85)), duration, scan)
        crack = Crack(onset_s=onset, speed_px_s=1.0, width_px=float(g.uniform(1.0, 3.0)),
                      depth_um=float(g.uniform(1.0, 5.0)))

    # --- stripping ------------------------------------------------------------------
    g = r["stripping"]
    stripping = None
    if scenario == "stripping":
        start = float(g.uniform(0.03, 0.15)) * duration
        t0 = start + float(g.uniform(0.5, 0.8)) * (duration - start)
        lost = float(g.uniform(0.3, 0.7))
        thick_um = float(g.uniform(0.3, 5.0))
        from calibration import FARADAY_C_MOL, MOLAR_VOLUME_LI_CM3_MOL, UM3_PER_CM3
        vol = lost * math.pi * (rad * px) ** 2 * thick_um
        current = vol / UM3_PER_CM3 / MOLAR_VOLUME_LI_CM3_MOL * FARADAY_C_MOL / (t0 - start)
        stripping = Stripping(start_s=start, current_A=current, t0_s=t0, area_fraction_lost=lost,
                              n_pores=int(g.integers(0, 9)))

    # --- SEM artefacts ----------------------------------------------------------------
    g = r["artefacts"]
    from ._scene import Artefacts
    high_dose = bool(g.random() < 0.5)
    bar_style = str(g.choice(("none", "black", "zeiss", "fei"), p=(0.2, 0.25, 0.3, 0.25)))
    artefacts = Artefacts(
        noise=True,
        photons_per_unit=_loguniform(g, 300.0, 3000.0) if high_dose else _loguniform(g, 15.0, 300.0),
        read_noise=float(g.uniform(0.003, 0.04)),
        scanline_sigma=float(g.uniform(0.0, 0.03)),
        drift_px_s=float(g.uniform(0.0, 10.0)) if g.random() < 0.7 else 0.0,
        flicker=float(g.uniform(0.0, 0.2)),
        tear_fraction=float(g.uniform(0.0, 0.3)) if dups > 1 else 0.0,
        data_bar=bar_style != "none")
    n_jumps = int(g.integers(0, 3))
    drift_jumps = tuple((float(g.uniform(0.1, 0.95) * duration),
                         float(g.uniform(-30, 30)), float(g.uniform(-30, 30))) for _ in range(n_jumps))
    n_cj = int(g.integers(0, 3))
    contrast_jumps = tuple((float(g.uniform(0.1, 0.95) * duration), float(g.uniform(0.75, 1.25)),
                            float(g.uniform(-0.06, 0.06))) for _ in range(n_cj))
    jitter = float(g.uniform(0.0, 0.5)) if g.random() < 0.4 else 0.0
    font = int(g.choice((0, 1, 2, 3, 4, 6, 7)))

    # --- trace nuisances ----------------------------------------------------------------
    g = r["trace"]
    trace_model = TraceModel(
        unseen_factor=_loguniform(g, 1.0, 3.0),
        leakage_S=_loguniform(g, 1e-11, 1e-8) if g.random() < 0.7 else 0.0,
        offset_A=float(g.normal(0.0, 5e-10)),
        clock_drift_ppm=float(g.uniform(-50.0, 50.0)))
    sync = float(g.uniform(0.5, 30.0))
    tail = float(g.uniform(1.0, 20.0))
    trace_hz = float(g.choice((5.0, 10.0, 20.0, 50.0)))
    cap_F = _loguniform(g, 1e-11, 1e-9)
    noise_A = _loguniform(g, 1e-11, 1e-9)

    # --- files --------------------------------------------------------------------------
    g = r["files"]
    codec = str(g.choice(("h264", "mpeg4", "mjpeg", "ffv1", "tiff", "png"),
                         p=(0.4, 0.15, 0.15, 0.1, 0.1, 0.1)))
    crf = int(g.integers(18, 33))
    bit_depth = 16 if codec in ("tiff", "png") and g.random() < 0.5 else 8
    x264_preset = str(g.choice(("ultrafast", "veryfast", "faster")))

    extras = Extras(
        li_level=li_level, ceramic_level=ceramic, edge_gain=edge_gain, edge_sigma_px=edge_sigma,
        li_texture=li_tex, grain_size_px=grain_px, grain_contrast=grain_contrast,
        boundary_depth=boundary, scratches=scratches, particles=particles,
        substrate_pores=spores, streaks=streaks, whisker_shapes=tuple(shapes),
        crack_style=crack_style, crack_fill_delay_s=fill_delay, content_box=content_box,
        data_bar_style=bar_style if bar_style != "none" else "black", font=font,
        drift_jumps=drift_jumps, contrast_jumps=contrast_jumps, line_jitter_px=jitter,
        bit_depth=bit_depth, codec=codec, crf=crf, x264_preset=x264_preset, stage_tilt_deg=tilt,
        bank_version=v,
        scenario=scenario)
    scene = Scene(
        name=f"random_{seed}", shape=(rows, cols), pixel_size_um=px, fps=fps, scan_period_s=scan,
        duration_s=duration, seed=seed, substrate=substrate, electrode_xy_px=(float(ex), float(ey)),
        electrode_radius_px=float(rad), needle_angle_deg=needle, counter_electrode_x_px=ce,
        steps=steps, whiskers=tuple(whiskers), lateral=lateral, crack=crack, stripping=stripping,
        artefacts=artefacts, sync_offset_s=sync, trace_rate_hz=trace_hz, trace_tail_s=tail,
        capacitance_F=cap_F, current_noise_A=noise_A, supersample=2 if cols > 1024 else 4,
        eht_kv=eht, wd_mm=wd, extras=extras, trace_model=trace_model)
    return _time_growth(scene, lat_target, crack_target)


def _touchdown_time(onset, frac, duration, scan):
    """Touch-down ``frac`` of the way from ``onset`` to the end, but at least
    :data:`_MIN_GROWTH_SCANS` scans after the onset and half a scan before the end."""
    t = onset + frac * (duration - onset)
    return min(max(t, onset + _MIN_GROWTH_SCANS * scan), duration - 0.5 * scan)


def _time_growth(scene, lat_target, crack_target):
    """Set the front and crack speeds so that they reach the counter electrode at the drawn times.

    Paths do not depend on the speed (only their times scale with 1/speed),
    so one timeline at unit speed gives the speed for the target touch-down.
    """
    from ._scene import timeline
    if scene.lateral is None and scene.crack is None:
        return scene
    tl = timeline(scene.replace(trace_tail_s=1e9))
    if scene.lateral is not None:
        t1 = tl.lateral.time_reaching_x(scene.counter_electrode_x_px)
        lat = scene.lateral
        tries = 0
        while not math.isfinite(t1) and tries < 6:  # the trunk left the field: more branches
            lat = dataclasses.replace(lat, n_seeds=lat.n_seeds + 1)
            t1 = timeline(scene.replace(lateral=lat, trace_tail_s=1e9)).lateral.time_reaching_x(
                scene.counter_electrode_x_px)
            tries += 1
        if math.isfinite(t1):
            speed = (t1 - lat.onset_s) / (lat_target - lat.onset_s)
            scene = scene.replace(lateral=dataclasses.replace(lat, speed_px_s=float(speed)))
    if scene.crack is not None:
        t1 = tl.crack.time_reaching_x(scene.counter_electrode_x_px)
        if math.isfinite(t1):
            speed = (t1 - scene.crack.onset_s) / (crack_target - scene.crack.onset_s)
            scene = scene.replace(crack=dataclasses.replace(scene.crack, speed_px_s=float(speed)))
    return scene
