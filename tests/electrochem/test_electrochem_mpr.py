"""EC-Lab binary .mpr through semtrack's own reader, on real files, side by side with galvani."""
import builtins
from pathlib import Path

import numpy as np
import pytest

from calibration import InputError
from electrochem import read_trace
from electrochem._mpr_format import parse_mpr

DATA = Path(__file__).parent.parent / "data" / "real"
GCPL_NAME = "jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr"


@pytest.fixture(scope="module")
def gcpl_mpr():
    """The 2.4 MB GCPL example of navani (MIT), committed (see SOURCES.md)."""
    return DATA / GCPL_NAME


def test_potentiostatic_modulo_bat():
    tr = read_trace(DATA / "00_test_04_MB_C01.mpr")
    d = tr.data
    assert tr.technique == "MB"
    assert str(tr.start_time) == "2023-12-08 09:49:52.346000"
    assert len(d) == 1501
    assert d["time_s"].iloc[0] == pytest.approx(16.1674, abs=1e-4)
    np.testing.assert_allclose(d["control_V"], -1.649957, atol=1e-6)
    assert (d["mode"] == 2).all()
    # -0.045 mA at the start of the hold, cathodic (negative)
    assert d["current_A"].iloc[0] == pytest.approx(-4.5e-5, rel=0.02)
    # the charge column agrees with the integrated current (units: mAh vs A)
    q_c = np.concatenate([[0], np.cumsum(0.5 * (d["current_A"].to_numpy()[1:] + d["current_A"].to_numpy()[:-1])
                                         * np.diff(d["time_s"].to_numpy()))])
    np.testing.assert_allclose(q_c / 3.6, d["charge_mAh"], atol=2e-8)


def test_ocv_has_no_current():
    tr = read_trace(DATA / "00_test_01_OCV_C01.mpr")
    assert tr.technique == "OCV"
    assert len(tr.data) == 2
    assert tr.data["current_A"].isna().all()
    assert tr.data["voltage_V"].iloc[0] == pytest.approx(-0.3738, abs=1e-4)


def test_gcpl_current_only_in_control_column(gcpl_mpr):
    tr = read_trace(gcpl_mpr)
    d = tr.data
    assert tr.technique == "GCPL"
    assert len(d) == 46102
    assert "control_A" in d and "control_V" not in d
    cc = d["mode"] == 1
    rest = d["mode"] == 3
    assert cc.sum() > 40000 and rest.sum() > 0
    # EC-Lab's own power column P = Ewe * I gives the current independently
    i_from_p = d["p_W"] / d["voltage_V"]
    # (except the first point of each constant-current step, where P is
    # sampled during the switch: 13 of 45741 points)
    close = np.isclose(d.loc[cc, "current_A"], i_from_p[cc], rtol=1e-3, atol=1e-9)
    assert close.mean() > 0.999
    assert (d.loc[rest, "current_A"] == 0).all()
    assert d["current_A"].abs().max() == pytest.approx(8.9e-5, rel=0.02)


def test_reads_without_galvani(monkeypatch):
    """The core reads .mpr with no extra installed (galvani import blocked)."""
    real_import = builtins.__import__

    def no_galvani(name, *args, **kwargs):
        if name == "galvani" or name.startswith("galvani."):
            raise ImportError("No module named 'galvani'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_galvani)
    tr = read_trace(DATA / "00_test_04_MB_C01.mpr")
    assert len(tr.data) == 1501


@pytest.mark.parametrize("name", ["00_test_01_OCV_C01.mpr", "00_test_02_MB_C01.mpr",
                                  "00_test_04_MB_C01.mpr", GCPL_NAME])
def test_same_points_as_galvani(name):
    """Side by side with the peer reader (GPL, optional extra, installed for tests)."""
    from galvani import BioLogic

    ours = parse_mpr(DATA / name).columns
    peer = BioLogic.MPRfile(str(DATA / name)).data
    assert len(next(iter(ours.values()))) == len(peer)
    shared = [c for c in peer.dtype.names if c in ours]
    assert {"time/s"} <= set(shared) and len(shared) >= 2
    for col in shared:
        np.testing.assert_array_equal(ours[col], np.asarray(peer[col], dtype=float), err_msg=col)


def test_unsupported_eclab_version(tmp_path):
    raw = bytearray((DATA / "00_test_04_MB_C01.mpr").read_bytes())
    i = raw.index(b"MODULEVMP data")
    assert raw[i + 41:i + 45] == b"\xff\xff\xff\xff"  # EC-Lab >= 11.50 header
    assert raw[i + 53:i + 57] == (11).to_bytes(4, "little")  # data module version 11
    raw[i + 53:i + 57] = (7).to_bytes(4, "little")
    p = tmp_path / "future.mpr"
    p.write_bytes(bytes(raw))
    with pytest.raises(InputError, match=r"future\.mpr: data module version 7 is not known.*"
                       r"export the file as text"):
        read_trace(p)


def test_unknown_column_id(tmp_path):
    raw = bytearray((DATA / "00_test_04_MB_C01.mpr").read_bytes())
    i = raw.index(b"MODULEVMP data") + 65 + 6  # first column ID (uint16)
    raw[i:i + 2] = (999).to_bytes(2, "little")
    p = tmp_path / "newcol.mpr"
    p.write_bytes(bytes(raw))
    with pytest.raises(InputError, match=r"newcol\.mpr: column ID 999 is not known"):
        read_trace(p)


@pytest.mark.parametrize("keep", [5000, 90000])
def test_truncated_mpr(tmp_path, keep):
    p = tmp_path / "cut.mpr"
    p.write_bytes((DATA / "00_test_04_MB_C01.mpr").read_bytes()[:keep])
    with pytest.raises(InputError, match=r"cut\.mpr: .*truncated"):
        read_trace(p)
