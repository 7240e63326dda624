"""Physical constants and unit conversions used throughout semtrack.

All values in SI or in the unit their name says. Sources:

- Faraday constant: CODATA 2018 exact value, F = N_A * e
  = 96485.33212 C/mol (https://physics.nist.gov/cgi-bin/cuu/Value?f).
- Gas constant: CODATA 2018 exact value R = 8.314462618 J/(mol K).
- Molar volume of lithium metal: V_m = M / rho = 6.941 g/mol / 0.534 g/cm3
  = 13.0 cm3/mol (CRC Handbook of Chemistry and Physics; the value used in
  the reference paper, Krauskopf et al.).
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
