"""Column names: EC-Lab style ``quantity/unit`` to our ``quantity_unit``.

Our names carry the SI-ish unit: ``time_s``, ``voltage_V``, ``current_A``,
``control_V``, ``control_A``, ``frequency_Hz``, ``z_real_ohm``,
``z_imag_ohm`` (Im(Z) with its physical sign), ``charge_mAh`` (EC-Lab's
``(Q-Qo)``, written in ``mA.h`` or ``C``), ``dq_mAh``, ``cycle_number``,
``ece_V`` (counter electrode, ``Ece/V`` or ``<Ece>/V``) and ``ewe_ece_V``
(cell voltage ``Ewe-Ece/V``).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["UNIT_SCALE", "normalise_eclab_columns", "snake_name", "to_base_unit"]

#: Factor from a unit to the base unit of its quantity.
UNIT_SCALE = {
    "s": ("s", 1.0), "ms": ("s", 1e-3), "min": ("s", 60.0), "h": ("s", 3600.0),
    "v": ("V", 1.0), "mv": ("V", 1e-3), "uv": ("V", 1e-6), "µv": ("V", 1e-6),
    "a": ("A", 1.0), "ma": ("A", 1e-3), "ua": ("A", 1e-6), "µa": ("A", 1e-6),
    "na": ("A", 1e-9), "pa": ("A", 1e-12),
    "hz": ("Hz", 1.0), "khz": ("Hz", 1e3), "mhz": ("Hz", 1e-3),
    "ohm": ("ohm", 1.0), "Ω": ("ohm", 1.0), "kohm": ("ohm", 1e3),
    "kω": ("ohm", 1e3),
}


def to_base_unit(values, factor):
    """Multiply by ``factor``; sub-units are divided (``/1e3``) so that a
    value written as ``x * 1e3`` reads back as ``x`` to the last bit where
    possible."""
    values = np.asarray(values, dtype=float)
    if factor < 1:
        return values / round(1.0 / factor)
    return values * factor

# EC-Lab name (lower case, without unit) -> our quantity for the core columns.
_TIME = {"time"}
_VOLTAGE = ("ewe", "<ewe>", "ecell", "<ecell>", "e", "<e>", "we")
_CURRENT = ("<i>", "i")
_CONTROL = ("control",)
# charge units -> divisor to mAh (1 mAh = 3.6 C)
_CHARGE_TO_MAH = {"ma.h": 1.0, "mah": 1.0, "c": 3.6, "mc": 3600.0, "a.h": 1e-3, "ah": 1e-3}


_BRACKETED = re.compile(r"^<([^<>/]+)/([^<>]+)>$")


def _split(name):
    """Split ``'Re(Z)/Ohm'`` into ``('Re(Z)', 'Ohm')``; unit may be ''.

    Newer EC-Lab versions put the unit inside the angle brackets of a mean
    value: ``<Ewe/V>`` is split like ``<Ewe>/V`` into ``('<Ewe>', 'V')``.
    """
    name = str(name).strip()
    m = _BRACKETED.match(name)
    if m:
        return f"<{m.group(1).strip()}>", m.group(2).strip()
    if "/" in name:
        q, u = name.split("/", 1)
        return q.strip(), u.strip()
    return name, ""


def snake_name(name):
    """A safe snake_case column name that keeps the unit as suffix.

    ``'Q-Qo/mA.h'`` -> ``'q_qo_mAh'``, ``'cycle number'`` ->
    ``'cycle_number'``, ``'Cs/µF'`` -> ``'cs_uF'``.
    """
    q, u = _split(name)
    q = re.sub(r"\|([^|]*)\|", r"abs_\1", q).replace("<", "mean_")
    q = re.sub(r"[^0-9a-zA-Z]+", "_", q)
    q = q.strip("_").lower() or "column"
    u = u.replace("µ", "u").replace("Ω", "ohm").replace(".", "")
    if u.lower() in ("ohm-1", "ohm^-1", "1/ohm"):
        u = "S"
    u = re.sub(r"[^0-9a-zA-Z]+", "_", u).strip("_")
    if u.lower() == "ohm":
        u = "ohm"
    return f"{q}_{u}" if u else q


def normalise_eclab_columns(df, *, technique=None, mode=None):
    """Rename and rescale EC-Lab columns to our unit-named columns.

    Parameters
    ----------
    df : pandas.DataFrame
        Columns as EC-Lab names them (``time/s``, ``Ewe/V``, ``<I>/mA``,
        ``control/V``, ``control/mA``, ``control/V/mA``, ``freq/Hz``,
        ``Re(Z)/Ohm``, ``-Im(Z)/Ohm`` ...), float values.
    technique : str, optional
        Technique code; decides the unit of a combined ``control/V/mA``
        column when there is no ``mode`` column.

    Returns
    -------
    out : pandas.DataFrame
        Columns ``time_s``, ``voltage_V``, ``current_A`` (NaN if absent),
        ``control_V`` and/or ``control_A`` if present, then the rest.
    missing : list of str
        Core quantities that were not found (``'time'``, ``'voltage'``).
    """
    out = {}
    rest = {}
    lower = {c: _split(c) for c in df.columns}
    used = set()

    def take(kind_names, unit_kind):
        for want in kind_names:
            for col, (q, u) in lower.items():
                if col in used or q.lower() != want:
                    continue
                scale = UNIT_SCALE.get(u.lower())
                if scale is None or scale[0] != unit_kind:
                    continue
                used.add(col)
                return to_base_unit(df[col].to_numpy(dtype=float), scale[1])
        return None

    missing = []
    t = take(_TIME, "s")
    if t is None:
        missing.append("time")
    v = take(_VOLTAGE, "V")
    if v is None:
        missing.append("voltage")
    i = take(_CURRENT, "A")
    n = len(df)
    out["time_s"] = t if t is not None else np.full(n, np.nan)
    out["voltage_V"] = v if v is not None else np.full(n, np.nan)
    out["current_A"] = i if i is not None else np.full(n, np.nan)

    cv = take(_CONTROL, "V")
    ca = take(_CONTROL, "A")
    for col, (q, u) in lower.items():
        if col in used or q.lower() != "control" or u.replace(" ", "").lower() not in ("v/ma", "ma/v"):
            continue
        used.add(col)
        vals = df[col].to_numpy(dtype=float)
        if mode is not None:
            # EC-Lab mode: 1 galvanostatic (mA), 2 potentiostatic (V), 3 rest
            m = np.asarray(mode)
            ca = np.where(m == 1, vals / 1e3, np.nan)
            cv = np.where(m == 2, vals, np.nan)
            # keep only the halves the file actually uses
            ca = ca if np.isfinite(ca).any() else None
            cv = cv if np.isfinite(cv).any() else None
        elif technique in ("CP", "GCPL", "GEIS"):
            ca = vals / 1e3
        else:
            cv = vals
    if cv is not None:
        out["control_V"] = cv
    if ca is not None:
        out["control_A"] = ca

    for col, (q, u) in lower.items():
        if col in used:
            continue
        ql = q.lower()
        vals = df[col]
        if ql == "freq":
            rest["frequency_Hz"] = vals.to_numpy(dtype=float)
        elif ql == "re(z)":
            rest["z_real_ohm"] = vals.to_numpy(dtype=float)
        elif ql == "-im(z)":
            rest["z_imag_ohm"] = -vals.to_numpy(dtype=float)
        elif ql == "im(z)":
            rest["z_imag_ohm"] = vals.to_numpy(dtype=float)
        elif ql == "|z|":
            rest["z_abs_ohm"] = vals.to_numpy(dtype=float)
        elif ql == "phase(z)":
            rest["z_phase_deg"] = vals.to_numpy(dtype=float)
        elif ql in ("q-qo", "(q-qo)") and u.lower() in _CHARGE_TO_MAH and "charge_mAh" not in rest:
            rest["charge_mAh"] = vals.to_numpy(dtype=float) / _CHARGE_TO_MAH[u.lower()]
        elif ql in ("dq", "dq") and u.lower() in _CHARGE_TO_MAH and "dq_mAh" not in rest:
            rest["dq_mAh"] = vals.to_numpy(dtype=float) / _CHARGE_TO_MAH[u.lower()]
        elif ql in ("ece", "<ece>") and UNIT_SCALE.get(u.lower(), ("",))[0] == "V" \
                and "ece_V" not in rest:
            rest["ece_V"] = to_base_unit(vals.to_numpy(dtype=float), UNIT_SCALE[u.lower()][1])
        elif ql in ("ewe-ece", "<ewe-ece>") and UNIT_SCALE.get(u.lower(), ("",))[0] == "V" \
                and "ewe_ece_V" not in rest:
            rest["ewe_ece_V"] = to_base_unit(vals.to_numpy(dtype=float), UNIT_SCALE[u.lower()][1])
        elif ql == "cycle number":
            rest["cycle_number"] = vals.to_numpy(dtype=float)
        else:
            name = snake_name(col)
            while name in out or name in rest:
                name += "_"
            rest[name] = vals.to_numpy()
    out.update(rest)
    return pd.DataFrame(out), missing
