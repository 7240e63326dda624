"""Constants are consistent with each other and with the reference paper."""
import pytest

from calibration import (
    AVOGADRO_PER_MOL,
    ELEMENTARY_CHARGE_C,
    FARADAY_C_MOL,
    LI_LATTICE_PARAMETER_A,
    LI_MONOLAYER_CHARGE_C_CM2,
    LI_MONOLAYER_THICKNESS_UM,
    MOLAR_VOLUME_LI_CM3_MOL,
    length_to_um,
    length_unit_to_um,
)


def test_faraday_is_na_times_e():
    assert AVOGADRO_PER_MOL * ELEMENTARY_CHARGE_C == pytest.approx(FARADAY_C_MOL, rel=1e-9)


def test_lattice_parameter_gives_molar_volume():
    a_cm = LI_LATTICE_PARAMETER_A * 1e-8
    assert AVOGADRO_PER_MOL * a_cm ** 3 / 2 == pytest.approx(MOLAR_VOLUME_LI_CM3_MOL, rel=0.005)


def test_paper_virtual_monolayers():
    # Krauskopf et al.: 1-2 mAh/cm2 ~ 5-10 um ~ (3-6) x 10^4 virtual monolayers
    q = 1.0 * 3.6  # C/cm2
    thickness_um = q / FARADAY_C_MOL * MOLAR_VOLUME_LI_CM3_MOL * 1e4
    assert thickness_um == pytest.approx(4.85, abs=0.01)
    assert 2.5e4 < thickness_um / LI_MONOLAYER_THICKNESS_UM < 3.5e4
    assert 2.5e4 < q / LI_MONOLAYER_CHARGE_C_CM2 < 3.5e4


@pytest.mark.parametrize("unit,um", [("nm", 1e-3), ("µm", 1.0), ("\u03bcm", 1.0), ("um", 1.0), ("micron", 1.0),
                                     ("\\u00B5m", 1.0), ("mm", 1e3), ("pm", 1e-6), ("m", 1e6), ("Å", 1e-4),
                                     ("inch", 25400.0)])
def test_units(unit, um):
    assert length_unit_to_um(unit) == pytest.approx(um)


def test_unknown_units():
    assert length_unit_to_um("pixel") is None
    assert length_to_um("abc", "nm") is None
    assert length_to_um(2, "furlong") is None
