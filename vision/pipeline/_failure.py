"""The failure mode of a recording, decided by explainable rules.

All thresholds live in :class:`FailureThresholds`; the defaults are
:data:`DEFAULT_THRESHOLDS`.

With the per-scan morphology of the lithium (:func:`morphology_from_scans`,
what ``vision.analyze`` passes), the failure mode is the *cause of a failure*:

1. No short circuit (neither the trace nor the video shows one): ``contact_loss``
   if the trace shows a depletion time, else ``none``. Lateral lithium or a
   crack that never reached the counter electrode is a growth mode, not a
   failure mode, so noise blips, substrate features and whiskers never make one.
2. A short circuit: the lithium path that made it, decided by morphology, not by
   which detector fired first. ``fracture`` when a crack persists (seen in at
   least ``lateral_min_scans`` new scans and in at least
   :data:`CRACK_MIN_PERSISTENCE` of the new scans from its first one on: a
   lithium-filled crack does not go away; the thin first trunk of a lateral
   front is taken for a crack for a scan or two and then becomes a branched
   front; a scan where the crack is not reported because its lithium, lying
   along the crack's path, is segmented as lateral lithium counts for the
   crack, :func:`crack_lithium_handover`). Else
   ``lateral_growth`` when the lateral lithium is a branching,
   area-filling cluster (at least :data:`LATERAL_MIN_BRANCHES` branch tips held for
   ``lateral_min_scans`` scans, the paper's DLA) or touched the counter
   electrode with such branches. Else ``fracture``: the lithium beyond the rim is
   one thin path of a few branches at most (a crack segmented as lithium), or
   nothing is visible at all (a lithium-filled crack is 1-2 px wide and easily
   unseen; a lateral cluster that shorts the cell covers an area), with the
   lower confidence of a default.

Without the morphology (scalar features only), the earlier rules apply, in order:

1. ``fracture``: a lithium-filled crack was tracked whose path is at least
   ``crack_min_length_um`` long (cracks on polycrystalline LLZO start near
   -0.7 V, before any lateral growth, and lead to the counter electrode).
2. ``lateral_growth``: lithium spread along the surface at least
   ``lateral_min_extent_um`` beyond the electrode rim for at least
   ``lateral_min_scans`` consecutive new scans (or touched the counter
   electrode).
3. ``contact_loss``: the trace shows a depletion time in stripping (the
   overpotential diverges at constant anodic current).
4. ``none`` otherwise.

``short_circuit`` is true when the trace shows a current jump / voltage
collapse or the tracked lithium touched the counter electrode.

Growth modes (:func:`classify_growth_modes`) are reported beside the failure
mode: what the lithium did, whether or not it caused a failure. A 30 um
whisker that never reached the counter electrode is failure mode ``none``
with growth mode ``whisker``. They are a list drawn from
:data:`GROWTH_MODES`, each with its evidence and first time (video clock).
"""
from dataclasses import asdict, dataclass, field

import numpy as np

from .._schema import FAILURE_MODES, GROWTH_MODES

__all__ = ["FailureThresholds", "DEFAULT_THRESHOLDS", "FailureVerdict", "classify_failure",
           "Morphology", "morphology_from_scans",
           "FAILURE_MODES", "GROWTH_MODES", "classify_growth_modes", "sustained_max"]



@dataclass(frozen=True)
class FailureThresholds:
    """Thresholds of the failure-mode rules (all in the unit of their name)."""

    #: Shortest crack path that counts as fracture.
    crack_min_length_um: float = 3.0
    #: Least lateral extent beyond the electrode rim that counts as lateral growth.
    lateral_min_extent_um: float = 3.0
    #: A lateral extent counts only if held for this many consecutive new scans
    #: (a real front persists and grows; a rim flicker does not).
    lateral_min_scans: int = 3
    #: Least length gain of one tracked whisker that counts as whisker growth (a few
    #: pixels at the usual 0.05-0.2 um/px; a tip's scan-to-scan scatter is below 1 px).
    whisker_min_growth_um: float = 1.0
    #: Least loss of the electrode's own lithium area, as a fraction of its area in the
    #: first scans, that counts as stripping (a steady electrode's area scatters ~1 %),
    #: held for ``lateral_min_scans`` consecutive scans.
    stripping_min_loss_fraction: float = 0.05


#: Morphology rules (used when :func:`classify_failure` gets ``morphology``):
#: a crack counts as the cause of a short when it is seen in at least this fraction of the
#: new scans from its first scan on (a lithium-filled crack stays; the young trunk of a
#: lateral front is taken for a crack for a few scans, then it branches and is front).
CRACK_MIN_PERSISTENCE = 0.5
#: Lateral lithium with at least this many branch tips (skeleton end points of branches
#: >= 8 px, held for ``lateral_min_scans`` scans) is a branching cluster (the paper's DLA
#: shows tens); a crack, even a branched one, ends in a few.
LATERAL_MIN_BRANCHES = 5
#: Confidence of a short circuit whose cause the video does not show (a default, no more).
DEFAULT_CAUSE_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Morphology:
    """What the lithium beyond the electrode rim looked like over the new scans.

    Attributes
    ----------
    crack_scans : int
        New scans with a (confirmed) crack.
    crack_persistence : float
        Fraction of the new scans from the first one with a crack to the last
        one that show a crack (0 without a crack).
    lateral_branches : float
        Largest number of branch tips of the lateral lithium held for
        ``n_hold`` consecutive scans (0 without lateral lithium).
    lateral_scans : int
        New scans with lateral lithium.
    crack_handover_scans : int
        New scans without a reported crack whose lateral lithium is the crack's
        lithium (:func:`crack_lithium_handover`).
    crack_lithium_persistence : float or None
        As ``crack_persistence``, with the handover scans counted as crack scans:
        what the failure rules ask to persist (None: ``crack_persistence``; the
        evidence reports it as feature ``crack_persistence``). The growth mode
        ``crack`` keeps ``crack_persistence``: without a short circuit, the lithium
        "handed over" may be a whisker the crack filter saw for a few scans and the
        segmentation after them.
    """

    crack_scans: int = 0
    crack_persistence: float = 0.0
    lateral_branches: float = 0.0
    lateral_scans: int = 0
    crack_handover_scans: int = 0
    crack_lithium_persistence: float | None = None

    @property
    def failure_persistence(self):
        """The crack persistence the failure rules read (handover scans counted)."""
        return (self.crack_persistence if self.crack_lithium_persistence is None
                else self.crack_lithium_persistence)


def morphology_from_scans(crack_length, n_branches, lateral_area=None, *, n_hold=3,
                          scan_time_s=None, crack_reach_um=None, lateral_reach_um=None,
                          pixel_size_um=None):
    """Summarise the per-scan crack and front measurements as a :class:`Morphology`.

    Parameters
    ----------
    crack_length : (N,) array_like
        Crack path length per new scan (um; NaN or 0: no crack).
    n_branches : (N,) array_like
        Branch tips of the lateral lithium per new scan (NaN: not measured).
    lateral_area : (N,) array_like, optional
        Lateral lithium area per new scan (um2; > 0: lateral lithium present); also
        what :func:`crack_lithium_handover` reads.
    n_hold : int
        Scans a branch count must be held (as for the lateral extent), and the
        crack run that confirms a handover.
    scan_time_s : (N,) array_like, optional
        Content time of each row (video clock, s). Rows with the same content time
        are one SEM scan (a partly refreshed frame and the frame that completes it):
        their crack and lithium measurements are merged (largest value; a crack or
        lithium seen in either row is seen in the scan) before crack scans are
        counted, so a crack seen in the last two scans of a recording is two scans,
        not three. None: every row is a scan of its own. (The branch count is held
        over rows, as the lateral extent is.)
    crack_reach_um, lateral_reach_um, pixel_size_um : optional
        What :func:`crack_lithium_handover` checks of a handover: per new scan the
        crack tip's and the lateral lithium's farthest distance beyond the electrode
        rim (um; NaN: not measured), and the pixel size (um). None: not checked.
    """
    crack_length = _per_scan(crack_length, scan_time_s)
    n_branches = np.asarray(n_branches, float)  # held over rows, as the lateral extent
    crack_len = np.nan_to_num(crack_length, nan=0.0)
    c = crack_len > 0
    handover = np.zeros_like(c)
    if lateral_area is not None:
        area = np.nan_to_num(_per_scan(lateral_area, scan_time_s), nan=0.0)
        handover = crack_lithium_handover(
            c, area > 0, n_hold=n_hold, crack_length_um=crack_len,
            crack_reach_um=_per_scan(crack_reach_um, scan_time_s), lateral_area_um2=area,
            lateral_reach_um=_per_scan(lateral_reach_um, scan_time_s),
            pixel_size_um=pixel_size_um)
    # None when no scan was handed over: the same as the crack's own persistence
    lithium_persistence = _persistence(c | handover) if handover.any() else None
    br = sustained_max(n_branches, n_hold) if len(n_branches) else None
    lat = 0 if lateral_area is None else int(np.count_nonzero(area > 0))
    return Morphology(crack_scans=int(c.sum()), crack_persistence=_persistence(c),
                      lateral_branches=float(br) if br is not None else 0.0, lateral_scans=lat,
                      crack_handover_scans=int(handover.sum()),
                      crack_lithium_persistence=lithium_persistence)


def _per_scan(values, scan_time_s):
    """`values` (float array) with the rows of one content time merged (their largest
    finite value; NaN when none is); None stays None."""
    if values is None:
        return None
    v = np.asarray(values, float)
    if scan_time_s is None or not len(v):
        return v
    t = np.asarray(scan_time_s, float)
    if t.shape != v.shape:
        raise ValueError(f"scan_time_s has {t.size} rows, the per-scan values {v.size}")
    # rows of one scan are consecutive (content times never go back)
    starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
    finite = np.where(np.isfinite(v), v, -np.inf)
    out = np.maximum.reduceat(finite, starts)
    return np.where(np.isfinite(out), out, np.nan)


def _persistence(seen):
    """Fraction of the scans from the first True one on that are True (0 if none)."""
    if not seen.any():
        return 0.0
    return float(seen[int(np.argmax(seen)):].mean())


#: A crack's lithium reaches at least this fraction of the crack tip's distance beyond
#: the rim in the scan it is first segmented: a crack fills along its whole path at once
#: (the lithium seen in the crack's scans already ran to the tip); the segmentation may
#: lose the last pixels of a 1-2 px filled tip, not a fifth of the path.
HANDOVER_MIN_REACH_FRACTION = 0.8
#: Least width (px) of the lithium that fills a crack of length L: it covers the crack's
#: path, so its area is at least L times one pixel (the thinnest line a segmentation
#: reports); lithium of a smaller area cannot lie along the crack.
HANDOVER_MIN_WIDTH_PX = 1.0


def crack_lithium_fills(crack_length_um, crack_reach_um, lateral_area_um2, lateral_reach_um,
                        *, pixel_size_um=None):
    """Whether lateral lithium first seen in a scan can be the lithium of the crack before it.

    A crack fills with lithium along its path at once: the lithium the segmentation
    takes in the first scan after the crack run covers the crack's path (area at
    least the crack's length times :data:`HANDOVER_MIN_WIDTH_PX`) and already reaches
    the crack's tip (farthest distance beyond the rim at least
    :data:`HANDOVER_MIN_REACH_FRACTION` of the tip's). The young lithium of a lateral
    front grows from the electrode scan by scan instead: it covers less than the thin
    trunk the crack filter reported, or stays short of its end.

    Parameters
    ----------
    crack_length_um, crack_reach_um : float
        The crack's path length and its tip's distance beyond the electrode rim in
        its last scan, um (NaN: not measured, not checked).
    lateral_area_um2, lateral_reach_um : float
        The lateral lithium's area (um2) and its farthest distance beyond the rim
        (um; NaN: not measured, not checked) in the next scan.
    pixel_size_um : float, optional
        Pixel size, um (None: the area is not checked).
    """
    if pixel_size_um is not None and np.isfinite(crack_length_um) and \
            lateral_area_um2 < crack_length_um * HANDOVER_MIN_WIDTH_PX * pixel_size_um:
        return False
    if np.isfinite(crack_reach_um) and np.isfinite(lateral_reach_um) and \
            lateral_reach_um < HANDOVER_MIN_REACH_FRACTION * crack_reach_um:
        return False
    return True


def crack_lithium_handover(crack, lateral, *, n_hold=3, crack_length_um=None,
                           crack_reach_um=None, lateral_area_um2=None, lateral_reach_um=None,
                           pixel_size_um=None):
    """New scans where a crack's lithium is reported as lateral lithium instead.

    A crack fills with lithium as it opens. Once that lithium is wide or bright
    enough, the lithium segmentation takes it (the crack filter looks for thin
    lines beside the lithium, not in it): the crack stops being reported in the
    very scan the lateral lithium first appears, and that "lateral lithium" is the
    crack's. A lithium-filled crack does not go away, so those scans belong to the
    crack. A handover needs (a) a confirmed crack run: at least `n_hold` consecutive
    scans with a crack (the persistence asked of lateral lithium; the young trunk
    of a lateral front is taken for a crack for a scan or two only), (b) no lateral
    lithium in the last of them (lithium already present beside the crack is lateral
    lithium of its own), (c) lateral lithium, and no crack, in the next scan, and
    (d) that lithium lying along the crack's path, all of it at once
    (:func:`crack_lithium_fills`, checked on what is given). The handover holds for
    as long as the lateral lithium is seen in consecutive scans without a crack.

    Parameters
    ----------
    crack, lateral : (N,) array_like of bool
        Per new scan: a crack reported; lateral lithium present.
    n_hold : int
        Consecutive crack scans that confirm a crack run.
    crack_length_um, crack_reach_um, lateral_area_um2, lateral_reach_um : (N,) array_like, optional
        Per new scan, what :func:`crack_lithium_fills` compares (None: not checked).
    pixel_size_um : float, optional

    Returns
    -------
    (N,) ndarray of bool
        True in the scans handed over to the crack.
    """
    crack = np.asarray(crack, bool)
    lateral = np.asarray(lateral, bool)
    n = len(crack)

    def col(values):
        return np.full(n, np.nan) if values is None else np.asarray(values, float)

    length, c_reach = col(crack_length_um), col(crack_reach_um)
    area, l_reach = col(lateral_area_um2), col(lateral_reach_um)
    px = pixel_size_um if lateral_area_um2 is not None else None
    out = np.zeros(n, bool)
    run = 0  # consecutive crack scans up to the previous scan
    i = 0
    while i < n:
        if crack[i]:
            run += 1
            i += 1
            continue
        if run >= n_hold and not lateral[i - 1] and lateral[i] and crack_lithium_fills(
                length[i - 1], c_reach[i - 1], area[i], l_reach[i], pixel_size_um=px):
            while i < n and lateral[i] and not crack[i]:
                out[i] = True
                i += 1
            run = 0
            continue
        run = 0
        i += 1
    return out


DEFAULT_THRESHOLDS = FailureThresholds()


@dataclass
class FailureVerdict:
    """Outcome of :func:`classify_failure`.

    Attributes
    ----------
    mode : str
        One of :data:`FAILURE_MODES`.
    short_circuit : bool
    confidence : float
        0.5 (on a threshold) to 1 (far from every threshold).
    evidence : list of dict
        One entry per rule: ``rule``, ``feature``, ``value``, ``threshold``,
        ``passed``, and a readable ``text``.
    """

    mode: str
    short_circuit: bool
    confidence: float
    evidence: list = field(default_factory=list)


def _margin_confidence(value, threshold):
    """0.5 on the threshold, towards 1 as the value moves away (log scale)."""
    if value is None or not np.isfinite(value) or value <= 0:
        return 1.0
    return float(0.5 + 0.5 * np.tanh(abs(np.log(value / threshold)) * 2.0))


def classify_failure(*, crack_length_um=None, lateral_extent_um=None, touchdown_time_s=None,
                     trace_short_circuit_time_s=None, contact_loss_time_s=None,
                     thresholds=DEFAULT_THRESHOLDS, morphology=None, touchdown_by="front",
                     has_trace=True):
    """Decide the failure mode from the tracked features.

    Parameters
    ----------
    crack_length_um : float or None
        Longest tracked crack path (None: no crack found).
    lateral_extent_um : float or None
        Largest distance of lateral lithium beyond the electrode rim held
        for ``thresholds.lateral_min_scans`` consecutive scans (see
        :func:`sustained_max`).
    touchdown_time_s : float or None
        Video time at which tracked lithium touched the counter electrode.
    trace_short_circuit_time_s : float or None
        Video time of a short circuit seen in the trace.
    contact_loss_time_s : float or None
        Video time of the depletion (contact loss) seen in the trace.
    thresholds : FailureThresholds
    morphology : Morphology, optional
        Per-scan morphology (:func:`morphology_from_scans`): with it the
        failure mode is the cause of a short circuit, decided by morphology
        (see the module docstring); without it, the scalar rules.
    touchdown_by : {'front', 'crack'}
        What touched the counter electrode: the lateral front's touch-down is
        evidence of lateral growth as well as a short circuit; a crack's
        (lithium-filled, reaching the counter electrode) is a short circuit only.
    has_trace : bool
        Whether a potentiostat trace was fused. Without one the evidence says "no trace"
        where it would say what the trace did not show (no depletion, no current jump):
        absence of a trace is not evidence of absence.

    Returns
    -------
    FailureVerdict
    """
    th = thresholds
    if touchdown_by not in ("front", "crack"):
        raise ValueError(f"touchdown_by must be 'front' or 'crack', got {touchdown_by!r}")
    front_touch = touchdown_time_s if touchdown_by == "front" else None
    crack = crack_length_um if crack_length_um is not None else 0.0
    lateral = lateral_extent_um if lateral_extent_um is not None else 0.0
    evidence = [
        {"rule": "fracture", "feature": "crack_length_um", "value": crack,
         "threshold": th.crack_min_length_um, "passed": bool(crack >= th.crack_min_length_um),
         "text": f"longest crack {crack:.2f} µm vs threshold {th.crack_min_length_um} µm"},
        {"rule": "lateral_growth", "feature": "lateral_extent_um", "value": lateral,
         "threshold": th.lateral_min_extent_um,
         "passed": bool(lateral >= th.lateral_min_extent_um or front_touch is not None),
         "text": f"lateral lithium {lateral:.2f} µm beyond the rim vs threshold "
                 f"{th.lateral_min_extent_um} µm"
                 + ("; touched the counter electrode" if front_touch is not None else "")},
        {"rule": "contact_loss", "feature": "contact_loss_time_s", "value": contact_loss_time_s,
         "threshold": None, "passed": contact_loss_time_s is not None,
         "text": ("depletion (diverging overpotential) at "
                  f"{contact_loss_time_s:.2f} s" if contact_loss_time_s is not None
                  else "no depletion time in the trace" if has_trace
                  else "no trace fused: depletion not known")},
    ]
    short = trace_short_circuit_time_s is not None or touchdown_time_s is not None
    evidence.append({
        "rule": "short_circuit", "feature": "short_circuit_time_s",
        "value": trace_short_circuit_time_s if trace_short_circuit_time_s is not None
        else touchdown_time_s,
        "threshold": None, "passed": short,
        "text": "; ".join(filter(None, [
            f"trace: current jump / voltage collapse at {trace_short_circuit_time_s:.2f} s"
            if trace_short_circuit_time_s is not None
            else "trace: no short circuit" if has_trace else "no trace fused",
            f"video: {'a crack reached' if touchdown_by == 'crack' else 'touch-down at'} the "
            f"counter electrode at {touchdown_time_s:.2f} s"
            if touchdown_time_s is not None else "video: no touch-down"]))})

    if morphology is not None:
        mode, conf, text = _cause_of_failure(short, evidence, morphology, contact_loss_time_s,
                                             min_scans=th.lateral_min_scans)
        evidence.append({"rule": "morphology", "feature": "crack_persistence",
                         "value": float(morphology.failure_persistence),
                         "threshold": CRACK_MIN_PERSISTENCE, "passed": mode != "none",
                         "text": text})
        return FailureVerdict(mode=mode, short_circuit=short, confidence=round(conf, 3),
                              evidence=evidence)
    if evidence[0]["passed"]:
        mode, conf = "fracture", _margin_confidence(crack, th.crack_min_length_um)
    elif evidence[1]["passed"]:
        mode = "lateral_growth"
        conf = 1.0 if front_touch is not None else _margin_confidence(
            lateral, th.lateral_min_extent_um)
    elif evidence[2]["passed"]:
        mode, conf = "contact_loss", 0.9
    else:
        mode = "none"
        conf = min(_margin_confidence(crack, th.crack_min_length_um),
                   _margin_confidence(lateral, th.lateral_min_extent_um))
    return FailureVerdict(mode=mode, short_circuit=short, confidence=round(conf, 3),
                          evidence=evidence)


def _cause_of_failure(short, evidence, m, contact_loss_time_s, *, min_scans):
    """(mode, confidence, text) of the morphology rules (see the module docstring).

    A crack is the cause only when the crack filter saw it in at least `min_scans` new
    scans (the persistence asked of lateral lithium, issue 11): a line seen in the last
    two scans of a recording "persists" in all of them, as the young trunk of a front.
    """
    crack_ok, lateral_ok = evidence[0]["passed"], evidence[1]["passed"]
    handed = (f" and {m.crack_handover_scans} where its lithium was segmented as lateral "
              "lithium" if m.crack_handover_scans else "")
    few = (f", fewer than the {min_scans} a crack needs"
           if 0 < m.crack_scans < min_scans else "")
    seen = (f"crack in {m.crack_scans} scans{handed}{few} "
            f"({100 * m.failure_persistence:.0f} % of the scans "
            f"from its first on, needs {100 * CRACK_MIN_PERSISTENCE:.0f} %); lateral lithium "
            f"with {m.lateral_branches:g} branch tips held (a cluster has >= "
            f"{LATERAL_MIN_BRANCHES})")
    if not short:
        if contact_loss_time_s is not None:
            return "contact_loss", 0.9, f"no short circuit, depletion in the trace; {seen}"
        return "none", 1.0, f"no short circuit: growth, if any, is a growth mode; {seen}"
    persistent = (crack_ok and m.crack_scans >= min_scans
                  and m.failure_persistence >= CRACK_MIN_PERSISTENCE)
    if persistent:
        conf = _margin_confidence(m.failure_persistence, CRACK_MIN_PERSISTENCE)
        return "fracture", conf, f"short circuit through a persistent crack: {seen}"
    if lateral_ok and m.lateral_branches >= LATERAL_MIN_BRANCHES:
        conf = _margin_confidence(m.lateral_branches, LATERAL_MIN_BRANCHES)
        return "lateral_growth", conf, f"short circuit through a branching cluster: {seen}"
    if lateral_ok or crack_ok:
        return "fracture", 0.75, (f"short circuit through one thin path of few branches "
                                  f"(crack morphology): {seen}")
    return "fracture", DEFAULT_CAUSE_CONFIDENCE, (
        "short circuit without a visible lithium cluster: a lithium-filled crack (1-2 px "
        f"wide) is the likely path; {seen}")


def _growth_entry(mode, present, first_time_s, value, threshold, text):
    return {"mode": mode, "present": bool(present),
            "first_time_s": None if first_time_s is None else float(first_time_s),
            "value": None if value is None else float(value), "threshold": threshold,
            "text": text}


def classify_growth_modes(*, whisker_growth_um=None, whisker_onset_s=None,
                          lateral_extent_um=None, lateral_onset_s=None, touchdown_time_s=None,
                          crack_length_um=None, crack_initiation_s=None,
                          electrode_loss_fraction=None, stripping_onset_s=None,
                          contact_loss_time_s=None, thresholds=DEFAULT_THRESHOLDS,
                          crack_persistence=None):
    """Which growth modes the recording shows, with evidence and first time.

    Parameters
    ----------
    whisker_growth_um : float or None
        Largest length gain of one tracked whisker, um.
    whisker_onset_s : float or None
        Video time the first whisker started to grow, s.
    lateral_extent_um : float or None
        Sustained lateral extent beyond the electrode rim, um (as for
        :func:`classify_failure`).
    lateral_onset_s, touchdown_time_s : float or None
        Lateral onset and touch-down at the counter electrode, video clock, s.
    crack_length_um : float or None
        Longest tracked crack path, um.
    crack_initiation_s : float or None
        Crack initiation, video clock, s.
    electrode_loss_fraction : float or None
        Electrode lithium area lost (sustained), as a fraction of its area in
        the first scans.
    stripping_onset_s : float or None
        First video time the loss exceeded the threshold, s.
    contact_loss_time_s : float or None
        Depletion time of the trace (video clock, s): stripping by definition.
    thresholds : FailureThresholds
    crack_persistence : float or None
        Fraction of the new scans from the first one with a crack on that show
        it (:attr:`Morphology.crack_persistence`). With it, a crack is a growth
        mode only when it persists as the failure rules ask of a crack
        (:data:`CRACK_MIN_PERSISTENCE`): a lithium-filled crack does not come
        and go; a line that does (a whisker the segmentation misses, seen by
        the crack filter in some scans) is not a crack. None: length only.

    Returns
    -------
    list of dict
        One entry per mode of :data:`GROWTH_MODES`, in that order: ``mode``,
        ``present`` (bool), ``first_time_s`` (video clock, None if absent),
        ``value``, ``threshold`` and a readable ``text``. The growth modes of
        the recording are the entries with ``present``.
    """
    th = thresholds
    wg = whisker_growth_um or 0.0
    lat = lateral_extent_um or 0.0
    crack = crack_length_um or 0.0
    loss = electrode_loss_fraction or 0.0
    whisker = wg >= th.whisker_min_growth_um
    lateral = lat >= th.lateral_min_extent_um or touchdown_time_s is not None
    cracked = crack >= th.crack_min_length_um
    persists = crack_persistence is None or crack_persistence >= CRACK_MIN_PERSISTENCE
    stripping = loss >= th.stripping_min_loss_fraction or contact_loss_time_s is not None
    strip_t = stripping_onset_s if stripping_onset_s is not None else contact_loss_time_s
    return [
        _growth_entry("whisker", whisker, whisker_onset_s if whisker else None, wg,
                      th.whisker_min_growth_um,
                      f"longest whisker grew {wg:.2f} µm vs threshold "
                      f"{th.whisker_min_growth_um} µm"),
        _growth_entry("lateral", lateral,
                      (lateral_onset_s if lateral_onset_s is not None else touchdown_time_s)
                      if lateral else None, lat, th.lateral_min_extent_um,
                      f"lateral lithium {lat:.2f} µm beyond the rim vs threshold "
                      f"{th.lateral_min_extent_um} µm"
                      + ("; touched the counter electrode" if touchdown_time_s is not None
                         else "")),
        _growth_entry("crack", cracked and persists,
                      crack_initiation_s if cracked and persists else None, crack,
                      th.crack_min_length_um,
                      f"longest lithium-filled crack {crack:.2f} µm vs threshold "
                      f"{th.crack_min_length_um} µm"
                      + ("" if crack_persistence is None else
                         f"; seen in {100 * crack_persistence:.0f} % of the scans from its "
                         f"first on (a crack persists: >= {100 * CRACK_MIN_PERSISTENCE:.0f} %)")),
        _growth_entry("stripping", stripping, strip_t if stripping else None, loss,
                      th.stripping_min_loss_fraction,
                      f"electrode lithium area fell by {100 * loss:.1f} % vs threshold "
                      f"{100 * th.stripping_min_loss_fraction:.0f} %"
                      + (f"; depletion at {contact_loss_time_s:.2f} s"
                         if contact_loss_time_s is not None else "")),
    ]


def sustained_max(values, n):
    """Largest value held for `n` consecutive samples (max of rolling minima).

    NaN counts as not held. Returns None if fewer than `n` finite samples.
    """
    v = np.asarray(values, dtype=float)
    v = np.where(np.isfinite(v), v, -np.inf)
    if len(v) < n:
        return None
    windows = np.lib.stride_tricks.sliding_window_view(v, n).min(axis=1)
    best = float(windows.max())
    return best if np.isfinite(best) else None


def thresholds_dict(thresholds=DEFAULT_THRESHOLDS):
    """The thresholds as a plain dict (for summary.json)."""
    return asdict(thresholds)
