"""Wave 20 (issue 14): the scan lattice and the noise estimate, the same results cheaper.

``_lattice`` (asked on every new strong change: ~one a scan) and ``_noise_sigma`` (every
frame) must give the wave-19 result to the bit (``mark_refreshes`` decides by comparisons
with them), on seeded random input of the sizes the detector meets: up to 24 strong
changes; 1080p and 768x1024 frames, regions with odd offsets and widths, views. The
wave-19 implementations are copied here to compare with. How much cheaper it is, is
measured in ``make bench`` and docs/pages/performance.md, not asserted here (benchmarks
are not tests: a timing assertion fails with the machine's load, not with a bug).
"""
import numpy as np
import pytest

from vision.preprocess import _refresh as ref


def _lattice_w19(frames):
    """The wave-19 ``_lattice`` (uncached), to compare with."""
    f = np.asarray(frames, float)
    n = f.size
    if n < ref._MIN_STRONG:
        return None
    f0 = f[0]
    f = f - f0
    span = float(f[-1])
    longest = float(np.max(np.diff(f)))
    if longest < ref._RECUR_MIN_PERIOD:
        return None
    periods = ref._trial_periods(longest, span)
    u = np.sort(np.mod(f.astype(np.float32)[None, :] / periods[:, None], 1.0), axis=1)
    ext = np.concatenate([u, u + 1.0], axis=1)
    hits = np.zeros(len(periods))
    start = np.zeros(len(periods), dtype=int)
    for i in range(n):
        inside = (ext[:, i:i + n] - u[:, i:i + 1]) * periods[:, None] < 1.0 - 1e-3
        count = inside.sum(axis=1)
        start = np.where(count > hits, i, start)
        hits = np.maximum(hits, count)
    chance = n / periods
    excess = hits - chance
    z = excess / np.sqrt(chance * (1.0 - 1.0 / periods))
    best = int(np.argmax(z))
    if z[best] <= ref._RECUR_SIGMAS:
        return None
    period = float(periods[best])
    w = float(u[best, start[best]])
    member = np.mod(f / period - w, 1.0) * period < 1.0 - 1e-3
    period, phase, early, late = ref._fit_lattice(f[member], period)
    return period, f0 + phase, early, late


def _noise_sigma_w19(image, top, bottom, left, right, col_step):
    """The wave-19 ``_noise_sigma``, to compare with."""
    step = max(1, (bottom - top) // 48)
    rows = np.arange(top + 1, bottom - 1, step)
    if rows.size == 0:
        return 0.0
    cols = slice(left, right, col_step)
    mid = image[rows, cols].astype(np.int32)
    lap = np.abs(image[rows - 1, cols].astype(np.int32) - 2 * mid + image[rows + 1, cols])
    if image.dtype == np.uint8:
        counts = np.cumsum(np.bincount(lap.ravel()))
        half = 0.5 * counts[-1]
        lo = int(np.searchsorted(counts, half, side="left"))
        hi = int(np.searchsorted(counts, half + 1, side="left")) if counts[-1] % 2 == 0 else lo
        if counts[-1] % 2 == 1:
            lo = hi = int(np.searchsorted(counts, (counts[-1] + 1) // 2, side="left"))
        return 0.5 * (lo + hi) / ref._MEDIAN_LAPLACE_PER_SIGMA
    return float(np.median(lap)) / ref._MEDIAN_LAPLACE_PER_SIGMA


def _change_frames(rng, n_cases):
    """Frame numbers of strong changes: random ones, and scan lattices (integer and
    fractional periods) with re-draws a frame beside them and frames missed."""
    cases = []
    for k in range(n_cases):
        n = int(rng.integers(1, ref._RECUR_CHANGES + 1))
        kind = k % 4
        if kind == 0:
            f = np.sort(rng.choice(np.arange(400), n, replace=False))
        elif kind == 1:
            p, phase = rng.uniform(2, 15), rng.uniform(0, 15)
            f = np.unique(np.ceil(phase + p * np.arange(n)).astype(int) + rng.integers(0, 2, n))
        elif kind == 2:
            f = np.arange(n) * int(rng.integers(2, 13)) + int(rng.integers(0, 50))
        else:
            p = rng.uniform(2, 12)
            picks = np.sort(rng.choice(np.arange(60), n, replace=False))
            f = np.unique(np.ceil(rng.uniform(0, 5) + p * picks).astype(int))
        cases.append(tuple(int(v) for v in f))
    return cases


@pytest.mark.parametrize("seed", range(3))
def test_lattice_is_the_wave19_lattice(seed):
    cases = _change_frames(np.random.default_rng(seed), 100)
    found = 0
    for frames in cases:
        want = _lattice_w19(frames)
        got = ref._lattice.__wrapped__(frames)
        assert repr(got) == repr(want), frames
        found += want is not None
    assert found > 50             # the lattice-like cases hold lattices


@pytest.mark.parametrize("shape", [(1080, 1920), (768, 1024), (37, 52)])
def test_noise_sigma_is_the_wave19_sigma(shape):
    rng = np.random.default_rng(shape[0])
    # noise of 1, 4, 30 grey levels and full range (integers around mid-grey)
    bases = [(128 + rng.integers(-s, s + 1, shape)).astype(np.uint8) for s in (1, 4, 30, 127)]
    for k in range(24):
        img = bases[k % 4]
        if k % 3 == 1:
            img = img[:, 1:]                          # a view, odd start
        if k % 5 == 2:
            img = img.astype(np.uint16) * 257          # deeper frames take numpy's path
        rows, cols = img.shape
        top = int(rng.integers(0, max(1, rows // 3)))
        bottom = int(rng.integers(min(top + 1, rows), rows + 1))
        left = int(rng.integers(0, max(1, cols // 3)))
        if k % 2 == 0:
            left -= left % 4
        right = int(rng.integers(left + 1, cols + 1))
        col_step = (4, 4, 2, 1)[k % 4]
        want = _noise_sigma_w19(img, top, bottom, left, right, col_step)
        assert ref._noise_sigma(img, top, bottom, left, right, col_step) == want
