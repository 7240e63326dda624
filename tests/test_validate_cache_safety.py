"""benchmarks/validate.py replaces only its own scene renders in --cache (issue 15.1: never
delete or overwrite what semtrack did not write)."""
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import validate  # noqa: E402

NOTE = "my measurements\n"


def test_a_folder_of_the_users_at_a_scene_path_stops_the_run(tmp_path):
    folder = tmp_path / "cache" / "5000"
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text(NOTE)
    with pytest.raises(SystemExit, match="notes.txt|not a scene render"):
        validate.render_scene(5000, folder, "presets")
    assert (folder / "notes.txt").read_text() == NOTE


def test_a_killed_renders_leftover_is_replaced_and_a_finished_one_reused(tmp_path, monkeypatch):
    folder = tmp_path / "cache" / "whisker"
    leftover = folder.with_name(f".{folder.name}.tmp{validate.os.getpid()}")
    leftover.mkdir(parents=True)
    (leftover / "scene.mp4").write_bytes(b"half a video")  # a render killed midway
    calls = []

    def render(scene, out, name):
        calls.append(out)
        out.mkdir(parents=True, exist_ok=True)
        res = {}
        for key, suffix in (("video", ".mp4"), ("trace", "_trace.mpt"),
                            ("truth_json", "_truth.json"), ("truth_frames", "_truth_frames.csv"),
                            ("truth_whiskers", "_truth_whiskers.csv")):
            (out / f"{name}{suffix}").write_text("x")
            res[key] = out / f"{name}{suffix}"
        return type("R", (), {**res, "n_frames": 3})

    from vision import synthetic
    monkeypatch.setattr(synthetic, "render", render)
    monkeypatch.setattr(validate, "scene_for_seed", lambda seed, source: (object(), "whisker"))
    info = validate.render_scene("whisker", folder, "presets")
    assert info["n_frames"] == 3 and json.loads((folder / "DONE.json").read_text()) == info
    assert not leftover.exists() and calls == [leftover]
    assert validate.render_scene("whisker", folder, "presets") == info and len(calls) == 1
