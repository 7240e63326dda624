"""A crack broken by a faint stretch of a few px is joined across it (issue 11, wave 21).

Across a gap shorter than the stretch the pieces' directions are measured over
(``LINK_TANGENT_PX``), the gap's own direction (nearest pixel to nearest pixel) is set by
where the two ends' pixels lie across their bands (3-4 px wide with the join dilation):
at a 4 px gap it is easily 30-45 deg off the crack, and the angle rule of the link step
refused the piece beyond, although both pieces run on in one direction. On main the
crack was measured up to the gap only (tuning seed 7033, scan at 16.2 s: 139 px of a
660 px crack). Drawn here: the dark 2 px crack of ``test_crack_link`` whose contrast
is gone over 4-7 px; the requirement is the path length within 10 % (issue 11, 90th
percentile per frame). The checks that a line beside or across the crack's end is not
joined stay in ``test_crack_link``.
"""

import numpy as np
import pytest
from test_crack_link import LENGTH_REL, SHAPE, _faded, _frame, _measure, _path


@pytest.mark.parametrize(("seed", "fade", "heading"), [
    (1, (70.0, 77.0), 0.0), (4, (150.0, 154.0), 0.0), (9, (90.0, 95.0), 0.35),
    (10, (120.0, 126.0), 0.35)])
def test_crack_broken_by_a_short_faint_stretch_is_measured_whole(seed, fade, heading):
    rng = np.random.default_rng(seed)
    true = 260.0
    pts = _path(true, heading=heading)
    background = np.mean([_frame(np.zeros(SHAPE), rng, 0.03) for _ in range(4)], axis=0)
    image = _frame(_faded(pts, 2.0, *fade), rng, 0.03)
    got = _measure(image, background)
    assert got is not None
    assert abs(got.total_length_px - true) <= LENGTH_REL * true, (got.total_length_px, true)
