"""Pixel size: where it comes from and what it says (issue 16: a planted bug must not survive).

Written against the survivors of the wave-14 mutation run of ``calibration/_pixel_size.py``
(``benchmarks/mutate_changed.py``, the whole file, with ``tests/calibration/``). The scale
bar is replaced by a bar of known length (``measure_scale_bar`` is looked up when a bar is
measured), so the cross-check's tolerance (the bar's +-1 px plus 2 % for the label's
rounding), the options handed to the bar search, the texts and the file named in every
error are checked exactly.
"""
import logging

import numpy as np
import pytest

import calibration._scale_bar as scale_bar_module
from calibration import InputError, PixelSize, resolve_pixel_size
from calibration._pixel_size import CROSS_CHECK_TOLERANCE, pixel_size_from_tags
from calibration._scale_bar import ScaleBar

#: Zeiss CZ_SEM: a 50 um field over 100 px: 0.5 um/px.
ZEISS = {"CZ_SEM": {"ap_width": ("Width", 50.0, "µm"), "dp_image_store": ("Store resolution", "100 * 60")}}
ZEISS_WIDTH_ONLY = {"CZ_SEM": {"ap_width": ("Width", 50.0, "µm")}}
IMAGE = np.zeros((60, 100), np.uint8)
BAR = dict(length_px=100.0, x0=20.0, x1=120.0, row=81.0, thickness_px=3)


@pytest.fixture
def bar(monkeypatch):
    """A scale bar of 100 px; the calls to the bar search are recorded."""
    calls, found = [], {"bar": ScaleBar(**BAR, label_um=50.0, label_text="50 um")}

    def fake(image, *, region=None, read_label=True):
        calls.append({"region": region, "read_label": read_label})
        return found["bar"]

    monkeypatch.setattr(scale_bar_module, "measure_scale_bar", fake)
    return calls, found


def test_the_documented_tolerance():
    assert CROSS_CHECK_TOLERANCE == 0.02


@pytest.mark.parametrize("bar_um, agrees, pct", [(51.47, True, "2.9"), (51.97, False, "3.9")])
def test_the_scale_bar_agrees_within_one_pixel_and_the_labels_rounding(bar, caplog, bar_um, agrees, pct):
    # metadata 0.5 um/px; a 100 px bar of bar_um: 2.94 % (3.94 %) apart, allowed 1 % + 2 %
    calls, _ = bar
    base = resolve_pixel_size(tiff_tags=ZEISS, image=IMAGE)
    caplog.set_level(logging.INFO, logger="calibration._pixel_size")
    ps = resolve_pixel_size(tiff_tags=ZEISS, image=IMAGE, scale_bar_um=bar_um, path="run.tif")
    assert ps.um == base.um == pytest.approx(0.5) and ps.source == "zeiss_metadata"
    word = "agrees within" if agrees else "disagrees by"
    assert ps.detail == f"{base.detail}; scale bar {word} {pct} %"
    assert calls == [{"region": None, "read_label": False}]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    if agrees:
        assert warnings == []
    else:
        assert warnings == [
            "--scale-bar-um gives 0.5197 µm/px (bar 100.0 px = 51.97 µm) but the metadata 0.5 µm/px "
            "(3.9 % apart, more than the bar's ±1 px reading allows); using the metadata "
            "(pass --pixel-size to override)"]
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert infos == [f"pixel size 0.5 µm from zeiss_metadata ({base.detail})"]


def test_the_cross_check_reads_the_label_in_the_data_bar_given(bar, caplog):
    calls, found = bar
    found["bar"] = ScaleBar(**BAR, label_um=60.0, label_text="60 um")
    ps = resolve_pixel_size(tiff_tags=ZEISS, image=IMAGE, data_bar=(50, 60, 0, 100))
    assert calls == [{"region": (50, 60, 0, 100), "read_label": True}]
    assert ps.detail.endswith("; scale bar disagrees by 20.0 %")
    assert "the scale-bar label '60 um' gives 0.6 µm/px" in caplog.text


def test_no_cross_check_without_a_bar_to_look_for(bar):
    calls, _ = bar
    # an image but neither --scale-bar-um nor a data bar; a data bar but no image
    resolve_pixel_size(tiff_tags=ZEISS, image=IMAGE)
    resolve_pixel_size(tiff_tags=ZEISS, data_bar=(50, 60, 0, 100))
    assert calls == []


def test_the_pixel_size_from_the_scale_bar_and_what_it_says(bar, caplog):
    calls, found = bar
    caplog.set_level(logging.INFO, logger="calibration._pixel_size")
    ps = resolve_pixel_size(image=IMAGE, scale_bar_um=40.0, data_bar=(50, 60, 0, 100))
    assert ps == PixelSize(um=0.4, source="scale_bar", detail=(
        "scale bar 100.0 px = 40 µm (given by --scale-bar-um; x 20.0-120.0, row 81); "
        "±1 px = ±1.0 %"))
    assert calls == [{"region": (50, 60, 0, 100), "read_label": False}]
    assert caplog.records[-1].getMessage() == f"pixel size 0.4 µm from the {ps.detail}"
    found["bar"] = ScaleBar(**dict(BAR, length_px=80.0), label_um=20.0, label_text="20 um")
    ps = resolve_pixel_size(image=IMAGE)
    assert ps.um == 0.25
    assert ps.detail == ("scale bar 80.0 px = 20 µm (label read as '20 um'; x 20.0-120.0, row 81); "
                         "±1 px = ±1.2 %")
    assert calls[-1] == {"region": None, "read_label": True}


@pytest.mark.parametrize("text, guess", [("1O um", " (best guess '1O um', not certain)"), (None, ""),
                                         ("", "")])
def test_an_unread_label_says_what_to_pass(bar, text, guess):
    _, found = bar
    found["bar"] = ScaleBar(**BAR, label_um=None, label_text=text)
    with pytest.raises(InputError) as err:
        resolve_pixel_size(image=IMAGE, path="run.tif")
    assert str(err.value).endswith(
        f"found a scale bar of 100.0 px at row 81 but could not read its label{guess}; pass "
        "--scale-bar-um UM (the bar's length in µm) or --pixel-size UM")
    assert err.value.path == "run.tif"


@pytest.mark.parametrize("data_bar, where", [((50, 60, 0, 100), "in the data bar"), (None, "in the image")])
def test_no_bar_found_says_where_it_was_looked_for(bar, data_bar, where):
    _, found = bar
    found["bar"] = None
    with pytest.raises(InputError) as err:
        resolve_pixel_size(image=IMAGE, data_bar=data_bar, path="run.tif")
    assert str(err.value).endswith(f"no pixel size in the file metadata and no scale bar found {where}; "
                                   "pass --pixel-size UM (µm per pixel)")
    assert err.value.path == "run.tif"


def test_every_error_names_the_file():
    cases = [dict(user_um="abc"), dict(user_um=-1.0), dict(scale_bar_um="abc"),
             dict(scale_bar_um=0.0), dict(tiff_tags=[1, 2]), dict()]
    for kwargs in cases:
        with pytest.raises(InputError) as err:
            resolve_pixel_size(path="run.tif", **kwargs)
        assert err.value.path == "run.tif", kwargs
    with pytest.raises(InputError, match=r"tiff_tags must be a dict of tag name -> value, got list$"):
        resolve_pixel_size(tiff_tags=[1, 2])
    with pytest.raises(InputError, match=r"no pixel size in the file metadata and no image to find a "
                       r"scale bar in; pass --pixel-size UM \(µm per pixel\)$"):
        resolve_pixel_size()


def test_a_user_value_says_so():
    assert resolve_pixel_size(user_um=0.25) == PixelSize(0.25, "user", "given by the user: 0.25 µm")


def test_zero_is_no_pixel_size():
    with pytest.raises(InputError, match="pixel size must be a positive number"):
        PixelSize(um=0.0, source="user")


def test_the_zeiss_width_over_the_image_width_given():
    ps = pixel_size_from_tags(ZEISS_WIDTH_ONLY, image_width_px=200)
    assert ps.um == pytest.approx(0.25) and ps.source == "zeiss_metadata"
    # a grey frame (rows, cols): its columns
    assert resolve_pixel_size(tiff_tags=ZEISS_WIDTH_ONLY, image=np.zeros((60, 400), np.uint8)).um == \
        pytest.approx(0.125)
