"""Frame clock and the video <-> potentiostat offset (t_trace = t_video + offset_s)."""
import datetime as dt
import logging

import numpy as np
import pytest

from calibration import (
    FrameClock,
    InputError,
    SyncOffset,
    offset_from_spans,
    offset_from_start_times,
    trace_to_video_time,
    video_to_trace_time,
)


def test_conversions_round_trip():
    assert video_to_trace_time(2.0, 10.5) == 12.5
    assert trace_to_video_time(12.5, 10.5) == 2.0
    t = np.array([0.0, 1.0, 2.5])
    np.testing.assert_allclose(trace_to_video_time(video_to_trace_time(t, -3.25), -3.25), t)
    with pytest.raises(InputError, match="offset_s must be finite"):
        video_to_trace_time(1.0, float("nan"))


def test_offset_from_start_times():
    trace0 = dt.datetime(2026, 3, 1, 10, 0, 0)
    video0 = dt.datetime(2026, 3, 1, 10, 2, 30, 500000)
    off = offset_from_start_times(video0, trace0)
    assert off == pytest.approx(150.5)
    # an event seen at video time 10 s happened at trace time 160.5 s
    assert video_to_trace_time(10.0, off) == pytest.approx(160.5)
    utc = dt.UTC
    cet = dt.timezone(dt.timedelta(hours=1))
    assert offset_from_start_times(dt.datetime(2026, 3, 1, 11, 0, tzinfo=cet),
                                   dt.datetime(2026, 3, 1, 9, 59, tzinfo=utc)) == pytest.approx(60.0)
    with pytest.raises(InputError, match="one start time has a time zone"):
        offset_from_start_times(dt.datetime(2026, 3, 1, tzinfo=utc), trace0)
    with pytest.raises(InputError, match="video_start must be a datetime"):
        offset_from_start_times("10:00", trace0)


def test_offset_from_spans(caplog):
    assert offset_from_spans(100.0, 130.0) == pytest.approx(30.0)  # ends aligned
    assert offset_from_spans(100.0, 130.0, align="start", trace_start_s=2.0) == pytest.approx(2.0)
    assert offset_from_spans(100.0, 130.0, align="center") == pytest.approx(15.0)
    with caplog.at_level(logging.WARNING, logger="calibration"):
        offset_from_spans(10.0, 130.0)
    assert any("doubtful" in r.message for r in caplog.records)
    with pytest.raises(InputError, match="align must be"):
        offset_from_spans(1.0, 2.0, align="middle")
    with pytest.raises(InputError, match="durations must be >= 0"):
        offset_from_spans(-1.0, 2.0)


def test_sync_offset_dataclass():
    s = SyncOffset(offset_s=4, method="given", detail="--sync-offset 4")
    assert s.offset_s == 4.0 and s.confidence is None
    assert s.to_trace(1.0) == 5.0 and s.to_video(5.0) == 1.0
    with pytest.raises(InputError, match="sync method must be one of"):
        SyncOffset(offset_s=0.0, method="guess")
    with pytest.raises(InputError, match="confidence must be between 0 and 1"):
        SyncOffset(offset_s=0.0, method="auto", confidence=1.5)


def test_frame_clock():
    c = FrameClock.from_fps(5, 2.0)
    np.testing.assert_allclose(c.times_s, [0, 0.5, 1.0, 1.5, 2.0])
    assert c.fps == pytest.approx(2.0) and c.duration_s == 2.0 and len(c) == 5
    assert c.time_of(3) == 1.5
    assert c.frame_at(1.2) == 2 and c.frame_at(-5) == 0 and c.frame_at(99) == 4
    np.testing.assert_array_equal(c.frame_at([0.26, 0.74]), [1, 1])
    np.testing.assert_allclose(c.trace_times(10.0)[:2], [10.0, 10.5])
    v = FrameClock.from_timestamps([100.0, 100.04, 100.2])  # variable rate, shifted to 0
    np.testing.assert_allclose(v.times_s, [0.0, 0.04, 0.2])
    with pytest.raises(InputError, match="frame 2 is not after frame 1"):
        FrameClock([0.0, 1.0, 1.0])
    with pytest.raises(InputError, match="fps must be > 0"):
        FrameClock.from_fps(3, 0)
    with pytest.raises(InputError, match="frame index out of range"):
        c.time_of(5)
    with pytest.raises(InputError, match="at least one frame time"):
        FrameClock([])
