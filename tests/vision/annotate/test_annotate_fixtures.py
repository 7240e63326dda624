"""A results folder in the format ``semtrack analyze``/``batch`` write, for the annotate tests.

Other ``test_annotate_*`` modules import :func:`write_batch` from here; the
tests in this module check that the fixture follows the results contract, so
that the annotation tests run against format-correct data.
"""
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

FPS = 10.0
WIDTH, HEIGHT = 96, 64  # non-square on purpose
N_FRAMES = 24
GOP = 6                 # keyframe every 6 frames: seeking is exercised

#: name -> (failure_mode, short_circuit, events {name: frame})
VIDEOS = {
    "cell_a": ("lateral_growth", False, {"growth_onset": 3, "lateral_onset": 9}),
    "cell_b": ("fracture", True, {"growth_onset": 2, "crack_initiation": 12,
                                  "short_circuit": 18}),
    "cell_c": ("none", False, {}),
}

#: name -> automatic growth modes (summary.json ``growth_modes``)
GROWTH = {"cell_a": ["whisker", "lateral"], "cell_b": ["crack"], "cell_c": []}


def frame_level(index):
    """The grey level frame ``index`` of every fixture video is filled with."""
    return 20 + 9 * index


def write_video(path, *, n_frames=N_FRAMES, fps=FPS, width=WIDTH, height=HEIGHT):
    """H.264 MP4 whose frame i is a flat grey of :func:`frame_level` (i), with a bright bar."""
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=int(fps))
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.options = {"g": str(GOP), "keyint_min": str(GOP), "sc_threshold": "0",
                          "bf": "2", "crf": "10", "preset": "ultrafast"}
        for i in range(n_frames):
            img = np.full((height, width, 3), frame_level(i), dtype=np.uint8)
            img[4:8, 4:4 + 2 * i] = 255
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def write_result(folder, name, failure_mode, short_circuit, events, *, original_inside=False,
                 original_outside=None):
    """Write one complete results folder; return its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    times = np.arange(N_FRAMES) / FPS
    # an SEM scan lasts two video frames: every odd frame repeats the previous scan
    is_dup = (np.arange(N_FRAMES) % 2 == 1)
    voltage = -0.1 - 0.02 * np.arange(N_FRAMES)
    current = -1e-6 * (1 + 0.1 * np.arange(N_FRAMES))
    frames = pd.DataFrame({
        "frame": np.arange(N_FRAMES), "time_s": times, "is_duplicate": is_dup,
        "drift_x_px": 0.0, "drift_y_px": 0.0, "whisker_count": np.arange(N_FRAMES) // 6,
        "max_whisker_length_um": 0.5 * np.arange(N_FRAMES), "li_area_um2": 2.0 * np.arange(N_FRAMES),
        "front_distance_um": 0.1 * np.arange(N_FRAMES), "crack_length_um": 0.0,
        "voltage_V": voltage, "current_A": current})
    frames.to_csv(folder / "frames.csv", index=False)
    pd.DataFrame({"frame": [3, 3], "time_s": [0.3, 0.3], "whisker_id": [0, 1],
                  "length_um": [1.0, 2.0], "tip_x_um": [3.0, 4.0], "tip_y_um": [5.0, 6.0]}
                 ).to_csv(folder / "whiskers.csv", index=False)
    rows = [{"event": ev, "time_s": times[f], "frame": f, "voltage_V": voltage[f],
             "current_A": current[f], "source": "trace" if ev == "short_circuit" else "video"}
            for ev, f in events.items()]
    pd.DataFrame(rows, columns=["event", "time_s", "frame", "voltage_V", "current_A", "source"]
                 ).to_csv(folder / "events.csv", index=False)
    write_video(folder / "overlay.mp4")
    if original_outside is not None:
        video_path = str(original_outside)
    elif original_inside:
        write_video(folder / "original.mp4")
        video_path = "original.mp4"  # relative: to the results folder
    else:
        video_path = f"/nonexistent/videos/{name}.mp4"
    (folder / "report.html").write_text(f"<html><body><h1>{name}</h1></body></html>")
    t = {ev: float(times[f]) for ev, f in events.items()}
    summary = {
        "failure_mode": failure_mode,
        "failure_evidence": [f"fixture evidence for {failure_mode}",
                             {"kind": "test", "value": 1.0}],
        "short_circuit": short_circuit,
        "short_circuit_time_s": t.get("short_circuit"),
        "lateral_onset_time_s": t.get("lateral_onset"),
        "crack_initiation_time_s": t.get("crack_initiation"),
        "crack_initiation_voltage_V": (float(voltage[events["crack_initiation"]])
                                       if "crack_initiation" in events else None),
        "contact_loss_time_s": t.get("contact_loss"),
        "growth_onset_time_s": t.get("growth_onset"),
        "growth_modes": GROWTH.get(name, []),
        "growth_mode_evidence": [{"mode": m, "present": m in GROWTH.get(name, []),
                                  "first_time_s": 0.3 if m in GROWTH.get(name, []) else None,
                                  "value": 1.0, "threshold": 1.0, "text": f"fixture {m}"}
                                 for m in ("whisker", "lateral", "crack", "stripping")],
        "max_growth_rate_um_s": 1.5,
        "max_local_current_density_A_cm2": 0.2,
        "growth_rates": [{"whisker_id": 0, "step": 0, "t_start_s": 0.3, "t_end_s": 0.5,
                          "rate_um_s": 1.5, "current_density_A_cm2": 0.2}],
        "pixel_size_um": 0.05, "pixel_size_source": "fixture",
        "sync_offset_s": 0.0, "sync_method": "fixture",
        "n_frames": N_FRAMES, "n_duplicate_frames": int(is_dup.sum()),
        "scan_period_s": 2 / FPS,
        "inputs": {"video": {"path": video_path,
                             "sha256": hashlib.sha256(name.encode()).hexdigest()},
                   "trace": None},
        "semtrack_version": "0.1.0", "parameters": {}, "video_name": name,
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=2))
    return folder


def write_batch(root, videos=VIDEOS, *, original_inside=("cell_a",)):
    """A batch results folder ``root/<name>/`` for each of ``videos``; return ``root``."""
    root = Path(root)
    for name, (mode, sc, events) in videos.items():
        write_result(root / name, name, mode, sc, events,
                     original_inside=name in original_inside)
    return root


def test_fixture_follows_results_contract(tmp_path):
    import av

    root = write_batch(tmp_path / "batch")
    for name in VIDEOS:
        folder = root / name
        summary = json.loads((folder / "summary.json").read_text())
        for key in ("failure_mode", "failure_evidence", "short_circuit", "n_frames",
                    "inputs", "video_name", "scan_period_s", "growth_rates"):
            assert key in summary
        frames = pd.read_csv(folder / "frames.csv")
        assert list(frames.columns) == [
            "frame", "time_s", "is_duplicate", "drift_x_px", "drift_y_px", "whisker_count",
            "max_whisker_length_um", "li_area_um2", "front_distance_um", "crack_length_um",
            "voltage_V", "current_A"]
        assert len(frames) == summary["n_frames"] == N_FRAMES
        events = pd.read_csv(folder / "events.csv")
        assert list(events.columns) == ["event", "time_s", "frame", "voltage_V", "current_A",
                                        "source"]
        with av.open(str(folder / "overlay.mp4")) as container:
            stream = container.streams.video[0]
            decoded = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        assert len(decoded) == N_FRAMES
        assert decoded[0].shape == (HEIGHT, WIDTH, 3)
        # every frame is recognisable by its grey level (lossy codec: +-3)
        levels = [float(np.median(img[20:, :, 1])) for img in decoded]
        np.testing.assert_allclose(levels, [frame_level(i) for i in range(N_FRAMES)], atol=3)
