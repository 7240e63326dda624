"""SQLite storage of human labels, with an append-only history.

One database holds, per analysed video, the automatic labels as found in its
results folder, the human label (failure mode, short-circuit flag, note,
review state), the human event list, and a history row for every change
(who, when, what before, what after).

Safety
------
* WAL journal, ``synchronous=FULL``: a committed change survives a crash of
  the server process (and of the machine).
* Every change runs in one ``BEGIN IMMEDIATE`` transaction together with its
  history row; an error or a crash before ``COMMIT`` leaves the previous state.
* Optimistic concurrency: every write names the ``version`` of the video's
  label the client last saw. If someone else changed it since, the write is
  refused with :class:`ConflictError` carrying the current state, and nothing
  is lost: the client still holds its own change and can re-apply it.
* The ``history`` table refuses UPDATE and DELETE (SQLite triggers).
"""
import contextlib
import datetime as _dt
import json
import logging
import sqlite3
from pathlib import Path

from calibration import InputError

from .._schema import EVENT_NAMES, FAILURE_MODES, GROWTH_MODES

logger = logging.getLogger(__name__)

__all__ = ["AnnotationDB", "ConflictError", "NotFoundError", "REVIEW_STATES"]

#: Review states of a video, in the order the UI offers them.
#: ``unreviewed``: nobody looked yet; ``in_progress``: edited, failure mode not
#: yet set; ``confirmed``: human failure mode and short-circuit flag equal the
#: automatic ones; ``corrected``: they differ; ``flagged``: needs a second look
#: (kept until someone sets another state).
REVIEW_STATES = ("unreviewed", "in_progress", "confirmed", "corrected", "flagged")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS videos (
    id INTEGER PRIMARY KEY,
    video_key TEXT NOT NULL UNIQUE,          -- SHA-256 of the original video
    name TEXT NOT NULL,
    rel_path TEXT NOT NULL,                  -- results folder, relative to RESULTS_DIR
    auto_failure_mode TEXT NOT NULL,
    auto_short_circuit INTEGER NOT NULL,
    auto_growth_modes TEXT NOT NULL DEFAULT '[]',  -- JSON list, see GROWTH_MODES
    n_frames INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS labels (
    video_id INTEGER PRIMARY KEY REFERENCES videos(id),
    failure_mode TEXT,                       -- NULL: not labelled yet
    short_circuit INTEGER,                   -- NULL: not labelled yet
    growth_modes TEXT,                       -- JSON list; NULL: not labelled yet
    note TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'unreviewed',
    version INTEGER NOT NULL DEFAULT 1,
    updated_by TEXT,
    updated_at TEXT
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    video_id INTEGER NOT NULL REFERENCES videos(id),
    event TEXT NOT NULL,
    frame INTEGER NOT NULL,
    time_s REAL,                             -- video clock
    origin TEXT NOT NULL,                    -- 'auto' (as found) or 'human' (added or moved)
    auto_time_s REAL,                        -- the automatic time this event started from
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_video ON events(video_id);
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY,
    video_id INTEGER REFERENCES videos(id),
    at TEXT NOT NULL,                        -- UTC, ISO 8601
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX IF NOT EXISTS history_video ON history(video_id);
CREATE TRIGGER IF NOT EXISTS history_no_update BEFORE UPDATE ON history
BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
CREATE TRIGGER IF NOT EXISTS history_no_delete BEFORE DELETE ON history
BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
"""
_SCHEMA_VERSION = "2"

#: Additive migrations: schema version -> statements that bring it to the next version.
#: Version 2 adds growth modes (JSON lists of :data:`GROWTH_MODES`; a human NULL means
#: "not set": the automatic ones stand until a person changes them).
_MIGRATIONS = {
    "1": ("ALTER TABLE videos ADD COLUMN auto_growth_modes TEXT NOT NULL DEFAULT '[]'",
          "ALTER TABLE labels ADD COLUMN growth_modes TEXT"),
}
_UNSET = object()


class ConflictError(Exception):
    """The label changed since the client read it.

    Attributes
    ----------
    current : dict
        The label as it is now (same shape as :meth:`AnnotationDB.label`).
    """

    def __init__(self, message, current):
        super().__init__(message)
        self.current = current


class NotFoundError(LookupError):
    """No such video or event."""


def _now():
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds")


def _modes(text):
    """A JSON list of growth modes from the database, in :data:`GROWTH_MODES` order."""
    try:
        value = json.loads(text) if text else []
    except (TypeError, ValueError):
        return []
    return [m for m in GROWTH_MODES if isinstance(value, list) and m in value]


def _check_user(user):
    if not isinstance(user, str) or not user.strip() or len(user) > 100:
        raise InputError("user must be a non-empty name of at most 100 characters; "
                         "pass --user NAME")
    return user.strip()


class AnnotationDB:
    """The annotation database at ``path`` (created if missing).

    Parameters
    ----------
    path : str or Path
        SQLite file. Its folder must exist.
    timeout_s : float
        How long a write waits for another writer before giving up.
    """

    def __init__(self, path, *, timeout_s=10.0):
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise InputError("the folder of the database does not exist; create it or "
                             "choose another --db", path=self.path)
        self.timeout_s = float(timeout_s)
        try:
            with self._connect() as con:
                con.execute("PRAGMA journal_mode=WAL")
                con.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, "
                            "value TEXT NOT NULL)")
                row = con.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
                if row is not None and row[0] != _SCHEMA_VERSION:
                    self._migrate(con, row[0])
                con.executescript(_SCHEMA)
                if row is None:
                    con.execute("INSERT INTO meta VALUES ('schema', ?)", (_SCHEMA_VERSION,))
        except sqlite3.DatabaseError as exc:
            raise InputError(f"not a usable annotation database ({exc}); choose another "
                             "--db", path=self.path) from None

    def _migrate(self, con, version):
        """Bring an older database to :data:`_SCHEMA_VERSION` (additive, one transaction)."""
        start = version
        if version not in _MIGRATIONS:
            raise InputError(f"database schema {version} is not the supported "
                             f"{_SCHEMA_VERSION}; use another --db", path=self.path)
        con.execute("BEGIN IMMEDIATE")
        try:
            while version in _MIGRATIONS:
                for statement in _MIGRATIONS[version]:
                    con.execute(statement)
                version = str(int(version) + 1)
            con.execute("UPDATE meta SET value=? WHERE key='schema'", (version,))
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        logger.info("%s: annotation database migrated from schema %s to %s", self.path,
                    start, version)

    # -- plumbing -----------------------------------------------------------
    @contextlib.contextmanager
    def _connect(self):
        con = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None,
                              check_same_thread=False)
        try:
            con.row_factory = sqlite3.Row
            con.execute("PRAGMA foreign_keys=ON")
            con.execute("PRAGMA synchronous=FULL")
            con.execute(f"PRAGMA busy_timeout={int(self.timeout_s * 1000)}")
            yield con
        finally:
            con.close()

    @contextlib.contextmanager
    def transaction(self):
        """A connection inside ``BEGIN IMMEDIATE``; committed on success, else rolled back."""
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    @staticmethod
    def _log(con, video_id, user, action, before, after):
        con.execute(
            "INSERT INTO history (video_id, at, user, action, before_json, after_json) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (video_id, _now(), user, action,
             None if before is None else json.dumps(before, sort_keys=True),
             None if after is None else json.dumps(after, sort_keys=True)))

    # -- videos -------------------------------------------------------------
    def sync(self, results, *, user="semtrack"):
        """Register the results folders found in RESULTS_DIR.

        New videos get a label row (state ``unreviewed``) and a human event
        list seeded from the automatic events, so that a reviewer corrects the
        automatic events instead of typing them again. Known videos (same
        SHA-256) get their automatic labels and folder refreshed; their human
        labels are kept.

        Parameters
        ----------
        results : list of ResultFolder
        user : str
            Recorded in the history as the one who registered the videos.

        Returns
        -------
        dict
            ``{video_key: video_id}`` of the folders registered.
        """
        user = _check_user(user)
        ids = {}
        now = _now()
        with self.transaction() as con:
            for res in results:
                if res.key in ids:
                    logger.warning("%s: same video (sha256 %s) as an earlier folder; "
                                   "using the earlier one", res.path, res.key)
                    continue
                row = con.execute("SELECT id FROM videos WHERE video_key=?",
                                  (res.key,)).fetchone()
                values = (res.name, res.rel_path, res.failure_mode, int(res.short_circuit),
                          json.dumps(list(getattr(res, "growth_modes", []))), res.n_frames)
                if row is not None:
                    con.execute("UPDATE videos SET name=?, rel_path=?, auto_failure_mode=?, "
                                "auto_short_circuit=?, auto_growth_modes=?, n_frames=?, "
                                "last_seen=? WHERE id=?", (*values, now, row["id"]))
                    ids[res.key] = row["id"]
                    continue
                cur = con.execute(
                    "INSERT INTO videos (video_key, name, rel_path, auto_failure_mode, "
                    "auto_short_circuit, auto_growth_modes, n_frames, first_seen, last_seen) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (res.key, *values, now, now))
                video_id = cur.lastrowid
                ids[res.key] = video_id
                con.execute("INSERT INTO labels (video_id, updated_by, updated_at) "
                            "VALUES (?, ?, ?)", (video_id, user, now))
                for ev in res.auto_events():
                    con.execute("INSERT INTO events (video_id, event, frame, time_s, origin, "
                                "auto_time_s, updated_by, updated_at) "
                                "VALUES (?, ?, ?, ?, 'auto', ?, ?, ?)",
                                (video_id, ev["event"], ev["frame"], ev["time_s"],
                                 ev["time_s"], user, now))
                self._log(con, video_id, user, "register", None,
                          self._label(con, video_id))
        return ids

    def videos(self, *, state=None, auto_mode=None, human_mode=None, ids=None):
        """Videos with their automatic and human labels, filtered.

        Parameters
        ----------
        state : str, optional
            One of :data:`REVIEW_STATES`.
        auto_mode, human_mode : str, optional
            One of the failure modes; ``human_mode='unlabelled'`` selects videos
            without a human failure mode.
        ids : iterable of int, optional
            Only these videos (e.g. those found in one RESULTS_DIR, when several
            results folders share one database); default all.

        Returns
        -------
        list of dict
        """
        where, args = [], []
        if state is not None:
            if state not in REVIEW_STATES:
                raise InputError(f"unknown state {state!r}; use one of {', '.join(REVIEW_STATES)}")
            where.append("l.state=?")
            args.append(state)
        if auto_mode is not None:
            if auto_mode not in FAILURE_MODES:
                raise InputError(f"unknown failure mode {auto_mode!r}; use one of "
                                 f"{', '.join(FAILURE_MODES)}")
            where.append("v.auto_failure_mode=?")
            args.append(auto_mode)
        if human_mode is not None:
            if human_mode == "unlabelled":
                where.append("l.failure_mode IS NULL")
            elif human_mode in FAILURE_MODES:
                where.append("l.failure_mode=?")
                args.append(human_mode)
            else:
                raise InputError(f"unknown failure mode {human_mode!r}; use one of "
                                 f"{', '.join(FAILURE_MODES)} or unlabelled")
        if ids is not None:
            ids = [int(i) for i in ids]
            where.append(f"v.id IN ({', '.join('?' * len(ids))})" if ids else "0")
            args.extend(ids)
        sql = ("SELECT v.*, l.failure_mode, l.short_circuit, l.growth_modes, l.note, l.state, "
               "l.version, l.updated_by, l.updated_at FROM videos v "
               "JOIN labels l ON l.video_id=v.id")
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY v.rel_path, v.name"
        with self._connect() as con:
            rows = con.execute(sql, args).fetchall()
        return [self._video_dict(r) for r in rows]

    @staticmethod
    def _video_dict(r):
        return {
            "id": r["id"], "video_key": r["video_key"], "name": r["name"],
            "rel_path": r["rel_path"], "n_frames": r["n_frames"],
            "auto_failure_mode": r["auto_failure_mode"],
            "auto_short_circuit": bool(r["auto_short_circuit"]),
            "human_failure_mode": r["failure_mode"],
            "human_short_circuit": None if r["short_circuit"] is None else bool(r["short_circuit"]),
            "auto_growth_modes": _modes(r["auto_growth_modes"]),
            "human_growth_modes": None if r["growth_modes"] is None
            else _modes(r["growth_modes"]),
            "note": r["note"], "state": r["state"], "version": r["version"],
            "updated_by": r["updated_by"], "updated_at": r["updated_at"],
        }

    def video(self, video_id):
        """One video as in :meth:`videos`; raise NotFoundError if unknown."""
        with self._connect() as con:
            row = con.execute(
                "SELECT v.*, l.failure_mode, l.short_circuit, l.growth_modes, l.note, l.state, "
                "l.version, l.updated_by, l.updated_at FROM videos v "
                "JOIN labels l ON l.video_id=v.id WHERE v.id=?", (int(video_id),)).fetchone()
        if row is None:
            raise NotFoundError(f"no video with id {video_id}")
        return self._video_dict(row)

    # -- labels -------------------------------------------------------------
    @staticmethod
    def _label(con, video_id):
        row = con.execute("SELECT l.*, v.auto_failure_mode, v.auto_short_circuit, "
                          "v.auto_growth_modes "
                          "FROM labels l JOIN videos v ON v.id=l.video_id WHERE l.video_id=?",
                          (video_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no video with id {video_id}")
        events = con.execute("SELECT * FROM events WHERE video_id=? ORDER BY time_s, frame, id",
                             (video_id,)).fetchall()
        return {
            "video_id": video_id,
            "version": row["version"],
            "failure_mode": row["failure_mode"],
            "short_circuit": None if row["short_circuit"] is None else bool(row["short_circuit"]),
            "growth_modes": None if row["growth_modes"] is None else _modes(row["growth_modes"]),
            "auto_growth_modes": _modes(row["auto_growth_modes"]),
            "note": row["note"],
            "state": row["state"],
            "updated_by": row["updated_by"],
            "updated_at": row["updated_at"],
            "events": [{"id": e["id"], "event": e["event"], "frame": e["frame"],
                        "time_s": e["time_s"], "origin": e["origin"],
                        "auto_time_s": e["auto_time_s"], "updated_by": e["updated_by"],
                        "updated_at": e["updated_at"]} for e in events],
        }

    def label(self, video_id):
        """The human label of a video.

        Returns
        -------
        dict
            ``version``, ``failure_mode`` (None until labelled), ``short_circuit``
            (None until labelled), ``note``, ``state``, ``updated_by``,
            ``updated_at`` and ``events`` (list of ``{id, event, frame, time_s,
            origin, auto_time_s, ...}``, times on the video clock in s).
        """
        with self._connect() as con:
            return self._label(con, int(video_id))

    @contextlib.contextmanager
    def _change(self, video_id, version, user, action, explicit_state=None):
        """Check the version, yield (con, before), derive the state, bump the version, log."""
        user = _check_user(user)
        if isinstance(version, bool) or not isinstance(version, int):
            raise InputError("version must be the integer version of the label you edited")
        with self.transaction() as con:
            before = self._label(con, int(video_id))
            if before["version"] != version:
                raise ConflictError(
                    f"this video was changed by {before['updated_by']} at "
                    f"{before['updated_at']} (version {before['version']}, you edited "
                    f"version {version})", before)
            yield con, before
            self._finish(con, int(video_id), user, action, before, explicit_state)

    def _finish(self, con, video_id, user, action, before, explicit_state=None):
        row = con.execute("SELECT l.*, v.auto_failure_mode, v.auto_short_circuit, "
                          "v.auto_growth_modes FROM labels l "
                          "JOIN videos v ON v.id=l.video_id WHERE l.video_id=?",
                          (video_id,)).fetchone()
        state = row["state"]
        if explicit_state is not None:
            state = explicit_state
        elif action != "note" and state != "flagged":
            if row["failure_mode"] is None:
                state = "in_progress"
            elif (row["failure_mode"] == row["auto_failure_mode"]
                  and bool(row["short_circuit"]) == bool(row["auto_short_circuit"])
                  and (row["growth_modes"] is None
                       or _modes(row["growth_modes"]) == _modes(row["auto_growth_modes"]))):
                state = "confirmed"
            else:
                state = "corrected"
        con.execute("UPDATE labels SET state=?, version=version+1, updated_by=?, updated_at=? "
                    "WHERE video_id=?", (state, user, _now(), video_id))
        self._log(con, video_id, user, action, before, self._label(con, video_id))

    def update_label(self, video_id, *, version, user, failure_mode=_UNSET,
                     short_circuit=_UNSET, note=_UNSET, state=_UNSET, growth_modes=_UNSET):
        """Change the human failure mode, short-circuit flag, growth modes, note or state.

        Only the fields given are changed. Setting a failure mode while the
        short-circuit flag is unlabelled also takes the automatic flag (the UI
        shows it, so leaving it is accepting it). Unless ``state`` is given,
        the state is derived: ``in_progress`` without a failure mode, else
        ``confirmed`` or ``corrected`` (growth modes count once a person set
        them: None means the automatic ones stand); ``flagged`` is kept; a note
        alone leaves the state. ``growth_modes`` is a list drawn from
        :data:`GROWTH_MODES` (``[]``: none) or None (back to unset).

        Returns
        -------
        dict
            The label after the change (see :meth:`label`).

        Raises
        ------
        ConflictError
            If ``version`` is not the current version.
        InputError
            For an unknown failure mode or state, a note over 10 000 characters.
        NotFoundError
            For an unknown video.
        """
        sets, args = [], []
        if failure_mode is not _UNSET:
            if failure_mode is not None and failure_mode not in FAILURE_MODES:
                raise InputError(f"unknown failure mode {failure_mode!r}; use one of "
                                 f"{', '.join(FAILURE_MODES)}")
            sets.append("failure_mode=?")
            args.append(failure_mode)
        if short_circuit is not _UNSET:
            if short_circuit is not None and not isinstance(short_circuit, bool):
                raise InputError("short_circuit must be true, false or null")
            sets.append("short_circuit=?")
            args.append(None if short_circuit is None else int(short_circuit))
        if growth_modes is not _UNSET:
            if growth_modes is not None:
                if (not isinstance(growth_modes, (list, tuple))
                        or any(m not in GROWTH_MODES for m in growth_modes)):
                    raise InputError(f"growth_modes must be a list drawn from "
                                     f"{', '.join(GROWTH_MODES)}, not {growth_modes!r}")
                growth_modes = json.dumps([m for m in GROWTH_MODES if m in growth_modes])
            sets.append("growth_modes=?")
            args.append(growth_modes)
        if note is not _UNSET:
            if not isinstance(note, str) or len(note) > 10000:
                raise InputError("note must be text of at most 10000 characters")
            sets.append("note=?")
            args.append(note)
        if state is not _UNSET and state not in REVIEW_STATES:
            raise InputError(f"unknown state {state!r}; use one of {', '.join(REVIEW_STATES)}")
        if not sets and state is _UNSET:
            raise InputError("nothing to change: give failure_mode, short_circuit, "
                             "growth_modes, note or state")
        action = "note" if sets == ["note=?"] and state is _UNSET else "label"
        explicit = None if state is _UNSET else state
        with self._change(video_id, version, user, action, explicit) as (con, before):
            if sets:
                con.execute(f"UPDATE labels SET {', '.join(sets)} WHERE video_id=?",
                            (*args, int(video_id)))
            if (failure_mode not in (_UNSET, None) and short_circuit is _UNSET
                    and before["short_circuit"] is None):
                con.execute("UPDATE labels SET short_circuit=(SELECT auto_short_circuit FROM "
                            "videos WHERE id=?) WHERE video_id=?", (int(video_id), int(video_id)))
        return self.label(video_id)

    def add_event(self, video_id, *, version, user, event, frame, time_s):
        """Add a human event at ``frame`` (shown at ``time_s`` on the video clock)."""
        user = _check_user(user)
        event, frame, time_s = self._check_event(event, frame, time_s)
        with self._change(video_id, version, user, "add_event") as (con, _):
            con.execute("INSERT INTO events (video_id, event, frame, time_s, origin, "
                        "auto_time_s, updated_by, updated_at) VALUES (?, ?, ?, ?, 'human', "
                        "NULL, ?, ?)", (int(video_id), event, frame, time_s, user, _now()))
        return self.label(video_id)

    def move_event(self, video_id, event_id, *, version, user, frame, time_s):
        """Move an event to ``frame`` / ``time_s``."""
        user = _check_user(user)
        _, frame, time_s = self._check_event(EVENT_NAMES[0], frame, time_s)
        with self._change(video_id, version, user, "move_event") as (con, _):
            cur = con.execute("UPDATE events SET frame=?, time_s=?, origin='human', "
                              "updated_by=?, updated_at=? WHERE id=? AND video_id=?",
                              (frame, time_s, user, _now(), int(event_id), int(video_id)))
            if cur.rowcount != 1:
                raise NotFoundError(f"video {video_id} has no event with id {event_id}")
        return self.label(video_id)

    def delete_event(self, video_id, event_id, *, version, user):
        """Delete an event."""
        with self._change(video_id, version, user, "delete_event") as (con, _):
            cur = con.execute("DELETE FROM events WHERE id=? AND video_id=?",
                              (int(event_id), int(video_id)))
            if cur.rowcount != 1:
                raise NotFoundError(f"video {video_id} has no event with id {event_id}")
        return self.label(video_id)

    @staticmethod
    def _check_event(event, frame, time_s):
        if event not in EVENT_NAMES:
            raise InputError(f"unknown event {event!r}; use one of {', '.join(EVENT_NAMES)}")
        if isinstance(frame, bool) or not isinstance(frame, int) or frame < 0:
            raise InputError(f"frame must be a frame index >= 0, not {frame!r}")
        if time_s is not None:
            time_s = float(time_s)
        return event, frame, time_s

    # -- history ------------------------------------------------------------
    def history(self, video_id=None, *, limit=None):
        """History rows, newest first: ``{id, video_id, at, user, action, before, after}``."""
        sql = "SELECT * FROM history"
        args = []
        if video_id is not None:
            sql += " WHERE video_id=?"
            args.append(int(video_id))
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        with self._connect() as con:
            rows = con.execute(sql, args).fetchall()
        return [{"id": r["id"], "video_id": r["video_id"], "at": r["at"], "user": r["user"],
                 "action": r["action"],
                 "before": None if r["before_json"] is None else json.loads(r["before_json"]),
                 "after": None if r["after_json"] is None else json.loads(r["after_json"])}
                for r in rows]

    def labelled(self, *, ids=None):
        """Every video with its label and events (for export and agreement)."""
        out = []
        for video in self.videos(ids=ids):
            video = dict(video)
            video["events"] = self.label(video["id"])["events"]
            out.append(video)
        return out
