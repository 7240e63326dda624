"""Issue 11, touch-down within one scan: a front that touches is read touching in that scan.

Whole scan sequences with known truth (the DLA-like trees of ``test_front_unbranched``)
grow toward a counter electrode on the right whose boundary lies at a sub-pixel
position inside the field. The lithium cannot enter the counter electrode: the true
front of a scan is the tree up to the boundary, and it touches when a pixel's outer
edge reaches the boundary. As the tracker's segmentation does, the measured mask
lacks the pixel next to the counter electrode's band (its blurred edge already
darkens that pixel in the background, so the lithium's contrast there is halved),
and the boundary is measured to the band-edge fit's few tenths of a pixel. Measured
scan by scan with :func:`measure_front`, recorded in a :class:`WhiskerFrontLog` with
the counter electrode and post-processed as the tracker does, the first touching scan
is the true touch-down scan or the one before (the front then within a pixel or two:
the touch-down falls between the two scans, within issue 11's one scan). A front that
stays several pixels short is never read touching, and without the counter electrode
given to the log the front's own test is all there is.
"""
import numpy as np
import pytest
from test_front_unbranched import LAT_CENTRE, LAT_RADIUS, N_SCANS, PX_UM, RIM_PX, _lateral_scene, _table

from vision import measure_front
from vision.measure import CounterElectrode
from vision.track._frontcrack import CRACK_CONFIRM_SCANS, WhiskerFrontLog, blank_transient_front

SEEDS = [11, 12, 13, 14, 15, 16]
#: The band-edge fit's error on the counter electrode's boundary, px (tuning seeds: 0.0-0.3).
BOUNDARY_ERROR_PX = 0.3
#: Scans before the last the tree crosses the boundary (a touch-down mid-video).
CROSS_BEFORE_END = 6
#: A front this far short of the counter electrode (px) has not touched it: several
#: pixels of ceramic lie between (beyond the edge blur and the band's dark pixel).
SHORT_PX = 4.0


def _scene(seed, short_px=None):
    """Measured masks, the measured boundary, and the true touch-down scan (None: none)."""
    rng = np.random.default_rng(seed)
    masks, _ = _lateral_scene(seed)
    cols = np.arange(masks[0].shape[1])
    xmax = [int(cols[m.any(axis=0)].max()) for m in masks]
    if short_px is None:
        # the true boundary: crossed by the growing tree CROSS_BEFORE_END scans before the end
        b = xmax[-1 - CROSS_BEFORE_END] + 0.5 + rng.uniform(0.0, 1.0)
    else:
        b = xmax[-1] + 0.5 + short_px + rng.uniform(0.0, 1.0)
    first_ce = int(np.ceil(b))                      # the first counter-electrode pixel
    truth = [m & (cols < first_ce)[None, :] for m in masks]
    # the tree touches once its lithium covers the boundary (it would grow past it)
    touch = [bool((m.any(axis=0) & (cols + 0.5 >= b)).any()) for m in masks]
    k_true = touch.index(True) if any(touch) else None
    seen = [t & (cols < first_ce - 1)[None, :] for t in truth]   # the band's pixel is lost
    b_measured = b + rng.uniform(-BOUNDARY_ERROR_PX, BOUNDARY_ERROR_PX)
    return seen, CounterElectrode(side="right", boundary_px=b_measured), k_true


def _first_touch(masks, counter, *, log_counter=True):
    """The first scan the tracker's post-processed table reads touching (None: none)."""
    fronts = [measure_front(li, electrode_xy_px=LAT_CENTRE, electrode_radius_px=LAT_RADIUS,
                            counter_electrode=counter, rim_margin_px=RIM_PX, exclude_rods=True)
              for li in masks]
    log = WhiskerFrontLog()
    frames = _table(fronts)
    for k, f in enumerate(fronts):
        log.add(2 * k, f, [], masks[0].shape, counter=counter if log_counter else None)
    out = blank_transient_front(log.resolve(frames, min_scans=CRACK_CONFIRM_SCANS, pixel_size_um=PX_UM))
    touching = out.loc[out["front_touching"].astype(bool), "frame"]
    return (int(touching.iloc[0]) // 2 if len(touching) else None), frames, out


@pytest.mark.parametrize("seed", SEEDS)
def test_touchdown_read_within_one_scan(seed):
    masks, counter, k_true = _scene(seed)
    assert k_true is not None and k_true < N_SCANS - CRACK_CONFIRM_SCANS, "the tree touches mid-video"
    k, _, _ = _first_touch(masks, counter)
    assert k is not None, "the touch-down is read"
    assert k_true - 1 <= k <= k_true


@pytest.mark.parametrize("seed", SEEDS)
def test_front_short_of_the_counter_electrode_never_touches(seed):
    masks, counter, k_true = _scene(seed, short_px=SHORT_PX)
    assert k_true is None
    k, _, _ = _first_touch(masks, counter)
    assert k is None


@pytest.mark.parametrize("seed", SEEDS)
def test_reach_columns_unchanged_and_without_counter_only_the_fronts_own_test(seed):
    masks, counter, _ = _scene(seed)
    _, frames, out = _first_touch(masks, counter)
    for col in ("front_distance_um", "front_projected_um", "n_branches"):
        np.testing.assert_array_equal(out[col].to_numpy(), frames[col].to_numpy())
    _, frames, out = _first_touch(masks, counter, log_counter=False)
    np.testing.assert_array_equal(out["front_touching"].to_numpy(bool),
                                  frames["front_touching"].to_numpy(bool))
