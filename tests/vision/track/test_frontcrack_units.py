"""Lateral front, crack and shape descriptors on small arrays with known geometry.

Images are non-square (rows != cols) so swapped axes fail. Points are (x, y).
"""
import math

import cv2
import numpy as np
import pytest

from calibration import InputError
from vision import (
    CounterElectrode,
    FrontCrackState,
    box_counting_dimension,
    count_branches,
    crack_background,
    detect_crack,
    measure_front,
    parse_counter_electrode,
)

SHAPE = (200, 320)          # rows, cols
CENTRE = (70.0, 104.0)      # electrode (x, y)
RADIUS = 25.0
SS = 4                      # supersampling of the drawings


def _disc_mask(shape, xy, r):
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    return (xx - xy[0]) ** 2 + (yy - xy[1]) ** 2 <= r * r


def _draw_lines(shape, segments, *, value=255):
    """Anti-aliased coverage (0..1) of round-capped thick segments ((x0, y0, x1, y1, width))."""
    canvas = np.zeros((shape[0] * SS, shape[1] * SS), np.uint8)
    for x0, y0, x1, y1, w in segments:
        p0 = (int(round(((x0 + 0.5) * SS - 0.5) * 16)), int(round(((y0 + 0.5) * SS - 0.5) * 16)))
        p1 = (int(round(((x1 + 0.5) * SS - 0.5) * 16)), int(round(((y1 + 0.5) * SS - 0.5) * 16)))
        cv2.line(canvas, p0, p1, value, max(1, int(round(w * SS))), cv2.LINE_8, 4)
    return cv2.resize(canvas, (shape[1], shape[0]), interpolation=cv2.INTER_AREA) / 255.0


def _random_tree(rng, *, n_trunks=3, step=4.0, length=150.0, counter_x=None):
    """A DLA-like branched front: seeded random walks from the rim with side branches.

    Returns segments (x0, y0, x1, y1, width) and the furthest centre-line
    distance from the electrode centre.
    """
    cx, cy = CENTRE
    segs = []
    stack = []
    for a in np.linspace(-0.7, 0.7, n_trunks) + rng.normal(0, 0.1, n_trunks):
        stack.append((cx + RADIUS * math.cos(a), cy + RADIUS * math.sin(a), a, 4.0, length))
    while stack:
        x, y, h, w, todo = stack.pop()
        while todo > 0:
            h += rng.normal(0, 0.35) - 0.15 * math.sin(h)
            nx, ny = x + step * math.cos(h), y + step * math.sin(h)
            if not (6 <= nx < SHAPE[1] - 6 and 6 <= ny < SHAPE[0] - 6):
                break
            if math.hypot(nx - cx, ny - cy) < RADIUS + 2:
                break
            if counter_x is not None and nx >= counter_x:
                break
            segs.append((x, y, nx, ny, w))
            x, y, todo = nx, ny, todo - step
            if w > 2.0 and rng.random() < 0.12:
                stack.append((x, y, h + rng.choice((-1, 1)) * rng.uniform(0.5, 1.0),
                              max(1.6, 0.65 * w), rng.uniform(15, 40)))
    arr = np.array(segs)
    d = np.hypot(np.r_[arr[:, 0], arr[:, 2]] - cx, np.r_[arr[:, 1], arr[:, 3]] - cy)
    return segs, float(d.max())


# -- counter electrode ------------------------------------------------------
def test_parse_counter_electrode_forms():
    assert parse_counter_electrode("right", SHAPE) == CounterElectrode(side="right")
    ce = parse_counter_electrode(" Right:300 ", SHAPE)
    assert ce.side == "right" and ce.boundary_px == 300.0
    ce = parse_counter_electrode("250,40", SHAPE)
    assert ce.point == (250.0, 40.0) and ce.radius_px == 0.0
    assert parse_counter_electrode("250,40,12", SHAPE).radius_px == 12.0
    assert CounterElectrode(side="right").boundary(SHAPE) == SHAPE[1] - 1
    assert CounterElectrode(side="bottom").boundary(SHAPE) == SHAPE[0] - 1


@pytest.mark.parametrize("text, match", [
    ("north", "cannot read counter electrode"),
    ("right:900", "outside the image"),
    ("400,10", "outside the 320x200 image"),
    ("1,2,3,4", "cannot read"),
])
def test_parse_counter_electrode_errors(text, match):
    with pytest.raises(InputError, match=match):
        parse_counter_electrode(text, SHAPE)


def test_counter_electrode_validation():
    with pytest.raises(ValueError, match="exactly one of side"):
        CounterElectrode()
    with pytest.raises(ValueError, match="exactly one of side"):
        CounterElectrode(side="left", point=(1, 2))
    with pytest.raises(ValueError, match="must be one of"):
        CounterElectrode(side="up")
    with pytest.raises(ValueError, match="boundary_px goes with side"):
        CounterElectrode(point=(1, 2), boundary_px=3)


def test_counter_region_and_direction():
    ce = CounterElectrode(side="bottom", boundary_px=150.2)
    m = ce.region_mask(SHAPE)
    assert not m[150].any() and m[151].all() and m[-1].all()
    assert ce.direction((0, 0)) == (0.0, 1.0)
    p = CounterElectrode(point=(70.0, 4.0), radius_px=2.0)
    assert p.direction(CENTRE) == pytest.approx((0.0, -1.0))
    assert p.region_mask(SHAPE).sum() == 13  # pixels within 2 px of a pixel centre


# -- box counting and branches ----------------------------------------------
def test_box_counting_known_shapes():
    square = np.zeros((150, 260), bool)
    square[10:138, 20:148] = True
    line = np.zeros((150, 260), bool)
    line[70, 3:259] = True
    carpet = np.ones((1, 1), bool)
    for _ in range(5):  # Sierpinski carpet, 243 px, dimension log 8 / log 3
        z = np.zeros_like(carpet)
        carpet = np.block([[carpet, carpet, carpet], [carpet, z, carpet], [carpet, carpet, carpet]])
    d_sq = box_counting_dimension(square)
    d_line = box_counting_dimension(line)
    d_carpet = box_counting_dimension(carpet)
    assert abs(d_sq - 2.0) < 0.05, f"filled square: {d_sq:.3f}"
    assert abs(d_line - 1.0) < 0.05, f"line: {d_line:.3f}"
    assert abs(d_carpet - math.log(8) / math.log(3)) < 0.08, f"Sierpinski carpet: {d_carpet:.3f}"
    assert math.isnan(box_counting_dimension(square[:5, :5]))
    with pytest.raises(ValueError, match="power of two"):
        box_counting_dimension(square, min_box_px=3)


def test_count_branches_prunes_spurs():
    star = np.zeros((160, 230), np.uint8)
    c = (110, 80)
    for ang in (0, 120, 240):
        a = math.radians(ang)
        cv2.line(star, c, (int(c[0] + 60 * math.cos(a)), int(c[1] + 60 * math.sin(a))), 1, 5)
    # two short bumps (outline roughness), not branches
    star[78:83, 140:143] = 1
    star[60:63, 108:113] = 1
    n, tips = count_branches(star.astype(bool))
    assert n == 3, f"found {n} branches at {tips.tolist()}"
    far = {tuple(np.round(t)) for t in tips}
    assert any(abs(x - 170) <= 3 and abs(y - 80) <= 3 for x, y in far), far
    ignore = np.zeros(star.shape, bool)
    ignore[:, 160:] = True
    assert count_branches(star.astype(bool), ignore_mask=ignore)[0] == 2


# -- lateral front ----------------------------------------------------------
def test_front_random_tree_reach_and_fractal():
    rng = np.random.default_rng(7)
    segs, truth = _random_tree(rng)
    cov = _draw_lines(SHAPE, segs)
    li = (cov >= 0.5) | _disc_mask(SHAPE, CENTRE, RADIUS)
    m = measure_front(li, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                      counter_electrode=CounterElectrode(side="right"))
    assert abs(m.max_distance_px - truth) < 2.0, \
        f"reach {m.max_distance_px:.2f} px vs truth {truth:.2f} px"
    assert m.extent_px >= m.max_distance_px
    assert 1.1 < m.fractal_dimension < 1.9, f"fractal dimension {m.fractal_dimension:.2f}"
    assert m.n_branches >= 3
    assert not m.touching
    assert m.contour.shape[1] == 2 and len(m.contour) > 20
    # the contour encloses the front: its furthest point is about the extent
    far = np.hypot(m.contour[:, 0] - CENTRE[0], m.contour[:, 1] - CENTRE[1]).max()
    assert abs(far - m.extent_px) < 1.5


def test_front_thickened_segmentation_keeps_tip_centre():
    """A segmentation 2 px too thick (bright rims) moves the outline, not the reach."""
    rng = np.random.default_rng(3)
    segs, truth = _random_tree(rng)
    thick = [(x0, y0, x1, y1, w + 4.0) for x0, y0, x1, y1, w in segs]
    li = (_draw_lines(SHAPE, thick) >= 0.5) | _disc_mask(SHAPE, CENTRE, RADIUS)
    m = measure_front(li, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                      counter_electrode="right")
    assert abs(m.max_distance_px - truth) < 2.0, \
        f"reach {m.max_distance_px:.2f} px vs truth {truth:.2f} px (outline {m.extent_px:.1f})"
    assert m.extent_px - truth > 2.5


def test_front_projection_touching_and_counter_band():
    li = _disc_mask(SHAPE, CENTRE, RADIUS)
    rod = _draw_lines(SHAPE, [(CENTRE[0], CENTRE[1], 240.0, 110.0, 5.0)]) >= 0.5
    band = np.zeros(SHAPE, bool)
    band[:, 260:] = True        # the counter electrode is lithium too
    ce = CounterElectrode(side="right", boundary_px=260.0)
    m = measure_front(li | rod | band, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                      counter_electrode=ce)
    assert not m.touching
    assert m.projected_px == pytest.approx(240.0 - CENTRE[0], abs=1.0)
    assert m.front_xy_px[0] == pytest.approx(240.0, abs=1.0)
    assert m.area_px < 1000, "the counter electrode band must not count as front"
    # grow the rod into the counter electrode
    rod2 = _draw_lines(SHAPE, [(CENTRE[0], CENTRE[1], 275.0, 110.0, 5.0)]) >= 0.5
    m2 = measure_front(li | rod2 | band, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                       counter_electrode=ce)
    assert m2.touching
    # a point counter electrode above the electrode: projection is along -y
    up = _draw_lines(SHAPE, [(CENTRE[0], CENTRE[1], CENTRE[0], 20.0, 4.0)]) >= 0.5
    m3 = measure_front(li | up, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                       counter_electrode="70,8,4")
    assert m3.projected_px == pytest.approx(CENTRE[1] - 20.0, abs=1.0)
    assert not m3.touching


def test_front_excludes_whiskers_needle_and_disconnected():
    disc = _disc_mask(SHAPE, CENTRE, RADIUS)
    whisker = _draw_lines(SHAPE, [(CENTRE[0], CENTRE[1], 200.0, 20.0, 6.0)]) >= 0.5
    island = np.zeros(SHAPE, bool)
    island[150:170, 250:290] = True
    ex = cv2.dilate(whisker.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    m = measure_front(disc | whisker | island, electrode_xy_px=CENTRE,
                      electrode_radius_px=RADIUS, counter_electrode="right", exclude_mask=ex)
    assert not m.present and m.area_px == 0 and math.isnan(m.max_distance_px)
    assert m.n_branches == 0 and not m.touching
    # without the exclusion the whisker would be the front
    m2 = measure_front(disc | whisker, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                       counter_electrode="right")
    assert m2.present and m2.max_distance_px > 100


def test_front_input_errors():
    li = np.zeros(SHAPE, bool)
    with pytest.raises(ValueError, match="2-D"):
        measure_front(np.zeros((3, 4, 5)), electrode_xy_px=CENTRE, electrode_radius_px=5,
                      counter_electrode="right")
    with pytest.raises(ValueError, match="same frame"):
        measure_front(li, electrode_xy_px=CENTRE, electrode_radius_px=5,
                      counter_electrode="right", exclude_mask=np.zeros((5, 5), bool))
    with pytest.raises(ValueError, match="outside"):
        measure_front(li, electrode_xy_px=(-100, 5), electrode_radius_px=5,
                      counter_electrode="right")
    with pytest.raises(ValueError, match="counter_electrode must be"):
        measure_front(li, electrode_xy_px=CENTRE, electrode_radius_px=5, counter_electrode=3)


# -- crack ------------------------------------------------------------------
def _grain_background(rng, shape, n=30):
    seeds = rng.uniform((0, 0), (shape[1], shape[0]), (n, 2))
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    d = np.stack([np.hypot(xx - sx, yy - sy) for sx, sy in seeds])
    s = np.sort(d, axis=0)
    level = rng.uniform(100, 140, n)[d.argmin(0)]
    return level - 30.0 * np.exp(-0.5 * ((s[1] - s[0]) / 1.0) ** 2)


def _crack_path(rng, length, angle=0.3, step=3.0):
    a = angle
    pts = [np.array(CENTRE) + RADIUS * np.array([math.cos(angle), math.sin(angle)])]
    done = 0.0
    while done < length:
        a += rng.normal(0, 0.15) - 0.2 * (a - angle)
        st = min(step, length - done)
        pts.append(pts[-1] + st * np.array([math.cos(a), math.sin(a)]))
        done += st
    return np.array(pts)


def _frame(bg, rng, *, path=None, gain=1.0, shift=(0.0, 0.0), noise=5.0):
    img = bg.astype(np.float32)
    if shift != (0.0, 0.0):
        m = np.float32([[1, 0, shift[0]], [0, 1, shift[1]]])
        img = cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), flags=cv2.INTER_CUBIC,
                             borderMode=cv2.BORDER_REFLECT)
    if path is not None:
        segs = [(a[0], a[1], b[0], b[1], 2.0) for a, b in zip(path[:-1], path[1:])]
        img = img * (1 - 0.55 * _draw_lines(img.shape, segs))
    img[_disc_mask(img.shape, CENTRE, RADIUS)] = 60.0
    return img * gain + rng.normal(0, noise, img.shape)


def test_crack_length_tip_and_grain_boundaries():
    rng = np.random.default_rng(11)
    bg = _grain_background(rng, SHAPE)
    background = np.mean([_frame(bg, rng) for _ in range(4)], axis=0)
    prepared = crack_background(background)
    errs, tips = [], []
    for k in range(4):
        path = _crack_path(rng, rng.uniform(60, 150), angle=rng.uniform(-0.6, 0.6))
        truth = float(np.hypot(*np.diff(path, axis=0).T).sum())
        img = _frame(bg, rng, path=path, gain=rng.uniform(0.8, 1.2), shift=(0.3, -0.2))
        m = detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                         background=prepared)
        assert m is not None, f"crack {k} of {truth:.0f} px not found"
        errs.append(m.path_length_px / truth - 1)
        tips.append(float(np.hypot(*(np.array(m.tip_xy_px) - path[-1]))))
        assert np.hypot(*(m.path[0] - path[0])) < 3.0, "the path must start at the rim"
    errs = np.abs(errs) * 100
    assert errs.max() < 5.0, f"path length errors {np.round(errs, 1)} % (limit 5 %)"
    assert max(tips) < 3.0, f"tip errors {np.round(tips, 2)} px (limit 3 px)"


def test_no_crack_on_static_grain_boundaries_and_noise():
    rng = np.random.default_rng(5)
    bg = _grain_background(rng, SHAPE)
    background = np.mean([_frame(bg, rng) for _ in range(4)], axis=0)
    for gain, shift in ((1.0, (0.0, 0.0)), (1.2, (0.4, 0.3)), (0.8, (-0.5, 0.2))):
        img = _frame(bg, rng, gain=gain, shift=shift)
        assert detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                            background=background) is None
    # without the background model the grain boundaries touching the rim are lines
    assert detect_crack(_frame(bg, rng), electrode_xy_px=CENTRE,
                        electrode_radius_px=RADIUS) is not None


def test_crack_ignores_thick_lithium_and_excluded():
    rng = np.random.default_rng(2)
    bg = np.full(SHAPE, 120.0)
    path = _crack_path(rng, 100.0, angle=0.0)
    img = _frame(bg, rng, path=path)
    # lithium thicker than the one default THICK_LI_PX (13 px, the pipeline's value) is lateral
    thick = _draw_lines(SHAPE, [(a[0], a[1], b[0], b[1], 17.0) for a, b in zip(path[:-1], path[1:])])
    m = detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS, background=bg,
                     li_mask=thick > 0.5)
    assert m is None
    m = detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS, background=bg,
                     exclude_mask=thick > 0.5)
    assert m is None
    m = detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS, background=bg)
    assert m is not None and m.path_length_px > 90


def test_crack_roi_grows_to_the_whole_crack():
    rng = np.random.default_rng(11)
    bg = _grain_background(rng, SHAPE)
    prepared = crack_background(np.mean([_frame(bg, rng) for _ in range(4)], axis=0))
    path = _crack_path(rng, 170.0, angle=0.1)
    truth = float(np.hypot(*np.diff(path, axis=0).T).sum())
    img = _frame(bg, rng, path=path, gain=1.1, shift=(0.3, -0.2))
    full = detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS, background=prepared)
    # a box around the electrode only: the crack leaves it and the box must follow
    box = (int(CENTRE[0] - RADIUS - 10), int(CENTRE[1] - RADIUS - 10),
           int(CENTRE[0] + RADIUS + 11), int(CENTRE[1] + RADIUS + 11))
    part = detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS, background=prepared,
                        roi=box)
    assert full is not None and part is not None
    assert part.path_length_px == pytest.approx(truth, rel=0.05), \
        f"roi: {part.path_length_px:.1f} px, truth {truth:.1f} px, whole frame {full.path_length_px:.1f} px"
    assert np.hypot(*(np.array(part.tip_xy_px) - path[-1])) < 3.0
    assert part.path_length_px == pytest.approx(full.path_length_px, abs=2.0)
    with pytest.raises(ValueError, match="roi"):
        detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS, roi=(0, 0, 4, 300))


def test_crack_scan_lines_are_not_branches():
    rng = np.random.default_rng(4)
    bg = np.full(SHAPE, 120.0)
    path = _crack_path(rng, 100.0, angle=0.0)
    img = _frame(bg, rng, path=path, noise=2.0)
    truth = float(np.hypot(*np.diff(path, axis=0).T).sum())
    # a dark row through the middle of the crack: a straight horizontal line 60 px long
    row = int(round(path[len(path) // 2, 1])) - 3
    img[row, :] -= 12.0
    m = detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS, background=bg)
    assert m is not None and m.path_length_px == pytest.approx(truth, rel=0.05), \
        f"{None if m is None else round(m.path_length_px, 1)} px vs truth {truth:.1f} px"
    assert np.hypot(*(np.array(m.tip_xy_px) - path[-1])) < 3.0


def test_crack_input_errors():
    img = np.zeros(SHAPE)
    with pytest.raises(ValueError, match="colour"):
        detect_crack(np.zeros(SHAPE + (3,)), electrode_xy_px=CENTRE, electrode_radius_px=5)
    with pytest.raises(ValueError, match="same"):
        detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=5,
                     li_mask=np.zeros((4, 4), bool))
    with pytest.raises(ValueError, match="prepare it with the same settings"):
        detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=5,
                     background=crack_background(img, sigma_px=2.0))
    with pytest.raises(ValueError, match="finite"):
        detect_crack(img, electrode_xy_px=(math.nan, 3), electrode_radius_px=5)


# -- streaming events -------------------------------------------------------
class _F:
    def __init__(self, touching):
        self.touching = touching


class _C:
    def __init__(self, length, tip):
        self.path_length_px = length
        self.tip_xy_px = tip


def test_state_touchdown_initiation_and_speed():
    st = FrontCrackState(min_crack_length_px=10.0)
    seq = [  # frame, time, touching, crack length (None: no crack)
        (0, 0.0, False, None), (5, 0.5, False, 12.0),   # one-scan flash ...
        (10, 1.0, False, None),                          # ... gone: not an initiation
        (15, 1.5, False, 20.0), (20, 2.0, True, 35.0), (25, 2.5, True, 50.0),
    ]
    # (a two-scan flash would not be an initiation either: see test_state_two_scan_flash)
    ups = []
    for f, t, touch, length in seq:
        crack = None if length is None else _C(length, (100.0 + length, 50.0))
        ups.append(st.update(frame_index=f, time_s=t, front=_F(touch), crack=crack))
    assert st.touchdown_frame == 20 and ups[4].touchdown_now and not ups[5].touchdown_now
    assert st.crack_initiation_frame == 15 and st.crack_initiation_time_s == 1.5
    # the pipeline's rule: three consecutive scans (15, 20, 25); initiation is the first
    assert ups[5].crack_confirmed_now and not ups[4].crack_confirmed_now and not ups[3].crack_confirmed_now
    assert ups[4].crack_tip_speed_px_s == pytest.approx(30.0)
    assert ups[5].crack_growth_rate_px_s == pytest.approx(30.0)
    assert math.isnan(ups[3].crack_tip_speed_px_s)
    with pytest.raises(ValueError, match="must increase"):
        st.update(frame_index=30, time_s=2.5)


def test_state_two_scan_flash_is_not_an_initiation():
    """FrontCrackState and the tracker share one rule (CRACK_CONFIRM_SCANS = 3 scans)."""
    from vision.track._frontcrack import CRACK_CONFIRM_SCANS, confirmed_scans
    assert CRACK_CONFIRM_SCANS == 3
    st = FrontCrackState(min_crack_length_px=10.0)
    lengths = [None, 12.0, 15.0, None, 20.0, 25.0, 30.0]
    for k, length in enumerate(lengths):
        crack = None if length is None else _C(length, (100.0, 50.0))
        st.update(frame_index=k, time_s=float(k), front=None, crack=crack)
    assert st.crack_initiation_frame == 4
    has = [length is not None for length in lengths]
    assert int(np.argmax(confirmed_scans(has))) == 4


def test_branching_line_network_is_not_one_crack():
    # a crack is one thin path (network about as long as its path); the 1-2 px branches of
    # a lateral DLA front reach the line filter as a network several times its reach
    from vision.measure.crack._detect import BRANCHING_NETWORK_RATIO

    rng = np.random.default_rng(21)
    bg = _grain_background(rng, SHAPE)
    background = np.mean([_frame(bg, rng) for _ in range(4)], axis=0)
    prepared = crack_background(background)
    for k in range(3):
        path = _crack_path(rng, rng.uniform(80, 150), angle=rng.uniform(-0.6, 0.6))
        img = _frame(bg, rng, path=path)
        m = detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                         background=prepared)
        assert m is not None and not m.is_branching_cluster, \
            f"crack {k}: network ratio {m and m.network_ratio:.2f}"
        assert m.network_ratio < 1.3
    segs, _ = _random_tree(rng, n_trunks=3, length=150.0)
    img = bg.astype(np.float32) * (1 - 0.55 * _draw_lines(SHAPE, [s[:4] + (2.0,) for s in segs]))
    img[_disc_mask(img.shape, CENTRE, RADIUS)] = 60.0
    img = img + rng.normal(0, 5.0, img.shape)
    m = detect_crack(img, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                     background=prepared)
    assert m is not None
    assert m.is_branching_cluster, f"tree: network ratio {m.network_ratio:.2f} " \
                                   f"(>= {BRANCHING_NETWORK_RATIO} expected)"


def test_front_thin_mask_adds_reach_and_branches_not_area():
    # a thick stub from the rim, and a thin branch (found by the line filter) beyond it
    cx, cy = CENTRE
    li = _disc_mask(SHAPE, CENTRE, RADIUS)
    li[int(cy) - 3:int(cy) + 4, int(cx):int(cx + RADIUS + 20)] = True     # stub to x = cx+R+20
    thin = np.zeros(SHAPE, bool)
    thin[int(cy) - 1:int(cy) + 2, int(cx + RADIUS + 15):int(cx + RADIUS + 80)] = True
    plain = measure_front(li, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                          counter_electrode="right")
    with_thin = measure_front(li, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                              counter_electrode="right", thin_mask=thin)
    assert with_thin.max_distance_px > plain.max_distance_px + 50
    assert with_thin.area_px == plain.area_px
    with pytest.raises(ValueError, match="thin_mask"):
        measure_front(li, electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
                      counter_electrode="right", thin_mask=thin[:-1])


def _front_table(reach, *, dup_after=()):
    """A frame table of one row per scan (a duplicate after the scans in ``dup_after``)."""
    import pandas as pd
    rows = []
    for k, r in enumerate(reach):
        rows.append({"frame": len(rows), "is_duplicate": False, "skipped": False,
                     "front_distance_um": r, "front_projected_um": r})
        if k in dup_after:
            rows.append({"frame": len(rows), "is_duplicate": True, "skipped": False,
                         "front_distance_um": r, "front_projected_um": r})
    return pd.DataFrame(rows)


def test_bridge_restores_a_missed_branch_between_two_scans_that_saw_it():
    from vision.track._frontcrack import bridge_front_dropouts
    nan = math.nan
    # scan 3 lost the far branch (40 -> 12), scan 5 none at all; the front grows on
    reach = [5.0, 20.0, 40.0, 12.0, 45.0, nan, 60.0, 58.0]
    out = bridge_front_dropouts(_front_table(reach, dup_after={3}))
    got = out.loc[~out["is_duplicate"], "front_distance_um"].to_numpy()
    # the dip is raised to what both sides reached (40: min(max before, max after)),
    # its duplicate frame follows it; a scan without a front stays without one; a
    # slightly lower last scan is left as measured (nothing after it confirms more)
    np.testing.assert_array_equal(got, [5.0, 20.0, 40.0, 40.0, 45.0, nan, 60.0, 58.0])
    assert out.loc[out["is_duplicate"], "front_distance_um"].tolist() == [40.0]
    np.testing.assert_array_equal(out["front_projected_um"].to_numpy(),
                                  out["front_distance_um"].to_numpy())


def test_bridge_leaves_a_retreating_front_alone():
    from vision.track._frontcrack import bridge_front_dropouts
    # stripping: the front shrinks and never comes back -> nothing to bridge
    reach = [10.0, 30.0, 50.0, 40.0, 30.0, 20.0]
    out = bridge_front_dropouts(_front_table(reach))
    np.testing.assert_array_equal(out["front_distance_um"].to_numpy(), reach)
