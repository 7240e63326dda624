"""Front and crack measurements against the synthetic generator's truth.

The lateral front and the control video go end to end through the tracking
pipeline (``vision.track``, which calls :func:`measure_front` and
:func:`detect_crack` once per new scan). The crack is measured with the
minimal preprocessing below, so that its figures are those of
:func:`detect_crack` itself.

The generator's 'lateral', 'crack' and 'control' presets are rendered with
artefacts on (noise, scan lines, drift of 3 px/s, +-20 % flicker, duplicated
and torn frames). To test *these* functions rather than the tracking
pipeline (whose own end-to-end tests are in ``test_tracking_synthetic.py``),
the frames go through a minimal preprocessing here: duplicates and torn
frames skipped, drift removed by phase correlation against the first frame,
flicker removed by a linear fit to it, a background model from the first
six scans, Li = smoothed |difference| above 5 sigma (hysteresis down to
2.5 sigma), and the needle and the whisker masked from the scene geometry.
Figures achieved are in the assertion messages.
"""
import math

import cv2
import numpy as np
import pandas as pd

from vision import CounterElectrode, FrontCrackState, crack_background, detect_crack, measure_front
from vision.synthetic import Artefacts, preset, render_frames

HARD = Artefacts(drift_px_s=3.0, flicker=0.2)
N_BACKGROUND = 6
_CACHE = {}


def _needle_and_whiskers(scene, shape, grow=8.0):
    """Exclusion mask from the scene geometry (tracking finds these in practice)."""
    ex, ey = scene.electrode_xy_px
    r = scene.electrode_radius_px
    a = math.radians(scene.needle_angle_deg)
    d = np.array([math.cos(a), math.sin(a)])
    n = np.array([-d[1], d[0]])
    tip = np.array([ex, ey]) + d * 0.35 * r
    far = tip + d * sum(shape)
    w0, w1 = 0.12 * r + grow, 0.12 * r + 0.10 * sum(shape) + grow
    m = np.zeros(shape, np.uint8)
    cv2.fillPoly(m, [np.round([tip + n * w0, far + n * w1, far - n * w1, tip - n * w0]).astype(np.int32)], 1)
    cv2.circle(m, tuple(int(v) for v in np.round(tip)), int(w0), 1, -1)
    for w in scene.whiskers:
        b = math.radians(w.angle_deg if w.base_angle_deg is None else w.base_angle_deg)
        base = np.array([ex + r * math.cos(b), ey + r * math.sin(b)])
        u = np.array([math.cos(math.radians(w.angle_deg)), math.sin(math.radians(w.angle_deg))])
        p0, p1 = base - 5 * u, base + sum(shape) * u
        cv2.line(m, tuple(int(v) for v in p0), tuple(int(v) for v in p1), 1,
                 int(round(w.width_px + 2 * grow)))
    return m.astype(bool)


def _li_mask(img, background, electrode_xy, radius):
    d = np.abs(cv2.GaussianBlur(background - img, (0, 0), 1.2))
    s = 1.4826 * np.median(np.abs(d[::3, ::3] - np.median(d[::3, ::3])))
    low = (d > 2.5 * s).astype(np.uint8)
    n, lab, _, _ = cv2.connectedComponentsWithStats(low, connectivity=8)
    keep = np.zeros(n, bool)
    keep[np.unique(lab[d > 5.0 * s])] = True
    keep[0] = False
    yy, xx = np.ogrid[:img.shape[0], :img.shape[1]]
    disc = (xx - electrode_xy[0]) ** 2 + (yy - electrode_xy[1]) ** 2 <= radius ** 2
    return keep[lab] | disc


def _run(name):
    """Measure every new, complete scan of preset ``name``; cached per module run.

    A UNIT test of measure_front/detect_crack: it injects truth on purpose (the truth's
    duplicate and torn flags, the needle and whisker masks and the electrode disc from the
    scene geometry) to isolate these functions from the tracker. The whole-pipeline
    figures are those of :func:`_track` here and of tests/test_accuracy_seeds.py.
    """
    if name in _CACHE:
        return _CACHE[name]
    scene = preset(name, artefacts=HARD)
    rows = scene.shape[0] - scene.data_bar_rows
    ex_mask = _needle_and_whiskers(scene, (rows, scene.shape[1]))
    e, r = scene.electrode_xy_px, scene.electrode_radius_px
    ce = CounterElectrode(side="right", boundary_px=scene.counter_electrode_x_px)
    win = cv2.createHanningWindow((scene.shape[1], rows), cv2.CV_32F)
    ref, stack, bg, prepared = None, [], None, None
    state = FrontCrackState()
    out = []
    for img, t in render_frames(scene):
        if t["is_duplicate"] or t["partial_refresh"]:
            continue
        im = img[:rows].astype(np.float32)
        if ref is None:
            ref = im
        else:
            (dx, dy), _ = cv2.phaseCorrelate(ref, im, win)
            im = cv2.warpAffine(im, np.float32([[1, 0, -dx], [0, 1, -dy]]), (im.shape[1], rows),
                                flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        a, b = im[::4, ::4].ravel(), ref[::4, ::4].ravel()
        ok = (a > 12) & (a < 243) & (b > 12) & (b < 243)
        gain, off = np.polyfit(a[ok], b[ok], 1)
        im = im * np.float32(gain) + np.float32(off)
        if len(stack) < N_BACKGROUND:
            stack.append(im)
            if len(stack) == N_BACKGROUND:
                bg = np.mean(stack, axis=0).astype(np.float32)
                prepared = crack_background(bg)
            continue
        li = _li_mask(im, bg, e, r)
        front = measure_front(li, electrode_xy_px=e, electrode_radius_px=r, counter_electrode=ce,
                              exclude_mask=ex_mask)
        crack = detect_crack(im, electrode_xy_px=e, electrode_radius_px=r, background=prepared,
                             exclude_mask=ex_mask)
        upd = state.update(frame_index=t["frame"], time_s=t["time_s"], front=front, crack=crack)
        out.append(dict(t, m_distance=front.max_distance_px, m_touching=front.touching,
                        m_area=front.area_px, m_fd=front.fractal_dimension,
                        m_length=math.nan if crack is None else crack.path_length_px,
                        m_tip_x=math.nan if crack is None else crack.tip_xy_px[0],
                        m_tip_y=math.nan if crack is None else crack.tip_xy_px[1],
                        m_speed=upd.crack_tip_speed_px_s))
    res = (scene, pd.DataFrame(out), state)
    _CACHE[name] = res
    return res


def _track(name, measure=None):
    """End to end through the tracking pipeline (``vision.track``)."""
    key = ("track", name, measure)
    if key in _CACHE:
        return _CACHE[key]
    # as a user's run: refreshes, data bar, electrode and counter electrode boundary are
    # found by semtrack (the user says only on which side the counter electrode is)
    from vision import Frame, find_data_bar, mark_refreshes, track
    scene = preset(name, artefacts=HARD)
    frames, truth = [], []
    for img, t in render_frames(scene):
        frames.append(Frame(t["frame"], t["time_s"], img))
        truth.append(t)
    options = {} if measure is None else {"measure": measure}
    bar = find_data_bar(frames[0].image)
    tracks = track(list(mark_refreshes(frames)), pixel_size_um=scene.pixel_size_um,
                   data_bar=None if bar is None else (bar.top, bar.bottom, bar.left, bar.right),
                   counter_electrode="right", **options)
    d = tracks.frames.merge(pd.DataFrame(truth), on="frame", suffixes=("", "_t"))
    _CACHE[key] = (scene, tracks, d)
    return _CACHE[key]


def test_lateral_front_distance_and_touchdown():
    # the crack tracker is off here: a fresh lateral branch taken for a crack
    # candidate would be cut out of the front by the tracker (its business)
    scene, tracks, d = _track("lateral", measure=("whiskers", "front"))
    grow = d[(d["front_distance_px"] > scene.electrode_radius_px + 5) & ~d["front_touching_t"]]
    err = grow["front_distance_um"] / scene.pixel_size_um - grow["front_distance_px"]
    rms = float(np.sqrt(np.nanmean(err ** 2)))
    msg = f"max-distance error over {len(err)} frames before touch-down: RMS {rms:.2f} px, " \
          f"median {err.median():+.2f} px, worst {err.abs().max():.1f} px"
    # The front's first scan (t = 10 s) is two young, straight, unbranched 20-px trunks:
    # in one scan they cannot be told from whiskers the whisker finder missed, and a
    # straight rod is not lateral lithium (issue 15, measure_front(exclude_rods=True)),
    # so that one scan may be missing; from the second scan on (the trunks branch) every
    # frame has the front.
    scan = int(round(scene.fps * scene.scan_period_s))
    first = grow["content_time_s"] <= grow["content_time_s"].min() + 1e-9
    assert first.sum() <= scan
    late = err[~first.to_numpy()]
    assert late.notna().all(), f"front missed in {int(late.isna().sum())} of {len(late)} frames " \
                               "after the front's first scan"
    # target 2 px RMS. Achieved: |error| <= 1 px in every scan, RMS 0.64 px (with the
    # first scan: its rods, masked out as whiskers, gave 8 px short, RMS 2.2 px)
    assert (err.dropna().abs() <= 2.0).all(), msg
    assert rms <= 1.0, msg
    true_td = int(d.loc[d["front_touching_t"], "frame"].min())
    assert tracks.touchdown_frame is not None, "no touch-down found"
    assert 0 <= tracks.touchdown_frame - true_td <= scan, \
        f"touch-down at frame {tracks.touchdown_frame}, truth {true_td}"
    after = d[d["front_touching_t"]]
    err2 = after["front_distance_um"] / scene.pixel_size_um - after["front_distance_px"]
    # after touch-down the branch is cut by the counter electrode (truth: the
    # centre line reaches it); achieved: median about -4 px
    assert err2.abs().median() < 6.0, f"after touch-down: median error {err2.median():+.2f} px"
    fd = d.loc[d["front_touching_t"], "fractal_dimension"].median()
    assert 1.3 < fd < 1.9, f"fractal dimension {fd:.2f}"


def test_crack_initiation_length_tip_speed():
    scene, d, state = _run("crack")
    true_init = int(d.loc[d["crack_length_px"] > 0, "frame"].min())
    scan = int(round(scene.fps * scene.scan_period_s))
    assert state.crack_initiation_frame is not None
    assert abs(state.crack_initiation_frame - true_init) <= scan, \
        f"initiation at frame {state.crack_initiation_frame}, truth {true_init}"
    g = d[(d["crack_length_px"] >= 30) & (d["crack_tip_x_px"] < scene.counter_electrode_x_px - 10)]
    rel = 100 * (g["m_length"] / g["crack_length_px"] - 1)
    tip = np.hypot(g["m_tip_x"] - (g["crack_tip_x_px"] - g["drift_x_px"]),
                   g["m_tip_y"] - (g["crack_tip_y_px"] - g["drift_y_px"]))
    assert rel.notna().all(), f"crack missed in {int(rel.isna().sum())} of {len(rel)} scans"
    within = (rel.abs() <= 5.0).mean()
    # target: 5 % in every scan. Achieved: 16 of 16 scans within 5 % (worst
    # 3.4 %), RMS 2.2 %; tip RMS 0.88 px, worst 1.6 px
    msg = f"length within 5 % in {100 * within:.0f} % of {len(rel)} scans, median |error| " \
          f"{rel.abs().median():.1f} %, RMS {np.sqrt((rel ** 2).mean()):.1f} %, worst {rel.abs().max():.1f} %"
    assert within == 1.0, msg
    assert np.sqrt((rel ** 2).mean()) <= 3.0, msg
    tip_rms = float(np.sqrt((tip ** 2).mean()))
    tmsg = f"tip RMS error {tip_rms:.2f} px (worst {tip.max():.1f} px)"
    assert tip_rms <= 1.5, tmsg
    assert tip.max() <= 3.0, tmsg
    speed = g["m_speed"].dropna()
    true_speed = scene.crack.speed_px_s
    assert abs(speed.median() - true_speed) < 0.2 * true_speed, \
        f"median tip speed {speed.median():.1f} px/s vs {true_speed} px/s"


def test_control_reports_no_front_and_no_crack():
    scene, d, state = _run("control")
    assert d["m_length"].isna().all(), "crack reported on the control video"
    assert state.crack_initiation_frame is None
    scene, tracks, d = _track("control")
    assert tracks.touchdown_frame is None and tracks.crack_initiation_frame is None
    assert d["front_distance_um"].isna().all(), "front reported on the control video"
    assert (d["crack_length_um"].fillna(0) == 0).all()
