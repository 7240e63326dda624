"""Render a scene to disk: the video, its truth tables, truth.json and the trace.

Truth of randomized scenes
--------------------------
Scenes with ``extras`` (:func:`vision.synthetic.random_scene`) keep every file,
column and key of the presets and add the following (the presets' files are
unchanged).

``<name>_truth_whiskers.csv``, added columns:

==================  ======================================================================
column              meaning
==================  ======================================================================
length_px           (as for presets) the *projected* length, px: what the image shows and
                    what a measurement can see; for an inclined whisker a lower bound of
                    the true length
length_3d_px        true (3-D) length along the rod, px = length_px / cos(inclination)
inclination_deg     angle of the rod out of the image plane, degrees
tip_outside         the tip (within half a width) lies outside the sample's image (frame
                    edge or the black border of a screen recording)
tip_in_data_bar     the tip lies in (or within half a width of) the data bar
censored            tip_outside or tip_in_data_bar: the visible length is only a lower
                    bound; leave the row out of length errors and rate fits
==================  ======================================================================

``<name>_truth_frames.csv``, added columns:

=======================  =================================================================
column                   meaning
=======================  =================================================================
crack_main_length_px     length of the crack's main path (from the electrode to its tip),
                         px; crack_length_px also counts the side branches of a branched
                         crack
crack_filled_length_px   length of the crack already filled with lithium, px (the rest is
                         an open crack: dark with bright lips); NaN without a crack
gain, offset             brightness of the scan: I' = gain I + offset (flicker and
                         auto-contrast jumps)
beam_shift_x_px/_y_px    part of the drift due to sudden beam shifts, px (included in
                         drift_x_px/drift_y_px)
=======================  =================================================================

``<name>_truth.json``, added keys:

=====================  ===================================================================
key                    meaning
=====================  ===================================================================
random                 {seed, bank_version, scenario, validation_bank}: how the scene was
                       drawn (validation_bank: seed >= 100000, never tune on it)
extras                 every appearance / artefact / file option (see ``Extras``)
trace_model            {unseen_factor, leakage_S, offset_A, clock_drift_ppm}: the trace's
                       nuisances; current = unseen_factor x Faradaic + leakage_S x V_control
                       + offset_A + charging spikes + noise; trace stamps run (1 + ppm 1e-6)
                       times as fast as the video clock
sync                   {offset_s: true trace-minus-video offset at video time 0 (the scan
                       time stamp), clock_drift_ppm, scan_period_s, tolerance_s: the larger
                       of half a scan and one frame interval}
visible_region_px      [x0, y0, x1, y1] of the sample's image (ends exclusive): inside the
                       screen-recording border and above the data bar
length_seen            "projected": lengths a measurement can see; ``length_3d_px`` is the
                       true length
stage_tilt_deg         stage tilt, degrees (the electrode is drawn round: the tilt enters
                       only through the whiskers' inclinations)
whiskers[i].shape      {inclination_deg, curvature_deg_per_px, kink_at_px, kink_deg}
whiskers[i].censored_from_s  first video time whose tip is censored (None if never)
crack_style            straight / intergranular / branched / wiggly
crack_fill_delay_s     delay between a crack opening and filling with lithium, s
codec, crf, bit_depth  the file's encoding
=====================  ===================================================================
"""
from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import math
import os
import time
from pathlib import Path

import pandas as pd

from calibration import FARADAY_C_MOL, MOLAR_VOLUME_LI_CM3_MOL, InputError

from . import _artefacts as art
from ._presets import PRESETS, preset
from ._render import (
    FRAME_COLUMNS,
    FRAME_EXTRA_COLUMNS,
    WHISKER_COLUMNS,
    WHISKER_EXTRA_COLUMNS,
    content_region,
    prepare,
    render_frames,
)
from ._scene import (
    control_voltage,
    electrode_thickness_um,
    pores,
    step_bounds,
    whisker_base,
    whisker_onset,
)
from ._scene import whisker_shape as ext_shape
from ._writers import FORMATS, open_writer, video_filename

logger = logging.getLogger(__name__)

__all__ = ["RenderResult", "render", "write_samples", "truth_json"]

#: Video start (wall clock) written into the truth; the trace starts
#: ``sync_offset_s`` earlier.
VIDEO_START = datetime.datetime(2024, 5, 14, 10, 0, 0)


@dataclasses.dataclass(frozen=True)
class RenderResult:
    """Paths and summary of one rendered scene.

    Attributes
    ----------
    video : pathlib.Path
        The video file (or, for PNG, the folder of frames).
    truth_frames, truth_whiskers, truth_json, trace : pathlib.Path
        ``<name>_truth_frames.csv``, ``<name>_truth_whiskers.csv``,
        ``<name>_truth.json`` and ``<name>_trace.mpt``.
    n_frames : int
    elapsed_s : float
        Wall time of the render, s.
    """

    video: Path
    truth_frames: Path
    truth_whiskers: Path
    truth_json: Path
    trace: Path
    n_frames: int
    elapsed_s: float


def _atomic_text(path, text):
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _finite(v):
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def truth_json(scene, tl, frames):
    """The ``truth.json`` content (a dict) of a rendered scene.

    Parameters
    ----------
    scene : Scene
    tl : Timeline
    frames : pandas.DataFrame
        The per-frame truth table (to find the touchdown frame).
    """
    px = scene.pixel_size_um
    k_j = 1e-4 * FARADAY_C_MOL / MOLAR_VOLUME_LI_CM3_MOL  # (um/s) -> A/cm2
    steps = [{"step": i, "start_s": s, "end_s": _finite(e), "voltage_V": float(v)}
             for i, ((s, e), (_, v)) in enumerate(zip(step_bounds(scene), scene.steps))]
    whiskers = []
    for k, w in enumerate(scene.whiskers):
        bx, by = whisker_base(scene, w)
        whiskers.append({
            "whisker_id": k, "angle_deg": w.angle_deg, "width_px": w.width_px,
            "width_um": w.width_px * px, "base_x_px": bx, "base_y_px": by,
            "onset_s": whisker_onset(scene, w),
            "steps": [{"step": i, "voltage_V": st["voltage_V"], "start_s": st["start_s"],
                       "end_s": st["end_s"], "rate_px_s": float(r), "rate_um_s": float(r) * px,
                       "current_density_A_cm2": float(r) * px * k_j}
                      for i, (st, r) in enumerate(zip(steps, w.rates_px_s))],
        })
    touch = tl.touchdown_s if tl.short_circuit else None
    touch_frame = None
    if touch is not None:
        hit = frames.index[frames["content_time_s"].to_numpy() >= touch]
        touch_frame = int(frames.loc[hit[0], "frame"]) if len(hit) else None
    crack_v = (float(control_voltage(scene, [tl.crack_initiation_s])[0])
               if tl.crack_initiation_s is not None else None)
    sb = art.scale_bar(scene)
    rows, cols = scene.shape
    out = {
        "generator": "semtrack vision.synthetic",
        "name": scene.name, "seed": scene.seed,
        "shape_rows_cols": [rows, cols],
        "pixel_size_um": px, "fps": scene.fps, "scan_period_s": scene.scan_period_s,
        "duration_s": scene.duration_s, "n_frames": scene.n_frames,
        "substrate": scene.substrate,
        "coordinates": "x = column, y = row, px, origin at the centre of the top-left pixel; "
                       "frame positions include drift, lengths do not depend on it",
        "clocks": "times on the video clock (0 at frame 0) unless named trace; "
                  "t_trace = t_video + sync_offset_s",
        "sync_offset_s": scene.sync_offset_s,
        "video_start": VIDEO_START.isoformat(),
        "trace_start": (VIDEO_START - datetime.timedelta(seconds=scene.sync_offset_s)).isoformat(),
        "electrode": {"x_px": scene.electrode_xy_px[0], "y_px": scene.electrode_xy_px[1],
                      "radius_px": scene.electrode_radius_px,
                      "diameter_um": 2 * scene.electrode_radius_px * px},
        "counter_electrode": {"side": "right", "x_px": scene.counter_electrode_x_px,
                              "gap_um": (scene.counter_electrode_x_px - scene.electrode_xy_px[0]
                                         - scene.electrode_radius_px) * px},
        "data_bar": {"present": scene.artefacts.data_bar,
                     "top_row": rows - scene.data_bar_rows, "rows": scene.data_bar_rows,
                     "text": art.data_bar_text(scene) if scene.artefacts.data_bar else None,
                     "magnification": art.magnification(scene),
                     "scale_bar_um": sb["length_um"], "scale_bar_px": sb["length_px"],
                     "scale_bar_x0_px": sb["x0"], "scale_bar_x1_px": sb["x1"],
                     "scale_bar_y_px": sb["y"], "scale_bar_label": sb["label"]},
        "control": "galvanostatic" if scene.stripping is not None else "potentiostatic",
        "rest_voltage_V": scene.rest_voltage_V,
        "steps": steps,
        "whiskers": whiskers,
        "lateral": None if scene.lateral is None else {
            **dataclasses.asdict(scene.lateral), "n_segments": int(len(tl.lateral.x0))},
        "crack": None if scene.crack is None else dataclasses.asdict(scene.crack),
        "stripping": None if (s := scene.stripping) is None else {
            **dataclasses.asdict(scene.stripping),
            "electrode_thickness_um": electrode_thickness_um(scene),
            "pores": [{"x_px": x, "y_px": y, "final_radius_px": rad,
                       "onset_s": s.start_s + on * (s.t0_s - s.start_s)}
                      for x, y, rad, on in pores(scene)]},
        "artefacts": dataclasses.asdict(scene.artefacts),
        "growth_onset_s": _finite(tl.growth_onset_s),
        "lateral_onset_s": _finite(tl.lateral_onset_s),
        "crack_initiation_s": _finite(tl.crack_initiation_s),
        "crack_initiation_voltage_V": crack_v,
        "touchdown_s": _finite(touch),
        "touchdown_frame": touch_frame,
        "short_circuit_s": _finite(touch),
        "contact_loss_s": _finite(tl.contact_loss_s),
        "failure_mode": tl.failure_mode,
        "short_circuit": bool(tl.short_circuit),
        "scene": scene.to_dict(),
        "constants": {"faraday_C_mol": FARADAY_C_MOL,
                      "molar_volume_li_cm3_mol": MOLAR_VOLUME_LI_CM3_MOL},
    }
    if scene.extras is not None or scene.trace_model is not None:
        out.update(_extra_truth(scene, tl))
    return out


def _extra_truth(scene, tl):
    """The truth.json keys added for scenes with extras (see the module docstring)."""
    from ._random import BANK_FIRST_SEED
    ext, tm = scene.extras, scene.trace_model
    out = {}
    if tm is not None:
        out["trace_model"] = dataclasses.asdict(tm)
    out["sync"] = {"offset_s": scene.sync_offset_s,
                   "clock_drift_ppm": tm.clock_drift_ppm if tm is not None else 0.0,
                   "scan_period_s": scene.scan_period_s,
                   "tolerance_s": max(scene.scan_period_s / 2, 1.0 / scene.fps)}
    if ext is None:
        return out
    out["random"] = {"seed": scene.seed, "bank_version": ext.bank_version,
                     "scenario": ext.scenario,
                     "validation_bank": ext.bank_version is not None
                     and scene.seed >= BANK_FIRST_SEED}
    out["extras"] = dataclasses.asdict(ext)
    out["visible_region_px"] = list(content_region(scene))
    out["length_seen"] = "projected"
    out["stage_tilt_deg"] = ext.stage_tilt_deg
    out["crack_style"] = ext.crack_style if scene.crack is not None else None
    out["crack_fill_delay_s"] = ext.crack_fill_delay_s if scene.crack is not None else None
    out["codec"], out["crf"], out["bit_depth"] = ext.codec, ext.crf, ext.bit_depth
    return out


def render(scene, out_dir, *, fmt="mp4", name=None, crf=18, sem_metadata="zeiss"):
    """Render ``scene`` to ``out_dir``: video, truth tables, truth.json and trace.

    Parameters
    ----------
    scene : Scene
    out_dir : str or os.PathLike
        Folder to write into (created if missing).
    fmt : {'mp4', 'avi', 'tiff', 'png'}
        ``mp4``: H.264 (libx264, ``crf``, yuv420p); ``avi``: FFV1 lossless
        8-bit grey; ``tiff``: one multi-page ImageJ TIFF (``finterval``, slice
        labels with each frame's time, pixel size as resolution in um and the
        SEM metadata tag of ``sem_metadata``); ``png``: a folder
        ``<name>_png/`` of numbered PNGs plus ``frame_times.csv``.
    name : str, optional
        Base name of the files (default: ``scene.name``).
    crf : int
        H.264 quality for MP4 (lower = better and larger; 18 is visually
        lossless).
    sem_metadata : {'zeiss', 'fei', 'none'}
        TIFF only: the instrument tag to write: Zeiss SmartSEM ``CZ_SEM``
        (34118; ``AP_PIXEL_SIZE`` in nm, ``AP_DATE``/``AP_TIME``, EHT, WD,
        Mag), FEI/Thermo (34682; ``[Scan] PixelWidth`` in m, ``[User]``
        Date/Time) or none.

    Returns
    -------
    RenderResult

    Raises
    ------
    calibration.InputError
        Unknown format, or the output folder cannot be created.
    """
    t_start = time.perf_counter()
    if fmt not in FORMATS:
        raise InputError(f"unknown video format {fmt!r}; use one of {', '.join(FORMATS)}")
    name = name or scene.name
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output folder ({exc.strerror}); choose another --out",
                         path=out_dir) from exc
    prepared = prepare(scene)
    tl, trace, times = prepared[0], prepared[1], prepared[2]
    frame_rows, whisker_rows = [], []

    def frames():
        for img, row, wrows in render_frames(scene, whiskers=True, _prepared=prepared):
            frame_rows.append(row)
            whisker_rows.extend(wrows)
            yield img, row["time_s"]

    video = out_dir / video_filename(name, fmt)
    open_writer(video, scene, fmt, times, crf=crf, start_time=VIDEO_START,
                sem_metadata=sem_metadata).write_all(frames())
    extra = scene.extras is not None
    ftab = pd.DataFrame(frame_rows, columns=list(FRAME_COLUMNS)
                        + (list(FRAME_EXTRA_COLUMNS) if extra else []))
    wtab = pd.DataFrame(whisker_rows, columns=list(WHISKER_COLUMNS)
                        + (list(WHISKER_EXTRA_COLUMNS) if extra else []))
    paths = {
        "truth_frames": out_dir / f"{name}_truth_frames.csv",
        "truth_whiskers": out_dir / f"{name}_truth_whiskers.csv",
        "truth_json": out_dir / f"{name}_truth.json",
        "trace": out_dir / f"{name}_trace.mpt",
    }
    _atomic_text(paths["truth_frames"], ftab.to_csv(index=False, float_format="%.10g"))
    _atomic_text(paths["truth_whiskers"], wtab.to_csv(index=False, float_format="%.10g"))
    info = truth_json(scene, tl, ftab)
    if extra:
        for w in info["whiskers"]:
            k = w["whisker_id"]
            shape = ext_shape(scene, k)
            w["shape"] = None if shape is None else dataclasses.asdict(shape)
            cens = wtab[(wtab["whisker_id"] == k) & wtab["censored"].astype(bool)]
            w["censored_from_s"] = float(cens["content_time_s"].min()) if len(cens) else None
    info["files"] = {"video": video.name, "format": fmt,
                     **{k: p.name for k, p in paths.items()}}
    _atomic_text(paths["truth_json"], json.dumps(info, indent=1, allow_nan=False) + "\n")
    from electrochem import write_mpt
    write_mpt(paths["trace"], trace,
              start_time=VIDEO_START - datetime.timedelta(seconds=scene.sync_offset_s),
              technique="CP" if scene.stripping is not None else "CA",
              electrode_area_cm2=math.pi * (scene.electrode_radius_px * scene.pixel_size_um
                                            * 1e-4) ** 2)
    elapsed = time.perf_counter() - t_start
    logger.info("rendered %s: %d frames in %.1f s", video, len(ftab), elapsed)
    return RenderResult(video=video, n_frames=len(ftab), elapsed_s=elapsed, **paths)


def render_random(scene, out_dir, *, fmt=None, name=None, crf=None):
    """Render a randomized scene (from :func:`~vision.synthetic.random_scene`) in its own codec.

    Parameters
    ----------
    scene : Scene
        With ``extras`` (its ``codec``, ``crf`` and ``bit_depth`` pick the file).
    out_dir : str or os.PathLike
    fmt : str, optional
        Override the scene's codec with a writer format (see :data:`FORMATS`);
        16-bit scenes are written at 8 bit in formats other than TIFF and PNG.
    name : str, optional
        Base name (default ``scene.name``, ``random_<seed>``).
    crf : int, optional
        Override the scene's quality.

    Returns
    -------
    RenderResult
    """
    from ._extras import CODECS
    ext = scene.extras
    if ext is None:
        raise InputError("render_random needs a scene with extras (from random_scene)")
    fmt = fmt or CODECS[ext.codec]
    if fmt not in FORMATS:
        raise InputError(f"unknown video format {fmt!r}; use one of {', '.join(FORMATS)}")
    if ext.bit_depth == 16 and fmt not in ("tiff", "png"):
        scene = scene.replace(extras=dataclasses.replace(ext, bit_depth=8, codec="h264"))
    meta = ext.data_bar_style if ext.data_bar_style in ("zeiss", "fei") else "none"
    return render(scene, out_dir, fmt=fmt, name=name, crf=ext.crf if crf is None else crf,
                  sem_metadata=meta)


#: Sample set written by :func:`write_samples` (``make videos``).
SAMPLES = tuple(PRESETS)

_SAMPLE_TEXT = {
    "whisker": "one whisker growing out of the electrode rim at potential steps -0.5 (no growth), "
               "-1, -2, -3 V (0, 0.8, 2.0, 3.0 um/s); single-crystal LLZO",
    "multi_whisker": "three whiskers at different angles, onsets and rates (up to 3.5 um/s)",
    "lateral": "a whisker at -1/-2 V, then at -4 V a branched lateral Li front that reaches the "
               "counter electrode: short circuit (current x20, voltage collapses)",
    "crack": "polycrystalline LLZO (grain boundaries); at -0.75 V a Li-filled crack runs to the "
             "counter electrode: short circuit",
    "stripping": "galvanostatic stripping at +0.5 uA: the electrode rim recedes and pores open, "
                 "the overpotential diverges at contact loss t0 = 14 s",
    "control": "small steps (-0.1..-0.3 V), no growth (negative control)",
}


def write_samples(out_dir, *, fmt="mp4", crf=26, names=SAMPLES, duration_s=None):
    """Regenerate the sample set: every preset, ``manifest.csv`` and ``README.md``.

    Parameters
    ----------
    out_dir : str or os.PathLike
        Folder (``videos/`` in the repository).
    fmt : str
        Video format (see :func:`render`).
    crf : int
        H.264 quality of the samples (32 keeps each 20 s sample near 0.6 MB).
    names : sequence of str
        Presets to render (default: all).
    duration_s : float, optional
        Shorter videos (for quick checks); default: each preset's duration.

    Returns
    -------
    list of RenderResult
    """
    out_dir = Path(out_dir)
    results, manifest = [], []
    for name in names:
        scene = preset(name) if duration_s is None else preset(name, duration_s=duration_s)
        res = render(scene, out_dir, fmt=fmt, name=name, crf=crf)
        results.append(res)
        manifest.append({"video": res.video.name, "trace": res.trace.name,
                         "pixel_size_um": scene.pixel_size_um,
                         "sync_offset_s": scene.sync_offset_s,
                         "counter_electrode": "right",
                         "counter_electrode_x_px": scene.counter_electrode_x_px,
                         "truth": res.truth_json.name, "preset": name,
                         "failure_mode": json.loads(res.truth_json.read_text())["failure_mode"]})
    _atomic_text(out_dir / "manifest.csv", pd.DataFrame(manifest).to_csv(index=False))
    _atomic_text(out_dir / "README.md", _samples_readme(results, crf))
    return results


def _samples_readme(results, crf):
    lines = [
        "# Sample videos",
        "",
        "Synthetic in-situ SEM videos made by `vision.synthetic` (deterministic: the same",
        "command writes byte-identical truth and traces). Each video comes with",
        "`<name>_truth_frames.csv` (one row per frame), `<name>_truth_whiskers.csv` (one row per",
        "whisker per frame), `<name>_truth.json` (scene, events, true rates and current",
        "densities) and `<name>_trace.mpt` (EC-Lab text export of the matching potentiostat",
        "trace; trace clock = video clock + `sync_offset_s`). `manifest.csv` lists them for",
        "`semtrack batch`.",
        "",
        "All: 384 x 512 px (rows x cols), 0.2 um/px, screen recorder 10 fps, SEM scan 0.5 s",
        "(runs of 5 duplicated frames, some torn frames), drift, flicker, scan-line and",
        "Poisson-Gaussian noise, data bar with a 20 um = 100 px scale bar; counter electrode =",
        f"dark Li band from x = 464 px to the right edge. H.264 (yuv420p) at crf {crf}.",
        "",
        "| video | frames | what it shows |",
        "| --- | --- | --- |",
    ]
    for res in results:
        stem = res.truth_json.name[:-len("_truth.json")]
        lines.append(f"| `{res.video.name}` | {res.n_frames} | {_SAMPLE_TEXT.get(stem, stem)} |")
    lines += ["", "Regenerate (from the repository root):", "", "    make videos", "",
              "which runs `semtrack synth --samples videos`.", ""]
    return "\n".join(lines)
