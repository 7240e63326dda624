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
