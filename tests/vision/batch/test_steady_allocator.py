"""The fixed glibc allocator thresholds of long analyses (issue 14, ``steady_allocator``).

A tracker that frees and re-allocates ~50 MB of frame temporaries every scan lets glibc
hand the memory back and fault it in again (8 % more CPU at full HD, measured in
docs/pages/performance.md). The CLI and the batch worker fix the thresholds; a user's own
``MALLOC_*`` settings win.
"""
import ctypes
import subprocess
import sys

import pytest

from vision._shared import _system

glibc = pytest.mark.skipif(not sys.platform.startswith("linux"),
                           reason="glibc mallopt exists on Linux only")


@glibc
def test_thresholds_are_set_on_glibc(monkeypatch):
    for key in [k for k in _system.os.environ if k.startswith("MALLOC_")]:
        monkeypatch.delenv(key)
    calls = []
    real = ctypes.CDLL

    class Spy:
        def __init__(self, name):
            self._lib = real(name)

        def mallopt(self, param, value):
            calls.append((param, value))
            return self._lib.mallopt(param, value)

    monkeypatch.setattr(ctypes, "CDLL", Spy)
    assert _system.steady_allocator() is True
    assert calls == [(-3, 32 * 2**20), (-1, 128 * 2**20)]  # M_MMAP_THRESHOLD, M_TRIM_THRESHOLD


def test_a_users_malloc_setting_wins(monkeypatch):
    monkeypatch.setenv("MALLOC_ARENA_MAX", "2")
    monkeypatch.setattr(ctypes, "CDLL", lambda name: pytest.fail("mallopt called"))
    assert _system.steady_allocator() is False


@glibc
def test_the_cli_fixes_the_thresholds_before_it_runs_a_command():
    code = ("import vision._shared._system as s, vision.cli._main as m\n"
            "seen = []\n"
            "s.steady_allocator = lambda: seen.append(1) or True\n"
            "m.main(['info', '/nonexistent.mp4'])\n"
            "print(len(seen))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "1"
