"""The joint gallery's tiles: each joint aligned on its own, one physical size on both films,
sites not found left empty, the reader's corrected joints honoured.

Always-run tests use the small real hand in tests/data (448 × 367, MCP3–PIP3 about 72 px)
and follow-ups made from it with a known transform; the shared-data tests use the real
same-hand pair with hand-marked joints and the full-size CR hand.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pytest

from tests.core.conftest import TEST_DATA
from xraycompare.core.gallery import align as gallery_align
from xraycompare.core.gallery import build_gallery, gallery_sites
from xraycompare.core.gallery import tiles as gallery_tiles
from xraycompare.core.geometry import compose, similarity, transform_points
from xraycompare.core.io.loading import load_image
from xraycompare.core.joints import Joint, JointMap, find_joints
from xraycompare.core.joints.corrections import JointCorrections
from xraycompare.core.joints.evaluation import load_marks
from xraycompare.core.progress import Cancelled
from xraycompare.core.synthetic import (
    FingerMove,
    FollowupSpec,
    fingers_from_joints,
    followup_position,
    simulate_followup,
)

HAND_CENTRE = (183.0, 223.0)
TRUTH = similarity(angle_deg=7.0, scale=0.97, center=HAND_CENTRE, tx=9.0, ty=-6.0)
# the pair's alignment a little off: every joint must find its own way back
ROUGH = compose(similarity(angle_deg=1.5, center=HAND_CENTRE, tx=3.0, ty=-2.5), TRUTH)


def follow_up(image, spec: FollowupSpec):
    return replace(image, pixels=simulate_followup(image.pixels, spec), source=None)


def error_at_joint(tile, after_to_before: np.ndarray) -> float:
    """How far (before px) the tile's alignment puts the after anatomy at its joint."""
    shown = transform_points(after_to_before, np.array([tile.after_centre]))[0]
    return float(np.linalg.norm(shown - np.array(tile.centre)))


@pytest.fixture(scope="module")
def hand():
    return load_image(TEST_DATA / "cr_hand_small.png")


@pytest.fixture(scope="module")
def hand_joints(hand):
    return find_joints(hand)


@pytest.fixture(scope="module")
def moved(hand):
    """A follow-up through TRUTH with another exposure and noise."""
    return follow_up(hand, FollowupSpec(matrix=TRUTH, gamma=1.25, noise_sd=0.01, seed=3))


@pytest.fixture(scope="module")
def gallery(hand, moved, hand_joints):
    return build_gallery(hand, moved, alignment=ROUGH, before_joints=hand_joints)


def test_every_tile_recovers_the_known_transform_from_a_rough_start(gallery):
    found = [t for t in gallery.tiles if t.found]
    assert len(found) >= 8
    for tile in found:
        assert error_at_joint(tile, TRUTH) < 1.0, tile.site
        assert error_at_joint(tile, ROUGH) > 2.0  # the pair's alignment alone was off
        assert tile.quality.local and tile.status == "ok"
        assert tile.quality.ncc > tile.quality.ncc_global


def _side(joints: JointMap) -> int:
    """A tile's side for this hand: 0.55 of its MCP3–PIP3 distance (72 px: 40 px)."""
    points = joints.points()
    return round(0.55 * float(np.hypot(*np.subtract(points["MCP3"], points["PIP3"]))))


def test_the_tiles_show_the_same_anatomy_pixel_for_pixel(gallery, hand, moved, hand_joints):
    """The after tile is the after film resampled through the tile's alignment."""
    side = _side(hand_joints)
    assert 36 <= side <= 44  # the small hand's MCP3–PIP3 is about 72 px
    for tile in (t for t in gallery.tiles if t.found):
        assert tile.before_pixels.shape == tile.after_pixels.shape == (side, side)
        assert tile.before_pixels.dtype == hand.pixels.dtype == tile.after_pixels.dtype
        x, y, w, h = (int(v) for v in tile.before_box)
        if tile.before_valid.all():  # the before tile is the film's own pixels
            assert np.array_equal(tile.before_pixels, hand.pixels[y : y + h, x : x + w])
        both = tile.before_valid & tile.after_valid
        b = tile.before_pixels[both].astype(float)
        a = tile.after_pixels[both].astype(float)
        assert np.corrcoef(a, b)[0, 1] > 0.9, tile.site


def test_tiles_have_one_physical_size_on_both_films(hand, hand_joints):
    """An after film from a coarser detector: fewer, larger pixels, the same anatomy."""
    before = hand.with_calibration((0.5, 0.5), "user")
    k = 1.3  # before pixels per after pixel
    to_before = similarity(scale=k, angle_deg=-5.0, center=HAND_CENTRE, tx=8.0, ty=4.0)
    shape = (round(hand.height / k), round(hand.width / k))
    after = follow_up(before, FollowupSpec(matrix=to_before, out_shape=shape, seed=4))
    after = after.with_calibration((0.5 * k, 0.5 * k), "user")
    gallery = build_gallery(before, after, alignment=to_before, before_joints=hand_joints)
    assert gallery.tile_mm == pytest.approx(gallery.tile_side * 0.5)
    tiles = [t for t in gallery.tiles if t.found]
    assert len(tiles) >= 8
    for tile in tiles:
        corners = tile.after_corners()
        sides = np.linalg.norm(np.roll(corners, -1, axis=0) - corners, axis=1)
        after_mm = sides * after.spacing_mm[1]
        assert after_mm == pytest.approx([gallery.tile_mm] * 4, rel=0.02), tile.site


@pytest.fixture(scope="module")
def fingers_moved(hand, hand_joints):
    """A follow-up through TRUTH with every finger turned 7-8° about its MCP joint."""
    points = hand_joints.points()
    phalanx = float(np.hypot(*np.subtract(points["MCP3"], points["PIP3"])))
    fingers = fingers_from_joints(points, phalanx)
    turns = {1: 7.0, 2: -8.0, 3: 8.0, 4: -7.0, 5: 8.0}
    moves = tuple(FingerMove(f, turns[d]) for d, f in fingers.items())
    spec = FollowupSpec(matrix=TRUTH, posture=moves, gamma=0.9, noise_sd=0.005, seed=5)
    return spec, follow_up(hand, spec)


def test_fingers_that_moved_between_the_films_are_aligned_joint_by_joint(
    hand, hand_joints, fingers_moved
):
    spec, after = fingers_moved
    gallery = build_gallery(hand, after, before_joints=hand_joints)
    checked = 0
    for tile in gallery.tiles:
        if not tile.found or tile.site[:3] not in ("PIP", "IP1"):
            continue
        truth, exact = followup_position(spec, tile.centre)
        assert exact
        by_pair = transform_points(gallery.global_matrix, truth[None])[0]
        by_tile = transform_points(tile.matrix, truth[None])[0]
        assert np.linalg.norm(by_pair - tile.centre) > 4.0  # the finger really moved
        assert np.linalg.norm(by_tile - tile.centre) < 1.5, tile.site
        checked += 1
    assert checked >= 4


def _without(joints: JointMap, *sites: str) -> JointMap:
    return replace(
        joints,
        joints=tuple(
            Joint(j.site, None, None, 0.0) if j.site in sites else j for j in joints.joints
        ),
    )


def test_a_site_found_on_neither_film_is_an_empty_tile_never_a_guess(hand, moved, hand_joints):
    after_joints = JointMap(
        tuple(
            Joint(j.site, *transform_points(np.linalg.inv(TRUTH), np.array([j.point]))[0], 0.9)
            if j.found
            else j
            for j in hand_joints.joints
        )
    )
    gallery = build_gallery(
        hand,
        moved,
        alignment=TRUTH,
        before_joints=_without(hand_joints, "PIP4", "MCP2"),
        after_joints=_without(after_joints, "PIP4"),
    )
    empty = gallery.tile("PIP4")
    assert not empty.found and "PIP4" in gallery.missing()
    assert empty.centre is None and empty.before_pixels is None and empty.matrix is None
    assert empty.as_json() == {"site": "PIP4", "found": False}
    # MCP2 is known on the after film only: shown where the alignment puts it
    from_after = gallery.tile("MCP2")
    assert from_after.found and from_after.source == "after film"
    assert from_after.centre == pytest.approx(hand_joints.get("MCP2").point, abs=0.5)


def test_a_corrected_before_joint_moves_its_tile_and_the_after_joint_follows(
    hand, moved, hand_joints
):
    x, y = hand_joints.get("PIP3").point
    corrections = JointCorrections(before={"PIP3": (x + 5.0, y - 3.0)})
    gallery = build_gallery(
        hand, moved, alignment=ROUGH, before_joints=hand_joints, corrections=corrections
    )
    tile = gallery.tile("PIP3")
    assert tile.source == "corrected" and tile.centre == (x + 5.0, y - 3.0)
    follows = corrections.after_point("PIP3", tile.centre, TRUTH)
    assert np.linalg.norm(np.subtract(tile.after_centre, follows)) < 1.0
    assert gallery.before_joints.get("PIP3").point == (x + 5.0, y - 3.0)


def test_a_joint_placed_on_the_after_film_stays_where_the_reader_put_it(hand, moved, hand_joints):
    before_point = hand_joints.get("PIP2").point
    true_after = transform_points(np.linalg.inv(TRUTH), np.array([before_point]))[0]
    mark = (float(true_after[0]) + 2.0, float(true_after[1]) - 1.0)  # the reader's, 2 px off
    corrections = JointCorrections(after={"PIP2": mark})
    far_off = similarity(tx=25.0, ty=-20.0) @ TRUTH  # the pair's alignment misses the joint
    gallery = build_gallery(
        hand, moved, alignment=far_off, before_joints=hand_joints, corrections=corrections
    )
    tile = gallery.tile("PIP2")
    assert np.linalg.norm(np.subtract(tile.after_centre, mark)) <= 0.1 * gallery.scale.phalanx_px
    assert error_at_joint(tile, TRUTH) < 3.0  # the reader's mark brought it to the joint


def test_progress_runs_to_the_end_and_a_stop_request_cancels(hand, moved, hand_joints):
    seen = []
    build_gallery(
        hand,
        moved,
        alignment=TRUTH,
        before_joints=hand_joints,
        progress=lambda f, m: seen.append(f),
    )
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 5
    with pytest.raises(Cancelled):
        build_gallery(hand, moved, alignment=TRUTH, should_stop=lambda: True)


def test_a_stop_during_the_joints_alignments_ends_the_build_there(
    hand, moved, hand_joints, monkeypatch
):
    aligned = []
    stop = threading.Event()
    real = gallery_align.align_crops

    def counted(*args, **kwargs):
        fit = real(*args, **kwargs)
        aligned.append(fit)
        stop.set()  # the first joint is aligned: the reader closes the gallery
        return fit

    monkeypatch.setattr(gallery_align, "align_crops", counted)
    with pytest.raises(Cancelled):
        build_gallery(
            hand,
            moved,
            alignment=ROUGH,
            before_joints=hand_joints,
            after_joints=hand_joints,
            should_stop=stop.is_set,
        )
    # the joint aligning beside the first may finish; no other one does
    assert 1 <= len(aligned) <= gallery_tiles.WORKERS


def test_one_thread_or_two_the_tiles_are_the_same(hand, hand_joints, fingers_moved, monkeypatch):
    """Joints are aligned two at a time; a digit's joint starts from the joint nearer the
    palm, so the order they finish in must not change any tile."""
    _, after = fingers_moved
    built = {}
    for workers in (1, 2):
        monkeypatch.setattr(gallery_tiles, "WORKERS", workers)
        built[workers] = build_gallery(hand, after, before_joints=hand_joints)
    one, two = built[1], built[2]
    assert one.sites == two.sites
    assert sum(t.found for t in one.tiles) >= 8
    for a, b in zip(one.tiles, two.tiles, strict=True):
        assert a.found == b.found, a.site
        if a.found:
            assert np.array_equal(a.matrix, b.matrix), a.site
            assert np.array_equal(a.after_pixels, b.after_pixels), a.site
            assert a.quality == b.quality, a.site


def test_the_json_lists_every_site_in_reading_order(gallery, hand_joints):
    data = gallery.as_json()
    assert [t["site"] for t in data["tiles"]] == list(gallery_sites())
    tile = next(t for t in data["tiles"] if t["found"])
    assert set(tile) >= {"centre", "after_centre", "before_box", "matrix", "quality", "status"}
    assert set(tile["quality"]) == {"ncc", "ncc_global", "shift_px", "feature_pairs", "local"}
    assert data["direction"] == "after_to_before"
    assert data["tile_side_px"] == float(_side(hand_joints))


# -- real films (../shared/data) ------------------------------------------------------------
@pytest.mark.shared_data
def test_the_real_same_hand_pair_lines_up_at_every_marked_joint(shared_data):
    pair = ("fracatlas/images/IMG0001565.jpg", "fracatlas/images/IMG0001567.jpg")
    marks = {m.file: m for m in load_marks(TEST_DATA / "joints" / "marks.json")}
    before, after = (load_image(shared_data / p) for p in pair)
    gallery = build_gallery(before, after)
    mb, ma = marks[pair[0]].joints, marks[pair[1]].joints
    errors = []
    for tile in gallery.tiles:
        if tile.found and tile.site in mb and tile.site in ma:
            shown = transform_points(tile.matrix, np.array([ma[tile.site]]))[0]
            errors.append(np.linalg.norm(shown - mb[tile.site]))
            assert tile.status == "ok", tile.site
    assert len(errors) >= 9
    # the marks are good to about 2 px on these 454 × 373 films
    assert np.median(errors) < 2.5 and max(errors) < marks[pair[0]].tolerance / 2


@pytest.mark.shared_data
def test_a_full_size_film_with_moved_fingers(shared_data):
    image = load_image(shared_data / "dicom/pylibjpeg-data/cr_right_hand_pa.dcm")
    joints = find_joints(image)
    points = joints.points()
    phalanx = float(np.hypot(*np.subtract(points["MCP3"], points["PIP3"])))
    moves = tuple(
        FingerMove(f, a)
        for f, a in zip(
            fingers_from_joints(points, phalanx).values(), (6, -7, 8, -6, 7), strict=False
        )
    )
    h, w = image.shape
    m = similarity(angle_deg=-4.0, scale=1.02, center=((w - 1) / 2, (h - 1) / 2), tx=40, ty=-25)
    spec = FollowupSpec(matrix=m, posture=moves, gamma=0.8, noise_sd=0.008, border="air", seed=2)
    gallery = build_gallery(image, follow_up(image, spec), before_joints=joints)
    assert gallery.tile_mm == pytest.approx(0.55 * phalanx * 0.115, rel=0.01)
    for tile in gallery.tiles:
        if tile.found and tile.site[:3] in ("PIP", "IP1"):
            truth, _ = followup_position(spec, tile.centre)
            shown = transform_points(tile.matrix, truth[None])[0]
            assert np.linalg.norm(shown - tile.centre) < 1.0, tile.site


def test_a_monochrome1_follow_up_is_aligned_like_any_other(hand, moved, hand_joints):
    """Bone stored dark (MONOCHROME1, shown inverted): the tiles still line up."""
    stored = (255 - moved.pixels).astype(np.uint8)
    dark_bone = replace(moved, pixels=stored, invert=True, photometric="MONOCHROME1")
    gallery = build_gallery(hand, dark_bone, alignment=ROUGH, before_joints=hand_joints)
    found = [t for t in gallery.tiles if t.found]
    assert len(found) >= 8
    for tile in found:
        assert error_at_joint(tile, TRUTH) < 1.0, tile.site
        assert tile.quality.ncc > 0.9  # compared bone-bright, whatever the storage
        both = tile.before_valid & tile.after_valid  # the tile keeps the stored values:
        b, a = tile.before_pixels[both].astype(float), tile.after_pixels[both].astype(float)
        assert np.corrcoef(b, a)[0, 1] < -0.9  # dark bone on the after film
