"""mark_refreshes: a torn frame is new content, and a torn frame has a rest (wave 17).

Constructed videos of ``test_refresh_torn_w15b`` (smooth picture plus fresh SEM noise
the encoder keeps only at low frequencies; weak re-draws between scans). The truth of
every frame is known by construction; the requirement is issue 14's: every frame with
new content reported new (none read as a repeat), every distinct scan found once with
its content time, a complete frame not reported torn.
"""
import numpy as np
import pytest
from test_refresh_torn_w15b import FPS, GOP, PERIOD, H, W, _after_start_up, _run, _Video

from vision.preprocess import _refresh, mark_refreshes


def _align(video):
    """Hold the first frame until the 15th scan's first frame is a predicted one."""
    while (len(video.frames) + PERIOD * 14) % GOP != 5:
        video.add(video.shown, 0.0)


@pytest.mark.parametrize("seed,tear", [(4, H // 3), (5, 2 * H // 3), (6, H // 2)])
def test_a_torn_top_not_taken_is_reported_torn_not_a_repeat(monkeypatch, seed, tear):
    # 1080p MPEG-4 frames 80/81: frame 80 shows the new scan above row 323 but the model
    # did not take it (an early frame of the lattice's window); frame 81 completes the
    # rows below and is taken, with frame 80's content time. Frame 80 was reported a
    # duplicate of the scan before: a frame with new content read as a repeat.
    video = _Video(seed)
    _align(video)
    _run(video, 20, lambda v: v.torn(tear, 0.0), at=(14,))
    torn_at = video.torn_at
    decide = _refresh._is_new_scan
    monkeypatch.setattr(_refresh, "_is_new_scan", lambda k, *a, **kw: False if k == torn_at
                        else decide(k, *a, **kw))
    frames = list(mark_refreshes(iter(video.frames), detect_data_bar=False))
    torn, rest = frames[torn_at], frames[torn_at + 1]
    assert not torn.is_duplicate and torn.partial_refresh
    assert torn.content_time_s == pytest.approx(video.content[torn_at])
    assert abs(torn.tear_row - tear) <= 8          # the detector's resolution: a band
    assert not rest.is_duplicate and not rest.partial_refresh
    assert rest.content_time_s == pytest.approx(video.content[torn_at])
    assert [f.is_duplicate for f in frames[torn_at + 2:torn_at + PERIOD]] == [True] * (
        PERIOD - 2)
    got, want = _after_start_up(video, frames)
    assert got == pytest.approx(want)


def _top_changed_only(rows, redraw_sigma):
    """A complete new scan whose rows below ``rows`` changed no more than a re-draw.

    The 1080p MPEG-4 frame 1770: a keyframe that wiped the noise, so the scan's lower
    rows (whose content hardly changed between scans) differ from the frame before by
    less than the band threshold, its upper rows by scan strength: it reads as a torn
    top; no rest ever comes (the next frames repeat it). Here the lower rows are not
    changed at all (``redraw_sigma`` 0), the case in its plainest form.
    """
    def special(video):
        t = len(video.frames) / FPS
        video.special_at = len(video.frames)
        new = video.shown.copy()
        new[:rows] = video._scan()[:rows]
        new[rows:] += video._noise(redraw_sigma, (H - rows, W))
        video.add(new, t)
        return t
    return special


@pytest.mark.parametrize("seed,rows", [(7, H // 3), (8, H // 2), (9, 2 * H // 3)])
def test_a_frame_read_torn_whose_rest_never_comes_is_complete(seed, rows):
    video = _Video(seed)
    _align(video)
    _run(video, 20, _top_changed_only(rows, 0.0), at=(14,))
    k = video.special_at
    assert not video.frames[k + 1].is_keyframe      # the next frame repeats it
    frames = list(mark_refreshes(iter(video.frames), detect_data_bar=False))
    # the truth: a complete frame, then repeats of it, not torn ones
    assert not frames[k].is_duplicate and not frames[k].partial_refresh
    assert frames[k].tear_row is None
    assert frames[k].content_time_s == pytest.approx(video.content[k])
    after = frames[k + 1:k + PERIOD]
    assert all(f.is_duplicate and not f.partial_refresh for f in after)
    assert all(f.content_time_s == pytest.approx(video.content[k]) for f in after)
    got, want = _after_start_up(video, frames)
    assert got == pytest.approx(want)
    # and every frame with new content is reported new
    new = np.array([not f.is_duplicate for f in frames])
    truth_new = np.r_[True, np.diff(video.content) != 0]
    assert not (truth_new & ~new)[8 * PERIOD:].any()
