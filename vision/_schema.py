"""The results-folder contract: file names, table columns, failure modes, event names.

This module is the single home of the contract; the pipeline writes it, the
annotation tool and the batch table read it. It imports nothing (no numpy, no
pandas), so every layer may use it.
"""

#: Columns of frames.csv, in order (the contract; more may follow).
FRAME_COLUMNS = ["frame", "time_s", "is_duplicate", "drift_x_px", "drift_y_px",
                 "whisker_count", "max_whisker_length_um", "li_area_um2",
                 "front_distance_um", "crack_length_um", "voltage_V", "current_A"]

#: Columns of whiskers.csv, in order (the contract; more may follow).
WHISKER_COLUMNS = ["frame", "time_s", "whisker_id", "length_um", "tip_x_um", "tip_y_um"]

#: Further columns of whiskers.csv the tracker writes (after the contract's): ``censored``
#: (bool) the tip is at a side of the analysed field (image edge or data bar), so the length
#: is a lower bound and stays out of rate fits; ``tip_sigma_px`` the standard uncertainty of
#: the tip position along the whisker axis in that frame, px (NaN when not measured).
WHISKER_EXTRA_COLUMNS = ["censored", "tip_sigma_px"]

#: Columns of events.csv, in order.
EVENT_COLUMNS = ["event", "time_s", "frame", "voltage_V", "current_A", "source"]

#: Failure modes ``semtrack analyze`` assigns (summary.json ``failure_mode``), in the order
#: the annotation UI offers them.
FAILURE_MODES = ("none", "lateral_growth", "fracture", "contact_loss")

#: Growth modes ``semtrack analyze`` reports beside the failure mode (summary.json
#: ``growth_modes``: the list of those present; ``growth_mode_evidence``: one entry per
#: mode with ``mode, present, first_time_s, value, threshold, text``), in this order.
GROWTH_MODES = ("whisker", "lateral", "crack", "stripping")

#: ``summary.json`` keys of the growth modes (see :data:`GROWTH_MODES`).
GROWTH_MODE_SUMMARY_KEYS = ("growth_modes", "growth_mode_evidence")

#: Event names of events.csv (column ``event``), in the order of the annotation UI.
EVENT_NAMES = ("growth_onset", "lateral_onset", "crack_initiation", "short_circuit",
               "contact_loss")

#: ``summary.json`` key holding the time of each event (video clock, s).
EVENT_SUMMARY_KEYS = {
    "growth_onset": "growth_onset_time_s",
    "lateral_onset": "lateral_onset_time_s",
    "crack_initiation": "crack_initiation_time_s",
    "short_circuit": "short_circuit_time_s",
    "contact_loss": "contact_loss_time_s",
}

# -- files of one results folder (``semtrack analyze --out DIR``) --------------------------
SUMMARY_FILE = "summary.json"
FRAMES_FILE = "frames.csv"
WHISKERS_FILE = "whiskers.csv"
EVENTS_FILE = "events.csv"
GROWTH_RATES_FILE = "growth_rates.csv"
OVERLAY_FILE = "overlay.mp4"
#: overlay.mp4 holds one frame per new scan (variable frame rate); this table maps each
#: overlay frame to the video frame it shows (columns :data:`OVERLAY_FRAME_COLUMNS`).
OVERLAY_FRAMES_FILE = "overlay_frames.csv"
#: Columns of overlay_frames.csv: overlay frame index, video frame index, its time (video clock, s).
OVERLAY_FRAME_COLUMNS = ["overlay_frame", "frame", "time_s"]
REPORT_FILE = "report.html"
#: Written by ``semtrack batch`` into each video's folder: what the results were made from.
BATCH_KEY_FILE = "batch_key.json"

# -- files of a batch output folder (``semtrack batch --out DIR``) -------------------------
BATCH_TABLE_FILE = "results.csv"
BATCH_JSON_FILE = "batch.json"
#: Cross-video figure of a batch: maximum growth rate against the step's potential, one
#: marker per video, coloured by failure mode.
BATCH_FIGURE_FILE = "max_rate_vs_potential.png"

# -- what semtrack wrote (data safety) ------------------------------------------------------
#: Marker file in every folder semtrack writes into: JSON listing the files semtrack wrote
#: there (``{"files": {relative path: writer}}``, writer e.g. ``"results"``, ``"batch"``,
#: ``"synth"``). semtrack replaces or overwrites only files listed here; any other file in a
#: results folder stops the run (exit 2) before work starts. A hidden ``.<name>.tmp-*``
#: folder beside a results folder holding this marker is the leftover of a killed run and
#: is removed by the next run into the same place; an unmarked folder is never deleted.
WRITTEN_MARKER_FILE = ".semtrack-written.json"
#: Files a results folder of a release before the marker may hold (recognised without it).
LEGACY_RESULT_FILES = (SUMMARY_FILE, FRAMES_FILE, WHISKERS_FILE, EVENTS_FILE,
                       GROWTH_RATES_FILE, OVERLAY_FILE, REPORT_FILE, BATCH_KEY_FILE)

#: Renamed ``summary.json`` keys: old name -> new name. Both are written for one release so
#: older readers keep working; read the new one. ``short_circuit_time_trace_s`` held the
#: trace's short circuit on the *video* clock, which its name did not say.
RENAMED_SUMMARY_KEYS = {"short_circuit_time_trace_s": "trace_short_circuit_time_s"}

#: ``summary.json`` keys of the clock synchronisation (issue 13): ``sync_cues`` is a list of
#: one dict per cue with these keys (``sync_drift_ppm``: drift fitted, ppm, or null).
SYNC_SUMMARY_KEYS = ("sync_offset_s", "sync_method", "sync_confidence", "sync_detail",
                     "sync_cues", "sync_drift_ppm")
SYNC_CUE_KEYS = ("name", "offset_s", "sigma_s", "lo_s", "hi_s", "sharpness", "detail",
                 "adequate")
SYNC_CUE_NAMES = ("charge", "steps", "onset", "contact_area", "short_circuit")
