"""The contacting needle is found by its shape, against drawn truth.

The needle is a straight wedge entering from the image edge and ending on the
electrode (its tip). Known geometry is drawn into a mask: the tip must be found
within a couple of pixels (the wedge's last pixel row), also when a grain as
bright as the needle touches it where it enters (the region is then far from
convex), while a ragged region of the same extent is not a needle.
"""
import cv2
import numpy as np

from vision.measure._electrode import find_electrode
from vision.measure._needle import NEEDLE_MIN_TAPER, _entry_chord, _needle_tip, _width_taper

H, W = 600, 800
TIP = (420, 250)          # x, y px: the needle's tip
ENTRY = ((0, 380), (0, 460))   # the wedge's base on the left edge


def _wedge():
    mask = np.zeros((H, W), np.uint8)
    cv2.fillPoly(mask, [np.array([ENTRY[0], TIP, ENTRY[1]], np.int32)], 1)
    return mask


def _tip(mask):
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    lab = 1 + int(np.argmax(stats[1:, 4]))
    x0, y0, bw, bh, area = (int(v) for v in stats[lab])
    return _needle_tip(labels[y0:y0 + bh, x0:x0 + bw] == lab, x0, y0, (H, W), area)


def test_needle_tip_of_a_wedge():
    got = _tip(_wedge())
    assert got is not None
    assert np.hypot(got[0] - TIP[0], got[1] - TIP[1]) <= 2.0


def test_needle_tip_with_a_grain_attached_at_its_entry():
    mask = _wedge()
    # a bright polygonal grain on the edge, touching the wedge's base: solidity drops below 0.6
    cv2.fillPoly(mask, [np.array([(0, 455), (190, 430), (210, 560), (0, 530)], np.int32)], 1)
    got = _tip(mask)
    assert got is not None
    assert np.hypot(got[0] - TIP[0], got[1] - TIP[1]) <= 2.0


def _taper(mask):
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    lab = 1 + int(np.argmax(stats[1:, 4]))
    x0, y0, bw, bh, area = (int(v) for v in stats[lab])
    comp = labels[y0:y0 + bh, x0:x0 + bw] == lab
    tip = _needle_tip(comp, x0, y0, (H, W), area)
    xs, ys, edge, _ = _entry_chord(comp, x0, y0, (H, W))
    return _width_taper(xs, ys, edge, tip[:2])


def test_one_width_profile_tells_a_wedge_a_line_and_a_wedge_ending_on_a_disc():
    # a wedge (base 80 px, tip 0) narrows all the way to its free tip
    narrowing, to_tip = _taper(_wedge())
    assert narrowing >= NEEDLE_MIN_TAPER and to_tip >= NEEDLE_MIN_TAPER
    # a line of constant width (a counter electrode's bright boundary) does not narrow
    line = np.zeros((H, W), np.uint8)
    cv2.line(line, (0, 420), (500, 250), 1, thickness=12)
    narrowing, _ = _taper(line)
    assert narrowing < NEEDLE_MIN_TAPER
    # the wedge merged with a 40 px disc at its tip (of the needle's grey level) narrows, but
    # widens again at its tip: the disc there is a region of its own, no rim to search for
    merged = _wedge()
    cv2.circle(merged, TIP, 40, 1, -1)
    narrowing, to_tip = _taper(merged)
    assert narrowing >= NEEDLE_MIN_TAPER and to_tip < NEEDLE_MIN_TAPER


def test_ragged_region_is_no_needle():
    # the wedge's extent crossed by gaps (thresholded texture), held together by a strip along
    # its lower side: far from convex, and its entry-to-tip line runs through the gaps
    mask = _wedge()
    for x in range(40, 400, 40):
        mask[:, x:x + 25] = 0
    cv2.line(mask, ENTRY[1], TIP, 1, thickness=3)
    assert _tip(mask) is None


def _scene(grain_r=70.0):
    """A small dark electrode with a bright needle on its rim, and a large round dark grain."""
    rng = np.random.default_rng(3)
    img = 128.0 + rng.normal(0.0, 3.0, (H, W))
    yy, xx = np.mgrid[:H, :W]
    electrode = (300.0, 350.0, 13.0)
    img[np.hypot(xx - 600, yy - 200) <= grain_r] = 60.0
    img[np.hypot(xx - electrode[0], yy - electrode[1]) <= electrode[2]] = 60.0
    wedge = np.zeros((H, W), np.uint8)
    tip = (int(electrode[0] - electrode[2] - 3), int(electrode[1]))
    cv2.fillPoly(wedge, [np.array([(0, 320), tip, (0, 380)], np.int32)], 1)
    img[wedge > 0] = 200.0
    return cv2.GaussianBlur(img.astype(np.float32), (0, 0), 1.0), electrode


def test_the_disc_at_the_needle_tip_beats_a_larger_grain():
    # the size-weighted score favours the 70 px grain (5x the radius); the needle's tip rests
    # 3 px off the 13 px electrode's rim, which is as round and contrasted: it is the electrode
    img, (x, y, r) = _scene()
    e = find_electrode(img)
    assert np.hypot(e.x_px - x, e.y_px - y) <= max(3.0, 0.2 * r)
    assert abs(e.radius_px - r) <= 0.2 * r


def test_without_a_needle_the_largest_disc_still_wins():
    # the needle only decides between discs; with the wedge gone the grain is the best disc
    img, _ = _scene()
    img[:, :150] = np.float32(128.0)
    e = find_electrode(img)
    assert np.hypot(e.x_px - 600, e.y_px - 200) <= 3.0


def test_an_electrode_seen_only_by_its_rim_at_the_needle_tip():
    # the disc as grey as the ceramic (a little darker), only its bright rim ring shows; the
    # needle's tip rests over it. The large dark grain is a filled disc, the electrode a ring
    rng = np.random.default_rng(5)
    img = 128.0 + rng.normal(0.0, 3.0, (H, W))
    yy, xx = np.mgrid[:H, :W]
    x, y, r = 300.0, 350.0, 16.0
    d = np.hypot(xx - x, yy - y)
    # an LLZO grain is an irregular polygon: large and dark, but no closed circle
    ang = np.arange(6) * np.pi / 3 + np.array([0.0, 0.2, -0.1, 0.15, 0.0, -0.2])
    rad = np.array([70.0, 58.0, 75.0, 62.0, 72.0, 55.0])
    poly = np.column_stack([600 + rad * np.cos(ang), 200 + rad * np.sin(ang)]).astype(np.int32)
    grain = np.zeros((H, W), np.uint8)
    cv2.fillPoly(grain, [poly], 1)
    img[grain > 0] = 60.0
    img[d <= r] = 122.0
    img[(d > r - 2) & (d <= r + 2)] = 190.0
    wedge = np.zeros((H, W), np.uint8)
    cv2.fillPoly(wedge, [np.array([(0, 320), (int(x - 6), int(y)), (0, 380)], np.int32)], 1)
    img[wedge > 0] = 200.0
    e = find_electrode(cv2.GaussianBlur(img.astype(np.float32), (0, 0), 1.0))
    assert np.hypot(e.x_px - x, e.y_px - y) <= max(3.0, 0.2 * r)
    assert abs(e.radius_px - r) <= 0.2 * r
    assert e.polarity == "dark"


def test_an_electrode_as_bright_as_the_needle_whose_base_is_wider():
    # a bright electrode merged with the bright needle (one region): the needle's base at the
    # image edge is wider than the disc, so the region's largest inscribed circle lies in the
    # base (check seeds 7010, 7042). The disc is the largest inscribed circle at the needle's tip
    rng = np.random.default_rng(7)
    img = 100.0 + rng.normal(0.0, 3.0, (H, W))
    yy, xx = np.mgrid[:H, :W]
    x, y, r = 420.0, 250.0, 30.0
    img[np.hypot(xx - x, yy - y) <= r] = 190.0
    wedge = np.zeros((H, W), np.uint8)
    cv2.fillPoly(wedge, [np.array([(0, 160), (int(x), int(y)), (0, 300)], np.int32)], 1)
    img[wedge > 0] = 190.0
    e = find_electrode(cv2.GaussianBlur(img.astype(np.float32), (0, 0), 1.0))
    assert np.hypot(e.x_px - x, e.y_px - y) <= max(3.0, 0.2 * r)
    assert abs(e.radius_px - r) <= 0.2 * r
    assert e.polarity == "bright"


def test_a_needle_entering_at_a_corner_onto_an_electrode_at_the_far_edge():
    # the needle's base spans the bottom-left corner (its contact along the two sides is longer
    # than its base); its tip rests on a dark electrode cut by the top edge and meets that edge
    # beside it, so the needle's region meets the image edge twice (check seed 7055). It enters
    # where its base is: the tip is at the top, on the electrode, which beats a larger grain
    rng = np.random.default_rng(11)
    img = 150.0 + rng.normal(0.0, 3.0, (H, W))
    yy, xx = np.mgrid[:H, :W]
    x, y, r = 345.0, 6.0, 16.0
    img[np.hypot(xx - 600, yy - 350) <= 50.0] = 60.0
    img[np.hypot(xx - x, yy - y) <= r] = 60.0
    wedge = np.zeros((H, W), np.uint8)
    # contact 240 px along the two sides (more than 0.3 of the 600 px side), chord 170 px
    cv2.fillPoly(wedge, [np.array([(0, H - 1 - 120), (326, 0), (120, H - 1), (0, H - 1)],
                                  np.int32)], 1)
    img[wedge > 0] = 230.0
    e = find_electrode(cv2.GaussianBlur(img.astype(np.float32), (0, 0), 1.0))
    assert np.hypot(e.x_px - x, e.y_px - y) <= max(3.0, 0.2 * r)
    assert abs(e.radius_px - r) <= 0.2 * r
