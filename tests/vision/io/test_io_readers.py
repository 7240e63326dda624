"""open_video on every format: frame count, shape, dtype, exact times, metadata."""
import datetime
import fractions
import tracemalloc
import warnings

import av
import cv2
import numpy as np
import pytest
import tifffile

from calibration import InputError
from vision import Frame, TruncatedVideoWarning, open_video

ROWS, COLS = 72, 112  # non-square, multiples of 8 for the codecs


def frames_uint8(n, *, seed=0, rows=ROWS, cols=COLS, noise=2.0):
    """Distinct frames: a smooth ramp with a moving bright square and noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:rows, :cols]
    out = []
    for i in range(n):
        img = 60 + 0.8 * xx + 0.4 * yy + rng.normal(0, noise, (rows, cols))
        img[10:26, 5 + 4 * i:21 + 4 * i] = 230
        out.append(np.clip(img, 0, 255).astype(np.uint8))
    return out


def write_video(path, images, *, codec="libx264", times_ms=None, fps=10, pix_fmt="yuv420p",
                options=None, color=False, container_options=None, metadata=None):
    """Encode ``images`` with PyAV; ``times_ms`` gives per-frame pts (VFR)."""
    out = av.open(str(path), "w", options=container_options or {})
    if metadata:
        out.metadata.update(metadata)
    stream = out.add_stream(codec, rate=fps)
    stream.width, stream.height = images[0].shape[1], images[0].shape[0]
    stream.pix_fmt = pix_fmt
    if options:
        stream.options = options
    if times_ms is not None:
        stream.time_base = fractions.Fraction(1, 1000)
        stream.codec_context.time_base = fractions.Fraction(1, 1000)
    for i, img in enumerate(images):
        if color:
            rgb = np.dstack([img, np.roll(img, 3, axis=1), 255 - img])
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        elif img.dtype == np.uint16:
            frame = av.VideoFrame.from_ndarray(img, format="gray16le")
        else:
            frame = av.VideoFrame.from_ndarray(img, format="gray")
        if pix_fmt != frame.format.name:
            frame = frame.reformat(format=pix_fmt)
        if times_ms is not None:
            frame.pts = int(times_ms[i])
            frame.time_base = fractions.Fraction(1, 1000)
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode():
        out.mux(packet)
    out.close()
    return path


# ---------------------------------------------------------------------------- videos

@pytest.mark.parametrize("ext,codec", [("mp4", "libx264"), ("avi", "mpeg4"),
                                       ("mkv", "libx264"), ("mov", "mpeg4")])
def test_video_containers_constant_rate(tmp_path, ext, codec):
    images = frames_uint8(12)
    path = write_video(tmp_path / f"clip.{ext}", images, codec=codec, fps=10,
                       options={"crf": "12"} if codec == "libx264" else {"qscale": "2"})
    with open_video(path) as reader:
        assert reader.frame_shape == (ROWS, COLS)
        assert reader.fps == pytest.approx(10.0)
        frames = list(reader)
    assert len(frames) == 12
    assert len(reader) == 12
    for i, fr in enumerate(frames):
        assert isinstance(fr, Frame)
        assert fr.index == i
        assert fr.time_s == pytest.approx(i / 10, abs=1e-9)
        assert fr.image.shape == (ROWS, COLS) and fr.image.dtype == np.uint8
        # the coded luma of limited-range video: 16 + 219/255 * grey
        expected = 16 + images[i].astype(float) * 219 / 255
        assert np.mean(np.abs(fr.image - expected)) < 3.0
        assert fr.content_time_s is None and not fr.is_duplicate


@pytest.mark.parametrize("ext", ["mp4", "mkv", "mov"])
def test_variable_frame_rate_times_exact_to_1ms(tmp_path, ext):
    times_ms = [0, 33, 100, 150, 400, 401, 1000, 1033, 2500, 2517]
    path = write_video(tmp_path / f"vfr.{ext}", frames_uint8(len(times_ms)),
                       times_ms=times_ms)
    with open_video(path) as reader:
        got = [f.time_s for f in reader]
    np.testing.assert_allclose(got, np.array(times_ms) / 1000, atol=1e-3)
    assert got[0] == 0.0


def test_times_start_at_zero_when_first_pts_is_not_zero(tmp_path):
    times_ms = [5000, 5100, 5250]
    path = write_video(tmp_path / "late.mkv", frames_uint8(3), times_ms=times_ms)
    with open_video(path) as reader:
        assert len(reader) == 3  # counted from the packets before any decoding
        np.testing.assert_allclose([f.time_s for f in reader], [0.0, 0.1, 0.25], atol=1e-3)


@pytest.mark.parametrize("ext,codec", [("mp4", "libx264"), ("mkv", "libx264"),
                                       ("avi", "mpeg4"), ("mov", "mpeg4")])
def test_random_access_matches_iteration(tmp_path, ext, codec):
    path = write_video(tmp_path / f"ra.{ext}", frames_uint8(30), codec=codec,
                       options={"g": "8", "crf": "18"} if codec == "libx264" else {"g": "8"})
    with open_video(path) as reader:
        frames = list(reader)
        for index in [17, 3, 4, 5, 29, 0, -1]:
            got = reader.get_frame(index)
            want = frames[index]
            assert got.index == want.index
            assert got.time_s == pytest.approx(want.time_s, abs=1e-9)
            np.testing.assert_array_equal(got.image, want.image)
        with pytest.raises(IndexError, match="out of range"):
            reader.get_frame(30)


def test_colour_video_becomes_grayscale(tmp_path):
    path = write_video(tmp_path / "rgb.mkv", frames_uint8(3), codec="libx264rgb",
                       pix_fmt="rgb24", color=True)
    with open_video(path) as reader:
        frame = next(iter(reader))
    assert frame.image.ndim == 2 and frame.image.dtype == np.uint8
    assert frame.image.shape == (ROWS, COLS)


def test_16bit_video_lossless(tmp_path):
    rng = np.random.default_rng(1)
    images = [rng.integers(0, 65535, (ROWS, COLS), dtype=np.uint16) for _ in range(3)]
    path = write_video(tmp_path / "deep.mkv", images, codec="ffv1", pix_fmt="gray16le")
    with open_video(path) as reader:
        assert reader.dtype == np.uint16
        got = [f.image for f in reader]
    for a, b in zip(got, images):
        assert a.dtype == np.uint16
        np.testing.assert_array_equal(a, b)


def test_video_start_time_from_creation_time(tmp_path):
    # MP4 stores creation_time in whole seconds (UTC)
    path = write_video(tmp_path / "dated.mp4", frames_uint8(2),
                       metadata={"creation_time": "2024-05-03T10:20:30Z"})
    with open_video(path) as reader:
        assert reader.start_time == datetime.datetime(2024, 5, 3, 10, 20, 30)
        assert reader.start_time.tzinfo is None
    plain = write_video(tmp_path / "undated.mp4", frames_uint8(2))
    with open_video(plain) as reader:
        assert reader.start_time is None


def test_truncated_video_yields_decodable_frames_then_warns(tmp_path):
    # noisy frames: the frame data, not the header, makes up most of the file
    path = write_video(tmp_path / "full.mp4", frames_uint8(40, noise=20), options={"crf": "12"},
                       container_options={"movflags": "faststart"})
    data = path.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with open_video(cut) as reader:
        with pytest.warns(TruncatedVideoWarning, match=r"cut\.mp4.*truncated.*read \d+ of 40"):
            frames = list(reader)
    assert 5 < len(frames) < 40
    assert [f.index for f in frames] == list(range(len(frames)))


def test_truncated_avi_warns(tmp_path):
    path = write_video(tmp_path / "full.avi", frames_uint8(30, noise=20), codec="mpeg4",
                       options={"qscale": "2"})
    data = path.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: int(len(data) * 0.8)])
    with open_video(cut) as reader:
        with pytest.warns(TruncatedVideoWarning, match=r"cut\.avi.*of 30 frames"):
            n = sum(1 for _ in reader)
    assert 0 < n < 30


def test_video_cut_before_header_is_input_error(tmp_path):
    path = write_video(tmp_path / "full.mp4", frames_uint8(10))  # moov at the end
    cut = tmp_path / "headless.mp4"
    cut.write_bytes(path.read_bytes()[:2000])
    # which of these FFmpeg reports depends on where the cut falls in the encoder's output
    with pytest.raises(InputError, match=r"headless\.mp4: (cannot open as a video|.*damaged"
                                         r"|the file contains no video stream)"):
        open_video(cut)


def test_garbage_with_video_extension(tmp_path):
    bad = tmp_path / "noise.mp4"
    bad.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    with pytest.raises(InputError, match=r"noise\.mp4: cannot open as a video"):
        open_video(bad)


# ---------------------------------------------------------------------------- TIFF

def test_tiff_imagej_finterval(tmp_path):
    stack = np.stack(frames_uint8(6))
    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, stack, imagej=True, resolution=(1 / 0.05, 1 / 0.05),
                     metadata={"axes": "TYX", "finterval": 250, "tunit": "ms", "unit": "um"})
    with open_video(path) as reader:
        assert len(reader) == 6 and reader.n_frames == 6
        assert reader.frame_shape == (ROWS, COLS)
        assert reader.fps == pytest.approx(4.0)
        assert reader.metadata["time_source"] == "ImageJ finterval"
        tags = reader.metadata["tiff_tags"]
        assert tags["ImageWidth"] == COLS and tags["ImageLength"] == ROWS
        assert "XResolution" in tags and "ImageDescription" in tags
        assert reader.metadata["imagej"]["finterval"] == 250
        frames = list(reader)
        np.testing.assert_array_equal(reader.get_frame(4).image, stack[4])
    np.testing.assert_allclose([f.time_s for f in frames], np.arange(6) * 0.25, atol=1e-12)
    for f, want in zip(frames, stack):
        np.testing.assert_array_equal(f.image, want)


def test_tiff_ome_delta_t_variable_timing(tmp_path):
    stack = np.stack(frames_uint8(5))
    delta = [10.0, 10.4, 11.0, 11.3, 12.0]
    path = tmp_path / "stack.ome.tif"
    tifffile.imwrite(path, stack, ome=True,
                     metadata={"axes": "TYX", "Plane": {"DeltaT": delta}})
    with open_video(path) as reader:
        assert reader.metadata["time_source"] == "OME DeltaT"
        got = [f.time_s for f in reader]
    np.testing.assert_allclose(got, np.array(delta) - 10.0, atol=1e-9)


def test_tiff_without_timing_needs_fps(tmp_path):
    path = tmp_path / "plain.tif"
    with tifffile.TiffWriter(path) as w:
        for img in frames_uint8(4):
            w.write(img, metadata=None)
    with pytest.raises(InputError, match=r"plain\.tif: .*no frame timing.*fps=FPS"):
        open_video(path)
    with open_video(path, fps=2.0) as reader:
        assert [f.time_s for f in reader] == [0.0, 0.5, 1.0, 1.5]


def test_tiff_fps_argument_overrides_metadata_with_warning(tmp_path):
    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, np.stack(frames_uint8(3)), imagej=True,
                     metadata={"axes": "TYX", "finterval": 1.0})
    with pytest.warns(UserWarning, match="overrides the ImageJ finterval"):
        reader = open_video(path, fps=4)
    with reader:
        assert [f.time_s for f in reader] == [0.0, 0.25, 0.5]


def test_tiff_per_page_datetime_and_start_time(tmp_path):
    path = tmp_path / "dated.tif"
    with tifffile.TiffWriter(path) as w:
        for i, img in enumerate(frames_uint8(3)):
            w.write(img, metadata=None, datetime=f"2024:02:29 23:59:{57 + i:02d}")
    with pytest.warns(UserWarning, match="DateTime tags"):
        reader = open_video(path)
    with reader:
        assert reader.start_time == datetime.datetime(2024, 2, 29, 23, 59, 57)
        assert [f.time_s for f in reader] == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("tag,text,source", [
    (34682, "[User]\r\nDate=03/12/2020\r\nTime=01:20:30 PM\r\n\r\n[Scan]\r\n"
            "PixelWidth=2.5e-08\r\n", "FEI_HELIOS"),
    (34118, "AP_DATE\r\nDate :12 Mar 2020\r\nAP_TIME\r\nTime :13:20:30\r\n"
            "AP_PIXEL_SIZE\r\nImage Pixel Size = 25 nm\r\n", "CZ_SEM"),
])
def test_tiff_sem_metadata_start_time(tmp_path, tag, text, source):
    path = tmp_path / "sem.tif"
    tifffile.imwrite(path, np.stack(frames_uint8(2)), metadata=None,
                     extratags=[(tag, "s", 0, text, True)])
    with open_video(path, fps=1) as reader:
        assert reader.start_time == datetime.datetime(2020, 3, 12, 13, 20, 30)
        assert reader.metadata["start_time_source"] == source
        assert source in reader.metadata["tiff_tags"]  # the pixel size is in there


def test_tiff_16bit_and_rgb(tmp_path):
    deep = (np.stack(frames_uint8(2)).astype(np.uint16) * 257)
    path16 = tmp_path / "deep.tif"
    tifffile.imwrite(path16, deep, imagej=True, metadata={"axes": "TYX", "finterval": 0.5})
    with open_video(path16) as reader:
        frame = next(iter(reader))
    assert frame.image.dtype == np.uint16
    np.testing.assert_array_equal(frame.image, deep[0])

    rgb = np.stack([np.dstack([f, f, f]) for f in frames_uint8(2)])
    path_rgb = tmp_path / "rgb.tif"
    tifffile.imwrite(path_rgb, rgb, photometric="rgb", metadata=None)
    with open_video(path_rgb, fps=1) as reader:
        frames = list(reader)
    assert len(frames) == 2 and frames[0].image.shape == (ROWS, COLS)
    assert np.max(np.abs(frames[0].image.astype(int) - rgb[0, :, :, 0])) <= 1


def test_tiff_stream_keeps_memory_flat(tmp_path):
    rows, cols, n = 128, 192, 120
    path = tmp_path / "long.tif"
    with tifffile.TiffWriter(path) as w:
        for i in range(n):
            w.write(np.full((rows, cols), i, np.uint8), contiguous=True)
    with open_video(path, fps=10) as reader:
        tracemalloc.start()
        count = 0
        for frame in reader:
            assert frame.image[0, 0] == count
            count += 1
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert count == n
    assert peak < 12 * rows * cols  # a few frames, not the n * rows * cols of the stack


def test_tiff_mixed_shapes(tmp_path):
    path = tmp_path / "mixed.tif"
    with tifffile.TiffWriter(path) as w:
        w.write(np.zeros((ROWS, COLS), np.uint8))
        w.write(np.zeros((ROWS - 8, COLS), np.uint8))
    with pytest.raises(InputError, match=r"mixed\.tif: .*mixed shapes: page 1 is 64x112"):
        open_video(path, fps=1)


def test_truncated_tiff(tmp_path):
    path = tmp_path / "t.tif"
    tifffile.imwrite(path, np.stack(frames_uint8(4)), imagej=True,
                     metadata={"axes": "TYX", "finterval": 1})
    cut = tmp_path / "cut.tif"
    cut.write_bytes(path.read_bytes()[:3000])
    with pytest.raises(InputError, match=r"cut\.tif: "):
        with open_video(cut, fps=1) as reader:
            list(reader)


def test_float_tiff_rejected_with_fix(tmp_path):
    path = tmp_path / "float.tif"
    tifffile.imwrite(path, np.zeros((2, ROWS, COLS), np.float32))
    with pytest.raises(InputError, match="float32 is not supported.*8- or 16-bit"):
        open_video(path, fps=1)


# ---------------------------------------------------------------------------- folders

def write_pngs(folder, images, names):
    folder.mkdir(exist_ok=True)
    for img, name in zip(images, names):
        assert cv2.imwrite(str(folder / name), img)
    return folder


def test_png_folder_sorted_numerically(tmp_path):
    images = frames_uint8(12)
    names = [f"frame_{i}.png" for i in range(12)]  # frame_2 must come before frame_10
    folder = write_pngs(tmp_path / "frames", images, names)
    (folder / "notes.txt").write_text("not a frame")
    with open_video(folder, fps=5) as reader:
        assert len(reader) == 12 and reader.fps == 5.0
        frames = list(reader)
        np.testing.assert_array_equal(reader.get_frame(10).image, images[10])
    assert [f.time_s for f in frames] == pytest.approx(np.arange(12) / 5)
    for f, want in zip(frames, images):
        np.testing.assert_array_equal(f.image, want)


def test_tiff_folder_16bit_and_single_png(tmp_path):
    folder = tmp_path / "tifs"
    folder.mkdir()
    images = [(f.astype(np.uint16) * 100) for f in frames_uint8(3)]
    for i, img in enumerate(images):
        tifffile.imwrite(folder / f"img{i + 1:03d}.tif", img)
    with open_video(folder, fps=1) as reader:
        got = [f.image for f in reader]
    assert all(g.dtype == np.uint16 for g in got)
    np.testing.assert_array_equal(got[2], images[2])

    one = tmp_path / "one.png"
    cv2.imwrite(str(one), np.dstack([frames_uint8(1)[0]] * 3))  # colour PNG
    with open_video(one) as reader:
        frames = list(reader)
    assert len(frames) == 1 and frames[0].time_s == 0.0 and frames[0].image.ndim == 2


def test_folder_needs_fps(tmp_path):
    folder = write_pngs(tmp_path / "f", frames_uint8(2), ["a1.png", "a2.png"])
    with pytest.raises(InputError, match=r"f: a folder of 2 image frames.*pass fps=FPS"):
        open_video(folder)


def test_folder_times_from_frame_times_csv(tmp_path):
    folder = write_pngs(tmp_path / "f", frames_uint8(3), ["s1.png", "s2.png", "s10.png"])
    (folder / "frame_times.csv").write_text("frame,time_s\n0,12.5\n1,12.75\n2,13.5\n")
    with open_video(folder) as reader:
        assert reader.metadata["time_source"] == "frame_times.csv"
        assert [f.time_s for f in reader] == [0.0, 0.25, 1.0]
    with open_video(folder, fps=2) as reader:  # an explicit fps wins
        assert [f.time_s for f in reader] == [0.0, 0.5, 1.0]
    (folder / "frame_times.csv").write_text("frame,time_s\n0,0\n1,0.1\n")
    with pytest.raises(InputError, match=r"frame_times\.csv: has 2 rows but the folder has 3"):
        open_video(folder)


def test_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"empty: the folder contains no \.png"):
        open_video(tmp_path / "empty", fps=1)


def test_folder_mixed_shapes_names_the_file(tmp_path):
    imgs = frames_uint8(2) + [np.zeros((ROWS, COLS - 8), np.uint8)]
    folder = write_pngs(tmp_path / "f", imgs, ["f1.png", "f2.png", "f3.png"])
    with pytest.raises(InputError, match=r"f3\.png: frames of mixed shapes.*72x104"):
        open_video(folder, fps=1)


# ---------------------------------------------------------------------------- dispatch

def test_missing_file():
    with pytest.raises(InputError, match=r"nope\.mp4: no such file"):
        open_video("/nonexistent/dir/nope.mp4")


def test_unknown_format_lists_known_ones(tmp_path):
    odd = tmp_path / "data.xyz"
    odd.write_bytes(b"hello world, not a video")
    with pytest.raises(InputError, match=r"data\.xyz: unknown file format.*\.mp4.*\.tif.*folders"):
        open_video(odd)


def test_empty_file(tmp_path):
    empty = tmp_path / "zero.mp4"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"zero\.mp4: the file is empty"):
        open_video(empty)


def test_content_beats_extension(tmp_path):
    path = tmp_path / "actually_tiff.dat"
    tifffile.imwrite(path, np.stack(frames_uint8(2)), imagej=True,
                     metadata={"axes": "TYX", "finterval": 1})
    with open_video(path) as reader:
        assert type(reader).__name__ == "TiffStackReader" and len(reader) == 2


@pytest.mark.parametrize("fps", [0, -1, "abc", float("nan")])
def test_bad_fps(tmp_path, fps):
    with pytest.raises(InputError, match="fps must be a positive number"):
        open_video(tmp_path, fps=fps)


def test_reader_no_warning_for_complete_video(tmp_path):
    path = write_video(tmp_path / "ok.mp4", frames_uint8(5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with open_video(path) as reader:
            assert sum(1 for _ in reader) == 5
            assert sum(1 for _ in reader) == 5  # iterating twice works
