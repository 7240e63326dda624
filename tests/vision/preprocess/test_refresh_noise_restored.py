"""A predicted frame restoring the noise MPEG-4 wiped is not a new scan (issue 14).

An MPEG-4 encoder at a high CRF may send a new scan with its noise partly
wiped and add the missing noise back over the next predicted frames. Such a
refinement adds only the missing part of the noise variance: from a frame at
noise sigma s1 to one at s2 of the same scan, the change has standard deviation
sqrt(s2^2 - s1^2), its mean absolute value measured at 0.3-0.45 of the scan noise
level n = 2 (s1 + s2) / (2 sqrt(pi)) (seed 2002: five times in 90 frames, each
taken for a scan, so a whisker seen by the crack filter in the re-drawn frames
counted as a crack in half the "scans"). A new scan replaces the noise (>= n; a
predicted frame may send it as a residual over the old noise, down to 0.56-0.6 n on
the tuning renders). Where the change strengths form two populations (the
encoder's residuals and the rest), a predicted frame's change is judged by them,
and below half of n it is a re-draw.
"""
import math

import numpy as np
import pytest

from vision.preprocess import _refresh

SIGMA = 16.0                                  # grey levels, noise of the restored scan


def _history(rng, k):
    """Changes of a video so far: residuals (< 1 grey level) and scans (8-25), at k."""
    frames = np.arange(k - 60, k)
    strengths = np.where(frames % 6 == 0, rng.uniform(8.0, 25.0, frames.size),
                         rng.uniform(0.2, 0.9, frames.size))
    keep = (frames % 6 == 0) | (frames % 3 == 1)
    return [(int(f), float(s)) for f, s in zip(frames[keep], strengths[keep])]


def _restoring(s1, s2):
    """Mean |change| of a frame restoring noise from sigma s1 to s2 (grey levels)."""
    return math.sqrt(2.0 / math.pi) * math.sqrt(s2 * s2 - s1 * s1)


@pytest.mark.parametrize("seed", [0, 1, 2])
# steps of the noise by up to a fifth (seed 2002: 12.6 -> 15.7 -> 18.8 -> 21.2 grey levels);
# a larger step restores more than half of n at once and stays to the populations
@pytest.mark.parametrize("s1", [0.8 * SIGMA, 0.85 * SIGMA, 0.9 * SIGMA])
def test_noise_restored_on_a_predicted_frame_is_a_redraw(seed, s1):
    rng = np.random.default_rng(seed)
    k = 200
    strength = _restoring(s1, SIGMA)
    n = 2.0 / math.sqrt(math.pi) * 0.5 * (s1 + SIGMA)
    assert strength < 0.5 * n                 # the model: under half the scan noise level
    history = _history(rng, k) + [(k, strength)]
    assert _refresh._two_populations([s for _, s in history]) is not None
    # one frame after the last scan: a scan would not be due by the period either way,
    # and the strength lies above the residuals' boundary: only the noise rule decides
    assert not _refresh._is_new_scan(k, strength, history, k - 1, sigmas=(SIGMA, s1),
                                     repeats=10)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("share", [0.6, 0.8, 1.0])
def test_a_new_scan_sent_as_a_residual_stays_a_scan(seed, share):
    # H.264 may send a new scan on a predicted frame as a residual over the old noise:
    # 0.6-0.8 n measured; a full new scan carries n
    rng = np.random.default_rng(seed)
    k = 200
    n = 2.0 / math.sqrt(math.pi) * SIGMA
    history = _history(rng, k) + [(k, share * n)]
    assert _refresh._is_new_scan(k, share * n, history, k - 6, sigmas=(SIGMA, SIGMA),
                                 repeats=10)


def test_without_measured_noise_the_populations_decide():
    # a frame whose noise the encoder wiped (sigma < 2 grey levels) tells nothing by its
    # noise: a change above the residuals' boundary is a scan as before
    rng = np.random.default_rng(3)
    k = 200
    history = _history(rng, k) + [(k, 1.5)]
    assert _refresh._is_new_scan(k, 1.5, history, k - 6, sigmas=(1.5, 1.5), repeats=10)
