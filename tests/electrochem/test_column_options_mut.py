"""A CSV trace's ``--columns`` / ``--units`` checked before any file is read (issue 16).

Written against the survivors of the mutation run of ``electrochem/_delimited.py``'s lines
changed since ``fe2d934`` (wave 15, ``benchmarks/mutate_changed.py``): a unit that is not
its quantity's is refused with the list of the units that are (a current in mA, never
in mV: a unit read wrong scales every number of the trace), the control column taking
volts or amperes; the option named in every message.
"""
import pytest

from calibration import InputError
from electrochem import parse_column_options


@pytest.mark.parametrize("units, allowed", [
    ("current=mV", "a, ma, ua, µa, na, pa"),
    ("voltage=mA", "v, mv, uv, µv"),
    ("time=V", "s, ms, min, h"),
    ("frequency=s", "hz, khz, mhz"),
    ("z_real=Hz", "ohm, Ω, kohm, kω"),
    # the control column is a potential or a current (potentiostatic or galvanostatic)
    ("control=furlong", "v, mv, uv, µv, a, ma, ua, µa, na, pa"),
    ("current=furlong", "a, ma, ua, µa, na, pa"),
])
def test_a_unit_not_of_its_quantity_is_refused_with_the_units_that_are(units, allowed):
    q, unit = units.split("=")
    with pytest.raises(InputError) as err:
        parse_column_options(None, units)
    assert str(err.value) == f"--units {q}={unit}: unit {unit!r} is not a known {q} unit; use one of {allowed}"


def test_the_units_of_each_quantity_are_taken():
    columns, units = parse_column_options("Time=T, current=I", "current=mA,CONTROL=mV,time=min")
    assert columns == {"time": "T", "current": "I"}
    assert units == {"current": "mA", "control": "mV", "time": "min"}
    assert parse_column_options(None, {"control": "uA"}) == ({}, {"control": "uA"})
    assert parse_column_options() == ({}, {})


@pytest.mark.parametrize("option", ["columns", "units"])
def test_the_option_is_named_in_its_messages(option):
    args = {"columns": None, "units": None}
    args[option] = "time"
    with pytest.raises(InputError) as err:
        parse_column_options(**args)
    assert str(err.value) == (f"{option}: 'time' is not QUANTITY=VALUE; e.g. --{option} "
                              "time=Time,current=I")
    args[option] = "charge=Q"
    with pytest.raises(InputError) as err:
        parse_column_options(**args)
    assert str(err.value) == (f"{option}: unknown quantity 'charge'; use time, voltage, current, "
                              "control, frequency, z_real, z_imag")


# a control column took any known unit (only the list in the message was of volts and
# amperes): _unit_error returned None for a quantity without a base unit (found by
# mutation testing, wave 15)
@pytest.mark.parametrize("unit", ["Hz", "min", "kohm"])
def test_a_control_column_is_in_volts_or_amperes(unit):
    with pytest.raises(InputError, match="is not a known control unit"):
        parse_column_options(None, f"control={unit}")
