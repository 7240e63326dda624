"""Linking whiskers over scans: ids that stay stable while tips grow (trackpy on roots).

Points are (x, y) = (column, row) in pixels, origin at the centre of the
top-left pixel; lengths in pixels.
"""
import dataclasses
import math

import numpy as np

from calibration import InputError

__all__ = ["WhiskerLinker"]

#: Scans a whisker may be missed and keep its id (a scan or two can lose a faint tip).
LINK_MEMORY = 3
#: Largest whisker tip displacement between two measured scans, px (the analyze pipeline's
#: value; a tip at the fastest growth in the paper, ~15 um/s, moves < 30 px per scan at
#: typical pixel sizes and scan times).
WHISKER_SEARCH_RANGE_PX = 30.0


#: Scale of the root direction in the linking space, px per radian: a rod's identity is its
#: root (base) and the direction it leaves the electrode in, which stay put while its tip
#: moves; two rods from one base 10 deg apart are ~10 px apart, a root turning by more than
#: ~30 deg between scans is another rod (with the 30 px search range).
LINK_DIRECTION_PX_PER_RAD = 60.0
#: ... and the length enters at this weight: a tip moving along its own axis may move up to
#: twice the search range per scan (a fast whisker), while another rod from a nearby root
#: (one missed in a scan must not hand its id to a neighbour) differs in length.
LINK_LENGTH_WEIGHT = 0.5


#: The root direction is the chord from the base to the centreline point
#: ROOT_CHORD_WIDTHS rod widths along it (at least ROOT_CHORD_MIN_PX, at most the rod's
#: length): a curved rod's centreline has a vertex every CENTRE_VERTEX_STEP_PX, and a
#: 2 px chord turns by atan(0.5 / 2) = 14 deg with half a pixel of noise at its end
#: (~15 px in the linking space, half the search range); over two widths (12 px and
#: more) it turns by <= 5 deg, while a rod bending at its root by the curvature the
#: generator allows (radius >= ~3 widths) turns by < 20 deg over that chord.
ROOT_CHORD_WIDTHS = 2.0
ROOT_CHORD_MIN_PX = 4.0
#: Re-linking (issue 11): a track lost for longer than the linker's memory (a faint
#: stretch of scans, a segmentation that lost the rod) and a new one that starts from the
#: same root are one whisker when the new root lies within RELINK_BASE_WIDTHS of the mean
#: rod width of the old one (two rods whose roots are closer than a width overlap: they
#: are one rod), leaves it within RELINK_MAX_TURN_DEG of the same direction (the root
#: chord's noise, +-0.5 px at each end of a chord of two widths >= 12 px: <= 5 deg each,
#: plus the turn of a curved rod's first two widths as its tip grows, < 10 deg), and is
#: not shorter than the old one's last length by more than RELINK_SHRINK_WIDTHS of a width
#: (a whisker does not shrink while it grows; its measured tip moves back by up to a
#: width when the edge fit or the segmentation cuts the far end). Without it, each re-born
#: track is a spurious whisker and the rate fit sees only its own stretch (tuning seeds
#: 5002, 5038, 5010).
RELINK_BASE_WIDTHS = 1.0
RELINK_MAX_TURN_DEG = 20.0
RELINK_SHRINK_WIDTHS = 1.0
#: A track seen in this many scans or more holds a rod's history; fewer is noise (the
#: tracker's ``min_whisker_scans``, whose shorter ids ``track`` drops): see
#: :meth:`WhiskerLinker._established_kept`.
LINK_ESTABLISHED_SCANS = 3


def _root_direction(w):
    """Unit vector (x, y) in which a whisker leaves its root (see :data:`ROOT_CHORD_WIDTHS`)."""
    if len(w.path_xy_px) >= 2:
        reach = min(max(ROOT_CHORD_WIDTHS * float(w.width_px), ROOT_CHORD_MIN_PX),
                    float(w._polyline()[2][-1]))
        p, _ = w.point_at(reach)
        d = np.subtract(p, w.base_xy_px)
        if not np.hypot(*d) > 0:
            d = np.subtract(w.path_xy_px[1], w.path_xy_px[0])
    else:
        d = np.asarray(w.direction_xy, float)
    return d / max(float(np.hypot(*d)), 1e-9)


def _link_coords(w):
    """Linking coordinates: base (row, col), scaled root direction and weighted length, px.

    Not the tip: a tip moves by its growth per scan, which for a fast whisker (tens of
    um/s at a fine pixel size) exceeds any search range that keeps neighbours apart
    (tuning seed 5049: 20-36 px per scan, a new id every scan, all dropped as too
    short), and a segmentation that loses a rod's far part in one scan moves the tip
    by tens of px although the rod is the same. Its root and its direction stay; its
    length (at :data:`LINK_LENGTH_WEIGHT`) keeps two rods from neighbouring roots apart
    (tuning seed 5057: a rod missed in one scan handed its id to a 57 px neighbour).
    The direction is that of the root chord (:func:`_root_direction`), not of the first
    2-px piece of a curved centreline.
    """
    bx, by = w.base_xy_px
    d = _root_direction(w) * LINK_DIRECTION_PX_PER_RAD
    return (float(by), float(bx), float(d[1]), float(d[0]), LINK_LENGTH_WEIGHT * float(w.length_px))


class WhiskerLinker:
    """Give whiskers ids that stay stable across frames (trackpy linking of roots).

    Parameters
    ----------
    search_range_px : float
        Largest change of a whisker's linking coordinates (base, px, and root
        direction, :data:`LINK_DIRECTION_PX_PER_RAD`) between two measured scans.
    memory : int
        Number of scans a whisker may be missed and keep its id.
    relink : bool
        Also give a track that trackpy starts anew the id of a track lost earlier (for
        longer than ``memory``) from the same root, in the same direction and not
        shorter (see :data:`RELINK_BASE_WIDTHS`); off, ids are trackpy's alone.
    """

    def __init__(self, *, search_range_px=WHISKER_SEARCH_RANGE_PX, memory=LINK_MEMORY,
                 relink=False):
        if not search_range_px > 0:
            raise InputError(f"search_range_px must be > 0, got {search_range_px}")
        self.search_range_px = float(search_range_px)
        self.memory = int(memory)
        self.relink = bool(relink)
        self._linker = None
        self._t = 0
        self._alias = {}      # trackpy id -> id given out (re-linked tracks)
        self._last = {}       # id given out -> (scan, base, root direction, length, mean width)
        self._widths = {}     # id given out -> (scans, mean width), px

    def link(self, whiskers):
        """Assign ids to the whiskers of the next scan.

        Parameters
        ----------
        whiskers : list of WhiskerObs
            Detections of one scan (ids ignored).

        Returns
        -------
        list of WhiskerObs
            Same order, with ``whisker_id`` set.
        """
        t = self._t
        self._t += 1
        if not whiskers:
            if self._linker is not None:
                # an empty level still ages the memory
                self._linker.next_level(np.zeros((0, 5)), t)
            return []
        coords = np.array([_link_coords(w) for w in whiskers], dtype=float)
        if self._linker is None:
            from trackpy.linking import Linker  # trackpy (and scipy.optimize) on first use

            self._linker = Linker(self.search_range_px, memory=self.memory)
            self._linker.init_level(coords, t)
        else:
            self._linker.next_level(coords, t)
        ids = [int(i) for i in self._linker.particle_ids]
        if self.relink:
            ids = self._relinked(whiskers, ids, t)
        return [dataclasses.replace(w, whisker_id=int(i)) for w, i in zip(whiskers, ids)]

    def _relinked(self, whiskers, ids, t):
        """Ids after re-linking new trackpy tracks to lost ones; updates the track state."""
        out = [self._alias.get(i, i) for i in ids]
        present = set(out)
        fresh = [k for k, i in enumerate(ids) if i not in self._alias and i not in self._last]
        taken = set()
        for k in sorted(fresh, key=lambda k: -whiskers[k].length_px):
            best, best_cost = None, math.inf
            for j, (tj, *_) in self._last.items():
                if j in present or j in taken or tj >= t:
                    continue
                cost = self._same_rod_cost(whiskers[k], j)
                if cost is not None and cost < best_cost:
                    best, best_cost = j, cost
            if best is not None:
                self._alias[ids[k]] = best
                out[k] = best
                taken.add(best)
        out = self._established_kept(whiskers, out)
        for w, i in zip(whiskers, out):
            n, width = self._widths.get(i, (0, 0.0))
            self._widths[i] = (n + 1, width + (float(w.width_px) - width) / (n + 1))
            self._last[i] = (t, tuple(map(float, w.base_xy_px)), _root_direction(w),
                             float(w.length_px), self._widths[i][1])
        return out

    def _same_rod_cost(self, w, j):
        """Re-linking cost of whisker ``w`` to given id ``j`` (None when not the same rod)."""
        tj, base, uj, length, width = self._last[j]
        wid = 0.5 * (width + float(w.width_px))
        dist = math.hypot(w.base_xy_px[0] - base[0], w.base_xy_px[1] - base[1])
        turn = math.degrees(math.acos(float(np.clip(np.dot(_root_direction(w), uj), -1.0, 1.0))))
        if (dist > RELINK_BASE_WIDTHS * wid or turn > RELINK_MAX_TURN_DEG
                or w.length_px < length - RELINK_SHRINK_WIDTHS * wid):
            return None
        return (dist / max(RELINK_BASE_WIDTHS * wid, 1e-9)) ** 2 + (turn / RELINK_MAX_TURN_DEG) ** 2

    def _established_kept(self, whiskers, out):
        """``out`` with rods given the id of a track seen in fewer than
        :data:`LINK_ESTABLISHED_SCANS` scans moved to an established track of the same rod
        that is missing this scan (the re-linking tests: root within a width, same
        direction, not shorter; :data:`RELINK_BASE_WIDTHS`).

        Trackpy keeps a track missed for up to ``memory`` scans as good a match as any, and
        re-linking picks the closest lost root: a one-scan sibling read beside a rod (a
        5.7 px whisker read as two 4 px rods in one scan) took the rod over when that was
        missed for a scan, and the two ids then alternated scan by scan (tuning seed 7072:
        one whisker as a 6-scan and a 16-scan track, one spurious). A track that short is
        noise (``track`` drops it); the rod goes on under the track that holds its history.
        """
        out = list(out)
        est = [j for j, (n, _) in self._widths.items()
               if n >= LINK_ESTABLISHED_SCANS and j not in out and j in self._last]
        for k, i in enumerate(out):
            if not est or self._widths.get(i, (0, 0.0))[0] >= LINK_ESTABLISHED_SCANS:
                continue
            costs = [(c, j) for j in est if (c := self._same_rod_cost(whiskers[k], j)) is not None]
            if costs:
                j = min(costs)[1]
                out[k] = j
                est.remove(j)
        return out
