"""TrackOptions: the tracking options, defined once, with the analyze pipeline's values."""
import dataclasses
import inspect

import pytest

import vision
from vision.pipeline._analyze import TRACK_OPTIONS
from vision.track import TrackOptions


def test_options_are_not_restated_in_the_signatures():
    fields = {f.name for f in dataclasses.fields(TrackOptions)}
    for func in (vision.track_iter, vision.track.track):
        assert fields.isdisjoint(inspect.signature(func).parameters), func


def test_pipeline_uses_the_defaults():
    assert TRACK_OPTIONS == TrackOptions()
    # the values the analyze pipeline used before the options were unified (issue 10)
    assert TrackOptions().crack_thick_li_px == 13
    assert TrackOptions().whisker_search_range_px == 30.0
    assert TrackOptions().min_whisker_scans == 3
    # the lower layers' own defaults are the same constants
    assert inspect.signature(vision.detect_crack).parameters["thick_li_px"].default == 13
    assert vision.WhiskerLinker().search_range_px == 30.0


def test_frozen_and_validated():
    opts = TrackOptions()
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.high_sigma = 1.0
    with pytest.raises(ValueError, match="high_sigma"):
        TrackOptions(high_sigma=-1)
    with pytest.raises(ValueError, match="measure"):
        TrackOptions(measure=("whiskers", "bubbles"))
    with pytest.raises(ValueError, match="unknown tracking option"):
        opts.replace(hig_sigma=4.0)
    assert opts.replace(measure=["front"]).measure == ("front",)
