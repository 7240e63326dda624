"""A branched crack's length is its whole network: main path plus side branches.

Known geometry on small non-square frames (rows != cols): a dark 2-px crack from the
electrode rim with side branches drawn at known lengths, on a noisy background with
grain boundaries (the background model holds them). The requirement (issue 11): crack
path length within 10 % per frame at the 90th percentile, 5 % at the median; here
every case is held to 5 %. The generator's truth (``crack_length_px``) counts the
branches, and so does :attr:`CrackMeasurement.total_length_px`.
"""
import math

import cv2
import numpy as np
import pytest

from vision import crack_background, detect_crack

SHAPE = (230, 340)        # rows, cols
CENTRE = (60.0, 115.0)    # electrode (x, y)
RADIUS = 24.0
SS = 4                    # supersampling of the drawings


def _coverage(segments):
    """Anti-aliased coverage (0..1) of round-capped segments ((x0, y0, x1, y1, width))."""
    canvas = np.zeros((SHAPE[0] * SS, SHAPE[1] * SS), np.uint8)
    for x0, y0, x1, y1, w in segments:
        p0 = (int(round(((x0 + 0.5) * SS - 0.5) * 16)), int(round(((y0 + 0.5) * SS - 0.5) * 16)))
        p1 = (int(round(((x1 + 0.5) * SS - 0.5) * 16)), int(round(((y1 + 0.5) * SS - 0.5) * 16)))
        cv2.line(canvas, p0, p1, 255, max(1, int(round(w * SS))), cv2.LINE_8, 4)
    return cv2.resize(canvas, (SHAPE[1], SHAPE[0]), interpolation=cv2.INTER_AREA) / 255.0


def _polyline(start, heading, length, rng, step=3.0, wiggle=0.05):
    pts = [np.asarray(start, float)]
    a, done = heading, 0.0
    while done < length - 1e-9:
        a += rng.normal(0, wiggle)
        st = min(step, length - done)
        pts.append(pts[-1] + st * np.array([math.cos(a), math.sin(a)]))
        done += st
    return np.array(pts)


def _segments(pts, width):
    return [(a[0], a[1], b[0], b[1], width) for a, b in zip(pts[:-1], pts[1:])]


def _scene(seed, branch_specs, *, main_length=170.0):
    """(background frame, crack frame, true total length, true main length)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:SHAPE[0], :SHAPE[1]]
    base = 120.0 + 8.0 * np.sin(xx / 23.0) * np.cos(yy / 31.0)
    # a few straight grain boundaries (static lines the background model holds)
    for _ in range(4):
        a = rng.uniform(0, np.pi)
        d = (xx - rng.uniform(0, SHAPE[1])) * math.sin(a) - (yy - rng.uniform(0, SHAPE[0])) * math.cos(a)
        base -= 25.0 * np.exp(-0.5 * d ** 2)
    elec = (xx - CENTRE[0]) ** 2 + (yy - CENTRE[1]) ** 2 <= RADIUS ** 2
    start = (CENTRE[0] + RADIUS, CENTRE[1])
    main = _polyline(start, rng.uniform(-0.2, 0.2), main_length, rng)
    lines = [main]
    for frac, turn, length in branch_specs:
        j = int(round(frac * (len(main) - 1)))
        h = math.atan2(*(main[j + 1] - main[j])[::-1]) + turn
        lines.append(_polyline(main[j], h, length, rng))
    segs = [s for p in lines for s in _segments(p, 2.0)]
    cover = _coverage(segs)

    def frame(with_crack):
        img = base.copy()
        if with_crack:
            img = img * (1 - 0.55 * cover)
        img[elec] = 60.0
        return (img + rng.normal(0, 4.0, SHAPE)).astype(np.float32)

    background = np.mean([frame(False) for _ in range(4)], axis=0)
    lengths = [float(np.hypot(*np.diff(p, axis=0).T).sum()) for p in lines]
    return background, frame(True), float(sum(lengths)), lengths[0]


@pytest.mark.parametrize("seed, branches", [
    (1, [(0.35, 0.8, 30.0), (0.7, -0.9, 22.0)]),
    (2, [(0.5, -0.7, 40.0)]),
    (3, [(0.25, 0.9, 18.0), (0.55, -0.8, 26.0), (0.8, 0.7, 24.0)]),
])
def test_branched_crack_total_length(seed, branches):
    background, img, total, main = _scene(seed, branches)
    m = detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                     background=crack_background(background))
    assert m is not None, "crack not found"
    assert len(m.branches) == len(branches), f"{len(m.branches)} branches found, {len(branches)} drawn"
    err = abs(m.total_length_px / total - 1)
    assert err < 0.05, f"total length {m.total_length_px:.1f} px vs truth {total:.1f} px ({100 * err:.1f} %)"
    # the main path alone misses the branches: what the total adds is the branches' length
    assert m.total_length_px == pytest.approx(m.path_length_px + m.branch_length_px)
    assert abs(m.path_length_px / main - 1) < 0.05


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_single_crack_has_no_branches(seed):
    # an unbranched crack: no skeleton spur or grain boundary crossing may count as a branch
    background, img, total, main = _scene(seed, [])
    m = detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                     background=crack_background(background))
    assert m is not None, "crack not found"
    assert m.branches == ()
    assert abs(m.total_length_px / total - 1) < 0.05


def test_branches_off_can_be_switched_off():
    background, img, total, main = _scene(1, [(0.35, 0.8, 30.0)])
    m = detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                     background=crack_background(background), min_branch_px=None)
    assert m.branches == () and m.total_length_px == m.path_length_px


def _li_mask(img, background, blob_xy, blob_r):
    """Lithium as a segmentation draws it: the crack a few px wide, plus a thick blob."""
    li = (background - img) > 20.0
    li = cv2.dilate(li.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    yy, xx = np.mgrid[:SHAPE[0], :SHAPE[1]]
    return li | ((xx - blob_xy[0]) ** 2 + (yy - blob_xy[1]) ** 2 <= blob_r ** 2)


def test_thick_spot_out_in_the_field_does_not_cut_the_crack():
    # where a Li-filled crack forks, the segmentation's rims fill the fork: a spot thicker
    # than thick_li_px far from the electrode is part of the crack, not lateral lithium
    # (lateral lithium grows from the electrode, so its thick part reaches the rim)
    background, img, total, main = _scene(2, [(0.5, -0.7, 40.0)])
    prepared = crack_background(background)
    m0 = detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS, background=prepared)
    fork = m0.branches[0][0]
    li = _li_mask(img, background, fork, 9.0)
    m = detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                     background=prepared, li_mask=li)
    assert m is not None and abs(m.total_length_px / total - 1) < 0.05, \
        f"total {None if m is None else round(m.total_length_px, 1)} px vs truth {total:.1f} px"
    # the former rule (every thick spot is lateral lithium) cut the crack at the fork
    cut = detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                       background=prepared, li_mask=li, thick_rim_only=False)
    assert cut is None or cut.total_length_px < 0.8 * total


def test_thick_lithium_at_the_rim_is_still_lateral():
    # a thick lithium cluster on the rim where the crack starts hides it (lateral lithium)
    background, img, total, main = _scene(4, [])
    start = (CENTRE[0] + RADIUS, CENTRE[1])
    li = _li_mask(img, background, start, 30.0)
    m = detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                     background=crack_background(background), li_mask=li)
    assert m is None or m.path[0][0] > start[0] + 25.0

