"""A 3-4 px whisker with bright edges is lithium (known failure: taken for a crack).

Issue 11 asks for every whisker at least 3 px wide. The tracker's crack test
(``_is_whisker_core``) keeps a rod candidate when its dark core is at least
``WHISKER_MIN_CORE_WIDTH_PX`` wide or its two bright rims lie at least
``WHISKER_MIN_RIM_SEPARATION_PX`` apart. The secondary-electron edge brightening of the
generator eats a thin whisker's core from both sides, and its rims lie only about its
width plus one rim apart: drawn here with the edges of tuning seeds 7009 (gain 0.75,
sigma 1.13 px) and 7055 (gain 0.83, sigma 0.74 px), 3.1-4 px rods measure a core of
0.5-1.5 px and rims 4.5-5.5 px apart. In those scenes (each one's missed whisker, 3.1 px
wide) the finder reports the rod, 7009 in every scan with its length within 3 px, 7055
in its first scans; the core measures 0-1.5 px, the rims are not found (separation 0),
and the rod is dropped as a crack.
A 2.5 px crack with bright lips measures rims 3-4.25 px apart
(``test_whisker_rims.test_crack_with_bright_lips_is_no_whisker``): the two overlap within
a sample or two, so no threshold on these two widths separates them; another cue is
needed. Rods are drawn as ``test_whisker_rims`` draws them (the generator's coverage,
lithium level and rims).
"""
import pytest
from test_whisker_rims import _candidate, _change, _rod_path

from vision.track._tracker import _core_width_px, _is_whisker_core, _rim_separation_px


@pytest.mark.xfail(strict=True, reason="wave 18b: 3-4 px rods with bright edges measure a "
                   "core of 0.5-1.5 px and rims 4.5-5.5 px apart (crack: rims 3-4.25 px); "
                   "taken for cracks (tuning seeds 7009, 7055)")
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("width_px", [3.1, 4.0])
@pytest.mark.parametrize(("edge_gain", "edge_sigma"), [(0.75, 1.13), (0.83, 0.74)])
def test_thin_whisker_with_edges_is_lithium(edge_gain, edge_sigma, width_px, seed):
    path = _rod_path("straight")
    diff = _change(path, width_px, seed, edge_gain=edge_gain, edge_sigma=edge_sigma)
    rod = _candidate(path, width_px + 2 * edge_sigma + 2.0)
    assert _is_whisker_core(diff, rod, "dark"), \
        f"core {_core_width_px(diff, rod, 'dark'):.2f} px, rims {_rim_separation_px(diff, rod, 'dark'):.2f} px"


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("width_px", [3.1, 4.0])
def test_thin_whisker_without_edges_is_lithium(width_px, seed):
    # without edge brightening the same rods keep their core (the rule holds there)
    path = _rod_path("straight")
    diff = _change(path, width_px, seed, edge_gain=0.0, edge_sigma=1.0)
    assert _is_whisker_core(diff, _candidate(path, width_px + 4.0), "dark")
