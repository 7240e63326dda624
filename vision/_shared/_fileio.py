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

from calibration import InputError

__all__ = ["check_output_dir", "file_sha256", "jsonable", "make_temp_dir", "replace_dir",
           "write_json_atomic"]

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


def _umask():
    """The process umask (read by setting it and restoring it at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_output_dir(path):
    """Refuse an output folder that would destroy something that is not our results.

    `path` may be absent, an empty folder, or a semtrack results folder (one
    holding ``summary.json``), which is then replaced; its parent must be
    creatable and writable.

    Raises
    ------
    InputError
        If `path` is a file or a folder with other content, or cannot be written.
    """
    path = Path(path).absolute()
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise InputError("the output exists and is not a folder; give a new folder as out_dir",
                         path=path)
    if path.is_dir() and any(path.iterdir()) and not (path / "summary.json").is_file():
        raise InputError("the output folder exists and is not a semtrack results folder "
                         "(no summary.json); it would be replaced: give a new or empty "
                         "folder as out_dir", path=path)
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"cannot create the output folder here ({parent} is not a writable "
                         "folder); give another out_dir", path=path)


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
    subfolders get the permissions a new folder gets under the user's umask
    (e.g. 0755), so colleagues can read the results.
    """
    tmp_dir, final = Path(tmp_dir), Path(final).absolute()
    mode = 0o777 & ~_umask()
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
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(jsonable(data), fh, indent=2, default=str, allow_nan=False)
            fh.write("\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
