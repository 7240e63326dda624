"""Accuracy and speed of calibration.measure_scale_bar on rendered data bars.

Usage: ``python benchmarks/calibration_scale_bar.py [--n 200] [--seed 1]``

Each trial renders a 600 x 1000 frame with a textured picture and a 70-row
black data bar holding info text and a scale bar of random length (40-250 px,
non-integer ends by 8x supersampling), thickness (2-6 px), label text, label
position (above / right / left), font size (0.4-1.0), stroke (1-2 px), blur
(0 or 0.7 px) and noise (0 or 3 grey levels). Reported: bar length error (px),
how often the label value was read, and how often it was read wrongly, for
the Hershey SIMPLEX font and for six other fonts. A third set draws 308
labels with a real micro sign in TrueType fonts shipped with matplotlib (8
DejaVu and 3 Computer Modern faces x 7 labels x 4 sizes, 10-18 px) over a
120-px bar (``--truetype``, needs matplotlib and pillow). ``--scenes DIR``
runs the pixel-size step as ``vision.analyze`` does (first frame,
``find_data_bar``, ``resolve_pixel_size``) on every rendered scene folder in
DIR (e.g. ``/work/tunecache/bank-v1/<generator>``, seeds 5000-7999 only, never
the frozen bank) and compares with the truth's pixel size: right (within
10 %: a wrong label value is off by >= 25 %, the bar by about 1/length),
wrong, or asked (no reading: the analysis asks for --pixel-size).
"""
import argparse
import time

import cv2
import numpy as np

from calibration import measure_scale_bar

LABELS = {"10 um": 10.0, "500 nm": 0.5, "2.5 mm": 2500.0, "200 um": 200.0, "1 um": 1.0, "50 um": 50.0}
OTHER_FONTS = (cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX,
               cv2.FONT_HERSHEY_TRIPLEX, cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX)


def render(rng, font):
    H, W, ss = 600, 1000, 8
    fs = float(rng.choice([0.4, 0.5, 0.7, 1.0]))
    lw = int(rng.choice([1, 1, 2]))
    thick = int(rng.integers(2, 7))
    a = rng.uniform(560, 650)
    b = a + rng.uniform(40, 250)
    label = str(rng.choice(list(LABELS)))
    pos = str(rng.choice(["above", "right", "left"]))
    blur = float(rng.choice([0, 0, 0.7]))
    noise = float(rng.choice([0, 3]))
    img = rng.integers(60, 160, (H, W)).astype(np.uint8)
    top, y0 = H - 70, H - 35
    img[top:] = 8
    cv2.putText(img, "EHT = 5.00 kV", (10, top + 22), cv2.FONT_HERSHEY_SIMPLEX, fs, 255, lw, cv2.LINE_AA)
    cv2.putText(img, "WD = 8.5 mm   Mag = 500 X", (10, top + 55), cv2.FONT_HERSHEY_SIMPLEX, fs, 255, lw,
                cv2.LINE_AA)
    (tw, th), _ = cv2.getTextSize(label, font, fs, lw)
    if pos == "above":
        org = (int((a + b) / 2 - tw / 2), y0 - 6)
    elif pos == "right":
        org = (int(b + 10), y0 + thick // 2 + th // 2)
    else:
        org = (int(a - 10 - tw), y0 + thick // 2 + th // 2)
    cv2.putText(img, label, org, font, fs, 255, lw, cv2.LINE_AA)
    band = np.zeros((thick * ss, W * ss), np.float32)
    band[:, int(round((a + 0.5) * ss)):int(round((b + 0.5) * ss))] = 1
    cover = band.reshape(thick, ss, W, ss).mean(axis=(1, 3))
    out = img.astype(np.float32)
    out[y0:y0 + thick] = out[y0:y0 + thick] * (1 - cover) + 255 * cover
    if blur:
        out = cv2.GaussianBlur(out, (0, 0), blur)
    if noise:
        out = out + rng.normal(0, noise, out.shape)
    return np.clip(out, 0, 255).astype(np.uint8), (top, H, 0, W), b - a, LABELS[label]


def run(n, seed, fonts, name):
    rng = np.random.default_rng(seed)
    errs, times, read, wrong, missed = [], [], 0, 0, 0
    for _ in range(n):
        font = int(rng.choice(fonts))
        img, region, length, um = render(rng, font)
        t0 = time.perf_counter()
        bar = measure_scale_bar(img, region=region)
        times.append(time.perf_counter() - t0)
        if bar is None:
            missed += 1
            continue
        errs.append(bar.length_px - length)
        if bar.label_um is not None:
            read += 1
            if abs(bar.label_um - um) > 1e-9 * um:
                wrong += 1
                print(f"  wrong: font {font}, {um:g} um read as {bar.label_text!r}")
    errs = np.abs(np.asarray(errs))
    print(f"{name}: {n} bars, not found {missed}, length error max {errs.max():.3f} px, "
          f"rms {np.sqrt(np.mean(errs ** 2)):.3f} px; label read {read}/{n} "
          f"({100 * read / n:.0f} %), wrong {wrong}; time median {1e3 * np.median(times):.0f} ms, "
          f"max {1e3 * np.max(times):.0f} ms")


TT_FACES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf",
            "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSansMono.ttf",
            "cmr10.ttf", "cmss10.ttf", "cmb10.ttf")
TT_LABELS = {"10 \u00b5m": 10.0, "500 nm": 0.5, "2 \u03bcm": 2.0, "1 \u00b5m": 1.0, "200 nm": 0.2,
             "50 \u00b5m": 50.0, "5 \u03bcm": 5.0}
TT_SIZES = (10, 12, 15, 18)


def run_truetype():
    """Labels with a micro sign (U+00B5 or U+03BC) in TrueType faces over a 120-px bar."""
    from pathlib import Path

    import matplotlib
    from PIL import Image, ImageDraw, ImageFont

    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    H, W, top = 400, 640, 330
    read = wrong = n = 0
    for face in TT_FACES:
        for size in TT_SIZES:
            font = ImageFont.truetype(str(ttf / face), size)
            for label, um in TT_LABELS.items():
                img = Image.new("L", (W, H), 100)
                d = ImageDraw.Draw(img)
                d.rectangle([0, top, W, H], fill=5)
                d.text((8, top + 8), "EHT = 5.00 kV   WD = 8.5 mm", fill=255, font=font)
                d.rectangle([320, 380, 439, 383], fill=255)
                d.text((380 - d.textlength(label, font=font) / 2, 380 - size - 5), label, fill=255, font=font)
                bar = measure_scale_bar(np.asarray(img), region=(top, H, 0, W))
                n += 1
                if bar is not None and bar.label_um is not None:
                    read += 1
                    if abs(bar.label_um - um) > 1e-9 * um:
                        wrong += 1
                        print(f"  wrong: {face} {size} px {label!r} read as {bar.label_text!r}")
    print(f"TrueType labels: {n}, label read {read}/{n}, wrong {wrong}")


# a wrong label value is off by >= 25 % (40 vs 50 um); the bar's length alone by about 1/length_px
_WRONG_PIXEL_SIZE = 0.10


def run_scenes(root):
    """The pixel-size step on the first frame of each tuning scene under `root`."""
    import json
    from pathlib import Path

    from calibration import InputError, resolve_pixel_size
    from vision.io import open_video
    from vision.preprocess import find_data_bar

    counts = {"right": 0, "wrong": 0, "asked": 0}
    for d in sorted(p for p in Path(root).iterdir() if p.name.isdigit() and 5000 <= int(p.name) < 8000):
        truth = json.loads((d / "scene_truth.json").read_text())
        with open_video(str(d / truth["files"]["video"])) as reader:
            first = reader.get_frame(0)
            meta = reader.metadata or {}
            bar = find_data_bar(first.image, scan_height_px=meta.get("scan_height_px"))
            box = None if bar is None else (bar.top, bar.bottom, bar.left, bar.right)
            try:
                got = resolve_pixel_size(tiff_tags=meta.get("tiff_tags"), image=first.image, data_bar=box)
                rel = got.um / truth["pixel_size_um"] - 1
                status = "right" if abs(rel) < _WRONG_PIXEL_SIZE else "wrong"
                what = f"{100 * rel:+.2f} % ({got.source}: {got.detail[:70]})"
            except InputError as exc:
                status, what = "asked", str(exc).split(";")[0]
        counts[status] += 1
        if status != "right":
            print(f"  {d.name}: {status}: {what}")
    n = sum(counts.values())
    print(f"tuning scenes' first frames: {n}, right {counts['right']}, asked {counts['asked']}, "
          f"wrong {counts['wrong']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--truetype", action="store_true", help="also the 308 TrueType labels")
    ap.add_argument("--scenes", metavar="DIR", help="also the first frames of the rendered scenes in DIR")
    args = ap.parse_args()
    cv2.setNumThreads(1)
    run(args.n, args.seed, (cv2.FONT_HERSHEY_SIMPLEX,), "Hershey SIMPLEX labels")
    run(args.n, args.seed, OTHER_FONTS, "other fonts")
    if args.truetype:
        run_truetype()
    if args.scenes:
        run_scenes(args.scenes)


if __name__ == "__main__":
    main()
