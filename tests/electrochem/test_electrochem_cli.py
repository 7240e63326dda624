"""`semtrack trace FILE`: readable summary and JSON on real and synthetic files."""
import datetime
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import electrochem as ec
from vision._cli import main

DATA = Path(__file__).parent.parent / "data" / "real"


def _run(capsys, *argv):
    code = main(["trace", *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_real_peis_text(capsys):
    code, out, _ = _run(capsys, DATA / "exampleDataBioLogic.mpt")
    assert code == 0
    assert "technique PEIS" in out and "2018-02-04 10:02:46" in out
    assert "Lin-KK" in out and "R0 + (R1 || C1)" in out
    assert "EC-Lab's default" in out  # 0.001 cm2 in the header


def test_real_peis_json(capsys):
    code, out, _ = _run(capsys, DATA / "exampleDataBioLogic.mpt", "--json", "--cpe")
    s = json.loads(out)
    assert s["file"]["technique"] == "PEIS" and s["file"]["n_points"] == 43
    fit = s["analyses"]["eis"]["fit"]
    assert fit["model"] == "R0 + (R1 || CPE)"
    assert 60 < fit["r0_ohm"] < 68 and 0.5 < fit["cpe_exponent"] <= 1


def test_real_mpr(capsys):
    code, out, _ = _run(capsys, DATA / "00_test_04_MB_C01.mpr")
    assert code == 0 and "technique MB" in out and "1 step(s)" in out


def test_ocv_has_no_analysis(capsys):
    code, out, _ = _run(capsys, DATA / "00_test_01_OCV_C01.mpr")
    assert code == 0 and "current     none in file" in out and "No analysis applies" in out


def test_potentiostatic_steps_with_short(tmp_path, capsys):
    t = np.arange(0, 100, 0.1)
    eta = -(np.floor(t / 20) + 1)
    i = eta * 2.75e-6 * (1 + 0.01 * np.random.default_rng(0).normal(size=t.size))
    i[t >= 73.0] = -5e-3
    v = np.where(t >= 73.0, -0.01, eta)  # shorted: the cell voltage collapses
    p = ec.write_mpt(tmp_path / "ca.mpt", pd.DataFrame(
        {"time_s": t, "voltage_V": v, "current_A": i, "control_V": eta}),
        start_time=datetime.datetime(2024, 5, 2, 10, 30))
    code, out, _ = _run(capsys, p, "--json")
    s = json.loads(out)
    assert s["analyses"]["steps"]["n_steps"] == 5
    assert s["analyses"]["short_circuit"]["time_s"] == pytest.approx(73.0, abs=0.11)
    code, out, _ = _run(capsys, p)
    assert "Short circuit: at t = 73" in out and "5 step(s)" in out


def test_rest_then_step_is_not_a_short():
    t = np.arange(0, 60, 0.1)
    ctl = np.where(t < 20, 0.0, -1.0)
    i = np.where(t < 20, 1e-12, -2.7e-6) * (1 + 0.01 * np.random.default_rng(1).normal(size=t.size))
    d = pd.DataFrame({"time_s": t, "voltage_V": ctl, "current_A": i, "control_V": ctl})
    assert ec.detect_short_circuit(d) is None


def test_galvanostatic_stripping_summary(tmp_path):
    sigma, area, i_a, t0 = 5e-4, 2e-5, -1e-6, 100.8
    eta0 = abs(i_a) / (2 * sigma * np.sqrt(4 * area / np.pi))
    t = np.linspace(0, 1.25 * t0, 2500)
    eta = eta0 * (1 + 0.15 * t / t0) + np.where(t > t0, (t - t0) * 40 * eta0 / t0, 0)
    eta += 0.002 * np.random.default_rng(2).normal(size=t.size)
    p = ec.write_mpt(tmp_path / "cp.mpt", pd.DataFrame(
        {"time_s": t, "voltage_V": -eta, "current_A": i_a, "control_A": i_a}), technique="CP")
    s = ec.summarize_trace(ec.read_trace(p), conductivity_S_cm=sigma)["analyses"]["stripping"]
    assert s["depletion_time_s"] == pytest.approx(t0, rel=0.01)
    assert s["area_equation2_cm2"] == pytest.approx(area, rel=0.03)
    assert abs(s["current_density_A_cm2"]) == pytest.approx(0.05, rel=0.03)
    # 50 mA/cm2 for 100.8 s = 1.4 mAh/cm2
    assert s["areal_charge_mAh_cm2"] == pytest.approx(1.4, rel=0.02)


def test_csv_with_mapping(tmp_path, capsys):
    p = tmp_path / "lab.csv"
    p.write_text("Zeit,U,Strom\n0,-1,-2\n1,-1,-2.1\n2,-1,-2.2\n")
    code, out, _ = _run(capsys, p, "--columns", "time=Zeit,voltage=U,current=Strom",
                        "--units", "time=s,voltage=V,current=uA", "--technique", "ca")
    assert code == 0 and "technique CA" in out and "-2.2e-06 .. -2e-06 A" in out


@pytest.mark.parametrize("name, text, message", [
    ("x.xyz", "1", "unknown potentiostat file type '.xyz'"),
    ("e.csv", "Time/s,Ewe/V,I/mA\n", "no data rows"),
    ("u.csv", "a,b\n1,2\n", "no time column found among a, b"),
])
def test_bad_files_exit_2_with_one_line(tmp_path, capsys, name, text, message):
    p = tmp_path / name
    p.write_text(text)
    code, out, err = _run(capsys, p)
    assert code == 2 and out == ""
    assert err.startswith("semtrack trace: error: ") and str(p) in err and message in err
    assert err.count("\n") == 1
