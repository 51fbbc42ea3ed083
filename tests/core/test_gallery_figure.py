"""The gallery figure: tiles drawn as the comparison views render them, labelled sites, empty
tiles for sites not found, print resolution, and nothing that identifies the patient."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.core.conftest import TEST_DATA
from tests.core.test_figure_files import pdf_texts
from xraycompare.core.document import Document
from xraycompare.core.figures.spec import FigureError
from xraycompare.core.gallery import (
    build_gallery,
    gallery_source,
    render_gallery,
    tile_images,
    write_gallery,
)
from xraycompare.core.geometry import similarity
from xraycompare.core.io.image import PatientIdentity
from xraycompare.core.io.loading import load_image
from xraycompare.core.joints import Joint, find_joints
from xraycompare.core.registration.alignment import Alignment
from xraycompare.core.synthetic import FollowupSpec, simulate_followup

TRUTH = similarity(angle_deg=5.0, center=(183.0, 223.0), tx=6.0, ty=-4.0)
WHO = PatientIdentity(name="Quixote^Dulcinea", patient_id="PID-4417-XQ", study_date="20110304")


@pytest.fixture(scope="module")
def made():
    """A dated pair (identifiers set, files named after the patient) and its gallery, with
    PIP4 not found on either film."""
    hand = load_image(TEST_DATA / "cr_hand_small.png")
    hand = replace(hand, identity=WHO, source=Path("/clinic/dulcinea_2011.png"))
    hand = hand.with_calibration((0.46, 0.46), "user")
    pixels = simulate_followup(hand.pixels, FollowupSpec(matrix=TRUTH, gamma=1.1, seed=1))
    later = replace(WHO, study_date="20180307")
    after = replace(hand, pixels=pixels, identity=later, source=Path("/clinic/dulcinea_2018.png"))
    doc = Document()
    doc.set_pair(hand, after)
    doc.set_global_alignment(Alignment("Global", TRUTH))
    joints = find_joints(hand)
    hidden = tuple(Joint(j.site, None, None, 0.0) if j.site == "PIP4" else j for j in joints.joints)
    gone = replace(joints, joints=hidden)
    gallery = build_gallery(hand, after, alignment=TRUTH, before_joints=gone, after_joints=gone)
    return doc, gallery


def _cell(rendered, site: str):
    """The figure pixels of a site's image(s)."""
    return [rendered.image[y : y + h, x : x + w] for x, y, w, h in rendered.tile_boxes[site]]


def test_tiles_are_the_comparison_views_pixels_and_missing_sites_are_empty(made):
    doc, gallery = made
    rendered = render_gallery(doc, gallery, dpi=150)
    assert rendered.image.shape[1] == round(180 / 25.4 * 150)
    tile = gallery.tile("PIP3")
    before, after = _cell(rendered, "PIP3")
    expected = tile_images(gallery_source(doc), tile, "side-by-side", before.shape[1::-1])
    assert np.array_equal(before, expected[0]) and np.array_equal(after, expected[1])
    # the two halves show the same joint: correlated, but not the same pixels
    assert np.corrcoef(before[..., 0].ravel(), after[..., 0].ravel())[0, 1] > 0.8
    empty = _cell(rendered, "PIP4")
    assert "PIP4" in gallery.missing()
    for half in empty:
        grey = np.all(half == 230, axis=2)
        assert grey.mean() > 0.9  # an empty tile, with only its "not found" written on it
    assert any(not np.all(half == 230) for half in empty)
    assert any("PIP4" in w for w in rendered.warnings)


def test_overlay_and_difference_tiles_are_one_image_each(made):
    doc, gallery = made
    source = gallery_source(doc)
    tile = gallery.tile("MCP3")
    overlay = tile_images(source, tile, "overlay", (64, 64))
    difference = tile_images(source, tile, "difference", (64, 64))
    assert len(overlay) == len(difference) == 1 and overlay[0].shape == (64, 64, 3)
    # a well aligned joint: the overlay is nearly grey, the difference nearly its centre colour
    o = overlay[0].astype(int)
    assert np.median(np.abs(o[..., 0] - o[..., 1])) < 12
    for mode in ("overlay", "difference"):
        rendered = render_gallery(doc, gallery, mode=mode, dpi=100)
        assert rendered.image.shape[1] == round(180 / 25.4 * 100)


@pytest.mark.parametrize("fmt", ["png", "tif"])
def test_raster_files_carry_their_resolution_and_nothing_else(made, tmp_path: Path, fmt):
    doc, gallery = made
    written = write_gallery(doc, gallery, tmp_path / f"g.{fmt}", dpi=300, width_mm=85)
    with Image.open(written.path) as image:
        assert image.size == (written.layout.width_px, written.layout.height_px)
        assert image.size[0] == 1004  # 85 mm at 300 dpi
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
        if fmt == "png":
            assert set(image.info) <= {"dpi"}
    assert written.sidecar == tmp_path / "g.provenance.json"


def test_no_file_name_or_identifier_reaches_the_figure_or_its_metadata(made, tmp_path: Path):
    doc, gallery = made
    outputs = []
    for fmt in ("pdf", "png", "tif", "svg"):
        written = write_gallery(doc, gallery, tmp_path / f"g.{fmt}", dpi=150)
        outputs += [written.path, written.sidecar]
    pdf = (tmp_path / "g.pdf").read_bytes()
    texts = pdf_texts(pdf)
    for label in ("MCP1", "PIP3", "Wrist (RC)", "not found"):
        assert label in texts
    assert any("Baseline (left) | Year 7 (right)" in t for t in texts)  # an interval, no date
    info = re.search(rb"<<\s*/Creator.*?>>", pdf, re.S)
    assert info is not None and b"xraycompare" in info.group(0)
    for key in (b"/Title", b"/Author", b"/Subject", b"/Keywords", b"CreationDate", b"ModDate"):
        assert key not in pdf
    forbidden = ["Quixote", "Dulcinea", "dulcinea", "PID-4417", "clinic"]
    forbidden += ["04.03.2011", "2011-03-04", "20110304", "2018-03-07", "20180307"]
    for path in outputs:
        data = path.read_bytes()
        for value in forbidden:
            assert value.encode() not in data, f"{value!r} in {path.name}"
            assert value.encode("utf-16-be") not in data, f"{value!r} in {path.name}"
        if path.suffix == ".pdf":
            assert not any(v in t for t in pdf_texts(data) for v in forbidden)


def test_bad_options_and_writing_over_an_input_are_refused(made, tmp_path: Path):
    doc, gallery = made
    with pytest.raises(FigureError, match="mode"):
        render_gallery(doc, gallery, mode="checkerboard")  # type: ignore[arg-type]
    with pytest.raises(FigureError, match="resolution"):
        render_gallery(doc, gallery, dpi=5)
    with pytest.raises(FigureError, match="extension"):
        write_gallery(doc, gallery, tmp_path / "g.jpg")
    doc_on_disk = Document()
    film = tmp_path / "before.png"
    film.write_bytes(b"not really")
    doc_on_disk.set_pair(replace(doc.before, source=film), doc.after)
    doc_on_disk.set_global_alignment(doc.global_alignment)
    with pytest.raises(FigureError, match="one of the inputs"):
        write_gallery(doc_on_disk, gallery, film)
    assert film.read_bytes() == b"not really"
    unaligned = Document()
    unaligned.set_pair(doc.before, doc.after)
    with pytest.raises(FigureError, match="align"):
        render_gallery(unaligned, gallery)
