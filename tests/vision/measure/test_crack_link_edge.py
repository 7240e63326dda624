"""A crack piece along a bright body's edge is not joined (``crack._link._is_edge``).

The edge test reads each sampled pixel's two sides across the piece's local direction.
It is checked here against geometry with a known answer (a groove is a line, a step is
an edge), and its vectorised form against the per-pixel loop it replaced (same
decisions on random pieces: curves, straight lines and blobs, with and without a step).
"""
import numpy as np
import pytest

from vision.measure.crack import _link
from vision.measure.crack._link import LINK_EDGE_STEP, LINK_SIDE_PX, LINK_TANGENT_PX


def _loop_is_edge(image, pts, sign):
    """The per-pixel form of the edge test (one PCA per sampled pixel)."""
    def axis(p):
        w, v = np.linalg.eigh(np.cov((p - p.mean(axis=0)).T))
        return v[:, int(np.argmax(w))]

    rows, cols = image.shape
    a0 = axis(pts)
    n0 = np.array([-a0[1], a0[0]])
    centre, side_a, side_b = [], [], []
    for q in pts[:: max(1, len(pts) // 64)]:
        loc = pts[np.hypot(pts[:, 0] - q[0], pts[:, 1] - q[1]) <= LINK_TANGENT_PX]
        if len(loc) < 3:
            continue
        u = axis(loc)
        nrm = np.array([-u[1], u[0]])
        if float(np.dot(nrm, n0)) < 0:
            nrm = -nrm
        xa, ya = np.round(q + LINK_SIDE_PX * nrm).astype(int)
        xb, yb = np.round(q - LINK_SIDE_PX * nrm).astype(int)
        if not (0 <= xa < cols and 0 <= ya < rows and 0 <= xb < cols and 0 <= yb < rows):
            continue
        centre.append(float(image[int(q[1]), int(q[0])]))
        side_a.append(float(image[ya, xa]))
        side_b.append(float(image[yb, xb]))
    if not centre:
        return False
    a, b, c = float(np.mean(side_a)), float(np.mean(side_b)), float(np.mean(centre))
    groove = min(sign * a, sign * b) > sign * c
    return (not groove) and abs(a - b) > LINK_EDGE_STEP * max(0.5 * (abs(a) + abs(b)), 1e-12)


def _line(angle_deg, length=80, centre=(120.0, 100.0)):
    t = np.deg2rad(angle_deg)
    s = np.arange(-length / 2, length / 2, 0.5)
    xy = np.column_stack([centre[0] + s * np.cos(t), centre[1] + s * np.sin(t)])
    return np.unique(np.round(xy), axis=0).astype(float)


@pytest.mark.parametrize("angle", [0.0, 23.0, 45.0, 71.0, 90.0, 137.0])
def test_a_dark_groove_is_a_line_and_a_step_is_an_edge(angle):
    yy, xx = np.mgrid[0:200, 0:240].astype(float)
    t = np.deg2rad(angle)
    # signed distance across the line through (120, 100) at `angle`
    d = -(xx - 120.0) * np.sin(t) + (yy - 100.0) * np.cos(t)
    pts = _line(angle)
    groove = np.where(np.abs(d) <= 1.0, 60.0, 150.0)      # a dark crack in even ceramic
    step = np.where(d < 0.5, 200.0, 120.0)               # the needle's edge: a bright body
    assert not _link._is_edge(groove, pts, 1.0)
    assert _link._is_edge(step, pts, 1.0)
    # a bright crack (polarity 'bright', sign -1) is a line in its own sense
    assert not _link._is_edge(300.0 - groove, pts, -1.0)


def test_the_vectorised_test_decides_as_the_per_pixel_loop():
    rng = np.random.default_rng(11)
    decisions = []
    for trial in range(240):
        img = rng.normal(100.0, 30.0, (200, 240))
        kind = trial % 3
        if kind == 0:      # a curved random walk
            n = int(rng.integers(5, 400))
            ang = np.cumsum(rng.normal(0.0, 0.2, n)) + rng.uniform(0.0, 2 * np.pi)
            xy = np.cumsum(np.column_stack([np.cos(ang), np.sin(ang)]), axis=0) + [120, 100]
        elif kind == 1:    # a noisy straight line
            n = int(rng.integers(5, 300))
            t, s = rng.uniform(0.0, 2 * np.pi), np.arange(n) * 0.7
            xy = np.column_stack([120 + s * np.cos(t), 100 + s * np.sin(t)])
            xy += rng.normal(0.0, 0.8, (n, 2))
        else:              # a blob
            n = int(rng.integers(5, 200))
            xy = rng.normal(0.0, rng.uniform(1.0, 8.0), (n, 2)) + [120, 100]
        pts = np.unique(np.round(xy), axis=0).astype(float)
        pts = pts[(pts[:, 0] >= 0) & (pts[:, 0] < 240) & (pts[:, 1] >= 0) & (pts[:, 1] < 200)]
        if len(pts) < 2:
            continue
        if rng.random() < 0.5:
            img[:, :120] += rng.uniform(0.0, 80.0)
        sign = float(rng.choice([-1.0, 1.0]))
        expected = _loop_is_edge(img, pts, sign)
        assert _link._is_edge(img, pts, sign) == expected, trial
        decisions.append(expected)
    # both answers occur, so the comparison covers each branch
    assert 10 < sum(decisions) < len(decisions) - 10
