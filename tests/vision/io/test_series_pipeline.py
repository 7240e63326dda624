"""A folder of single SEM TIFFs runs through the whole analysis without fps.

The 'lateral' preset is rendered as numbered PNGs with their exact frame times
(frame_times.csv); the same frames are then saved as single TIFFs stamped only
with a whole-second TIFF DateTime each (what an SEM writes), the first 0.3 s
into its second. Analysing the TIFF folder without fps must give what the exact
times give, to within the uncertainty the reader states.
"""
import datetime as dt
import warnings

import cv2
import numpy as np
import pandas as pd
import pytest
import tifffile

from vision import analyze, open_video
from vision.synthetic import preset, render


@pytest.fixture(scope="module")
def series(tmp_path_factory):
    out = tmp_path_factory.mktemp("series")
    scene = preset("lateral", shape=(192, 256))
    res = render(scene, out, fmt="png")
    times = pd.read_csv(res.video / "frame_times.csv")["time_s"].to_numpy()
    folder = out / "tif"
    folder.mkdir()
    start = dt.datetime(2024, 5, 1, 10, 0, 0)
    for png, t in zip(sorted(res.video.glob("*.png")), times):
        image = cv2.imread(str(png), cv2.IMREAD_UNCHANGED)
        stamp = start + dt.timedelta(seconds=int(np.floor(0.3 + t)))
        tifffile.imwrite(folder / f"{png.stem}.tif", image, datetime=stamp)
    return scene, res.video, folder, times


def test_tiff_series_without_fps_matches_exact_times(series):
    scene, pngs, tifs, times = series
    with pytest.warns(UserWarning, match="1 s resolution"):
        reader = open_video(tifs)
    with reader:
        unc = reader.metadata["time_uncertainty_s"]
        interval_rel = (reader.metadata["frame_interval_uncertainty_s"]
                        / reader.metadata["frame_interval_s"])
        got = np.array([f.time_s for f in reader])
    assert np.all(np.abs(got - times) <= unc + 1e-9)
    assert unc < 0.5  # 220 frames over 22 s: far better than the 1 s stamps
    exact = analyze(pngs, pixel_size_um=scene.pixel_size_um)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        stamped = analyze(tifs, pixel_size_um=scene.pixel_size_um)
    a, b = exact.summary, stamped.summary
    assert any("1 s resolution" in w for w in b["warnings"])
    assert b["n_frames"] == a["n_frames"]
    assert b["failure_mode"] == a["failure_mode"]
    for key in ("touchdown_time_s", "growth_onset_time_s", "lateral_onset_time_s", "duration_s"):
        if a[key] is None:
            assert b[key] is None
        else:
            assert abs(b[key] - a[key]) <= unc, key
    # a spacing scales with the frame interval: relative error <= that of the interval
    assert b["scan_period_s"] == pytest.approx(a["scan_period_s"], rel=interval_rel + 1e-9)
    if a["front_speed_um_s"] is not None:  # a rate over the run: relative error <= unc / duration
        assert b["front_speed_um_s"] == pytest.approx(a["front_speed_um_s"],
                                                      rel=2 * unc / a["duration_s"])
