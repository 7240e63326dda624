"""Small encoded clips for the video reader's tests (a helper module, not collected).

Frames with a gradient, noise and a bright square that moves 3 px a frame (so every
frame differs), written with PyAV in a chosen codec.
"""
import fractions

import av
import numpy as np

ROWS = 64


def moving_square_frames(n, seed, *, cols=96):
    """``n`` uint8 frames of ROWS x ``cols`` px: gradient + noise + a moving bright square."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:ROWS, :cols]
    out = []
    for i in range(n):
        img = 50 + 0.9 * xx + 0.5 * yy + rng.normal(0, 2.0, (ROWS, cols))
        img[8:24, 4 + 3 * i:20 + 3 * i] = 225   # a moving bright square: frames differ
        out.append(np.clip(img, 0, 255).astype(np.uint8))
    return out


def write_clip(path, images, codec, options):
    """Encode gray ``images`` to ``path`` with ``codec`` and its ``options`` at 10 fps."""
    out = av.open(str(path), "w")
    stream = out.add_stream(codec, rate=fractions.Fraction(10))
    stream.width, stream.height = images[0].shape[1], images[0].shape[0]
    stream.pix_fmt = "yuv420p"
    stream.options = options
    for img in images:
        frame = av.VideoFrame.from_ndarray(img, format="gray").reformat(format="yuv420p")
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)
    out.close()
    return path
