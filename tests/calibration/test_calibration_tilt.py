"""Tilt correction checked against explicitly projected 3-D geometry."""
import math

import numpy as np
import pytest

from calibration import InputError, tilt_correct, tilt_correct_vector


def project(v, tilt_deg, axis_deg=0.0):
    """Rotate a sample-frame vector by the stage tilt about an in-plane axis and
    project it along the beam (drop z). Returns the image (x, y)."""
    t = math.radians(tilt_deg)
    a = math.radians(axis_deg)
    u = np.array([math.cos(a), math.sin(a), 0.0])  # tilt axis
    v = np.asarray(v, float)
    # Rodrigues rotation about u by t
    rot = v * math.cos(t) + np.cross(u, v) * math.sin(t) + u * np.dot(u, v) * (1 - math.cos(t))
    return rot[:2]


@pytest.mark.parametrize("tilt", [10.0, 30.0, 54.0, 70.0])
def test_directions_match_projection(tilt):
    L = 12.5
    along = np.linalg.norm(project([L, 0, 0], tilt))
    across = np.linalg.norm(project([0, L, 0], tilt))
    height = np.linalg.norm(project([0, 0, L], tilt))
    assert tilt_correct(along, tilt_deg=tilt, direction="parallel") == pytest.approx(L)
    assert tilt_correct(across, tilt_deg=tilt, direction="perpendicular") == pytest.approx(L)
    assert tilt_correct(height, tilt_deg=tilt, direction="normal") == pytest.approx(L)
    assert tilt_correct(height, tilt_deg=-tilt, direction="normal") == pytest.approx(L)


def test_known_values_and_arrays():
    assert tilt_correct(5.0, tilt_deg=60, direction="perpendicular") == pytest.approx(10.0)
    assert tilt_correct(5.0, tilt_deg=30, direction="normal") == pytest.approx(10.0)
    assert tilt_correct(5.0, tilt_deg=90, direction="normal") == pytest.approx(5.0)  # cross-section
    out = tilt_correct([1.0, 2.0], tilt_deg=60, direction="perpendicular")
    np.testing.assert_allclose(out, [2.0, 4.0])


@pytest.mark.parametrize("axis_deg,axis", [(0.0, "x"), (90.0, "y"), (25.0, 25.0)])
def test_vector_matches_projection(axis_deg, axis):
    rng = np.random.default_rng(3)
    tilt = 40.0
    for _ in range(5):
        v = np.r_[rng.normal(size=2) * 10, 0.0]  # in the surface
        px, py = project(v, tilt, axis_deg)
        dx, dy = tilt_correct_vector(px, py, tilt_deg=tilt, axis=axis)
        assert math.hypot(dx, dy) == pytest.approx(np.linalg.norm(v), rel=1e-9)
    dx, dy = tilt_correct_vector(np.array([3.0, 0.0]), np.array([0.0, 3.0]), tilt_deg=60, axis="x")
    np.testing.assert_allclose(np.hypot(dx, dy), [3.0, 6.0])


def test_errors():
    with pytest.raises(InputError, match="direction must be one of"):
        tilt_correct(1.0, tilt_deg=10, direction="sideways")
    with pytest.raises(InputError, match="between -90 and 90"):
        tilt_correct(1.0, tilt_deg=120, direction="parallel")
    with pytest.raises(InputError, match="tilt_deg must be a number"):
        tilt_correct(1.0, tilt_deg="steep", direction="parallel")
    with pytest.raises(InputError, match="heights along the surface normal are invisible"):
        tilt_correct(1.0, tilt_deg=0, direction="normal")
    with pytest.raises(InputError, match="perpendicular to the tilt axis are invisible"):
        tilt_correct(1.0, tilt_deg=90, direction="perpendicular")
    with pytest.raises(InputError, match="in-surface vectors across the tilt axis are invisible"):
        tilt_correct_vector(1.0, 1.0, tilt_deg=90)
    with pytest.raises(InputError, match="axis must be 'x', 'y' or an angle"):
        tilt_correct_vector(1.0, 1.0, tilt_deg=10, axis="z")
    with pytest.raises(InputError, match="axis angle must be finite"):
        tilt_correct_vector(1.0, 1.0, tilt_deg=10, axis=float("inf"))
