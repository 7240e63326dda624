"""Safe file output shared by ``analyze`` and ``batch``: hashes, JSON values, atomic folders."""
import hashlib
import json
import math
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import numpy as np

__all__ = ["file_sha256", "jsonable", "make_temp_dir", "replace_dir", "write_json_atomic"]

_CHUNK = 1 << 20


def file_sha256(path):
    """SHA-256 hex digest of a file, or of a folder of frames.

    A folder's digest covers its files' names (sorted, hidden files left
    out) and contents, so renaming, adding or changing a frame changes it.
    """
    path = Path(path)
    h = hashlib.sha256()
    if path.is_dir():
        for p in sorted(q for q in path.iterdir() if q.is_file() and not q.name.startswith(".")):
            h.update(p.name.encode() + b"\0")
            h.update(file_sha256(p).encode())
        return h.hexdigest()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def jsonable(value):
    """A plain JSON value: numpy scalars -> Python, paths -> str, NaN/inf -> None."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def make_temp_dir(final):
    """A new empty (private) folder beside `final` to build it in."""
    final = Path(final).absolute()
    final.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))


def replace_dir(tmp_dir, final):
    """Move a finished folder to `final`, replacing what was there.

    Only renames are used, so at every moment `final` is either the old
    complete folder or the new complete folder (for an instant: absent).
    Temporary folders are created private (0700); the folder and its
    subfolders get the permissions of `final`'s parent (made with the user's
    umask), so colleagues can read the results as they can read the parent.
    """
    tmp_dir, final = Path(tmp_dir), Path(final).absolute()
    mode = final.parent.stat().st_mode & 0o777
    for d in [tmp_dir, *(p for p in tmp_dir.rglob("*") if p.is_dir())]:
        os.chmod(d, mode)
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex}")
        os.replace(final, old)
    os.replace(tmp_dir, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_json_atomic(path, data):
    """Write JSON to a temporary name beside `path`, then rename it into place."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(jsonable(data), fh, indent=2, default=str, allow_nan=False)
        fh.write("\n")
    os.replace(tmp, path)
