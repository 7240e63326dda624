"""A needle entering obliquely across an image corner is still the needle (issue 11).

The needle's base is the bar's width where it enters, across its axis: a wedge running from
the corner almost along one side touches the two sides along a chord several times as long
(check tuning seed 8104: a 598 px wedge from the top-left corner touched them along a 273 px
chord, more than the 30 % of the shorter side a needle's contact may span, so no needle was
seen and a 30 px dark patch was taken for the 14 px electrode at its tip). Drawn geometry with
a known electrode; the tolerance is the one of the needle tests (a fifth of the radius, at
least 3 px: the disc at the tip, not the larger disc elsewhere).
"""
import cv2
import numpy as np
import pytest

from vision.measure._electrode import find_electrode
from vision.measure._needle import NEEDLE_MAX_CONTACT_FRAC, _base_across, _entry_chord

H, W = 600, 800


def _wedge(poly):
    mask = np.zeros((H, W), np.uint8)
    cv2.fillPoly(mask, [np.array(poly, np.int32)], 1)
    return mask > 0


def _scene(seed):
    """A small dark electrode at the tip of a bright wedge from the top-left corner that runs
    almost along the left side, and a larger round dark grain elsewhere."""
    rng = np.random.default_rng(seed)
    img = 128.0 + rng.normal(0.0, 3.0, (H, W))
    yy, xx = np.mgrid[:H, :W]
    x, y, r = 150.0 + 10 * seed, 520.0 - 10 * seed, 13.0 + seed
    img[np.hypot(xx - 560, yy - 250) <= 70.0] = 60.0
    img[np.hypot(xx - x, yy - y) <= r] = 60.0
    img[_wedge([(0, 0), (70, 0), (int(x - 0.5 * r), int(y - 0.8 * r)), (0, 260)])] = 200.0
    return cv2.GaussianBlur(img.astype(np.float32), (0, 0), 1.0), (x, y, r)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_a_needle_across_a_corner_marks_the_electrode_at_its_tip(seed):
    img, (x, y, r) = _scene(seed)
    e = find_electrode(img)
    assert np.hypot(e.x_px - x, e.y_px - y) <= max(3.0, 0.2 * r), (seed, e)
    assert abs(e.radius_px - r) <= max(3.0, 0.2 * r), (seed, e)


def _base_and_chord(poly):
    xs, ys, entry, chord = _entry_chord(_wedge(poly), 0, 0, (H, W))
    far = int(np.argmax((xs - xs[entry].mean()) ** 2 + (ys - ys[entry].mean()) ** 2))
    return _base_across(xs, ys, entry, (xs[far], ys[far])), chord


def test_base_across_the_axis():
    # a wedge straight in from the left edge: its base is its chord there, 81 px
    base, chord = _base_and_chord([(0, 380), (420, 420), (0, 460)])
    assert base == pytest.approx(81, abs=2) and chord == pytest.approx(81, abs=2)
    # the same wedge, oblique: its chord times the cosine of the axis' angle to the normal
    base, chord = _base_and_chord([(0, 380), (420, 250), (0, 460)])
    assert chord == pytest.approx(81, abs=2)
    assert base == pytest.approx(81 * np.cos(np.arctan2(170, 420)), abs=2)
    # a disc (radius 60 px) whose centre is 30 px inside the bottom edge: its far end is its
    # apex, and its base across the axis is its chord on the edge, 2 sqrt(60^2 - 30^2) px
    base, chord = _base_and_chord([(int(round(400 + 60 * np.cos(a))),
                                    int(round(H - 31 - 60 * np.sin(a))))
                                   for a in np.linspace(-np.pi / 6, 7 * np.pi / 6, 128)])
    assert chord == pytest.approx(2 * np.sqrt(60 ** 2 - 30 ** 2), abs=3)
    assert base == pytest.approx(chord, abs=1)
    # the wedge of the scene above, across the corner: a chord of 269 px along the two sides,
    # beyond a needle's contact, but a base of about 150 px across its axis, within it
    base, chord = _base_and_chord([(0, 0), (70, 0), (143, 509), (0, 260)])
    assert chord > NEEDLE_MAX_CONTACT_FRAC * min(H, W) >= base
    assert base == pytest.approx(150, abs=20)
