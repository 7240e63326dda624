"""Safe file output shared by ``analyze`` and ``batch``: hashes, JSON values, atomic folders."""
import hashlib
import json
import math
import os
import shutil
import socket
import tempfile
import uuid
from pathlib import Path

import numpy as np

from calibration import InputError

__all__ = ["RESULTS_WRITER", "check_output_dir", "check_output_files", "clean_leftovers",
           "file_sha256", "foreign_files", "jsonable", "make_temp_dir", "read_marker",
           "record_output_files", "remove_written_dir", "replace_dir", "write_json_atomic",
           "write_text_safe"]

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


# --------------------------------------------------------------------------
# what semtrack wrote: the marker (vision._schema.WRITTEN_MARKER_FILE)

#: Writer name of a results folder (analyze, batch per video, Analysis.save).
RESULTS_WRITER = "results"
#: = vision._schema.WRITTEN_MARKER_FILE (a sibling layer: _shared may not import _schema;
#: tests/vision/cli/test_data_safety.py checks that the two agree).
MARKER_FILE = ".semtrack-written.json"
#: = vision._schema.LEGACY_RESULT_FILES (checked the same way).
LEGACY_RESULT_FILES = ("summary.json", "frames.csv", "whiskers.csv", "events.csv",
                       "growth_rates.csv", "overlay.mp4", "report.html", "batch_key.json")


def read_marker(folder):
    """The marker of `folder` as a dict (``files``: relative path -> writer), or None."""
    try:
        with open(Path(folder) / MARKER_FILE, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        return None
    return data


def _write_marker(folder, files, *, complete=True):
    write_json_atomic(Path(folder) / MARKER_FILE, {
        "about": "files semtrack wrote here; semtrack replaces only these (do not edit)",
        "complete": bool(complete),
        "pid": os.getpid(), "host": socket.gethostname(),
        "files": dict(sorted(files.items()))})


def _files_under(folder):
    """Relative POSIX paths of every file under `folder` (hidden ones too), but the marker."""
    folder = Path(folder)
    out = []
    for root, _dirs, names in os.walk(folder):
        for n in names:
            rel = (Path(root) / n).relative_to(folder).as_posix()
            if rel != MARKER_FILE:
                out.append(rel)
    return sorted(out)


#: Files a file browser drops into any folder it shows (Finder, Explorer): not the user's
#: work, so they do not keep a results folder from being replaced.
BROWSER_FILES = (".DS_Store", "Thumbs.db", "desktop.ini")


def _legacy_result(rel):
    return rel in LEGACY_RESULT_FILES or (rel.startswith("kymographs/")
                                          and rel.endswith(".png") and rel.count("/") == 1)


def foreign_files(folder, writers=(RESULTS_WRITER,)):
    """Files in `folder` that semtrack did not write (as one of `writers`).

    A folder without a marker counts as a results folder of an earlier release only if
    it holds ``summary.json`` and nothing but the files such a release wrote.
    """
    folder = Path(folder)
    files = [f for f in _files_under(folder) if f.rsplit("/", 1)[-1] not in BROWSER_FILES]
    marker = read_marker(folder)
    if marker is None:
        if RESULTS_WRITER in writers and (folder / LEGACY_RESULT_FILES[0]).is_file():
            return [f for f in files if not _legacy_result(f)]
        return files
    listed = marker["files"]
    return [f for f in files if listed.get(f) not in writers]


def _describe(foreign):
    more = f" and {len(foreign) - 1} more file(s)" if len(foreign) > 1 else ""
    return f"{foreign[0]}{more}"


def check_output_dir(path, *, writers=(RESULTS_WRITER,)):
    """Refuse an output folder that would destroy something that is not our results.

    `path` may be absent, an empty folder, or a folder semtrack wrote (its marker lists
    every file in it), which is then replaced; its parent must be creatable and
    writable. Leftovers of killed runs beside it (marked ``.<name>.tmp-*``) are removed.

    Raises
    ------
    InputError
        If `path` is a file, holds a file semtrack did not write (a user's notes), or
        cannot be written.
    """
    path = Path(path).absolute()
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise InputError("the output exists and is not a folder; give a new folder as out_dir",
                         path=path)
    if path.is_dir():
        foreign = foreign_files(path, writers)
        if foreign:
            what = ("holds" if read_marker(path) is not None else
                    "is not a semtrack results folder: it holds")
            raise InputError(f"the output folder {what} {_describe(foreign)}, which semtrack "
                             "did not write; semtrack replaces only what it wrote: move that "
                             "out or give a new or empty folder as out_dir", path=path)
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"cannot create the output folder here ({parent} is not a writable "
                         "folder); give another out_dir", path=path)
    clean_leftovers(path)


def _alive(pid, host):
    if host != socket.gethostname():
        return True  # another machine's run (shared disk): cannot tell, leave it
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, TypeError, OverflowError):
        return True
    return True


def clean_leftovers(final):
    """Remove the hidden work folders a killed run left beside `final`.

    Only ``.<name>.tmp-*`` and ``.<name>.old-*`` folders that carry semtrack's marker
    are removed (a ``tmp`` one only when the process that made it is gone); an unmarked
    folder is never deleted.

    Returns
    -------
    list of pathlib.Path
        The folders removed.
    """
    final = Path(final).absolute()
    parent = final.parent
    if not parent.is_dir():
        return []
    removed = []
    for pattern in (f".{final.name}.tmp-*", f".{final.name}.old-*"):
        for d in parent.glob(pattern):
            if d.is_symlink() or not d.is_dir():
                continue
            marker = read_marker(d)
            if marker is None:
                continue
            if ".tmp-" in d.name and (marker.get("pid") == os.getpid()
                                      or _alive(marker.get("pid"), marker.get("host"))):
                continue  # a run in progress (or this process's own work folder)
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


def make_temp_dir(final):
    """A new empty (private) folder beside `final` to build it in, marked as semtrack's."""
    final = Path(final).absolute()
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    _write_marker(tmp, {}, complete=False)
    return tmp


def replace_dir(tmp_dir, final, *, writer=RESULTS_WRITER):
    """Move a finished folder to `final`, replacing what semtrack wrote there.

    The marker of the new folder lists every file in it (as written by `writer`).
    `final` is checked again just before: a file that appeared there meanwhile
    (a user's notes) stops the replacement with an InputError and nothing is lost.
    Only renames are used, so at every moment `final` is either the old
    complete folder or the new complete folder (for an instant: absent).
    Temporary folders are created private (0700); the folder and its
    subfolders get the permissions a new folder gets under the user's umask
    (e.g. 0755), so colleagues can read the results.
    """
    tmp_dir, final = Path(tmp_dir), Path(final).absolute()
    _write_marker(tmp_dir, {f: writer for f in _files_under(tmp_dir)})
    mode = 0o777 & ~_umask()
    for d in [tmp_dir, *(p for p in tmp_dir.rglob("*") if p.is_dir())]:
        os.chmod(d, mode)
    old = None
    if final.exists():
        foreign = foreign_files(final, (writer,)) if final.is_dir() else [final.name]
        if foreign:
            raise InputError(f"the output folder now holds {_describe(foreign)}, which semtrack "
                             "did not write; it was left as it is: move that out and rerun",
                             path=final)
        old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex}")
        os.replace(final, old)
    os.replace(tmp_dir, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _unlisted_any_writer(folder):
    """Files under `folder` not listed by the marker of their nearest marked folder."""
    folder = Path(folder)
    out = []
    for root, _dirs, names in os.walk(folder):
        root = Path(root)
        for n in names:
            if n == MARKER_FILE:
                continue
            p = root / n
            owner = p.parent
            while True:
                marker = read_marker(owner)
                if marker is not None or owner == folder:
                    break
                owner = owner.parent
            rel = p.relative_to(owner).as_posix()
            if marker is None or rel not in marker["files"]:
                out.append(p.relative_to(folder).as_posix())
    return sorted(out)


def remove_written_dir(path):
    """Delete a folder semtrack wrote (for a fresh rerun), but only if all of it is ours.

    Every file must be listed by a semtrack marker (of the folder or of a subfolder, as a
    batch output has); a folder holding any other file is left alone.

    Raises
    ------
    InputError
        If `path` holds a file semtrack did not write, or is not a folder.
    """
    path = Path(path)
    if not (path.exists() or path.is_symlink()):
        return
    if path.is_symlink() or not path.is_dir():
        raise InputError("exists and is not a folder semtrack wrote; move it or choose "
                         "another place", path=path)
    foreign = _unlisted_any_writer(path)
    if foreign:
        raise InputError(f"holds {_describe(foreign)}, which semtrack did not write; it is "
                         "not deleted: move that out or choose another place", path=path)
    shutil.rmtree(path)


def write_text_safe(path, text, writer):
    """Write a text file (atomically) unless a file semtrack did not write is in the way."""
    path = Path(path)
    check_output_files([path], writer)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    record_output_files([path], writer)
    return path


# --------------------------------------------------------------------------
# single files in a user's folder (synth, annotate export, benchmark reports)

def check_output_files(paths, writer):
    """Refuse to overwrite a file that semtrack did not write as `writer`.

    A file may be written if it does not exist yet, or if the marker of its folder
    lists it as written by `writer` (an earlier run of the same command).

    Raises
    ------
    InputError
        Naming the first file that exists and is not semtrack's.
    """
    for p in paths:
        p = Path(p).absolute()
        if not (p.exists() or p.is_symlink()):
            continue
        marker = read_marker(p.parent) or {"files": {}}
        ok = marker["files"].get(p.name) == writer
        if p.is_dir() and ok:
            ok = not foreign_files(p, (writer,))
        if not ok:
            raise InputError(f"{p.name} exists and was not written by semtrack {writer}; "
                             "semtrack overwrites only what it wrote: move it or choose "
                             "another name or folder", path=p)


def record_output_files(paths, writer):
    """Add `paths` to the marker of their folder(s) as written by `writer`."""
    by_folder = {}
    for p in paths:
        p = Path(p).absolute()
        by_folder.setdefault(p.parent, []).append(p)
    for folder, ps in by_folder.items():
        marker = read_marker(folder) or {"files": {}}
        files = dict(marker["files"])
        for p in ps:
            files[p.name] = writer
            if p.is_dir():
                _write_marker(p, {f: writer for f in _files_under(p)})
        _write_marker(folder, files)


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
