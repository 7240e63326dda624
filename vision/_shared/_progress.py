"""Progress bars where someone sees them: one rule for analyze and batch."""
from __future__ import annotations

import sys

__all__ = ["progress_bar"]


def _in_notebook():
    """True inside a Jupyter kernel (IPython already imported, a ZMQ shell)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except AttributeError:
        return False
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def progress_bar(total, enabled, desc, *, unit="frame"):
    """A tqdm bar where someone sees it, else None.

    In Jupyter a notebook widget (``tqdm.auto``), on a terminal a text bar on
    stderr; None when `enabled` is false (quiet) or neither applies (a pipe,
    a log file, a batch worker).
    """
    if not enabled:
        return None
    if _in_notebook():
        from tqdm.auto import tqdm
        return tqdm(total=total, desc=desc, unit=unit, leave=False)
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm
    return tqdm(total=total, desc=desc, unit=unit, leave=False, file=sys.stderr)
