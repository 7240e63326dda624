"""Whisker fits against a known truth: clipped rims, rods cut short, linking of fast rods."""
import math
import types

import cv2
import numpy as np
import pytest

from vision import WhiskerObs
from vision.measure._whiskers import WhiskerLinker, find_whiskers, refine_tip
from vision.track._tracker import _Tracker

ROWS, COLS = 80, 200


def _rod_image(*, x0=10.0, x1=150.0, y=40.0, width=10.0, ceramic=180.0, li=20.0, rim_gain=600.0):
    """A horizontal rod (x0..x1, ``width`` px) on flat ceramic, blurred, with an edge rim.

    The rim is the gradient magnitude of the blurred coverage times ``rim_gain``: at the
    default it peaks above 255 and is clipped by the 8-bit image, as a strong SEM edge
    brightening is.
    """
    s = 8
    big = np.zeros((ROWS * s, COLS * s), np.uint8)
    p0 = (int(round(((x0 + 0.5) * s - 0.5) * 16)), int(round(((y - width / 2 + 0.5) * s - 0.5) * 16)))
    p1 = (int(round(((x1 + 0.5) * s - 0.5) * 16)), int(round(((y + width / 2 + 0.5) * s - 0.5) * 16)))
    cv2.rectangle(big, p0, p1, 255, -1, cv2.LINE_8, 4)
    cov = cv2.resize(big, (COLS, ROWS), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    cov = cv2.GaussianBlur(cov, (0, 0), 0.8)
    gx = cv2.Sobel(cov, cv2.CV_32F, 1, 0) / 8
    gy = cv2.Sobel(cov, cv2.CV_32F, 0, 1) / 8
    img = ceramic * (1 - cov) + li * cov + rim_gain * np.hypot(gx, gy)
    return np.clip(img, 0, 255).astype(np.float32), np.full((ROWS, COLS), ceramic, np.float32)


def test_newly_clipped_rims_keep_their_change_and_the_tip_stays_unbiased():
    # the rim at the rod's end clips at 255. The tracker zeroes clipped pixels (grown by its
    # 3 px kernel) in the change image; the whisker fits get them back when the background
    # was not clipped there, and the edge model then finds the true end (the rectangle's side
    # at x = 150, to the supersampling's 1/8 px) within the 0.5 px length target; on the
    # zeroed image it lands 1.5 px short (the inner side of the clipped rim)
    img, bg = _rod_image()
    sat = (img >= 254.5) | (img <= 0.5)
    assert sat.any(), "the test rod must clip"
    sat = cv2.dilate(sat.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    raw = bg - img
    zeroed = raw.copy()
    zeroed[sat] = 0.0
    tracker = types.SimpleNamespace(bg_sat=np.zeros_like(sat))
    wdiff = _Tracker._whisker_diff(tracker, zeroed, _Tracker._newly_clipped(tracker, raw, sat))
    assert np.array_equal(wdiff[sat], raw[sat]) and np.array_equal(wdiff[~sat], zeroed[~sat])
    # the pixel-level tip of a mask that includes the rim: 1.5 px beyond the end
    true_len = 150.0 - 10.0
    w = WhiskerObs(-1, (10.0, 40.0), (10.0 + true_len + 1.5, 40.0), true_len + 1.5, 12.0, (1.0, 0.0))
    assert refine_tip(wdiff, w).length_px == pytest.approx(true_len, abs=0.5)
    assert refine_tip(zeroed, w).length_px < true_len - 1.0
    # a pixel clipped in the background too (the needle) stays out
    tracker = types.SimpleNamespace(bg_sat=sat.copy())
    assert _Tracker._newly_clipped(tracker, raw, sat) is None
    assert np.array_equal(_Tracker._whisker_diff(tracker, zeroed, None), zeroed)


def test_linker_keeps_the_id_of_a_fast_rod_and_separates_neighbours():
    # a rod growing 40 px per scan (more than the 30 px search range) keeps its id; a second
    # rod from a root 12 px away, 60 deg off, keeps another id; the order does not matter
    linker = WhiskerLinker(search_range_px=30)
    ids = []
    for k in range(6):
        n = 10.0 + 40.0 * k
        a = np.radians(60.0)
        obs = [WhiskerObs(-1, (50.0, 40.0), (50.0 + n, 40.0), n, 8.0, (1.0, 0.0)),
               WhiskerObs(-1, (50.0, 52.0), (50.0 + 0.5 * n * np.cos(a), 52.0 + 0.5 * n * np.sin(a)),
                          0.5 * n, 8.0, (float(np.cos(a)), float(np.sin(a))))]
        if k % 2:
            obs = obs[::-1]
        got = {w.base_xy_px[1] < 45: w.whisker_id for w in linker.link(obs)}
        ids.append((got[True], got[False]))
    assert len(set(ids)) == 1 and ids[0][0] != ids[0][1]


def test_follow_rod_reaches_the_end_of_a_rod_the_mask_cut_short():
    # a rod 6 px wide from x = 20 to x = 140 (change +40 on noise of sigma 8) whose mask ends
    # at x = 60: follow_rod moves the tip to the rod's end (within 1.5 px: refine_tip's edge
    # fit then has it well inside its +-6 px search)
    from vision.measure._whiskers import follow_rod

    rng = np.random.default_rng(3)
    diff = rng.normal(0.0, 8.0, (60, 180)).astype(np.float32)
    diff[27:33, 20:141] += 40.0     # pixels 20..140: the rod spans x = 19.5..140.5
    w = WhiskerObs(-1, (19.5, 30.0), (60.0, 30.0), 40.5, 6.0, (1.0, 0.0))
    got = follow_rod(diff, w)
    assert got.length_px == pytest.approx(121.0, abs=1.5)
    assert got.tip_xy_px[1] == pytest.approx(30.0)
    # and refine_tip then puts the tip on the end within the 0.5 px target
    assert refine_tip(diff, got).length_px == pytest.approx(121.0, abs=0.5)
    # never into other lithium on the axis
    other = np.zeros(diff.shape, bool)
    other[20:40, 100:110] = True
    assert follow_rod(diff, w, other_li=other).tip_xy_px[0] < 100
    # a rod that ends where its mask ends stays as it is
    quiet = rng.normal(0.0, 8.0, diff.shape).astype(np.float32)
    quiet[27:33, 20:61] += 40.0
    assert follow_rod(quiet, w) == w
    # a broad change beyond the mask (a brightness step over the whole field) is not a rod
    broad = quiet.copy()
    broad[:, 61:] += 40.0
    assert follow_rod(broad, w) == w


def _disc_with_rods(rods, *, shape=(200, 260), centre=(60.0, 100.0), radius=30.0):
    """Lithium mask: the electrode disc and rods (angle deg, length px, width px) from the rim.

    Each rod starts on the rim at the angle of the first rod (one root) unless it gives
    its own root angle as a fourth value.
    """
    li = np.zeros(shape, np.uint8)
    cx, cy = centre
    cv2.circle(li, (int(cx), int(cy)), int(radius), 1, -1)
    root = math.radians(rods[0][0])
    for rod in rods:
        ang, length, width = rod[:3]
        a0 = math.radians(rod[3]) if len(rod) > 3 else root
        bx, by = cx + radius * math.cos(a0), cy + radius * math.sin(a0)
        a = math.radians(ang)
        tx, ty = bx + length * math.cos(a), by + length * math.sin(a)
        cv2.line(li, (int(round(bx)), int(round(by))), (int(round(tx)), int(round(ty))), 1,
                 int(round(width)))
    return li > 0


def test_two_rods_from_one_root_are_two_whiskers():
    # a "V": 5 px rods 30 deg apart from one spot of the rim (check seed 7080 had 4 and 3 px
    # rods 31 deg apart, never found as whiskers); each is found with its own direction
    li = _disc_with_rods([(15.0, 120.0, 5.0), (45.0, 110.0, 5.0)])
    found, mask = find_whiskers(li, electrode_xy_px=(60.0, 100.0), electrode_radius_px=30.0)
    angles = sorted(math.degrees(math.atan2(w.direction_xy[1], w.direction_xy[0])) for w in found)
    assert len(found) == 2, angles
    assert angles == [pytest.approx(15.0, abs=4.0), pytest.approx(45.0, abs=4.0)]
    # (cv2.line's round caps add half a width at the tip)
    assert sorted(w.length_px for w in found) == [pytest.approx(112.5, abs=3.0),
                                                  pytest.approx(122.5, abs=3.0)]
    # one rod alone stays one whisker, measured as before
    one, _ = find_whiskers(_disc_with_rods([(15.0, 120.0, 5.0)]), electrode_xy_px=(60.0, 100.0),
                           electrode_radius_px=30.0)
    assert len(one) == 1 and one[0].length_px == pytest.approx(122.5, abs=2.0)
