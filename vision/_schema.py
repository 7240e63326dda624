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

#: Columns of events.csv, in order.
EVENT_COLUMNS = ["event", "time_s", "frame", "voltage_V", "current_A", "source"]

#: Failure modes ``semtrack analyze`` assigns (summary.json ``failure_mode``), in the order
#: the annotation UI offers them.
FAILURE_MODES = ("none", "lateral_growth", "fracture", "contact_loss")

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
