"""The crack link's edge test at the image's borders and at its neighbourhood's size
(issue 16: no planted bug survives).

Kills mutants of ``vision/measure/crack/_link.py``'s ``_is_edge`` on the lines vectorised in
wave 11 (``benchmarks/mutate_changed.py 03236e8 --file vision/measure/crack/_link.py``).
The geometry has a known answer (rows != cols):

- a piece's sides are read wherever they lie in the image, its first column and first
  row included: a bright body along the image's edge, ``LINK_SIDE_PX`` beside the piece,
  makes the piece an edge (a straight piece, one turning a corner, one along the top);
- a side outside the image is not read (NumPy's negative indices would read the far edge
  of the image): beside a piece on uniform ground the answer is "no edge", whatever the
  far side of the image holds;
- a pixel's local direction is taken from the piece's pixels within ``LINK_TANGENT_PX``,
  that distance included (as ``_near``), and three pixels are enough for it; a piece
  where no pixel has a direction gives no evidence of an edge.
"""
import numpy as np
import pytest

from vision.measure.crack._link import LINK_SIDE_PX, LINK_TANGENT_PX, _is_edge

#: (rows, cols) of the images.
SHAPE = (120, 160)
#: Grey levels: the ground, and a bright body (a needle) beside the piece.
GROUND, BRIGHT = 100.0, 255.0
#: Distance of the piece from the image's edge (px): its side falls on the first column/row.
AT_SIDE = int(LINK_SIDE_PX)


def _line(x0, y0, x1, y1):
    """The pixels (x, y) of a straight piece from (x0, y0) to (x1, y1)."""
    n = int(max(abs(x1 - x0), abs(y1 - y0))) * 2 + 1
    xy = np.column_stack([np.linspace(x0, x1, n), np.linspace(y0, y1, n)])
    return np.unique(np.round(xy), axis=0)


def _corner(x):
    """A piece turning a corner at (x, 50): 20 px up, 30 px to the right."""
    return np.unique(np.vstack([_line(x, 50, x, 30), _line(x, 50, x + 30, 50)]), axis=0)


def _ground():
    return np.full(SHAPE, GROUND)


@pytest.mark.parametrize("piece", [
    _line(AT_SIDE, 40, AT_SIDE, 80),          # straight, down the left edge
    _corner(AT_SIDE),                         # turning a corner at the left edge
])
def test_a_bright_body_in_the_first_column_beside_the_piece_makes_an_edge(piece):
    img = _ground()
    img[:, 0] = BRIGHT
    assert _is_edge(img, piece.astype(float), 1.0)
    # the same piece on uniform ground is no edge
    assert not _is_edge(_ground(), piece.astype(float), 1.0)


@pytest.mark.parametrize("piece", [
    _line(40, AT_SIDE, 80, AT_SIDE),          # along the top edge
    _line(40, AT_SIDE, 80, AT_SIDE + 0.6),    # along it, turning off at its end
])
def test_a_bright_body_in_the_first_row_beside_the_piece_makes_an_edge(piece):
    img = _ground()
    img[0, :] = BRIGHT
    assert _is_edge(img, piece.astype(float), 1.0)
    assert not _is_edge(_ground(), piece.astype(float), 1.0)


@pytest.mark.parametrize("piece", [
    _line(2, 40, 2, 80),                      # one side beyond the left edge everywhere
    _corner(2),                               # the corner's upright: one side beyond it
])
def test_a_side_outside_the_image_is_not_read(piece):
    # uniform ground around the piece; the image's far side (right columns, bottom rows)
    # is bright, where a side at a negative column would be read
    img = _ground()
    img[:, -8:] = BRIGHT
    img[-8:, :] = BRIGHT
    assert not _is_edge(img, piece.astype(float), 1.0)


def test_three_pixels_within_the_tangent_reach_give_a_direction():
    # three pixels LINK_TANGENT_PX apart along a row: the middle one has both others at
    # exactly that distance, so its direction is the row's; a bright body LINK_SIDE_PX
    # above the row makes the piece an edge
    gap = LINK_TANGENT_PX
    pts = np.array([[40.0, 60.0], [40.0 + gap, 60.0], [40.0 + 2 * gap, 60.0]])
    img = _ground()
    img[: 60 - AT_SIDE + 1, :] = BRIGHT
    assert _is_edge(img, pts, 1.0)
    # a little further apart no pixel has a direction: no evidence of an edge
    far = pts + [[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]]
    assert not _is_edge(img, far, 1.0)
