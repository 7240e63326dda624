"""``semtrack trace``'s summary text names micrometres µm (issue 16; issue 15's units).

Written against the survivors of the mutation run of ``electrochem/_format.py``'s lines
changed since ``fe2d934`` (wave 15): the contact diameter (from the impedance fit's R1 and
from the CV slope) and the stripped layer's thickness, each with its number and unit, on
a summary whose numbers are given.
"""
from electrochem import format_summary


def _summary(analyses):
    return {"file": {"path": "cell.mpt", "format": "EC-Lab text", "technique": "GCPL",
                     "start_time": None, "electrode_area_cm2": None, "time_range_s": (0.0, 10.0),
                     "n_points": 11, "voltage_range_V": (-0.1, 0.1),
                     "current_range_A": (-1e-6, 1e-6), "columns": ["time_s", "voltage_V"]},
            "analyses": analyses}


def test_the_contact_diameter_from_the_impedance_fit_is_in_micrometres():
    eis = {"lin_kk": {"n_rc": 5, "mu": 0.5, "rms_residual": 0.01, "max_residual": 0.02,
                      "n_excluded": 0, "max_residual_limit": 0.05, "cutoff_Hz": 1.0},
           "frequency_range_Hz": (1.0, 1e5),
           "fit": {"model": "R0-(R1||C1)", "n_points": 40, "f_min_Hz": 1.0, "r0_ohm": 10.0,
                   "r0_stderr_ohm": 0.1, "r1_ohm": 100.0, "r1_stderr_ohm": 1.0, "cpe_exponent": 1,
                   "c1_F": 1e-6, "relative_residual_rms": 0.01},
           "contact_diameter_um": 12.5, "contact_area_cm2": 1.227e-6}
    lines = format_summary(_summary({"eis": eis})).splitlines()
    assert "  contact     d = 12.5 µm (from R1), area 1.227e-06 cm2" in lines


def test_the_contact_diameter_from_the_cv_is_in_micrometres():
    cv = {"slope_S": 0.01, "resistance_ohm": 100.0, "r_squared": 0.99, "contact_diameter_um": 7.25}
    lines = format_summary(_summary({"cv": cv})).splitlines()
    assert "  contact     d = 7.25 µm" in lines


def test_the_stripped_layer_is_in_micrometres():
    s = {"current_A": -1e-6, "initial_overpotential_V": 0.05, "depletion_time_s": 120.0,
         "areal_charge_mAh_cm2": 1.0, "thickness_um": 4.85, "monolayers": 31900.0}
    lines = format_summary(_summary({"stripping": s})).splitlines()
    assert "  stripped    1 mAh/cm2 = 4.85 µm = 3.19e+04 virtual monolayers" in lines
