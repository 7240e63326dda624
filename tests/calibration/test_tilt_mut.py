"""Tilt correction at its edges (issue 16: a planted bug must not survive).

Written against the survivors of the wave-14 mutation run of ``calibration/_tilt.py``
(``benchmarks/mutate_changed.py``, the whole file): the tilt range ends at 90 degrees,
the messages say what to do, the tilt axis is the image x axis by default, and a vector
given as two numbers comes back as two floats, one with an array as arrays.
"""
import math

import numpy as np
import pytest

from calibration import InputError, tilt_correct, tilt_correct_vector


@pytest.mark.parametrize("tilt", [90.5, -90.5, 91.0])
def test_a_tilt_beyond_90_degrees_is_refused(tilt):
    with pytest.raises(InputError, match=rf"^tilt_deg must be between -90 and 90 degrees, got {tilt!r}$"):
        tilt_correct(1.0, tilt_deg=tilt, direction="parallel")
    with pytest.raises(InputError, match="between -90 and 90 degrees"):
        tilt_correct_vector(1.0, 1.0, tilt_deg=tilt)


def test_90_and_0_degrees_are_in_range_where_the_length_is_seen():
    assert tilt_correct(2.0, tilt_deg=90.0, direction="normal") == pytest.approx(2.0)
    assert tilt_correct(2.0, tilt_deg=-90.0, direction="parallel") == 2.0
    assert tilt_correct(2.0, tilt_deg=0.0, direction="perpendicular") == 2.0


def test_the_messages_say_what_to_do():
    with pytest.raises(InputError, match=r"^tilt_deg = 90: lengths perpendicular to the tilt axis are "
                       r"invisible; measure them on a view with less tilt$"):
        tilt_correct(1.0, tilt_deg=90.0, direction="perpendicular")
    with pytest.raises(InputError, match=r"^tilt_deg = 0: heights along the surface normal are invisible "
                       r"in a top view; give the stage tilt of the glancing or cross-section view$"):
        tilt_correct(1.0, tilt_deg=0.0, direction="normal")
    with pytest.raises(InputError, match=r"^tilt_deg = 90: in-surface vectors across the tilt axis are "
                       r"invisible$"):
        tilt_correct_vector(1.0, 1.0, tilt_deg=90.0)


def test_the_tilt_axis_is_the_image_x_axis_by_default():
    c = math.cos(math.radians(60.0))
    dx, dy = tilt_correct_vector(3.0, 2.0, tilt_deg=60.0)
    assert (dx, dy) == (pytest.approx(3.0), pytest.approx(2.0 / c))


def test_two_numbers_give_two_floats_an_array_gives_arrays():
    c = math.cos(math.radians(60.0))
    dx, dy = tilt_correct_vector(3.0, 2.0, tilt_deg=60.0, axis="y")
    assert type(dx) is float and type(dy) is float
    assert (dx, dy) == (pytest.approx(3.0 / c), pytest.approx(2.0))
    for a, b in (([3.0, 1.0], 2.0), (3.0, [2.0, 1.0])):
        dx, dy = tilt_correct_vector(a, b, tilt_deg=60.0)
        assert isinstance(dx, np.ndarray) and isinstance(dy, np.ndarray)
        np.testing.assert_allclose(np.broadcast_to(dy, (2,)), np.asarray(b, float) / c * np.ones(2))
    dx, dy = tilt_correct_vector(np.array([3.0]), np.array([2.0]), tilt_deg=60.0)
    assert dx.shape == (1,) and dy.shape == (1,)
