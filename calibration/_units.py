"""Parse length units as instruments and scale-bar labels write them."""
import math

from ._constants import LENGTH_UNIT_UM

__all__ = ["length_unit_to_um", "length_to_um"]

# Spellings seen in SEM metadata: Zeiss writes latin-1 "\xb5m" (decoded as
# "µ", U+00B5), ImageJ escapes it as "\\u00B5m", OME uses "µm", some software
# the Greek mu (U+03BC), and a UTF-8 "µ" misread as cp1252 becomes "Âµ".
_ALIASES = {
    "micron": "um",
    "microns": "um",
    "micrometer": "um",
    "micrometre": "um",
    "nanometer": "nm",
    "nanometre": "nm",
    "millimeter": "mm",
    "millimetre": "mm",
    "centimeter": "cm",
    "centimetre": "cm",
    "meter": "m",
    "metre": "m",
    "picometer": "pm",
    "angstrom": "a",
    "\u00c5": "a",  # Å (letter)
    "\u212b": "a",  # Å (angstrom sign)
    "inches": "inch",
    "in": "inch",
}


def _normalise(unit):
    u = str(unit).strip()
    for mu in ("\\u00b5", "\\u00B5", "\\u03bc", "\\u03BC", "\u00c2\u00b5", "\u00b5", "\u03bc"):
        u = u.replace(mu, "u")
    if u in ("\u00c5", "\u212b"):
        return "a"
    return _ALIASES.get(u.lower(), u.lower())


def length_unit_to_um(unit: str) -> float | None:
    """Return how many micrometres one `unit` is, or None if unknown.

    Parameters
    ----------
    unit : str
        A length unit as written in metadata: 'nm', 'µm', 'um', 'μm',
        'micron', '\\u00B5m' (ImageJ), 'mm', 'pm', 'cm', 'm', 'Å', 'inch'.

    Returns
    -------
    float or None
        Micrometres per `unit`; None for an unknown unit (for example
        'pixel', which means "not calibrated").
    """
    return LENGTH_UNIT_UM.get(_normalise(unit))


def length_to_um(value: object, unit: str) -> float | None:
    """Convert ``value`` in ``unit`` to micrometres; None if either is unusable."""
    factor = length_unit_to_um(unit)
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    if factor is None or not math.isfinite(v):
        return None
    return v * factor
