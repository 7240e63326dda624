"""Wave 15 (issue 14): the scan lattice's and the band threshold's faster arithmetic.

Each helper must give numpy's value to the bit (the decisions of ``mark_refreshes``
depend on comparisons with them), on seeded random input of the sizes the detector
meets: ~100 band values a frame, up to 64 frame levels, up to 24 strong changes.
"""
import numpy as np
import pytest

from vision.preprocess import _refresh as ref


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("q", [20, 25, 50, 90])
def test_percentile_small_is_numpys_to_the_bit(seed, q):
    rng = np.random.default_rng(seed)
    for n in list(range(1, 40)) + [64, 97, 124, 135]:
        x = rng.gamma(2.0, 3.0, n)
        if n % 3 == 0:
            x = np.round(x, 1)                      # ties
        if n % 5 == 0:
            x = x.astype(np.float32).astype(float)  # band means from float32
        want = float(np.percentile(x, q))
        assert ref._percentile_small(x.tolist(), q) == want
        assert ref._percentile_small(list(x), q) == want


def _fit_lattice_numpy(hit, period):
    """The wave-14 ``_fit_lattice`` (numpy bounds), to compare with."""
    index = np.round((hit - hit[-1]) / period)
    line = float(hit[-1]) + 0.5
    for _ in range(ref._LATTICE_REFITS):
        if np.ptp(index) == 0:
            break
        slope, line = np.polyfit(index, hit, 1)
        period = float(slope)
        near = np.abs(hit - (line + slope * index)) <= 0.5 + ref._LATTICE_SLACK
        if near.all() or near.sum() < ref._MIN_STRONG:
            break
        hit, index = hit[near], index[near]
    if np.ptp(index) == 0:
        return period, float(line) - 0.5, -0.5, 0.5

    def bounds(p):
        return float(np.max(hit - 1.0 - index * p)), float(np.min(hit - index * p))

    def width(p):
        lo, hi = bounds(p)
        return hi - lo

    a0 = a = period - 1.0 / np.ptp(index)
    b0 = b = period + 1.0 / np.ptp(index)
    for _ in range(ref._LATTICE_SEARCH):
        m1, m2 = a + (b - a) / 3.0, b - (b - a) / 3.0
        if width(m1) < width(m2):
            a = m1
        else:
            b = m2
    p = 0.5 * (a + b)
    if width(p) <= 0:
        return period, float(line) - 0.5, -0.5, 0.5
    start = 0.5 * sum(bounds(p))
    margin = ref._LATTICE_MARGIN * width(p)

    def inner(q):
        return width(q) - 2.0 * margin
    opens = [start + p]
    for q in np.linspace(ref._bisect_zero(inner, p, a0), ref._bisect_zero(inner, p, b0),
                         ref._LATTICE_SAMPLES):
        lo, hi = bounds(q)
        if hi - lo >= 2.0 * margin:
            opens += [lo + margin + q, hi - margin + q]
    return (float(p), start, min(0.0, min(opens) - start - p),
            max(0.0, max(opens) - start - p))


@pytest.mark.parametrize("seed", range(5))
def test_fit_lattice_is_the_numpy_fit_to_the_bit(seed):
    rng = np.random.default_rng(seed)
    for trial in range(60):
        n = int(rng.integers(4, 25))
        period = rng.uniform(2.0, 15.0)
        phase = rng.uniform(0.0, period)
        k = np.sort(rng.choice(100, n, replace=False))
        jitter = 0.2 * (trial % 4)                 # exact lattices, then scans a frame late
        hit = np.unique(np.ceil(phase + k * period + rng.normal(0.0, jitter, n))).astype(float)
        if hit.size < 2:
            continue
        guess = period + rng.normal(0.0, 0.01)
        got = ref._fit_lattice(hit.copy(), guess)
        want = _fit_lattice_numpy(hit.copy(), guess)
        assert got == want
        assert [type(v) for v in got] == [type(v) for v in want]


@pytest.mark.parametrize(("longest", "span"), [(2.0, 1.0), (11.0, 230.0), (37.0, 480.0),
                                               (120.0, 130.0)])
def test_trial_periods_are_the_recurrence_and_read_only(longest, span):
    want, p = [], ref._RECUR_MIN_PERIOD
    while p <= longest:
        want.append(p)
        p += max(ref._RECUR_DRIFT * p / max(span, 1.0), ref._RECUR_MIN_STEP * p)
    got = ref._trial_periods(longest, span)
    np.testing.assert_array_equal(got, np.array(want, np.float32))
    assert got is ref._trial_periods(longest, span)             # cached ...
    with pytest.raises(ValueError):
        got[0] = 1.0                                             # ... and not to be changed


@pytest.mark.parametrize("seed", range(3))
def test_two_populations_cached_is_the_same_boundary(seed):
    rng = np.random.default_rng(seed)
    # residuals (< 1 grey level), re-draws (~3) and new scans (~15): the upper boundary
    s = np.concatenate([rng.uniform(0.2, 0.9, 40), rng.normal(3.0, 0.3, 30),
                        rng.normal(15.0, 1.5, 20)])
    rng.shuffle(s)
    first = ref._two_populations(list(s))
    assert 3.0 < first < 15.0
    assert ref._two_populations(s) == first                     # an array, a list: one key
    assert ref._two_populations(tuple(s.tolist())) == first
