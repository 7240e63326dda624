"""Physical constants and unit conversions used throughout semtrack.

All values in SI or in the unit their name says. Sources:

- Faraday constant: CODATA 2018 exact value, F = N_A * e
  = 96485.33212 C/mol (https://physics.nist.gov/cgi-bin/cuu/Value?f).
- Gas constant: CODATA 2018 exact value R = 8.314462618 J/(mol K).
- Molar volume of lithium metal: V_m = M / rho = 6.941 g/mol / 0.534 g/cm3
  = 13.0 cm3/mol (CRC Handbook of Chemistry and Physics; the value used in
  the reference paper, Krauskopf et al.).
- Elementary charge and Avogadro constant: SI 2019 exact values
  e = 1.602176634e-19 C, N_A = 6.02214076e23 1/mol
  (https://physics.nist.gov/cgi-bin/cuu/Value?e, ...?na).
- Lattice parameter of body-centred cubic lithium at room temperature:
  a = 3.509 A (R. W. G. Wyckoff, Crystal Structures, Vol. 1, 2nd ed., 1963;
  CRC Handbook), used here rounded to 3.51 A. Cross-check: two atoms per
  cubic cell give V_m = N_A a^3 / 2 = 13.0 cm3/mol, the molar volume above.
- "Virtual monolayer" of lithium (Krauskopf et al., Fig. 4c discussion):
  one (100) lattice plane of bcc Li, spacing a / 2 = 1.755 A, holding one
  atom per a^2 = 8.12e14 atoms/cm2. With this definition 5-10 um of
  stripped lithium is (2.8-5.7) x 10^4 monolayers, the paper's
  "(3-6) x 10^4 virtual monolayers (i.e., around 5-10 um)".
"""

#: Faraday constant in C/mol (CODATA 2018, exact).
FARADAY_C_MOL = 96485.33212

#: Molar gas constant in J/(mol K) (CODATA 2018, exact).
GAS_CONSTANT_J_MOL_K = 8.314462618

#: Molar volume of lithium metal in cm3/mol (M = 6.941 g/mol, rho = 0.534 g/cm3).
MOLAR_VOLUME_LI_CM3_MOL = 13.0

#: Molar density of lithium metal in mol/cm3 (1 / molar volume).
MOLAR_DENSITY_LI_MOL_CM3 = 1.0 / MOLAR_VOLUME_LI_CM3_MOL

#: Molar mass of lithium in g/mol (IUPAC standard atomic weight, abridged).
MOLAR_MASS_LI_G_MOL = 6.941

#: Room temperature used in the paper's kinetic analysis, in K.
ROOM_TEMPERATURE_K = 298.15

#: Unit conversions (multiply to convert).
UM_PER_CM = 1.0e4
CM_PER_UM = 1.0e-4
UM3_PER_CM3 = 1.0e12
C_PER_MAH = 3.6

#: Elementary charge in C (SI 2019, exact).
ELEMENTARY_CHARGE_C = 1.602176634e-19

#: Avogadro constant in 1/mol (SI 2019, exact).
AVOGADRO_PER_MOL = 6.02214076e23

#: Lattice parameter of bcc lithium at room temperature in angstrom.
LI_LATTICE_PARAMETER_A = 3.51

#: Thickness of one "virtual monolayer" of Li in um: the (100) plane spacing a / 2.
LI_MONOLAYER_THICKNESS_UM = LI_LATTICE_PARAMETER_A * 1.0e-4 / 2.0

#: Atoms per cm2 in one (100) monolayer of bcc Li: 1 / a^2.
LI_MONOLAYER_AREAL_DENSITY_CM2 = 1.0 / (LI_LATTICE_PARAMETER_A * 1.0e-8) ** 2

#: Charge in C/cm2 that dissolves or deposits one Li monolayer (one electron per atom).
LI_MONOLAYER_CHARGE_C_CM2 = ELEMENTARY_CHARGE_C * LI_MONOLAYER_AREAL_DENSITY_CM2

#: Length units (as written in instrument metadata and scale-bar labels) in um.
#: Keys are normalised spellings; see ``calibration._units.length_unit_to_um``.
LENGTH_UNIT_UM = {
    "pm": 1.0e-6,
    "a": 1.0e-4,  # angstrom
    "nm": 1.0e-3,
    "um": 1.0,
    "mm": 1.0e3,
    "cm": 1.0e4,
    "m": 1.0e6,
    "inch": 2.54e4,
}
