"""The decisions of the tip search in :func:`_raw_candidates`, on regions of known geometry (issue 11).

What the needle's rule decides once the masks are read (mutation wave 18, the survivors of
wave 17c): which regions near the needle's tip are joined with the needle, when the rim
search at the tip (:func:`_tip_rim_circles`) runs and with what, which needle-like region
is the contacting needle, and which candidates come back. The masks' regions are drawn as
exact rectangles and each region's reading is given (the mask, the needle reading, the disc
fit, its contrast and the rim search are replaced), so boundaries hold exactly: a tip at
exactly NEEDLE_TIP_TOL_PX from a region's box, a taper of exactly NEEDLE_MIN_TAPER, a rim
score of exactly NEEDLE_MIN_RIM_SCORE, two needle-like regions of exactly equal rank (mirror
images have equal elongation and solidity). These stages are injected here to isolate the
decision; the drawn scenes of ``test_electrode_tip_scenes_w18.py`` run them for real.
"""
import cv2
import numpy as np
import pytest

from vision.measure import _electrode as E

H, W = 240, 320
IMG = np.full((H, W), 100.0, np.float32)
#: needle-like regions: strips entering from the left and the right edge (box corner, shape)
NEEDLE_A = ((0, 20), (6, 60))
NEEDLE_B = ((260, 200), (6, 60))
TIP_A = (100.0, 60.0)
TIP_B = (220.0, 160.0)
#: a tapering needle (the rim search trusts it) and one whose taper to the tip is below
TAPERS = (2.0, E.NEEDLE_MIN_TAPER)
NO_TAPER = (2.0, 0.9 * E.NEEDLE_MIN_TAPER)
R_FIT = 16.0      # a disc's fitted radius (px): rim score = score / R_FIT exactly


def _disc(xc, yc, rim, r_fit=R_FIT):
    """A disc fit (score, xc, yc, r, r_in) of rim score ``rim`` (as :func:`_disc_score`
    returns it: the radius with CONTOUR_HALF_PX added)."""
    return (rim * r_fit, xc, yc, r_fit + E.CONTOUR_HALF_PX, r_fit)


class Scene:
    """Rectangular regions of one dark mask and what each reads as."""

    def __init__(self):
        self.mask = np.zeros((H, W), bool)
        self.needles = {}     # (x0, y0) -> needle_candidate's reading
        self.discs = {}       # (x0, y0) -> [disc fits] of the region alone
        self.tip_discs = {}   # tip -> [disc fits] of the needle's own region at its tip
        self.rim = {}         # tip -> rings of the rim search at that tip
        self.joined = []      # boxes (x0, y0, w, h) of regions joined with the needle
        self.tip_calls = []   # tips of the disc fits at a needle's tip
        self.rim_calls = []   # arguments of the rim searches

    def region(self, x0, y0, bw, bh, *, discs=()):
        x0, y0 = int(x0), int(y0)
        self.mask[y0:y0 + bh, x0:x0 + bw] = True
        self.discs[(x0, y0)] = list(discs)

    def needle(self, box, tip, rank, taper, *, tip_discs=(), rim=()):
        (x0, y0), (bh, bw) = box
        self.region(x0, y0, bw, bh)
        self.needles[(x0, y0)] = (rank, (rank[2], *tip), taper)
        self.tip_discs[tip] = list(tip_discs)
        self.rim[tip] = list(rim)

    def run(self, monkeypatch, max_radius_px=None):
        needle_boxes = set(self.needles)
        with_needle = E._with_needle

        def disc_score(comp, x0, y0, shape, min_radius_px, tip=None):
            if tip is None:
                return self.discs.get((x0, y0), [])
            self.tip_calls.append(tip)
            return self.tip_discs[tip] if (x0, y0) in needle_boxes else []

        def joined(region, needle_region):
            comp, x0, y0, _ = region
            self.joined.append((x0, y0, comp.shape[1], comp.shape[0]))
            return with_needle(region, needle_region)

        def rim_search(img, needle, min_radius_px, max_radius_px, sm, needle_region=None):
            self.rim_calls.append((img, needle, min_radius_px, max_radius_px, sm, needle_region))
            return self.rim[tuple(needle[1:])]

        monkeypatch.setattr(E, "_without_bands", lambda img: img)
        monkeypatch.setattr(E, "_li_masks", lambda img: [("dark", self.mask, 50.0)])
        monkeypatch.setattr(E, "needle_candidate",
                            lambda comp, x0, y0, shape, area: self.needles.get((x0, y0)))
        monkeypatch.setattr(E, "_disc_score", disc_score)
        monkeypatch.setattr(E, "_disc_contrast", lambda sm, xc, yc, r: E.FULL_DISC_CONTRAST)
        monkeypatch.setattr(E, "_with_needle", joined)
        monkeypatch.setattr(E, "_tip_rim_circles", rim_search)
        return E._raw_candidates(IMG, E.MIN_ELECTRODE_RADIUS_PX, max_radius_px)


def _one_needle(taper=NO_TAPER, **kw):
    s = Scene()
    s.needle(NEEDLE_A, TIP_A, (True, True, 5.0), taper, **kw)
    return s


# -- which regions are joined with the needle at its tip ---------------------------------------

BW, BH = 10, 14       # a region's box (not square: its width and height are not mixed up)
TX, TY = TIP_A
REACH = E.NEEDLE_TIP_TOL_PX
#: (box corner, joined?): the tip exactly NEEDLE_TIP_TOL_PX beyond each side of the box is
#: near it; one pixel further is not. Across the other axis the tip lies within the box.
#: The box's far side is x0 + BW (one past its last pixel), as the rule reads it.
REACH_CASES = {
    "left in": ((TX + REACH, TY - 4), True),
    "left out": ((TX + REACH + 1, TY - 4), False),
    "right in": ((TX - BW - REACH, TY - 4), True),
    "right out": ((TX - BW - REACH - 1, TY - 4), False),
    "top in": ((TX - 4, TY + REACH), True),
    "top out": ((TX - 4, TY + REACH + 1), False),
    "bottom in": ((TX - 4, TY - BH - REACH), True),
    "bottom out": ((TX - 4, TY - BH - REACH - 1), False),
}


@pytest.mark.parametrize("case", sorted(REACH_CASES))
def test_regions_whose_box_within_the_tip_tolerance_holds_the_tip_are_joined(monkeypatch, case):
    (x0, y0), joined = REACH_CASES[case]
    s = _one_needle()
    s.region(int(x0), int(y0), BW, BH)
    s.run(monkeypatch)
    assert s.joined == ([(int(x0), int(y0), BW, BH)] if joined else [])
    # the needle's own region is tried at its tip in any case, at the tip
    assert s.tip_calls[-1] == TIP_A


def test_a_disc_at_the_tip_exactly_at_the_closed_floor_stops_the_search(monkeypatch):
    # rim score exactly NEEDLE_MIN_RIM_SCORE ("at least"): the masks separate the electrode,
    # no region is joined with the needle and the rim search does not run
    s = _one_needle(TAPERS)
    s.region(TX - 4, TY - 4, BW, BH, discs=[_disc(TX, TY, E.NEEDLE_MIN_RIM_SCORE)])
    cands, needle, rings = s.run(monkeypatch)
    assert E._rim_score(cands[0]) == E.NEEDLE_MIN_RIM_SCORE
    assert s.tip_calls == [] and s.joined == [] and s.rim_calls == []
    assert needle == (5.0, *TIP_A) and rings == []


def test_discs_joined_at_the_tip_are_fitted_at_the_tip_and_returned(monkeypatch):
    extra = _disc(TX + 10, TY, 0.9)
    s = _one_needle(tip_discs=[extra])
    cands, needle, _ = s.run(monkeypatch)
    assert s.tip_calls == [TIP_A]
    assert [c[:5] for c in cands] == [extra]


# -- when the rim search at the tip runs ---------------------------------------------------------

def test_the_rim_search_runs_for_a_needle_tapering_exactly_at_the_floor_with_nothing_closed(monkeypatch):
    ring = (0.95 * 30.0, TX + 20, TY, 30.0, 30.0, "dark")
    s = _one_needle(TAPERS, rim=[ring])
    sm = cv2.GaussianBlur(IMG, (0, 0), E.SMOOTH_PX)
    cands, needle, rings = s.run(monkeypatch, max_radius_px=150.0)
    assert len(s.rim_calls) == 1
    img, got_needle, lo, hi, got_sm, region = s.rim_calls[0]
    assert img is IMG and got_needle == (5.0, *TIP_A)
    assert (lo, hi) == (E.MIN_ELECTRODE_RADIUS_PX, 150.0)
    np.testing.assert_array_equal(got_sm, sm)
    comp, x0, y0, pol = region
    assert (x0, y0, comp.shape, pol) == (*NEEDLE_A[0], NEEDLE_A[1], "dark") and comp.all()
    assert rings == [ring] and cands == [] and needle == (5.0, *TIP_A)


def test_no_rim_search_for_a_needle_that_does_not_taper_to_its_tip(monkeypatch):
    s = _one_needle(NO_TAPER, rim=[(30.0, TX, TY, 30.0, 30.0, "dark")])
    assert s.run(monkeypatch)[2] == [] and s.rim_calls == []


def test_no_rim_search_when_the_best_scored_disc_elsewhere_is_closed(monkeypatch):
    # nothing at the tip is closed, but the best-scored disc (not the first region, not the
    # one of largest x: a small unclosed one is both) is: the masks work in this frame
    s = _one_needle(TAPERS, rim=[(30.0, TX, TY, 30.0, 30.0, "dark")])
    s.region(280, 5, BW, BH, discs=[_disc(285.0, 12.0, 0.5)])               # first, rightmost
    s.region(30, 150, BW, BH, discs=[_disc(40.0, 170.0, 0.9, r_fit=32.0)])  # best by score
    cands, needle, rings = s.run(monkeypatch)
    assert s.rim_calls == [] and rings == []
    best = max(cands, key=lambda c: c[0])
    assert best[1:3] == (40.0, 170.0) and cands[0][1:3] == (285.0, 12.0)


def test_the_rim_search_runs_when_no_disc_anywhere_is_closed(monkeypatch):
    s = _one_needle(TAPERS, rim=[(30.0, TX, TY, 30.0, 30.0, "dark")])
    s.region(280, 5, BW, BH, discs=[_disc(285.0, 12.0, 0.5)])
    s.region(30, 150, BW, BH, discs=[_disc(40.0, 170.0, 0.6, r_fit=32.0)])
    assert len(s.run(monkeypatch)[2]) == 1 and len(s.rim_calls) == 1


# -- which needle-like region is the needle ----------------------------------------------------

def _two(rank_a, rank_b, *, taper_a=NO_TAPER, taper_b=NO_TAPER, **kw_b):
    s = Scene()
    s.needle(NEEDLE_A, TIP_A, rank_a, taper_a)
    s.needle(NEEDLE_B, TIP_B, rank_b, taper_b, **kw_b)
    return s


def test_the_narrowing_ranks_before_elongation(monkeypatch):
    # A tapers but is less elongated than B (a line of constant width); both end on closed
    # discs, B's the larger: A is the needle (its rank), and its disc the electrode
    s = _two((True, False, 3.0), (False, True, 9.0))
    s.region(90, 40, BW, BH, discs=[_disc(*TIP_A, 1.0)])
    s.region(210, 140, BW, BH, discs=[_disc(*TIP_B, 1.0, r_fit=30.0)])
    assert s.run(monkeypatch)[1] == (3.0, *TIP_A)


def test_needles_of_equal_rank_keep_the_masks_order(monkeypatch):
    # equal ranks (mirror images): the first in the masks' order, not the one of larger tip x
    s = _two((True, True, 5.0), (True, True, 5.0))
    s.region(90, 40, BW, BH, discs=[_disc(*TIP_A, 1.0)])
    s.region(210, 140, BW, BH, discs=[_disc(*TIP_B, 1.0)])
    assert s.run(monkeypatch)[1] == (5.0, *TIP_A)


def test_a_lower_ranked_needle_ending_on_a_rim_ring_is_the_needle_when_no_disc_is_found(monkeypatch):
    # no disc in the masks; the first-ranked region ends on ceramic, the other on a closed rim
    # ring (an electrode seen only by its rim): that one is the needle
    ring = (0.95 * 20.0, TIP_B[0] + 10, TIP_B[1], 20.0, 20.0, "dark")
    s = _two((True, True, 9.0), (True, True, 5.0), taper_b=TAPERS, rim=[ring])
    cands, needle, rings = s.run(monkeypatch)
    assert cands == [] and needle == (5.0, *TIP_B) and rings == [ring]


def test_a_lower_ranked_needle_whose_disc_is_the_largest_is_the_needle(monkeypatch):
    # its disc is the largest disc itself (score equal to the largest: "also the largest")
    s = _two((True, True, 9.0), (True, True, 5.0))
    s.region(210, 140, BW, BH, discs=[_disc(*TIP_B, 1.0, r_fit=30.0)])
    s.region(20, 120, BW, BH, discs=[_disc(40.0, 140.0, 1.0, r_fit=10.0)])
    assert s.run(monkeypatch)[1] == (5.0, *TIP_B)


def test_discs_joined_at_a_needle_not_taken_are_no_candidates(monkeypatch):
    # the first-ranked region's tip joins an unclosed disc (the largest score); the other
    # ends on a closed disc and is the needle: the unclosed disc at the rejected tip is not
    # returned (it is no disc of the masks, and scored highest it would win by size)
    s = Scene()
    s.needle(NEEDLE_A, TIP_A, (True, True, 9.0), NO_TAPER,
             tip_discs=[_disc(TX + 40, TY, 0.5, r_fit=100.0)])
    s.needle(NEEDLE_B, TIP_B, (True, True, 5.0), NO_TAPER)
    s.region(210, 140, BW, BH, discs=[_disc(*TIP_B, 1.0, r_fit=30.0)])
    cands, needle, _ = s.run(monkeypatch)
    assert needle == (5.0, *TIP_B)
    assert [c[:5] for c in cands] == [_disc(*TIP_B, 1.0, r_fit=30.0)]


def test_when_no_needle_ends_on_the_electrode_only_the_first_ranked_ones_joined_discs_return(monkeypatch):
    s = Scene()
    a = _disc(TX + 10, TY, 0.5, r_fit=20.0)
    s.needle(NEEDLE_A, TIP_A, (True, True, 9.0), NO_TAPER, tip_discs=[a])
    s.needle(NEEDLE_B, TIP_B, (True, True, 5.0), NO_TAPER,
             tip_discs=[_disc(TIP_B[0] - 40, TIP_B[1], 0.5, r_fit=100.0)])
    cands, needle, _ = s.run(monkeypatch)
    assert needle == (9.0, *TIP_A)
    assert [c[:5] for c in cands] == [a]
