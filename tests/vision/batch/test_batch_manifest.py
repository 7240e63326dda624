"""Batch manifests (CSV, TOML) and pairing videos with traces in a folder."""
import datetime
from pathlib import Path

import pytest

from calibration import InputError
from vision import collect_batch, discover_videos, pair_videos, read_manifest


def _touch(path, data=b"x"):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def folder(tmp_path):
    for name in ("a.mp4", "a_trace.mpt", "b.avi", "b.mpt", "c.mkv"):
        _touch(tmp_path / name)
    return tmp_path


def test_csv_manifest_reads_rows_relative_to_its_folder(folder):
    (folder / "m.csv").write_text(
        "# sample batch\n"
        "video,trace,pixel_size_um,electrode,counter_electrode,sync_offset_s,name\n"
        "a.mp4,a_trace.mpt,0.25,512;384,left,1.5,\n"
        "b.avi,,0.5,,300 200,,bee\n")
    items = read_manifest(folder / "m.csv")
    assert [it.name for it in items] == ["a", "bee"]
    a, b = items
    assert a.video == folder / "a.mp4" and a.trace == folder / "a_trace.mpt"
    assert a.options == {"pixel_size_um": 0.25, "sync_offset_s": 1.5,
                         "electrode": (512.0, 384.0), "counter_electrode": "left"}
    assert b.trace is None
    assert b.options == {"pixel_size_um": 0.5, "counter_electrode": (300.0, 200.0)}
    assert a.pairing == "manifest row 3"


def test_toml_manifest_with_defaults(folder):
    (folder / "m.toml").write_text(
        '[defaults]\npixel_size_um = 0.1\ncounter_electrode = "right"\n\n'
        '[[video]]\nvideo = "a.mp4"\ntrace = "a_trace.mpt"\nelectrode = [10, 20]\n\n'
        '[[video]]\nvideo = "c.mkv"\npixel_size_um = 0.2\n')
    a, c = read_manifest(folder / "m.toml")
    assert a.options == {"pixel_size_um": 0.1, "counter_electrode": "right",
                         "electrode": (10.0, 20.0)}
    assert c.options["pixel_size_um"] == 0.2 and c.trace is None


@pytest.mark.parametrize("row, match", [
    ("a.mp4,a_trace.mpt,abc,,", r"row 3: pixel_size_um must be a number, got 'abc'"),
    ("a.mp4,a_trace.mpt,-1,,", r"row 3: pixel_size_um must be > 0"),
    ("nope.mp4,,0.1,,", r"row 3: video file 'nope.mp4' not found"),
    ("a.mp4,missing.mpt,0.1,,", r"row 3: trace file 'missing.mpt' not found"),
    (",a_trace.mpt,0.1,,", r"row 3: no video given"),
    ("a.mp4,,0.1,1;2;3,", r"row 3: electrode must be two numbers"),
    ("a.mp4,,0.1,,middle", r"row 3: counter_electrode 'middle' is neither a side"),
])
def test_csv_manifest_rejects_bad_row_with_row_number(folder, row, match):
    (folder / "m.csv").write_text(
        "video,trace,pixel_size_um,electrode,counter_electrode\n"
        "b.avi,b.mpt,0.1,,\n" + row + "\n")
    with pytest.raises(InputError, match=match):
        read_manifest(folder / "m.csv")


def test_manifest_rejects_unknown_column_and_duplicate_names(folder):
    (folder / "m.csv").write_text("video,pixelsize\na.mp4,0.1\n")
    with pytest.raises(InputError, match=r"unknown column 'pixelsize'; did you mean "
                                         r"'pixel_size_um'\?"):
        read_manifest(folder / "m.csv")
    (folder / "m.csv").write_text("video,trace,trace\na.mp4,a_trace.mpt,b.mpt\n")
    with pytest.raises(InputError, match=r"row 1 \(header\): column\(s\) \['trace'\] given twice"):
        read_manifest(folder / "m.csv")
    _touch(folder / "sub" / "a.mp4")
    (folder / "m.csv").write_text("video\na.mp4\nsub/a.mp4\n")
    with pytest.raises(InputError, match=r"row 3: name 'a' is already used by row 2"):
        read_manifest(folder / "m.csv")


def test_toml_manifest_bad_entry_names_its_number(folder):
    (folder / "m.toml").write_text(
        '[[video]]\nvideo = "a.mp4"\n\n[[video]]\nvideo = "b.avi"\nfps = "fast"\n')
    with pytest.raises(InputError, match=r"row 2 \(\[\[video\]\] entry 2\): fps must be a number"):
        read_manifest(folder / "m.toml")
    (folder / "m.toml").write_text('[[video]\nvideo = "a.mp4"\n')
    with pytest.raises(InputError, match="not valid TOML"):
        read_manifest(folder / "m.toml")


def test_folder_pairs_by_name_and_ignores_truth_and_output(folder):
    _touch(folder / "a_truth.csv")
    _touch(folder / "results" / "old.mp4")
    _touch(folder / "frames" / "frame_001.png")
    _touch(folder / "frames" / "frame_002.png")
    _touch(folder / "frames_trace.mpt")
    videos, traces = discover_videos(folder, exclude=[folder / "results"])
    assert [v.name for v in videos] == ["a.mp4", "b.avi", "c.mkv", "frames"]
    assert "a_truth.csv" not in [t.name for t in traces]
    items = {it.name: it for it in pair_videos(folder, exclude=[folder / "results"],
                                                probe=lambda p, kind: (None, None))}
    assert items["a"].trace.name == "a_trace.mpt" and items["a"].pairing == "by name"
    assert items["b"].trace.name == "b.mpt"
    assert items["frames"].trace.name == "frames_trace.mpt"
    assert items["c"].trace is None and items["c"].pairing == "no matching trace"


def test_folder_pairs_leftovers_by_duration_and_start(tmp_path):
    for name in ("run1.mp4", "run2.mp4", "run3.mp4", "run4.mp4", "echem_w.mpt", "echem_x.mpt",
                 "echem_y.mpt"):
        _touch(tmp_path / name)
    t0 = datetime.datetime(2025, 3, 1, 10, 0, 0)
    s = datetime.timedelta(seconds=1)
    info = {
        "run1.mp4": (100.0, t0 + 5 * s),          # inside echem_y (starts 5 s later)
        "run2.mp4": (300.0, None),                # no start: the trace 320 s long fits
        "run3.mp4": (1000.0, t0),                 # no trace is long enough
        "run4.mp4": (60.0, t0 + 3600 * s),        # starts an hour after every trace
        "echem_w.mpt": (50.0, t0),                # shorter than every video
        "echem_x.mpt": (320.0, t0),
        "echem_y.mpt": (110.0, t0),
    }
    items = {it.name: it for it in pair_videos(tmp_path, probe=lambda p, k: info[p.name])}
    assert items["run1"].trace.name == "echem_y.mpt"
    assert items["run1"].pairing == ("by duration (video 100.0 s, trace 110.0 s, "
                                     "video starts +5.0 s after the trace)")
    assert items["run2"].trace.name == "echem_x.mpt"
    assert items["run3"].trace is None and items["run4"].trace is None


def test_frame_folder_suffix_pairs_by_name(tmp_path):
    _touch(tmp_path / "cell7_png" / "f_001.png")
    _touch(tmp_path / "cell7_png" / "f_002.png")
    _touch(tmp_path / "cell7_trace.mpt")
    (item,) = pair_videos(tmp_path, probe=lambda p, k: (None, None))
    assert (item.name, item.trace.name, item.pairing) == ("cell7_png", "cell7_trace.mpt",
                                                          "by name")


def test_same_stem_in_two_folders_gets_distinct_names(tmp_path):
    _touch(tmp_path / "day1" / "cell.mp4")
    _touch(tmp_path / "day2" / "cell.mp4")
    _touch(tmp_path / "day2" / "cell.mpt")
    _touch(tmp_path / "day1" / "cell.mpt")
    items = pair_videos(tmp_path, probe=lambda p, k: (None, None))
    assert [it.name for it in items] == ["day1-cell", "day2-cell"]
    assert [it.trace.parent.name for it in items] == ["day1", "day2"]


def test_collect_batch_uses_manifest_in_folder_and_defaults(folder):
    (folder / "manifest.csv").write_text("video,trace,pixel_size_um\na.mp4,a_trace.mpt,0.3\n"
                                         "b.avi,b.mpt,\n")
    items = collect_batch(folder, defaults={"pixel_size_um": 0.7, "tilt_deg": 10.0})
    assert [it.name for it in items] == ["a", "b"]
    assert items[0].options["pixel_size_um"] == 0.3 and items[1].options["pixel_size_um"] == 0.7
    with pytest.raises(InputError, match="no such file or folder"):
        collect_batch(folder / "absent")
    empty = folder / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no videos found"):
        collect_batch(empty)


def test_extra_columns_are_metadata_and_side_notes_are_accepted(folder):
    # the layout `semtrack synth --samples` writes into videos/manifest.csv
    (folder / "manifest.csv").write_text(
        "video,trace,pixel_size_um,sync_offset_s,counter_electrode,counter_electrode_x_px,"
        "truth,preset,failure_mode\n"
        "a.mp4,a_trace.mpt,0.2,3.2,right x=464px,464.0,a_truth.json,whisker,whiskers\n")
    (item,) = read_manifest(folder / "manifest.csv")
    assert item.options == {"pixel_size_um": 0.2, "sync_offset_s": 3.2,
                            "counter_electrode": "right"}
    assert item.metadata == {"counter_electrode_x_px": "464.0", "truth": "a_truth.json",
                             "preset": "whisker", "failure_mode": "whiskers"}
    (folder / "manifest.csv").write_text("video,counter_electrode\na.mp4,right of centre\n")
    with pytest.raises(InputError, match="row 2: counter_electrode 'right of centre' is neither"):
        read_manifest(folder / "manifest.csv")
