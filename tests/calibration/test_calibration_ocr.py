"""The optional Tesseract backend for scale-bar labels: parsing, gating, and the adapter.

The OCR engine itself is optional and not needed by the suite: the adapter is tested
with a stand-in module that returns what Tesseract 5.3 returned on the real Zeiss labels
(measured: '10 µm' on FeMoOx_AntiA_04, '1 m' on 1-as-cast_16 where it drops the µ).
"""
import sys
import types

import numpy as np
import pytest

from calibration import _scale_label_ocr as ocr


@pytest.mark.parametrize("text, expected", [
    ("10 µm\n", (10.0, "10 µm")),
    ("1 um*", (1.0, "1 µm")),
    ("200 nm", (0.2, "200 nm")),
    ("5,0 mm", (5000.0, "5.0 mm")),
    ("2 pm", (2.0, "2 µm")),   # a µ read as p: SEM bars are never in picometres
    ("1 m", None),             # a dropped µ: refused, never read as metres
    ("EHT", None),
])
def test_parse_ocr_label(text, expected):
    got = ocr.parse_ocr_label(text)
    if expected is None:
        assert got is None
    else:
        assert got[0] == pytest.approx(expected[0]) and got[1] == expected[1]


def _fake_tesseract(monkeypatch, answer):
    fake = types.ModuleType("pytesseract")
    fake.get_tesseract_version = lambda: "5.3.0"
    fake.calls = []

    def image_to_string(img, config=""):
        fake.calls.append((img.shape, config))
        return answer

    fake.image_to_string = image_to_string
    monkeypatch.setitem(sys.modules, "pytesseract", fake)
    ocr.tesseract_available.cache_clear()
    return fake


def test_adapter_with_tesseract(monkeypatch):
    fake = _fake_tesseract(monkeypatch, "10 µm\n")
    norm = np.zeros((40, 100))
    norm[20:30, 10:60] = 1.0
    assert ocr.tesseract_available()
    assert ocr.read_label_tesseract(norm, (10, 59, 20, 29)) == (10.0, "10 µm")
    shape, config = fake.calls[0]
    assert shape[0] >= 40 and "--psm 7" in config  # upscaled, one text line
    ocr.tesseract_available.cache_clear()


def test_refuses_dropped_micro(monkeypatch):
    _fake_tesseract(monkeypatch, "1 m\n")
    assert ocr.read_label_tesseract(np.ones((20, 40)), (2, 30, 2, 15)) is None
    ocr.tesseract_available.cache_clear()


def test_not_installed(monkeypatch):
    monkeypatch.setitem(sys.modules, "pytesseract", None)  # import fails
    ocr.tesseract_available.cache_clear()
    assert not ocr.tesseract_available()
    assert ocr.read_label_tesseract(np.ones((20, 40)), (2, 30, 2, 15)) is None
    ocr.tesseract_available.cache_clear()
