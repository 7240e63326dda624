"""Issue 14: ``detect_crack_core_or_rims`` filters each window once for its core searches.

Its plain search (``link_gaps=False``) and its joined one (``link_gaps=True``) differ only
after the line filter and the thresholds, so they now share one line pass per window
(also in the growing ``roi`` box the tracker uses), and the search for the crack's bright
rims takes the scan-line corrected frame and the masks from them. The requirement is
identical results: on drawn crack scenes (straight, kinked, tortuous, branched, broken
into pieces by a faint stretch, a thin crack seen by its bright rims, the thin branches of
a lateral front) the new function returns exactly what the three-search logic it replaces
returned, rebuilt here from the public ``detect_crack``.
"""
import math

import numpy as np
import pytest
import test_crack_branches as branches_scenes
import test_crack_link as link_scenes
import test_crack_rims as rims_scenes
from test_thin_branches import _tree

from vision import crack_background
from vision.measure.crack._detect import (
    ELONGATION,
    FILTER_REACH_SIGMAS,
    RIM_EDGE_PENALTY,
    RIM_EXCESS_REACHES,
    SIGMA_PX,
    detect_crack,
    detect_crack_core_or_rims,
)


def _two_call_core_or_rims(image, *, background, rim_background=None, polarity="dark", **kwargs):
    """The logic before the shared pass: plain search, joined search, rims; also its route."""
    link = bool(kwargs.pop("link_gaps", True))
    core = detect_crack(image, background=background, polarity=polarity, link_gaps=False, **kwargs)
    route = "none" if core is None else "cluster" if core.is_branching_cluster else "plain"
    if link and core is not None and not core.is_branching_cluster:
        joined = detect_crack(image, background=background, polarity=polarity, link_gaps=True,
                              **kwargs)
        if joined is not None and not joined.is_branching_cluster:
            if joined.total_length_px != core.total_length_px:
                route = "joined"
            core = joined
    if core is None or core.is_branching_cluster or rim_background is None or polarity == "bright":
        return core, route
    rims = detect_crack(image, background=rim_background, polarity="bright", link_gaps=link,
                        **dict(kwargs, edge_penalty=RIM_EDGE_PENALTY))
    reach = FILTER_REACH_SIGMAS * SIGMA_PX * ELONGATION + 1.0
    if (rims is None or rims.is_branching_cluster
            or rims.total_length_px <= core.total_length_px + RIM_EXCESS_REACHES * reach):
        return core, route
    return rims, "rims"


def _assert_identical(new, old):
    if old is None:
        assert new is None
        return
    assert new is not None
    assert new.path_length_px == old.path_length_px
    assert new.tip_xy_px == old.tip_xy_px
    np.testing.assert_array_equal(new.path, old.path)
    np.testing.assert_array_equal(new.skeleton_xy_px, old.skeleton_xy_px)
    assert new.contrast == old.contrast or (math.isnan(new.contrast) and math.isnan(old.contrast))
    assert len(new.branches) == len(old.branches)
    for a, b in zip(new.branches, old.branches):
        np.testing.assert_array_equal(a, b)


def _kinked(length, heading, kink):
    """A straight crack from the rim that turns by ``kink`` radians halfway (1 px steps)."""
    s = np.arange(1.0, length + 1e-9, 1.0)
    a = np.where(s < length / 2, heading, heading + kink)
    x0, y0 = link_scenes.CENTRE[0] + link_scenes.RADIUS, link_scenes.CENTRE[1]
    return np.vstack([(x0, y0), np.column_stack([x0 + np.cumsum(np.cos(a)),
                                                 y0 + np.cumsum(np.sin(a))])])


def _link_module_scene(seed, kind):
    """(background, image, electrode centre, radius) on test_crack_link's drawing."""
    rng = np.random.default_rng(seed)
    m = link_scenes
    background = np.mean([m._frame(np.zeros(m.SHAPE), rng, 0.03) for _ in range(4)], axis=0)
    if kind == "straight":
        cover = m._coverage(m._path(200.0, heading=0.1 * seed), 2.0)
    elif kind == "kinked":
        cover = m._coverage(_kinked(180.0, 0.05 * seed, (-1) ** seed * 0.7), 2.0)
    elif kind == "pieces":
        fade = (40.0 + 10 * seed, 58.0 + 12 * seed)
        cover = m._faded(m._path(260.0, heading=0.05 * seed), 2.0, *fade)
    else:  # "front": the thin (1-2 px) branches of a lateral front, a cluster from the rim
        start = (m.CENTRE[0] + m.RADIUS, m.CENTRE[1])
        cover = np.zeros(m.SHAPE)
        for p, q in _tree(rng, start, 0.0, 90):
            cover = np.maximum(cover, m._coverage(np.array([p, q]), 1.5))
    return background, m._frame(cover, rng, 0.03), m.CENTRE, m.RADIUS


def _scene(kind, seed):
    if kind == "branched":
        specs = {1: [(0.35, 0.8, 30.0), (0.7, -0.9, 22.0)], 2: [(0.5, -0.7, 40.0)],
                 3: [(0.25, 0.9, 18.0), (0.55, -0.8, 26.0), (0.8, 0.7, 24.0)]}[seed]
        background, image, _, _ = branches_scenes._scene(seed, specs)
        return background, image, branches_scenes.CENTRE, branches_scenes.RADIUS
    if kind == "rims":
        # a tortuous 1 px crack in dark lithium under heavy noise: its core breaks up, the
        # bright rims show it whole in some seeds (3 here)
        background, image, _ = rims_scenes._scene(seed, width=1.0, edge_gain=0.6, noise=0.09)
        return background, image, rims_scenes.CENTRE, rims_scenes.RADIUS
    return _link_module_scene(seed, kind)


KINDS = ("straight", "kinked", "pieces", "branched", "rims", "front")


def _compare(kind, seed, roi):
    background, image, centre, radius = _scene(kind, seed)
    kw = dict(electrode_xy_px=centre, electrode_radius_px=radius,
              background=crack_background(background),
              rim_background=crack_background(background, polarity="bright"))
    if roi:
        # the tracker's way: a box around the electrode that grows after the crack
        r = radius + 4
        kw["roi"] = (centre[0] - r, centre[1] - r, centre[0] + r, centre[1] + r)
    old, route = _two_call_core_or_rims(image, **kw)
    _assert_identical(detect_crack_core_or_rims(image, **kw), old)
    return route


@pytest.mark.parametrize("roi", [False, True])
@pytest.mark.parametrize("kind", KINDS)
def test_one_pass_returns_what_the_two_searches_returned(kind, roi):
    routes = {_compare(kind, seed, roi) for seed in (1, 2, 3)}
    # the scenes reach the branches of the logic they are meant to test
    expected = {"pieces": "joined", "rims": "rims", "front": "cluster"}.get(kind)
    if expected is not None:
        assert expected in routes, routes
    else:
        assert routes & {"plain", "joined", "rims"}, routes


def test_search_without_link_gaps_is_the_plain_search():
    background, image, centre, radius = _scene("pieces", 1)
    kw = dict(electrode_xy_px=centre, electrode_radius_px=radius,
              background=crack_background(background), link_gaps=False)
    _assert_identical(detect_crack_core_or_rims(image, **kw), detect_crack(image, **kw))


def test_rim_background_of_another_image_is_searched_on_its_own():
    # the rim search reuses the core search's corrected frame and masks only when both
    # backgrounds hold the same image; with another one it is the plain rim search
    background, image, centre, radius = _scene("rims", 3)
    other = background + np.float32(0.01) * np.cos(np.arange(background.shape[1]) / 7.0)
    for rim_bg in (background, other):
        kw = dict(electrode_xy_px=centre, electrode_radius_px=radius,
                  background=crack_background(background),
                  rim_background=crack_background(rim_bg, polarity="bright"))
        old, _ = _two_call_core_or_rims(image, **kw)
        _assert_identical(detect_crack_core_or_rims(image, **kw), old)
