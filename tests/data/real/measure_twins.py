"""Compare .mpr files with their .mpt exports through read_trace (a measurement, not a test).

Usage: python tests/data/real/measure_twins.py DIR   (pairs NAME.mpr with NAME.mpt)

Same number of points, and time, voltage, current, control, impedance and charge
equal within the text file's printed precision (rtol 5e-7: half a unit in the
8th significant digit EC-Lab prints). With --all, every column both files give.
"""
import glob
import logging
import os
import sys

import numpy as np

import electrochem

COLUMNS = ("time_s", "voltage_V", "current_A", "control_V", "control_A", "frequency_Hz",
           "z_real_ohm", "z_imag_ohm", "charge_mAh", "ece_V")


def compare(a, b, columns=COLUMNS):
    if len(a) != len(b):
        return [f"count {len(a)} vs {len(b)}"]
    bad = []
    for c in columns:
        if c in a and c in b:
            x, y = a[c].to_numpy(float), b[c].to_numpy(float)
            if not np.allclose(x, y, rtol=5e-7, atol=1e-30, equal_nan=True):
                bad.append(c)
    return bad


def main(folder, every=False):
    logging.disable(logging.CRITICAL)
    n = agree = 0
    for f in sorted(glob.glob(os.path.join(folder, "*.mpr"))):
        t = f[:-4] + ".mpt"
        if not os.path.exists(t):
            continue
        n += 1
        try:
            a = electrochem.read_trace(f, allow_empty=True).data
            b = electrochem.read_trace(t, allow_empty=True).data
            bad = compare(a, b, list(a.columns) if every else COLUMNS)
        except Exception as exc:  # noqa: BLE001 - a measurement lists every failure
            bad = [f"error: {str(exc)[-100:]}"]
        agree += not bad
        print("OK " if not bad else "BAD", os.path.basename(f), bad)
    print(f"{agree} of {n} twins agree")


if __name__ == "__main__":
    main(sys.argv[1], "--all" in sys.argv[2:])
