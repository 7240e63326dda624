"""Digests and CPU times of the preprocessing stages of videos, to compare two trees.

``PYTHONPATH=TREE python benchmarks/preprocess_digest.py OUT.json VIDEO...`` decodes each
video (``vision.open_video``), runs ``mark_refreshes`` over it and, on every frame with new
complete content, the drift registration as the tracker sets it up (``DriftTracker``,
downsampled by the frame's shorter side // 384) and ``shift_image`` (by the drift plus a
fixed sub-pixel offset, so that the resampling is exercised), and ``content_box`` and
``find_data_bar`` on the first such frame. It writes, per video, a SHA-256 (16 hex digits)
of the decoded images, of every frame's refresh flags and times, of the drifts, of the
shifted images, of the content box and of the data bar, and the process CPU seconds of each
stage (``cpu_refresh`` includes the decode it pulls: subtract ``cpu_decode``). Run it with
two trees on the same videos: equal digests mean the stages hand on the same arrays and
decisions, bit for bit (wave 18, issue 14).
"""
import hashlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import hash_update  # noqa: E402  (benchmarks/ is not a package)

#: The tracker's drift downsampling: the shorter side binned to about this many pixels
#: (``vision/track/_tracker.py`` ``DRIFT_TARGET_SIDE_PX``).
DRIFT_TARGET_SIDE_PX = 384
#: Sub-pixel offset added to the drift for ``shift_image`` (px): a non-integer shift.
SHIFT_PROBE_PX = (0.37, -0.21)


def _update(h, *values):
    hash_update(h, *values)


def digest_video(path):
    """Digests and CPU seconds of the preprocessing stages of one video (see module)."""
    import numpy as np

    from vision import open_video
    from vision.preprocess._border import content_box
    from vision.preprocess._databar import find_data_bar
    from vision.preprocess._refresh import mark_refreshes
    from vision.preprocess._register import DriftTracker, shift_image

    hs = {k: hashlib.sha256() for k in ("image", "refresh", "drift", "shift", "border", "bar")}
    cpu = dict.fromkeys(("decode", "refresh", "drift", "shift", "border_bar"), 0.0)
    n_frames = n_new = 0
    tracker = None

    def timed(frames):
        it = iter(frames)
        while True:
            c = time.process_time()
            try:
                frame = next(it)
            except StopIteration:
                return
            finally:
                cpu["decode"] += time.process_time() - c
            _update(hs["image"], frame.image)
            yield frame

    with open_video(path) as reader:
        marked = mark_refreshes(timed(reader))
        while True:
            c = time.process_time()
            try:
                f = next(marked)
            except StopIteration:
                break
            finally:
                cpu["refresh"] += time.process_time() - c
            n_frames += 1
            _update(hs["refresh"], f.index, f.time_s, f.is_keyframe, f.is_duplicate,
                    f.partial_refresh, f.tear_row, f.content_time_s)
            if f.is_duplicate or f.partial_refresh:
                continue
            n_new += 1
            img = f.image
            if tracker is None:
                c = time.process_time()
                _update(hs["border"], content_box(img))
                _update(hs["bar"], repr(find_data_bar(img)))
                cpu["border_bar"] += time.process_time() - c
                tracker = DriftTracker(downsample=max(1, min(img.shape) // DRIFT_TARGET_SIDE_PX))
            g = img.astype(np.float32)
            c = time.process_time()
            drift = tracker.update(g)
            cpu["drift"] += time.process_time() - c
            _update(hs["drift"], drift, tracker.n_rereferences)
            c = time.process_time()
            shifted = shift_image(g, drift[0] + SHIFT_PROBE_PX[0], drift[1] + SHIFT_PROBE_PX[1])
            cpu["shift"] += time.process_time() - c
            _update(hs["shift"], shifted)
    return {**{k: h.hexdigest()[:16] for k, h in hs.items()}, "frames": n_frames,
            "new_complete": n_new, **{f"cpu_{k}_s": round(v, 3) for k, v in cpu.items()}}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    import cv2

    cv2.setNumThreads(1)
    out = {}
    for video in argv[1:]:
        out[video] = digest_video(video)
        print(video, json.dumps(out[video]), flush=True)
    Path(argv[0]).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
