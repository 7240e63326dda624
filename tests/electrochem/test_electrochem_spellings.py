"""EC-Lab text exports: every column spelling, old and new, from real header lines.

The column-name lines below are copied from real EC-Lab exports (the file
they stand in is named with each); the data rows are short made-up rows in
the same layout, so that each test knows the values it must find.
"""
import logging
from pathlib import Path

import numpy as np
import pytest

from calibration import InputError
from electrochem import EmptyTraceError, read_trace

DATA = Path(__file__).parent.parent / "data" / "real"

# EC-Lab 11.50+ OCV export (yadg test file ocv.issue_149.mpt): unit inside the brackets
OCV_NEW = "mode\terror\ttime/s\t<Ewe/V>\t"
# EC-Lab 11.50+ CP export (yadg cp.issue_149.mpt): <Ewe/V>, I/mA, charges in C, cycle number
CP_NEW = ("mode\tox/red\terror\tcontrol changes\tNs changes\tcounter inc.\tNs\ttime/s\t"
          "control/mA\t<Ewe/V>\tI/mA\tdQ/C\t(Q-Qo)/C\thalf cycle\tQ charge/discharge/mA.h\t"
          "I Range\tEnergy charge/W.h\tEnergy discharge/W.h\tCapacitance charge/µF\t"
          "Capacitance discharge/µF\tstep time/s\tQ discharge/mA.h\tQ charge/mA.h\t"
          "Capacity/mA.h\tEfficiency/%\tcycle number\tP/W\t")
# EC-Lab 11.33 Wait export (yadg wait.mpt): own counter-electrode channels, no data rows
WAIT = "mode\terror\ttime/s\tEwe/V\tI/mA\tEce/V\tP/W\tEwe-Ece/V\t"
# EC-Lab 11.50 PEIS with the counter electrode (yadg peis.issue_225.ewe_ece.mpt): an empty
# name and 'Ewe-Ece/V' after the last column the rows hold (63 names, 61 fields)
PEIS_CE = ("freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\t|Z|/Ohm\tPhase(Z)/deg\ttime/s\t<Ewe>/V\t<I>/mA\t"
           "Cs/µF\tCp/µF\tcycle number\tI Range\t|Ewe|/V\t|I|/A\tNs\t(Q-Qo)/mA.h\t<Ece>/V\t"
           "|Ece|/V\tPhase(Zce)/deg\t|Zce|/Ohm\tRe(Zce)/Ohm\t-Im(Zce)/Ohm\tPhase(Zwe-ce)/deg\t"
           "|Zwe-ce|/Ohm\tRe(Zwe-ce)/Ohm\t-Im(Zwe-ce)/Ohm\tRe(Y)/Ohm-1\tIm(Y)/Ohm-1\t|Y|/Ohm-1\t"
           "Phase(Y)/deg\tRe(C)/nF\tIm(C)/nF\t|C|/nF\tPhase(C)/deg\tRe(M)\tIm(M)\t|M|\t"
           "Phase(M)/deg\tRe(Permittivity)\tIm(Permittivity)\t|Permittivity|\t"
           "Phase(Permittivity)/deg\tRe(Resistivity)/Ohm.cm\tIm(Resistivity)/Ohm.cm\t"
           "|Resistivity|/Ohm.cm\tPhase(Resistivity)/deg\tRe(Conductivity)/mS/cm\t"
           "Im(Conductivity)/mS/cm\t|Conductivity|/mS/cm\tPhase(Conductivity)/deg\tTan(Delta)\t"
           "Loss Angle(Delta)/deg\tdq/mA.h\tx\tPwe/W\tPce/W\tPwe-ce/W\t<Ewe-Ece>/V\tRwe/Ohm\t"
           "Rce/Ohm\tRwe-ce/Ohm\t\tEwe-Ece/V")


def _mpt(path, column_line, rows, *, n_header=None, title="Chronopotentiometry",
         newline="\r\n", encoding="cp1252", decimal="."):
    head = ["EC-Lab ASCII FILE", "Nb header lines : {n}", "", title, "",
            "Acquisition started on : 03/02/2021 16:17:59.000", ""]
    n = len(head) + 1 if n_header is None else n_header
    head[1] = head[1].format(n=n)
    lines = head + [column_line] + [r.replace(".", decimal) for r in rows]
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def test_unit_inside_brackets_ewe(tmp_path):
    p = _mpt(tmp_path / "ocv.mpt", OCV_NEW, ["0\t0\t0.5\t3.4244580E+000", "0\t0\t1.5\t3.4250000E+000"],
             title="Open Circuit Voltage")
    tr = read_trace(p)
    np.testing.assert_allclose(tr.data["voltage_V"], [3.424458, 3.425])
    np.testing.assert_allclose(tr.data["time_s"], [0.5, 1.5])
    assert tr.data["current_A"].isna().all()
    assert any("no current" in w for w in tr.warnings)


def test_new_cp_export_charges_in_coulomb_and_cycle_number(tmp_path):
    # the first real data row of cp.issue_149.mpt (decimal comma in the original)
    row = ("1\t1\t0\t1\t0\t0\t0\t1.099979972212168E+001\t2.0000001E-002\t3.4244580E+000\t"
           "2.0003509E-002\t1.8956864E-005\t1.8956864E-005\t0\t5.265795205719769E-006\t41\t"
           "1.803249551714959E-008\t0\t0\t0\t1.099979972212168E+001\t0\t5.265795205719769E-006\t"
           "5.265795205719769E-006\t0\t0\t6.8501176E-005")
    p = _mpt(tmp_path / "cp.mpt", CP_NEW, [row], decimal=",")
    tr = read_trace(p)
    d = tr.data
    assert len(d) == 1  # a one-row trace is data
    assert any("single data row" in w for w in tr.warnings)
    assert d["voltage_V"].iloc[0] == pytest.approx(3.424458)
    assert d["current_A"].iloc[0] == pytest.approx(2.0003509e-5)
    assert d["control_A"].iloc[0] == pytest.approx(2.0000001e-5)
    # (Q-Qo)/C -> mAh: 1.8956864e-5 C / 3.6 C/mAh
    assert d["charge_mAh"].iloc[0] == pytest.approx(1.8956864e-5 / 3.6)
    assert d["dq_mAh"].iloc[0] == pytest.approx(1.8956864e-5 / 3.6)
    # EC-Lab's own Q charge/discharge (mA.h) agrees with (Q-Qo)/C converted
    assert d["charge_mAh"].iloc[0] == pytest.approx(5.265795205719769e-06, rel=1e-6)
    assert d["cycle_number"].iloc[0] == 0


def test_unit_inside_brackets_current(tmp_path):
    # same convention as <Ewe/V> applied to the mean current
    p = _mpt(tmp_path / "ca.mpt", "mode\ttime/s\tcontrol/V\tEwe/V\t<I/mA>\t(Q-Qo)/mA.h\tcycle number",
             ["2\t0.1\t-0.7\t-0.69\t-1.5\t0\t1", "2\t0.2\t-0.7\t-0.70\t-1.25\t-4E-5\t1"],
             title="Chronoamperometry / Chronocoulometry")
    d = read_trace(p).data
    np.testing.assert_allclose(d["current_A"], [-1.5e-3, -1.25e-3])
    np.testing.assert_allclose(d["control_V"], [-0.7, -0.7])
    np.testing.assert_allclose(d["charge_mAh"], [0, -4e-5])
    np.testing.assert_array_equal(d["cycle_number"], [1, 1])


def test_old_brackets_outside_units_real_peis_file():
    tr = read_trace(DATA / "exampleDataBioLogic.mpt")  # '<Ewe>/V', '<I>/mA'
    assert np.isfinite(tr.data["voltage_V"]).all()
    assert np.isfinite(tr.data["current_A"]).all()


def test_counter_electrode_channels_real_cv_file():
    """ixdat's real CV (EC-Lab 11.33, decimal comma): <Ece>/V, Ewe-Ece/V, (Q-Qo)/C."""
    tr = read_trace(DATA / "Pt_poly_cv_CUT.mpt")
    d = tr.data
    assert tr.technique is None or tr.technique == "CV"
    # first data row as printed in the file
    assert d["time_s"].iloc[0] == pytest.approx(3.289600104471901)
    assert d["voltage_V"].iloc[0] == pytest.approx(8.7869531e-01)
    assert d["current_A"].iloc[0] == pytest.approx(-2.604324994466466e-06)
    assert d["ece_V"].iloc[0] == pytest.approx(8.8308001e-01)
    assert d["ewe_ece_V"].iloc[0] == pytest.approx(-4.3846965e-03)
    assert d["charge_mAh"].iloc[0] == pytest.approx(-9.8251155e-07 / 3.6)
    assert d["cycle_number"].iloc[0] == 1
    # Ewe-Ece is the cell voltage: equal to Ewe - Ece to the printed precision
    np.testing.assert_allclose(d["ewe_ece_V"], d["voltage_V"] - d["ece_V"], atol=2e-7)


def test_ece_without_brackets_and_no_rows(tmp_path, caplog):
    p = _mpt(tmp_path / "wait.mpt", WAIT, [], title="Wait")
    with pytest.raises(EmptyTraceError, match=r"wait\.mpt: the file holds no data rows"):
        read_trace(p)  # analyze goes on without the trace (an InputError), never a traceback
    with caplog.at_level(logging.WARNING):
        tr = read_trace(p, allow_empty=True)
    assert len(tr.data) == 0
    assert {"time_s", "voltage_V", "current_A", "ece_V", "ewe_ece_V"} <= set(tr.data.columns)
    assert any("no data rows" in w for w in tr.warnings)
    assert "no data rows" in caplog.text


def test_ece_without_brackets_values(tmp_path):
    p = _mpt(tmp_path / "wait1.mpt", WAIT, ["0\t0\t1.0\t0.5\t0\t0.2\t0\t0.3",
                                            "0\t0\t2.0\t0.6\t0\t0.2\t0\t0.4"], title="Wait")
    d = read_trace(p).data
    np.testing.assert_allclose(d["ece_V"], [0.2, 0.2])
    np.testing.assert_allclose(d["ewe_ece_V"], [0.3, 0.4])


def test_peis_with_counter_electrode_extra_names(tmp_path):
    n = 61
    row = "\t".join(["1.9999814E+005", "1.2292420E+000", "1.1167378E-001"] + ["1.0"] * (n - 3))
    p = _mpt(tmp_path / "peis.mpt", PEIS_CE, [row, row.replace("1.9999814E+005", "1.0E+005")],
             title="Potentio Electrochemical Impedance Spectroscopy")
    tr = read_trace(p)
    d = tr.data
    assert tr.technique == "PEIS"
    np.testing.assert_allclose(d["frequency_Hz"], [1.9999814e5, 1e5])
    np.testing.assert_allclose(d["z_imag_ohm"], -0.11167378)
    assert "ece_V" in d and "ewe_ece_V" in d  # <Ece>/V and <Ewe-Ece>/V, the rows' own columns


@pytest.mark.parametrize("stated", [3, 12, 40])
def test_column_line_found_by_content(tmp_path, stated):
    p = _mpt(tmp_path / "hint.mpt", OCV_NEW, ["0\t0\t0.5\t3.4", "0\t0\t1.5\t3.5"], n_header=stated,
             title="Open Circuit Voltage")
    tr = read_trace(p)
    np.testing.assert_allclose(tr.data["voltage_V"], [3.4, 3.5])


@pytest.mark.parametrize("newline, encoding", [("\r\n", "cp1252"), ("\n", "utf-8")])
def test_line_ends_and_encodings(tmp_path, newline, encoding):
    p = _mpt(tmp_path / "e.mpt", CP_NEW.replace("Capacitance charge/µF", "Capacitance charge/µF"),
             ["1\t1\t0\t1\t0\t0\t0\t1.0\t0.02\t3.4\t0.02\t0\t0\t0\t0\t41\t0\t0\t0\t0\t1.0\t0\t0\t0\t0\t0\t0"],
             newline=newline, encoding=encoding)
    d = read_trace(p).data
    assert d["voltage_V"].iloc[0] == pytest.approx(3.4)
    assert "capacitance_charge_uF" in d


def test_no_time_column_is_an_error(tmp_path):
    p = _mpt(tmp_path / "nt.mpt", "mode\terror\t<Ewe/V>", ["0\t0\t3.4"])
    with pytest.raises(InputError, match=r"nt\.mpt: no time column .*<Ewe/V>"):
        read_trace(p)
