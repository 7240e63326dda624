"""Issue 11, thin DLA branches: the ridge filter with hysteresis links what the crack
filter lost (1-2 px branches joined by faint links) to the known branches, and adds
nothing in noise alone. Known truth on drawn images (rows != cols)."""
import math

import cv2
import numpy as np
import pytest

from vision.measure._segment import link_thin_branches

SHAPE = (260, 420)


def _tree(rng, start, angle, n_nodes, step=6.0):
    """A branching random walk (a DLA-like cluster): list of segments ((x0, y0), (x1, y1))."""
    segs, tips = [], [(start, angle)]
    while len(segs) < n_nodes and tips:
        (x, y), a = tips.pop(0)
        a = a + rng.normal(0.0, 0.35)
        q = (x + step * math.cos(a), y + step * math.sin(a))
        if not (4 < q[0] < SHAPE[1] - 5 and 4 < q[1] < SHAPE[0] - 5):
            continue
        segs.append(((x, y), q))
        tips.append((q, a))
        if rng.random() < 0.25:
            tips.append((q, a + rng.choice([-0.9, 0.9])))
    return segs


def _draw(segs, shape=SHAPE, width=1):
    m = np.zeros(shape, np.uint8)
    for p, q in segs:
        cv2.line(m, tuple(int(round(v)) for v in p), tuple(int(round(v)) for v in q), 1, width)
    return m > 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_faint_links_join_far_clusters_to_the_known_branches(seed):
    rng = np.random.default_rng(seed)
    # three clusters along x, joined by 1 px links of lower contrast (the DLA of seed 5008)
    c1 = _tree(rng, (20.0, 130.0), 0.0, 40)
    link1 = [((c1[-1][1]), (150.0, 130.0 + rng.normal(0, 5)))]
    c2 = _tree(rng, link1[0][1], 0.0, 40)
    link2 = [((c2[-1][1]), (300.0, 130.0 + rng.normal(0, 5)))]
    c3 = _tree(rng, link2[0][1], 0.0, 40)
    strong = _draw(c1) | _draw(c2) | _draw(c3)
    faint = _draw(link1) | _draw(link2)
    noise = rng.normal(0.0, 1.0, SHAPE).astype(np.float32)
    diff = noise + 4.5 * strong + 3.5 * (faint & ~strong)
    known = _draw(c1, width=3)            # the crack filter found the first cluster only
    linked = link_thin_branches(diff, known)
    truth = strong | faint
    ys, xs = np.nonzero(truth)
    far = xs.max()
    got = np.nonzero(linked)[1]
    assert got.size and got.max() >= far - 6, (got.max() if got.size else None, far)
    # linked pixels are on the drawn lines (within the filter's blur), not in the noise
    near = cv2.dilate(truth.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert np.count_nonzero(linked & ~near) <= 0.05 * np.count_nonzero(linked)
    # the same for lithium brighter than the ceramic (the change has the other sign)
    linked_b = link_thin_branches(-diff, known)
    assert np.array_equal(linked_b, linked)


@pytest.mark.parametrize("seed", [3, 4])
def test_noise_alone_adds_nothing_beyond_the_known_branches(seed):
    rng = np.random.default_rng(seed)
    c1 = _tree(rng, (20.0, 130.0), 0.0, 40)
    diff = rng.normal(0.0, 1.0, SHAPE).astype(np.float32) + 3.0 * _draw(c1)
    known = _draw(c1, width=3)
    linked = link_thin_branches(diff, known)
    reach = np.nonzero(known)[1].max()
    got = np.nonzero(linked)[1]
    # at most a noise fragment touching the known branches, no reach gained beyond them
    assert got.size == 0 or got.max() <= reach + 2 * 3 + 10
    assert np.count_nonzero(linked) <= 0.1 * np.count_nonzero(known)


def test_no_seeds_no_lines_and_shape_checked():
    diff = np.zeros(SHAPE, np.float32)
    assert not link_thin_branches(diff, np.zeros(SHAPE, bool)).any()
    with pytest.raises(ValueError, match="one shape"):
        link_thin_branches(diff, np.zeros((3, 3), bool))
