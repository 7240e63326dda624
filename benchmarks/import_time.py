"""Start-up time of semtrack: ``import vision`` and ``semtrack --help`` (a benchmark, not a test).

Budget (issue 10): ``import vision`` under 0.3 s and ``semtrack --help`` under 0.5 s above
a bare interpreter. Two measures, each the median of ``--repeat`` fresh processes:

- **importtime**: the cumulative time of the top-level imports that ``python -X importtime``
  reports (the interpreter's own start-up modules, e.g. ``site``, are left out, so this is
  the time above a bare interpreter by construction);
- **wall**: wall-clock time of the process minus that of ``python -c pass`` (includes what
  importtime misses, e.g. reading entry points; noisier on a shared machine).

Also lists the heavy libraries (pandas, OpenCV, scipy, Dask, matplotlib, PyAV) loaded by
each, which should be none for ``import vision``.

Usage::

    python benchmarks/import_time.py [--repeat 7] [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time

HEAVY = ("pandas", "cv2", "scipy", "dask", "matplotlib", "av")
#: Modules the interpreter imports before any user code (not ours to count).
_STARTUP = {"site", "encodings", "_frozen_importlib_external", "zipimport", "codecs", "io", "abc",
            "_io", "marshal", "posix", "_signal", "time", "_codecs", "_weakref", "winreg"}

CASES = {
    "import vision": [sys.executable, "-c", "import vision"],
    "semtrack --help": [sys.executable, "-c",
                        "import sys; sys.argv = ['semtrack', '--help']\n"
                        "from vision.cli import main\n"
                        "try:\n    main()\nexcept SystemExit:\n    pass"],
}
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def importtime_s(cmd):
    """Seconds of top-level imports above the interpreter's start-up, and the modules loaded."""
    out = subprocess.run([cmd[0], "-X", "importtime", *cmd[1:]], capture_output=True, text=True)
    total_us, modules = 0, set()
    seen_user_code = False
    for line in out.stderr.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        name = m.group(4)
        modules.add(name.split(".")[0])
        if len(m.group(3)) == 1:  # a top-level import
            if name in _STARTUP and not seen_user_code:
                continue
            seen_user_code = True
            total_us += int(m.group(2))
    return total_us / 1e6, modules


def wall_s(cmd):
    t0 = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=True)
    return time.perf_counter() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args(argv)
    bare = statistics.median(wall_s([sys.executable, "-c", "pass"]) for _ in range(args.repeat))
    results = {"python": sys.version.split()[0], "bare_interpreter_s": round(bare, 3), "cases": {}}
    print(f"bare interpreter: {bare:.3f} s (median of {args.repeat})")
    print(f"{'case':18} {'importtime s':>12} {'wall-bare s':>12}  heavy libraries loaded")
    for name, cmd in CASES.items():
        runs = [importtime_s(cmd) for _ in range(args.repeat)]
        imp = statistics.median(r[0] for r in runs)
        heavy = sorted(set(HEAVY) & runs[0][1])
        wall = statistics.median(wall_s(cmd) for _ in range(args.repeat)) - bare
        results["cases"][name] = {"importtime_s": round(imp, 3), "wall_above_bare_s": round(wall, 3),
                                  "heavy_loaded": heavy}
        print(f"{name:18} {imp:12.3f} {wall:12.3f}  {', '.join(heavy) or '-'}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
