"""Animated exports: frames, timing, alignment, size and rate read back, privacy, bad input."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from PIL import Image, ImageSequence

from tests.conftest import TEST_DATA
from xraycompare.cli import main
from xraycompare.core.animation import (
    AnimationSettings,
    AnimationSettingsError,
    common_area,
    document_comparison,
    export_animation,
    plan_for,
)
from xraycompare.core.animation.frames import FrameSource, frame_key
from xraycompare.core.compare.settings import ComparisonSettings
from xraycompare.core.document import Document
from xraycompare.core.geometry import invert, similarity, transform_points
from xraycompare.core.io.loading import load_image
from xraycompare.core.progress import Cancelled
from xraycompare.core.registration.alignment import Alignment
from xraycompare.core.synthetic import BoneChange, FollowupSpec, simulate_followup
from xraycompare.resources import demo_project

# A fictitious patient: none of these may reach an exported file or the command's output.
PATIENT = {
    "PatientName": "Quimby^Zelda",
    "PatientID": "ZQ-774411",
    "PatientBirthDate": "19580312",
    "AccessionNumber": "ACCN-99812",
}
STUDY_DATES = ("20150407", "20220919")
SECRETS = [
    b"Quimby",
    b"Zelda",
    b"ZQ-774411",
    b"774411",
    b"19580312",
    b"1958",
    b"ACCN-99812",
    b"20150407",
    b"2015-04-07",
    b"20220919",
    b"2022-09-19",
    b"Quimby_Zelda",
]
TRUE_MATRIX = similarity(scale=1.03, angle_deg=4.0, tx=9.0, ty=-6.0, center=(180.0, 220.0))
EROSION = BoneChange(x=200.0, y=280.0, radius=22.0, depth=0.8)  # before pixels


def _hand() -> np.ndarray:
    return (cv2.imread(str(TEST_DATA / "cr_hand_small.png"), cv2.IMREAD_GRAYSCALE)).astype(
        np.uint16
    ) * 16  # 12-bit, as the CR it came from


def _after(before: np.ndarray) -> np.ndarray:
    spec = FollowupSpec(matrix=TRUE_MATRIX, border="air", changes=(EROSION,))
    return simulate_followup(before, spec)


@pytest.fixture(scope="module")
def dicom_pair(tmp_path_factory, recipe) -> tuple[Path, Path]:
    """A before and an after DICOM of a fictitious patient, files named after her."""
    folder = tmp_path_factory.mktemp("patient")
    before = _hand()
    paths = []
    for number, (pixels, date) in enumerate(
        zip((before, _after(before)), STUDY_DATES, strict=True), 1
    ):
        ds = recipe._bits(recipe._dataset(pixels.astype(np.uint16), number=number), 12)
        for tag, value in PATIENT.items():
            setattr(ds, tag, value)
        ds.StudyDate = ds.SeriesDate = ds.AcquisitionDate = date
        path = folder / f"Quimby_Zelda_{date[:4]}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths[0], paths[1]


@pytest.fixture(scope="module")
def films(dicom_pair):
    return load_image(dicom_pair[0]), load_image(dicom_pair[1])


def _comparison(films, matrix):
    document = Document()
    document.set_pair(*films)
    document.set_global_alignment(Alignment("global", matrix, method="manual"))
    return document_comparison(document)


@pytest.fixture(scope="module")
def aligned_pair(films):
    """The comparison of the pair through the true alignment."""
    return _comparison(films, TRUE_MATRIX)


def _gif_frames(path: Path) -> tuple[list[np.ndarray], list[int]]:
    with Image.open(path) as gif:
        frames = [np.array(f.convert("L")) for f in ImageSequence.Iterator(gif)]
    with Image.open(path) as gif:
        durations = [f.info["duration"] for f in ImageSequence.Iterator(gif)]
    return frames, durations


def _mp4(path: Path) -> tuple[list[np.ndarray], float, tuple[int, int], dict]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        rate = float(stream.average_rate)
        size = (stream.codec_context.width, stream.codec_context.height)
        metadata = dict(container.metadata) | dict(stream.metadata)
        frames = [f.to_ndarray(format="gray") for f in container.decode(stream)]
    return frames, rate, size, metadata


def test_flicker_frames_alternate_and_agree_through_the_alignment(aligned_pair, films):
    plan = plan_for(aligned_pair, "x.gif", AnimationSettings(fps=4, duration=2.0, period=1.0))
    source = FrameSource(aligned_pair, plan)
    keys = [frame_key(plan, i) for i in range(plan.frame_count)]
    assert plan.frame_count == 8
    assert keys == ["before", "before", "after", "after"] * 2
    before, after = source.frame(0).astype(float), source.frame(2).astype(float)
    # the same anatomy under the same pixels: only noise and resampling differ
    assert np.median(np.abs(before - after)) < 3
    assert np.percentile(np.abs(before - after), 90) < 12
    # without the alignment the same frames disagree badly: the check can fail
    off = FrameSource(_comparison(films, np.eye(3)), plan)
    misaligned = np.abs(off.frame(0).astype(float) - off.frame(2).astype(float))
    assert np.percentile(misaligned, 90) > 2 * np.percentile(np.abs(before - after), 90)


def test_a_frame_without_labels_is_the_comparison_itself(aligned_pair):
    """Nothing is drawn on the films: no name, no date, no file name."""
    plan = plan_for(aligned_pair, "x.mp4", AnimationSettings(width=200))
    frame = FrameSource(aligned_pair, plan).frame(0)
    rendered = aligned_pair.render(
        plan.device_to_before,
        plan.size,
        settings=ComparisonSettings(mode="flicker", flicker_phase="before"),
    )
    np.testing.assert_array_equal(frame, rendered[..., 1])
    labelled = FrameSource(
        aligned_pair, plan_for(aligned_pair, "x.mp4", AnimationSettings(width=200, labels=True))
    ).frame(0)
    h, w = frame.shape
    corner = (slice(0, h // 6), slice(0, w // 2))
    assert np.abs(labelled[corner].astype(int) - frame[corner]).max() > 100  # "Before" drawn
    right = (slice(0, h // 6), slice(w // 2, w))
    np.testing.assert_array_equal(labelled[right], frame[right])  # "After" not shown yet


def test_swipe_moves_across_and_back_and_blend_cross_fades(aligned_pair):
    plan = plan_for(aligned_pair, "x.gif", AnimationSettings(mode="swipe", fps=10, width=240))
    splits = [frame_key(plan, i) for i in range(plan.frame_count)]
    w = plan.size[0]
    assert splits[0] == w and min(splits) == 0  # all before, then all after
    turn = splits.index(0)
    assert splits[: turn + 1] == sorted(splits[: turn + 1], reverse=True)
    assert splits[turn:] == sorted(splits[turn:])
    source = FrameSource(aligned_pair, plan)
    films = {f: source._films[f] for f in ("before", "after")}
    quarter = next(i for i, s in enumerate(splits) if w // 3 < s < 2 * w // 3)
    frame, s = source.frame(quarter), splits[quarter]
    np.testing.assert_array_equal(frame[:, : s - 2], films["before"][:, : s - 2])
    np.testing.assert_array_equal(frame[:, s + 2 :], films["after"][:, s + 2 :])

    blend = plan_for(aligned_pair, "x.gif", AnimationSettings(mode="blend", fps=10, width=240))
    middle = FrameSource(aligned_pair, blend).frame(blend.frame_count // 4)  # weight 0.5
    mean = (films["before"].astype(float) + films["after"]) / 2
    assert np.abs(middle - mean).max() <= 1.0


def test_gif_frame_count_durations_and_size_read_back(aligned_pair, tmp_path):
    out = tmp_path / "flicker.gif"
    plan = export_animation(
        aligned_pair, out, settings=AnimationSettings(fps=10, width=301, duration=2.0)
    )
    frames, durations = _gif_frames(out)
    # identical frames merge: a 2 s flicker of 1 s cycles is four half-second frames
    assert durations == [500, 500, 500, 500]
    assert frames[0].shape == (plan.size[1], 301)
    # lossless, and alternating: before, after, before, after
    source = FrameSource(aligned_pair, plan)
    before, after = source.frame(0), source.frame(5)  # 10 fps, half a 1 s cycle
    assert not np.array_equal(before, after)
    for frame, expected in zip(frames, (before, after, before, after), strict=True):
        np.testing.assert_array_equal(frame, expected)

    swipe = tmp_path / "swipe.gif"
    plan = export_animation(aligned_pair, swipe, settings=AnimationSettings(mode="swipe", fps=25))
    frames, durations = _gif_frames(swipe)
    assert plan.frame_count == 100  # one 4 s cycle at 25 fps
    keys = [frame_key(plan, i) for i in range(plan.frame_count)]
    runs = [i for i in range(plan.frame_count) if i == 0 or keys[i] != keys[i - 1]]
    assert len(frames) == len(runs)  # the curtain rests a frame at each turn: merged
    assert sum(durations) == 4000
    assert durations.count(40) >= 90


def test_mp4_frame_count_rate_and_size_read_back(aligned_pair, tmp_path):
    out = tmp_path / "flicker.mp4"
    plan = export_animation(
        aligned_pair, out, settings=AnimationSettings(fps=12, width=251, period=0.5)
    )
    frames, rate, size, _ = _mp4(out)
    assert rate == pytest.approx(12)
    assert size == (250, plan.size[1]) and plan.size[0] == 250  # H.264 4:2:0: even sides
    assert len(frames) == plan.frame_count == 120  # whole cycles filling 10 s
    # alternation survives compression: 3 frames of each film (0.5 s cycles at 12 fps),
    # told apart by the erosion
    ((cx, cy),) = transform_points(invert(plan.device_to_before), [[EROSION.x, EROSION.y]])
    r = int(EROSION.radius * plan.size[0] / plan.crop[2])
    spot = (slice(int(cy) - r, int(cy) + r), slice(int(cx) - r, int(cx) + r))
    levels = [float(frame[spot].mean()) for frame in frames[:24]]
    high, low = max(levels), min(levels)
    assert high - low > 10  # the erosion is visible
    seen = ["before" if level > (high + low) / 2 else "after" for level in levels]
    assert seen == (["before"] * 3 + ["after"] * 3) * 4


def test_command_writes_no_patient_data(dicom_pair, tmp_path, capsys):
    for name in ("flicker.gif", "swipe.mp4"):
        out = tmp_path / name
        mode = "swipe" if "swipe" in name else "flicker"
        code = main(
            [
                "animate",
                *map(str, dicom_pair),
                "--out",
                str(out),
                "--mode",
                mode,
                "--labels",
                "--width",
                "240",
                "--duration",
                "2",
            ]
        )
        printed = capsys.readouterr()
        assert code == 0, printed.err
        data = out.read_bytes()
        for secret in SECRETS:
            assert secret not in data, secret
            assert secret.decode() not in printed.out + printed.err
    _, _, _, metadata = _mp4(tmp_path / "swipe.mp4")
    assert not set(metadata) & {"title", "comment", "artist", "creation_time", "date"}
    with Image.open(tmp_path / "flicker.gif") as gif:
        assert "comment" not in gif.info


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--out", "{tmp}/x.avi"], "x.avi"),
        (["--out", "{tmp}/x.gif", "--fps", "60"], "x.gif"),
        (["--out", "{tmp}/x.gif", "--width", "5"], "x.gif"),
        (["--out", "{tmp}/x.gif", "--crop", "5000", "5000", "10", "10"], "--crop"),
        (["--out", "{tmp}/missing/x.gif"], "missing"),
    ],
)
def test_bad_options_exit_2_naming_the_problem_and_write_nothing(
    dicom_pair, tmp_path, capsys, extra, needle
):
    args = [a.replace("{tmp}", str(tmp_path)) for a in extra]
    assert main(["animate", *map(str, dicom_pair), *args]) == 2
    assert needle in capsys.readouterr().err
    assert not any(tmp_path.rglob("x.*"))


def test_unreadable_inputs_exit_2_naming_the_file(dicom_pair, tmp_path, capsys):
    broken = tmp_path / "broken.dcm"
    broken.write_bytes(dicom_pair[1].read_bytes()[:2000])
    out = tmp_path / "x.gif"
    assert main(["animate", str(dicom_pair[0]), str(broken), "--out", str(out)]) == 2
    assert "broken.dcm" in capsys.readouterr().err
    project = tmp_path / "gone.xrc.json"
    assert main(["animate", str(project), "--out", str(out)]) == 2
    assert "gone.xrc.json" in capsys.readouterr().err
    assert not out.exists()


def test_a_project_animates_as_saved(tmp_path, capsys):
    project = demo_project()
    out = tmp_path / "demo.gif"
    assert main(["animate", str(project), "--out", str(out), "--width", "160"]) == 0
    assert "160 ×" in capsys.readouterr().out
    frames, durations = _gif_frames(out)
    assert len(frames) == 2 and durations == [500, 500]


def test_cancelling_writes_nothing(aligned_pair, tmp_path):
    out = tmp_path / "x.mp4"
    with pytest.raises(Cancelled):
        export_animation(
            aligned_pair, out, settings=AnimationSettings(width=100), should_stop=lambda: True
        )
    assert list(tmp_path.iterdir()) == []


def test_the_common_area_lies_on_both_films():
    before_shape, after_shape = (400, 300), (380, 320)
    matrix = similarity(scale=0.95, angle_deg=7.0, tx=20.0, ty=-10.0, center=(150.0, 200.0))
    x, y, w, h = common_area(before_shape, after_shape, matrix)
    assert w * h > 0.5 * 300 * 400
    corners = np.array([[x, y], [x + w - 1, y], [x + w - 1, y + h - 1], [x, y + h - 1]], float)
    assert corners.min() >= 0 and (corners[:, 0] <= 299).all() and (corners[:, 1] <= 399).all()
    on_after = transform_points(invert(matrix), corners)
    assert on_after.min() >= -0.5
    assert (on_after[:, 0] <= 319.5).all() and (on_after[:, 1] <= 379.5).all()


def test_settings_are_checked():
    with pytest.raises(AnimationSettingsError):
        AnimationSettings(mode="difference")  # type: ignore[arg-type]
    with pytest.raises(AnimationSettingsError):
        AnimationSettings(fps=0)
    with pytest.raises(AnimationSettingsError):
        AnimationSettings(period=-1)
