"""Figure files: resolution in PNG and TIFF, text as text in PDF and SVG, repeatable bytes,
no patient data anywhere, and the `figure` command's contract (exit codes, nothing written
on bad input)."""

from __future__ import annotations

import base64
import contextlib
import io
import re
import zlib
from pathlib import Path

import cv2
import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from tests.core.conftest import TEST_DATA
from tests.core.figure_pair import TRUTH, document, scene
from xraycompare.cli import main
from xraycompare.core.annotations.regions import Region
from xraycompare.core.figures import FigureSpec, write_figure
from xraycompare.resources import demo_project


def dated_document():
    """The test pair seven years apart, with an arrow and a text label on the after film."""
    doc = document(dates=("20110218", "20180218"))
    doc.annotations.add(Region.create("after", "arrow", [(120, 110), (150, 120)]))
    doc.annotations.add(Region.create("after", "text", [(60, 40)], label="Remodeling"))
    # dollar signs are text, not mathematics
    doc.annotations.add(Region.create("before", "text", [(60, 200)], label="cost $5 or $6"))
    return doc


@pytest.mark.parametrize("fmt", ["png", "tiff"])
def test_raster_figures_carry_their_resolution(tmp_path: Path, fmt: str):
    spec = FigureSpec(width_mm=85, dpi=300, format=fmt, layout="before-after-difference")
    written = write_figure(dated_document(), spec, tmp_path / f"fig.{fmt}")
    with Image.open(written.path) as image:
        assert image.size == (written.layout.width_px, written.layout.height_px)
        assert image.size[0] == 1004  # 85 mm at 300 dpi
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
        if fmt == "tiff":
            assert image.info["compression"] == "tiff_lzw"
            assert image.tag_v2[296] == 2  # ResolutionUnit: inch
        assert image.mode == "RGB"  # the difference panel is in colour


def test_a_figure_without_colour_is_greyscale(tmp_path: Path):
    doc = document()
    spec = FigureSpec(width_mm=40, dpi=100, format="png")
    with Image.open(write_figure(doc, spec, tmp_path / "grey.png").path) as image:
        assert image.mode == "L"


def pdf_texts(data: bytes) -> list[str]:
    """The strings shown by TJ/Tj operators (matplotlib writes TrueType text as UTF-16BE)."""
    texts = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue
        for array in re.findall(rb"\[(.*?)\]\s*TJ", content, re.S):
            parts = re.findall(rb"\(((?:\\.|[^\\)])*)\)", array)
            raw = b"".join(re.sub(rb"\\(.)", rb"\1", p) for p in parts)
            texts.append(raw.decode("utf-16-be", "replace"))
    return texts


def test_pdf_keeps_text_as_text_and_images_at_the_films_resolution(tmp_path: Path):
    spec = FigureSpec(width_mm=85, dpi=100, format="pdf")
    data = write_figure(dated_document(), spec, tmp_path / "fig.pdf").path.read_bytes()
    texts = pdf_texts(data)
    for expected in ("A", "Baseline", "B", "Year 7", "Remodeling", "10 mm (calibrated)"):
        assert expected in texts
    assert b"/FontFile2" in data and b"/Type3" not in data  # embedded TrueType, no Type 3
    # each panel embedded at one pixel per film pixel, not at the 100 dpi print size (~165 px)
    sizes = set(re.findall(rb"/Width (\d+) /Height (\d+)|/Height (\d+) /Width (\d+)", data))
    widths = {int(w or w2) for w, _, _, w2 in sizes}
    assert {400, 412} <= widths  # before 400 px; the after film is 3 % larger: 412 px
    assert b"CreationDate" not in data


def test_svg_keeps_text_as_text_and_images_at_the_films_resolution(tmp_path: Path):
    spec = FigureSpec(width_mm=85, dpi=100, format="svg")
    text = write_figure(dated_document(), spec, tmp_path / "fig.svg").path.read_text()
    shown = re.findall(r"<text[^>]*>([^<]*)</text>", text)
    for expected in ("A", "Baseline", "Year 7", "Remodeling", "10 mm (calibrated)"):
        assert expected in shown
    assert "cost $5 or $6" in shown
    assert "font-weight: 700" in text  # the panel letters are bold
    sizes = []
    for payload in re.findall(r'xlink:href="data:image/png;base64,([^"]+)"', text):
        with Image.open(io.BytesIO(base64.b64decode(payload))) as image:
            sizes.append(image.size)
    assert (400, 300) in sizes and (412, 309) in sizes
    assert "<dc:date>" not in text


@pytest.mark.parametrize("fmt", ["png", "pdf", "svg"])
def test_the_same_figure_gives_the_same_bytes(tmp_path: Path, fmt: str):
    doc = dated_document()
    spec = FigureSpec(width_mm=60, dpi=100, format=fmt, layout="before-after-overlay")
    first = write_figure(doc, spec, tmp_path / f"a.{fmt}").path.read_bytes()
    second = write_figure(doc, spec, tmp_path / f"b.{fmt}").path.read_bytes()
    assert first == second


# -- privacy -----------------------------------------------------------------------------
IDENTIFYING = {
    "PatientName": "Quixote^Dulcinea",
    "PatientID": "PID-4417-XQ",
    "PatientBirthDate": "19520611",
    "AccessionNumber": "ACC-99812-Z",
    "InstitutionName": "Hospital San Ysidro",
    "ReferringPhysicianName": "Sancho^Panza",
}
DATES = {"before": "20110304", "after": "20180307"}


def dicom_film(path: Path, pixels: np.ndarray, date: str) -> Path:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1"
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.Modality, ds.BodyPartExamined = "CR", "HAND"
    for key, value in IDENTIFYING.items():
        setattr(ds, key, value)
    for key in ("StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate"):
        setattr(ds, key, date)
    ds.StudyTime = "101112"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelSpacing = [0.46, 0.46]
    ds.PixelData = pixels.astype(np.uint16).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


def searchable(data: bytes) -> bytes:
    """A file's bytes plus every zlib stream in it decompressed (PDF content, PNG text)."""
    parts = [data]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(stream))
    return b"\n".join(parts)


def forbidden_strings() -> list[str]:
    out = ["Quixote", "Dulcinea", "Sancho", "Panza", "San Ysidro", "dulcinea_2011"]
    out += [v for k, v in IDENTIFYING.items() if "Name" not in k]
    for value in (*DATES.values(), IDENTIFYING["PatientBirthDate"]):
        y, m, d = value[:4], value[4:6], value[6:]
        out += [value, f"{y}-{m}-{d}", f"{d}.{m}.{y}", f"{y}/{m}/{d}", f"{d}/{m}/{y}"]
    return out


def test_no_identifying_dicom_value_reaches_any_output(tmp_path: Path, capsys):
    hand = cv2.imread(str(TEST_DATA / "cr_hand_small.png"), cv2.IMREAD_UNCHANGED) * 16
    follow_up = cv2.warpAffine(hand, TRUTH[:2], hand.shape[::-1], flags=cv2.WARP_INVERSE_MAP)
    small = [hand, follow_up]  # a real hand and a follow-up through a known transform
    names = {"before": "dulcinea_2011.dcm", "after": "dulcinea_2018.dcm"}
    paths = [
        dicom_film(tmp_path / names[f], px, DATES[f]) for f, px in zip(names, small, strict=True)
    ]
    assert pydicom.dcmread(paths[0]).PatientName == IDENTIFYING["PatientName"]
    outputs = []
    for fmt in ("pdf", "png", "tif", "svg"):
        out = tmp_path / f"figure.{fmt}"
        args = ["figure", *map(str, paths), "--out", str(out), "--width-mm", "85", "--dpi", "150"]
        args += ["--layout", "before-after-difference"]
        # aligned automatically once (PDF); the other formats skip the registration
        assert main(args if fmt == "pdf" else [*args, "--unaligned"]) == 0
        outputs += [out, out.with_suffix(".provenance.json")]
    printed = capsys.readouterr()
    sidecar = (tmp_path / "figure.provenance.json").read_text()
    assert "Year 7" in sidecar  # the interval between the study dates, never the dates
    haystacks = [searchable(p.read_bytes()) for p in outputs]
    haystacks.append((printed.out + printed.err).encode())
    for value in forbidden_strings():
        for encoding in ("ascii", "utf-16-be"):
            needle = value.encode(encoding)
            for path, hay in zip([*outputs, "stdout/stderr"], haystacks, strict=True):
                assert needle not in hay, f"{value!r} ({encoding}) found in {path}"
    with Image.open(outputs[2]) as image:  # PNG metadata: the resolution and nothing else
        assert set(image.info) <= {"dpi"}


# -- the command's contract ----------------------------------------------------------------
def test_the_command_makes_a_figure_from_a_project(tmp_path: Path, capsys):
    out = tmp_path / "demo.png"
    crop = ["--crop", "900", "700", "700", "800"]
    args = ["figure", str(demo_project()), "--out", str(out), "--width-mm", "40", "--dpi", "100"]
    assert main([*args, *crop, "--inset", "1000", "850", "150", "150", "--no-annotations"]) == 0
    printed = capsys.readouterr()
    assert f"{out}: 157 × " in printed.out  # 40 mm at 100 dpi
    record = (tmp_path / "demo.provenance.json").read_text()
    assert '"layout": "grid-insets"' in record and '"arrows": 0' in record


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--crop", "5000", "0", "10", "10"], "outside the before film"),
        (["--layout", "before-after", "--inset", "1", "2", "3", "4"], "--inset needs"),
        (["--inset", "1", "2", "3"], "four numbers"),
        (["--width-mm", "5"], "width"),
        (["--dpi", "10"], "resolution"),
    ],
)
def test_bad_options_exit_2_and_write_nothing(tmp_path: Path, capsys, extra, message):
    paths = png_pair(tmp_path)
    out = tmp_path / "fig.png"
    assert main(["figure", *paths, "--out", str(out), "--unaligned", *extra]) == 2
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.png"]


def png_pair(folder: Path) -> list[str]:
    paths = []
    for name in ("a.png", "b.png"):
        cv2.imwrite(str(folder / name), (scene() // 16).astype(np.uint8))
        paths.append(str(folder / name))
    return paths


def test_a_figure_never_replaces_one_of_its_films(tmp_path: Path, capsys):
    paths = png_pair(tmp_path)
    before = Path(paths[1]).read_bytes()
    assert main(["figure", *paths, "--out", paths[1], "--unaligned"]) == 2
    assert "b.png is one of the inputs" in capsys.readouterr().err
    assert Path(paths[1]).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.png"]


def test_unreadable_inputs_and_outputs_are_named(tmp_path: Path, capsys):
    missing = tmp_path / "nowhere.dcm"
    out = tmp_path / "fig.png"
    assert main(["figure", str(missing), str(missing), "--out", str(out)]) == 2
    assert "nowhere.dcm" in capsys.readouterr().err
    assert main(["figure", str(demo_project()), "--out", str(tmp_path / "fig.jpg")]) == 2
    assert "fig.jpg" in capsys.readouterr().err
    assert main(["figure", str(demo_project()), "--out", str(tmp_path / "no" / "fig.png")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
