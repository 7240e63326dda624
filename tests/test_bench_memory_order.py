"""The full-HD benchmark's peak RSS with the save counts what a user's process holds.

``semtrack analyze`` (``Analysis.save``) imports the report's plotting library
(matplotlib, ~24 MB resident) in the save, after the analysis. The bench's warm-up
used to import it before the analysis, so the "analyze + save" peak RSS (taken in
the analysis) counted it: 405-433 MB in wave 20 against 378-405 MB without the save.
The warm-up must leave it to the save, and ``hd_analyze`` must load it only once the
analysis is done.
"""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_SCRIPT = """
import json, sys
sys.path.insert(0, {bench!r})
import _child
_child._warm_up({video!r}, save=True)
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib')))
"""


def test_warm_up_of_a_saved_run_does_not_load_the_report_libraries():
    script = _SCRIPT.format(bench=str(ROOT / "benchmarks"),
                            video=str(ROOT / "videos" / "control.mp4"))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, check=True)
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert loaded == [], f"the warm-up loaded {loaded[:5]} before the analysis"


def test_hd_analyze_loads_the_report_libraries_after_the_analysis(monkeypatch):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import _child
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    assert "matplotlib.figure" in _child.REPORT_MODULES
    import inspect

    src = inspect.getsource(_child.hd_analyze)
    # the import sits between the analysis and the save, and is not timed
    assert src.index("pipe.analyze(") < src.index("_import_all(REPORT_MODULES)") \
        < src.index("result.save(")
    assert "- t_import" in src
