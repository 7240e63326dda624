"""The scans before the lateral front starts, at the edges of their rules (issue 16: no
planted bug survives).

Kills mutants of the lines of ``vision/track/_frontcrack.py`` changed in wave 12
(``benchmarks/mutate_changed.py 1288b70 --file vision/track/_frontcrack.py``):
:meth:`WhiskerFrontLog.behind_electrode`, :meth:`~WhiskerFrontLog.blank_before_front`
and its call in :meth:`~WhiskerFrontLog.resolve`. The scans are built from pieces with a
known reach (px from the electrode centre along the direction to the counter electrode),
so every answer is exact; the rules asserted are the documented ones (issue 15):

- a piece whose furthest point is on the electrode's centre line does not pass it, so it
  lies behind the electrode;
- the pieces taken out (a whisker's rod, the region's border) count neither for the
  front's start nor for "all pieces behind the electrode";
- the front starts at the first run of ``n_scans`` scans toward the counter electrode,
  with the ``n_scans`` given.
"""
import math

import numpy as np
from test_frontcrack_border_mut import PX_UM, RIM, _front, _log, _piece, _table

from vision.track._frontcrack import CRACK_CONFIRM_SCANS

#: A piece behind the electrode (px along the direction to the counter electrode: negative
#: is away from it).
BEHIND_PX = -10.0
#: A piece of a true front: beyond the rim zone toward the counter electrode.
FRONT_PX = RIM + 20.0


def _blanked(out):
    """Per row: whether the front was blanked (no reach)."""
    return (~np.isfinite(out["front_distance_um"].to_numpy(float))).tolist()


def test_a_piece_reaching_the_centre_line_is_behind_the_electrode():
    # "does not pass the electrode's centre": a reach of exactly 0 px is behind
    log = _log([_front([_piece(0.0)]), _front([_piece(BEHIND_PX), _piece(0.0)]),
                _front([_piece(1.0)])])
    assert log.behind_electrode().tolist() == [True, True, False]


def test_front_starts_with_the_run_length_given():
    # toward the counter electrode in scans 2-3 and 5-7: a run of 2 starts the front at
    # scan 2 (only scans 0 and 1 before it), a run of 3 only at scan 5
    kinds = [BEHIND_PX, BEHIND_PX, FRONT_PX, FRONT_PX, BEHIND_PX, FRONT_PX, FRONT_PX, FRONT_PX]
    fronts = [_front([_piece(p)]) for p in kinds]
    log, frames = _log(fronts), _table(fronts)
    assert CRACK_CONFIRM_SCANS != 2, "the run length given differs from the default"
    assert _blanked(log.blank_before_front(frames, n_scans=2)) == [True, True] + [False] * 6
    assert _blanked(log.blank_before_front(frames, n_scans=3)) == \
        [True, True, False, False, True, False, False, False]


def test_dropped_pieces_count_neither_for_the_start_nor_for_behind():
    # scans 0-1: a piece behind the electrode and a whisker's rod reaching toward the
    # counter electrode beyond the rim zone (taken out); scans 2-4 a true front. Without
    # the rod the front starts at scan 2 and scans 0-1 are all behind: blanked. Counting
    # the rod, the front would start at scan 0 (or scans 0-1 would not be behind).
    fronts = [_front([_piece(BEHIND_PX), _piece(FRONT_PX)])] * 2 + [_front([_piece(FRONT_PX)])] * 3
    log, frames = _log(fronts), _table(fronts)
    drop = {0: {1}, 1: {1}}
    assert _blanked(log.blank_before_front(frames, drop)) == [True, True, False, False, False]
    # the rod alone decides neither rule when it is kept
    assert _blanked(log.blank_before_front(frames)) == [False] * 5


def test_resolve_takes_the_border_out_before_judging_behind():
    # scans 0-1: a piece behind the electrode and the region's border at the rim (on the
    # counter electrode's side, within the rim zone: not front); scans 2-4 a true front.
    # With the border taken out, scans 0-1 hold only lithium behind the electrode: no front.
    before = _front([_piece(BEHIND_PX), _piece(RIM - 10.0, at_border=True)])
    fronts = [before] * 2 + [_front([_piece(FRONT_PX)])] * 3
    log, frames = _log(fronts), _table(fronts)
    assert log.border_pieces() == {0: {1}, 1: {1}}
    out = log.resolve(frames, min_scans=3, pixel_size_um=PX_UM)
    assert _blanked(out) == [True, True, False, False, False]
    np.testing.assert_allclose(out["front_distance_um"].to_numpy(float)[2:], FRONT_PX * PX_UM)
    # the lithium is still there (the charge-volume sync counts it)
    np.testing.assert_array_equal(out["li_area_um2"], frames["li_area_um2"])
    assert not math.isnan(out["li_area_um2"].iloc[0])
