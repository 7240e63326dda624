"""The failure mode of a recording, decided by explainable rules.

All thresholds live in :class:`FailureThresholds`; the defaults are
:data:`DEFAULT_THRESHOLDS`. The rules, in order:

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
"""
from dataclasses import asdict, dataclass, field

import numpy as np

from .._schema import FAILURE_MODES

__all__ = ["FailureThresholds", "DEFAULT_THRESHOLDS", "FailureVerdict", "classify_failure",
           "FAILURE_MODES", "sustained_max"]



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
                     thresholds=DEFAULT_THRESHOLDS):
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

    Returns
    -------
    FailureVerdict
    """
    th = thresholds
    crack = crack_length_um if crack_length_um is not None else 0.0
    lateral = lateral_extent_um if lateral_extent_um is not None else 0.0
    evidence = [
        {"rule": "fracture", "feature": "crack_length_um", "value": crack,
         "threshold": th.crack_min_length_um, "passed": bool(crack >= th.crack_min_length_um),
         "text": f"longest crack {crack:.2f} um vs threshold {th.crack_min_length_um} um"},
        {"rule": "lateral_growth", "feature": "lateral_extent_um", "value": lateral,
         "threshold": th.lateral_min_extent_um,
         "passed": bool(lateral >= th.lateral_min_extent_um or touchdown_time_s is not None),
         "text": f"lateral lithium {lateral:.2f} um beyond the rim vs threshold "
                 f"{th.lateral_min_extent_um} um"
                 + ("; touched the counter electrode" if touchdown_time_s is not None else "")},
        {"rule": "contact_loss", "feature": "contact_loss_time_s", "value": contact_loss_time_s,
         "threshold": None, "passed": contact_loss_time_s is not None,
         "text": ("depletion (diverging overpotential) at "
                  f"{contact_loss_time_s:.2f} s" if contact_loss_time_s is not None
                  else "no depletion time in the trace")},
    ]
    short = trace_short_circuit_time_s is not None or touchdown_time_s is not None
    evidence.append({
        "rule": "short_circuit", "feature": "short_circuit_time_s",
        "value": trace_short_circuit_time_s if trace_short_circuit_time_s is not None
        else touchdown_time_s,
        "threshold": None, "passed": short,
        "text": "; ".join(filter(None, [
            f"trace: current jump / voltage collapse at {trace_short_circuit_time_s:.2f} s"
            if trace_short_circuit_time_s is not None else "trace: no short circuit",
            f"video: touch-down at the counter electrode at {touchdown_time_s:.2f} s"
            if touchdown_time_s is not None else "video: no touch-down"]))})

    if evidence[0]["passed"]:
        mode, conf = "fracture", _margin_confidence(crack, th.crack_min_length_um)
    elif evidence[1]["passed"]:
        mode = "lateral_growth"
        conf = 1.0 if touchdown_time_s is not None else _margin_confidence(
            lateral, th.lateral_min_extent_um)
    elif evidence[2]["passed"]:
        mode, conf = "contact_loss", 0.9
    else:
        mode = "none"
        conf = min(_margin_confidence(crack, th.crack_min_length_um),
                   _margin_confidence(lateral, th.lateral_min_extent_um))
    return FailureVerdict(mode=mode, short_circuit=short, confidence=round(conf, 3),
                          evidence=evidence)


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
