"""A video reader frees the decoder of ``get_frame`` when a full iteration starts.

The analysis reads frame 0 with ``get_frame`` (data bar, pixel size) and then iterates
the whole video with a second decoder. The first one, kept open, held its reference
frames and frame-buffer pool through the run (1080p: H.264 14.6 MB, MPEG-4 7.8 MB).
"""
import numpy as np
import pytest

from vision import open_video

try:  # the test's folder is on sys.path under pytest's default import mode
    from av_clips import moving_square_frames, write_clip
except ImportError:  # tests/ made a package
    from tests.vision.io.av_clips import moving_square_frames, write_clip


# B-frames (H.264 bf 3): the decoder of frame 0 has read ahead and holds several frames
CODECS = [("mp4", "libx264", {"g": "8", "bf": "3", "crf": "18"}),
          ("mkv", "mpeg4", {"g": "8", "bf": "2", "qscale": "2"})]


@pytest.mark.parametrize("ext,codec,options", CODECS, ids=["h264", "mpeg4"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_iteration_frees_random_access_decoder(tmp_path, ext, codec, options, seed):
    images = moving_square_frames(20, seed)
    path = write_clip(tmp_path / f"clip.{ext}", images, codec, options)
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
    path = write_clip(tmp_path / "clip.mp4", moving_square_frames(6, 5), "libx264", {"crf": "18"})
    with open_video(path) as reader:
        container = reader._container
        assert len(list(reader)) == 6
        assert reader._container is container    # nothing to free: not opened again
