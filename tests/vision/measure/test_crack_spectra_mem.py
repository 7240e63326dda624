"""The oriented filters' kernel spectra: the most recently used sizes, bounded.

A tracker filters its crack window every scan; the window's size changes when the crack
box grows, and each size's six spectra used to stay cached (up to eight sizes, 24 MB):
the live memory of a 1080p run grew by 5 MB between scans 40 and 280 from that alone.
Now at most SPECTRA_CACHE_SIZE sizes, the most recently used, are kept; the values are
the same cached or not.
"""
import numpy as np
import pytest

from vision.measure.crack import _filters
from vision.measure.crack._filters import ridge_response

#: Window sizes (rows, cols) a growing crack box might take, non-square, each a
#: different padded DFT size.
SIZES = [(131, 157), (173, 205), (211, 263), (263, 301), (307, 355)]


def _img(shape, seed):
    rng = np.random.default_rng(seed)
    return (120 + 6 * rng.standard_normal(shape)).astype(np.float32)


def _cached_bytes():
    return sum(len(v) * v[0].nbytes for v in _filters._SPECTRA.values())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_growing_windows_keep_only_the_recent_spectra(seed, monkeypatch):
    _filters._SPECTRA.clear()
    limit = 0
    for shape in SIZES:
        img = _img(shape, seed)
        cached = ridge_response(img, elongation=3.0)
        again = ridge_response(img, elongation=3.0)          # from the cache
        monkeypatch.setattr(_filters, "SPECTRA_CACHE_BYTES", 0)
        fresh = ridge_response(img, elongation=3.0)          # spectra made anew
        monkeypatch.undo()
        np.testing.assert_array_equal(cached, fresh)
        np.testing.assert_array_equal(again, fresh)
        assert len(_filters._SPECTRA) <= _filters.SPECTRA_CACHE_SIZE
        # the bound in bytes: the spectra of the most recent sizes (float32, padded), not
        # of every size seen
        kept = sorted(_filters._SPECTRA, key=lambda k: k[3] * k[4])
        limit = max(limit, _cached_bytes())
        assert limit <= 6 * 4 * sum(k[3] * k[4] for k in kept[-_filters.SPECTRA_CACHE_SIZE:])
    assert _filters.SPECTRA_CACHE_SIZE == 2


def test_the_window_in_use_stays_cached_among_others():
    """Alternating between two sizes (a window and its grown box) never makes spectra anew."""
    _filters._SPECTRA.clear()
    a, b, c = (_img(s, 3) for s in SIZES[:3])
    ridge_response(c, elongation=3.0)
    made = []
    orig = _filters._kernel_spectrum

    def counted(*args):
        made.append(args[2:])
        return orig(*args)

    _filters._kernel_spectrum = counted
    try:
        for img in (a, b, a, b, a, b):
            ridge_response(img, elongation=3.0)
    finally:
        _filters._kernel_spectrum = orig
    assert len(made) == 2 * _filters.N_ORIENTATIONS      # a's and b's, once each
    assert len(_filters._SPECTRA) == 2                   # c's dropped (least recently used)
