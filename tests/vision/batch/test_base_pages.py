"""No transparent huge pages for NumPy's arrays in the CLI and the batch workers (issue 14).

NumPy advises MADV_HUGEPAGE on arrays of 4 MiB or more; with the analysis's frame
temporaries on the heap the kernel then keeps whole 2 MiB pages resident, and the 1080p
peak RSS varied with the machine's free memory (385-479 MB for the same run, up to 80 MB
of it huge pages; docs/pages/performance.md, wave 19). The advice is a paging hint, so
turning it off changes no result. A user's own NUMPY_MADVISE_HUGEPAGE wins.
"""
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="NumPy gives the huge-page advice on Linux only")

ENV = "NUMPY_MADVISE_HUGEPAGE"
ADVICE = ("from numpy._core.multiarray import _get_madvise_hugepage\n"
          "print(_get_madvise_hugepage())\n")


def _run(code, **env):
    base = {k: v for k, v in os.environ.items() if k != ENV}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**base, **env})
    return out.stdout.strip().splitlines()[-1]


def test_the_cli_turns_numpys_huge_page_advice_off():
    code = ("import vision.cli._main as m\n"
            "m.main(['info', '/nonexistent.mp4'])\n" + ADVICE)
    assert _run(code) == "False"


def test_numpy_loaded_before_is_switched_off_too():
    # the batch worker's task: NumPy is loaded before steady_allocator runs
    code = ("import numpy\n"
            "from vision._shared._system import steady_allocator\n"
            "steady_allocator()\n" + ADVICE)
    assert _run(code) == "False"


def test_the_setting_reaches_worker_processes():
    code = ("import os\n"
            "from vision._shared._system import base_pages_for_arrays\n"
            "print(base_pages_for_arrays(), os.environ.get('NUMPY_MADVISE_HUGEPAGE'))\n")
    assert _run(code) == "True 0"


def test_a_users_numpy_setting_wins():
    code = ("from vision._shared._system import base_pages_for_arrays\n"
            "print(base_pages_for_arrays())\n" + ADVICE)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, ENV: "1"}).stdout.split()
    assert out[-2:] == ["False", "True"]
