"""One batch at a time per output folder: a lock file holding the writer's process id."""
from __future__ import annotations

import contextlib
import logging
import os

from calibration import InputError

logger = logging.getLogger(__name__)

__all__ = []

_LOCK_FILE = ".semtrack-batch.lock"

@contextlib.contextmanager
def _lock(out_dir):
    lock = out_dir / _LOCK_FILE
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        pid = (lock.read_text().strip() or "0") if lock.exists() else "0"
        if pid.isdigit() and int(pid) > 0 and _alive(int(pid)):
            raise InputError(f"another semtrack batch (process {pid}) is writing here; wait for "
                             "it or choose another out_dir", path=out_dir) from None
        lock.unlink(missing_ok=True)  # stale lock of a killed batch
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    with os.fdopen(fd, "w") as fh:
        fh.write(str(os.getpid()))
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
