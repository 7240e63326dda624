"""The crack search in a growing box and its shared line passes (issue 16: no planted bug
survives).

``detect_crack(..., roi=)`` searches a box that grows until the crack is inside it, one
window at a time (``_detect_in_roi``); ``detect_crack_core_or_rims`` filters each window
once for its core searches and hands the rim search what it would compute again (issue
14). The equivalence tests of ``test_crack_one_pass.py`` compare two routes through the
same window search, so a mutant of that search changes both alike. These tests check the
truth instead, in the box and on the whole frame: a drawn crack of known length (issue
11: within 10 %), masks that leave it no place to start (excluded pixels, thick lithium at
the rim: no crack), and each window filtered once. They kill mutants of
``vision/measure/crack/_detect.py`` on the lines changed in wave 10
(``benchmarks/mutate_changed.py 5a5bfd8 --file vision/measure/crack/_detect.py``).
"""
import numpy as np
import pytest
import test_crack_link as scenes

from vision import crack_background
from vision.measure.crack import _detect
from vision.measure.crack._detect import detect_crack, detect_crack_core_or_rims

#: Issue 11: crack path length within 10 % (90th percentile per frame).
LENGTH_REL = 0.10
#: Drawn crack length from the rim, px.
LENGTH_PX = 200.0
#: Width of the thick lithium drawn around the rim, px: beyond the seed zone where a
#: crack must start (rim margin + SEED_ZONE_PX).
THICK_RING_PX = 14.0
SEEDS = (1, 2, 3)


def _scene(seed):
    """(background image, image, crack points) of a 2 px dark crack from the rim."""
    rng = np.random.default_rng(seed)
    background = np.mean([scenes._frame(np.zeros(scenes.SHAPE), rng, 0.03) for _ in range(4)],
                         axis=0)
    pts = scenes._path(LENGTH_PX, heading=0.1 * seed)
    return background, scenes._frame(scenes._coverage(pts, 2.0), rng, 0.03), pts


def _box():
    """The tracker's first box: the electrode and 4 px around it, (x0, y0, x1, y1) px."""
    (cx, cy), r = scenes.CENTRE, scenes.RADIUS + 4
    return (cx - r, cy - r, cx + r, cy + r)


KW = dict(electrode_xy_px=scenes.CENTRE, electrode_radius_px=scenes.RADIUS)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("with_background", [False, True])
@pytest.mark.parametrize("roi", [False, True])
def test_crack_length_in_a_growing_box_and_on_the_frame(seed, with_background, roi):
    background, image, _ = _scene(seed)
    got = detect_crack(image, background=crack_background(background) if with_background
                       else None, roi=_box() if roi else None, **KW)
    assert got is not None
    assert got.path_length_px == pytest.approx(LENGTH_PX, rel=LENGTH_REL)


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("roi", [False, True])
def test_masks_hold_in_the_growing_box(seed, roi):
    background, image, pts = _scene(seed)
    kw = dict(KW, background=crack_background(background), roi=_box() if roi else None)
    # the crack and 3 px around it excluded: nothing left to find
    excluded = scenes._coverage(pts, 8.0) > 0
    assert detect_crack(image, exclude_mask=excluded, **kw) is None
    # thick lithium all around the rim: the crack starts under it, none starts at the rim
    yy, xx = np.mgrid[:scenes.SHAPE[0], :scenes.SHAPE[1]]
    cx, cy = scenes.CENTRE
    ring = (xx - cx) ** 2 + (yy - cy) ** 2 <= (scenes.RADIUS + THICK_RING_PX) ** 2
    assert detect_crack(image, li_mask=ring, **kw) is None
    # the same masks elsewhere leave the crack whole
    far = np.zeros(scenes.SHAPE, bool)
    far[:10, :10] = True
    got = detect_crack(image, exclude_mask=far, li_mask=far, **kw)
    assert got is not None and got.path_length_px == pytest.approx(LENGTH_PX, rel=LENGTH_REL)


@pytest.fixture
def passes(monkeypatch):
    """Every line pass made: (polarity, window shape, whether it started from a twin)."""
    made = []
    line_pass = _detect._line_pass

    def spy(img, bg, li_mask, exclude_mask, electrode_xy, rad, opts, *, keep_twin=False,
            start=None):
        made.append((opts["polarity"], img.shape, start is not None))
        return line_pass(img, bg, li_mask, exclude_mask, electrode_xy, rad, opts,
                         keep_twin=keep_twin, start=start)

    monkeypatch.setattr(_detect, "_line_pass", spy)
    return made


@pytest.mark.parametrize("roi, rim_copy", [(False, False), (True, False), (False, True)])
def test_each_window_is_filtered_once(passes, roi, rim_copy):
    # a thin crack in dark lithium whose bright rims are searched too (test_crack_one_pass's
    # "rims" scene): the plain and the joined core searches share each window's pass, and
    # the rim search starts the core's first window from what the core search computed,
    # also when its background holds an equal copy of the core's background image
    import test_crack_one_pass as one_pass

    background, image, centre, radius = one_pass._scene("rims", 3)
    box = None
    if roi:
        r = radius + 4
        box = (centre[0] - r, centre[1] - r, centre[0] + r, centre[1] + r)
    got = detect_crack_core_or_rims(
        image, electrode_xy_px=centre, electrode_radius_px=radius, roi=box,
        background=crack_background(background),
        rim_background=crack_background(background.copy() if rim_copy else background,
                                        polarity="bright"))
    assert got is not None
    core = [(shape, twin) for pol, shape, twin in passes if pol == "dark"]
    rims = [(shape, twin) for pol, shape, twin in passes if pol == "bright"]
    assert core and rims
    # no core window filtered twice, none from a twin
    assert len({shape for shape, _ in core}) == len(core)
    assert not any(twin for _, twin in core)
    # the rim search's first window is the core's first: started from its twin
    assert rims[0] == (core[0][0], True)


@pytest.mark.parametrize("seed", SEEDS)
def test_core_or_rims_searches_the_polarity_given(seed):
    # the same scene in negative: a bright crack on a dark ceramic, searched as "bright"
    background, image, _ = _scene(seed)
    background, image = 1.0 - background, (1.0 - image).astype(np.float32)
    kw = dict(KW, background=crack_background(background, polarity="bright"))
    got = detect_crack_core_or_rims(image, polarity="bright", **kw)
    assert got is not None
    assert got.path_length_px == pytest.approx(LENGTH_PX, rel=LENGTH_REL)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_growing_box_away_from_the_frame_corner(seed):
    # the same scene shifted 120 px right (ceramic added on the left): the box's windows no
    # longer start at column 0, and the electrode is placed in each window's coordinates
    background, image, _ = _scene(seed)
    pad = ((0, 0), (120, 0))
    background, image = np.pad(background, pad, mode="edge"), np.pad(image, pad, mode="edge")
    centre = (scenes.CENTRE[0] + 120.0, scenes.CENTRE[1])
    r = scenes.RADIUS + 4
    got = detect_crack(image, background=crack_background(background),
                       roi=(centre[0] - r, centre[1] - r, centre[0] + r, centre[1] + r),
                       electrode_xy_px=centre, electrode_radius_px=scenes.RADIUS)
    assert got is not None
    assert got.path_length_px == pytest.approx(LENGTH_PX, rel=LENGTH_REL)


@pytest.mark.parametrize("seed", [3, 4])
def test_without_link_gaps_the_rims_are_not_joined_either(seed):
    # link_gaps=False: no search joins pieces, the rim search neither (in these two scenes
    # its joined rims are 10-20 % longer than its plain ones)
    import test_crack_one_pass as one_pass

    background, image, centre, radius = one_pass._scene("rims", seed)
    kw = dict(electrode_xy_px=centre, electrode_radius_px=radius)
    rim_bg = crack_background(background, polarity="bright")
    got = detect_crack_core_or_rims(image, background=crack_background(background),
                                    rim_background=rim_bg, link_gaps=False, **kw)
    plain_rims = detect_crack(image, background=rim_bg, polarity="bright", link_gaps=False,
                              edge_penalty=_detect.RIM_EDGE_PENALTY, **kw)
    joined_rims = detect_crack(image, background=rim_bg, polarity="bright", link_gaps=True,
                               edge_penalty=_detect.RIM_EDGE_PENALTY, **kw)
    assert joined_rims.path_length_px > 1.05 * plain_rims.path_length_px
    assert got.path_length_px == plain_rims.path_length_px


@pytest.mark.parametrize("sigma_px", [1.0, 2.0])
def test_default_rim_margin_is_two_filter_reaches_and_a_pixel(sigma_px):
    # rim_margin_px=None is documented as FILTER_REACH_SIGMAS * sigma_px + 1 px: the same
    # search as that margin given (the margin moves the measured length by a fraction of a
    # pixel in these scenes, so the comparison is exact)
    margin = _detect.FILTER_REACH_SIGMAS * sigma_px + 1.0
    for seed in SEEDS[:2]:
        _, image, _ = _scene(seed)
        default = detect_crack(image, sigma_px=sigma_px, **KW)
        given = detect_crack(image, sigma_px=sigma_px, rim_margin_px=margin, **KW)
        assert default.path_length_px == given.path_length_px
        np.testing.assert_array_equal(default.path, given.path)
