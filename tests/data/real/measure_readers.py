"""Count which real EC-Lab files read_trace reads (a measurement, not a test).

Usage: python tests/data/real/measure_readers.py DIR [DIR ...]

The peer collection used for the figures in the report (yadg, navani, cellpy and
ixdat test files) is not committed: only files with a permissive licence are.
"""
import collections
import logging
import sys
from pathlib import Path

import electrochem


def main(dirs):
    logging.disable(logging.CRITICAL)
    files = sorted(p for d in dirs for p in Path(d).iterdir() if p.suffix.lower() in (".mpt", ".mpr"))
    counts = collections.Counter()
    for p in files:
        try:
            electrochem.read_trace(p, allow_empty=True)
        except Exception as exc:  # noqa: BLE001 - a measurement lists every failure
            counts[p.suffix, "fail"] += 1
            print(f"{p.name}: {type(exc).__name__}: {str(exc)[-160:]}")
        else:
            counts[p.suffix, "ok"] += 1
    print(dict(counts))


if __name__ == "__main__":
    main(sys.argv[1:])
