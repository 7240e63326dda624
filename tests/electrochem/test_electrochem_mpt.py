"""EC-Lab .mpt reader and writer: real file, round trip, locales, bad input."""
import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calibration import InputError
from electrochem import read_trace, write_mpt

DATA = Path(__file__).parent.parent / "data" / "real"


def _trace_frame(n=400, seed=0):
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(0.01, 0.2, n))
    return pd.DataFrame({
        "time_s": t,
        "voltage_V": rng.normal(-1.0, 0.3, n),
        "current_A": rng.normal(0, 1, n) * 1e-6,
        "control_V": np.repeat([-1.0, -2.0], n // 2),
    })


def test_real_sp150_peis_file():
    tr = read_trace(DATA / "exampleDataBioLogic.mpt")
    assert tr.technique == "PEIS"
    assert tr.start_time == datetime.datetime(2018, 2, 4, 10, 2, 46)
    assert tr.electrode_area_cm2 == pytest.approx(0.001)
    d = tr.data
    assert len(d) == 43  # 104 lines minus 61 header lines
    assert {"frequency_Hz", "z_real_ohm", "z_imag_ohm"} <= set(d.columns)
    # first row, as written in the file: 1.0003201E+003 Hz, -Im(Z)=3.8998979E-001
    assert d["frequency_Hz"].iloc[0] == pytest.approx(1000.3201)
    assert d["z_imag_ohm"].iloc[0] == pytest.approx(-0.38998979)
    assert d["current_A"].iloc[0] == pytest.approx(-4.8041187e-5)
    assert d["time_s"].iloc[0] == pytest.approx(0.7836904905780102)
    assert "SP-150" in tr.metadata["Device"]


def test_round_trip_exact(tmp_path):
    d = _trace_frame()
    start = datetime.datetime(2024, 3, 1, 12, 0, 1, 123000)
    p = write_mpt(tmp_path / "a.mpt", d, start_time=start, technique="CA",
                  electrode_area_cm2=5.9e-6)
    tr = read_trace(p)
    assert tr.technique == "CA"
    assert tr.start_time == start
    assert tr.electrode_area_cm2 == 5.9e-6
    assert list(tr.data.columns) == ["time_s", "voltage_V", "current_A", "control_V"]
    for col in ("time_s", "voltage_V", "control_V"):
        np.testing.assert_array_equal(tr.data[col], d[col])
    # current goes through mA: at most one rounding of the last bit
    np.testing.assert_allclose(tr.data["current_A"], d["current_A"], rtol=3e-16, atol=0)
    raw = p.read_bytes()
    assert raw.startswith(b"EC-Lab ASCII FILE\r\nNb header lines : ")
    assert b"time/s\tEwe/V\t<I>/mA\tcontrol/V\r\n" in raw


def test_write_control_current(tmp_path):
    d = _trace_frame().drop(columns="control_V")
    d["control_A"] = -2e-6
    tr = read_trace(write_mpt(tmp_path / "cp.mpt", d, technique="CP"))
    assert tr.technique == "CP" and tr.start_time is None
    np.testing.assert_allclose(tr.data["control_A"], -2e-6, rtol=1e-15)


def _write_text(path, lines, *, encoding="cp1252", newline="\n"):
    path.write_bytes(newline.join(lines).encode(encoding) + newline.encode())
    return path


HEADER = ["EC-Lab ASCII FILE", "Nb header lines : 7", "",
          "Chronopotentiometry", "Acquisition started on : 12/31/2019 23:59:58",
          "Electrode surface area : 2000 µm²"]


def test_decimal_comma_crlf_latin1_and_units(tmp_path):
    lines = HEADER + ["mode\ttime/s\tcontrol/mA\tEwe/V\tI/mA\tQ-Qo/mA.h",
                      "1\t0,0\t-0,5\t-0,1\t-0,5\t0",
                      "1\t1,5\t-0,5\t-0,25\t-0,5\t-2,08E-4"]
    tr = read_trace(_write_text(tmp_path / "c.mpt", lines, newline="\r\n"))
    d = tr.data
    assert tr.technique == "CP"
    assert tr.start_time == datetime.datetime(2019, 12, 31, 23, 59, 58)
    assert tr.electrode_area_cm2 == pytest.approx(2e-5)
    np.testing.assert_allclose(d["time_s"], [0.0, 1.5])
    np.testing.assert_allclose(d["current_A"], [-5e-4, -5e-4])
    np.testing.assert_allclose(d["control_A"], [-5e-4, -5e-4])
    np.testing.assert_allclose(d["voltage_V"], [-0.1, -0.25])
    np.testing.assert_allclose(d["charge_mAh"], [0, -2.08e-4])


def test_gcpl_combined_control_column(tmp_path):
    lines = HEADER[:3] + ["Galvanostatic Cycling with Potential Limitation", "", "",
                          "mode\ttime/s\tcontrol/V/mA\tEwe/V\t<I>/mA",
                          "1\t0\t1.0\t3.0\t1.0", "2\t1\t4.2\t4.2\t0.5", "3\t2\t0\t4.0\t0"]
    tr = read_trace(_write_text(tmp_path / "g.mpt", lines))
    assert tr.technique == "GCPL"
    np.testing.assert_allclose(tr.data["control_A"], [1e-3, np.nan, np.nan])
    np.testing.assert_allclose(tr.data["control_V"], [np.nan, 4.2, np.nan])


@pytest.mark.parametrize("rows, match", [
    (["0.0\t1.0\t0.1", "1.0\t1.0\t0.1", "0.5\t1.0\t0.1"], r"time goes backwards at line 10 \(1 s then 0.5 s\)"),
    (["0.0\t1.0\t0.1", "1,0\t1,0\t0,1"], r"line 9 uses decimal comma but line 8"),
    (["0.0\t1,0\t0.1"], "line 8 mixes decimal point and decimal comma"),
    (["0.0\tabc\t0.1"], r"line 8, column 'Ewe/V': 'abc' is not a number"),
])
def test_bad_rows(tmp_path, rows, match):
    lines = HEADER + ["time/s\tEwe/V\t<I>/mA"] + rows
    p = _write_text(tmp_path / "bad.mpt", lines)
    with pytest.raises(InputError, match=match) as info:
        read_trace(p)
    assert "bad.mpt" in str(info.value)


def test_unknown_columns(tmp_path):
    p = _write_text(tmp_path / "u.mpt", HEADER + ["zeit/s\tpotential/V", "0\t1"])
    with pytest.raises(InputError, match=r"u\.mpt: no time and no voltage column .*zeit/s, potential/V"):
        read_trace(p)


def test_not_eclab(tmp_path):
    p = tmp_path / "x.mpt"
    p.write_text("hello\n")
    with pytest.raises(InputError, match="EC-Lab ASCII FILE"):
        read_trace(p)
    with pytest.raises(InputError, match="no such file"):
        read_trace(tmp_path / "missing.mpt")
    with pytest.raises(InputError, match="unknown potentiostat file type '.xyz'"):
        (tmp_path / "a.xyz").write_text("1")
        read_trace(tmp_path / "a.xyz")


def test_write_mpt_validates(tmp_path):
    d = _trace_frame()
    with pytest.raises(InputError, match="timezone-naive"):
        write_mpt(tmp_path / "a.mpt", d, start_time=datetime.datetime(
            2024, 1, 1, tzinfo=datetime.UTC))
    with pytest.raises(InputError, match="needs a current_A column"):
        write_mpt(tmp_path / "a.mpt", d.drop(columns="current_A"))
    assert not list(tmp_path.iterdir())


def test_txt_extension_with_eclab_content(tmp_path):
    lines = HEADER + ["time/s\tEwe/V\t<I>/mA", "0\t-0.1\t-0.5", "1\t-0.2\t-0.5"]
    tr = read_trace(_write_text(tmp_path / "export.txt", lines))
    assert tr.technique == "CP"
    np.testing.assert_allclose(tr.data["current_A"], [-5e-4, -5e-4])


def test_round_trip_large_nan_and_extremes(tmp_path):
    d = pd.DataFrame({"time_s": [0.0, 1.0, 2.0], "voltage_V": [1e-300, -2.5, 3e20],
                      "current_A": [np.nan, 1e-12, -7.25e-3]})
    tr = read_trace(write_mpt(tmp_path / "x.mpt", d))
    np.testing.assert_array_equal(tr.data["voltage_V"], d["voltage_V"])
    assert np.isnan(tr.data["current_A"].iloc[0])
    np.testing.assert_allclose(tr.data["current_A"].iloc[1:], d["current_A"].iloc[1:], rtol=3e-16)
