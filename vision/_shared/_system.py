"""What this machine offers the batch engine."""
import os
import sys

__all__ = ["base_pages_for_arrays", "default_workers", "steady_allocator"]

#: glibc malloc: arrays up to this size come from the heap (not a fresh mapping each),
#: so a frame-sized temporary freed after one scan is reused by the next (32 MiB is the
#: ceiling glibc's own adaptive threshold reaches; a full-HD float32 frame is 8.3 MB).
MMAP_THRESHOLD_BYTES = 32 * 2**20
#: ... and free memory at the top of the heap is given back to the kernel only beyond this:
#: the per-scan temporaries (~50 MB at full HD) are not faulted in again on every scan.
TRIM_THRESHOLD_BYTES = 128 * 2**20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: NumPy's switch of its MADV_HUGEPAGE advice on large arrays (read when NumPy loads).
_NUMPY_HUGEPAGE_ENV = "NUMPY_MADVISE_HUGEPAGE"


def base_pages_for_arrays():
    """Stop NumPy asking the kernel for transparent huge pages (issue 14's peak RSS).

    NumPy advises ``MADV_HUGEPAGE`` on every array of 4 MiB or more (on Linux, where the
    kernel's THP mode is usually ``madvise``). With the analysis's frame temporaries on the
    heap (`steady_allocator`) the kernel may back heap ranges with whole 2 MiB pages that
    stay resident however little of them is in use. NOT shown to lower the peak: the 1080p
    CLI run peaked at 422.1 MB with the advice (86 MB of huge pages) and 422.9 MB without
    it, at 36 % more minor page faults (docs/pages/performance.md, wave 19; branch kept
    as work in progress, not for merging).
    A paging hint only: every result is the same. A user's own
    ``NUMPY_MADVISE_HUGEPAGE`` setting wins. Set through the environment, which NumPy reads
    when it loads (and worker processes inherit), and in a NumPy already loaded. Returns
    True when NumPy gives no huge-page advice.
    """
    if os.environ.setdefault(_NUMPY_HUGEPAGE_ENV, "0") != "0":
        return False
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        try:
            from numpy._core.multiarray import _set_madvise_hugepage
        except ImportError:  # another NumPy layout: its own reading of the variable
            return False
        _set_madvise_hugepage(False)
    return True


def steady_allocator():
    """Fixed glibc malloc thresholds for a long analysis (issue 14); a no-op elsewhere.

    glibc gives freed memory back to the kernel once 2x its adaptive mmap threshold is
    free at the heap top; a tracker that allocates and frees the same ~50 MB every scan
    then takes ~2 minor page faults per 4 KiB page per scan (measured: 198 k faults and
    8 % more CPU on a 500-frame 1080p video, against 54 k with these thresholds, at
    +20 MB peak RSS). A user's own MALLOC_* environment wins.
    """
    if not sys.platform.startswith("linux"):
        return False
    base_pages_for_arrays()
    if any(k.startswith("MALLOC_") for k in os.environ):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
                    and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))
    except (OSError, AttributeError):  # not glibc
        return False


def default_workers():
    """Number of CPU cores this process may use (the default worker count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
