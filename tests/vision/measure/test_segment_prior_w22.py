"""Temporal connectivity of the segmentation (issue 11, wave 22): ``segment_lithium``'s
``prior_mask``, the previous scan's connected lithium.

Drawn truth: an electrode, a lithium cluster 60 px beyond its rim and the neck that joins
them. In the previous scan the whole was lithium connected to the electrode; in this scan
the neck's contrast dropped to nothing (a gain drop, a faint 1-2 px link in noise). Plated
lithium persists: the cluster is still connected, and the front reaches it.
"""
import cv2
import numpy as np
import pytest

from vision.measure import CounterElectrode, measure_front
from vision.measure._segment import segment_lithium

SHAPE = (200, 260)
EX, EY, ER = 50.0, 100.0, 20.0
CLUSTER = (150, 100, 16)          # x, y, radius (px): its far side 116 px from the centre
NECK = ((70, 100), (134, 100), 3)  # from the rim to the cluster, 3 px wide


def _disc(x, y, r):
    m = np.zeros(SHAPE, np.uint8)
    cv2.circle(m, (int(x), int(y)), int(r), 1, -1)
    return m.astype(bool)


def _neck():
    m = np.zeros(SHAPE, np.uint8)
    cv2.line(m, NECK[0], NECK[1], 1, NECK[2])
    return m.astype(bool)


def _scan(seed, *, neck_contrast=0.0, extra=None):
    """Change image: noise 1, the cluster 3 noise levels (10 after the 1 px smoothing)."""
    rng = np.random.default_rng(seed)
    d = rng.normal(0.0, 1.0, SHAPE).astype(np.float32)
    d[_disc(*CLUSTER)] += 3.0
    d[_neck()] += neck_contrast
    if extra is not None:
        d[extra] += 3.0
    return d


def _prior(shift_px=0.0):
    """Last scan's connected lithium: the electrode, the neck and a slightly smaller cluster,
    off by a registration error of ``shift_px``."""
    m = _disc(EX, EY, ER) | _neck() | _disc(CLUSTER[0] - 2, CLUSTER[1], CLUSTER[2] - 2)
    if shift_px:
        a = np.float32([[1, 0, shift_px], [0, 1, shift_px]])
        m = cv2.warpAffine(m.astype(np.uint8), a, SHAPE[::-1], flags=cv2.INTER_NEAREST) > 0
    return m


def _seg(d, prior):
    li, _, _ = segment_lithium(d, electrode_xy_px=(EX, EY), electrode_radius_px=ER,
                               noise_sigma=None, prior_mask=prior)
    return li


def _reach(li):
    f = measure_front(li, electrode_xy_px=(EX, EY), electrode_radius_px=ER,
                      counter_electrode=CounterElectrode(side="right"))
    return f.extent_px


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shift_px", [0.0, 1.0])
def test_a_cluster_behind_a_faded_neck_stays_connected(seed, shift_px):
    d = _scan(seed)
    cluster = _disc(*CLUSTER)
    # this scan alone: the cluster is cut off (what main did)
    assert not _seg(d, None)[cluster].any()
    li = _seg(d, _prior(shift_px))
    # the cluster is lithium, joined to the electrode through last scan's neck: the front
    # reaches its far side (116 px from the electrode centre; 2 px: the front RMS target)
    assert li[cluster].mean() > 0.95
    assert _reach(li) == pytest.approx(CLUSTER[0] + CLUSTER[2] - EX, abs=2.0)


def test_a_new_region_beside_last_scans_lithium_is_not_joined():
    """A changed region that only touches last scan's lithium (new, not made of it) is not
    connected: no neck joins it and it is not mostly prior lithium."""
    blob = _disc(150, 160, 12)
    d = _scan(3, extra=blob)
    prior = _prior() | _disc(150, 136, 10)   # last scan's lithium ends 1-2 px above the blob
    li = _seg(d, prior)
    assert li[_disc(*CLUSTER)].mean() > 0.95
    assert not li[_disc(150, 160, 8)].any()


def test_lithium_gone_since_last_scan_is_not_held():
    """Where last scan's cluster vanished (stripped, contact lost) nothing is kept: the
    prior alone adds no pixel, its faded pixels join only regions seen now."""
    rng = np.random.default_rng(4)
    d = rng.normal(0.0, 1.0, SHAPE).astype(np.float32)
    li = _seg(d, _prior())
    assert not li[(_neck() | _disc(*CLUSTER)) & ~_disc(EX, EY, ER + 1)].any()
    assert li.sum() <= _disc(EX, EY, ER + 2).sum()


def test_the_prior_must_be_a_mask_of_the_same_frame():
    from calibration import InputError

    with pytest.raises(InputError):
        _seg(_scan(0), np.zeros((10, 10), bool))
