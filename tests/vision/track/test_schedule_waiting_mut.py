"""Frames waiting for the background model, and the scan kept for repeats (issue 16: no
planted bug survives).

Kills mutants of ``vision/track/_schedule.py`` on the lines changed in wave 12 (frames wait
without their pixels, ``benchmarks/mutate_changed.py 03236e8 --file
vision/track/_schedule.py``), with the module's promises on a rendered scene of known
frames (rows != cols):

- every frame gets its row, in video order; a blank frame among the first scans (before
  the background model exists) is a skipped frame (NaN, counted), not a repeat of the
  scan before it, and the scans around it are measured as without it;
- a video cut in the middle of a scan (its first frame torn) still gives every frame its
  row;
- the measurement kept for the frames that repeat it holds the numbers of the last scan,
  not its image nor its lithium mask (issue 14: memory).
"""
import dataclasses

import numpy as np
import pytest

from vision import Frame
from vision.synthetic import preset, render_frames
from vision.track._tracker import track_iter

#: Frames that are not a scan's own: no measurement of their own.
MEASURED = ["max_whisker_length_um", "li_area_um2"]


def _scene(seed):
    return preset("whisker", seed=seed, duration_s=4.0, scan_period_s=0.5, shape=(192, 256),
                  electrode_xy_px=(80.0, 90.0), electrode_radius_px=30.0,
                  counter_electrode_x_px=232.0)


def _frames(scene):
    return [Frame(int(row["frame"]), float(row["time_s"]), np.array(img),
                  is_duplicate=bool(row["is_duplicate"]),
                  partial_refresh=bool(row["partial_refresh"]),
                  content_time_s=float(row["content_time_s"]))
            for img, row, *_ in render_frames(scene)]


def _track(scene, frames):
    it = track_iter(iter(frames), pixel_size_um=scene.pixel_size_um, measure=("whiskers",),
                    counter_electrode="right")
    shown = [ft.frame.index for ft in it]
    return it, shown


@pytest.mark.parametrize("seed", [1, 2])
def test_a_blank_frame_before_the_background_exists_is_skipped(seed):
    scene = _scene(seed)
    frames = _frames(scene)
    # the first duplicate after the first scan: the background model needs more scans
    k = next(i for i, f in enumerate(frames) if f.is_duplicate)
    blank = dataclasses.replace(frames[k], image=np.zeros_like(frames[k].image),
                                is_duplicate=False)
    it, shown = _track(scene, frames[:k] + [blank] + frames[k + 1:])
    _, ref_shown = ref = _track(scene, frames)
    assert shown == ref_shown == [f.index for f in frames]
    got, want = it.tracks.frames, ref[0].tracks.frames
    assert got["skipped"].tolist() == [i == k for i in range(len(frames))]
    assert it.tracks.n_skipped_frames == 1
    assert got.loc[k, MEASURED].isna().all()
    # the scans themselves are measured as without the blank frame
    scans = ~want["is_duplicate"].to_numpy(bool)
    np.testing.assert_allclose(got.loc[scans, MEASURED].to_numpy(float),
                               want.loc[scans, MEASURED].to_numpy(float), equal_nan=True)


def test_a_video_cut_in_the_middle_of_a_scan_gives_every_frame_its_row():
    scene = _scene(3)
    frames = _frames(scene)
    frames[0] = dataclasses.replace(frames[0], partial_refresh=True)
    it, shown = _track(scene, frames)
    assert shown == [f.index for f in frames]
    assert it.tracks.frames["frame"].tolist() == [f.index for f in frames]


def test_the_scan_kept_for_repeats_holds_numbers_not_pixels():
    scene = _scene(4)
    frames = _frames(scene)
    it = track_iter(iter(frames), pixel_size_um=scene.pixel_size_um, measure=("whiskers",),
                    counter_electrode="right")
    last_scan = None
    for ft in it:
        if ft.measured:
            last_scan = ft
        kept = it._tracker.last
        if kept is None:
            continue
        # the last measured scan, by its frame and its numbers, without image or mask
        assert kept.frame.index == last_scan.frame.index
        assert kept.frame.image is None and kept.li_mask is None
        assert kept.row == last_scan.row
    assert last_scan is not None and last_scan.li_mask is not None
