"""Wave 22 (issue 16): the crack link's short-gap rule (wave 21) on drawn pieces.

Across a gap shorter than ``LINK_TANGENT_PX`` (the stretch the directions are measured
over) a piece also continues the crack when it runs on in the direction of the crack's
end, whatever the direction of the gap between the two nearest pixels (set by where they
lie across the bands). Across a longer gap the gap's own direction is meaningful: a piece
parallel to the crack but beside it passes the crack's end, it does not continue it.
Drawn here as labelled bands (``link_pieces`` called directly, its other rules met: the
electrode centre far to the left, both pieces heading away from it). The scene tests of
``test_crack_link_short_gap_w21.py`` reach the rule through the whole detector; these
reach each of its terms.
"""
import cv2
import numpy as np

from vision.measure.crack._link import LINK_TANGENT_PX, link_pieces

SHAPE = (120, 200)  # rows != cols
CENTRE = (-100.0, 60.0)  # the electrode's centre (x, y), outside the image on the left


def _link(bands):
    """Draw bands (x0, x1, y0, y1) inclusive, label them; the first is the crack."""
    img = np.zeros(SHAPE, np.uint8)
    for x0, x1, y0, y1 in bands:
        img[y0:y1 + 1, x0:x1 + 1] = 1
    n, labels, stats, _ = cv2.connectedComponentsWithStats(img, connectivity=8)
    assert n == len(bands) + 1
    crack = labels[bands[0][2], bands[0][0]]
    piece = labels[bands[1][2], bands[1][0]]
    keep = np.zeros(n, bool)
    keep[crack] = True
    strong = np.ones(n, bool)
    yy, xx = np.mgrid[:SHAPE[0], :SHAPE[1]]
    r2 = (xx - CENTRE[0]) ** 2 + (yy - CENTRE[1]) ** 2
    out, bridges = link_pieces(labels, stats, keep, strong, r2.astype(float), 0.0)
    return bool(out[piece]), bridges


def test_a_piece_across_a_short_gap_at_an_angle_continues_the_crack():
    # crack rows 58-60 up to x = 60; the piece rows 62-64 from x = 62: the nearest pixels
    # (60, 60) and (62, 62) are 45 deg off the crack's direction, 2.8 px apart
    joined, bridges = _link([(10, 60, 58, 60), (62, 120, 62, 64)])
    assert joined
    assert bridges == [((60, 60), (62, 62))]


def test_a_piece_beside_the_crack_across_a_long_gap_does_not_continue_it():
    # the same bands, the piece 16 px beside the crack's line and 10 px beyond its end:
    # parallel to the crack, but the gap (19 px, 58 deg off) is longer than the tangent
    # stretch, so its direction decides: it passes beside the crack's end
    gap_across, gap_along = 16, 10
    assert np.hypot(gap_across - 2, gap_along) > LINK_TANGENT_PX
    joined, bridges = _link([(10, 60, 58, 60), (60 + gap_along, 140, 60 + gap_across,
                                                    62 + gap_across)])
    assert not joined and bridges == []


def test_a_piece_across_a_short_gap_running_off_the_cracks_direction_does_not_join():
    # short gap (3.6 px), but the piece runs up and away at 45 deg: it neither points back
    # along the gap (101 deg off) nor runs on in the crack's direction (45 deg off)
    bands = [(10, 60, 58, 60)] + [(62 + k, 64 + k, 63 - k, 63 - k) for k in range(40)]
    img = np.zeros(SHAPE, np.uint8)
    for x0, x1, y0, y1 in bands:
        img[y0:y1 + 1, x0:x1 + 1] = 1
    n, labels, stats, _ = cv2.connectedComponentsWithStats(img, connectivity=8)
    assert n == 3
    crack, piece = labels[58, 10], labels[63, 62]
    keep = np.zeros(n, bool)
    keep[crack] = True
    yy, xx = np.mgrid[:SHAPE[0], :SHAPE[1]]
    r2 = ((xx - CENTRE[0]) ** 2 + (yy - CENTRE[1]) ** 2).astype(float)
    out, bridges = link_pieces(labels, stats, keep, np.ones(n, bool), r2, 0.0)
    assert not out[piece] and bridges == []
    # the same piece turned to run on in the crack's direction joins
    bands = [(10, 60, 58, 60), (62, 120, 63, 65)]
    assert _link(bands)[0]


def test_a_piece_refused_by_the_short_gap_rule_does_not_stop_the_search():
    # two pieces beyond the crack's end: one (labelled first: its top row is higher)
    # rises straight up from 5 px beside the end, neither pointing back along the gap nor
    # running on in the crack's direction; the other continues the crack across a short
    # angled gap. The first is refused, the second still joins
    bands = [(10, 60, 58, 60), (63, 65, 10, 54), (62, 120, 62, 64)]
    img = np.zeros(SHAPE, np.uint8)
    for x0, x1, y0, y1 in bands:
        img[y0:y1 + 1, x0:x1 + 1] = 1
    n, labels, stats, _ = cv2.connectedComponentsWithStats(img, connectivity=8)
    assert n == 4
    crack, rising, piece = labels[58, 10], labels[10, 63], labels[62, 62]
    assert rising < piece  # the refused piece is tried first
    keep = np.zeros(n, bool)
    keep[crack] = True
    yy, xx = np.mgrid[:SHAPE[0], :SHAPE[1]]
    r2 = ((xx - CENTRE[0]) ** 2 + (yy - CENTRE[1]) ** 2).astype(float)
    out, bridges = link_pieces(labels, stats, keep, np.ones(n, bool), r2, 0.0)
    assert out[piece] and not out[rising]
    assert bridges == [((60, 60), (62, 62))]
