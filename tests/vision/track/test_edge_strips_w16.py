"""Rods at the side of the field that never grew are no whiskers (wave 16)."""
import numpy as np
import pandas as pd
import pytest

from vision.track._tables import FRAME_COLUMNS, WHISKER_COLUMNS, Tracks
from vision.track._tracker import _drop_edge_strips

PX_UM = 0.1
#: tip scatter of a measured length, px (issue 11: length RMS <= 1 px; 0.5 px typical)
TIP_SIGMA_PX = 0.5


def _tracks(seed, n_scans=40, frames_per_scan=3):
    """Scans of three rods (um): an edge strip (tip at the side, 40 px, 5 px wide, constant),
    a whisker growing out of the field (10 -> 60 px at 1.5 px/scan, its tip at the side
    from 40 px on) and a whisker born at the side (4 px, growing 1 px/scan, always at the
    side). Lengths scatter by TIP_SIGMA_PX; every scan is followed by duplicate frames."""
    rng = np.random.default_rng(seed)
    frames, rows = [], []
    for k in range(n_scans * frames_per_scan):
        dup = k % frames_per_scan != 0
        row = dict.fromkeys(FRAME_COLUMNS, np.nan)
        row.update(frame=k, time_s=0.1 * k, content_time_s=0.1 * (k - k % frames_per_scan),
                   is_duplicate=dup, partial_refresh=False, skipped=False, whisker_count=3)
        frames.append(row)
        scan = k // frames_per_scan
        grown = 10.0 + 1.5 * scan
        for wid, length, width, cens in ((0, 40.0, 5.0, True),
                                         (1, min(grown, 40.0), 6.0, grown >= 40.0),
                                         (2, 4.0 + scan, 5.0, True)):
            r = dict.fromkeys(WHISKER_COLUMNS, np.nan)
            r.update(frame=k, time_s=0.1 * k, whisker_id=wid, censored=cens,
                     length_um=(length + rng.normal(0.0, TIP_SIGMA_PX)) * PX_UM,
                     width_um=width * PX_UM)
            rows.append(r)
    f = pd.DataFrame(frames, columns=list(FRAME_COLUMNS))
    w = pd.DataFrame(rows, columns=list(WHISKER_COLUMNS))
    return Tracks(frames=f, whiskers=w, drift=pd.DataFrame(), electrode=None,
                  counter_electrode=None, kymographs={i: np.zeros((1, 1), np.uint8) for i in range(3)},
                  kymograph_times_s={i: np.zeros(1) for i in range(3)}, touchdown_frame=None,
                  crack_initiation_frame=None, n_skipped_frames=0, pixel_size_um=PX_UM)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_edge_strip_dropped_whiskers_at_the_side_kept(seed):
    got = _drop_edge_strips(_tracks(seed))
    assert sorted(got.whiskers["whisker_id"].unique()) == [1, 2]
    assert sorted(got.kymographs) == [1, 2] and sorted(got.kymograph_times_s) == [1, 2]
    # the frames' counts and longest lengths follow
    assert (got.frames["whisker_count"] == 2).all()
    longest = got.whiskers.groupby("frame")["length_um"].max()
    assert np.allclose(got.frames.set_index("frame")["max_whisker_length_um"], longest)


def test_edge_strip_seen_once_or_in_view_once_is_kept():
    t = _tracks(0)
    w = t.whiskers
    # one scan in view: it showed its tip, it may be a whisker leaving the field
    w.loc[(w["whisker_id"] == 0) & (w["frame"] == 0), "censored"] = False
    assert 0 in set(_drop_edge_strips(t).whiskers["whisker_id"])
    # a single measured scan shows no growth either way
    one = _tracks(0, n_scans=1)
    assert sorted(_drop_edge_strips(one).whiskers["whisker_id"].unique()) == [0, 1, 2]
