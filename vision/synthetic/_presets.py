"""Named example scenes: whisker, multi_whisker, lateral, crack, stripping, control."""
from __future__ import annotations

import dataclasses

from calibration import InputError

from ._scene import Artefacts, Crack, LateralFront, Scene, Stripping, Whisker

__all__ = ["PRESETS", "preset"]

#: Pixel size of all presets, um (a 512-px wide frame spans 102.4 um).
_PX_UM = 0.2


def _px(rates_um_s):
    """Convert tip speeds from um/s to px/s at the preset pixel size."""
    return tuple(r / _PX_UM for r in rates_um_s)


_STEPS = ((1.0, -0.5), (4.0, -1.0), (8.5, -2.0), (13.0, -3.0))


def _whisker():
    return Scene(
        name="whisker", steps=_STEPS, seed=1,
        whiskers=(Whisker(angle_deg=-30.0, rates_px_s=_px((0.0, 0.8, 2.0, 3.0)),
                          width_px=2.0 / _PX_UM),),
    )


def _multi_whisker():
    return Scene(
        name="multi_whisker", steps=_STEPS, seed=2,
        whiskers=(
            Whisker(angle_deg=-50.0, rates_px_s=_px((0.0, 0.6, 1.6, 2.4)), width_px=1.6 / _PX_UM),
            Whisker(angle_deg=15.0, rates_px_s=_px((0.0, 1.0, 2.2, 3.5)), width_px=2.4 / _PX_UM),
            Whisker(angle_deg=75.0, rates_px_s=_px((0.0, 0.0, 0.8, 1.2)), width_px=1.2 / _PX_UM),
        ),
    )


def _lateral():
    return Scene(
        name="lateral", seed=3, duration_s=22.0,
        steps=((1.0, -1.0), (5.0, -2.0), (9.0, -4.0)),
        whiskers=(Whisker(angle_deg=-45.0, rates_px_s=_px((0.8, 1.5, 2.0)), width_px=1.8 / _PX_UM),),
        lateral=LateralFront(onset_s=9.5, speed_px_s=40.0, thickness_um=0.5),
    )


def _crack():
    return Scene(
        name="crack", seed=4, duration_s=22.0, substrate="polycrystalline",
        steps=((1.0, -0.3), (5.0, -0.5), (9.0, -0.75)),
        crack=Crack(onset_s=10.0, speed_px_s=30.0, width_px=2.0, depth_um=3.0),
    )


def _stripping():
    return Scene(
        name="stripping", seed=5, steps=(),
        stripping=Stripping(start_s=1.0, current_A=5.0e-7, t0_s=14.0, area_fraction_lost=0.55),
    )


def _control():
    return Scene(
        name="control", seed=6, steps=((1.0, -0.1), (8.0, -0.2), (14.0, -0.3)),
    )


#: Preset name -> factory of its :class:`Scene`.
PRESETS = {
    "whisker": _whisker,
    "multi_whisker": _multi_whisker,
    "lateral": _lateral,
    "crack": _crack,
    "stripping": _stripping,
    "control": _control,
}


def preset(name, **overrides):
    """A named example :class:`Scene`, optionally with some fields changed.

    Parameters
    ----------
    name : str
        One of ``'whisker'`` (one whisker, potential steps -0.5..-3 V, single
        crystal), ``'multi_whisker'`` (3 whiskers at different angles and
        rates), ``'lateral'`` (a whisker, then a lateral fractal front that
        touches the counter electrode: short circuit), ``'crack'``
        (polycrystalline; a Li-filled crack from the electrode to the counter
        electrode: short circuit), ``'stripping'`` (galvanostatic stripping,
        contact loss at t0) and ``'control'`` (small steps, no growth).
    **overrides
        Scene fields to change, e.g. ``seed=3, duration_s=5, shape=(192, 256)``.
        ``artefacts=False`` switches all artefacts off except the data bar.

    Returns
    -------
    Scene

    Raises
    ------
    calibration.InputError
        Unknown preset name or scene field.
    """
    if name not in PRESETS:
        raise InputError(f"unknown preset {name!r}; use one of {', '.join(PRESETS)}")
    scene = PRESETS[name]()
    if overrides.get("artefacts") is False:
        overrides["artefacts"] = Artefacts.off()
    fields = {f.name for f in dataclasses.fields(Scene)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise InputError(f"unknown Scene field(s) {', '.join(unknown)}; known: {', '.join(sorted(fields))}")
    if "shape" in overrides:
        overrides = _rescale(scene, overrides)
    return scene.replace(**overrides)


def _rescale(scene, overrides):
    """Scale the layout to a new frame shape (keeping the physical field of view).

    Pixel size scales so that the same sample area is shown; speeds and widths
    in px scale with it, so growth rates in um/s stay the same.
    """
    rows, cols = overrides["shape"]
    f = cols / scene.shape[1]
    if abs(rows / scene.shape[0] - f) > 0.05:
        f = min(f, rows / scene.shape[0])
    out = dict(overrides)
    out.setdefault("pixel_size_um", scene.pixel_size_um / f)
    ex, ey = scene.electrode_xy_px
    out.setdefault("electrode_xy_px", (ex * f, ey * f))
    out.setdefault("electrode_radius_px", scene.electrode_radius_px * f)
    out.setdefault("counter_electrode_x_px", cols - (scene.shape[1] - scene.counter_electrode_x_px) * f)
    if "whiskers" not in out:
        out["whiskers"] = tuple(dataclasses.replace(
            w, rates_px_s=tuple(r * f for r in w.rates_px_s), width_px=w.width_px * f)
            for w in scene.whiskers)
    if scene.lateral is not None and "lateral" not in out:
        out["lateral"] = dataclasses.replace(
            scene.lateral, speed_px_s=scene.lateral.speed_px_s * f,
            trunk_width_px=max(1.5, scene.lateral.trunk_width_px * f))
    if scene.crack is not None and "crack" not in out:
        out["crack"] = dataclasses.replace(scene.crack, speed_px_s=scene.crack.speed_px_s * f,
                                           width_px=max(1.0, scene.crack.width_px * f))
    return out
