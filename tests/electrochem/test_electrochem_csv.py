"""Plain CSV/TSV reader: column mapping, units, locales, bad input."""
import numpy as np
import pytest

from calibration import InputError
from electrochem import read_trace


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_header_units_comma_separated(tmp_path):
    p = _write(tmp_path / "a.csv", "# exported by X\nTime (min),Ewe [mV],I/uA,T/degC\n"
               "0,-100,-5,25\n0.5,-110,-6,25\n")
    tr = read_trace(p, technique="cp")
    d = tr.data
    assert tr.technique == "CP" and tr.start_time is None
    np.testing.assert_allclose(d["time_s"], [0, 30])
    np.testing.assert_allclose(d["voltage_V"], [-0.1, -0.11])
    np.testing.assert_allclose(d["current_A"], [-5e-6, -6e-6])
    assert "t_degC" in d.columns


def test_mapping_and_units_semicolon_decimal_comma(tmp_path):
    text = "Zeit;Spannung;Strom;Soll\r\n0,0;1,5;-2,0;-1\r\n1,0;1,25;-2,5;-1\r\n"
    p = _write(tmp_path / "b.txt", text, encoding="cp1252")
    tr = read_trace(p, columns="time=Zeit,voltage=Spannung,current=Strom,control=Soll",
                    units="time=s,voltage=V,current=mA,control=V")
    d = tr.data
    np.testing.assert_allclose(d["current_A"], [-2e-3, -2.5e-3])
    np.testing.assert_allclose(d["voltage_V"], [1.5, 1.25])
    np.testing.assert_allclose(d["control_V"], [-1, -1])


def test_tsv_impedance_without_time(tmp_path):
    p = _write(tmp_path / "z.tsv", "freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\n1000\t10\t2\n100\t12\t3\n")
    d = read_trace(p, technique="PEIS").data
    np.testing.assert_allclose(d["z_imag_ohm"], [-2, -3])
    assert d["time_s"].isna().all()


@pytest.mark.parametrize("text, kwargs, match", [
    ("Time/s,Ewe/V,I/mA\n", {}, "no data rows"),
    ("", {}, "empty"),
    ("a,b,c\n1,2,3\n", {}, r"no time column found among a, b, c; name it with --columns time="),
    ("Time/s,Ewe/V,I/mA\n0,1,1\n", {"columns": {"current": "Strom"}},
     r"column 'Strom' given for current is not in the file; columns are: Time/s, Ewe/V, I/mA"),
    ("Time,Ewe/V,I/mA\n0,1,1\n", {}, r"column 'Time' \(time\) has no unit.*--units time=UNIT"),
    ("Time/s,Ewe/V,I/furlong\n0,1,1\n", {}, r"unit 'furlong' of column 'I/furlong' is not a known current unit"),
    ("Time/s,Ewe/V,I/mA\n0,1,1\n2,1,1\n1,1,1\n", {}, r"time goes backwards at line 4"),
    ("Time/s;Ewe/V;I/mA\n0,5;1,0;1\n1.5;1.0;1\n", {}, r"line 3 uses decimal point but line 2 uses decimal comma"),
    ("1,2,3\n4,5,6\n", {}, "line 1 holds numbers, not column names"),
    ("Time/s,Ewe/V,I/mA\n0,1,x\n", {}, r"line 2, column 'I/mA': 'x' is not a number"),
    ("Time/s,Ewe/V,I/mA\n0,1,1\n", {"columns": "time"}, "is not QUANTITY=VALUE"),
    ("Time/s,Ewe/V,I/mA\n0,1,1\n", {"columns": {"temperature": "T"}}, "unknown quantity 'temperature'"),
])
def test_bad_input(tmp_path, text, kwargs, match):
    p = _write(tmp_path / "bad.csv", text)
    with pytest.raises(InputError, match=match) as info:
        read_trace(p, **kwargs)
    assert str(info.value).startswith(str(p))


def test_unknown_technique(tmp_path):
    p = _write(tmp_path / "a.csv", "Time/s,Ewe/V,I/mA\n0,1,1\n")
    with pytest.raises(InputError, match="unknown technique 'XYZ'"):
        read_trace(p, technique="XYZ")
