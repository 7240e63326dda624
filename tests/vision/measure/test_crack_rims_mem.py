"""The rim search takes its oriented responses from the core search's, negated.

The core search (dark lines) and the rim search (bright lines) of
``detect_crack_core_or_rims`` filter the same window of the same frame against
backgrounds made from the same image: the rim search's six oriented responses are the
core's negated, to the bit (linear filters; a DFT rounds ``-x`` to minus what it rounds
``x`` to). The rim pass now takes its maxima over angles as minus the core pass's minima
instead of filtering the window again. The reference is the rim pass that filters again:
the responses and every measurement must be the same, bit for bit.
"""
import dataclasses
import inspect

import numpy as np
import pytest
from test_crack_rims import CENTRE, RADIUS, _scene

from vision import crack_background
from vision.measure.crack import _detect
from vision.measure.crack._detect import detect_crack_core_or_rims
from vision.measure.crack._filters import _oriented_stack

SEEDS = [1, 2, 3, 4, 5]


@pytest.mark.parametrize("shape", [(431, 429), (300, 517), (994, 1920)])
def test_oriented_responses_of_the_negated_image_are_negated_to_the_bit(shape):
    rng = np.random.default_rng(shape[0])
    img = (120 + 6 * rng.standard_normal(shape)).astype(np.float32)
    for a, b in zip(_oriented_stack(img, 1.0, 3.0, 6), _oriented_stack(-img, 1.0, 3.0, 6)):
        np.testing.assert_array_equal(-a, b)


def _opts(polarity):
    """detect_crack's default options, as _detect resolves them, with ``polarity``."""
    params = inspect.signature(_detect.detect_crack).parameters
    opts = {k: p.default for k, p in params.items() if k not in _detect._DATA_ARGS}
    return _detect._resolved(dict(opts, polarity=polarity))


@pytest.mark.parametrize("seed", SEEDS)
def test_rim_pass_from_the_core_minima_equals_filtering_again(seed):
    background, image, _ = _scene(seed, width=1.5, edge_gain=0.6, noise=0.05)
    dark = crack_background(background)
    bright = crack_background(background, polarity="bright")
    core = _detect._line_pass(image, dark, None, None, CENTRE, RADIUS, _opts("dark"),
                              keep_twin=True)
    assert core is not None and core.twin.minima is not None
    fast = _detect._line_pass(image, bright, None, None, CENTRE, RADIUS, _opts("bright"),
                              start=core.twin)
    ref = _detect._line_pass(image, bright, None, None, CENTRE, RADIUS, _opts("bright"),
                             start=dataclasses.replace(core.twin, minima=None))
    assert fast is not None and ref is not None
    np.testing.assert_array_equal(fast.resp, ref.resp)
    for a, b in zip(fast.bridge, ref.bridge):
        np.testing.assert_array_equal(a, b)
    assert (fast.med, fast.sig, fast.lo) == (ref.med, ref.sig, ref.lo)
    np.testing.assert_array_equal(fast.labels, ref.labels)
    np.testing.assert_array_equal(fast.keep, ref.keep)


@pytest.mark.parametrize("seed", SEEDS)
def test_core_or_rims_same_measurement_and_one_filtering_fewer(seed, monkeypatch):
    background, image, true = _scene(seed, width=1.5, edge_gain=0.6, noise=0.05)
    kw = dict(electrode_xy_px=CENTRE, electrode_radius_px=RADIUS,
              background=crack_background(background),
              rim_background=crack_background(background, polarity="bright"))
    calls = []
    stack = _detect._oriented_stack

    def counted(*a, **k):
        calls.append(a[0].shape)
        return stack(*a, **k)

    monkeypatch.setattr(_detect, "_oriented_stack", counted)
    fast = detect_crack_core_or_rims(image, **kw)
    n_fast = len(calls)
    # the reference: the core pass keeps no minima, the rim pass filters again
    angle_maxima = _detect._angle_maxima
    monkeypatch.setattr(_detect, "_angle_maxima",
                        lambda *a, minima=False, **k: angle_maxima(*a, minima=False, **k))
    calls.clear()
    ref = detect_crack_core_or_rims(image, **kw)
    assert n_fast < len(calls)              # the rim search filtered nothing again
    assert fast is not None and ref is not None
    assert fast.path_length_px == ref.path_length_px
    np.testing.assert_array_equal(fast.path, ref.path)
    np.testing.assert_array_equal(fast.skeleton_xy_px, ref.skeleton_xy_px)
    assert fast.tip_xy_px == ref.tip_xy_px and fast.contrast == ref.contrast
    assert len(fast.branches) == len(ref.branches)
    # and the crack itself (issue 11: path length within 10 %)
    assert fast.total_length_px == pytest.approx(true, rel=0.10)
