"""EC-Lab .mpr against the .mpt text export EC-Lab wrote of the same run.

The four twin pairs are real EC-Lab 11.50 files from galvani's test data
(CC-BY-4.0, see tests/data/real/SOURCES.md), committed byte for byte.
"""
import hashlib
from pathlib import Path

import numpy as np
import pytest

from electrochem import read_trace
from electrochem._mpr_format import COLUMNS, column_for_id, parse_mpr

DATA = Path(__file__).parent.parent / "data" / "real"

#: sha256 of each committed file = the Git LFS object id of galvani's
#: tests/testdata/v1150/ pointers (commit c8e5bb1): the bytes are galvani's
#: files, unchanged.
GALVANI_LFS_OID = {
    "v1150_CA.mpr": "264d359400e5b0e491cc4ec8acc1c34544ebf87fd42c891bac5570a8e1a8bb32",
    "v1150_CA.mpt": "20de12cd1a157887aacd22c805d7f4e17e256c22aed0d4bc03c9912427df8297",
    "v1150_CP.mpr": "2d57e12146bc7085cb2edfc2c5bad308fb0d9534d2c06e59262118a19b1867f9",
    "v1150_CP.mpt": "fbbdca1a6f57c0cd3291cb0604cd7b3d1cae78c3912c7fa2e32aee837f540dcb",
    "v1150_GCPL.mpr": "f814e04bd102db6211d933aecd2fb4f30f31b0a871ea26cce6c4a8900d2a85e3",
    "v1150_GCPL.mpt": "60ade6fe10af5ed71549d10a7f5abaed97694c2130e6f4365ffc85c24fa19c93",
    "v1150_OCV.mpr": "6b1948c874defcca8280b88e40da0cde0a4d44c01d7f807479c3d4b906581ca3",
    "v1150_OCV.mpt": "643011cc4ed832e02d2b05d29b8cc32476c4c579182b9ac4c6b4b05f1d75f90c",
}

TWINS = ["v1150_CA", "v1150_CP", "v1150_GCPL", "v1150_OCV"]

# EC-Lab prints each value in scientific notation with 8 significant digits
# (float32 columns) or 16 (float64 columns). Half a unit in the 8th digit is at
# most 5e-7 of the value (mantissa >= 1): the text's printed precision.
PRINTED_RTOL = 5e-7
# a float32 denormal read from the binary where the text prints 0
TINY = 1e-30


@pytest.mark.parametrize("name", sorted(GALVANI_LFS_OID))
def test_twin_files_are_galvanis_bytes(name):
    assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == GALVANI_LFS_OID[name]


@pytest.mark.parametrize("stem", TWINS)
def test_mpr_and_mpt_give_the_same_points(stem):
    """Same number of points; every column both give (time, potential, current,
    control, charge, flags, ...) equal to the text's printed precision."""
    binary = read_trace(DATA / f"{stem}.mpr")
    text = read_trace(DATA / f"{stem}.mpt")
    a, b = binary.data, text.data
    assert len(a) == len(b) > 40
    assert binary.technique == text.technique
    shared = [c for c in a.columns if c in b.columns]
    # the core quantities are among the shared columns
    assert {"time_s", "voltage_V", "mode"} <= set(shared)
    if stem != "v1150_OCV":
        assert "current_A" in shared and np.isfinite(a["current_A"]).all()
        assert {"control_V", "control_A"} & set(shared)
    for col in shared:
        x = a[col].to_numpy(dtype=float)
        y = b[col].to_numpy(dtype=float)
        np.testing.assert_array_equal(np.isfinite(x), np.isfinite(y), err_msg=col)
        np.testing.assert_allclose(x, y, rtol=PRINTED_RTOL, atol=TINY, err_msg=col)
    # the acquisition start of the binary LOG module is the export's header line
    assert binary.start_time is not None
    assert abs((binary.start_time - text.start_time).total_seconds()) < 1e-3


def test_twin_current_where_the_binary_stores_none():
    """GCPL .mpr holds no current column; the export's <I>/mA is dq/dt, which
    the reader recomputes: equal to the printed precision on every point."""
    a = read_trace(DATA / "v1150_GCPL.mpr").data
    b = read_trace(DATA / "v1150_GCPL.mpt").data
    assert "i_mA" not in a and "mean_i_mA" not in a
    assert (a["current_A"] != 0).sum() > 50
    np.testing.assert_allclose(a["current_A"], b["current_A"], rtol=PRINTED_RTOL, atol=TINY)


def _with_column_id(tmp_path, name, old, new):
    raw = bytearray((DATA / name).read_bytes())
    i = raw.index(b"MODULEVMP data") + 65  # EC-Lab >= 11.50 module header
    n_cols = int.from_bytes(raw[i + 4:i + 6], "little")
    ids = [int.from_bytes(raw[i + 6 + 2 * k:i + 8 + 2 * k], "little") for k in range(n_cols)]
    k = ids.index(old)
    raw[i + 6 + 2 * k:i + 8 + 2 * k] = new.to_bytes(2, "little")
    p = tmp_path / f"{new}_{name}"
    p.write_bytes(bytes(raw))
    return p


@pytest.mark.parametrize(("old", "new", "name"), [
    # 467 is Q charge/discharge; 979 = 467 + 2*256 has the same low byte (211)
    (467, 979, "Q charge/discharge/mA.h"),
    # 74 (float64 |Energy|) written as 883 = 115 + 3*256 (Energy ce charge, float64),
    # the ID of yadg's gcpl.issue_230.mpr (EC-Lab 11.62)
    (74, 883, "Energy ce charge/W.h"),
])
def test_high_column_ids_mean_their_low_byte(tmp_path, old, new, name):
    """A column ID not in the table reads as ID % 256 (the same record layout,
    the same values, the low byte's name)."""
    assert new not in COLUMNS and column_for_id(new) == COLUMNS[new % 256]
    src = "00_test_04_MB_C01.mpr"
    before = parse_mpr(DATA / src).columns
    after = parse_mpr(_with_column_id(tmp_path, src, old, new)).columns
    assert len(after["time/s"]) == len(before["time/s"]) == 1501
    old_name = COLUMNS[old][0]
    np.testing.assert_array_equal(after[name], before[old_name])
    for col in before:
        if col != old_name:
            np.testing.assert_array_equal(after[col], before[col], err_msg=col)


def test_energy_ce_ids_are_float64():
    """115/116 (883/884 in the file) fill the record only as float64."""
    assert column_for_id(883) == ("Energy ce charge/W.h", "<f8")
    assert column_for_id(884) == ("Energy ce discharge/W.h", "<f8")
    assert column_for_id(999) is None  # low byte 231: not known, the file is refused
