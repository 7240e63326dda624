"""The reader registry: open_video, KNOWN_FORMATS and batch discovery derive from one table."""
import cv2
import numpy as np
import pytest

import vision
from calibration import InputError
from vision.io import READERS, ReaderSpec


def test_open_video_and_known_formats_come_from_the_registry():
    assert vision.io.open_video is vision.open_video
    assert all(isinstance(s, ReaderSpec) for s in READERS)
    for spec in READERS:
        assert spec.description in vision.KNOWN_FORMATS
        assert isinstance(spec.load(), type)  # the lazy factory resolves to a reader class
    # every extension a reader claims appears in what the batch collects or in frame folders
    from vision.batch._pairing import FRAME_EXTENSIONS, VIDEO_EXTENSIONS
    claimed = {e for s in READERS for e in s.extensions}
    assert claimed <= set(VIDEO_EXTENSIONS) | set(FRAME_EXTENSIONS)
    assert ".webm" in VIDEO_EXTENSIONS


def test_unknown_extension_lists_the_known_formats(tmp_path):
    bad = tmp_path / "x.xyz"
    bad.write_bytes(b"not a video at all")
    with pytest.raises(InputError, match="multi-page TIFF"):
        vision.open_video(bad)


def test_reader_chosen_by_first_bytes(tmp_path):
    from vision.io._registry import reader_for
    img = (np.arange(64 * 48) % 251).astype(np.uint8).reshape(48, 64)
    png = tmp_path / "frame.png"
    cv2.imwrite(str(png), img)
    assert reader_for(png).name == "image"
    tif = tmp_path / "frame.tif"
    cv2.imwrite(str(tif), img)
    assert reader_for(tif).name == "tiff"
    mkv_named_dat = tmp_path / "clip.dat"
    mkv_named_dat.write_bytes(b"\x1a\x45\xdf\xa3" + bytes(12))
    assert reader_for(mkv_named_dat).name == "av"
    with vision.open_video(png, fps=1.0) as reader:
        frames = list(reader)
    assert len(frames) == 1 and np.array_equal(frames[0].image, img)
