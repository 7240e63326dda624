"""Combining the clock-offset cues into one offset, a confidence and warnings."""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from ._sync_cues import AGREE_SCANS, AGREE_SIGMAS

__all__ = ["Combined", "combine_cues", "drift_ppm", "low_confidence_warning"]

#: Cues whose estimates differ by more than this many scan periods disagree
#: (issue 13: one scan period).
DISAGREE_SCANS = 1.0
#: Confidence given when the cues disagree: below 0.5, the level the validation
#: bank reads as "do not trust".
DISAGREE_CONFIDENCE = 0.3
#: Highest confidence of an offset that rests on one cue: below the "do not trust"
#: level, since no second cue checks it.
SINGLE_CUE_CONFIDENCE = 0.45
#: A combined uncertainty above this many scan periods makes the offset uncertain:
#: the requirement is half a scan.
UNCERTAIN_SCANS = 0.5
#: Below this confidence the offset is not to be trusted (the validation bank's level):
#: a warning says so.
LOW_CONFIDENCE = 0.5
#: A cue checks another only when its standard uncertainty is below this many scan
#: periods: issue 13's disagreement of one scan is what it must be able to tell (the
#: same limit under which :func:`_disagrees` lets a cue contradict another).
RESOLVE_SCANS = DISAGREE_SCANS
#: Order of trust when two groups of cues have the same evidence (two lone cues: a cue's
#: own stated uncertainty is no evidence that it is right): the short circuit is one
#: sharp event in both records; the charge uses every scan and the whole trace; the step
#: cue sees only the kinks of whisker lengths, and aliases when the step pattern repeats
#: or a whisker appears after its first kink.
RELIABILITY = ("short_circuit", "charge", "steps")
#: An estimate this many of its sigmas outside the bounds of the others is dropped.
BOUND_SIGMAS = 2.0
#: Two groups of cues whose log evidence differs by less than this are not told apart by
#: the data, and the more reliable cue's group is taken (RELIABILITY): a Bayes factor
#: below 3 is "not worth more than a bare mention" (Jeffreys; Kass & Raftery 1995). A
#: cue as wide as the search window agrees with anything and adds no evidence: two
#: groups that differ only in which precise cue it joins are such a tie.
EVIDENCE_TIE = math.log(3.0)


@dataclass
class Combined:
    """The combined offset.

    Attributes
    ----------
    offset_s, sigma_s : float
    confidence : float
        0-1.
    used : list of str
        Cues that entered the mean.
    warnings : list of str
        What the combination found wrong (cues that disagree, lie outside a
        bound, an uncertain offset, a lone cue with structured residuals).
        A low confidence with nothing specific found adds none: the caller
        runs its own checks first and then words it
        (:func:`low_confidence_warning`).
    """

    offset_s: float
    sigma_s: float
    confidence: float
    used: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


def low_confidence_warning(offset_s: float, confidence: float) -> str:
    """The warning of an offset whose confidence is low and nothing more specific found.

    Parameters
    ----------
    offset_s : float
        The clock offset, s.
    confidence : float
        Its confidence, 0-1 (below :data:`LOW_CONFIDENCE`).
    """
    return (f"sync confidence low ({confidence:.2f}): the clock offset {offset_s:+.2f} s may "
            "be wrong; check it or give sync_offset_s / --sync-window")


def combine_cues(cues, dt_scan, *, window_s=None):
    """Inverse-variance mean of the cues' estimates within the cues' bounds.

    Parameters
    ----------
    cues : list of Cue
    dt_scan : float
        Scan period, s.
    window_s : float, optional
        Width of the range of offsets searched, s: where a cue that is wrong
        (a bad track, a touch-down found scans off) may put its estimate.
        Default: unknown, taken as unbounded (then the group with the most
        cues is taken, ties by their evidence).

    Returns
    -------
    Combined or None
        None when no cue gave an estimate.

    Notes
    -----
    The cues combined are the group of pairwise agreeing cues with the most
    evidence of being right (:func:`_agreeing_group`).

    The confidence starts from the sharpness of the best-resolved cue and the
    ratio of the combined uncertainty to half a scan period; it drops to
    :data:`DISAGREE_CONFIDENCE` (and a warning is given) when two estimates
    differ by more than :data:`DISAGREE_SCANS` scan periods, when an estimate
    lies outside another cue's bound, or when the combined uncertainty exceeds
    :data:`UNCERTAIN_SCANS` scans.
    """
    lo = max((c.lo_s for c in cues), default=-math.inf)
    hi = min((c.hi_s for c in cues), default=math.inf)
    # a cue whose own test says its model does not hold here (Cue.informative False:
    # the contact-area cue when the current does not follow the footprint) is reported
    # but neither combined nor compared
    est = [c for c in cues if c.offset_s is not None and c.sigma_s is not None
           and c.informative is not False]
    if not est:
        return None
    warnings = []
    inside = [c for c in est if lo - BOUND_SIGMAS * c.sigma_s <= c.offset_s
              <= hi + BOUND_SIGMAS * c.sigma_s]
    for c in est:
        if c not in inside:
            warnings.append(f"sync cue {c.name!r} ({c.offset_s:+.2f} s) lies outside the "
                            f"bounds of the other cues ({lo:+.2f} to {hi:+.2f} s); not used")
    if len(inside) < len(est):
        # a cue against a bound is a disagreement between cues
        conflict = True
    else:
        conflict = False
    if not inside:
        inside = est
    # the group of cues that agree (each within half a scan period, or within two combined
    # standard uncertainties, of every other) with the most evidence of being right; a
    # tie goes to the group of the most reliable cue (RELIABILITY). A mean over cues that
    # disagree would be an offset none of them supports.
    group = _agreeing_group(inside, dt_scan, window_s)
    w = np.array([1.0 / c.sigma_s ** 2 for c in group])
    x = np.array([c.offset_s for c in group])
    offset = float(np.sum(w * x) / np.sum(w))
    offset = float(np.clip(offset, lo, hi)) if lo <= hi else offset
    # the confidence and the warnings weigh the group by its plain inverse-variance sigma
    # (unchanged); the sigma reported, which the rates' error bars use, is widened by the
    # members' scatter when it exceeds their sigmas (_group_mean)
    sigma = float(1.0 / math.sqrt(np.sum(w)))
    honest = _mixture_sigma(group, inside, offset, dt_scan, window_s)
    # only a cue that resolves a scan on its own checks another: a cue wider than that
    # (a charge cue of +-6 s beside a short circuit of +-0.13 s on a 0.47 s scan) agrees
    # with anything within its width and is no evidence that the precise one is right,
    # nor is its sharpness the precise one's (tuning seed 7002: a touch-down placed 0.8
    # scan late was "confirmed" by such a cue at 0.85). A cue without a cost curve (the
    # short circuit: one event in each clock) has no second-best offset to confuse it
    # with: sharpness 1, as when it stands alone (an agreeing fitted cue with a flat cost
    # must not lower the confidence it gives)
    precise = [c for c in group if c.sigma_s < RESOLVE_SCANS * dt_scan] or group
    conf = float(max(1.0 if c.sharpness is None else c.sharpness for c in precise))
    conf *= float(np.clip(1.0 - sigma / (2 * UNCERTAIN_SCANS * dt_scan), 0.0, 1.0)) ** 0.5
    # two cues disagree when more than a scan apart, unless one of them is too wide to
    # tell a scan (see _disagrees): then only beyond its own uncertainty
    pairs = [(a, b) for a, b in itertools.combinations(inside, 2) if _disagrees(a, b, dt_scan)]
    if pairs:
        spread = max(abs(a.offset_s - b.offset_s) for a, b in pairs)
        names = ", ".join(f"{c.name} {c.offset_s:+.2f} s" for c in inside
                          if any(c in p for p in pairs))
        used = ", ".join(c.name for c in group)
        warnings.append(f"sync cues disagree by {spread:.2f} s (more than one scan period, "
                        f"{dt_scan:.2f} s): {names}; used {used}; the clock offset is "
                        f"uncertain, check it or give sync_offset_s / --sync-window")
        conf = min(conf, DISAGREE_CONFIDENCE)
    elif sigma > UNCERTAIN_SCANS * dt_scan:
        warnings.append(f"sync offset uncertain: +-{sigma:.2f} s, more than half a scan period "
                        f"({dt_scan:.2f} s); check it or give sync_offset_s / --sync-window")
        conf = min(conf, DISAGREE_CONFIDENCE)
    if conflict:
        conf = min(conf, DISAGREE_CONFIDENCE)
    lone = min(precise, key=lambda c: c.sigma_s)
    if len(precise) < 2 and not lone.adequate and not warnings:
        # nothing checks a lone cue but its own residuals: when they run in stretches
        # of one sign its model misses part of the data (a bad track fits some offset
        # too), and its curvature-based uncertainty does not cover that. A cue without
        # residuals to judge (adequate None: the short circuit, one event in each clock)
        # is not checked at all: said so, not blamed on residuals it does not have
        why = ("whose model leaves structured residuals" if lone.adequate is False else
               "that has no residuals to check it by")
        wide = [c.name for c in group if c not in precise]
        also = (f"; the {', '.join(wide)} cue{'s agree' if len(wide) > 1 else ' agrees'} but "
                f"{'are' if len(wide) > 1 else 'is'} too wide to tell a scan") if wide else ""
        warnings.append(f"sync offset {offset:+.2f} s rests on one cue ({lone.name}{also}) that "
                        f"no other cue confirms and {why}; "
                        "check it or give sync_offset_s / --sync-window")
        conf = min(conf, SINGLE_CUE_CONFIDENCE)
    conf = float(np.clip(conf, 0.0, 1.0))
    return Combined(offset_s=offset, sigma_s=honest, confidence=conf,
                    used=[c.name for c in group], warnings=warnings)


def _group_mean(group):
    """Inverse-variance mean, its standard uncertainty scaled by the members' scatter.

    The scale factor ``max(1, sqrt(chi2 / (m - 1)))`` (Birge ratio; the Particle
    Data Group's rule for averaging measurements) widens the uncertainty of the
    mean when the members scatter more than their sigmas allow: two cues that
    "agree" within two combined sigmas (:func:`_agrees`) but not within one are
    evidence that one sigma is too small, and the plain ``1 / sqrt(sum w)`` would
    claim more than either cue alone. A lone cue keeps its sigma.
    """
    s = np.array([c.sigma_s for c in group], float)
    x = np.array([c.offset_s for c in group], float)
    w = 1.0 / s ** 2
    mean = float(np.sum(w * x) / np.sum(w))
    sigma = float(1.0 / math.sqrt(np.sum(w)))
    if len(group) > 1:
        chi2 = float(np.sum(w * (x - mean) ** 2))
        sigma *= math.sqrt(max(1.0, chi2 / (len(group) - 1)))
    return mean, sigma


def _mixture_sigma(group, cues, offset, dt_scan, window_s):
    """Standard uncertainty of `offset` over which cues are right (measured, not kept).

    Each pairwise agreeing group ``g`` of the cues that resolve a scan (and the group
    taken) is a hypothesis "these are right, the others wrong" with posterior weight
    ``P_g`` proportional to ``exp(evidence_g)`` (:func:`_evidence`), mean ``mu_g`` and
    sigma ``sigma_g`` (:func:`_group_mean`); ``sigma**2 = sum_g P_g (sigma_g**2 +
    (mu_g - offset)**2)``. Without a window only the groups of the most cues are weighed.
    """
    if window_s is not None and not (math.isfinite(window_s) and window_s > 0):
        window_s = None
    cues = [c for c in cues if c.sigma_s < RESOLVE_SCANS * dt_scan or c in group]
    groups = _pairwise_groups(cues, dt_scan)
    if window_s is None:
        most = max(len(g) for g in groups)
        groups = [g for g in groups if len(g) == most]
    if not any({id(c) for c in g} == {id(c) for c in group} for g in groups):
        groups.append(list(group))
    ev = np.array([_evidence(g, window_s) for g in groups])
    p = np.exp(ev - ev.max())
    p /= p.sum()
    second = 0.0
    for pg, g in zip(p, groups):
        mu, sg = _group_mean(g)
        second += float(pg) * (sg ** 2 + (mu - offset) ** 2)
    return float(math.sqrt(second))


def _pairwise_groups(cues, dt_scan):
    """Every non-empty group of `cues` whose members agree pairwise (:func:`_agrees`)."""
    return [list(g) for m in range(len(cues), 0, -1) for g in itertools.combinations(cues, m)
            if all(_agrees(a, b, dt_scan) for a, b in itertools.combinations(g, 2))]


def _disagrees(a, b, dt_scan):
    """Two cues' estimates contradict each other (issue 13's disagreement).

    More than :data:`DISAGREE_SCANS` scans apart, the disagreement of issue 13, when
    both cues claim to resolve it (standard uncertainty below that); a cue that does
    not (wider than a scan: a step cue of +-4 scans, a charge cue on a slow growth)
    contradicts the other only beyond :data:`AGREE_SIGMAS` combined standard
    uncertainties, as a cue's distance within its own uncertainty is no evidence
    that either is wrong, and a warning on it is noise to the user.
    """
    gap = abs(a.offset_s - b.offset_s)
    one = DISAGREE_SCANS * dt_scan
    if gap <= one:
        return False
    return max(a.sigma_s, b.sigma_s) < one or \
        gap > AGREE_SIGMAS * math.hypot(a.sigma_s, b.sigma_s)


def _agrees(a, b, dt_scan):
    """Two estimates agree: within half a scan, or two combined standard uncertainties."""
    return abs(a.offset_s - b.offset_s) <= max(AGREE_SCANS * dt_scan,
                                               AGREE_SIGMAS * math.hypot(a.sigma_s, b.sigma_s))


def _evidence(group, window_s):
    """Log evidence that the cues of `group` are right and every other cue is wrong.

    Each cue is either right (its estimate normal about the true offset with its
    stated sigma) or wrong (its estimate anywhere in the window, density
    ``1 / window_s``). Against "every cue is wrong", the group's marginal
    likelihood (the true offset uniform in the window) is

    ``(m - 1) ln(W / sqrt(2 pi)) - sum ln sigma_i + ln sigma_G - chi2 / 2``

    with ``m`` members, ``sigma_G**-2 = sum sigma_i**-2`` and ``chi2`` the
    members' squared deviations from their inverse-variance mean in their
    sigmas. A lone cue scores 0 whatever its sigma (a cue's own precision is
    no evidence that it is right); each agreeing member adds about
    ``ln(W / (sqrt(2 pi) sigma))``: much for a precise cue (a wrong one would
    seldom land so close), nothing for a cue as wide as the window (it agrees
    with anything). Without a window (None) the first term is left out.
    """
    s = np.array([c.sigma_s for c in group], float)
    x = np.array([c.offset_s for c in group], float)
    w = 1.0 / s ** 2
    mean = float(np.sum(w * x) / np.sum(w))
    chi2 = float(np.sum(w * (x - mean) ** 2))
    size = 0.0 if window_s is None else \
        (len(group) - 1) * math.log(window_s / math.sqrt(2.0 * math.pi))
    return size - float(np.sum(np.log(s))) - 0.5 * math.log(float(np.sum(w))) - 0.5 * chi2


def _agreeing_group(cues, dt_scan, window_s=None):
    """The group of pairwise agreeing cues with the most evidence (ties: the most reliable).

    Every group whose members agree pairwise (:func:`_agrees`) is scored by
    :func:`_evidence`; the groups within :data:`EVIDENCE_TIE` of the best are
    not told apart by the data, and of those the group of the most reliable
    cue is taken (then the one with the most evidence). A wide cue joins a
    group only when it adds evidence, so two precise cues that agree outweigh
    one precise cue, and a wide cue that agrees with a biased one does not
    outweigh a precise one. Without a window (``window_s`` None: unbounded)
    only the groups with the most cues compete.
    """
    def rank(c):
        return RELIABILITY.index(c.name) if c.name in RELIABILITY else len(RELIABILITY)

    if window_s is not None and not (math.isfinite(window_s) and window_s > 0):
        window_s = None
    groups = _pairwise_groups(cues, dt_scan)
    if window_s is None:
        most = max(len(g) for g in groups)
        groups = [g for g in groups if len(g) == most]
    scored = [(_evidence(g, window_s), g) for g in groups]
    top = max(e for e, _ in scored)
    near = [(e, g) for e, g in scored if e >= top - EVIDENCE_TIE]
    return max(near, key=lambda eg: (-min(rank(c) for c in eg[1]), eg[0]))[1]


def drift_ppm(t_early, off_early, t_late, off_late):
    """Clock drift from the offsets at two video times: ``d offset / d t_video`` in ppm."""
    if t_late <= t_early:
        return None
    return float((off_late - off_early) / (t_late - t_early) * 1e6)
