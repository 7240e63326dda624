"""The results contract has one home, vision._schema; writers and readers take it from there."""
import vision._schema as schema
from vision.annotate import EVENT_NAMES as ANNOTATE_EVENTS
from vision.annotate import FAILURE_MODES as ANNOTATE_MODES
from vision.pipeline import _analyze, _events, _failure, _save


def test_one_home_for_the_contract():
    assert ANNOTATE_MODES is schema.FAILURE_MODES
    assert ANNOTATE_EVENTS is schema.EVENT_NAMES
    assert _failure.FAILURE_MODES is schema.FAILURE_MODES
    assert _events.EVENT_NAMES is schema.EVENT_NAMES
    assert _events.EVENT_COLUMNS is schema.EVENT_COLUMNS
    assert _analyze.FRAME_COLUMNS is schema.FRAME_COLUMNS
    assert _save.WHISKER_COLUMNS is schema.WHISKER_COLUMNS
    assert set(schema.EVENT_SUMMARY_KEYS) == set(schema.EVENT_NAMES)

