"""The working electrode is found on randomized scenes (issue 11), against the generator's truth.

The first frame of each scene is rendered in memory (no codec), its data bar rows
and a screen recording's border are left out as ``vision.analyze`` does, and the
disc found is compared with the scene's electrode. Seeds are tuning seeds (< 100000)
chosen for the failures seen on them: a counter electrode covering more than half
the frame (its texture held "discs"), a 15-20 px electrode at the needle's tip, the
needle's wedge at the image corner fitted as a disc, electrodes partly outside the
field, electrodes among polycrystalline grains that no grey-level mask separates
(found by their round rim at the needle's tip), a needle merged with an electrode cut by
the image edge while a straight bright line crosses the field, electrodes cut by the image
edge whose needle is hidden beyond it or not found (found by the arc of their rim), a
needle entering obliquely across the image corner (its contact along the two sides longer
than a needle's base may be, its width across its axis within it), an electrode the needle
rests on whose rim is broken by grains as dark as it replaced by an arc at the image edge.

Tolerance: the lateral extent is measured beyond the electrode's rim, and lateral
growth counts from 3 um on; a rim error of max(2 px, 5 % of the radius) stays at or
below 1 um at the generator's coarsest 0.5 um/px for electrodes up to 20 px radius,
and is the edge fit's precision for larger ones.
"""
import numpy as np
import pytest

from vision.measure._electrode import find_electrode, resolve_electrode
from vision.preprocess._border import content_box
from vision.synthetic import random_scene, render_frames

#: seed: what went wrong on it before
SEEDS = {
    5006: "electrode partly outside the left edge; counter electrode over 58 % of the frame",
    5009: "17 px electrode at the needle's tip; grain texture 'discs' scored higher",
    5011: "15 px bright electrode merged with the bright needle",
    5023: "70 px dark electrode read as bright lithium (its disc right): the front was tracked "
          "on the wrong side of the ceramic's level",
    5044: "112 px bright electrode with a wide bright needle merged: the needle's outline "
          "dragged the circle fit off the disc (a 93 px dark grain was taken instead)",
    5052: "the needle's wedge at the image corner fitted as a 60 px disc",
    5059: "electrode partly outside the top edge; counter electrode over half the frame",
    7012: "91 px textured electrode as grey as the grains around it (no mask separates it): "
          "a 49 px bright grain taken; found by its round rim at the needle's tip",
    7030: "12 px electrode among grains: a 36 px grain taken; found by its rim at the tip",
    7040: "44 px electrode among grains, a 119 px grain region reaching the tip blocked the "
          "rim search; found by its rim at the tip",
    7041: "78 px electrode among grains: an 81 px bright grain taken; found by its rim at the tip",
    5054: "20 px bright electrode cut by the top edge, the needle hidden beyond it, merged with "
          "bright grains in every mask: a 92 px grain circle taken; found by its rim arc",
    7067: "30 px dark electrode cut by the left edge on a noisy frame, the needle entering over "
          "it: a 56 px bright blob taken; found by its rim arc",
    7034: "12 px dark electrode with a bright rim cut by the left edge, a counter electrode over "
          "62 % of the frame: removed, its flat level made the gradient noise zero and a faint "
          "50 px patch's rim 'closed'; found by its rim arc, measured at the ring's centre",
    7079: "58 px textured bright electrode cut by the top edge, merged with the needle entering "
          "from the left edge (the disc's chord on the edge longer than the needle's base); a "
          "counter electrode's straight bright boundary line across the field was taken for "
          "the needle and a 245 px circle of the dark half of the field won",
    8124: "115 px dark electrode among grains as dark as it (its rim an edge over part of it), "
          "the needle's tip 27 px from its centre: the edge search for a disc whose needle is "
          "hidden replaced it by a 10 px arc at the top edge",
    8104: "14 px dark electrode at the tip of a 598 px bright wedge from the top-left corner "
          "running almost along the left side: its contact along the two sides (a 273 px "
          "chord) exceeded a needle's base, no needle was seen and a 30 px dark patch won",
}


def _tolerance(radius_px):
    return max(2.0, 0.05 * radius_px)


def first_frame(seed):
    """(scene, its first frame cut to the content box above the data bar, (left, top) px)."""
    scene = random_scene(seed)
    image, _ = next(render_frames(scene))
    rows = image.shape[0] - (scene.data_bar_rows or 0)
    top, bottom, left, right = content_box(image[:rows])
    return scene, image[top:bottom, left:right], (left, top)


@pytest.fixture(scope="module")
def first_frames():
    return {seed: first_frame(seed) for seed in SEEDS}


_FOUND = {}


def _found(first_frames, seed):
    """``find_electrode`` on the seed's first frame, once per module (three tests ask for
    the automatic result of each frame; it is a pure function of the image)."""
    if seed not in _FOUND:
        _FOUND[seed] = find_electrode(first_frames[seed][1])
    return _FOUND[seed]


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_electrode_found_on_random_scene(first_frames, seed):
    scene, image, (left, top) = first_frames[seed]
    ex, ey = scene.electrode_xy_px
    r = scene.electrode_radius_px
    e = _found(first_frames, seed)
    tol = _tolerance(r)
    assert abs(e.x_px + left - ex) <= tol, (seed, SEEDS[seed], e)
    assert abs(e.y_px + top - ey) <= tol, (seed, SEEDS[seed], e)
    assert abs(e.radius_px - r) <= tol, (seed, SEEDS[seed], e)


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_given_position_never_worse_than_automatic(first_frames, seed):
    """A click a few px off the centre gives the disc automatic detection finds (issue 11)."""
    scene, image, (left, top) = first_frames[seed]
    ex, ey = scene.electrode_xy_px
    r = scene.electrode_radius_px
    rng = np.random.default_rng(seed)
    dx, dy = rng.uniform(-0.3, 0.3, 2) * r
    x, y = ex - left + dx, ey - top + dy
    x = float(np.clip(x, 0, image.shape[1] - 1))
    y = float(np.clip(y, 0, image.shape[0] - 1))
    e = resolve_electrode(image, (x, y))
    auto = _found(first_frames, seed)
    err_user = max(abs(e.x_px + left - ex), abs(e.y_px + top - ey), abs(e.radius_px - r))
    err_auto = max(abs(auto.x_px + left - ex), abs(auto.y_px + top - ey), abs(auto.radius_px - r))
    assert err_user <= max(err_auto, _tolerance(r)), (seed, e, auto)


#: known misreads of the lithium's side (the disc itself right): what is seen
SIDE_XFAIL = {
    5059: "dark electrode cut by the top edge with a bright rim: its rim ring (hole filled) is "
          "the best disc, from the bright mask, whose side is reported; the disc's own side "
          "(branch electrode10-wip) costs whiskers downstream (tuning seeds 5029, 7064)",
}


@pytest.mark.parametrize("seed", [pytest.param(s, marks=pytest.mark.xfail(
    reason=SIDE_XFAIL[s], strict=True)) if s in SIDE_XFAIL else s for s in sorted(SEEDS)])
def test_lithium_side_found_on_random_scene(first_frames, seed):
    """The lithium's side of the ceramic's grey level is the generator's (the front and the
    whiskers are segmented on that side)."""
    scene, image, _ = first_frames[seed]
    extras = scene.extras
    truth = "dark" if extras.li_level < extras.ceramic_level else "bright"
    assert _found(first_frames, seed).polarity == truth, (seed, SEEDS[seed])
