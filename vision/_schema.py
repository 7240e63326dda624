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
