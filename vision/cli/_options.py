"""Options shared by the subcommands: one spelling, one parser, one check each.

``analyze`` and ``batch`` take the same per-video options (a ``batch`` flag applies to
every video; a manifest column of the same meaning wins for its row); every command
takes ``-q/--quiet`` and ``-v/--verbose`` before or after its name.
"""
import argparse
import math

from calibration import InputError

SIDES = ("left", "right", "top", "bottom")


def parse_point(text, option):
    """'X,Y' -> (x, y) floats in px; InputError naming the option otherwise."""
    try:
        x, y = (float(v) for v in str(text).replace(";", ",").split(","))
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValueError
    except ValueError:
        raise InputError(f"{option} takes X,Y in pixels (e.g. 256,190), not {text!r}") from None
    return x, y


def parse_counter_electrode(text):
    """'left|right|top|bottom' or 'X,Y' (px)."""
    if text is None:
        return None
    if text.lower() in SIDES:
        return text.lower()
    try:
        return parse_point(text, "--counter-electrode")
    except InputError:
        raise InputError(f"--counter-electrode takes X,Y in pixels or a side "
                         f"({'|'.join(SIDES)}), not {text!r}") from None


def parse_crop(values, option="--crop"):
    """'T,B,L,R' (or the four numbers as separate words) -> (top, bottom, left, right) px."""
    if isinstance(values, str):
        values = [values]
    parts = [p for v in values for p in str(v).replace(";", ",").replace(" ", ",").split(",")
             if p != ""]
    try:
        crop = tuple(int(p) for p in parts)
    except ValueError:
        crop = ()
    if len(crop) != 4 or min(crop) < 0 or crop[0] >= crop[1] or crop[2] >= crop[3]:
        raise InputError(f"{option} takes TOP,BOTTOM,LEFT,RIGHT in px (whole numbers, top < "
                         f"bottom, left < right), e.g. 0,690,0,1024; not {' '.join(values)!r}")
    return crop


class CropAction(argparse.Action):
    """``--crop T,B,L,R``; the older ``--crop T B L R`` is read too."""

    def __call__(self, parser, namespace, values, option_string=None):
        try:
            setattr(namespace, self.dest, parse_crop(values, option_string or "--crop"))
        except InputError as exc:  # one line, exit 2 (no usage block)
            parser.exit(2, f"{parser.prog}: error: {exc}\n")


class CropHelpFormatter(argparse.HelpFormatter):
    """Shows ``--crop T,B,L,R`` once in the usage, although four words are read too.

    argparse prints an option of ``nargs="+"`` as ``X [X ...]``, which would tell the
    user to repeat the four numbers.
    """

    def _format_args(self, action, default_metavar):
        if isinstance(action, CropAction):
            return self._metavar_formatter(action, default_metavar)(1)[0]
        return super()._format_args(action, default_metavar)


def check_number(value, option, *, positive=False):
    """A finite float (> 0 with `positive`) or None; InputError naming the option."""
    if value is None:
        return None
    if not math.isfinite(value) or (positive and value <= 0):
        raise InputError(f"{option} must be {'> 0' if positive else 'a finite number'}, "
                         f"got {value:g}")
    return float(value)


def add_common_options(parser, *, top=False):
    """``-q/--quiet`` and ``-v/--verbose``: on the top-level parser and on each command."""
    default_q = False if top else argparse.SUPPRESS
    default_v = 0 if top else argparse.SUPPRESS
    parser.add_argument("-q", "--quiet", action="store_true", default=default_q,
                        help="no progress bars or tables; errors and warnings only")
    parser.add_argument("-v", "--verbose", action="count", default=default_v,
                        help="more log output (-vv for debug)")
