"""What this machine offers the batch engine."""
import os

__all__ = ["default_workers"]


def default_workers():
    """Number of CPU cores this process may use (the default worker count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
