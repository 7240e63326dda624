"""The electrode's rim is the disc's edge, not the outline of the region holding it (issue 11).

The first frame of each scene (as in test_electrode_random: in memory, no codec, data
bar and screen border cut) is searched for the electrode; the found circle is compared
with the generator's truth. On these seeds the region found holds more than the disc:

- 7076: a 181 px dark electrode merged with a dark grain beside it, the needle cutting
  into it (its inscribed circle only 112 px): the region's circle read 201 px, centre
  25 px off, and the edge fit started on it agreed with it (its window never reached
  the rim on the grain's side). Wave 17: this made its front wrong.
- 7031: a 43 px dark electrode with a bright rim: the bright mask's ring (hole filled)
  read 48.4 px, its outer edge; the edge fit found the rim at 43.0 px but moved further
  than the fit was trusted to move.

Tolerance as in test_electrode_random: max(2 px, 5 % of the radius).
"""
import pytest
from test_electrode_random import _tolerance, first_frame

from vision.measure._electrode import find_electrode

SEEDS = {
    7076: "dark electrode merged with a dark grain, needle over it: radius +21 px",
    7031: "dark electrode's bright rim ring taken: radius at the ring's outer edge, +5.5 px",
}


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_rim_is_the_disc_edge(seed):
    scene, image, (left, top) = first_frame(seed)
    ex, ey = scene.electrode_xy_px
    r = scene.electrode_radius_px
    e = find_electrode(image)
    tol = _tolerance(r)
    assert abs(e.radius_px - r) <= tol, (seed, SEEDS[seed], e)
    assert abs(e.x_px + left - ex) <= tol, (seed, SEEDS[seed], e)
    assert abs(e.y_px + top - ey) <= tol, (seed, SEEDS[seed], e)
