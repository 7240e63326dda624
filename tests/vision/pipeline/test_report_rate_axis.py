"""The report's rate plot: rate against the step's potential, or its current for
galvanostatic steps, in µA (issue 15.4)."""
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from vision.pipeline._report import _rate_figure


def _rates(control_col, control):
    rate = np.array([0.5, 1.0, 2.0])
    return pd.DataFrame({"whisker_id": [0, 0, 0], "step": [1, 2, 3], control_col: control,
                         "rate_um_s": rate, "rate_std_um_s": [0.01, 0.02, 0.03],
                         # j = v F / V_m: 15 µm/s <-> 11.1 A/cm2
                         "current_density_A_cm2": rate * 0.7423})


@pytest.mark.parametrize("col, control, label, xs", [
    ("control_A", [-1e-6, -2e-6, -4e-6], "step current (µA)", [-1.0, -2.0, -4.0]),
    ("control_V", [-1.0, -2.0, -4.0], "step potential (V)", [-1.0, -2.0, -4.0]),
])
def test_rate_against_the_steps_control_with_its_unit(col, control, label, xs):
    fig = _rate_figure(SimpleNamespace(growth_rates=_rates(col, control)))
    ax = fig.axes[0]
    assert ax.get_xlabel() == label and ax.get_ylabel() == "growth rate (µm/s)"
    (line,) = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]  # not the error caps
    assert np.allclose(line.get_xdata(), xs) and np.allclose(line.get_ydata(), [0.5, 1.0, 2.0])
    secondary = ax.child_axes  # j = v F / V_m beside the rate
    assert secondary and secondary[0].get_ylabel() == "local current density (A/cm²)"


def test_no_plot_without_a_control_value():
    rates = _rates("control_V", [np.nan] * 3)
    assert _rate_figure(SimpleNamespace(growth_rates=rates)) is None
    assert _rate_figure(SimpleNamespace(growth_rates=rates.iloc[:0])) is None
