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


#: Writer name of synth's files in the folder's marker (vision._schema.WRITTEN_MARKER_FILE).
WRITER = "synth"


def _outputs(out, name, fmt):
    """The files ``render`` writes for `name` in format `fmt` into folder `out`."""
    from pathlib import Path

    from vision.synthetic._writers import video_filename
    out = Path(out)
    return [out / video_filename(name, fmt)] + [
        out / f"{name}{suffix}" for suffix in ("_truth_frames.csv", "_truth_whiskers.csv",
                                               "_truth.json", "_trace.mpt")]


def _guarded(paths, write):
    """Write with `write()` only if none of `paths` is a file semtrack did not write."""
    from .._shared._fileio import check_output_files, record_output_files
    check_output_files(paths, WRITER)  # before rendering: nothing of the user's is replaced
    result = write()
    record_output_files([p for p in paths if p.exists()], WRITER)
    return result


def _length(res, scene=None):
    """The rendered video's length in s (the scene's duration), for the printout."""
    if scene is not None:
        return f"{scene.duration_s:g} s long"
    return f"{res.n_frames} frames"


def run(args):
    """Run ``semtrack synth``; return the exit code."""
    from vision.synthetic import PRESETS, preset, render, write_samples
    if args.samples:
        from pathlib import Path
        kw = {} if args.crf is None else {"crf": args.crf}
        fmt = args.fmt or "mp4"
        paths = [p for n in PRESETS for p in _outputs(args.samples, n, fmt)]
        paths += [Path(args.samples) / "manifest.csv", Path(args.samples) / "README.md"]
        for res in _guarded(paths, lambda: write_samples(args.samples, fmt=fmt, **kw)):
            scene = preset(res.video.name.split(".")[0].removesuffix("_png"))
            print(f"{res.video}  ({res.n_frames} frames, video {_length(res, scene)}; "
                  f"rendered in {res.elapsed_s:.1f} s)")
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
    scene = preset(args.preset, **overrides)
    fmt = args.fmt or "mp4"
    res = _guarded(_outputs(args.out, args.name or scene.name, fmt),
                   lambda: render(scene, args.out, fmt=fmt, name=args.name,
                                  crf=18 if args.crf is None else args.crf,
                                  sem_metadata=args.sem_metadata))
    print(f"video:   {res.video}  ({res.n_frames} frames, {_length(res, scene)}; "
          f"rendered in {res.elapsed_s:.1f} s)")
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
    from vision.synthetic._extras import CODECS
    scene = random_scene(args.seed, bank_version=args.bank_version)
    fmt = args.fmt or CODECS[scene.extras.codec]
    res = _guarded(_outputs(args.out, args.name or scene.name, fmt),
                   lambda: render_random(scene, args.out, fmt=args.fmt, name=args.name,
                                         crf=args.crf))
    ext = scene.extras
    print(f"scene:   seed {scene.seed} ({ext.scenario}), {scene.shape[1]}x{scene.shape[0]} px at "
          f"{scene.pixel_size_um:.3g} µm/px, {scene.n_frames} frames, codec {ext.codec}")
    print(f"video:   {res.video}  ({res.n_frames} frames, {_length(res, scene)}; "
          f"rendered in {res.elapsed_s:.1f} s)")
    print(f"truth:   {res.truth_frames}, {res.truth_whiskers}, {res.truth_json}")
    print(f"trace:   {res.trace}")
    return 0
