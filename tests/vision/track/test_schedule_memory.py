"""The frame scheduler keeps no frame's pixels it does not need (memory only, issue 14).

Frames waiting for the background model (the first ``n_background_scans`` scans and
the duplicates among them) and the last measured scan, kept for the frames that repeat
it, used to hold their full images: at 1920x1080 2.1 MB a frame, so the buffer grew
with the duplicates before the third scan. The video is streamed as a reader streams
it (one image made per frame); weak references count which images are still alive.
"""
import gc
import weakref

import numpy as np
import pytest

from vision import Frame
from vision.synthetic import preset, render_frames
from vision.track._tracker import track_iter


def _stream(scene, alive, read):
    """Frames of ``scene`` with the truth's refresh flags, one image made per frame."""
    for img, row, *_ in render_frames(scene):
        image = np.array(img)           # a fresh array per frame, as a reader decodes it
        alive[int(row["frame"])] = weakref.ref(image)
        read.append(int(row["frame"]))
        yield Frame(int(row["frame"]), float(row["time_s"]), image,
                    is_duplicate=bool(row["is_duplicate"]),
                    partial_refresh=bool(row["partial_refresh"]),
                    content_time_s=float(row["content_time_s"]))


@pytest.mark.parametrize("seed, scan_period_s", [(1, 0.5), (2, 0.8), (3, 1.0)])
def test_buffered_and_repeated_frames_hold_no_images(seed, scan_period_s):
    # 5 to 10 frames a scan: 10 to 27 duplicates wait with the first three scans
    scene = preset("whisker", seed=seed, duration_s=6.0, scan_period_s=scan_period_s,
                   shape=(192, 256), electrode_xy_px=(80.0, 90.0), electrode_radius_px=30.0,
                   counter_electrode_x_px=232.0)
    truth = [row for _, row, *_ in render_frames(scene)]
    alive, read = {}, []
    it = track_iter(_stream(scene, alive, read), pixel_size_um=scene.pixel_size_um,
                    measure=("whiskers",), counter_electrode="right")
    imageless, extra = [], {}
    for ft in it:
        shown = ft.frame.index
        if ft.frame.image is None:
            imageless.append(shown)
        del ft
        # the scheduler works on one frame at a time: the frame just read, and a torn
        # frame held one frame to see whether the next completes its scan (the frame
        # yielded then) are the only images it may hold
        held = {k for k, ref in alive.items() if ref() is not None} - {read[-1], shown}
        if held:
            # an image freed only by the cycle collector is not held: collect, look again
            # (a full collection per frame walks the whole test process's heap: 70 s a
            # case late in a full suite run)
            gc.collect()
            held = {k for k, ref in alive.items() if ref() is not None} - {read[-1], shown}
        if held:
            extra[shown] = sorted(held)
    assert not extra, f"images held when frames were yielded (frame: images): {extra}"

    frames = it.tracks.frames
    assert frames["frame"].tolist() == [int(r["frame"]) for r in truth]
    # the frames buffered until the background exists come without their image ...
    first_scans = [int(r["frame"]) for r in truth if not r["is_duplicate"]][:3]
    assert set(range(first_scans[-1])) <= set(imageless)
    # ... and every duplicate still repeats the measurement of its scan
    lengths = frames["max_whisker_length_um"].to_numpy()
    dup = frames["is_duplicate"].to_numpy(bool)
    assert dup.sum() == sum(r["is_duplicate"] for r in truth) > 10
    scan_of = np.maximum.accumulate(np.where(~dup, np.arange(len(dup)), 0))
    np.testing.assert_array_equal(lengths[dup], lengths[scan_of[dup]])
    # (a torn frame among them repeats the scan before: its own is not complete yet)
    whole = ~np.array([r["partial_refresh"] for r in truth], bool)
    np.testing.assert_array_equal(frames["content_time_s"].to_numpy()[whole],
                                  np.array([r["content_time_s"] for r in truth])[whole])
