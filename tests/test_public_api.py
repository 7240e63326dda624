"""The public names of vision, electrochem and calibration do not change by accident.

``tests/public_api.json`` holds the sorted ``__all__`` of each package, taken before the
layered redesign of vision (issue 10). A change of the public API edits that file on
purpose, in the same commit.
"""
import importlib
import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

SNAPSHOT = json.loads((Path(__file__).with_name("public_api.json")).read_text())


@pytest.mark.parametrize("package", sorted(SNAPSHOT))
def test_public_names_unchanged(package):
    module = importlib.import_module(package)
    assert sorted(module.__all__) == SNAPSHOT[package]
    for name in module.__all__:  # every name resolves (lazy names load)
        getattr(module, name)


@pytest.mark.parametrize("sub, name", [("io", "open_video"), ("io", "Frame"),
                                       ("preprocess", "mark_refreshes"), ("measure", "detect_crack"),
                                       ("track", "track_iter"), ("pipeline", "analyze"),
                                       ("batch", "run_batch")])
def test_subpackages_are_the_same_namespace(sub, name):
    import vision
    module = importlib.import_module(f"vision.{sub}")
    assert getattr(module, name) is getattr(vision, name)
    assert name in module.__all__


@pytest.mark.parametrize("old, new", [("vision._track", "vision.track._tracker"),
                                      ("vision._io", "vision.io"),
                                      ("vision._analyze", "vision.pipeline._analyze")])
def test_old_private_paths_warn_and_alias(old, new):
    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(old)
    assert module is importlib.import_module(new)
    assert any(issubclass(w.category, DeprecationWarning) and old in str(w.message) for w in caught)


def test_import_vision_is_light():
    """``import vision`` loads none of the heavy libraries (they load on first use)."""
    code = ("import sys, vision; heavy = {'cv2', 'pandas', 'scipy', 'dask', 'matplotlib', 'av'}; "
            "print(sorted(heavy & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_vision_track_still_calls_the_tracker():
    import vision
    import vision.track
    assert callable(vision.track)
    assert vision.track.__call__  # the subpackage forwards calls to vision.track.track
    assert "track" in vision.track.__all__


def test_subpackages_load_on_attribute_access():
    code = "import vision; assert vision.io.open_video is vision.open_video; print(vision.batch.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "vision.batch"
