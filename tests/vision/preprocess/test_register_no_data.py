"""Issue 15, "no false lithium": pixels that drift registration shifts into the frame from
outside are not data.

Registration resamples a drifted frame into first-frame coordinates; where the frame did
not see the scene, the resampler repeats the frame's edge. In a control scene (nothing
grows) with the electrode near the field's edge, the repeated electrode edge filled the
strip between the electrode and the edge after a beam shift: a false lateral front and
false whiskers (tuning seed 7024). Hand-made control scenes (rows != cols) with a
beam shift towards and away from the electrode; the truth is "nothing grew".
"""
import cv2
import numpy as np
import pytest

from vision import Frame
from vision.preprocess._register import no_data_mask, shift_image
from vision.track._tracker import track

ROWS, COLS = 160, 240
PAD = 40  # the canvas the field of view moves over


def test_no_data_mask_is_what_the_frame_did_not_see():
    """Exactly the pixels whose sample point lies outside the frame's field of view.

    The frame saw its pixels' footprints (-0.5 .. cols - 0.5): a pixel sampled beyond
    that is the resampler's invention (the outside value leaks in with more than half
    of its weight); a sub-pixel drift marks nothing.
    """
    rng = np.random.default_rng(3)
    img = rng.uniform(10, 250, (ROWS, COLS)).astype(np.float32)
    for dx, dy in [(0.0, 0.0), (-7.3, 2.6), (4.0, -3.0), (12.5, 0.4), (-0.2, -0.2), (0.7, -0.6)]:
        outside = shift_image(np.ones_like(img), dx, dy, border_value=0.0)  # 1 = in the frame
        mask = no_data_mask(img.shape, dx, dy)
        assert mask.shape == img.shape and mask.dtype == bool
        # a sample point beyond the footprint of the edge pixels takes more than half of
        # its bilinear weight from outside; within it, at most half
        assert np.array_equal(mask, outside < 0.5 - 1e-4) or \
            np.array_equal(mask[1:-1, 1:-1], (outside < 0.5 - 1e-4)[1:-1, 1:-1]), (dx, dy)
        cols = np.flatnonzero(mask.all(axis=0))
        rows = np.flatnonzero(mask.all(axis=1))
        assert len(cols) == int(round(abs(dx))) and len(rows) == int(round(abs(dy))), (dx, dy)
    assert not no_data_mask(img.shape, 0.4, -0.4).any()
    assert no_data_mask(img.shape, float("nan"), 0.0).all()
    assert no_data_mask(img.shape, 500.0, 0.0).all()


def _canvas(seed):
    """Ceramic texture with a dark electrode disc near the left edge of the field."""
    rng = np.random.default_rng(seed)
    h, w = ROWS + 2 * PAD, COLS + 2 * PAD
    tex = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 3.0)
    img = 150.0 + 10.0 * tex / tex.std()
    yy, xx = np.mgrid[:h, :w]
    ex, ey, r = PAD + 42.0, PAD + ROWS / 2, 28.0   # 14 px of ceramic left of the electrode
    cov = np.clip(r + 0.5 - np.hypot(xx - ex, yy - ey), 0, 1).astype(np.float32)
    img = img * (1 - cov) + 50.0 * cov
    return img


def _control_video(seed, shift_xy, n=14, at=6):
    """A control: the same scene every scan, the field moved by ``shift_xy`` from scan ``at``."""
    canvas = _canvas(seed)
    rng = np.random.default_rng(seed + 50)
    frames = []
    for k in range(n):
        sx, sy = shift_xy if k >= at else (0, 0)
        # content at canvas (X, Y) is seen at field (X - PAD + sx, Y - PAD + sy): drift (sx, sy)
        view = canvas[PAD - sy:PAD - sy + ROWS, PAD - sx:PAD - sx + COLS]
        img = np.clip(view + rng.normal(0, 3.0, view.shape), 0, 255).astype(np.uint8)
        frames.append(Frame(k, 0.5 * k, img, content_time_s=0.5 * k))
    return frames


@pytest.mark.parametrize("seed,shift", [(0, (-12, 0)), (1, (-9, 5)), (2, (-14, -6)), (3, (10, 4))])
def test_beam_shift_in_a_control_makes_no_lithium(seed, shift):
    """Nothing grows: no whisker, no lateral front, however the field moved."""
    frames = _control_video(seed, shift)
    tracks = track(frames, pixel_size_um=0.5, electrode=(42.0, ROWS / 2, 28.0),
                   counter_electrode="right", measure=("whiskers", "front"),
                   n_background_scans=3, min_whisker_scans=2)
    f = tracks.frames
    after = f[f["frame"] >= 6]
    # the drift was measured (to a pixel): the test is about what follows from it
    assert np.allclose(after["drift_x_px"], shift[0], atol=1.0), after["drift_x_px"].tolist()
    assert np.allclose(after["drift_y_px"], shift[1], atol=1.0), after["drift_y_px"].tolist()
    assert tracks.whiskers.empty, tracks.whiskers[["frame", "whisker_id", "length_um"]]
    # no lateral lithium: no front is measured in any scan
    front = f["front_distance_um"].to_numpy(float)
    assert np.isnan(front).all(), front
