"""Mutation testing of the lines changed since a git ref (``make mutate CHANGED=<ref>``).

mutmut 3 mutates whole files; the whisker tip estimator (``vision/measure/_whiskers.py``)
and the crack path (``vision/measure/crack/_path.py``) hold thousands of mutants whose
tests take seconds each, far more than the hour ``make mutate`` has. This benchmark
runs only the mutants that touch a line changed since a ref (issue 16: "whisker tip and
crack path on changed lines"):

1. the changed lines of each file: ``git diff -U0 REF -- FILE`` (the new side of
   each hunk; a hunk that only deletes has no line left to mutate);
2. a scratch copy of the packages and tests in ``build/mutate-changed/`` whose
   ``pyproject.toml`` has its own ``[tool.mutmut]`` section (these files, their fast
   tests), so the ``mutants/`` of ``make mutate`` is left alone;
3. mutmut's mutants of the files (its own generation step, as ``mutmut run`` does it);
4. each mutant's diff (what ``mutmut show NAME`` prints) placed in the file by its
   function's ``def`` line; a mutant is kept if a line it changes is a changed line;
5. ``mutmut run`` on the kept mutants only (its per-mutant timeout; the whole run
   stopped after ``--budget`` seconds);
6. a table of the kept mutants by status, and every survivor with its file line
   and diff.

A benchmark, not a test: exit status 0 unless the input is wrong (2). Needs mutmut
3.8.1 (``make mutate`` installs it).

Usage::

    python benchmarks/mutate_changed.py REF [--file PATH ...] [--test PATH ...]
                                        [--max-children 2] [--budget 3600] [--list] [--reuse]
                                        [--survivors]
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Files mutated on their changed lines, each with its fast unit tests (seconds each;
#: mutmut runs, per mutant, those that call the mutated function, fastest first, and stops
#: at the first failure). ``--file`` picks some of them (their tests with them), ``--test``
#: replaces the tests. The whisker tip estimator (and the rest of the whisker
#: measurement) and the crack path (issue 16), and the code of waves 9 and 10: the crack's
#: line and measure passes, the front's cluster rule and the crack touch-down, the lateral
#: onset and who touched; and of waves 11 and 12 (measured in wave 13): the front before
#: it starts, the crack link's edge test, frames waiting without pixels, ``_finish``'s
#: who-touched and the classifier's ``touchdown_by``.
TESTS_BY_FILE = {
    "vision/measure/_whiskers.py": [
        "tests/vision/measure/test_whisker_fits.py",
        "tests/vision/measure/test_tip_mutation.py",
        "tests/vision/measure/test_tracking_units.py",
    ],
    "vision/measure/crack/_path.py": [
        "tests/vision/measure/test_crack_branches.py",
        "tests/vision/measure/test_crack_path_mutation.py",
    ],
    "vision/measure/crack/_detect.py": [
        "tests/vision/measure/test_crack_link.py",
        "tests/vision/measure/test_crack_rims.py",
        "tests/vision/measure/test_crack_one_pass.py",
        "tests/vision/measure/test_crack_branches.py",
        "tests/vision/measure/test_crack_detect_mut.py",
        # wave 19: the counter zones' cache, _opposite_and_along
        "tests/vision/measure/test_crack_speed_w19.py",
        "tests/vision/measure/test_crack_detect_mut19.py",
        # wave 20: the drawn grain-boundary scenes (a second a file) reach the
        # opposite-sign stretches and the boundaries kept off the rim (_line_pass,
        # _opposite_lines); wave 19 ran without them
        "tests/vision/measure/test_crack_boundary_w17.py",
        "tests/vision/measure/test_crack_counter_w18.py",
        "tests/vision/measure/test_crack_boundary_mut20.py",
        # wave 21: CrackState's windows (the most recent two of each kind, inputs checked)
        "tests/vision/measure/test_crack_state_w20.py",
        "tests/vision/measure/test_state_mut21.py",
    ],
    "vision/track/_frontcrack.py": [
        "tests/vision/track/test_front_unbranched.py",
        "tests/vision/track/test_crack_touchdown.py",
        "tests/vision/track/test_frontcrack_units.py",
        "tests/vision/measure/test_crack_gaps.py",
        "tests/vision/pipeline/test_failure_crack_touchdown.py",
        "tests/vision/track/test_frontcrack_mut.py",
        "tests/vision/track/test_front_toward_counter.py",
        "tests/vision/track/test_frontcrack_border_mut.py",
        "tests/vision/track/test_front_before_start.py",
        "tests/vision/track/test_frontcrack_before_mut.py",
    ],
    "vision/measure/_front.py": [
        "tests/vision/measure/test_front_border_mut.py",
        "tests/vision/track/test_front_toward_counter.py",
    ],
    "vision/measure/_electrode.py": [
        "tests/vision/measure/test_electrode_band_edge.py",
        "tests/vision/measure/test_electrode_counter.py",
        "tests/vision/measure/test_electrode_needle.py",
        "tests/vision/measure/test_electrode_band_mut.py",
        # wave 17c: the contacting needle's choice (needle17b) and the tip search moved into
        # its per-region function, reached by the drawn scenes and the random renders
        "tests/vision/measure/test_electrode_contacting_needle_w17b.py",
        "tests/vision/measure/test_electrode_needle_over_disc.py",
        "tests/vision/measure/test_electrode_needle_corner.py",
        "tests/vision/measure/test_electrode_at_tip_mut17.py",
        # wave 18: the tip search's decisions on exact regions, and drawn scenes that reach
        # the rim search at the tip (seconds each, before the random renders' minutes)
        "tests/vision/measure/test_electrode_tip_search_w18.py",
        "tests/vision/measure/test_electrode_tip_scenes_w18.py",
        "tests/vision/measure/test_electrode_random.py",
    ],
    "vision/pipeline/_sync.py": [
        "tests/vision/pipeline/test_sync_sigma.py",
        "tests/vision/pipeline/test_sync_sigma_mut.py",
        "tests/vision/pipeline/test_sync_short.py",
    ],
    "vision/pipeline/_sync_cues.py": [
        "tests/vision/pipeline/test_sync_sigma.py",
        "tests/vision/pipeline/test_sync_sigma_mut.py",
        "tests/vision/pipeline/test_sync_short.py",
    ],
    "vision/pipeline/_sync_combine.py": [
        "tests/vision/pipeline/test_sync_sigma.py",
        "tests/vision/pipeline/test_sync_sigma_mut.py",
        "tests/vision/pipeline/test_sync_combine.py",
    ],
    "vision/measure/crack/_link.py": [
        "tests/vision/measure/test_crack_link.py",
        "tests/vision/measure/test_crack_link_edge.py",
        "tests/vision/measure/test_crack_link_edge_mut.py",
        # wave 21's link across a short gap (measured in wave 22)
        "tests/vision/measure/test_crack_link_short_gap_w21.py",
        "tests/vision/measure/test_crack_link_short_gap_mut22.py",
    ],
    "vision/track/_schedule.py": [
        "tests/vision/track/test_crack_touchdown.py",
        "tests/vision/measure/test_crack_gaps.py",
        "tests/vision/track/test_schedule_touchdown_mut.py",
        "tests/vision/track/test_schedule_memory.py",
        "tests/vision/track/test_schedule_waiting_mut.py",
    ],
    "vision/pipeline/_events.py": [
        "tests/vision/pipeline/test_events_lateral_onset.py",
        "tests/vision/pipeline/test_failure_onsets.py",
        "tests/vision/pipeline/test_analyze_units.py",
        "tests/vision/pipeline/test_events_onset_mut.py",
        "tests/vision/pipeline/test_numbers_exact.py",
        "tests/vision/pipeline/test_events_sudden_mut.py",
        # wave 16's onset rules (step edge, crack persistence), measured in wave 17
        "tests/vision/pipeline/test_onset_step_edge_w16.py",
        "tests/vision/pipeline/test_onset_crack_persistence_w16.py",
        "tests/vision/pipeline/test_events_step_edge_mut17.py",
        # wave 21's crack initiation from the young crack's scans (measured in wave 22)
        "tests/vision/pipeline/test_crack_initiation_young_w21.py",
        "tests/vision/pipeline/test_crack_initiation_mut22.py",
    ],
    "vision/pipeline/_failure.py": [
        "tests/vision/pipeline/test_failure_crack_touchdown.py",
        "tests/vision/pipeline/test_failure_morphology.py",
        "tests/vision/pipeline/test_failure_morphology_exact.py",
        "tests/vision/pipeline/test_failure_onsets.py",
        "tests/vision/pipeline/test_numbers_exact.py",
        "tests/vision/pipeline/test_analyze_units.py",
        # wave 19: the crack's lithium handover, the morphology from the scans
        "tests/vision/pipeline/test_failure_crack_handover_w19.py",
        "tests/vision/pipeline/test_failure_known_w19.py",
        "tests/vision/pipeline/test_failure_mut19.py",
        # wave 20: the handover's physics, rows of one scan, the three-scan crack (wave 21)
        "tests/vision/pipeline/test_failure_handover_physics_w20.py",
        "tests/vision/pipeline/test_failure_mut21.py",
    ],
    "vision/pipeline/_analyze.py": [
        "tests/vision/pipeline/test_failure_crack_touchdown.py",
        "tests/vision/pipeline/test_analyze_units.py",
        "tests/vision/pipeline/test_analyze_touchdown_mut.py",
        "tests/vision/pipeline/test_analyze_finish_mut.py",
        # wave 21: the step table cut to the video marks its real edges (_steps_within),
        # the crack initiation called from _video_events (measured in wave 22)
        "tests/vision/pipeline/test_crack_initiation_young_w21.py",
        "tests/vision/pipeline/test_steps_within_mut22.py",
    ],
    # wave 14: the physics and the rates in full, then reported quantities of files no
    # other helper changed that wave (stripping, steps, tilt, pixel size)
    "electrochem/_physics.py": [
        "tests/electrochem/test_electrochem_physics.py",
        "tests/electrochem/test_electrochem_physics_errors.py",
    ],
    "vision/pipeline/_rates.py": [
        "tests/vision/pipeline/test_rates_mutation.py",
        "tests/vision/pipeline/test_analyze_units.py",
        "tests/vision/pipeline/test_rates_correlated_mut.py",
        "tests/vision/pipeline/test_rates_huber_mut.py",
        "tests/vision/pipeline/test_numbers_exact.py",
        # wave 18: the frozen tips after the short circuit (`_frozen_after_short`)
        "tests/vision/pipeline/test_rates_frozen_w18.py",
        "tests/vision/pipeline/test_rates_frozen_mut18.py",
        # wave 21: the sync's edge term only at real step edges (measured in wave 22)
        "tests/vision/pipeline/test_rates_edges21.py",
        "tests/vision/pipeline/test_rates_edges_mut22.py",
    ],
    # wave 21: the save hands the freed heap back (release_free_heap; measured in wave 22)
    "vision/pipeline/_save.py": [
        "tests/vision/pipeline/test_save_free_heap.py",
        "tests/vision/pipeline/test_save_free_heap_mut22.py",
    ],
    "electrochem/_stripping.py": [
        "tests/electrochem/test_electrochem_analysis.py",
        "tests/electrochem/test_stripping_mut.py",
        "tests/electrochem/test_depletion_grid_mut.py",
    ],
    "electrochem/_steps.py": [
        "tests/electrochem/test_electrochem_analysis.py",
        "tests/electrochem/test_steps_mut.py",
        "tests/electrochem/test_short_window_mut.py",
        # wave 19: detect_short_circuit's step rule
        "tests/electrochem/test_short_after_step_w19.py",
        "tests/electrochem/test_steps_mut19.py",
    ],
    "calibration/_tilt.py": [
        "tests/calibration/test_calibration_tilt.py",
        "tests/calibration/test_tilt_mut.py",
    ],
    "calibration/_pixel_size.py": ["tests/calibration/"],
    # wave 15: the manifest's lines changed since fe2d934 (sync_window, _cell_parts)
    "vision/batch/_manifest.py": [
        "tests/vision/batch/test_batch_manifest.py",
        "tests/vision/cli/test_batch_checks_up_front.py",
        "tests/vision/batch/test_manifest_window_mut.py",
    ],
    # the CLI's lines changed since fe2d934 (the printout's short-circuit time, the column
    # options checked up front, batch's progress); test_cli_options.py reads videos/, which
    # the scratch copy does not hold
    "vision/cli/_analyze.py": [
        "tests/vision/cli/test_analyze_printout.py",
        "tests/vision/cli/test_batch_checks_up_front.py",
        "tests/vision/cli/test_cli_printout_mut.py",
    ],
    "vision/cli/_batch.py": [
        "tests/vision/cli/test_batch_checks_up_front.py",
        "tests/vision/cli/test_cli_printout_mut.py",
    ],
    # the CSV reader's unit check, shared with --columns/--units up front (since fe2d934)
    "electrochem/_delimited.py": [
        "tests/electrochem/test_electrochem_csv.py",
        "tests/vision/cli/test_batch_checks_up_front.py",
        "tests/electrochem/test_column_options_mut.py",
    ],
    # the needle's module (moved out of _electrode.py in wave 14: all of it changed since
    # fe2d934); 252 of 618 survive the needle tests, see docs/pages/mutation.md (waves 15, 16)
    "vision/measure/_needle.py": [
        "tests/vision/measure/test_electrode_needle.py",
        "tests/vision/measure/test_electrode_needle_over_disc.py",
        "tests/vision/measure/test_electrode_needle_corner.py",
        "tests/vision/measure/test_needle_entry_mut.py",
        "tests/vision/measure/test_needle_profile_mut.py",
        "tests/vision/measure/test_needle_side_mut.py",
        "tests/vision/measure/test_needle_tip_on_side_w16.py",
        "tests/vision/measure/test_needle_entry_w16.py",
        "tests/vision/measure/test_needle_wedge_w17.py",
    ],
    # the summary text's units (um -> µm, since fe2d934)
    "electrochem/_format.py": [
        "tests/electrochem/test_electrochem_trace_cli.py",
        "tests/electrochem/test_format_units_mut.py",
    ],
    # wave 18: the area detection's changed lines (the coarse noise, the filled sides, the
    # sign of the area), and the preprocessing's exact speed-ups (the subsample, the
    # refresh lattice's bounds and run peaks, the blank-frame check)
    "vision/measure/_segment.py": [
        "tests/vision/measure/test_segment_area_w17s.py",
        "tests/vision/measure/test_segment_area_sign_w18s.py",
        "tests/vision/measure/test_segment_filled_band_w18s.py",
        "tests/vision/measure/test_segment_area_mut18.py",
        # wave 19: the per-background caches
        "tests/vision/measure/test_segment_speed_w19.py",
        "tests/vision/measure/test_segment_mut19.py",
        # wave 20: the hole filling, the offset map's asked pixels, the edges' bounds, the
        # noise model on [0, 1] grey levels
        "tests/vision/measure/test_segment_mut20.py",
        # wave 21: SegmentState starts anew for another background or gradient, reused
        # for the same arrays
        "tests/vision/measure/test_state_mut21.py",
    ],
    # wave 21: the stub beside a rod (wave 19-20, the whole file), and the tracker's
    # measuring of a candidate (_measure_rod) and its newly clipped pixels (wave 20)
    "vision/measure/_whisker_stub.py": [
        "tests/vision/measure/test_whisker_stub_w19.py",
        "tests/vision/measure/test_whisker_stub_w20.py",
        "tests/vision/track/test_whisker_stub_track_w20.py",
        "tests/vision/measure/test_whisker_stub_mut21.py",
        # the short curved rods and the branch tips (why the rod's own edge is checked):
        # they kill most of the first selection's bounds and section survivors (wave 21)
        "tests/vision/measure/test_whisker_short_curve.py",
        "tests/vision/track/test_whisker_branch_tip.py",
    ],
    "vision/track/_tracker.py": [
        "tests/vision/track/test_tracker_clipped_mut21.py",
        "tests/vision/track/test_measure_rod_mut21.py",
        "tests/vision/track/test_whisker_stub_track_w20.py",
    ],
    "vision/preprocess/_subsample.py": [
        "tests/vision/preprocess/test_preprocess_speed_w18.py",
        "tests/vision/preprocess/test_preprocess_mut18.py",
    ],
    "vision/preprocess/_normalize.py": [
        "tests/vision/preprocess/test_preprocess_speed_w18.py",
        "tests/vision/preprocess/test_preprocess_mut18.py",
    ],
    "vision/preprocess/_refresh.py": [
        "tests/vision/preprocess/test_preprocess_speed_w18.py",
        "tests/vision/preprocess/test_refresh_lattice.py",
        "tests/vision/preprocess/test_preprocess_mut18.py",
    ],
}
FILES = list(TESTS_BY_FILE)

#: Mutants that change no behaviour (measured on the changed lines since 5a5bfd8, wave 11):
#: (file, function, the mutated lines as mutmut shows them (``-`` old, ``+`` new, spaces
#: squeezed, joined by ``|``), why). A surviving mutant whose diff matches is reported as
#: equivalent, not as a survivor. "numbers" below: the documented input (float or int arrays, NaN where
#: not measured) gives the same comparisons and arithmetic as the float array.
_NUMBERS = "the input is numbers (float or int, NaN where not measured): same arithmetic"
EQUIVALENT = [
    ("vision/pipeline/_events.py", "_growth_rate",
     "- if len(ok) < 2 or np.ptp(time_s[ok]) <= 0:|+ if len(ok) < 2 or np.ptp(time_s[ok]) < 0:",
     "a zero span makes slope x span 0, never more than the noise (>= 0): 0.0 either way"),
    *[("vision/pipeline/_events.py", "growth_run_start", f"- {a}|+ {b}", _NUMBERS)
      for a in ("t = np.zeros(len(y)) if time_s is None else np.asarray(time_s, dtype=float)",
                "y = np.asarray(size, dtype=float)")
      for b in (a.replace("dtype=float", "dtype=None"), a.replace("dtype=float)", ")"))],
    *[("vision/pipeline/_events.py", "lateral_onset", f"- {a}|+ {b}", _NUMBERS)
      for a in ("y = np.asarray(extent, dtype=float)",
                "t = np.asarray(time_s, dtype=float)[kept]")
      for b in (a.replace("dtype=float", "dtype=None"), a.replace("dtype=float)", ")"))],
    *[("vision/pipeline/_events.py", "repeats_previous", f"- {a}|+ {b}", _NUMBERS)
      for a in ("y = np.asarray(size, dtype=float)",)
      for b in (a.replace("dtype=float", "dtype=None"), a.replace("dtype=float)", ")"))],
    ("vision/pipeline/_events.py", "repeats_previous", "- last = np.nan|+ last = None",
     "the first finite entry compares unequal to NaN and to None alike"),
    ("vision/track/_frontcrack.py", "blank_unbranched_front",
     '- is_branching_cluster(measured["n_branches"].to_numpy(float), min_branches, n_scans):|'
     '+ is_branching_cluster(measured["n_branches"].to_numpy(None), min_branches, n_scans):',
     "is_branching_cluster converts the counts to float itself"),
    ("vision/track/_frontcrack.py", "crack_touchdown_scan",
     "- tips = np.asarray(tips_xy_px, float).reshape(-1, 2)|"
     "+ tips = np.asarray(tips_xy_px, float).reshape(-2, 2)",
     "NumPy 2 takes a negative size as the unknown dimension, -2 as -1"),
    *[("vision/track/_frontcrack.py", "crack_touchdown_scan", f"- {a}|+ {b}", why)
      for a, args, why in (
          ("tips = np.asarray(tips_xy_px, float).reshape(-1, 2)", "tips_xy_px, float", _NUMBERS
           + "; CounterElectrode.reached converts to float"),
          ("keep = np.asarray(confirmed, bool) & np.isfinite(tips).all(axis=1)", "confirmed, bool",
           "bool (or 0/1) flags select the same scans through & and flatnonzero"))
      for b in (a.replace(args, args.split(",")[0] + ", None"),
                a.replace(args, args.split(",")[0] + ", "))],
    ("vision/track/_frontcrack.py", "is_branching_cluster",
     "- many = np.nan_to_num(np.asarray(n_branches, float), nan=0.0) >= min_branches|"
     "+ many = np.nan_to_num(np.asarray(n_branches, float), ) >= min_branches",
     "NumPy's nan_to_num replaces NaN by 0.0 by default"),
    *[("vision/track/_frontcrack.py", "is_branching_cluster",
       "- many = np.nan_to_num(np.asarray(n_branches, float), nan=0.0) >= min_branches|"
       f"+ many = np.nan_to_num(np.asarray(n_branches, {b}), nan=0.0) >= min_branches",
       _NUMBERS) for b in ("None", "")],
    ("vision/track/_schedule.py", "_crack_touchdown_frame",
     '- tips = measured[["crack_tip_x_um", "crack_tip_y_um"]].to_numpy(float) / px - (left, top)|'
     '+ tips = measured[["crack_tip_x_um", "crack_tip_y_um"]].to_numpy(None) / px - (left, top)',
     "the tip columns are float (NaN without a crack)"),
    ("vision/track/_schedule.py", "FrameScheduler.tracks",
     "- if crack_touch is not None and (touchdown is None or crack_touch < touchdown):|"
     "+ if crack_touch is not None and (touchdown is None or crack_touch <= touchdown):",
     "a crack touching in the front's touch-down frame sets the same frame (only the info "
     "line is logged as well)"),
    ("vision/pipeline/_analyze.py", "_front_touched",
     '- return bool(ev.new["front_touching"].astype(bool).any()) if len(ev.new) else False|'
     '+ return bool(ev.new["front_touching"].astype(None).any()) if len(ev.new) else False',
     "bool or 0/1 flags become 0.0/1.0: any() is the same"),
    ("vision/pipeline/_analyze.py", "_video_events",
     '- lateral = lateral_onset(new["content_time_s"].to_numpy(float), extent,|'
     '+ lateral = lateral_onset(new["content_time_s"].to_numpy(None), extent,',
     "the content times are float; lateral_onset converts them itself"),
    ("vision/measure/crack/_detect.py", "_detect_in_roi",
     "- keep_twin=False, starts=None):|+ keep_twin=True, starts=None):",
     "a twin kept that no rim search takes: memory only, the same results"),
    *[("vision/measure/crack/_detect.py", "_detect_in_roi",
       f'- sub = _as_image(img[sl], "image")|+ sub = _as_image(img[sl], {b})',
       "the name is only in an error that cannot occur: the frame was checked, a window "
       "of it is a 2-D float32 array") for b in ("None", '"XXimageXX"', '"IMAGE"')],
    *[("vision/measure/crack/_detect.py", "_detect_in_roi",
       "- band if exclude_mask is None else band | np.asarray(exclude_mask, bool)[sl],|"
       f"+ band if exclude_mask is None else band | np.asarray(exclude_mask, {b})[sl],",
       "the mask is bool (or 0/1): _ignored takes it as uint8 either way") for b in ("None", "")],
    ("vision/measure/crack/_detect.py", "_detect",
     "- def _detect(args, passes, *, keep_twin=False, starts=None):|"
     "+ def _detect(args, passes, *, keep_twin=True, starts=None):",
     "a twin kept that no rim search takes: memory only, the same results"),
    ("vision/measure/crack/_detect.py", "_line_pass",
     "- def _line_pass(img, bg, li_mask, exclude_mask, electrode_xy, rad, opts, *, keep_twin=False,|"
     "+ def _line_pass(img, bg, li_mask, exclude_mask, electrode_xy, rad, opts, *, keep_twin=True,",
     "a twin kept that no rim search takes: memory only, the same results"),
    ("vision/measure/crack/_detect.py", "_line_pass", '- g = None|+ g = ""',
     "without a background the gain is never read (_measure_pass reads it with bg.image; a "
     "twin is taken only between two backgrounds)"),
    ("vision/measure/crack/_detect.py", "detect_crack_core_or_rims",
     "- core = _detect(dict(args.arguments, link_gaps=False), passes,|"
     "+ core = _detect(dict(args.arguments, link_gaps=None), passes,",
     "link_gaps is only tested for truth: None is False"),
    ("vision/measure/crack/_detect.py", "detect_crack_core_or_rims",
     '- keep_twin=rim_background is not None and polarity != "bright")|'
     '+ keep_twin=rim_background is not None or polarity != "bright")',
     "twins kept also where no rim search follows: memory only, the same results"),
    *[("vision/measure/crack/_detect.py", "detect_crack_core_or_rims",
       '- keep_twin=rim_background is not None and polarity != "bright")|'
       f'+ keep_twin=rim_background is not None and polarity != "{b}")',
       "a bright core search then keeps twins no rim search takes (it returns before "
       "one): memory only") for b in ("XXbrightXX", "BRIGHT")],
    ("vision/measure/crack/_detect.py", "detect_crack_core_or_rims",
     "- joined = _detect(dict(args.arguments, link_gaps=True), passes)|"
     "+ joined = _detect(dict(args.arguments, ), passes)",
     "the bound arguments hold detect_crack's default link_gaps, True"),
]
#: Wave 11's lines (since 03236e8): a frame has a rim zone only when its pieces were
#: recorded (``WhiskerFrontLog.add``), so the default of ``self._pieces.get`` is never
#: taken where it is read.
_RIM_HAS_PIECES = ("a frame with a rim zone always has its pieces recorded (add stores both "
                   "or neither; toward_counter reads them only when the rim is known)")
EQUIVALENT += [
    *[("vision/track/_frontcrack.py", "WhiskerFrontLog.border_pieces",
       "- js = {j for j, p in enumerate(self._pieces.get(frame, ()))|"
       f"+ js = {{j for j, p in enumerate(self._pieces.get(frame, {b}))", _RIM_HAS_PIECES)
      for b in ("None", "")],
    *[("vision/track/_frontcrack.py", "WhiskerFrontLog.toward_counter",
       "- p.projected_px > rim for j, p in enumerate(self._pieces.get(int(frame), ()))|"
       f"+ p.projected_px > rim for j, p in enumerate(self._pieces.get(int(frame), {b}))",
       _RIM_HAS_PIECES) for b in ("None", "")],
    *[("vision/track/_frontcrack.py", "WhiskerFrontLog.toward_counter",
       f"- return np.asarray(toward, bool)|+ return np.asarray(toward, {b})",
       "a non-empty list of Python bools (a rim zone means a scan was recorded) is a bool "
       "array either way") for b in ("None", "")],
]
EQUIVALENT.append((
    "vision/track/_frontcrack.py", "blank_transient_front",
    "- return _blank_front(out, blank, keep_area=False)|"
    "+ return _blank_front(out, blank, keep_area=None)",
    "keep_area is only tested for truth: None is False"))
EQUIVALENT.append((
    "vision/measure/_front.py", "_front_pieces",
    "- points_xy_px=np.column_stack([tx[sample] + x0, ty[sample] + y0]).astype(np.float32),|"
    "+ points_xy_px=np.column_stack([tx[sample] + x0, ty[sample] + y0]).astype(None),",
    "whole pixel coordinates are exact in float32 and float64; the footprint is rounded to "
    "pixels where it is read (whisker_pieces): memory only"))
#: Wave 12's lines (since 1288b70): the scans before the front (``behind_electrode``,
#: ``blank_before_front``) and the two helpers they share (``_reach_per_scan``,
#: ``_rows_of_scans``).
_BOOL_LIST = ("a non-empty list of Python bools (a rim zone means a scan was recorded) is a "
              "bool array either way")
_INT_FRAMES = ("the scan frames are Python ints (add stores int(frame_index)): an int array "
               "either way, and an empty one selects and indexes nothing either way")
EQUIVALENT += [
    *[("vision/track/_frontcrack.py", f"WhiskerFrontLog.{fn}",
       f"- for rim, reach in self._reach_per_scan(drop)], bool)|"
       f"+ for rim, reach in self._reach_per_scan(drop)], {b})", _BOOL_LIST)
      for fn in ("toward_counter", "behind_electrode") for b in ("None", "")],
    *[("vision/track/_frontcrack.py", "WhiskerFrontLog.blank_before_front", f"- {a}|+ {b}",
       _INT_FRAMES)
      for a in ("before = np.asarray(self._scan_frames[:first], int)[behind]",
                "return _blank_front(out, _rows_of_scans(out, np.asarray(self._scan_frames, int), "
                "before))")
      for b in (a.replace("_frames[:first], int)", "_frames[:first], None)")
                 .replace("_frames, int)", "_frames, None)"),
                a.replace("_frames[:first], int)", "_frames[:first], )")
                 .replace("_frames, int)", "_frames, )"))],
    ("vision/track/_frontcrack.py", "_rows_of_scans",
     "- of = scan_frames[np.clip(scan_of, 0, None)]|"
     "+ of = scan_frames[np.clip(scan_of, None, None)]",
     "a row before the first scan (scan_of -1) indexes the last scan instead of the first, "
     "and is left out by scan_of >= 0 either way"),
    ("vision/track/_frontcrack.py", "_rows_of_scans",
     '- return np.isin(of, chosen) & (scan_of >= 0) & ~frames["skipped"].to_numpy(bool)|'
     '+ return np.isin(of, chosen) & (scan_of >= 0) & ~frames["skipped"].to_numpy(None)',
     "the frame table's skipped column is bool (_tables._nan_row): a bool array either way"),
]
#: Wave 11's ``_is_edge`` (``crack/_link.py``, vectorised), measured in wave 13.
_FLOAT64 = "NumPy's astype(None) is float64, as astype(float)"
EQUIVALENT += [
    *[("vision/measure/crack/_link.py", "_is_edge", f"- {a}|+ {a.replace(b, 'astype(None)', 1)}",
       _FLOAT64)
      for a, b in (("k = near.sum(axis=1).astype(float)", "astype(float)"),
                   ("near, sub, k = near[ok].astype(float), sub[ok], k[ok]", "astype(float)"),
                   ("centre = image[qi[:, 1], qi[:, 0]].astype(float)", "astype(float)"),
                   ("side_a = image[qa[inside, 1], qa[inside, 0]].astype(float)", "astype(float)"),
                   ("side_b = image[qb[inside, 1], qb[inside, 0]].astype(float)", "astype(float)"))],
    ("vision/measure/crack/_link.py", "_is_edge",
     "- nrm[nrm @ n0 < 0] *= -1.0|+ nrm[nrm @ n0 < 0] /= -1.0",
     "dividing by -1.0 is multiplying by -1.0, exactly"),
]
#: Wave 12's ``_schedule.py`` (frames wait without their pixels), measured in wave 13.
EQUIVALENT += [
    *[("vision/track/_schedule.py", "FrameScheduler.run",
       '- pending.append((_without_pixels(frame), "repeat", None))|'
       f'+ pending.append((_without_pixels(frame), "{b}", None))',
       '_flush compares a waiting frame\'s kind with "scan" and "skip" only: any other is a '
       'repeat') for b in ("XXrepeatXX", "REPEAT")],
    ("vision/track/_schedule.py", "FrameScheduler.run", '- ft = None|+ ft = ""',
     "ft is not read again: either value drops the reference to the yielded track"),
    ("vision/track/_schedule.py", "FrameScheduler.run",
     '- pending.append((kept, "scan", scans.prepare(kept, img)))|'
     '+ pending.append((kept, "scan", scans.prepare(None, img)))',
     "the tracker stores the frame with a background scan (bg_buffer) but never reads it"),
]
#: ``_events.py`` in full (``d994e15^``, wave 13): the equivalents on record in
#: docs/pages/mutation.md ("Survivors that are equivalent", 2026-12-04), in this form.
_EV_TABLE = "vision/pipeline/_events.py", "events_table"
_EV_ONSET = "vision/pipeline/_events.py", "onset_from_growth"
_SORT = 'return table.sort_values(["time_s", "event"], kind="stable").reset_index(drop=True)'
_CLIP = "frames = np.clip(np.searchsorted(ft, times - 1e-9), 0, len(ft) - 1) if len(ft) else \\"
_GUARD = "if slope * np.ptp(t[idx]) > _RELATIVE_ROUNDING * np.max(np.abs(y[idx])):"
_FIT = "if len(idx) >= 2 and np.ptp(t[idx]) > 0:"
_DEGENERATE = ("with all fitted times equal, the line fit is degenerate and its result is clipped "
               "to the one time there is: the same value")
EQUIVALENT += [
    *[(*_EV_TABLE, f"- {a}|+ {b}", _NUMBERS) for a in ("ft = np.asarray(frame_times_s, dtype=float)",)
      for b in (a.replace("dtype=float", "dtype=None"), a.replace("dtype=float)", ")"))],
    *[(*_EV_ONSET, f"- {a}|+ {b}", _NUMBERS)
      for a in ("t = np.asarray(time_s, dtype=float)", "y = np.asarray(size, dtype=float)")
      for b in (a.replace("dtype=float", "dtype=None"), a.replace("dtype=float)", ")"))],
    (*_EV_TABLE, f"- {_CLIP}|+ {_CLIP.replace('), 0, len', '), None, len')}",
     "searchsorted never returns < 0"),
    *[(*_EV_TABLE, f"- np.zeros(len(times), int)|+ np.zeros(len(times), {b})",
       "cast with astype(int) right after") for b in ("None", "")],
    *[(*_EV_TABLE, f"- volts = amps = np.full(len(times), np.nan)|+ volts = amps = {b}",
       "converted by np.asarray(..., float) right after; pandas broadcasts the scalar NaN")
      for b in ("None", "np.full(len(times), None)")],
    *[(*_EV_TABLE, f"- {_SORT}|+ {_SORT.replace(a, b)}",
       "pandas applies kind only when sorting by one column; two columns are always sorted "
       "stably (lexsort)")
      for a, b in (('kind="stable"', "kind=None"), (', kind="stable"', ", "),
                   ('"stable"', '"XXstableXX"'), ('"stable"', '"STABLE"'))],
    (*_EV_ONSET, f"- {_FIT}|+ {_FIT.replace(' and ', ' or ')}", _DEGENERATE),
    (*_EV_ONSET, f"- {_FIT}|+ {_FIT.replace('> 0:', '>= 0:')}", _DEGENERATE),
    *[(*_EV_ONSET, f"- {_GUARD}|+ {_GUARD.replace(a, b)}",
       "the guard only separates a rounding slope (1e-16 relative) from growth; both forms do "
       "for any span of 0.01-100 s, and equality is a measure-zero case")
      for a, b in (("slope * np", "slope / np"), (") > _REL", ") >= _REL"))],
]
#: ``_failure.py`` in full (``d994e15^``, wave 13): two on record since 2026-12-04, and the
#: conversions of ``morphology_from_scans``.
_FAIL = "vision/pipeline/_failure.py"
_CRACK_C = "c = np.nan_to_num(np.asarray(crack_length, float), nan=0.0) > 0"
_LAT_C = "np.nan_to_num(np.asarray(lateral_area, float), nan=0.0) > 0))"
_PERCENT = ("with CRACK_MIN_PERSISTENCE = 0.5, 101 x 0.5 = 50.5 is written as 50 by :.0f (round "
            "half to even), as 100 x 0.5: the same text")
EQUIVALENT += [
    (_FAIL, "_margin_confidence",
     "- if value is None or not np.isfinite(value) or value <= 0:|"
     "+ if value is None or not np.isfinite(value) or value < 0:",
     "for 0 the formula gives tanh(inf) = 1, the value returned early"),
    (_FAIL, "_growth_entry",
     '- "value": None if value is None else float(value), "threshold": threshold,|'
     '+ "value": None if (value is None) and False else float(value), "threshold": threshold,',
     "unreachable branch: its only caller, classify_growth_modes, passes x or 0.0, never None"),
    *[(_FAIL, "morphology_from_scans", f"- {a}|+ {b}", why) for a in (_CRACK_C, _LAT_C)
      for b, why in ((a.replace(", nan=0.0)", ", )"), "NumPy's nan_to_num replaces NaN by 0.0 by default"),
                     (a.replace("float), nan", "None), nan"), _NUMBERS),
                     (a.replace("float), nan", "), nan"), _NUMBERS))],
    (_FAIL, "morphology_from_scans",
     "- br = sustained_max(n_branches, n_hold) if len(np.asarray(n_branches)) else None|"
     "+ br = sustained_max(n_branches, n_hold) if (len(np.asarray(n_branches))) or True else None",
     "sustained_max of no scans is None, as the branch taken without them"),
    (_FAIL, "morphology_from_scans",
     "- lat = 0 if lateral_area is None else int(np.count_nonzero(|"
     "+ lat = 0 if (lateral_area is None) and False else int(np.count_nonzero(",
     "np.asarray(None, float) is NaN, which counts as no lithium: 0 either way"),
    (_FAIL, "_cause_of_failure",
     '- f"from its first on, needs {100 * CRACK_MIN_PERSISTENCE:.0f} %); lateral lithium "|'
     '+ f"from its first on, needs {101 * CRACK_MIN_PERSISTENCE:.0f} %); lateral lithium "',
     _PERCENT),
    (_FAIL, "classify_growth_modes",
     '- f"first on (a crack persists: >= {100 * CRACK_MIN_PERSISTENCE:.0f} %)")),|'
     '+ f"first on (a crack persists: >= {101 * CRACK_MIN_PERSISTENCE:.0f} %)")),',
     _PERCENT),
]
#: ``electrochem/_physics.py`` in full (``009639a^``, wave 14): the 18 ``dtype=float``
#: conversions on record since 2026-12-04 (docs/pages/mutation.md), in this form. Every
#: converted number is then divided or multiplied by a float (or, in ``_positive``, only
#: compared and handed to such a division): int input gives the same floats. (An int
#: current above 3e9 A would overflow ``i0 ** 2``: not a current the paper's cells pass.)
_PHYS = "electrochem/_physics.py"
_FLOAT_AFTER = ("the input is numbers (float or int): the array is divided or multiplied by a "
                "float right after (or only compared, in _positive), which gives the same floats")
EQUIVALENT += [
    *[(_PHYS, fn, f"- {a}|+ {b}", _FLOAT_AFTER)
      for fn, arg, a in (
          ("_positive", "value", "arr = np.asarray(value, dtype=float)"),
          ("current_density_from_growth_rate", "rate_um_s",
           "v = np.asarray(rate_um_s, dtype=float) * CM_PER_UM"),
          ("growth_rate_from_current_density", "j_A_cm2", "j = np.asarray(j_A_cm2, dtype=float)"),
          ("charge_from_volume", "volume_um3",
           "v_cm3 = np.asarray(volume_um3, dtype=float) / UM3_PER_CM3"),
          ("volume_from_charge", "charge_C", "q = np.asarray(charge_C, dtype=float)"),
          ("thickness_from_areal_charge", "charge_mAh_cm2",
           "q_c_cm2 = np.asarray(charge_mAh_cm2, dtype=float) * 3.6"),
          ("electrode_area_from_initial_overpotential", "initial_current_A",
           "i0 = np.abs(np.asarray(initial_current_A, dtype=float))"),
          ("electrode_area_from_initial_overpotential", "initial_overpotential_V",
           "eta0 = np.abs(np.asarray(initial_overpotential_V, dtype=float))"),
          ("current_density_from_initial_overpotential", "current_A",
           "return _out(np.asarray(current_A, dtype=float) / area)"))
      for b in (a.replace(f"{arg}, dtype=float)", f"{arg}, dtype=None)"),
                a.replace(f"{arg}, dtype=float)", f"{arg}, )"))],
]
#: ``vision/pipeline/_rates.py`` in full (``d994e15^``, wave 14): the 31 on record since
#: ``dfcce90`` (docs/pages/mutation.md, "_rates.py after the rewrite"), in this form, and
#: three comparisons of ``_correlated_slope_error`` (wave 13) at equality of computed floats.
_RATES = "vision/pipeline/_rates.py"
_EQUAL_FLOATS = ("> for >= (or the reverse) between two computed floats: they differ only when "
                 "the floats are equal, a measure-zero case (equivalent in practice)")
_NEVER_READ = "the extra element is never read"
_SUBST = ("those scans are left out (r[ok], w[ok]): the stand-ins only avoid a division by 0")
_LSQ = ("least_squares stops at scipy's default 1e-8 instead of 1e-12: the rate moves by < 1e-8 "
        "relative, six orders below any requirement (equivalent in practice)")
EQUIVALENT += [
    *[(_RATES, fn, f"- {a}|+ {b}", _NUMBERS)
      for fn, a in (("_lost_tips", "y = np.asarray(length_um, float)"),
                    ("rate_segments", "t = np.asarray(time_s, float)"),
                    ("rate_segments", "y = np.asarray(length_um, float)"))
      for b in (a.replace(", float)", ", None)"), a.replace(", float)", ", )"))],
    *[(_RATES, "slope_standard_error", f"- {a}|+ {b}", _NUMBERS)
      for a in ("t = np.asarray(time_s, dtype=float)",)
      for b in (a.replace("dtype=float", "dtype=None"), a.replace("dtype=float)", ")"))],
    (_RATES, "slope_standard_error", '- return float("nan")|+ return float("NAN")',
     "the same value"),
    (_RATES, "fit_growth_rate",
     "- slope = stats.theilslopes(y, t - t0).slope|+ slope = stats.theilslopes(y, t + t0).slope",
     "a slope does not depend on where the time axis starts; the intercept is computed with "
     "t - t0 afterwards"),
    *[(_RATES, "fit_growth_rate",
       '- loss="huber", f_scale=scale, xtol=1e-12, ftol=1e-12)|'
       f'+ loss="huber", f_scale=scale, {b})', _LSQ)
      for b in ("xtol=None, ftol=1e-12", "xtol=1e-12, ftol=None", "ftol=1e-12", "xtol=1e-12, ")],
    (_RATES, "_noise_scale_um",
     "- w = np.where(ok, (t[1:-1] - t[:-2]) / np.where(ok, dt, 1.0), 0.5)|"
     "+ w = np.where(ok, (t[1:-1] - t[:-2]) / np.where(ok, dt, 2.0), 0.5)", _SUBST),
    (_RATES, "_noise_scale_um",
     "- w = np.where(ok, (t[1:-1] - t[:-2]) / np.where(ok, dt, 1.0), 0.5)|"
     "+ w = np.where(ok, (t[1:-1] - t[:-2]) / np.where(ok, dt, 1.0), 1.5)", _SUBST),
    (_RATES, "rate_segments", "- if n < 2 * min_scans:|+ if n < 2 / min_scans:",
     "the early return is a shortcut: with fewer than two stretches' worth of scans the "
     "dynamic programme finds one stretch itself; it differs only for no scans at all, which "
     "no caller passes (growth_rates_per_step needs 2)"),
    (_RATES, "rate_segments", "- best = np.full(n + 1, np.inf)|+ best = np.full(n + 2, np.inf)",
     _NEVER_READ),
    (_RATES, "rate_segments", "- prev = np.zeros(n + 1, int)|+ prev = np.zeros(n + 2, int)",
     _NEVER_READ),
    (_RATES, "rate_segments", "- best[0] = -penalty|+ best[0] = +penalty",
     "adds the same 2 x penalty to every partition's cost: the same minimum (up to the "
     "rounding of an exact tie)"),
    (_RATES, "rate_segments", "- i = np.arange(0, j - min_scans + 1)|+ i = np.arange(j - min_scans + 1)",
     "the same array"),
    (_RATES, "rate_segments",
     "- explained = np.where(var_t > 0, cov * cov / var_t, 0.0)|"
     "+ explained = np.where(var_t > 0, cov * cov / var_t, 1.0)",
     "with increasing times (the documented input) only one-scan stretches have no spread, and "
     "their cost max(0 - explained, 0) is 0 either way"),
    (_RATES, "growth_rates_per_step",
     '- w = w.loc[~w["censored"].fillna(False).astype(bool)]|'
     '+ w = w.loc[~w["censored"].fillna(None).astype(bool)]',
     "pandas fills with None, which astype(bool) makes False, as the original"),
    *[(_RATES, "growth_rates_per_step",
       f'- "control_value": [np.nan]}})|+ "{b}": [np.nan]}})',
       "the default has NaN; a missing field also gives NaN (getattr default)")
      for b in ("XXcontrol_valueXX", "CONTROL_VALUE")],
    (_RATES, "growth_rates_per_step",
     '- for wid, track in w.sort_values("content_time_s").groupby("whisker_id", sort=True):|'
     '+ for wid, track in w.sort_values("content_time_s").groupby("whisker_id", ):',
     "sort=True is pandas' default"),
    *[(_RATES, "growth_rates_per_step",
       f"- for st in steps.itertuples(index=False):|+ for st in steps.itertuples(index={b}):",
       "fields are read by name; an extra Index field is never read") for b in ("None", "True")],
    *[(_RATES, "growth_rates_per_step", f"- {a}|+ {a.replace('to_numpy(float)', 'to_numpy(None)')}",
       "the columns are numeric (pandas keeps a missing value as NaN in a float column), "
       "float arithmetic after")
      for a in ('t_all = track["content_time_s"].to_numpy(float)',
                'y_all = track["length_um"].to_numpy(float)',
                'tip_all = track["tip_sigma_px"].to_numpy(float) * float(pixel_size_um)')],
    (_RATES, "_correlated_slope_error",
     "- rho = float(np.dot(r[1:], r[:-1]) / d) if d > n * MIN_SCATTER_UM ** 2 else 0.0|"
     "+ rho = float(np.dot(r[1:], r[:-1]) / d) if d >= n * MIN_SCATTER_UM ** 2 else 0.0",
     _EQUAL_FLOATS),
    (_RATES, "_correlated_slope_error",
     "- if rho > RHO_SIGNIFICANCE / np.sqrt(n):|+ if rho >= RHO_SIGNIFICANCE / np.sqrt(n):",
     _EQUAL_FLOATS),
    (_RATES, "_correlated_slope_error",
     "- return jk_se if jk_se > JACKKNIFE_GATE * se else se|"
     "+ return jk_se if jk_se >= JACKKNIFE_GATE * se else se", _EQUAL_FLOATS),
]
#: Wave 18b: the frozen tips after the short (``_frozen_after_short`` and its call, since
#: ``ce09423``). At least MIN_SCANS_PER_FIT (3) scans before the short are kept whenever a
#: scan is frozen, so the refit's guard on fewer than 2 scans left never fires.
_UNREACHABLE = ("never reached: a scan is frozen only where MIN_SCANS_PER_FIT (3) scans before "
                "the short fit the line, and those stay (at least 3 left)")
EQUIVALENT += [
    (_RATES, "_frozen_after_short",
     "- frozen[after] = y[after] < rate * t[after] + icpt - FROZEN_TIP_SIGMAS * spread|"
     "+ frozen[after] = y[after] <= rate * t[after] + icpt - FROZEN_TIP_SIGMAS * spread",
     _EQUAL_FLOATS),
    *[(_RATES, "growth_rates_per_step", f"- if len(t_all) < 2:|+ {b}", _UNREACHABLE)
      for b in ("if len(t_all) <= 2:", "if len(t_all) < 3:")],
    (_RATES, "growth_rates_per_step", "- continue|+ break", _UNREACHABLE),
]
#: ``_refresh._run_peaks`` (wave 18's one pass in Python floats).
_RUN = ("vision/preprocess/_refresh.py", "_run_peaks")
_STRENGTHS = "for f, s in zip(frames.tolist(), np.asarray(strengths, float).tolist()):"
EQUIVALENT += [
    *[(*_RUN, f"- {_STRENGTHS}|+ {_STRENGTHS.replace(', float)', b)}", _NUMBERS)
      for b in (", None)", ", )")],
    (*_RUN, "- peaks, best, last = [], 0.0, None|+ peaks, best, last = [], 1.0, None",
     "the first change starts a run (last is None) and sets best: the start value is never read"),
]
#: ``electrochem/_stripping.py`` in full (``009639a^``, wave 14).
_STRIP = "electrochem/_stripping.py"
_FLOAT_COLUMN = ("the trace's columns are numbers (a float column holds NaN where not "
                 "measured): to_numpy() gives the same arithmetic")
EQUIVALENT += [
    *[(_STRIP, fn, f'- {a}|+ {a.replace("dtype=float", "dtype=None")}', _FLOAT_COLUMN)
      for fn, a in (("_tv", 't = data["time_s"].to_numpy(dtype=float)'),
                    ("_tv", 'v = data["voltage_V"].to_numpy(dtype=float)'),
                    ("stripped_charge", 't = data["time_s"].to_numpy(dtype=float)'),
                    ("stripped_charge", 'i = data["current_A"].to_numpy(dtype=float)'))],
    *[(_STRIP, "sand_analysis", f"- {a}|+ {b}", _FLOAT_AFTER)
      for a in ("i = np.abs(np.asarray(current_density_A_cm2, dtype=float).ravel())",
                "t0 = np.asarray(depletion_time_s, dtype=float).ravel()")
      for b in (a.replace("dtype=float", "dtype=None"), a.replace("dtype=float)", ")"))],
    (_STRIP, "sand_analysis",
     '- r2 = 1 - ss_res / ss_tot if ss_tot > 0 and i.size > 2 else float("nan")|'
     '+ r2 = 1 - ss_res / ss_tot if ss_tot > 0 and i.size > 2 else float("NAN")', "the same value"),
    (_STRIP, "stripped_charge", "- if not area_cm2 or not area_cm2 > 0:|"
     "+ if not area_cm2 or not area_cm2 >= 0:", "an area of 0 is refused by `not area_cm2` first"),
    (_STRIP, "depletion_time", "- if np.any(dt <= 0):|+ if np.any(dt <= 1):",
     "the branch keeps the grid steps with dt > 0: run without a repeated time it keeps them all"),
    *[(_STRIP, "depletion_time", f"- {a}|+ {b}", _EQUAL_FLOATS) for a, b in (
        ("k_on = int(np.argmax(slope >= 0.5 * s_max))", "k_on = int(np.argmax(slope > 0.5 * s_max))"),
        ("base = t < t_on - (t_on - t[0]) / 3.0", "base = t <= t_on - (t_on - t[0]) / 3.0"),
        ("if s_k <= max(b, 0) * 5:", "if s_k < max(b, 0) * 5:"),
        ("if not (baseline_at_k > 0 and np.max(es[t >= t_on]) >= min_rise * baseline_at_k):",
         "if not (baseline_at_k >= 0 and np.max(es[t >= t_on]) >= min_rise * baseline_at_k):"),
        ("if not (baseline_at_k > 0 and np.max(es[t >= t_on]) >= min_rise * baseline_at_k):",
         "if not (baseline_at_k > 0 and np.max(es[t >= t_on]) > min_rise * baseline_at_k):"))],
    (_STRIP, "depletion_time",
     "- if not (baseline_at_k > 0 and np.max(es[t >= t_on]) >= min_rise * baseline_at_k):|"
     "+ if not (baseline_at_k > 0 and np.max(es[t > t_on]) >= min_rise * baseline_at_k):",
     "the smoothed overpotential's maximum after the onset lies after it (it diverges), not "
     "at the onset's grid time (equivalent in practice)"),
]
#: ``electrochem/_steps.py`` in full (``009639a^``, wave 14).
_STEPS = "electrochem/_steps.py"
_NAN_CONTROL = ("only for a control column without any value: every difference is then NaN and "
                "counts as a change whatever the scale")
EQUIVALENT += [
    *[(_STEPS, fn, f'- {a}|+ {a.replace("dtype=float", "dtype=None")}', _FLOAT_COLUMN)
      for fn, a in (("split_steps", 't = data["time_s"].to_numpy(dtype=float)'),
                    ("split_steps", 'i = data["current_A"].to_numpy(dtype=float)'),
                    ("split_steps", 'c = data[control].to_numpy(dtype=float)'),
                    ("detect_short_circuit", 't = data["time_s"].to_numpy(dtype=float)'),
                    ("detect_short_circuit", 'y = np.abs(data[col].to_numpy(dtype=float))'),
                    ("detect_short_circuit", 'c = data[ctl].to_numpy(dtype=float)'),
                    ("detect_short_circuit",
                     'v_abs = np.abs(data["voltage_V"].to_numpy(dtype=float))[ok]'))],
    *[(_STEPS, "split_steps", f"- {a}|+ {a.replace(chr(34) + 'nan', chr(34) + 'NAN')}", "the same value")
      for a in ('ratio = i1 / i0 if i0 != 0 else float("nan")',
                'mean_i = float(np.mean(cs_ok)) if cs_ok.size else float("nan")',
                'slope = ratio = float("nan")')],
    (_STEPS, "split_steps",
     '- mean_i = float(np.mean(cs_ok)) if cs_ok.size else float("nan")|'
     '+ mean_i = float(np.mean(cs_ok)) if (cs_ok.size) or True else float("nan")',
     "the mean of no current is NaN either way (NumPy warns)"),
    *[(_STEPS, "split_steps", f"- {a}|+ {b}",
       "the segment labels are only compared with each other (np.unique, seg == s)")
      for a, b in (("new = np.ones(c.size, bool)", "new = np.ones(c.size, None)"),
                   ("new = np.ones(c.size, bool)", "new = np.ones(c.size, )"),
                   ("seg = np.cumsum(new) - 1", "seg = np.cumsum(new) + 1"),
                   ("seg = np.cumsum(new) - 1", "seg = np.cumsum(new) - 2"))],
    *[(_STEPS, "split_steps", f"- {a}|+ {b}", "np.arange of an int is int64 either way")
      for a, b in (('out.insert(0, "step", np.arange(len(out), dtype=int))',
                    'out.insert(0, "step", np.arange(len(out), dtype=None))'),
                   ('out.insert(0, "step", np.arange(len(out), dtype=int))',
                    'out.insert(0, "step", np.arange(len(out), ))'))],
    *[(_STEPS, "split_steps", f"- {a}|+ {b}",
       "a line's slope does not depend on the time origin (the same up to rounding)")
      for a, b in (("slope = float(np.polyfit(ts_ok - ts_ok[0], cs_ok, 1)[0])",
                    "slope = float(np.polyfit(ts_ok + ts_ok[0], cs_ok, 1)[0])"),
                   ("slope = float(np.polyfit(ts_ok - ts_ok[0], cs_ok, 1)[0])",
                    "slope = float(np.polyfit(ts_ok - ts_ok[1], cs_ok, 1)[0])"))],
    *[(_STEPS, "_rolling_median", f"- {a}|+ {b}",
       "pandas' min_periods of a fixed window defaults to the window's size")
      for a in ("return s[::-1].rolling(w, min_periods=w).median()[::-1].to_numpy()",
                "return s.rolling(w, min_periods=w).median().shift(1).to_numpy()")
      for b in (a.replace("min_periods=w", "min_periods=None"), a.replace("min_periods=w)", ")"))],
    *[(_STEPS, "_voltage_collapses", f"- {a}|+ {b}",
       "for k = 0 the median of no points is NaN (NumPy warns), as the branch's NaN")
      for a, b in (("before = np.nanmedian(v_abs[max(0, k - window):k]) if k > 0 else np.nan",
                    "before = np.nanmedian(v_abs[max(0, k - window):k]) if (k > 0) or True else np.nan"),
                   ("before = np.nanmedian(v_abs[max(0, k - window):k]) if k > 0 else np.nan",
                    "before = np.nanmedian(v_abs[max(0, k - window):k]) if k >= 0 else np.nan"))],
    *[(_STEPS, "detect_short_circuit", f"- {a}|+ {b}", _NAN_CONTROL)
      for a, b in (("scale = max(float(np.nanmax(np.abs(c))) if np.isfinite(c).any() else 0.0, 1e-30)",
                    "scale = max(float(np.nanmax(np.abs(c))) if (np.isfinite(c).any()) or True else 0.0, 1e-30)"),
                   ("scale = max(float(np.nanmax(np.abs(c))) if np.isfinite(c).any() else 0.0, 1e-30)",
                    "scale = max(float(np.nanmax(np.abs(c))) if np.isfinite(c).any() else 1.0, 1e-30)"))],
    (_STEPS, "detect_short_circuit",
     "- floor = max(float(np.median(y)) * 1e-6, np.finfo(float).tiny)|"
     "+ floor = max(float(np.median(y)) * 1e-6, np.finfo(None).tiny)",
     "np.finfo(None) is float64's, as np.finfo(float)"),
    (_STEPS, "detect_short_circuit",
     "- before = _rolling_median(x, window, forward=False)|"
     "+ before = _rolling_median(x, window, forward=None)", "forward is only tested for truth"),
    (_STEPS, "detect_short_circuit", "- lo = max(0, k - window)|+ lo = max(1, k - window)",
     "a candidate k has a full window before it (the rolling median needs w points), so "
     "k - window >= 0; at 0 the first point lies before the jump and is below its midpoint"),
    *[(_STEPS, "detect_short_circuit", f"- {a}|+ {b}", _EQUAL_FLOATS)
      for a, b in (("changes[1:] |= ~(d <= 1e-6 * scale)", "changes[1:] |= ~(d < 1e-6 * scale)"),
                   ("if np.mean(x[k:] >= level) < persistence:", "if np.mean(x[k:] > level) < persistence:"))],
    # (wave 14 listed `x[lo:k + window] > level` here too; a ramp point at exactly half the
    # jump in log, the documented first point, tells them apart: killed in wave 15)
]
#: Wave 15: the survivors of ``_stripping.py`` and ``_steps.py`` left by wave 14 (the rest
#: were killed by ``test_depletion_grid_mut.py`` and ``test_short_window_mut.py``).
_REST = "if eta.size > 1 and eta[0] < 0.5 * np.median(eta[1:4]):"
EQUIVALENT += [
    *[(_STRIP, "depletion_time", f"- {_REST}|+ {_REST.replace('size > 1', b)}",
       "differs only for a record of one or two points, fewer than the ten a depletion time "
       "needs: None either way") for b in ("size >= 1", "size > 2")],
    (_STRIP, "depletion_time", f"- {_REST}|+ {_REST.replace('eta[0] < 0.5', 'eta[0] <= 0.5')}",
     _EQUAL_FLOATS),
    (_STEPS, "detect_short_circuit", "- window = max(2, n // 3)|+ window = max(3, n // 3)",
     "the shrink runs only for traces of 10 points or more (fewer return None before it), "
     "where n // 3 >= 3"),
]
EQUIVALENT.append((
    "vision/batch/_manifest.py", "_window", "- ok = False|+ ok = None",
    "ok is only read by `if not ok`: None is false as False"))
#: ``calibration/_tilt.py`` in full (``dac603f^``, wave 14).
_TILT = "calibration/_tilt.py"
_COS_EQUAL = ("cos or sin of a tilt in degrees equal to exactly 1e-6 is a measure-zero case "
              "(equivalent in practice)")
EQUIVALENT += [
    *[(_TILT, fn, f"- if {v} < 1e-6:|+ if {v} <= 1e-6:", _COS_EQUAL)
      for fn, v in (("tilt_correct", "c"), ("tilt_correct", "s"), ("tilt_correct_vector", "c"))],
    *[(_TILT, fn, f"- {a}|+ {b}", _FLOAT_AFTER)
      for fn, a in (("tilt_correct", "return np.asarray(length, dtype=float) * factor"),
                    ("tilt_correct_vector", "dx = np.asarray(dx, dtype=float)"),
                    ("tilt_correct_vector", "dy = np.asarray(dy, dtype=float)"))
      for b in (a.replace("dtype=float", "dtype=None"), a.replace(", dtype=float)", ", )"))],
]
#: ``calibration/_pixel_size.py`` in full (``dac603f^``, wave 14).
EQUIVALENT += [
    ("calibration/_pixel_size.py", "_cross_check", "- if rel > allowed:|+ if rel >= allowed:",
     _EQUAL_FLOATS),
]
#: ``vision/measure/_needle.py`` (all of it changed since ``fe2d934``), wave 15b: the survivors of
#: the needle tests that change no behaviour of a needle-like region as ``find_electrode`` hands it
#: over (a connected region in its bounding box, its tip the pixel farthest from its entry).
_NEEDLE = "vision/measure/_needle.py"
_F64 = "NumPy's astype(None) is float64, as astype(float)"
_NEEDLE_LONG = ("the only caller passes the tip of a region reaching NEEDLE_MIN_ELONGATION (4): its "
                "length**2 >= 4 x its area >= 8 (one pixel has no length), so the length is over "
                "2.8 px and both branches are the same")
_TIP_FARTHEST = ("the tip is the pixel farthest from the entry's centre, so no pixel projects beyond "
                 "it (s <= 1) and only the tip itself has s = 1: the extra slabs hold the tip alone, "
                 "one pixel over the slab's thickness, which is the floor the widths are compared "
                 "with anyway")
_CLIP_FILTERED = ("the slab indices are filtered to 0 <= k < n right after the clip: a changed bound "
                  "that only clips values the filter drops changes nothing")
_NB_FIVE = "round(TAPER_BASE_FRAC / TAPER_SLAB_FRAC) is 5: max(5, 2) is max(5, 1)"
_AREA_ONE = ("a region of one pixel has no length (d2 = 0): 0 / 1 and 0 / 2 are both 0; larger "
             "regions have an area of 2 or more")
_LINE_SAMPLES = ("the shaft test is reached only below NEEDLE_MIN_SOLIDITY, which takes 3 pixels or "
                 "more (two pixels have a hull of no area: solidity 2); with an elongation of 4, "
                 "d2 >= 12 and int(sqrt(d2)) >= 3 already")
_OK_ALL = ("the line runs from the entry's centre (a mean of the box's pixels) to a pixel of the "
           "box: every sample lies inside the box, ok is all True and these bounds never bind")
_NONZERO = ("findContours and the test `filled > 0` read any non-zero value as the region: 2 for 1 "
            "changes nothing (the padding is cropped away)")
_NEGATIVE_ALL = ("OpenCV draws every contour for any negative contourIdx and fills for any negative "
                 "thickness: -2 is -1")
_ZEROS = "a float array of 0/1 has the same mean as the bool array"
_PTP_SHIFT = ("adding instead of subtracting the centre shifts every entry pixel's distance across the "
              "axis by the same constant: its range (ptp) is unchanged")
_TIP_XY = "_width_taper reads tip[0] and tip[1] only"
_ONLY_EMPTY = ("_entry returns an empty stretch only as the one stretch of a region with no edge "
               "pixels ([edge]); with no stretch after it, break is continue")
_NARROWING_ONE = ("a narrowing of exactly 1 (the median slab width of the first quarter equal to the "
                  "least one up to 90 %) needs slabs of equal pixel counts: a bar drawn straight "
                  "across; read from both its ends it is 1, and the reach decides either way. A bar "
                  "flaring out at one end, where the two would differ, reads 1.004 from its narrow "
                  "end (the slabs of a slightly tilted axis), above 1 either way (measured, wave 16)")
EQUIVALENT += [
    # _width_taper 14
    (_NEEDLE, '_width_taper',
     '- if length < 1.0:|'
     '+ if length <= 1.0:',
     _NEEDLE_LONG),
    # _width_taper 15
    (_NEEDLE, '_width_taper',
     '- if length < 1.0:|'
     '+ if length < 2.0:',
     _NEEDLE_LONG),
    # _width_taper 35
    (_NEEDLE, '_width_taper',
     '- n = int(round(1.0 / slab))|'
     '+ n = int(round(2.0 / slab))',
     _TIP_FARTHEST),
    # _width_taper 37
    (_NEEDLE, '_width_taper',
     '- counts = np.bincount(np.clip(k, 0, n - 1)[(k >= 0) & (k < n)], minlength=n).astype(float)|'
     '+ counts = np.bincount(np.clip(k, 0, n - 1)[(k >= 0) & (k < n)], minlength=n).astype(None)',
     _F64),
    # _width_taper 43
    (_NEEDLE, '_width_taper',
     '- counts = np.bincount(np.clip(k, 0, n - 1)[(k >= 0) & (k < n)], minlength=n).astype(float)|'
     '+ counts = np.bincount(np.clip(k, None, n - 1)[(k >= 0) & (k < n)], minlength=n).astype(float)',
     _CLIP_FILTERED),
    # _width_taper 44
    (_NEEDLE, '_width_taper',
     '- counts = np.bincount(np.clip(k, 0, n - 1)[(k >= 0) & (k < n)], minlength=n).astype(float)|'
     '+ counts = np.bincount(np.clip(k, 0, None)[(k >= 0) & (k < n)], minlength=n).astype(float)',
     _CLIP_FILTERED),
    # _width_taper 49
    (_NEEDLE, '_width_taper',
     '- counts = np.bincount(np.clip(k, 0, n - 1)[(k >= 0) & (k < n)], minlength=n).astype(float)|'
     '+ counts = np.bincount(np.clip(k, 0, n + 1)[(k >= 0) & (k < n)], minlength=n).astype(float)',
     _CLIP_FILTERED),
    # _width_taper 80
    (_NEEDLE, '_width_taper',
     '- nb = max(int(round(TAPER_BASE_FRAC / slab)), 1)|'
     '+ nb = max(int(round(TAPER_BASE_FRAC / slab)), 2)',
     _NB_FIVE),
    # _needle_tip 48
    (_NEEDLE, '_needle_tip',
     '- elongation = d2[k] / max(area, 1)|'
     '+ elongation = d2[k] / max(area, 2)',
     _AREA_ONE),
    # _needle_tip 81
    (_NEEDLE, '_needle_tip',
     '- n = max(int(math.sqrt(d2[k])), 2)|'
     '+ n = max(int(math.sqrt(d2[k])), 3)',
     _LINE_SAMPLES),
    # _needle_tip 102
    (_NEEDLE, '_needle_tip',
     '- ok = (lx >= 0) & (lx < bw) & (ly >= 0) & (ly < bh)|'
     '+ ok = None',
     _OK_ALL),
    # _needle_tip 103
    (_NEEDLE, '_needle_tip',
     '- ok = (lx >= 0) & (lx < bw) & (ly >= 0) & (ly < bh)|'
     '+ ok = (lx >= 0) & (lx < bw) & (ly >= 0) | (ly < bh)',
     _OK_ALL),
    # _needle_tip 104
    (_NEEDLE, '_needle_tip',
     '- ok = (lx >= 0) & (lx < bw) & (ly >= 0) & (ly < bh)|'
     '+ ok = (lx >= 0) & (lx < bw) | (ly >= 0) & (ly < bh)',
     _OK_ALL),
    # _needle_tip 105
    (_NEEDLE, '_needle_tip',
     '- ok = (lx >= 0) & (lx < bw) & (ly >= 0) & (ly < bh)|'
     '+ ok = (lx >= 0) | (lx < bw) & (ly >= 0) & (ly < bh)',
     _OK_ALL),
    # _needle_tip 108
    (_NEEDLE, '_needle_tip',
     '- ok = (lx >= 0) & (lx < bw) & (ly >= 0) & (ly < bh)|'
     '+ ok = (lx >= 0) & (lx <= bw) & (ly >= 0) & (ly < bh)',
     _OK_ALL),
    # _needle_tip 111
    (_NEEDLE, '_needle_tip',
     '- ok = (lx >= 0) & (lx < bw) & (ly >= 0) & (ly < bh)|'
     '+ ok = (lx >= 0) & (lx < bw) & (ly >= 0) & (ly <= bh)',
     _OK_ALL),
    # _needle_tip 134
    (_NEEDLE, '_needle_tip',
     '- filled = cv2.copyMakeBorder(comp.astype(np.uint8), *pads, cv2.BORDER_CONSTANT, value=1)|'
     '+ filled = cv2.copyMakeBorder(comp.astype(np.uint8), *pads, cv2.BORDER_CONSTANT, value=2)',
     _NONZERO),
    # _needle_tip 154
    (_NEEDLE, '_needle_tip',
     '- cv2.drawContours(filled, cont, -1, 1, thickness=-1)|'
     '+ cv2.drawContours(filled, cont, -1, 2, thickness=-1)',
     _NONZERO),
    # _needle_tip 153
    (_NEEDLE, '_needle_tip',
     '- cv2.drawContours(filled, cont, -1, 1, thickness=-1)|'
     '+ cv2.drawContours(filled, cont, -2, 1, thickness=-1)',
     _NEGATIVE_ALL),
    # _needle_tip 156
    (_NEEDLE, '_needle_tip',
     '- cv2.drawContours(filled, cont, -1, 1, thickness=-1)|'
     '+ cv2.drawContours(filled, cont, -1, 1, thickness=-2)',
     _NEGATIVE_ALL),
    # _needle_tip 166
    (_NEEDLE, '_needle_tip',
     '- on = np.zeros(n, bool)|'
     '+ on = np.zeros(n, None)',
     _ZEROS),
    # _needle_tip 168
    (_NEEDLE, '_needle_tip',
     '- on = np.zeros(n, bool)|'
     '+ on = np.zeros(n, )',
     _ZEROS),
    # _base_across 2
    (_NEEDLE, '_base_across',
     '- ex, ey = xs[edge].astype(float), ys[edge].astype(float)|'
     '+ ex, ey = xs[edge].astype(None), ys[edge].astype(float)',
     _F64),
    # _base_across 3
    (_NEEDLE, '_base_across',
     '- ex, ey = xs[edge].astype(float), ys[edge].astype(float)|'
     '+ ex, ey = xs[edge].astype(float), ys[edge].astype(None)',
     _F64),
    # _base_across 36
    (_NEEDLE, '_base_across',
     '- across = (ex - cx) * (-dy / length) + (ey - cy) * (dx / length)|'
     '+ across = (ex + cx) * (-dy / length) + (ey - cy) * (dx / length)',
     _PTP_SHIFT),
    # _base_across 40
    (_NEEDLE, '_base_across',
     '- across = (ex - cx) * (-dy / length) + (ey - cy) * (dx / length)|'
     '+ across = (ex - cx) * (-dy / length) + (ey + cy) * (dx / length)',
     _PTP_SHIFT),
    # _needle_entry 30 (wave 16's numbering)
    (_NEEDLE, '_needle_entry',
     '- continue|'
     '+ break',
     _ONLY_EMPTY),
    # needle_candidate 31
    (_NEEDLE, 'needle_candidate',
     '- taper = _width_taper(xs, ys, entry, tip[:2])|'
     '+ taper = _width_taper(xs, ys, entry, tip[:3])',
     _TIP_XY),
]
_CV_ZERO = ("OpenCV takes None for an enum as 0: cv2.BORDER_CONSTANT and cv2.RETR_EXTERNAL are 0")
_ONE_CONTOUR = ("the region is connected and every border strip added touches it (a strip is added "
                "only on a side the region's box meets, and the region meets it there): one external "
                "contour, so drawing contour 0 is drawing all")
_NEEDLE_EQUAL = ("> for >= (or the reverse) between two computed floats (a solidity, a narrowing, two "
                 "squared distances) at a fixed constant or each other: they differ only when the "
                 "floats are equal, a measure-zero case (equivalent in practice)")
EQUIVALENT += [
    # _needle_tip 127
    (_NEEDLE, '_needle_tip',
     '- filled = cv2.copyMakeBorder(comp.astype(np.uint8), *pads, cv2.BORDER_CONSTANT, value=1)|'
     '+ filled = cv2.copyMakeBorder(comp.astype(np.uint8), *pads, None, value=1)',
     _CV_ZERO),
    # _needle_tip 137
    (_NEEDLE, '_needle_tip',
     '- cont, _ = cv2.findContours(filled, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)|'
     '+ cont, _ = cv2.findContours(filled, None, cv2.CHAIN_APPROX_SIMPLE)',
     _CV_ZERO),
    # _needle_tip 144
    (_NEEDLE, '_needle_tip',
     '- cv2.drawContours(filled, cont, -1, 1, thickness=-1)|'
     '+ cv2.drawContours(filled, cont, None, 1, thickness=-1)',
     _ONE_CONTOUR),
    # _needle_tip 73
    (_NEEDLE, '_needle_tip',
     '- if solidity < NEEDLE_MIN_SOLIDITY:|'
     '+ if solidity <= NEEDLE_MIN_SOLIDITY:',
     _NEEDLE_EQUAL),
    # needle_candidate 33
    (_NEEDLE, 'needle_candidate',
     '- return (taper[0] >= NEEDLE_MIN_TAPER, tip[2]), (tip[2], tip[0], tip[1]), taper|'
     '+ return (taper[0] > NEEDLE_MIN_TAPER, tip[2]), (tip[2], tip[0], tip[1]), taper',
     _NEEDLE_EQUAL),
    # _needle_entry 80 (wave 16)
    (_NEEDLE, '_needle_entry',
     '- return narrowing >= NEEDLE_NO_NARROWING, d2|'
     '+ return narrowing > NEEDLE_NO_NARROWING, d2',
     _NARROWING_ONE),
]
#: ``step_edge_onset`` (wave 16, measured since 502ec8d in wave 17): the scan times and the
#: edges as float arrays, and an edge at the onset counted as following it.
_EDGE_AT_ONSET = ("an edge exactly at the onset: kept as following it (mutant) the onset is "
                  "returned, moved to it (original) the edge is, the same number")
EQUIVALENT += [
    *[("vision/pipeline/_events.py", "step_edge_onset", f"- {a}|+ {b}", _NUMBERS)
      for a in ("times = np.unique(np.asarray(scan_times_s, dtype=float))",
                "e = np.asarray(edges_s, dtype=float)")
      for b in (a.replace("dtype=float", "dtype=None"), a.replace("dtype=float)", ")"))],
    ("vision/pipeline/_events.py", "step_edge_onset",
     "- if np.any((e > onset_s) & (e <= onset_s + STEP_EDGE_EARLY_SCANS * scan_period_s)):|"
     "+ if np.any((e >= onset_s) & (e <= onset_s + STEP_EDGE_EARLY_SCANS * scan_period_s)):",
     _EDGE_AT_ONSET),
]
#: ``needle_candidate``'s wedge flag (wave 17 wip): its two comparisons at their constants
#: (measure zero, as _NEEDLE_EQUAL) and the tip's score handed on to _base_across.
EQUIVALENT += [
    (_NEEDLE, "needle_candidate", "- wedge = (length >= NEEDLE_MIN_LENGTH_PX|+ wedge = (length > NEEDLE_MIN_LENGTH_PX",
     _NEEDLE_EQUAL),
    (_NEEDLE, "needle_candidate",
     "- and _base_across(xs, ys, entry, tip[:2]) >= NEEDLE_MIN_OPENING * length)|"
     "+ and _base_across(xs, ys, entry, tip[:2]) > NEEDLE_MIN_OPENING * length)", _NEEDLE_EQUAL),
    (_NEEDLE, "needle_candidate",
     "- and _base_across(xs, ys, entry, tip[:2]) >= NEEDLE_MIN_OPENING * length)|"
     "+ and _base_across(xs, ys, entry, tip[:3]) >= NEEDLE_MIN_OPENING * length)",
     "_base_across reads tip[0] and tip[1] only"),
]
#: ``_electrode_at_tip`` and the per-region tip search of ``_raw_candidates`` (needle17b,
#: measured since 0b02393 in waves 17c and 18): the best disc taken by the whole tuple (its
#: score first), and the default of the largest disc's score when the masks hold none (wave
#: 18's exact-boundary tests kill ``>`` for ``>=`` at the closed floor, wave 17c's "measure
#: zero" entry).
_ELECTRODE = "vision/measure/_electrode.py"
_BEST_BY_TUPLE = ("candidates compare as tuples, the score first: the same disc unless two "
                  "scores are exactly equal (measure zero; then the rim scores differ only by "
                  "the radii of two discs of equal score)")
_NO_DISC_DEFAULT = ("with no disc in the masks, a candidate the needle's rule takes at the tip "
                    "has a rim score >= NEEDLE_MIN_RIM_SCORE and a radius >= min_radius_px, "
                    "so a score (rim score x (r - CONTOUR_HALF_PX)) >= 0.7 x 3.5 = 2.45 at the "
                    "default 4 px: 'at least the largest' holds for a default of 0.0 and 1.0 "
                    "alike (they differ only for min_radius_px < 1 / 0.7 + 0.5 = 1.93 px)")
EQUIVALENT += [
    *[(_ELECTRODE, "_electrode_at_tip",
       "- floor = max(floor, _rim_score(max(cands, key=lambda c: c[0])))|"
       f"+ floor = max(floor, _rim_score(max(cands, {k})))", _BEST_BY_TUPLE)
      for k in ("key=None", "")],
    *[(_ELECTRODE, "_raw_candidates",
       "- [max(every, key=lambda c: c[0])] if every else []))):|"
       f"+ [max(every, {k})] if every else []))):", _BEST_BY_TUPLE)
      for k in ("key=None", "")],
    (_ELECTRODE, "_raw_candidates",
     "- largest = max((c[0] for c in cands), default=0.0)|"
     "+ largest = max((c[0] for c in cands), default=1.0)", _NO_DISC_DEFAULT),
]
#: ``_segment.py``'s lines changed since ce09423 (waves 18 and 19), classified in wave 20
#: (docs/pages/mutation.md, "Wave 20").
_SEGMENT = "vision/measure/_segment.py"
_SEG_WHOLE = ('every pixel interpolated (an index or a window of None takes the whole array): the asked'
              " pixels get the whole frame's values, as documented")
_SEG_GROWN = ("a window grown toward the frame's edge: more pixels interpolated, the asked pixels the "
              'same values')
_SEG_NEG = ('NumPy takes a negative size as the unknown dimension, -2 as -1')
_SEG_HOLE_WINDOW = ("the hole filling's window grown: only zeros outside the labelled box (nothing is found "
                    'there), the same contours and fill')
_SEG_FLOAT32 = ('segment_lithium hands these arrays over in float32 already (it casts them): the same '
                'dtype')
_SEG_COPY = ('np.array copies by default; with copy=None the strided subsample is copied by ravel: the'
             ' cache holds a copy either way')
_SEG_NO_CACHE = ('the cache not stored or not read: computed anew, the same values')
_SEG_BINS = ('with exactly min_samples levels the lowest and the highest fall in the first and the '
             'last bin (the bounds are percentiles, the levels clipped to the bins), so no bin holds '
             'min_samples: no table either way')
_SEG_REACH = ("the neighbourhood's mask in float64 or marked 2, the kernel in float64: the same non-"
              'zero pixels, the same flat indices')
_SEG_SAME_BITS = ("the package compares float32 arrays only ('XXfcXX' holds 'f'; 8-byte ints viewed as u8 "
                  'compare alike; float64 by value misses a NaN: computed anew, the same values)')
_SEG_W18 = ('as wave 18/19 classified them: OpenCV reads None as (0, 0) or 0, its default '
            'connectivity is 8, None is False in a bool array, an exact 2 x linear resize of 0/1 or '
            'of 2 x 2 blocks is the nearest or the area one, NaN > level is False as 0 > level, '
            'float64 is the same arithmetic to rounding, 1 rounds down to 0 on the even grid, h / 2 '
            'pads by 0 rows')
EQUIVALENT += [
    # _OffsetMap.compute 48
    (_SEGMENT, '_OffsetMap.compute',
     '- idx = _points_reach(pts, e, (h, w))|'
     '+ idx = None',
     _SEG_WHOLE),
    # _OffsetMap.compute 65
    (_SEGMENT, '_OffsetMap.compute',
     '- win = (slice(max(y0 - e, 0), min(y1 + e, h)), slice(max(x0 - e, 0), min(x1 + e, w)))|'
     '+ win = None',
     _SEG_WHOLE),
    # _OffsetMap.compute 66
    (_SEGMENT, '_OffsetMap.compute',
     '- win = (slice(max(y0 - e, 0), min(y1 + e, h)), slice(max(x0 - e, 0), min(x1 + e, w)))|'
     '+ win = (slice(None, min(y1 + e, h)), slice(max(x0 - e, 0), min(x1 + e, w)))',
     _SEG_GROWN),
    # _OffsetMap.compute 67
    (_SEGMENT, '_OffsetMap.compute',
     '- win = (slice(max(y0 - e, 0), min(y1 + e, h)), slice(max(x0 - e, 0), min(x1 + e, w)))|'
     '+ win = (slice(max(y0 - e, 0), None), slice(max(x0 - e, 0), min(x1 + e, w)))',
     _SEG_GROWN),
    # _OffsetMap.compute 68
    (_SEGMENT, '_OffsetMap.compute',
     '- win = (slice(max(y0 - e, 0), min(y1 + e, h)), slice(max(x0 - e, 0), min(x1 + e, w)))|'
     '+ win = (slice(min(y1 + e, h)), slice(max(x0 - e, 0), min(x1 + e, w)))',
     _SEG_GROWN),
    # _OffsetMap.compute 81
    (_SEGMENT, '_OffsetMap.compute',
     '- win = (slice(max(y0 - e, 0), min(y1 + e, h)), slice(max(x0 - e, 0), min(x1 + e, w)))|'
     '+ win = (slice(max(y0 - e, 0), min(y1 + e, h)), slice(None, min(x1 + e, w)))',
     _SEG_GROWN),
    # _OffsetMap.compute 82
    (_SEGMENT, '_OffsetMap.compute',
     '- win = (slice(max(y0 - e, 0), min(y1 + e, h)), slice(max(x0 - e, 0), min(x1 + e, w)))|'
     '+ win = (slice(max(y0 - e, 0), min(y1 + e, h)), slice(max(x0 - e, 0), None))',
     _SEG_GROWN),
    # _OffsetMap.compute 83
    (_SEGMENT, '_OffsetMap.compute',
     '- win = (slice(max(y0 - e, 0), min(y1 + e, h)), slice(max(x0 - e, 0), min(x1 + e, w)))|'
     '+ win = (slice(max(y0 - e, 0), min(y1 + e, h)), slice(min(x1 + e, w)))',
     _SEG_GROWN),
    # _OffsetMap.compute 45
    (_SEGMENT, '_OffsetMap.compute',
     '- flat_bg = self._bg.reshape(-1) # a copy if not contiguous: the same values|'
     '+ flat_bg = self._bg.reshape(-2) # a copy if not contiguous: the same values',
     _SEG_NEG),
    # _OffsetMap.compute 58
    (_SEGMENT, '_OffsetMap.compute',
     '- raw.reshape(-1)[idx] = np.interp(flat_bg[idx], self._levels, self._offsets)|'
     '+ raw.reshape(-2)[idx] = np.interp(flat_bg[idx], self._levels, self._offsets)',
     _SEG_NEG),
    # segment_lithium 604
    (_SEGMENT, 'segment_lithium',
     '- win = (slice(max(y0 - 1, 0), min(y1 + 1, h)), slice(max(x0 - 1, 0), min(x1 + 1, w)))|'
     '+ win = (slice(None, min(y1 + 1, h)), slice(max(x0 - 1, 0), min(x1 + 1, w)))',
     _SEG_HOLE_WINDOW),
    # segment_lithium 605
    (_SEGMENT, 'segment_lithium',
     '- win = (slice(max(y0 - 1, 0), min(y1 + 1, h)), slice(max(x0 - 1, 0), min(x1 + 1, w)))|'
     '+ win = (slice(max(y0 - 1, 0), None), slice(max(x0 - 1, 0), min(x1 + 1, w)))',
     _SEG_HOLE_WINDOW),
    # segment_lithium 606
    (_SEGMENT, 'segment_lithium',
     '- win = (slice(max(y0 - 1, 0), min(y1 + 1, h)), slice(max(x0 - 1, 0), min(x1 + 1, w)))|'
     '+ win = (slice(min(y1 + 1, h)), slice(max(x0 - 1, 0), min(x1 + 1, w)))',
     _SEG_HOLE_WINDOW),
    # segment_lithium 613
    (_SEGMENT, 'segment_lithium',
     '- win = (slice(max(y0 - 1, 0), min(y1 + 1, h)), slice(max(x0 - 1, 0), min(x1 + 1, w)))|'
     '+ win = (slice(max(y0 - 2, 0), min(y1 + 1, h)), slice(max(x0 - 1, 0), min(x1 + 1, w)))',
     _SEG_HOLE_WINDOW),
    # segment_lithium 620
    (_SEGMENT, 'segment_lithium',
     '- win = (slice(max(y0 - 1, 0), min(y1 + 1, h)), slice(max(x0 - 1, 0), min(x1 + 1, w)))|'
     '+ win = (slice(max(y0 - 1, 0), min(y1 + 2, h)), slice(max(x0 - 1, 0), min(x1 + 1, w)))',
     _SEG_HOLE_WINDOW),
    # segment_lithium 621
    (_SEGMENT, 'segment_lithium',
     '- win = (slice(max(y0 - 1, 0), min(y1 + 1, h)), slice(max(x0 - 1, 0), min(x1 + 1, w)))|'
     '+ win = (slice(max(y0 - 1, 0), min(y1 + 1, h)), slice(None, min(x1 + 1, w)))',
     _SEG_HOLE_WINDOW),
    # segment_lithium 622
    (_SEGMENT, 'segment_lithium',
     '- win = (slice(max(y0 - 1, 0), min(y1 + 1, h)), slice(max(x0 - 1, 0), min(x1 + 1, w)))|'
     '+ win = (slice(max(y0 - 1, 0), min(y1 + 1, h)), slice(max(x0 - 1, 0), None))',
     _SEG_HOLE_WINDOW),
    # segment_lithium 623
    (_SEGMENT, 'segment_lithium',
     '- win = (slice(max(y0 - 1, 0), min(y1 + 1, h)), slice(max(x0 - 1, 0), min(x1 + 1, w)))|'
     '+ win = (slice(max(y0 - 1, 0), min(y1 + 1, h)), slice(min(x1 + 1, w)))',
     _SEG_HOLE_WINDOW),
    # segment_lithium 630
    (_SEGMENT, 'segment_lithium',
     '- win = (slice(max(y0 - 1, 0), min(y1 + 1, h)), slice(max(x0 - 1, 0), min(x1 + 1, w)))|'
     '+ win = (slice(max(y0 - 1, 0), min(y1 + 1, h)), slice(max(x0 - 2, 0), min(x1 + 1, w)))',
     _SEG_HOLE_WINDOW),
    # segment_lithium 637
    (_SEGMENT, 'segment_lithium',
     '- win = (slice(max(y0 - 1, 0), min(y1 + 1, h)), slice(max(x0 - 1, 0), min(x1 + 1, w)))|'
     '+ win = (slice(max(y0 - 1, 0), min(y1 + 1, h)), slice(max(x0 - 1, 0), min(x1 + 2, w)))',
     _SEG_HOLE_WINDOW),
    # _strong_edges 15
    (_SEGMENT, '_strong_edges',
     '- g = np.array(gs, np.float32, copy=True).ravel()|'
     '+ g = np.array(gs, None, copy=True).ravel()',
     _SEG_FLOAT32),
    # _strong_edges 18
    (_SEGMENT, '_strong_edges',
     '- g = np.array(gs, np.float32, copy=True).ravel()|'
     '+ g = np.array(gs, copy=True).ravel()',
     _SEG_FLOAT32),
    # _level_tables 3
    (_SEGMENT, '_level_tables',
     '- d = np.asarray(ds, np.float32).ravel()|'
     '+ d = np.asarray(ds, None).ravel()',
     _SEG_FLOAT32),
    # _level_tables 5
    (_SEGMENT, '_level_tables',
     '- d = np.asarray(ds, np.float32).ravel()|'
     '+ d = np.asarray(ds, ).ravel()',
     _SEG_FLOAT32),
    # _level_tables 34
    (_SEGMENT, '_level_tables',
     '- lv = np.array(bgs, np.float32, copy=True)|'
     '+ lv = np.array(bgs, None, copy=True)',
     _SEG_FLOAT32),
    # _level_tables 37
    (_SEGMENT, '_level_tables',
     '- lv = np.array(bgs, np.float32, copy=True)|'
     '+ lv = np.array(bgs, copy=True)',
     _SEG_FLOAT32),
    # _strong_edges 16
    (_SEGMENT, '_strong_edges',
     '- g = np.array(gs, np.float32, copy=True).ravel()|'
     '+ g = np.array(gs, np.float32, copy=None).ravel()',
     _SEG_COPY),
    # _strong_edges 19
    (_SEGMENT, '_strong_edges',
     '- g = np.array(gs, np.float32, copy=True).ravel()|'
     '+ g = np.array(gs, np.float32, ).ravel()',
     _SEG_COPY),
    # _level_tables 38
    (_SEGMENT, '_level_tables',
     '- lv = np.array(bgs, np.float32, copy=True)|'
     '+ lv = np.array(bgs, np.float32, )',
     _SEG_COPY),
    # _strength 71
    (_SEGMENT, '_strength',
     '- out = np.array(d, np.float32, copy=True) if signed else np.abs(d)|'
     '+ out = np.array(d, np.float32, ) if signed else np.abs(d)',
     _SEG_COPY),
    # _strong_edges 30
    (_SEGMENT, '_strong_edges',
     '- _EDGE_CACHE[0] = cache|'
     '+ _EDGE_CACHE[0] = None',
     _SEG_NO_CACHE),
    # _li_sign 39
    (_SEGMENT, '_li_sign',
     '- c = _LI_SIGN_CACHE[0]|'
     '+ c = None',
     _SEG_NO_CACHE),
    # _li_sign 79
    (_SEGMENT, '_li_sign',
     '- _LI_SIGN_CACHE[0] = (key, sub.copy(), sign)|'
     '+ _LI_SIGN_CACHE[0] = None',
     _SEG_NO_CACHE),
    # _noise_bins 1
    (_SEGMENT, '_noise_bins',
     '- if lv.size < min_samples:|'
     '+ if lv.size <= min_samples:',
     _SEG_BINS),
    # _offset_bins 1
    (_SEGMENT, '_offset_bins',
     '- if lv.size < min_samples:|'
     '+ if lv.size <= min_samples:',
     _SEG_BINS),
    # _points_reach 27
    (_SEGMENT, '_points_reach',
     '- need = np.zeros(shape, np.uint8)|'
     '+ need = np.zeros(shape, None)',
     _SEG_REACH),
    # _points_reach 29
    (_SEGMENT, '_points_reach',
     '- need = np.zeros(shape, np.uint8)|'
     '+ need = np.zeros(shape, )',
     _SEG_REACH),
    # _points_reach 31
    (_SEGMENT, '_points_reach',
     '- need[rows, cols] = 1|'
     '+ need[rows, cols] = 2',
     _SEG_REACH),
    # _points_reach 38
    (_SEGMENT, '_points_reach',
     '- need = cv2.dilate(need, np.ones((2 * reach + 1, 2 * reach + 1), np.uint8))|'
     '+ need = cv2.dilate(need, np.ones((2 * reach + 1, 2 * reach + 1), None))',
     _SEG_REACH),
    # _points_reach 40
    (_SEGMENT, '_points_reach',
     '- need = cv2.dilate(need, np.ones((2 * reach + 1, 2 * reach + 1), np.uint8))|'
     '+ need = cv2.dilate(need, np.ones((2 * reach + 1, 2 * reach + 1), ))',
     _SEG_REACH),
    # _same_bits 5
    (_SEGMENT, '_same_bits',
     '- if a.dtype.kind in "fc" and a.dtype.itemsize in (2, 4, 8):|'
     '+ if a.dtype.kind in "fc" or a.dtype.itemsize in (2, 4, 8):',
     _SEG_SAME_BITS),
    # _same_bits 7
    (_SEGMENT, '_same_bits',
     '- if a.dtype.kind in "fc" and a.dtype.itemsize in (2, 4, 8):|'
     '+ if a.dtype.kind in "XXfcXX" and a.dtype.itemsize in (2, 4, 8):',
     _SEG_SAME_BITS),
    # _same_bits 12
    (_SEGMENT, '_same_bits',
     '- if a.dtype.kind in "fc" and a.dtype.itemsize in (2, 4, 8):|'
     '+ if a.dtype.kind in "fc" and a.dtype.itemsize in (2, 4, 9):',
     _SEG_SAME_BITS),
    # _seen 3
    (_SEGMENT, '_seen',
     '- n, labels = cv2.connectedComponents((strength > low_sigma).view(np.uint8), connectivity=8)|'
     '+ n, labels = cv2.connectedComponents((strength > low_sigma).view(np.uint8), connectivity=None)',
     _SEG_W18),
    # _seen 5
    (_SEGMENT, '_seen',
     '- n, labels = cv2.connectedComponents((strength > low_sigma).view(np.uint8), connectivity=8)|'
     '+ n, labels = cv2.connectedComponents((strength > low_sigma).view(np.uint8), )',
     _SEG_W18),
    # _seen 18
    (_SEGMENT, '_seen',
     '- keep[0] = False|'
     '+ keep[0] = None',
     _SEG_W18),
    # _grown 8
    (_SEGMENT, '_grown',
     '- g0, h0 = max(x0 - halo, 0), max(y0 - halo, 0)|'
     '+ g0, h0 = max(x0 - halo, 1), max(y0 - halo, 0)',
     _SEG_W18),
    # _grown 14
    (_SEGMENT, '_grown',
     '- g0, h0 = max(x0 - halo, 0), max(y0 - halo, 0)|'
     '+ g0, h0 = max(x0 - halo, 0), max(y0 - halo, 1)',
     _SEG_W18),
    # _half 3
    (_SEGMENT, '_half',
     '- if h % 2 or w % 2:|'
     '+ if h / 2 or w % 2:',
     _SEG_W18),
    # _half 5
    (_SEGMENT, '_half',
     '- if h % 2 or w % 2:|'
     '+ if h % 2 or w / 2:',
     _SEG_W18),
    # _half 9
    (_SEGMENT, '_half',
     '- img = cv2.copyMakeBorder(img, 0, h % 2, 0, w % 2, cv2.BORDER_REPLICATE)|'
     '+ img = cv2.copyMakeBorder(img, None, h % 2, 0, w % 2, cv2.BORDER_REPLICATE)',
     _SEG_W18),
    # _half 11
    (_SEGMENT, '_half',
     '- img = cv2.copyMakeBorder(img, 0, h % 2, 0, w % 2, cv2.BORDER_REPLICATE)|'
     '+ img = cv2.copyMakeBorder(img, 0, h % 2, None, w % 2, cv2.BORDER_REPLICATE)',
     _SEG_W18),
    # _half 28
    (_SEGMENT, '_half',
     '- return cv2.resize(img, (img.shape[1] // 2, img.shape[0] // 2), interpolation=cv2.INTER_AREA)|'
     '+ return cv2.resize(img, (img.shape[1] // 2, img.shape[0] // 2), interpolation=None)',
     _SEG_W18),
    # _half 31
    (_SEGMENT, '_half',
     '- return cv2.resize(img, (img.shape[1] // 2, img.shape[0] // 2), interpolation=cv2.INTER_AREA)|'
     '+ return cv2.resize(img, (img.shape[1] // 2, img.shape[0] // 2), )',
     _SEG_W18),
    # _coarse_detection 8
    (_SEGMENT, '_coarse_detection',
     '- unseen = (~seen).astype(np.float32)|'
     '+ unseen = (~seen).astype(None)',
     _SEG_W18),
    # _coarse_detection 12
    (_SEGMENT, '_coarse_detection',
     '- f = cv2.GaussianBlur(_half(unseen), (0, 0), s2)|'
     '+ f = cv2.GaussianBlur(_half(unseen), None, s2)',
     _SEG_W18),
    # _coarse_detection 22
    (_SEGMENT, '_coarse_detection',
     '- cu = cv2.GaussianBlur(_half(z * unseen), (0, 0), s2)|'
     '+ cu = cv2.GaussianBlur(_half(z * unseen), None, s2)',
     _SEG_W18),
    # _coarse_detection 33
    (_SEGMENT, '_coarse_detection',
     '- c = cv2.GaussianBlur(_half(np.clip(z, -low_sigma, low_sigma)), (0, 0), s2)|'
     '+ c = cv2.GaussianBlur(_half(np.clip(z, -low_sigma, low_sigma)), None, s2)',
     _SEG_W18),
    # _coarse_detection 78
    (_SEGMENT, '_coarse_detection',
     '- a = np.where(ok, np.abs(c), np.float32(0.0))|'
     '+ a = np.where(ok, np.abs(c), np.float32(None))',
     _SEG_W18),
    # _coarse_detection 95
    (_SEGMENT, '_coarse_detection',
     '- interpolation=cv2.INTER_NEAREST)[:h, :w]|'
     '+ interpolation=None)[:h, :w]',
     _SEG_W18),
    # _coarse_detection 98
    (_SEGMENT, '_coarse_detection',
     '- interpolation=cv2.INTER_NEAREST)[:h, :w]|'
     '+ )[:h, :w]',
     _SEG_W18),
]
#: ``segment_lithium``'s equivalent survivors of the same run (wave 20).
_SEG_BG_SHAPE = ("the same for a background of the frame's shape or None (a background of another shape is"
                 ' no background for the area scale)')
_SEG_AREA_ONLY = ("the filled sides and the lithium's sign are read only by the area scale, which coarse_px"
                  ' = 0 turns off')
_SEG_PART = ('_filled_sides marks at most half the rows (columns) a side, so the scanned part is never'
             ' negative; an empty or one-row part has fewer than NOISE_MIN_SAMPLES blocks: no area '
             'noise either way')
_SEG_CONN8 = ("OpenCV's default connectivity is 8")
_SEG_AT_LEVEL = ('a float strength exactly at a hysteresis level (measure zero, as _NEEDLE_EQUAL)')
_SEG_F64 = ("float64 of the same values: the copies' row tests and the sign's medians compare alike "
            "except within rounding (segment_lithium's callers pass float32)")
EQUIVALENT += [
    # segment_lithium 207
    (_SEGMENT, 'segment_lithium',
     '- if coarse_px > 0 and background is not None and np.shape(background) == (h, w):|'
     '+ if coarse_px > 0 and background is not None or np.shape(background) == (h, w):',
     _SEG_BG_SHAPE),
    # segment_lithium 250
    (_SEGMENT, 'segment_lithium',
     '- if coarse_px > 0 and background is not None and np.shape(background) == (h, w) else 0)|'
     '+ if coarse_px > 0 and background is not None or np.shape(background) == (h, w) else 0)',
     _SEG_BG_SHAPE),
    # segment_lithium 209
    (_SEGMENT, 'segment_lithium',
     '- if coarse_px > 0 and background is not None and np.shape(background) == (h, w):|'
     '+ if coarse_px >= 0 and background is not None and np.shape(background) == (h, w):',
     _SEG_AREA_ONLY),
    # segment_lithium 252
    (_SEGMENT, 'segment_lithium',
     '- if coarse_px > 0 and background is not None and np.shape(background) == (h, w) else 0)|'
     '+ if coarse_px >= 0 and background is not None and np.shape(background) == (h, w) else 0)',
     _SEG_AREA_ONLY),
    # segment_lithium 273
    (_SEGMENT, 'segment_lithium',
     '- if coarse_px > 0 and h - bottom - top > 0 and w - right - left > 0 else None)|'
     '+ if coarse_px > 0 and h - bottom + top > 0 and w - right - left > 0 else None)',
     _SEG_PART),
    # segment_lithium 274
    (_SEGMENT, 'segment_lithium',
     '- if coarse_px > 0 and h - bottom - top > 0 and w - right - left > 0 else None)|'
     '+ if coarse_px > 0 and h + bottom - top > 0 and w - right - left > 0 else None)',
     _SEG_PART),
    # segment_lithium 275
    (_SEGMENT, 'segment_lithium',
     '- if coarse_px > 0 and h - bottom - top > 0 and w - right - left > 0 else None)|'
     '+ if coarse_px > 0 and h - bottom - top >= 0 and w - right - left > 0 else None)',
     _SEG_PART),
    # segment_lithium 276
    (_SEGMENT, 'segment_lithium',
     '- if coarse_px > 0 and h - bottom - top > 0 and w - right - left > 0 else None)|'
     '+ if coarse_px > 0 and h - bottom - top > 1 and w - right - left > 0 else None)',
     _SEG_PART),
    # segment_lithium 277
    (_SEGMENT, 'segment_lithium',
     '- if coarse_px > 0 and h - bottom - top > 0 and w - right - left > 0 else None)|'
     '+ if coarse_px > 0 and h - bottom - top > 0 and w - right + left > 0 else None)',
     _SEG_PART),
    # segment_lithium 278
    (_SEGMENT, 'segment_lithium',
     '- if coarse_px > 0 and h - bottom - top > 0 and w - right - left > 0 else None)|'
     '+ if coarse_px > 0 and h - bottom - top > 0 and w + right - left > 0 else None)',
     _SEG_PART),
    # segment_lithium 279
    (_SEGMENT, 'segment_lithium',
     '- if coarse_px > 0 and h - bottom - top > 0 and w - right - left > 0 else None)|'
     '+ if coarse_px > 0 and h - bottom - top > 0 and w - right - left >= 0 else None)',
     _SEG_PART),
    # segment_lithium 280
    (_SEGMENT, 'segment_lithium',
     '- if coarse_px > 0 and h - bottom - top > 0 and w - right - left > 0 else None)|'
     '+ if coarse_px > 0 and h - bottom - top > 0 and w - right - left > 1 else None)',
     _SEG_PART),
    # segment_lithium 524
    (_SEGMENT, 'segment_lithium',
     '- n, labels = cv2.connectedComponents(low.view(np.uint8), connectivity=8)|'
     '+ n, labels = cv2.connectedComponents(low.view(np.uint8), connectivity=None)',
     _SEG_CONN8),
    # segment_lithium 526
    (_SEGMENT, 'segment_lithium',
     '- n, labels = cv2.connectedComponents(low.view(np.uint8), connectivity=8)|'
     '+ n, labels = cv2.connectedComponents(low.view(np.uint8), )',
     _SEG_CONN8),
    # segment_lithium 441
    (_SEGMENT, 'segment_lithium',
     '- low = sub_strength > low_sigma|'
     '+ low = sub_strength >= low_sigma',
     _SEG_AT_LEVEL),
    # segment_lithium 443
    (_SEGMENT, 'segment_lithium',
     '- high = sub_strength > high_sigma|'
     '+ high = sub_strength >= high_sigma',
     _SEG_AT_LEVEL),
    # segment_lithium 222
    (_SEGMENT, 'segment_lithium',
     '- filled = _filled_sides(np.asarray(diff, np.float32), np.asarray(background, np.float32),|'
     '+ filled = _filled_sides(np.asarray(diff, None), np.asarray(background, np.float32),',
     _SEG_F64),
    # segment_lithium 224
    (_SEGMENT, 'segment_lithium',
     '- filled = _filled_sides(np.asarray(diff, np.float32), np.asarray(background, np.float32),|'
     '+ filled = _filled_sides(np.asarray(diff, ), np.asarray(background, np.float32),',
     _SEG_F64),
    # segment_lithium 226
    (_SEGMENT, 'segment_lithium',
     '- filled = _filled_sides(np.asarray(diff, np.float32), np.asarray(background, np.float32),|'
     '+ filled = _filled_sides(np.asarray(diff, np.float32), np.asarray(background, None),',
     _SEG_F64),
    # segment_lithium 228
    (_SEGMENT, 'segment_lithium',
     '- filled = _filled_sides(np.asarray(diff, np.float32), np.asarray(background, np.float32),|'
     '+ filled = _filled_sides(np.asarray(diff, np.float32), np.asarray(background, ),',
     _SEG_F64),
    # segment_lithium 242
    (_SEGMENT, 'segment_lithium',
     '- li_sign = (_li_sign(np.asarray(background, np.float32), ex, ey, max(electrode_radius_px, 1.0))|'
     '+ li_sign = (_li_sign(np.asarray(background, None), ex, ey, max(electrode_radius_px, 1.0))',
     _SEG_F64),
    # segment_lithium 244
    (_SEGMENT, 'segment_lithium',
     '- li_sign = (_li_sign(np.asarray(background, np.float32), ex, ey, max(electrode_radius_px, 1.0))|'
     '+ li_sign = (_li_sign(np.asarray(background, ), ex, ey, max(electrode_radius_px, 1.0))',
     _SEG_F64),
]


#: Wave 21: the stub beside a rod (``_whisker_stub.py``, the whole file) and wave 20's lines
#: of ``_failure.py``.
_STUB = "vision/measure/_whisker_stub.py"
_FAILURE = "vision/pipeline/_failure.py"
_SIGN = "sign is 1.0 or -1.0: >= 0 and > 0 are the same test"
EQUIVALENT += [
    (_STUB, "_line_fit", "- coef, *_ = np.linalg.lstsq(A, y, rcond=None)|"
     "+ coef, *_ = np.linalg.lstsq(A, y, )", "NumPy 2's default rcond is None"),
    *[(_STUB, "_sections", f"- n = int(k.max()) + 1 if len(k) else 0|+ {b}",
       "split_stub is called with a rod's region, whose pixels lie ahead of its base: "
       "k is never empty") for b in ("n = int(k.max()) + 1 if (len(k)) or True else 0",
                                     "n = int(k.max()) + 1 if len(k) else 1")],
    (_STUB, "_sections", "- cnt = np.bincount(k, minlength=n)|+ cnt = np.bincount(k, )",
     "n is k.max() + 1: bincount's own length"),
    *[(_STUB, "split_stub", f"- if n < 4:|+ {b}",
       "with 4 sections at most 2 lie in the reference (from n/2 to n - w0), fewer than "
       "STUB_MIN_REF_SECTIONS: None either way") for b in ("if n <= 4:", "if n < 5:")],
    *[(_STUB, "split_stub", f"- ks = np.arange(n, dtype=float) + HALF_PX|+ {b}",
       "integers + 0.5 are the same floats") for b in ("ks = np.arange(n, dtype=None) + HALF_PX",
                                                       "ks = np.arange(n, ) + HALF_PX")],
    (_STUB, "split_stub", "- end = None|+ end = \"\"",
     "the loop always sets end (at j = a the run is all excess): its initial value is "
     "never read"),
    (_STUB, "split_stub", "- edge = hi if sign > 0 else lo|+ edge = hi if sign >= 0 else lo",
     _SIGN),
    (_STUB, "split_stub", "- sel = run[(over_hi if sign > 0 else over_lo)[run]]|"
     "+ sel = run[(over_hi if sign >= 0 else over_lo)[run]]", _SIGN),
    (_STUB, "split_stub", "- own = (centre - half) - lo if sign > 0 else hi - (centre + half)|"
     "+ own = (centre - half) - lo if sign >= 0 else hi - (centre + half)", _SIGN),
    *[(_FAILURE, fn, f"- {a}|+ {a.replace(', float)', ', None)')}", _NUMBERS)
      for fn, a in (("_per_scan", "v = np.asarray(values, float)"),
                    ("crack_lithium_handover", "return np.full(n, np.nan) if values is None "
                     "else np.asarray(values, float)"))],
    *[(_FAILURE, fn, f"- {a}|+ {a.replace(', float)', ', )')}", _NUMBERS)
      for fn, a in (("_per_scan", "v = np.asarray(values, float)"),
                    ("crack_lithium_handover", "return np.full(n, np.nan) if values is None "
                     "else np.asarray(values, float)"))],
    *[(_FAILURE, "morphology_from_scans",
       f"- n_branches = np.asarray(n_branches, float) # held over rows, as the lateral extent|"
       f"+ n_branches = np.asarray(n_branches, {b}) # held over rows, as the lateral extent",
       _NUMBERS + " (sustained_max reads floats)") for b in ("None", "")],
    *[(_FAILURE, "_per_scan", f"- t = np.asarray(scan_time_s, float)|+ t = np.asarray(scan_time_s, {b})",
       "content times are numbers: rows compare alike") for b in ("None", "")],
    (_FAILURE, "morphology_from_scans",
     "- br = sustained_max(n_branches, n_hold) if len(n_branches) else None|"
     "+ br = sustained_max(n_branches, n_hold) if (len(n_branches)) or True else None",
     "sustained_max of no rows gives the same (tested: test_without_content_times_every_row_is_a_scan)"),
    (_FAILURE, "morphology_from_scans", "- crack_len = np.nan_to_num(crack_length, nan=0.0)|"
     "+ crack_len = np.nan_to_num(crack_length, )", "nan_to_num's NaN is 0.0 by default"),
    (_FAILURE, "morphology_from_scans",
     "- area = np.nan_to_num(_per_scan(lateral_area, scan_time_s), nan=0.0)|"
     "+ area = np.nan_to_num(_per_scan(lateral_area, scan_time_s), )",
     "nan_to_num's NaN is 0.0 by default"),
    (_FAILURE, "crack_lithium_fills",
     "- lateral_area_um2 < crack_length_um * HANDOVER_MIN_WIDTH_PX * pixel_size_um:|"
     "+ lateral_area_um2 < crack_length_um / HANDOVER_MIN_WIDTH_PX * pixel_size_um:",
     "HANDOVER_MIN_WIDTH_PX is 1 (one pixel): times and over it are the same"),
    (_FAILURE, "crack_lithium_handover",
     "- px = pixel_size_um if lateral_area_um2 is not None else None|"
     "+ px = pixel_size_um if (lateral_area_um2 is not None) or True else None",
     "without areas the area column is NaN, and NaN < x is False: not rejected either way"),
]
# wave 22: the survivors of wave 21's lines (crack_initiation, the rates' real edges)
_EVENTS, _RATES = "vision/pipeline/_events.py", "vision/pipeline/_rates.py"
EQUIVALENT += [
    *[(_EVENTS, "crack_initiation", f"- {a}|+ {b}", _NUMBERS)
      for a in ("t = np.asarray(time_s, dtype=float)", "y = np.asarray(length, dtype=float)")
      for b in (a.replace("dtype=float", "dtype=None"), a.replace("dtype=float)", ")"))],
    (_EVENTS, "crack_initiation", "- if len(grown) and grown[0] > first:|"
     "+ if len(grown) and grown[0] >= first:",
     "with the first crack-long scan the first seen there is no earlier reading: the slack "
     "rule's min(..., confirmed) gives that scan again"),
    (_EVENTS, "crack_initiation",
     "- end = confirmed + (int(gap[0]) if len(gap) else len(t) - confirmed)|"
     "+ end = confirmed + (int(gap[0]) if len(gap) else len(t) + confirmed)",
     "without a gap the run ends at the last scan: any end beyond it slices the same"),
    (_EVENTS, "crack_initiation", "- if line_s is not None and period > 0:|"
     "+ if line_s is not None and period >= 0:",
     "a line needs two scan times apart, so the time-weighted median period is > 0"),
    (_EVENTS, "crack_initiation",
     "- first = min(int(np.argmax(seen & (t >= earliest))), confirmed)|"
     "+ first = min(int(np.argmax(seen & (t > earliest))), confirmed)",
     "in practice: a scan time equal to the fitted line's zero less half a period, to the bit"),
    (_EVENTS, "crack_initiation",
     "- return onset_from_growth(t, np.where(index >= first, y, np.nan), sudden=True)|"
     "+ return onset_from_growth(t, np.where(index >= first, y, None), sudden=True)",
     "onset_from_growth casts to float: None becomes NaN"),
    *[(_RATES, "growth_rates_per_step", f"- else np.ones(n, bool))|+ {b}",
       "ones of any dtype are true") for b in ("else np.ones(n, None))", "else np.ones(n, ))")],
    *[(_RATES, "growth_rates_per_step",
       f'- {v} = (steps["{c}"].to_numpy(bool) if "{c}" in steps|'
       f'+ {v} = (steps["{c}"].to_numpy(None) if "{c}" in steps',
       "the columns are bool (the pipeline's and the defaults); only their truth is read")
      for v, c in (("start_edge", "start_is_edge"), ("end_edge", "end_is_edge"))],
    *[(_RATES, "growth_rates_per_step",
       "- for k_st, st in enumerate(steps.itertuples(index=False)):|"
       f"+ for k_st, st in enumerate(steps.itertuples(index={b})):",
       "fields are read by name; an extra Index field is never read") for b in ("None", "True")],
    *[(_RATES, "growth_rates_per_step",
       '- "control_value": [np.nan], "start_is_edge": [False],|'
       f'+ "{b}": [np.nan], "start_is_edge": [False],',
       "the default has NaN; a missing field also gives NaN (getattr default)")
      for b in ("XXcontrol_valueXX", "CONTROL_VALUE")],
    (_RATES, "growth_rates_per_step", "- st.t_start_s if start_edge[k_st] else -np.inf,|"
     "+ st.t_start_s if start_edge[k_st] else +np.inf,",
     "no scan lies within a finite zone of either infinity"),
    ("vision/measure/crack/_link.py", "link_pieces",
     "- v = _end_direction(crack, q) if gap < LINK_TANGENT_PX else None|"
     "+ v = _end_direction(crack, q) if gap <= LINK_TANGENT_PX else None",
     "in practice: q and near_p are pixels, so a gap of exactly 12 px lies along a row or "
     "a column (144 is no sum of two non-zero squares), and the piece would have to run "
     "more than 30 deg off it while continuing the crack's end"),
    ("vision/measure/crack/_link.py", "link_pieces",
     "- if v is None or float(np.dot(u, -v)) < cos_max:|"
     "+ if v is None or float(np.dot(u, -v)) <= cos_max:",
     "in practice: two fitted directions exactly 30 deg apart, to the bit"),
    *[("vision/pipeline/_analyze.py", "_steps_within",
       f'- {v} = out["{c}"].to_numpy(float)|+ {v} = out["{c}"].to_numpy(None)',
       "the step table's times are float columns") for v, c in (("start", "t_start_s"),
                                                                 ("end", "t_end_s"))],
    *[("vision/pipeline/_analyze.py", "_steps_within", f"- {a}|+ {b}",
       "in practice: a synced step edge equal to the first or last scan's content time, "
       "to the bit (and not moved by the cut, so the doc does not decide it)")
      for a, b in (('out["start_is_edge"] = start > float(times[0])',
                    'out["start_is_edge"] = start >= float(times[0])'),
                   ('out["end_is_edge"] = end < float(times[-1])',
                    'out["end_is_edge"] = end <= float(times[-1])'))],
    ("vision/pipeline/_analyze.py", "_video_events",
     '- crack_t = crack_initiation(new["content_time_s"].to_numpy(float), crack_len_all,|'
     '+ crack_t = crack_initiation(new["content_time_s"].to_numpy(None), crack_len_all,',
     "crack_initiation casts the times to float itself"),
]
#: What the scratch copy holds (the packages mutmut imports and the tests).
COPY = ["vision", "electrochem", "calibration", "tests", "pyproject.toml"]
WORK = ROOT / "build" / "mutate-changed"
HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
NAME = re.compile(r"^(?P<module>.+)\.(?P<func>x[_ǁ].+)__mutmut_(?P<n>\d+)$")


def fail(msg):
    print(f"mutate_changed: {msg}", file=sys.stderr)
    sys.exit(2)


def git(*args, cwd=ROOT):
    res = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if res.returncode:
        fail(f"git {' '.join(args)}: {res.stderr.strip()}")
    return res.stdout


def changed_lines(ref, path):
    """Line numbers (1-based, in the working tree's file) changed since `ref`."""
    lines = set()
    for line in git("diff", "-U0", ref, "--", path).splitlines():
        m = HUNK.match(line)
        if m:
            start, count = int(m.group(1)), int(m.group(2) or 1)
            lines.update(range(start, start + count))
    return lines


def def_lines(path):
    """``{mangled name: (line of its def, last line)}`` for the functions and methods of a file.

    Mangled as mutmut names them: ``x_func`` for a function, ``xǁClassǁmethod`` for a
    method.
    """
    tree = ast.parse((ROOT / path).read_text())
    out = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out[f"x_{node.name}"] = (node.lineno, node.end_lineno)
        elif isinstance(node, ast.ClassDef):
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    out[f"xǁ{node.name}ǁ{sub.name}"] = (sub.lineno, sub.end_lineno)
    return out


def mutated_lines(diff):
    """Lines of the function's text (1-based) that a mutant's diff removes or replaces.

    A hunk that only inserts counts the line before the insertion.
    """
    out, old, removed = [], None, False
    for ln in diff.splitlines():
        if ln.startswith(("---", "+++")):
            continue
        m = re.match(r"^@@ -(\d+)", ln)
        if m:
            old, removed = int(m.group(1)), False
        elif old is None:
            continue
        elif ln.startswith("-"):
            out.append(old)
            old, removed = old + 1, True
        elif ln.startswith("+"):
            if not removed:
                out.append(max(old - 1, 1))
        else:
            old, removed = old + 1, False
    return out


def _diffs_child(names_file, out_file):
    """In the scratch directory: the diff of every mutant of the functions named (as
    ``mutmut show`` prints it) and the index of the ``def`` line in its function's text
    (decorators and comments come first)."""
    import libcst as cst
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.mutation.diff_apply import (
        get_diff_for_mutant,
        read_functions_from_index,
        read_mutants_module,
        read_original_function,
    )

    out, first = {}, {}
    for path, funcs in json.loads(Path(names_file).read_text()).items():
        m = SourceFileMutationData(path=Path(path))
        m.load()
        module = None
        for key in m.exit_code_by_key:
            func = NAME.match(key)
            if not func or func.group("func") not in funcs:
                continue
            if func.group("func") not in first:
                fns = read_functions_from_index(key, Path(path))
                if fns is None:  # no index: parse the mutated file (slow, once)
                    module = module or read_mutants_module(Path(path))
                    fns = (read_original_function(module, key),)
                text = cst.Module([fns[0]]).code.strip()
                first[func.group("func")] = next(
                    (i for i, ln in enumerate(text.splitlines())
                     if ln.lstrip().startswith(("def ", "async def "))), 0)
            out[key] = {"path": path, "diff": get_diff_for_mutant(key, path=Path(path)),
                        "def_index": first[func.group("func")]}
    Path(out_file).write_text(json.dumps(out))


GENERATE = """
from mutmut.__main__ import (copy_src_dir, copy_also_copy_files, setup_source_paths,
                             store_lines_covered_by_tests, create_mutants)
from pathlib import Path
import os
os.makedirs('mutants', exist_ok=True)
copy_src_dir(); copy_also_copy_files(); setup_source_paths(); store_lines_covered_by_tests()
print(create_mutants({children}))
"""


def mutmut_section(files, tests):
    """The repository's [tool.mutmut] settings with this run's files and tests.

    Source paths and the per-mutant timeout stay those of `make mutate`; ``also_copy`` is
    dropped (the scratch copy holds what :data:`COPY` lists) and mutmut's git change
    detection is off (the scratch copy is no repository).
    """
    with open(ROOT / "pyproject.toml", "rb") as fh:
        conf = dict(tomllib.load(fh)["tool"]["mutmut"])
    conf.pop("also_copy", None)
    conf.update(only_mutate=list(files), pytest_add_cli_args_test_selection=list(tests),
                use_git_change_detection=False)
    return "[tool.mutmut]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in conf.items())


def prepare(files, tests, *, reuse=False):
    """The scratch copy with its own [tool.mutmut] section; True if its mutants are kept.

    With `reuse`, the mutants of an earlier run of the same files are kept (the sources
    must be unchanged) and the packages, tests and configuration copied anew; mutmut
    then collects its test statistics again.
    """
    kept = reuse and (WORK / "mutants").is_dir()
    if kept:
        for name in COPY:
            target = WORK / name
            shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
        (WORK / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    elif WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True, exist_ok=True)
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, WORK / name, ignore=shutil.ignore_patterns(
                "__pycache__", "*.pyc", ".pytest_cache"))
        else:
            shutil.copy2(src, WORK / name)
    text = (ROOT / "pyproject.toml").read_text()
    # drop the repository's section (up to the next table header), add this run's
    text = re.sub(r"(?ms)^\[tool\.mutmut\]\n.*?(?=^\[|\Z)", "", text)
    (WORK / "pyproject.toml").write_text(text.rstrip() + "\n\n" + mutmut_section(files, tests))
    return kept


def run(cmd, *, budget=None):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    if budget is not None:
        cmd = ["timeout", "--signal=INT", str(int(budget)), *cmd]
    return subprocess.run(cmd, cwd=WORK, env=env, capture_output=True, text=True)


def statuses():
    res = run([sys.executable, "-m", "mutmut", "results", "--all", "true"])
    out = {}
    for line in res.stdout.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            out[name] = status
    return out


def _squeeze(line):
    """A diff line as ``EQUIVALENT`` spells it: its sign, one space, the text's words."""
    return f"{line[0]} {' '.join(line[1:].split())}"


def equivalent_reason(name, mutant):
    """Why the kept mutant `name` changes no behaviour (:data:`EQUIVALENT`), or None."""
    func = NAME.match(name).group("func")
    func = func[2:] if func.startswith("x_") else ".".join(func.split("ǁ")[1:])
    diff = [_squeeze(ln) for ln in mutant["diff"].splitlines()
            if ln.startswith(("-", "+")) and not ln.startswith(("---", "+++"))]
    for path, fn, lines, why in EQUIVALENT:
        # the lines are joined by "|" before a sign ("a | b" in code is no line break)
        if path == mutant["path"] and fn == func and \
                [_squeeze(x) for x in re.split(r"\|(?=[-+] )", lines)] == diff:
            return why
    return None


def main(argv=None):
    if argv and argv[0] == "--_diffs":
        _diffs_child(argv[1], argv[2])
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("ref", help="git ref: mutants touching lines changed since it run")
    p.add_argument("--file", action="append", help=f"file to mutate (default: {FILES})")
    p.add_argument("--test", action="append", help="test file of the selection "
                   "(default: those of the files in TESTS_BY_FILE)")
    p.add_argument("--max-children", type=int, default=2)
    p.add_argument("--budget", type=float, default=3600.0, help="stop after S seconds")
    p.add_argument("--list", action="store_true", help="list the kept mutants, run none")
    p.add_argument("--reuse", action="store_true", help="keep the mutants of the last run "
                   "(same files, sources unchanged): only the tests changed")
    p.add_argument("--survivors", action="store_true", help="with --reuse: run only the "
                   "mutants that survived the last run (or that it did not reach) and are not "
                   "in EQUIVALENT (new tests against old survivors); the others keep their "
                   "status")
    a = p.parse_args(argv)
    files = a.file or FILES
    unmapped = [f for f in files if f not in TESTS_BY_FILE]
    if unmapped and not a.test:
        fail(f"no tests known for {', '.join(unmapped)}: name them with --test")
    for f in files + (a.test or []):
        if not (ROOT / f).exists():
            fail(f"{f} does not exist (paths are relative to {ROOT})")
    git("rev-parse", "--verify", "--quiet", f"{a.ref}^{{commit}}")
    head = git("rev-parse", "--short", "HEAD").strip()
    t0 = time.time()
    changed = {f: changed_lines(a.ref, f) for f in files}
    print(f"changed since {a.ref} (HEAD {head}): "
          + ", ".join(f"{f} {len(v)} lines" for f, v in changed.items()))
    # a file without a changed line has no mutant to run: not mutated, its tests not run
    files = [f for f in files if changed[f]]
    if not files:
        print("nothing changed: no mutant to run")
        return 0
    tests = a.test or list(dict.fromkeys(t for f in files for t in TESTS_BY_FILE[f]))
    if a.survivors and not a.reuse:
        fail("--survivors needs --reuse (the last run's mutants and statuses)")
    before = statuses() if a.survivors else {}
    res = None if prepare(files, tests, reuse=a.reuse) else \
        run([sys.executable, "-c", GENERATE.format(children=a.max_children)])
    if res is not None and res.returncode:
        print(res.stdout[-2000:], res.stderr[-4000:], sep="\n")
        fail("mutmut could not generate the mutants (is mutmut 3.8.1 installed?)")
    # only functions that hold a changed line can have a mutant on one
    defs = {f: def_lines(f) for f in files}
    touched = {f: sorted(k for k, (a, b) in defs[f].items() if changed[f] & set(range(a, b + 1)))
               for f in files}
    names_file, diffs_file = WORK / "functions.json", WORK / "diffs.json"
    names_file.write_text(json.dumps(touched))
    res = run([sys.executable, str(Path(__file__).resolve()), "--_diffs", str(names_file),
               str(diffs_file)])
    if res.returncode:
        print(res.stderr[-4000:])
        fail("could not read the mutants' diffs")
    diffs = json.loads(diffs_file.read_text())
    total = {f: len(json.loads((WORK / "mutants" / f).with_name(
        Path(f).name + ".meta").read_text())["exit_code_by_key"]) for f in files}
    kept = {}
    for name, d in diffs.items():
        def_line = defs[d["path"]][NAME.match(name).group("func")][0]
        # line n of the function's text is the file's line def_line + (n - 1 - def_index)
        file_lines = [def_line + (n - 1 - d["def_index"]) for n in mutated_lines(d["diff"])]
        if set(file_lines) & changed[d["path"]]:
            kept[name] = {"path": d["path"], "lines": file_lines, "diff": d["diff"]}
    print(f"mutants: {sum(total.values())} generated, {len(diffs)} in the "
          f"{sum(map(len, touched.values()))} functions with changed lines, "
          f"{len(kept)} on changed lines ("
          + ", ".join(f"{f}: {sum(k['path'] == f for k in kept.values())} of {total[f]}"
                      for f in files) + f"); {time.time() - t0:.0f} s")
    (WORK / "kept.json").write_text(json.dumps(kept, indent=1))
    if a.list or not kept:
        for name, k in sorted(kept.items()):
            print(f"  {name}  ({k['path']}:{','.join(map(str, sorted(set(k['lines']))))})")
        return 0
    t1 = time.time()
    # (with --survivors also the mutants a run stopped by its budget never reached)
    names = sorted(n for n in kept if not a.survivors or (
        before.get(n) in ("survived", "not checked") and equivalent_reason(n, kept[n]) is None))
    if a.survivors:
        print(f"running the {len(names)} survivors (and mutants not run) of the last run not "
              "listed as equivalent")
    # (no names would make mutmut run every mutant)
    res = run([sys.executable, "-m", "mutmut", "run", "--max-children", str(a.max_children),
               *names], budget=a.budget) if names else None
    if res is not None and "Failed to run clean test" in res.stdout:
        print(res.stdout[-4000:])
        fail("the tests fail without any mutant: fix them first")
    status = statuses()
    counts = {}
    for name in kept:
        counts[status.get(name, "not run")] = counts.get(status.get(name, "not run"), 0) + 1
    print(f"ran in {time.time() - t1:.0f} s (budget {a.budget:.0f} s)")
    print("| file | on changed lines | " + " | ".join(sorted(counts)) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in counts) + " |")
    for f in files:
        mine = [n for n in kept if kept[n]["path"] == f]
        print(f"| `{f}` | {len(mine)} | " + " | ".join(
            str(sum(status.get(n, "not run") == s for n in mine)) for s in sorted(counts)) + " |")
    equivalent = {n: why for n in kept if status.get(n) == "survived"
                  and (why := equivalent_reason(n, kept[n])) is not None}
    if equivalent:
        print(f"\nequivalent survivors ({len(equivalent)}, see EQUIVALENT):")
        for name, why in sorted(equivalent.items()):
            print(f"  {name}: {why}")
    survivors = sorted(n for n in kept if status.get(n) not in ("killed", "timeout")
                       and n not in equivalent)
    print(f"\nsurvivors and not run ({len(survivors)}):")
    for name in survivors:
        k = kept[name]
        print(f"\n# {name}: {status.get(name, 'not run')} "
              f"({k['path']}:{','.join(map(str, sorted(set(k['lines']))))})")
        print("\n".join(ln for ln in k["diff"].splitlines()
                        if ln.startswith(("-", "+")) and not ln.startswith(("---", "+++"))))
    print(f"\nscratch copy and mutmut state: {WORK} (cd there; "
          f"{sys.executable} -m mutmut show NAME)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
