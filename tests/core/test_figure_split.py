"""Splitting published side-by-side figures: each film recovered within a few pixels."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import TEST_DATA
from tests.core.figure_composer import ComposedFigure, compose_figure, shrink_to
from xraycompare.cli import main
from xraycompare.core.figure_split import Box, apply_split, find_split, split_at
from xraycompare.core.geometry import similarity
from xraycompare.core.synthetic import BoneChange, FollowupSpec, simulate_followup

TOLERANCE = 3  # pixels, on every side of every film

# FracAtlas films whose borders are neither white nor black (a film's own border in the
# canvas colour cannot be told from the canvas: see test_a_border_in_the_canvas_colour...)
FRACATLAS = (
    "IMG0000045.jpg",
    "IMG0000049.jpg",
    "IMG0000214.jpg",
    "IMG0000235.jpg",
    "IMG0000252.jpg",
    "IMG0002364.jpg",
)


def _hand() -> np.ndarray:
    return cv2.imread(str(TEST_DATA / "cr_hand_small.png"), cv2.IMREAD_GRAYSCALE)


def _followup(film: np.ndarray) -> np.ndarray:
    """The hand years later: turned, shifted, an erosion, a little noise."""
    h, w = film.shape
    spec = FollowupSpec(
        matrix=similarity(scale=0.97, angle_deg=-5.0, tx=-8.0, ty=12.0, center=(w / 2, h / 2)),
        border="air",
        noise_sd=0.01,
        changes=(BoneChange(x=w * 0.55, y=h * 0.6, radius=12.0),),
        out_shape=(h - 30, w + 20),
    )
    return simulate_followup(film, spec)


def _assert_recovered(figure: ComposedFigure, direction: str, tolerance: int = TOLERANCE):
    split = find_split(figure.image)
    assert split is not None, "no split found"
    assert split.direction == direction
    for found, truth in ((split.before, figure.before), (split.after, figure.after)):
        error = max(abs(a - b) for a, b in zip(found, truth, strict=True))
        assert error <= tolerance, f"found {found}, truth {truth}"
    assert 0.5 <= split.confidence <= 1.0
    return split


@pytest.mark.parametrize(
    ("layout", "direction"),
    [
        ({"gutter": 20, "canvas": 255}, "horizontal"),
        ({"gutter": 3, "canvas": 255, "captions": True, "jpeg_quality": 90}, "horizontal"),
        ({"gutter": 40, "canvas": 128, "letters": True, "align": "start"}, "horizontal"),
        ({"gutter": 10, "canvas": 255, "captions": True, "letters": True, "frame": 2}, "vertical"),
        ({"gutter": 6, "canvas": 128, "margin": 0, "jpeg_quality": 80}, "vertical"),
    ],
)
def test_figures_of_the_repo_hand_split_into_their_films(layout, direction):
    hand = _hand()
    figure = compose_figure(hand, _followup(hand), direction=direction, **layout)
    _assert_recovered(figure, direction)


def test_a_png_figure_gives_back_the_very_films():
    hand = _hand()
    after = _followup(hand)
    figure = compose_figure(hand, after, gutter=12, canvas=255, captions=True, letters=True)
    split = _assert_recovered(figure, "horizontal", tolerance=0)
    before_film, after_film = apply_split(figure.image, split)
    np.testing.assert_array_equal(before_film, hand)
    np.testing.assert_array_equal(after_film, after)


def test_a_gutter_placed_by_hand_finds_the_same_films():
    hand = _hand()
    figure = compose_figure(hand, _followup(hand), gutter=30, canvas=128, captions=True)
    found = find_split(figure.image)
    assert found is not None
    middle = (figure.before.right + figure.after.x) / 2
    placed = split_at(figure.image, direction="horizontal", position=middle)
    assert placed is not None
    assert placed.before == found.before and placed.after == found.after
    # a line through a film keeps each side's part of it: the user sees it and moves it
    off = split_at(figure.image, direction="horizontal", position=figure.before.x + 100)
    assert off is None or off.before.width < figure.before.width


def test_a_colour_figure_splits_too():
    hand = _hand()
    figure = compose_figure(hand, _followup(hand), gutter=16, canvas=255, margin=20)
    rgb = np.dstack([figure.image] * 3)
    cv2.putText(rgb, "A", (2, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (220, 30, 30), 2)
    split = find_split(rgb)
    assert split is not None and split.before == figure.before and split.after == figure.after


def test_a_single_radiograph_has_no_split():
    hand = _hand()
    assert find_split(hand) is None
    assert find_split(_followup(hand)) is None
    assert find_split(hand, direction="vertical") is None


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("films", "sizes", "layout", "direction"),
    [
        ((0, 1), (520, 520), {"gutter": 2, "canvas": 255}, "horizontal"),
        (
            (2, 3),
            (480, 600),
            {"gutter": 6, "canvas": 0, "captions": True, "letters": True, "jpeg_quality": 85},
            "horizontal",
        ),
        (
            (4, 5),
            (640, 380),
            {"gutter": 40, "canvas": 128, "letters": True, "align": "start", "jpeg_quality": 90},
            "horizontal",
        ),
        (
            (1, 4),
            (500, 500),
            {"gutter": 12, "canvas": 255, "captions": True, "frame": 3, "jpeg_quality": 75},
            "vertical",
        ),
        (
            (5, 2),
            (420, 640),
            {"gutter": 25, "canvas": 0, "letters": True, "align": "end"},
            "vertical",
        ),
        (
            (3, 0),
            (560, 450),
            {"gutter": 4, "canvas": 128, "margin": 0, "jpeg_quality": 70},
            "horizontal",
        ),
    ],
)
def test_figures_of_real_films_split_into_their_films(shared_data, films, sizes, layout, direction):
    images = shared_data / "fracatlas" / "images"
    pair = [
        shrink_to(cv2.imread(str(images / FRACATLAS[i]), cv2.IMREAD_GRAYSCALE), size)
        for i, size in zip(films, sizes, strict=True)
    ]
    _assert_recovered(compose_figure(*pair, direction=direction, **layout), direction)


@pytest.mark.shared_data
def test_single_real_films_have_no_split(shared_data):
    for name in ("IMG0000019.jpg", "IMG0000206.jpg", "IMG0002355.jpg", "IMG0001567.jpg"):
        film = cv2.imread(str(shared_data / "fracatlas" / "images" / name), cv2.IMREAD_GRAYSCALE)
        assert find_split(film) is None, name


def test_a_border_in_the_canvas_colour_is_left_with_the_canvas():
    """The CR hand's top rows are pure black: on a black canvas they look like canvas.

    The film is kept from its first row that is not black; nothing of the anatomy is cut.
    """
    hand = _hand()
    figure = compose_figure(hand, hand[:, ::-1], gutter=20, canvas=0)
    split = find_split(figure.image)
    assert split is not None
    black_rows = int(np.argmax((hand > 3).mean(axis=1) > 0.5))
    assert black_rows > 20  # the premise: a wide black band
    assert abs(split.before.y - (figure.before.y + black_rows)) <= TOLERANCE
    assert abs(split.before.bottom - figure.before.bottom) <= TOLERANCE


def _write(figure: ComposedFigure, path: Path) -> Path:
    cv2.imwrite(str(path), figure.image)
    return path


def test_command_writes_both_films_and_prints_the_split(tmp_path, capsys):
    hand = _hand()
    after = _followup(hand)
    figure = compose_figure(hand, after, gutter=14, canvas=255, captions=True, letters=True)
    out = tmp_path / "films"
    assert main(["split", str(_write(figure, tmp_path / "fig.png")), "--out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == {
        "direction": "horizontal",
        "before": list(figure.before),
        "after": list(figure.after),
    }
    np.testing.assert_array_equal(cv2.imread(str(out / "before.png"), cv2.IMREAD_UNCHANGED), hand)
    np.testing.assert_array_equal(cv2.imread(str(out / "after.png"), cv2.IMREAD_UNCHANGED), after)


def test_command_exits_2_on_a_single_radiograph_naming_it(tmp_path, capsys):
    out = tmp_path / "films"
    single = TEST_DATA / "cr_hand_small.png"
    assert main(["split", str(single), "--out", str(out)]) == 2
    assert "cr_hand_small.png" in capsys.readouterr().err
    assert not out.exists()


def test_command_exits_2_on_a_wrong_direction_or_a_broken_file(tmp_path, capsys):
    hand = _hand()
    figure = _write(compose_figure(hand, _followup(hand), gutter=20), tmp_path / "fig.png")
    out = tmp_path / "films"
    assert main(["split", str(figure), "--out", str(out), "--direction", "vertical"]) == 2
    assert "fig.png" in capsys.readouterr().err
    broken = tmp_path / "broken.png"
    broken.write_bytes(figure.read_bytes()[:300])
    assert main(["split", str(broken), "--out", str(out)]) == 2
    assert "broken.png" in capsys.readouterr().err
    assert not out.exists()


def test_boxes_are_plain_tuples_for_json():
    box = Box(3, 4, 10, 20)
    assert list(box) == [3, 4, 10, 20] and box.right == 13 and box.bottom == 24
