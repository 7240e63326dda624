"""A crack along a grain boundary that reads as a *faint* dark line there (mutation, issue 16).

The scene of ``test_crack_boundary_w17`` (a dark crack across a grain that turns at a
junction into a grain boundary and runs along it), with a boundary groove only a little
lighter than the lithium (0.23 and 0.20 against 0.15, the ceramic 0.46, noise 0.03): along
the boundary the crack is a dark line of 0.08 or 0.05 contrast, which the line pass sees
in dashes. The mean of the lithium's own sign along the boundary (``_opposite_lines``'
``z_own``) joins them; without it (wave 19's open survivor ``_opposite_lines`` 75) tuning
seed 1 at 0.23 measures 195 px of 234. The requirement (issue 11): the path length within
10 % per frame (90th percentile).
"""

import pytest
import test_crack_boundary_w17 as w17

LENGTH_REL = w17.LENGTH_REL


def _check(seed, groove):
    image, background = w17._scene(seed, groove)
    c = w17._measure(image, background)
    true = w17._true_length()
    assert c is not None
    assert abs(c.path_length_px - true) <= LENGTH_REL * true, (c.path_length_px, true)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_crack_along_a_boundary_of_faint_contrast_is_measured_whole(seed):
    _check(seed, 0.23)


@pytest.mark.parametrize("seed", [
    1,
    pytest.param(2, marks=pytest.mark.xfail(
        strict=True, reason="groove 0.20 (crack contrast 0.05 along the boundary against a noise of "
        "0.03 a pixel), seed 2: measured up to the junction only, 89.6 px of 234.4 "
        "(wave 20, main 7648ff6); seeds 1 and 3 are measured whole")),
    3,
])
def test_crack_along_a_boundary_of_fainter_contrast_is_measured_whole(seed):
    _check(seed, 0.20)
