"""Compressed images whose own headers lie or ask for unbounded work (issue 11, items 2, 3,
8, 12): each is refused from its headers before any decoder runs, with a message naming
the file and the reason; honest files of the same kinds still open."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest

from tests.core import hostile
from tests.core import hostile_streams as hs
from xraycompare.cli import main
from xraycompare.core.io import codestream, pixels
from xraycompare.core.io.image import ImageLoadError
from xraycompare.core.io.loading import load_image


def refused_by_info(path: Path, capsys) -> str:
    """``xraycompare info`` on ``path``: exit 2, one line naming the file, no traceback."""
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert err.startswith(f"xraycompare info: {path.name}: ")
    return err


# -- item 2: frame headers that disagree with the DICOM ----------------------------------------
def test_the_lossless_jpeg_encoder_of_the_tests_is_honest(tmp_path):
    """The JPEG-lossless frames below are real: the honest one decodes to the phantom."""
    image = load_image(hs.lossless_dicom(tmp_path / "ll.dcm"))
    phantom = pydicom.dcmread(hostile.TEST_DATA / "cr_mono1_10bit.dcm").pixel_array
    assert np.array_equal(image.pixels, phantom)


def test_a_lossless_jpeg_frame_claiming_60000_squared_is_refused_before_decoding(
    tmp_path, no_decoding, capsys
):
    honest = hs.lossless_dicom(tmp_path / "honest.dcm")
    path = hostile.lying_frame(tmp_path / "lossless.dcm", honest, 60000, 60000)
    err = refused_by_info(path, capsys)
    assert "the JPEG frame says it is 60000×60000 pixels" in err
    assert "the DICOM header says 64×80" in err


@pytest.mark.parametrize("codec", ["lossless", "baseline"])
def test_a_jpeg_frame_leaving_its_height_to_dnl_is_refused(tmp_path, no_decoding, capsys, codec):
    """Height 0 made libjpeg grow its image without bound: 23 GB and a kill on a real
    1760 × 2140 film. The DNL marker itself is honest here (80 rows): refused all the same."""
    if codec == "lossless":
        path = hs.lossless_dicom(tmp_path / "dnl.dcm", height=0)
    else:
        path = hostile.lying_frame(tmp_path / "dnl.dcm", "cr_jpeg_baseline.dcm", 64, 0)
    assert "leaves its height to a DNL marker" in refused_by_info(path, capsys)


def test_a_jpeg_frame_of_thousands_of_scans_is_refused_before_decoding(
    tmp_path, no_decoding, capsys
):
    frame = hs.progressive_jpeg(64, scans=500)
    path = hs.with_frame(tmp_path / "scans.dcm", "cr_jpeg_baseline.dcm", frame, Rows=64)
    assert "hold 500 scans" in refused_by_info(path, capsys)


def test_a_progressive_jpeg_file_of_thousands_of_scans_is_refused_before_decoding(
    tmp_path, no_decoding, capsys
):
    """20 000 scans of a 4000² image took 30 s to decode from a 700 kB file."""
    path = tmp_path / "scans.jpg"
    path.write_bytes(hs.progressive_jpeg(256, scans=2000))
    assert "hold 2,000 scans" in refused_by_info(path, capsys)


@pytest.mark.parametrize("kind", ["jpg", "png"])
def test_millions_of_segments_or_chunks_are_refused_before_any_reader_walks_them(
    tmp_path, monkeypatch, capsys, kind
):
    """700 000 chunks took 2 s to open a 10 MB PNG (2.5 M comments: 4 s for a JPEG), in
    Pillow's header reader: refused before it is called."""
    from PIL import Image

    def forbidden(*args, **kwargs):
        raise AssertionError("a reader walked the file")

    monkeypatch.setattr(Image, "open", forbidden)
    path = tmp_path / f"padded.{kind}"
    path.write_bytes(hs.padded_jpeg(10_000) if kind == "jpg" else hs.padded_png(10_000))
    err = refused_by_info(path, capsys)
    assert "more than 5,000" in err and ("segments" in err or "chunks" in err)


def test_a_few_hundred_segments_or_chunks_still_open(tmp_path):
    for name, data in (("c.jpg", hs.padded_jpeg(300)), ("c.png", hs.padded_png(300))):
        (tmp_path / name).write_bytes(data)
        assert load_image(tmp_path / name).shape == (80, 64)


def test_an_ordinary_progressive_jpeg_opens(tmp_path):
    path = tmp_path / "progressive.jpg"
    path.write_bytes(hs.progressive_jpeg(256, scans=0))
    assert 1 < codestream.jpeg_header(path.read_bytes()).scans <= codestream.MAX_SCANS
    assert load_image(path).shape == (256, 256)


def test_a_jpeg2000_frame_cut_into_one_pixel_tiles_is_refused_before_decoding(
    tmp_path, no_decoding, capsys
):
    """48 400 tiles of 8 × 8 over a 1760² film took 560 MB; 1 × 1 tiles decoded garbage."""
    err = refused_by_info(hs.j2k_tiles(tmp_path / "tiles.dcm", 1), capsys)
    assert "5,120 tiles" in err


def test_an_rle_frame_expanding_past_its_plane_is_refused_before_decoding(
    tmp_path, no_decoding, capsys
):
    """Each two-byte run stands for 128 bytes: 8 MB of runs decoded to 640 MB."""
    short = refused_by_info(hs.rle_bomb(tmp_path / "runs.dcm", 5000), capsys)
    assert "RLE segment 1 decodes to more than" in short and "64×80 pixels" in short
    long = refused_by_info(hs.rle_bomb(tmp_path / "long.dcm", 1 << 20), capsys)
    assert "longer than any encoding of a 64×80 plane" in long


def test_an_rle_segment_table_that_disagrees_is_refused(tmp_path, no_decoding, capsys):
    path = hs.rle_frame_with_segments(tmp_path / "segments.dcm", 3)
    assert "3 segments but the DICOM header implies 2" in refused_by_info(path, capsys)


def test_frame_checks_name_the_frame_of_a_multi_frame_file(tmp_path, no_decoding):
    frame = hs.jpeg_lossless(np.zeros((80, 64), np.uint16), height=0)
    path = hs.with_frame(
        tmp_path / "multi.dcm",
        "cr_mono1_10bit.dcm",
        frame,
        TransferSyntaxUID=hs.JPEG_LOSSLESS_SV1,
        NumberOfFrames=2,
    )
    with pytest.raises(ImageLoadError, match="frame 1 of 2: the JPEG frame leaves its height"):
        load_image(path)


def test_real_films_pass_every_check_and_lying_ones_do_not(shared_data, tmp_path, no_decoding):
    """The NEMA films in JPEG lossless, JPEG-LS and JPEG 2000 (1760 × 2140 and 1760²)."""
    from pydicom.encaps import get_frame

    from xraycompare.core.io.frames import check_frame

    for name in ("RG2_JPLL.dcm", "RG3_JLSL.dcm", "RG3_J2KR.dcm"):
        path = shared_data / "dicom" / "nema-wg04" / name
        ds = pydicom.dcmread(path)
        frame = get_frame(ds.PixelData, 0, number_of_frames=1)
        header = codestream.stream_header(frame)
        assert check_frame(header, rows=ds.Rows, columns=ds.Columns, samples=1) is None
        lying = hostile.lying_frame(tmp_path / name, path, ds.Columns, 0)
        with pytest.raises(ImageLoadError, match=r"height|says it is"):
            load_image(lying)


# -- item 3: decoded size and the work on an open film, from the header ------------------------
def test_a_small_png_of_13000_squared_is_refused_from_its_header(tmp_path, no_decoding, capsys):
    """Opened, it took 3.2 GB to register against itself."""
    path = hs.huge_png(tmp_path / "huge.png", 13000, 13000)
    assert path.stat().st_size < 400_000
    err = refused_by_info(path, capsys)
    assert "13000×13000 pixels" in err and "GB of memory" in err and "megapixels" in err


def test_the_budget_admits_large_real_films_and_refuses_past_about_100_megapixels(tmp_path):
    check = pixels.check_budget
    check(tmp_path / "cr.png", 4300, 3500, samples=1, itemsize=2, exact=True)
    check(tmp_path / "scan.tif", 8400, 10200, samples=1, itemsize=1, exact=True)  # 600 dpi
    check(tmp_path / "rgb.jpg", 4000, 5000, samples=3, itemsize=1, exact=True)
    with pytest.raises(ImageLoadError, match="too large to open"):
        check(tmp_path / "big.png", 11000, 11000, samples=1, itemsize=2, exact=True)
    # the work on an open film, not only decoding, sets the limit for 16-bit grey films
    assert pixels.film_bytes(11000, 11000, stored_itemsize=2) > pixels.work_bytes(
        11000, 11000, samples=1, itemsize=2, exact=True
    )


def test_a_large_ordinary_film_still_opens(tmp_path):
    import cv2

    film = np.zeros((3500, 4300), np.uint16)
    film[500:3000, 500:3800] = 3000
    cv2.imwrite(str(tmp_path / "cr.png"), film)
    assert load_image(tmp_path / "cr.png").shape == (3500, 4300)


# -- item 8: tiny valid images ---------------------------------------------------------------
@pytest.mark.parametrize("index", [1, 2, 3])
def test_register_names_a_film_too_small_to_align_and_exits_2(tmp_path, test_data, index, capsys):
    tiny = hostile.tiny_pngs(tmp_path)[index]
    assert main(["register", str(test_data / "grey8.png"), str(tiny)]) == 2
    captured = capsys.readouterr()
    assert f"{tiny}: cannot be aligned" in captured.err and "too small" in captured.err
    assert "Traceback" not in captured.err and captured.out == ""


@pytest.mark.parametrize("command", ["figure", "animate", "gallery", "split", "joints", "render"])
def test_every_command_takes_a_tiny_film_without_a_traceback(tmp_path, test_data, command, capsys):
    tiny = str(hostile.tiny_pngs(tmp_path)[1])
    before = str(test_data / "grey8.png")
    args = {
        "figure": ["figure", before, tiny, "--out", str(tmp_path / "f.png")],
        "animate": ["animate", before, tiny, "--out", str(tmp_path / "a.gif")],
        "gallery": ["gallery", before, tiny, "--out", str(tmp_path / "g.png")],
        "split": ["split", tiny, "--out", str(tmp_path / "split")],
        "joints": ["joints", tiny],
        "render": ["render", tiny, "--out", str(tmp_path / "r.png")],
    }[command]
    code = main(args)
    err = capsys.readouterr().err
    assert code in (0, 2, 3) and "Traceback" not in err
    if code:
        assert "tiny_2x2.png" in err


# -- item 12: messages in words ----------------------------------------------------------------
def test_pixel_data_cut_short_are_said_in_words(tmp_path, capsys):
    err = refused_by_info(hs.truncated_native(tmp_path / "short.dcm"), capsys)
    assert "the pixel data are cut short: 1,000 bytes" in err and "10,240" in err
    assert "(0028" not in err


def test_a_decoder_error_code_is_not_shown(tmp_path, test_data, capsys):
    raw = bytearray((test_data / "cr_jpegls.dcm").read_bytes())
    sos = bytes(raw).find(b"\xff\xda")
    raw[sos + 8] = 5  # ILV (interleave) 5: only 0 to 2 exist
    (tmp_path / "ilv.dcm").write_bytes(bytes(raw))
    err = refused_by_info(tmp_path / "ilv.dcm", capsys)
    assert "the JPEG-LS pixel data cannot be decoded: " in err and "interleave" in err
    assert "error code" not in err and "Decode()" not in err and "pylibjpeg" not in err


# -- item 5 (image paths): every command that loads images names the file and the reason ------
def _odd_paths(folder: Path) -> dict[str, tuple[str, str]]:
    """Kind of odd path -> (the path, words the reason must hold)."""
    (folder / "a.png").symlink_to(folder / "b.png")
    (folder / "b.png").symlink_to(folder / "a.png")
    (folder / "folder.png").mkdir()
    return {
        "null byte": (str(folder / "nul\x00l.png"), "null character"),
        "name too long": (str(folder / ("n" * 300 + ".png")), "file name is too long"),
        "path too long": (str(folder) + "/d" * 3000 + "/x.png", "too long"),
        "link loop": (str(folder / "a.png"), "link loop"),
        "folder": (str(folder / "folder.png"), "is a folder"),
        "missing": (str(folder / "missing.png"), "no such file"),
    }


COMMANDS = ["info", "render", "register", "joints", "gallery", "figure", "animate", "split"]


def _argv(command: str, film: str, other: str, out: Path) -> list[str]:
    return {
        "info": ["info", film],
        "render": ["render", film, "--out", str(out / "r.png")],
        "register": ["register", other, film],
        "joints": ["joints", film],
        "gallery": ["gallery", other, film, "--out", str(out / "g.png")],
        "figure": ["figure", other, film, "--out", str(out / "f.png")],
        "animate": ["animate", other, film, "--out", str(out / "a.gif")],
        "split": ["split", film, "--out", str(out / "split")],
    }[command]


@pytest.mark.parametrize("command", COMMANDS)
def test_odd_image_paths_are_named_with_a_reason_by_every_command(
    tmp_path, test_data, command, capsys
):
    for kind, (path, words) in _odd_paths(tmp_path).items():
        code = main(_argv(command, path, str(test_data / "grey8.png"), tmp_path))
        err = capsys.readouterr().err
        assert code == 2, (kind, err)
        assert words in err and "Traceback" not in err, (kind, err)
        name = Path(path).name.replace("\x00", "\\x00")
        assert name[-40:] in err, (kind, err)  # the file is named, its null byte escaped
        assert "\x00" not in err
