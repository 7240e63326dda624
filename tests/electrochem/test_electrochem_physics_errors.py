"""Every physics function names the bad argument in its error, exactly as the user wrote it.

(Added for mutation testing, docs/pages/mutation.md: a misspelt or missing name in an
error message is a defect the numeric tests cannot see.)
"""
import numpy as np
import pytest

import electrochem as ec
from calibration import InputError

MV = {"molar_volume_cm3_mol": -13.0}


@pytest.mark.parametrize("call, name", [
    (lambda: ec.current_density_from_growth_rate(1.0, **MV), "molar_volume_cm3_mol"),
    (lambda: ec.growth_rate_from_current_density(1.0, **MV), "molar_volume_cm3_mol"),
    (lambda: ec.charge_from_volume(1.0, **MV), "molar_volume_cm3_mol"),
    (lambda: ec.volume_from_charge(1.0, **MV), "molar_volume_cm3_mol"),
    (lambda: ec.thickness_from_areal_charge(1.0, **MV), "molar_volume_cm3_mol"),
    (lambda: ec.diameter_from_constriction_resistance(0.0, conductivity_S_cm=5e-4),
     "resistance_ohm"),
    (lambda: ec.diameter_from_constriction_resistance(1e5, conductivity_S_cm=-1.0),
     "conductivity_S_cm"),
    (lambda: ec.constriction_resistance(-2.0, conductivity_S_cm=5e-4), "diameter_um"),
    (lambda: ec.constriction_resistance(2.0, conductivity_S_cm=np.inf), "conductivity_S_cm"),
    (lambda: ec.contact_area_cm2(0.0), "diameter_um"),
    (lambda: ec.exchange_current_density(0.08, temperature_K=0.0), "temperature_K"),
    (lambda: ec.exchange_current_density(-0.08), "charge_transfer_resistance_ohm_cm2"),
    (lambda: ec.electrode_area_from_initial_overpotential(0.0, 0.1, conductivity_S_cm=5e-4),
     "|initial_current_A|"),
    (lambda: ec.electrode_area_from_initial_overpotential(1e-6, 0.0, conductivity_S_cm=5e-4),
     "|initial_overpotential_V|"),
    (lambda: ec.electrode_area_from_initial_overpotential(1e-6, 0.1, conductivity_S_cm=0.0),
     "conductivity_S_cm"),
])
def test_error_names_the_argument(call, name):
    with pytest.raises(InputError) as info:
        call()
    # the message starts with the argument's own name, case and all
    assert str(info.value).startswith(f"{name} must be positive and finite; got "), \
        str(info.value)


def test_scalars_in_python_floats_out_arrays_in_arrays_out():
    for f in (ec.current_density_from_growth_rate, ec.growth_rate_from_current_density,
              ec.charge_from_volume, ec.volume_from_charge, ec.thickness_from_areal_charge):
        assert type(f(2.0)) is float
        out = f(np.array([1.0, 2.0]))
        assert isinstance(out, np.ndarray) and out.shape == (2,)
