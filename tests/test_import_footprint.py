"""What an analysis loads before its first frame (issue 14: start-up and memory).

Importing the pipeline (what ``semtrack analyze`` and a batch worker do before the first
frame) must not load libraries that only some runs use: trackpy links whiskers, scipy fits
rates, traces cracks and skeletonizes, matplotlib draws the report, Dask runs batches.
Each of them is imported in the function that uses it (measured: 1.2 -> 0.58 CPU s and
269 -> 200 MB at import; docs/pages/performance.md, wave 6).
"""
import subprocess
import sys

import pytest

LATER = ("trackpy", "scipy", "skimage", "matplotlib", "dask", "distributed")


@pytest.mark.parametrize("module", ["vision.pipeline._analyze", "vision.batch._task",
                                    "electrochem"])
def test_import_loads_only_what_every_run_needs(module):
    code = (f"import sys, {module}; later = {LATER!r}; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & set(later)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]", f"{module} loads {out.stdout.strip()} at import"


@pytest.mark.parametrize("argv", [["--help"], ["analyze"], ["analyze", "--pixel-size", "-1", "v.mp4"],
                                  ["analyze", "missing.mp4"],
                                  ["analyze", "missing.mp4", "--trace", "missing.mpt"]])
def test_cli_help_and_input_errors_do_not_load_the_analysis(argv, tmp_path):
    """``semtrack --help``, usage errors and a missing file: no pandas, PyAV or OpenCV
    (0.17 instead of ~0.75 CPU s; docs/pages/performance.md, wave 7)."""
    code = ("import sys; from vision.cli import main; rc = main(sys.argv[1:]); "
            "print(rc, sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'av', 'cv2'}))")
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                         check=True, cwd=tmp_path)
    rc, loaded = out.stdout.strip().splitlines()[-1].split(" ", 1)
    assert loaded == "[]", f"semtrack {' '.join(argv)} loads {loaded}"
    assert rc == ("0" if argv == ["--help"] else "2")


@pytest.mark.parametrize("video, trace", [("missing.mp4", None), ("missing.mp4", "missing.mpt"),
                                          ("~/no/such/video.mp4", None), ("VIDEO", "missing.mpt")])
def test_cli_missing_file_error_is_the_library_error(video, trace, tmp_path):
    """The command's early check gives what vision.analyze would give, word for word."""
    from calibration import InputError
    from vision.cli._analyze import missing_input
    from vision.pipeline._analyze import analyze

    if video == "VIDEO":  # an existing video, a missing trace
        video = str(tmp_path / "v.mp4")
        (tmp_path / "v.mp4").write_bytes(b"")
    else:
        video = str(tmp_path / video) if not video.startswith("~") else video
    trace = None if trace is None else str(tmp_path / trace)
    early = missing_input(video, trace)
    with pytest.raises(InputError) as exc:
        analyze(video, trace=trace, progress=False)
    assert early is not None and str(early) == str(exc.value)
