"""The annotation web app: a FastAPI application over a results folder and a label database.

Nothing is fetched from the internet: the page, its script and its style are
served from ``vision/annotate/static``. Only files inside RESULTS_DIR are
served; video frames are decoded on the server and sent as JPEG.
"""
import logging
import math
import socket
import urllib.parse
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt
from starlette.exceptions import HTTPException

from calibration import InputError

from .._schema import EVENT_NAMES, FAILURE_MODES, GROWTH_MODES
from .._version import __version__
from ._db import REVIEW_STATES, AnnotationDB, ConflictError, NotFoundError
from ._report import TIME_DECIMALS, agreement, labels_csv, labels_json, labels_xlsx
from ._results import FrameSource, find_results, inside

logger = logging.getLogger(__name__)

__all__ = ["AnnotationService", "create_app", "serve"]

STATIC_DIR = Path(str(files(__package__) / "static"))
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
_MAX_ID = 2**53
_APP_CSP = ("default-src 'self'; img-src 'self' blob: data:; style-src 'self'; "
            "script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'; form-action 'self'")
# Files of the results folder (report.html may carry inline styles and images);
# they may not call the API.
_FILES_CSP = ("default-src 'self' 'unsafe-inline' data: blob:; connect-src 'none'; "
              "object-src 'none'; base-uri 'none'; form-action 'none'")
_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class AnnotationService:
    """RESULTS_DIR, its label database and a frame decoder, as one object.

    Parameters
    ----------
    results_dir : str or Path
        A results folder of one video or a batch folder of many.
    db_path : str or Path, optional
        The SQLite file; default ``RESULTS_DIR/annotations.sqlite``.
    user : str
        Default name recorded in the history for changes.
    """

    def __init__(self, results_dir, *, db_path=None, user="unknown"):
        self.results = find_results(results_dir)
        self.root = Path(results_dir).resolve()
        self.db_path = Path(db_path) if db_path is not None else self.root / "annotations.sqlite"
        self.db = AnnotationDB(self.db_path)
        self.user = user
        ids = self.db.sync(self.results, user=user)
        self.folders = {ids[r.key]: r for r in self.results if r.key in ids}
        self.frames = FrameSource()

    def folder(self, video_id):
        try:
            return self.folders[video_id]
        except KeyError:
            raise NotFoundError(f"no video with id {video_id} in this results folder") from None

    def videos(self, *, state=None, auto_mode=None, human_mode=None):
        """The videos of this RESULTS_DIR as in :meth:`AnnotationDB.videos`."""
        return self.db.videos(state=state, auto_mode=auto_mode, human_mode=human_mode,
                              ids=self.folders)

    def labelled(self):
        """The videos of this RESULTS_DIR with their labels and events."""
        return self.db.labelled(ids=self.folders)

    def auto_events(self):
        """``{video_key: automatic events}`` of every video found."""
        return {r.key: r.auto_events() for r in self.folders.values()}

    def agreement(self):
        return agreement(self.labelled(), self.auto_events())

    def time_of(self, video_id, frame):
        """Time (video clock, s) of ``frame``; InputError if the video has no such frame."""
        times = self.folder(video_id).frames()["time_s"]
        if not 0 <= frame < len(times):
            raise InputError(f"frame {frame} is outside this video (0..{len(times) - 1})")
        return times[frame]

    def close(self):
        self.frames.close()


# -- request bodies ---------------------------------------------------------
_Version = Annotated[StrictInt, Field(ge=0, le=_MAX_ID)]
_Frame = Annotated[StrictInt, Field(ge=0, le=_MAX_ID)]


class LabelChange(BaseModel):
    """Body of PATCH /api/videos/{id}/label; fields left out are not changed."""

    model_config = ConfigDict(extra="forbid")
    version: _Version
    failure_mode: Literal[FAILURE_MODES] | None = None
    short_circuit: StrictBool | None = None
    growth_modes: Annotated[list[Literal[GROWTH_MODES]], Field(max_length=len(GROWTH_MODES))] \
        | None = None
    note: Annotated[str, Field(max_length=10000)] | None = None
    state: Literal[REVIEW_STATES] | None = None


class EventNew(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: _Version
    event: Literal[EVENT_NAMES]
    frame: _Frame


class EventMove(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: _Version
    frame: _Frame


_Id = Annotated[int, PathParam(ge=0, le=_MAX_ID)]


def _json_safe(value):
    """``value`` with NaN and infinities replaced by None (JSON has no such numbers)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _validation_message(errors):
    parts = []
    for err in errors[:5]:
        if err.get("type") == "json_invalid":
            parts.append("the request body is not valid JSON "
                         f"(error near character {err.get('loc', ('', '?'))[-1]}): "
                         f"{err.get('ctx', {}).get('error', 'decode error')}")
            continue
        loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body") or "request"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


def _host_of(value):
    """Host name of a Host header or an Origin URL, without port or brackets."""
    if "://" in value:
        value = urllib.parse.urlsplit(value).netloc
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


# -- routers: one per resource; the service is app.state.service ---------------------

def _service(request: Request) -> AnnotationService:
    return request.app.state.service


_Service = Annotated[AnnotationService, Depends(_service)]


def _user_of(request: Request, service: AnnotationService) -> str:
    """The labeller: the X-Semtrack-User header (the page sends it), else the session's user."""
    raw = request.headers.get("x-semtrack-user")
    if not raw:
        return service.user
    name = urllib.parse.unquote(raw).strip()
    if not name or len(name) > 100:
        raise InputError("X-Semtrack-User must be a name of 1 to 100 characters")
    return name


#: The page, its redirect and the files of the results folder.
pages = APIRouter(include_in_schema=False)


@pages.get("/")
def index():
    return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


@pages.get("/report")
def report_page():
    return RedirectResponse("/#/report")


@pages.get("/files/{path:path}", include_in_schema=True)
def result_file(path: str, service: _Service):
    """A file inside RESULTS_DIR (report.html, overlay.mp4, CSVs); nothing outside."""
    target = inside(service.root, path) if path and "\x00" not in path else None
    if (target is None or not target.is_file()
            or target.resolve() == service.db_path.resolve()
            or target.suffix.lower() in (".sqlite", ".sqlite-wal", ".sqlite-shm", ".db")
            or target.name.endswith(("-wal", "-shm", "-journal"))):
        raise HTTPException(404, "no such file in the results folder")
    return FileResponse(target)


#: The annotation session: who labels, what can be labelled.
session = APIRouter(prefix="/api")


@session.get("/session")
def session_info(service: _Service):
    return {"user": service.user, "results_dir": service.root.name,
            "n_videos": len(service.folders), "failure_modes": list(FAILURE_MODES),
            "growth_modes": list(GROWTH_MODES), "event_names": list(EVENT_NAMES),
            "states": list(REVIEW_STATES), "time_decimals": TIME_DECIMALS}


#: The videos of the results folder, their automatic results and frames.
videos = APIRouter(prefix="/api/videos")


@videos.get("")
def video_list(service: _Service, state: Literal[REVIEW_STATES] | None = None,
               auto_mode: Literal[FAILURE_MODES] | None = None,
               human_mode: Literal[*FAILURE_MODES, "unlabelled"] | None = None):
    return service.videos(state=state, auto_mode=auto_mode, human_mode=human_mode)


@videos.get("/{video_id}")
def video(video_id: _Id, service: _Service):
    folder = service.folder(video_id)
    summary = folder.summary
    keys = ("failure_mode", "failure_evidence", "short_circuit", "short_circuit_time_s",
            "lateral_onset_time_s", "crack_initiation_time_s", "crack_initiation_voltage_V",
            "contact_loss_time_s", "growth_onset_time_s", "max_growth_rate_um_s",
            "max_local_current_density_A_cm2", "pixel_size_um", "pixel_size_source",
            "sync_offset_s", "sync_method", "n_frames", "n_duplicate_frames",
            "scan_period_s", "semtrack_version", "growth_mode_evidence",
            "front_speed_um_s", "crack_tip_speed_um_s")
    return {
        "video": service.db.video(video_id),
        "label": service.db.label(video_id),
        "auto": _json_safe({**{k: summary.get(k) for k in keys},
                            "growth_modes": folder.growth_modes,
                            "events": folder.auto_events()}),
        "frames": folder.frames(),
        "media": {"overlay": folder.overlay_path is not None,
                  "original": folder.original_path is not None},
        "report_url": (f"/files/{urllib.parse.quote(folder.rel_path)}/report.html"
                       if folder.rel_path != "." else "/files/report.html")
        if folder.has_report() else None,
    }


@videos.get("/{video_id}/frame/{index}")
def frame(video_id: _Id, index: _Id, service: _Service,
          source: Literal["overlay", "original"] = "overlay"):
    folder = service.folder(video_id)
    path = folder.overlay_path if source == "overlay" else folder.original_path
    if path is None:
        raise HTTPException(404, f"no {source} video inside the results folder for "
                                 f"{folder.name}")
    if source == "overlay":
        index = folder.overlay_frame_of(index)  # one overlay frame per new scan
    try:
        data = service.frames.jpeg(path, index)
    except IndexError as exc:
        raise HTTPException(404, str(exc)) from None
    return Response(data, media_type="image/jpeg",
                    headers={"Cache-Control": "private, max-age=300"})


#: The human label of a video (failure mode, short circuit, note, review state).
labels = APIRouter(prefix="/api/videos")


@labels.patch("/{video_id}/label")
def change_label(video_id: _Id, change: LabelChange, service: _Service, request: Request):
    service.folder(video_id)
    fields = {k: getattr(change, k) for k in change.model_fields_set if k != "version"}
    return service.db.update_label(video_id, version=change.version,
                                   user=_user_of(request, service), **fields)


#: Human event marks of a video.
events = APIRouter(prefix="/api/videos")


@events.post("/{video_id}/events", status_code=201)
def add_event(video_id: _Id, new: EventNew, service: _Service, request: Request):
    time_s = service.time_of(video_id, new.frame)
    return service.db.add_event(video_id, version=new.version, user=_user_of(request, service),
                                event=new.event, frame=new.frame, time_s=time_s)


@events.patch("/{video_id}/events/{event_id}")
def move_event(video_id: _Id, event_id: _Id, move: EventMove, service: _Service,
               request: Request):
    time_s = service.time_of(video_id, move.frame)
    return service.db.move_event(video_id, event_id, version=move.version,
                                 user=_user_of(request, service), frame=move.frame, time_s=time_s)


@events.delete("/{video_id}/events/{event_id}")
def delete_event(video_id: _Id, event_id: _Id, service: _Service, request: Request,
                 version: Annotated[int, Query(ge=0, le=_MAX_ID)]):
    service.folder(video_id)
    return service.db.delete_event(video_id, event_id, version=version,
                                   user=_user_of(request, service))


#: The change history of a video's label and events.
history = APIRouter(prefix="/api/videos")


@history.get("/{video_id}/history")
def video_history(video_id: _Id, service: _Service,
                  limit: Annotated[int, Query(ge=1, le=10000)] = 200):
    service.folder(video_id)
    return service.db.history(video_id, limit=limit)


#: Agreement between the automatic and the human labels.
report = APIRouter(prefix="/api")


@report.get("/report")
def agreement_report(service: _Service):
    return service.agreement()


#: The labels as CSV or JSON files.
export = APIRouter(prefix="/api")


@export.get("/export.csv")
def export_csv(service: _Service):
    text = labels_csv(service.labelled(), service.auto_events())
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="labels.csv"'})


@export.get("/export.json")
def export_json(service: _Service):
    text = labels_json(service.labelled(), service.auto_events(), version=__version__)
    return Response(text, media_type="application/json",
                    headers={"Content-Disposition": 'attachment; filename="labels.json"'})


@export.get("/export.xlsx")
def export_xlsx(service: _Service):
    data = labels_xlsx(service.labelled(), service.auto_events(), version=__version__)
    return Response(data, media_type="application/vnd.openxmlformats-officedocument."
                                     "spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="labels.xlsx"'})


ROUTERS = (pages, session, videos, labels, events, history, report, export)


def create_app(service, *, allowed_hosts=LOOPBACK_HOSTS):
    """The FastAPI application serving ``service``.

    Parameters
    ----------
    service : AnnotationService
    allowed_hosts : tuple of str or None
        Host names the browser may use to reach the server (guards against DNS
        rebinding and cross-site writes); None allows any (for a server bound
        to a public address on purpose).
    """
    app = FastAPI(title="semtrack annotate", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.service = service

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if allowed_hosts is not None:
            host = _host_of(request.headers.get("host", ""))
            if host not in allowed_hosts:
                return JSONResponse({"detail": f"host {host!r} not allowed; open the address "
                                               "semtrack annotate printed"}, status_code=400)
            origin = request.headers.get("origin")
            if (request.method in _WRITE_METHODS and origin
                    and _host_of(origin) not in allowed_hosts):
                return JSONResponse({"detail": "cross-site request refused"}, status_code=403)
        if request.method in _WRITE_METHODS and request.method != "DELETE":
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype != "application/json":
                return JSONResponse({"detail": "send the body as JSON (Content-Type: "
                                               "application/json)"}, status_code=415)
        response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        if request.url.path.startswith("/files/"):
            response.headers["Content-Security-Policy"] = _FILES_CSP
        else:
            response.headers["Content-Security-Policy"] = _APP_CSP
        if request.url.path.startswith("/api/") and "cache-control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request, exc):
        errors = exc.errors()
        return JSONResponse({"detail": _validation_message(errors),
                             "errors": [{"loc": [str(x) for x in e.get("loc", ())],
                                         "msg": str(e.get("msg", ""))} for e in errors[:20]]},
                            status_code=422)

    @app.exception_handler(InputError)
    async def _bad_input(request, exc):
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(NotFoundError)
    async def _not_found(request, exc):
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(ConflictError)
    async def _conflict(request, exc):
        return JSONResponse({"detail": str(exc), "current": exc.current}, status_code=409)

    @app.exception_handler(HTTPException)
    async def _http(request, exc):
        return JSONResponse({"detail": str(exc.detail)}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in ROUTERS:
        app.include_router(router)
    return app


def _check_port(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise InputError(f"cannot listen on {host}:{port} ({exc.strerror}); "
                             "pass another --port or --host") from None


def serve(results_dir, *, db_path=None, host="127.0.0.1", port=8765, user="unknown",
          announce=print):
    """Run the annotation server until interrupted.

    Parameters
    ----------
    results_dir : str or Path
    db_path : str or Path, optional
    host : str
        Address to bind; the default only accepts connections from this computer.
    port : int
    user : str
        Name recorded in the history for changes made through this server.
    announce : callable
        Called with the line that says where the server is.
    """
    import uvicorn  # noqa: PLC0415

    if not 0 < int(port) < 65536:
        raise InputError(f"--port {port} is not a TCP port (1-65535)")
    service = AnnotationService(results_dir, db_path=db_path, user=user)
    loopback = host in LOOPBACK_HOSTS or host.startswith("127.")
    allowed = (*LOOPBACK_HOSTS, host) if loopback else None
    if not loopback:
        logger.warning("binding to %s: anyone who can reach this address can read and "
                       "change the labels", host)
    _check_port(host, port)
    app = create_app(service, allowed_hosts=allowed)
    shown = f"[{host}]" if ":" in host else host
    announce(f"semtrack annotate: {len(service.folders)} video(s) from {service.root}, "
             f"labels in {service.db_path}\n  open http://{shown}:{port}/  (Ctrl+C to stop)")
    try:
        uvicorn.run(app, host=host, port=int(port), log_level="warning")
    finally:
        service.close()
