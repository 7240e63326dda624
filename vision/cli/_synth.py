"""``semtrack synth``: render synthetic SEM videos with exact ground truth."""
import logging

from calibration import InputError

logger = logging.getLogger(__name__)


#: One line for ``semtrack --help``.
HELP = 'render a synthetic SEM video with exact truth and a matching trace'

def add_parser(subparsers):
    """Add the ``synth`` subcommand to ``subparsers``."""
    from vision.synthetic import FORMATS, PRESETS
    p = subparsers.add_parser(
        "synth", help=HELP,
        description="Render a deterministic synthetic in-situ SEM video (whiskers, lateral "
        "front, crack, stripping) with per-frame truth tables, truth.json and an EC-Lab "
        "trace (.mpt). Same preset and seed -> identical output.")
    p.add_argument("preset", nargs="?", choices=sorted(PRESETS) + ["random"], metavar="PRESET",
                   help=f"scene to render: {', '.join(PRESETS)}, or 'random' (a randomized "
                   "scene drawn from --seed, written in its drawn codec unless --format is given; "
                   "seeds >= 100000 are the validation bank)")
    p.add_argument("--out", default=".", help="output folder (default: current folder)")
    p.add_argument("--format", dest="fmt", default=None, choices=sorted(FORMATS),
                   help="video format: mp4 (H.264), avi (FFV1 lossless), mpeg4 (MPEG-4 part 2, "
                   ".m4v), mjpeg (Motion JPEG, .mov), tiff (ImageJ stack), png (folder of "
                   "frames); default mp4 (random: the scene's drawn codec)")
    p.add_argument("--bank-version", type=int, default=1,
                   help="random: version of the drawing rules (default 1)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the preset's)")
    p.add_argument("--duration", type=float, default=None, metavar="S",
                   help="video length in s (default: the preset's, 20-22 s)")
    p.add_argument("--name", default=None, help="base name of the files (default: the preset)")
    p.add_argument("--crf", type=int, default=None,
                   help="H.264 quality for mp4, lower = better (default 18; 26 for --samples)")
    p.add_argument("--sem-metadata", default="zeiss", choices=("zeiss", "fei", "none"),
                   help="for --format tiff: instrument tag with pixel size and date "
                   "(Zeiss CZ_SEM, FEI; default zeiss)")
    p.add_argument("--no-artefacts", action="store_true",
                   help="no noise, drift, flicker, scan lines or torn frames (data bar kept)")
    p.add_argument("--samples", metavar="DIR", default=None,
                   help="regenerate the sample set (all presets, manifest.csv, README.md) in DIR")
    p.set_defaults(func=run)
    return p


def run(args):
    """Run ``semtrack synth``; return the exit code."""
    from vision.synthetic import preset, render, write_samples
    if args.samples:
        kw = {} if args.crf is None else {"crf": args.crf}
        for res in write_samples(args.samples, fmt=args.fmt or "mp4", **kw):
            print(f"{res.video}  ({res.n_frames} frames, {res.elapsed_s:.1f} s)")
        return 0
    if not args.preset:
        raise InputError("give a PRESET (e.g. 'semtrack synth whisker --out DIR') or --samples DIR")
    if args.preset == "random":
        return _run_random(args)
    overrides = {}
    if args.seed is not None:
        overrides["seed"] = args.seed
    if args.duration is not None:
        overrides["duration_s"] = args.duration
    if args.no_artefacts:
        overrides["artefacts"] = False
    res = render(preset(args.preset, **overrides), args.out, fmt=args.fmt or "mp4", name=args.name,
                 crf=18 if args.crf is None else args.crf, sem_metadata=args.sem_metadata)
    print(f"video:   {res.video}  ({res.n_frames} frames, {res.elapsed_s:.1f} s)")
    print(f"truth:   {res.truth_frames}, {res.truth_whiskers}, {res.truth_json}")
    print(f"trace:   {res.trace}")
    return 0


def _run_random(args):
    """``semtrack synth random --seed N``: one randomized scene with the bank's caps."""
    from vision.synthetic import random_scene, render_random
    if args.seed is None:
        raise InputError("synth random needs --seed N (seeds >= 100000 are the validation bank)")
    if args.duration is not None or args.no_artefacts:
        raise InputError("synth random draws its duration and artefacts from the seed; "
                         "leave out --duration and --no-artefacts")
    scene = random_scene(args.seed, bank_version=args.bank_version)
    res = render_random(scene, args.out, fmt=args.fmt, name=args.name, crf=args.crf)
    ext = scene.extras
    print(f"scene:   seed {scene.seed} ({ext.scenario}), {scene.shape[1]}x{scene.shape[0]} px at "
          f"{scene.pixel_size_um:.3g} um/px, {scene.n_frames} frames, codec {ext.codec}")
    print(f"video:   {res.video}  ({res.n_frames} frames, {res.elapsed_s:.1f} s)")
    print(f"truth:   {res.truth_frames}, {res.truth_whiskers}, {res.truth_json}")
    print(f"trace:   {res.trace}")
    return 0
