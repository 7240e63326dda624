"""mark_refreshes on lossy screen recordings: the scan count must survive the codec (issue 14).

Synthetic renders (preset scenes, seeds < 100000) in MPEG-4 (GOP 12: keyframes fall
inside runs of duplicates), H.264 and MJPEG at several qualities and frames per scan.
The requirement: every frame with new content found, no duplicate taken for a new
scan. The cases the detector does not meet yet are strict xfails (reported, and
turned into failures the day they pass), not skips.
"""
import numpy as np
import pandas as pd
import pytest

from vision import mark_refreshes, open_video

synthetic = pytest.importorskip("vision.synthetic")

FPS = 25.0

#: (codec, crf, frames per scan) that meet the requirement now.
EXACT = [("h264", 18, 1), ("h264", 18, 5), ("h264", 18, 12), ("mjpeg", 18, 1),
         # exact since wave 10: a change too weak to carry new scan noise is a re-draw
         # while the populations are not formed (the start-up of the model)
         ("h264", 25, 5)]
#: Measured short of it (docs/pages/performance.md). Duplicates taken for new / new-content
#: frames missed, branch point c063490 -> the two-population model (commit fe87e17):
#: MPEG-4 crf 25 20/3 -> 10/3, crf 32 22/3 -> 23/2, H.264 crf 32 27/10 -> 14/6,
#: MJPEG crf 25 12/2 -> 24/2. These 6 s renders hold 15 scans, and the model needs a few
#: scans of changes before it decides (until then every change is taken for a scan), so
#: most errors left are in the first 2 s; the encoder also delivers some scans late.
#: Re-measured at 1b7ba61 (after the deterministic H.264 writer, c92dec7): MPEG-4 crf 25
#: 10/3, crf 32 23/2, H.264 crf 32 21/4, MJPEG crf 25 24/2 (MJPEG: every frame a
#: keyframe; re-draws change by 1.2-5.7 grey levels, scans by 9-27 but their first
#: scan by 5.7 and the second halves of torn scans by 3.8-3.9: the populations overlap).
#: Re-measured on refresh10 (the scan-noise criterion, wave 10): MPEG-4 crf 25 8/3, crf 32
#: 23/2, H.264 crf 32 19/5, MJPEG crf 25 13/0.
NOT_YET = [("mpeg4", 25, 10), ("mpeg4", 32, 10), ("h264", 32, 5), ("mjpeg", 25, 10)]
#: Met on branch speed9-wip (the model learnt from the first 3 s before the first frame is
#: decided; docs/pages/performance.md, wave 9), not merged (tuning rows): exact there, and
#: main 3c685da takes 1 duplicate for new (H.264) / misses the weak second frame (MPEG-4).
EXACT_WIP = [("mpeg4", 25, 1), ("mpeg4", 32, 1)]
#: No duplicate taken for new on speed9-wip; main 3c685da takes 11, 6, 16 and 24
#: (refresh10, wave 10: 10, 5, 14 and 13).
NO_FALSE_NEW_WIP = [("mpeg4", 25, 5), ("mpeg4", 25, 12), ("mjpeg", 25, 5), ("mjpeg", 25, 10)]
_WIP = pytest.mark.xfail(strict=True, reason="issue 14: the start-up of the model (speed9-wip)")


def _render(tmp_path, codec, crf, per_scan):
    from vision.synthetic._extras import Extras

    scene = synthetic.preset("whisker", fps=FPS, scan_period_s=per_scan / FPS, duration_s=6.0,
                             seed=7)
    scene = scene.replace(extras=Extras(codec=codec, crf=crf, x264_preset="veryfast"))
    return synthetic.render_random(scene, tmp_path)


def _counts(written):
    truth = pd.read_csv(written.truth_frames)
    with open_video(written.video) as reader:
        new = np.array([not f.is_duplicate for f in mark_refreshes(reader)])
    want = ~truth["is_duplicate"].to_numpy(bool)
    return int(want.sum()), int((new & ~want).sum()), int((want & ~new).sum())


@pytest.mark.parametrize("codec,crf,per_scan", EXACT)
def test_scan_count_exact(tmp_path, codec, crf, per_scan):
    n, false_new, missed = _counts(_render(tmp_path, codec, crf, per_scan))
    assert n >= 6 * FPS / per_scan * 0.9  # the render holds the scans it should
    assert (false_new, missed) == (0, 0), f"{false_new} duplicates taken for new, {missed} missed"


@pytest.mark.parametrize("codec,crf,per_scan", [
    pytest.param(*case, marks=pytest.mark.xfail(
        strict=True, reason="issue 14: not exact yet (start-up of the model, late delivery)"))
    for case in NOT_YET])
def test_scan_count_exact_not_yet(tmp_path, codec, crf, per_scan):
    n, false_new, missed = _counts(_render(tmp_path, codec, crf, per_scan))
    assert (false_new, missed) == (0, 0), f"{false_new} duplicates taken for new, {missed} missed"


@pytest.mark.parametrize("codec,crf,per_scan", [pytest.param(*c, marks=_WIP) for c in EXACT_WIP])
def test_scan_count_exact_with_the_model_learnt_first(tmp_path, codec, crf, per_scan):
    n, false_new, missed = _counts(_render(tmp_path, codec, crf, per_scan))
    assert (false_new, missed) == (0, 0), f"{false_new} duplicates taken for new, {missed} missed"


@pytest.mark.parametrize("codec,crf,per_scan",
                         [pytest.param(*c, marks=_WIP) for c in NO_FALSE_NEW_WIP])
def test_no_duplicate_taken_for_new(tmp_path, codec, crf, per_scan):
    n, false_new, missed = _counts(_render(tmp_path, codec, crf, per_scan))
    assert false_new == 0, f"{false_new} duplicates taken for new ({missed} missed)"
