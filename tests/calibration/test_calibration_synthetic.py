"""The scale bar of semtrack's own synthetic videos gives back their pixel size."""
import pytest

from calibration import resolve_pixel_size

synthetic = pytest.importorskip("vision.synthetic")


@pytest.mark.parametrize("shape,pixel_um", [((384, 512), 0.2), ((480, 640), 0.13), ((600, 800), 0.5)])
def test_pixel_size_from_synthetic_scale_bar(shape, pixel_um):
    scene = synthetic.preset("whisker", duration_s=1).replace(
        shape=shape, pixel_size_um=pixel_um, counter_electrode_x_px=0.9 * shape[1])
    image, _row = next(iter(synthetic.render_frames(scene)))
    rows = scene.data_bar_rows
    ps = resolve_pixel_size(image=image, data_bar=(shape[0] - rows, shape[0], 0, shape[1]), path="synthetic")
    assert ps.source == "scale_bar"
    assert "label read" in ps.detail
    # the bar is drawn with whole pixels: its length is exact to +-1 px of ~100 px
    assert ps.um == pytest.approx(pixel_um, rel=0.02)
