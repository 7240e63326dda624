"""The video reader hands out the decoder's luma plane without copying it (issue 14).

A copy of the 1080p luma plane costs ~0.5 ms a frame (1.5 s of CPU for the 3000-frame
bench video, in the analysis and again in the overlay pass). The array is a read-only
view of the decoded frame's buffer, which the array keeps alive (FFmpeg's buffers are
reference-counted): frames kept past the next ones, past the end of the iteration and
the reader's closing keep their pixels, and writing into one (which could change a
reference frame of the frames after it) raises instead.
"""
import av
import numpy as np
import pytest

from vision import open_video

try:  # the test's folder is on sys.path under pytest's default import mode
    from av_clips import ROWS, moving_square_frames, write_clip
except ImportError:  # tests/ made a package
    from tests.vision.io.av_clips import ROWS, moving_square_frames, write_clip


def _copied_luma(path):
    """Each frame's coded luma, copied out of the decoder (the reader's former way)."""
    out = []
    with av.open(str(path)) as container:
        for frame in container.decode(container.streams.video[0]):
            plane = frame.planes[0]
            buf = np.frombuffer(plane, np.uint8).reshape(frame.height, plane.line_size)
            out.append(buf[:, :frame.width].copy())
    return out


# B-frames: reference frames are decoded ahead of the frames that use them
CODECS = [("mp4", "libx264", {"g": "8", "bf": "3", "crf": "18"}),
          ("mkv", "mpeg4", {"g": "8", "bf": "2", "qscale": "2"})]


@pytest.mark.parametrize("ext,codec,options", CODECS, ids=["h264", "mpeg4"])
@pytest.mark.parametrize("cols", [96, 1920])   # 1920: the full-HD row, no padding
@pytest.mark.parametrize("seed", [0, 1])
def test_kept_frames_keep_their_pixels(tmp_path, ext, codec, options, cols, seed):
    path = write_clip(tmp_path / f"clip.{ext}", moving_square_frames(16, seed, cols=cols), codec, options)
    with open_video(path) as reader:
        kept = [f.image for f in reader]       # all held to the end of the iteration
    want = _copied_luma(path)
    assert len(kept) == len(want) == 16
    for got, ref in zip(kept, want):
        assert got.shape == (ROWS, cols) and got.dtype == np.uint8
        np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("ext,codec,options", CODECS, ids=["h264", "mpeg4"])
def test_decoder_buffer_is_read_only(tmp_path, ext, codec, options):
    path = write_clip(tmp_path / f"clip.{ext}", moving_square_frames(6, 3, cols=1920), codec, options)
    with open_video(path) as reader:
        images = [frame.image for frame in reader]
    # 1920 columns: rows without padding, so every frame is the decoder's buffer itself
    assert all(image.base is not None for image in images)
    for image in images:
        with pytest.raises(ValueError, match="read-only"):
            image[0, 0] = 0
