"""A video reader frees the decoder of ``get_frame`` when a full iteration starts.

The analysis reads frame 0 with ``get_frame`` (data bar, pixel size) and then iterates
the whole video with a second decoder. The first one, kept open, held its reference
frames and frame-buffer pool through the run (1080p: H.264 14.6 MB, MPEG-4 7.8 MB).
"""
import fractions

import av
import numpy as np
import pytest

from vision import open_video

ROWS, COLS = 64, 96  # non-square, multiples of 16 for the codecs


def _frames(n, seed):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:ROWS, :COLS]
    out = []
    for i in range(n):
        img = 50 + 0.9 * xx + 0.5 * yy + rng.normal(0, 2.0, (ROWS, COLS))
        img[8:24, 4 + 3 * i:20 + 3 * i] = 225   # a moving bright square: frames differ
        out.append(np.clip(img, 0, 255).astype(np.uint8))
    return out


def _write(path, images, codec, options):
    out = av.open(str(path), "w")
    stream = out.add_stream(codec, rate=fractions.Fraction(10))
    stream.width, stream.height = COLS, ROWS
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


# B-frames (H.264 bf 3): the decoder of frame 0 has read ahead and holds several frames
CODECS = [("mp4", "libx264", {"g": "8", "bf": "3", "crf": "18"}),
          ("mkv", "mpeg4", {"g": "8", "bf": "2", "qscale": "2"})]


@pytest.mark.parametrize("ext,codec,options", CODECS, ids=["h264", "mpeg4"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_iteration_frees_random_access_decoder(tmp_path, ext, codec, options, seed):
    images = _frames(20, seed)
    path = _write(tmp_path / f"clip.{ext}", images, codec, options)
    with open_video(path) as reader:
        plain = [f.image for f in reader]
        first = reader.get_frame(0)
        assert reader._stream.codec_context.is_open       # it has decoded
        it = iter(reader)
        got = [next(it)]
        # the decoder of get_frame is closed: nothing it decoded stays resident
        assert not reader._stream.codec_context.is_open
        got += list(it)
        np.testing.assert_array_equal(first.image, plain[0])
        assert len(got) == len(plain) == 20
        for a, b in zip(got, plain):
            np.testing.assert_array_equal(a.image, b)
        # random access still works after the iteration (it seeks and decodes anew)
        for index in (7, 8, 0, 19):
            np.testing.assert_array_equal(reader.get_frame(index).image, plain[index])


def test_iteration_without_get_frame_keeps_the_container(tmp_path):
    path = _write(tmp_path / "clip.mp4", _frames(6, 5), "libx264", {"crf": "18"})
    with open_video(path) as reader:
        container = reader._container
        assert len(list(reader)) == 6
        assert reader._container is container    # nothing to free: not opened again
