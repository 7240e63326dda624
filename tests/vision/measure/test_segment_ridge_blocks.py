"""The thin-branch ridge filter by row blocks: the same response, bounded memory (issue 14).

On a 1080p scan whose linked thin branches reach their box's side, the ridge
filter ran on the whole 994x1920 region at once and held ~10 float32 frames of
temporaries: the 120 s bench video's peak RSS (440 MB against 400). By blocks of
`RIDGE_BLOCK_ROWS` rows with a halo of the Gaussian's 4 sigma plus the second
derivative's reach, every output pixel sees the same neighbourhood as in one
pass, so the response must be identical to the bit.
"""
import tracemalloc

import numpy as np
import pytest

from vision.measure import _segment


def _lines(seed, h, w):
    """Noise with thin bright lines at random angles (grey levels, float32)."""
    rng = np.random.default_rng(seed)
    img = rng.normal(0.0, 1.0, (h, w)).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w]
    for _ in range(6):
        a = rng.uniform(0, np.pi)
        c = rng.uniform(0, h) * np.sin(a) + rng.uniform(0, w) * np.cos(a)
        dist = np.abs(yy * np.sin(a) + xx * np.cos(a) - c)
        img += (3.0 * np.exp(-0.5 * (dist / 0.8) ** 2)).astype(np.float32)
    return img


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("h", [300, 1080, 994 + 7])
def test_blocks_give_the_whole_image_response(seed, h):
    img = _lines(seed, h, 257)
    scales = (1.0, 1.5)
    whole = _segment._ridge_block(img, scales)
    blocks = _segment._ridge_response(img, scales)
    assert blocks.dtype == np.float32
    np.testing.assert_array_equal(blocks, whole)


def test_a_full_hd_region_is_filtered_in_bounded_memory():
    img = _lines(3, 994, 1920)
    frame_bytes = img.nbytes
    tracemalloc.start()
    _segment._ridge_response(img, (1.0, 1.5))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # the output (one frame) and a block's temporaries (a fraction of one): well under the
    # ~10 frames one whole-region pass held
    assert peak < 3 * frame_bytes, peak / frame_bytes
