"""Issue 14 (peak RSS at 1080p <= 400 MB): what the tracker and the segmentation hold.

At full HD a float32 frame is 7.6 MB and the run's peak is inside the per-scan analysis
(segmentation, then the crack search). Wave 20 (`memory20`) stopped holding frames that
are not read again: the unmasked change image and the whiskers' copy of it through the
segmentation, the segmentation's strength map through the crack search and the front, the
area detection's weights beside their product, the offset map's old frame beside the new.
The results are the same to the bit (tables' SHA-256 on the HD bench video and tuning
renders, CHANGELOG "Wave 20: memory"); these tests pin what is alive, against the
drawn scene and the array sizes, not against a measured figure.
"""
import sys
import tracemalloc

import numpy as np

from vision import Frame, find_data_bar, mark_refreshes, track
from vision.measure import _segment
from vision.synthetic import Artefacts, preset, render_frames
from vision.track import _tracker


def test_crack_search_runs_with_no_frame_but_the_change_and_the_scan():
    # the tracker's locals when it calls the crack search: of its frame-sized float32
    # arrays only the change image (read again by the front and the Li area) and the
    # registered scan (the crack's input) are alive; on main the strength map (and, with
    # clipped pixels, the unmasked change and the whiskers' copy) were held too
    scene = preset("crack", artefacts=Artefacts(drift_px_s=3.0, flicker=0.2))
    frames = [Frame(row["frame"], row["time_s"], img)
              for img, row, _ in render_frames(scene, whiskers=True)]
    seen = []
    real = _tracker.detect_crack_core_or_rims

    def spy(reg, **kw):
        loc = sys._getframe(1).f_locals
        shape = np.shape(loc["li"])
        keep = {id(loc["diff"]), id(reg)}
        extra = sorted(name for name, v in loc.items()
                       if isinstance(v, np.ndarray) and v.dtype == np.float32
                       and v.shape == shape and id(v) not in keep)
        seen.append(extra)
        return real(reg, **kw)

    _tracker.detect_crack_core_or_rims = spy
    try:
        bar = find_data_bar(frames[0].image)
        track(list(mark_refreshes(frames)), pixel_size_um=scene.pixel_size_um,
              data_bar=None if bar is None else (bar.top, bar.bottom, bar.left, bar.right),
              counter_electrode="right")
    finally:
        _tracker.detect_crack_core_or_rims = real
    assert seen, "the crack search was not called"
    assert all(not s for s in seen), f"frames held through the crack search: {seen[0]}"


def test_area_detection_holds_one_temporary_of_the_box():
    # _coarse_detection on a full-HD box: beside its input z (float32) and the mask it is
    # given, one z-sized float32 temporary at a time (1 z) and its frame-sized uint8 masks
    # (the two upsampled levels, the eroded area, the high level: 1.25 z) = 2.25 z. On main
    # the weights and their product with z were held at once: 3.25 z
    rng = np.random.default_rng(8000)
    z = rng.normal(0.0, 1.0, (1080, 1920)).astype(np.float32)
    seen = np.abs(z) > 3.0
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        low, high = _segment._coarse_detection(z, seen, 0.3, 2.5, 5.0, 6.0)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert low.shape == high.shape == z.shape
    assert peak < 2.5 * z.nbytes, f"traced peak {peak / z.nbytes:.2f} z"
