"""The front's border and counter-electrode rules at their edges (issue 16: no planted bug
survives).

Kills mutants of the lines of ``vision/track/_frontcrack.py`` changed in wave 11
(``benchmarks/mutate_changed.py 03236e8 --file vision/track/_frontcrack.py``):
:meth:`WhiskerFrontLog.border_pieces`, :meth:`~WhiskerFrontLog.toward_counter`,
:meth:`~WhiskerFrontLog.blank_away_from_counter` and the no-front values they write.
The scans are built from pieces with known reach (px from the electrode centre, along the
direction to the counter electrode), so every answer is exact; the rules asserted are the
documented ones (issue 15): a piece passes the rim zone only when it reaches *beyond* it,
a piece at the region's border that stays within it is the border, and a video whose
pieces never pass it in ``n_scans`` consecutive measured scans has no front (its lithium
area kept).
"""
import math

import numpy as np
import pandas as pd
import pytest

from vision.measure._front import FrontMeasurement, FrontPiece
from vision.track._frontcrack import (
    CRACK_CONFIRM_SCANS,
    FRONT_EMPTY,
    WhiskerFrontLog,
    blank_transient_front,
)

#: (rows, cols) of the frames, px (rows != cols).
SHAPE = (120, 200)
#: Outer radius of the rim zone, px from the electrode centre.
RIM = 30.0
#: µm per px of the table.
PX_UM = 0.5


def _piece(projected, *, at_border=False, reach=None, branches=2, xy=(150.0, 60.0)):
    return FrontPiece(area_px=50.0, max_distance_px=projected if reach is None else reach,
                      projected_px=projected, n_branches=branches, touching=False,
                      points_xy_px=np.array([xy], np.float32), at_border=at_border)


def _front(pieces, *, rim=RIM, projected=True):
    """A measured front of these pieces (projection on the counter electrode unless not)."""
    reach = max((p.projected_px for p in pieces), default=math.nan)
    return FrontMeasurement(
        area_px=50.0 * len(pieces), max_distance_px=reach, extent_px=reach + 2.0,
        projected_px=reach if projected else math.nan, front_xy_px=(math.nan, math.nan),
        fractal_dimension=1.6, n_branches=sum(p.n_branches for p in pieces), touching=False,
        contour=np.zeros((0, 2)), branch_tips_xy_px=np.zeros((0, 2)), pieces=tuple(pieces),
        rim_zone_px=rim)


def _log(fronts):
    """The log of one scan per front (frames 0, 1, 2, ...)."""
    log = WhiskerFrontLog()
    for k, f in enumerate(fronts):
        log.add(k, f, [], SHAPE)
    return log


def _table(fronts, *, skipped=()):
    rows = []
    for k, f in enumerate(fronts):
        reach = f.max_distance_px if f is not None else math.nan
        rows.append({"frame": k, "is_duplicate": False, "partial_refresh": False,
                     "skipped": k in skipped, "li_area_um2": 7.0 + k,
                     "front_distance_um": reach * PX_UM, "front_projected_um": reach * PX_UM,
                     "fractal_dimension": 1.6, "n_branches": 2, "front_touching": False})
    return pd.DataFrame(rows)


# --- border pieces ----------------------------------------------------------------------

def test_a_border_piece_within_or_at_the_rim_zone_is_the_border():
    fronts = [_front([_piece(RIM - 5.0, at_border=True), _piece(RIM + 20.0)]),
              _front([_piece(RIM, at_border=True)]),              # at the zone's edge: not beyond
              _front([_piece(RIM + 0.5, at_border=True)]),        # beyond: grown from the rim
              _front([_piece(RIM - 5.0)])]                        # inside but not at the border
    assert _log(fronts).border_pieces() == {0: {0}, 1: {0}}


def test_border_pieces_need_a_known_counter_electrode():
    # no projection on a counter electrode, or no rim zone: nothing is judged
    fronts = [_front([_piece(RIM - 5.0, at_border=True)], projected=False),
              _front([_piece(RIM - 5.0, at_border=True)], rim=math.nan)]
    assert _log(fronts).border_pieces() == {}


# --- toward the counter electrode --------------------------------------------------------

def test_toward_counter_per_scan_in_order():
    fronts = [_front([_piece(RIM - 1.0)]), _front([_piece(RIM)]),
              _front([_piece(RIM - 3.0), _piece(RIM + 1.0)]), None,
              _front([_piece(RIM + 9.0)], projected=False)]
    got = _log(fronts).toward_counter()
    # a piece at the zone's edge does not pass it; a scan without a front, or measured
    # without a known counter electrode, does not reach toward it
    np.testing.assert_array_equal(got, [False, False, True, False, False])
    assert got.dtype == bool


def test_toward_counter_leaves_out_the_dropped_pieces():
    fronts = [_front([_piece(RIM + 10.0), _piece(RIM - 2.0)]), _front([_piece(RIM + 10.0)])]
    log = _log(fronts)
    np.testing.assert_array_equal(log.toward_counter({0: {0}}), [False, True])
    np.testing.assert_array_equal(log.toward_counter({0: {1}}), [True, True])
    np.testing.assert_array_equal(log.toward_counter({}), [True, True])


def test_toward_counter_unknown_without_a_counter_electrode():
    assert _log([_front([_piece(RIM + 10.0)], projected=False)]).toward_counter() is None
    assert WhiskerFrontLog().toward_counter() is None


# --- blanking a video whose front never grows toward the counter electrode --------------

def _assert_blank(out, frames, rows):
    for col, value in FRONT_EMPTY.items():
        if col == "li_area_um2":
            continue
        got = out.loc[rows, col].to_numpy()
        if isinstance(value, float) and math.isnan(value):
            assert np.isnan(got.astype(float)).all(), col
        else:
            assert (got == value).all(), col
    # its lithium is there, it is just not a front
    pd.testing.assert_series_equal(out["li_area_um2"], frames["li_area_um2"])


@pytest.mark.parametrize("n_scans", [2, CRACK_CONFIRM_SCANS])
def test_a_run_of_n_scans_toward_the_counter_electrode_keeps_the_front(n_scans):
    away, toward = _front([_piece(RIM - 2.0)]), _front([_piece(RIM + 8.0)])
    fronts = [away] + [toward] * n_scans + [away]
    frames = _table(fronts)
    out = _log(fronts).blank_away_from_counter(frames, n_scans=n_scans)
    pd.testing.assert_frame_equal(out, frames)
    assert out is not frames
    # one scan fewer in a row: no front anywhere
    fronts = [away] + [toward] * (n_scans - 1) + [away, toward]
    frames = _table(fronts, skipped={0})
    before = frames.copy()
    out = _log(fronts).blank_away_from_counter(frames, n_scans=n_scans)
    pd.testing.assert_frame_equal(frames, before)           # the input is left alone
    _assert_blank(out, frames, ~frames["skipped"])
    # a skipped frame keeps what it had
    pd.testing.assert_series_equal(out.loc[frames["skipped"]].iloc[0],
                                   frames.loc[frames["skipped"]].iloc[0])


def test_the_dropped_pieces_do_not_count_toward_the_counter_electrode():
    fronts = [_front([_piece(RIM + 8.0), _piece(RIM - 2.0)])] * CRACK_CONFIRM_SCANS
    frames = _table(fronts)
    log = _log(fronts)
    pd.testing.assert_frame_equal(log.blank_away_from_counter(frames), frames)
    out = log.blank_away_from_counter(frames, {k: {0} for k in range(len(fronts))})
    _assert_blank(out, frames, np.ones(len(frames), bool))


def test_nothing_is_blanked_without_a_counter_electrode():
    fronts = [_front([_piece(RIM - 2.0)], projected=False)] * 4
    frames = _table(fronts)
    pd.testing.assert_frame_equal(_log(fronts).blank_away_from_counter(frames), frames)


def test_resolve_takes_the_border_pieces_out_and_keeps_a_front_grown_from_the_border():
    # a band at the border within the rim zone in every scan, a front beyond it from scan 1
    band = _piece(RIM - 4.0, at_border=True, branches=1)
    fronts = [_front([band])] + [_front([band, _piece(RIM + 5.0 * k, branches=3)])
                                 for k in range(1, 5)]
    frames = _table(fronts)
    out = _log(fronts).resolve(frames, min_scans=CRACK_CONFIRM_SCANS, pixel_size_um=PX_UM)
    # scan 0 holds the border alone: no front; the others the front's piece alone
    assert np.isnan(out["front_distance_um"].iloc[0]) and out["n_branches"].iloc[0] == 0
    np.testing.assert_allclose(out["front_distance_um"].iloc[1:], [(RIM + 5.0 * k) * PX_UM
                                                                   for k in range(1, 5)])
    assert (out["n_branches"].iloc[1:] == 3).all()
    pd.testing.assert_series_equal(out["li_area_um2"], frames["li_area_um2"])


def test_a_transient_front_is_blanked_with_its_lithium_area():
    # a front in one scan alone (shorter than a confirmed run) is transient: its scan
    # holds no front and no lateral lithium (the transient rule documents the no-front
    # values of FRONT_EMPTY, the area with them); the run after it is kept as measured
    fronts = [_front([_piece(RIM + 8.0)]), None] + [_front([_piece(RIM + 9.0)])] * CRACK_CONFIRM_SCANS
    frames = _table(fronts)
    out = blank_transient_front(frames, n_scans=CRACK_CONFIRM_SCANS, min_branches=0)
    for col, value in FRONT_EMPTY.items():
        got = out[col].iloc[0]
        assert (math.isnan(got) if isinstance(value, float) and math.isnan(value)
                else got == value), col
    pd.testing.assert_frame_equal(out.iloc[2:], frames.iloc[2:])


class _Rod:
    """A whisker tracked in a scan: a straight rod along y = 60 from x = 100 to x = 180."""

    whisker_id = 1
    width_px = 6.0

    def centreline(self, step_px=2.0):
        x = np.arange(100.0, 180.0 + step_px, step_px)
        return np.column_stack([x, np.full_like(x, 60.0)])


def test_resolve_judges_the_counter_electrode_without_the_whiskers_rods():
    # the only piece reaching beyond the rim zone is a whisker's rod, tracked in every
    # scan: the front never grows toward the counter electrode
    rod = FrontPiece(area_px=400.0, max_distance_px=RIM + 50.0, projected_px=RIM + 50.0,
                     n_branches=1, touching=False,
                     points_xy_px=np.column_stack([np.arange(100.0, 180.0, 4.0),
                                                   np.full(20, 60.0)]).astype(np.float32))
    # (the other piece away from the rod's corridor: it stays, within the rim zone)
    fronts = [_front([rod, _piece(RIM - 3.0, xy=(40.0, 100.0))])] * (CRACK_CONFIRM_SCANS + 1)
    log = WhiskerFrontLog()
    for k, f in enumerate(fronts):
        log.add(k, f, [_Rod()], SHAPE)
    frames = _table(fronts)
    out = log.resolve(frames, min_scans=CRACK_CONFIRM_SCANS, pixel_size_um=PX_UM)
    _assert_blank(out, frames, np.ones(len(frames), bool))
