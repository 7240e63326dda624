"""The counter electrode is found on randomized scenes (issue 11), against the generator's truth.

The generator draws the counter electrode as a lithium band from its x to beyond the
right image edge. The first frame of each scene is rendered in memory (no codec), its
data bar rows and a screen recording's border are left out as ``vision.analyze`` does,
and the band's edge found is compared with the scene's. Seeds are tuning seeds
(< 100000) chosen for the causes of the misses seen on them.

Tolerance: the front's distance to the counter electrode and the touch-down are
measured from its edge, and the front's position must hold to 4 px RMS (issue 11);
the edge must hold to the same 4 px.
"""
import pytest
from test_electrode_random import first_frame

from vision.measure._electrode import find_counter_electrode, resolve_counter_electrode

#: Largest error (px) of the counter electrode's edge: the front's RMS requirement (issue 11).
EDGE_TOL_PX = 4.0

#: seed: why its counter electrode was missed or misplaced before
SEEDS = {
    # a band over more than half the field: its lithium is the frame's most common level, so
    # the lithium mask (a threshold from that level) holds no band
    5006: "band over 58 % of the field",
    5015: "band over 57 % of the field (bright rim, dark electrode read as bright)",
    7001: "band over 63 % of the field",
    7034: "band over 62 % of the field, a left 'band' of the ceramic's brighter grains taken",
    # the band lies on the other side of the ceramic's level than the electrode's polarity
    # (misread from its bright rim): the mask of that polarity holds no band (here with the
    # true polarity; test_counter_electrode_whatever_the_electrode_polarity below)
    5013: "17 px dark band, the electrode read as bright",
    5049: "28 px dark band, the electrode read as bright",
    7006: "21 px dark band, the electrode read as bright",
    # a deep band of textured lithium crosses the mid-level here and there: its lines' first
    # crossings do not follow the straight edge, their best single steps do
    5027: "band over 65 % of the field, textured",
    7041: "band over 70 % of the field next to dark grains",
    # a thin band whose lines are interrupted by bright grains over it: only ~72 % of all
    # lines end on the edge, all the lines that reach it do
    7053: "48 px dark band, a quarter of its lines cut short by grains",
    7089: "19 px dark band under bright grains and whiskers",
    # a deep band: its lines' best single steps end on the edge in ~70 % of the lines, the rest
    # stop early on grains over the band
    7024: "227 px dark band, lines cut short",
    7067: "293 px dark band, lines cut short; the opposite side's lines never cross",
    # neighbours that were right before
    5000: "26 px bright band (right before)",
    5002: "thin band found by the lithium mask only (right before)",
    5017: "279 px bright band (right before)",
}


@pytest.fixture(scope="module")
def first_frames():
    out = {}
    for seed in SEEDS:
        scene, crop, (left, _top) = first_frame(seed)
        out[seed] = (scene, crop.astype("float32"), left)
    return out


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_counter_electrode_found_on_random_scene(first_frames, seed):
    scene, image, left = first_frames[seed]
    extras = scene.extras
    polarity = "dark" if extras.li_level < extras.ceramic_level else "bright"
    co = find_counter_electrode(image, polarity=polarity)
    assert co is not None, (seed, SEEDS[seed])
    assert co.side == "right", (seed, SEEDS[seed], co)
    assert abs(co.boundary_px + left - scene.counter_electrode_x_px) <= EDGE_TOL_PX, (
        seed, SEEDS[seed], co, scene.counter_electrode_x_px)


@pytest.mark.parametrize("polarity", ["dark", "bright"])
@pytest.mark.parametrize("seed", [5006, 5013, 5049, 7006, 7041])
def test_counter_electrode_whatever_the_electrode_polarity(first_frames, seed, polarity):
    """The band is found by its plateau and straight edge, not by the electrode's side of the
    ceramic's level (which may be misread)."""
    scene, image, left = first_frames[seed]
    co = resolve_counter_electrode(image, None, polarity=polarity)
    assert co is not None and co.side == "right", (seed, polarity, co)
    assert abs(co.boundary_px + left - scene.counter_electrode_x_px) <= EDGE_TOL_PX


@pytest.mark.parametrize("seed", [5006, 7041])
def test_named_side_takes_the_band_edge(first_frames, seed):
    """counter_electrode='right' measures the band's edge there (not the image edge)."""
    scene, image, left = first_frames[seed]
    co = resolve_counter_electrode(image, "right")
    assert abs(co.boundary_px + left - scene.counter_electrode_x_px) <= EDGE_TOL_PX, co
