"""Measure find_data_bar: row errors on real TIFFs and misses/false bars on random scenes.

Usage::

    python tests/vision/preprocess/measure_databar.py [FIRST_SEED LAST_SEED] [TIFF ...]

Real TIFFs: every ``*.tif`` in tests/data/real plus the ones given, with and without the
metadata's scan height. Random scenes (``vision.synthetic.random_scene``; tune on seeds
< 100000, report from the bank >= 100000): the first frame of each seed as rendered and,
for video codecs, after a one-frame encode in the scene's codec at its quality. A frame
counts as right when its bar top is within 2 rows of the truth and its bottom within 2
rows of the edge, or when a scene without a bar gives none.
"""
import io
import sys
from pathlib import Path

import numpy as np

from calibration import read_sem_info
from vision import find_data_bar

REAL = Path(__file__).resolve().parents[2] / "data" / "real"
TOLERANCE_ROWS = 2


def encode(image, codec, crf):
    """One frame through libx264 / mpeg4 / mjpeg and back (PyAV)."""
    import av

    if image.dtype != np.uint8:
        image = (image // 257).astype(np.uint8)
    rows, cols = image.shape
    image = image[:rows - rows % 2, :cols - cols % 2]
    buf = io.BytesIO()
    with av.open(buf, "w", format="matroska") as out:
        stream = out.add_stream({"h264": "libx264", "mpeg4": "mpeg4", "mjpeg": "mjpeg"}[codec], rate=5)
        stream.width, stream.height = image.shape[1], image.shape[0]
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        if codec == "h264":
            stream.options = {"crf": str(crf)}
        if codec == "mpeg4":
            stream.bit_rate = 2_000_000
        frame = av.VideoFrame.from_ndarray(image, format="gray").reformat(format=stream.pix_fmt)
        for packet in [*stream.encode(frame), *stream.encode()]:
            out.mux(packet)
    buf.seek(0)
    with av.open(buf) as inp:
        return next(inp.decode(video=0)).to_ndarray(format="gray")


def real_files(extra):
    import tifffile

    for path in sorted(REAL.glob("*.tif")) + [Path(p) for p in extra]:
        image = tifffile.imread(path)
        if image.ndim != 2:
            continue
        height = read_sem_info(path).scan_height_px
        print(f"{path.name}: {image.shape[1]} x {image.shape[0]}, pixels: {find_data_bar(image)}, "
              f"with scan height {height}: {find_data_bar(image, scan_height_px=height)}")


def scenes(first, last):
    from vision.synthetic import random_scene
    from vision.synthetic._render import render_frames

    wrong = total = 0
    for seed in range(first, last + 1):
        scene = random_scene(seed)
        image, _ = next(render_frames(scene))
        style = scene.extras.data_bar_style if scene.artefacts.data_bar else "none"
        codec = scene.extras.codec
        variants = [("raw", image)]
        if codec in ("h264", "mpeg4", "mjpeg"):
            variants.append((codec, encode(image, codec, scene.extras.crf)))
        for name, frame in variants:
            total += 1
            rows = frame.shape[0]
            bar = find_data_bar(frame)
            if style == "none":
                ok = bar is None
            else:
                truth = image.shape[0] - scene.data_bar_rows
                ok = (bar is not None and abs(bar.top - truth) <= TOLERANCE_ROWS
                      and bar.bottom >= rows - TOLERANCE_ROWS)
            if not ok:
                wrong += 1
                print(f"seed {seed} {style} {name} {frame.shape}: got {bar}")
    print(f"seeds {first}-{last}: {wrong} of {total} frames wrong")


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) >= 2 and args[0].isdigit() and args[1].isdigit():
        scenes(int(args[0]), int(args[1]))
        args = args[2:]
    real_files(args)
