"""Check semtrack's results frame by frame and build a labelled set of failure modes.

``semtrack annotate RESULTS_DIR`` serves a local web page (see :func:`serve`);
the pieces are usable from Python too:

* :func:`find_results`, :class:`ResultFolder` - read results folders;
* :class:`AnnotationDB` - the SQLite label store with its append-only history;
* :func:`agreement`, :func:`format_agreement`, :func:`write_export` - compare
  human and automatic labels, export labels to CSV/JSON;
* :class:`AnnotationService`, :func:`create_app` - the web application.
"""
from ._app import AnnotationService, create_app, serve
from ._db import REVIEW_STATES, AnnotationDB, ConflictError, NotFoundError
from ._report import agreement, export_rows, format_agreement, write_export
from ._results import EVENT_NAMES, FAILURE_MODES, FrameSource, ResultFolder, find_results

__all__ = [
    "AnnotationDB",
    "AnnotationService",
    "ConflictError",
    "EVENT_NAMES",
    "FAILURE_MODES",
    "FrameSource",
    "NotFoundError",
    "REVIEW_STATES",
    "ResultFolder",
    "agreement",
    "create_app",
    "export_rows",
    "find_results",
    "format_agreement",
    "serve",
    "write_export",
]
