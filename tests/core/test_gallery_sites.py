"""The gallery's sites: reading order, grid places, and a tile size from the hand itself."""

from __future__ import annotations

import numpy as np
import pytest

from xraycompare.core.gallery.sites import (
    GALLERY_SITES,
    box_frame,
    gallery_sites,
    grid_position,
    hand_scale,
    tile_box,
)

SHAPE = (2500, 2048)


def test_sites_in_reading_order_with_the_dip_joints_on_request():
    assert GALLERY_SITES[:5] == ("MCP1", "MCP2", "MCP3", "MCP4", "MCP5")
    assert GALLERY_SITES[5:10] == ("IP1", "PIP2", "PIP3", "PIP4", "PIP5")
    assert GALLERY_SITES[-1] == "RC" and not any(s.startswith("DIP") for s in GALLERY_SITES)
    with_dip = gallery_sites(dip=True)
    assert with_dip[10:14] == ("DIP2", "DIP3", "DIP4", "DIP5") and with_dip[-1] == "RC"


def test_one_column_per_digit_thumb_first():
    assert grid_position("MCP1") == (0, 0) and grid_position("MCP5") == (0, 4)
    assert grid_position("IP1") == (1, 0) and grid_position("PIP3") == (1, 2)
    assert grid_position("DIP2") == (2, 1)  # no DIP for the thumb: column 0 stays empty
    assert grid_position("RC")[0] == 3
    places = [grid_position(s) for s in gallery_sites(dip=True)]
    assert len(set(places)) == len(places)
    with pytest.raises(KeyError):
        grid_position("CMC1")


def test_tile_size_follows_the_hand_not_the_film():
    adult = {"MCP3": (1100.0, 1280.0), "PIP3": (1110.0, 880.0)}
    child = {"MCP3": (1100.0, 1280.0), "PIP3": (1105.0, 1080.0)}
    big = hand_scale(adult, spacing_mm=(0.115, 0.115), shape=SHAPE)
    small = hand_scale(child, spacing_mm=(0.115, 0.115), shape=SHAPE)
    assert big.source == small.source == "MCP3-PIP3"
    assert big.tile_side() == pytest.approx(2 * small.tile_side(), abs=2)
    assert big.tile_side() == pytest.approx(0.55 * 400.1, abs=1)


def test_without_the_middle_finger_the_others_then_the_calibration_then_the_film():
    index_only = {"MCP2": (900.0, 1260.0), "PIP2": (860.0, 904.0)}  # 358 px = 0.89 × 402
    by_fingers = hand_scale(index_only, spacing_mm=None, shape=SHAPE)
    assert by_fingers.source == "other fingers"
    assert by_fingers.phalanx_px == pytest.approx(402, rel=0.01)
    by_spacing = hand_scale({}, spacing_mm=(0.1, 0.1), shape=SHAPE)
    assert (by_spacing.source, by_spacing.phalanx_px) == ("pixel spacing", pytest.approx(450))
    by_film = hand_scale({}, spacing_mm=None, shape=SHAPE)
    assert by_film.source == "film size" and by_film.phalanx_px == pytest.approx(0.18 * 2048)


def test_a_tile_is_whole_pixels_centred_on_the_joint():
    x, y, w, h = tile_box((1000.3, 500.8), 220.0)
    assert (w, h) == (220.0, 220.0) and x == int(x) and y == int(y)
    middle = (x + (w - 1) / 2, y + (h - 1) / 2)
    assert abs(middle[0] - 1000.3) <= 0.5 and abs(middle[1] - 500.8) <= 0.5


def test_a_raster_of_any_size_covers_the_same_box():
    box = (10.0, 20.0, 40.0, 40.0)
    for size in ((40, 40), (160, 160), (7, 7)):
        m = box_frame(box, size)
        w, h = size
        corners = np.array([[-0.5, -0.5, 1.0], [w - 0.5, h - 0.5, 1.0]]) @ m.T
        assert corners[0, :2] == pytest.approx([9.5, 19.5])  # the box's outer edges
        assert corners[1, :2] == pytest.approx([49.5, 59.5])
