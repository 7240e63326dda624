"""``trace_short_circuit_time_s`` is the trace's short circuit on the video clock, as every
``*_time_s`` key of summary.json (issue 15.7): on the lateral sample it lies at the true
short circuit (video clock), not ``sync_offset_s`` (3.2 s) later where the trace's own clock
has it."""
from test_analyze_pipeline import _analysis, _truth


def test_trace_short_circuit_is_on_the_video_clock():
    truth, s = _truth("lateral"), _analysis("lateral").summary
    t = s["trace_short_circuit_time_s"]
    # the short is a current jump in a 20 Hz trace, placed on the video clock by the sync
    # (issue 13: within two scans); the trace clock would put it 3.2 s = 6.4 scans later
    assert abs(t - truth["short_circuit_s"]) <= 2 * truth["scan_period_s"], (t, truth)
    assert abs(t + truth["sync_offset_s"] - truth["short_circuit_s"]) > 2 * truth["scan_period_s"]
    assert s["short_circuit_time_trace_s"] == t  # the deprecated name, same value
