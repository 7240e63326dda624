"""``semtrack trace FILE``: what a potentiostat file holds and its analyses."""
import json


class _Techniques:
    """``electrochem.TECHNIQUES``, read when argparse first needs it (not for ``--help``)."""

    def _values(self):
        from electrochem import TECHNIQUES
        return TECHNIQUES

    def __iter__(self):
        return iter(self._values())

    def __contains__(self, item):
        return item in self._values()


#: One line for ``semtrack --help``.
HELP = 'summarise a potentiostat file (EC-Lab .mpt/.mpr, CSV/TSV)'

def add_parser(subparsers):
    p = subparsers.add_parser(
        "trace", help=HELP,
        description="Read a potentiostat file and print what it holds and the "
        "analyses that apply to it: EIS (Lin-KK, R0+(R1||C1) fit, contact "
        "diameter, R_CT bound), CV (I vs eta, hysteresis), control steps, "
        "galvanostatic stripping (depletion time, stripped charge), short "
        "circuits.")
    p.add_argument("file", metavar="FILE", help=".mpt, .mpr, .csv, .tsv or .txt")
    p.add_argument("--technique", type=str.upper, choices=_Techniques(), metavar="TECHNIQUE",
                   help="technique, overriding the file's (needed for CSV)")
    p.add_argument("--columns", metavar="Q=NAME,...",
                   help="CSV column mapping, e.g. time=Time,voltage=Ewe,current=I")
    p.add_argument("--units", metavar="Q=UNIT,...",
                   help="CSV units when the header lacks them, e.g. current=mA,time=min")
    p.add_argument("--conductivity", type=float, metavar="S_PER_CM",
                   help="electrolyte conductivity in S/cm (LLZO in the paper: 5.0e-4); "
                   "gives contact diameters and areas from constriction resistances")
    p.add_argument("--area-cm2", type=float, metavar="CM2",
                   help="electrode contact area in cm2 (overrides the file)")
    p.add_argument("--f-min-hz", type=float, metavar="HZ",
                   help="EIS: lowest frequency to fit (default: the Lin-KK cutoff)")
    p.add_argument("--kk-max-residual", type=float, default=0.02, metavar="FRACTION",
                   help="EIS: Lin-KK residual limit for excluding low frequencies (default 0.02)")
    p.add_argument("--cpe", action="store_true", help="EIS: fit R1 || CPE instead of R1 || C1")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=run)
    return p


def run(args):
    from electrochem import format_summary, read_trace, summarize_trace

    trace = read_trace(args.file, technique=args.technique, columns=args.columns,
                       units=args.units)
    summary = summarize_trace(trace, conductivity_S_cm=args.conductivity,
                              area_cm2=args.area_cm2, f_min_Hz=args.f_min_hz,
                              kk_max_residual=args.kk_max_residual, cpe=args.cpe)
    if args.json:
        # every time in it is on the trace's own clock; say so in the output itself
        print(json.dumps({"time_clock": "trace (0 s at the potentiostat's acquisition "
                                        "start)", **summary}, indent=2))
    else:
        print(format_summary(summary))
    return 0
