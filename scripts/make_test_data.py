"""Write the small radiograph test files in ``tests/data/`` (run from the repo root).

    python scripts/make_test_data.py

Every file shows the same 80×64 phantom so tests can check the display without knowing the
format: air (dark) around a soft-tissue "hand" (grey) holding two "bones" (bright). Each file
stores it differently (MONOCHROME1/2, signed with rescale, LUT sequences, compressed, RGB,
EXIF-rotated ...), and a correct loader must always show bone white and air dark.

Region boxes in display orientation (rows, cols) are ``BONE_BOX`` and ``AIR_BOX`` below; the
tests import them from here. The output is deterministic, so rerunning it changes nothing
unless the recipe changed. JPEG-LS needs ``pyjpegls`` (optional: skipped when missing).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.sequence import Sequence
from pydicom.uid import (
    ExplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGLSLossless,
    RLELossless,
)

OUT = Path(__file__).resolve().parents[1] / "tests" / "data"
HEIGHT, WIDTH = 80, 64
# (row slice, col slice) boxes that lie wholly inside one tissue class, display orientation.
BONE_BOX = (slice(22, 58), slice(21, 26))
AIR_BOX = (slice(0, 6), slice(0, 64))
CR_IMAGE = "1.2.840.10008.5.1.4.1.1.1"
DX_IMAGE = "1.2.840.10008.5.1.4.1.1.1.1"
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
# Fixed UIDs under the "2.25" (UUID-derived) root keep the files byte-stable across runs.
UID_ROOT = "2.25.31415926535897932384626433832795"


def phantom(top: int = 4095) -> np.ndarray:
    """The test scene in attenuation units, bone brightest: (80, 64) float64 in [0, top]."""
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float64)
    scene = np.full((HEIGHT, WIDTH), 0.06)
    hand = ((xx - 32) / 24) ** 2 + ((yy - 44) / 36) ** 2 <= 1.0
    scene[hand] = 0.40
    for centre in (23.5, 40.5):
        bone = (np.abs(xx - centre) <= 3.5) & (yy >= 18) & (yy <= 62)
        scene[bone] = 0.85
    # A gentle ramp and fixed texture so compressors and windows have something to do.
    rng = np.random.default_rng(7)
    scene += 0.02 * yy / HEIGHT + rng.normal(0.0, 0.01, scene.shape)
    return np.clip(scene, 0.0, 1.0) * top


def _dataset(pixels: np.ndarray, *, sop_class: str = CR_IMAGE, number: int = 1) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = f"{UID_ROOT}.{number}"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = f"{UID_ROOT}.{number}"
    ds.StudyInstanceUID = f"{UID_ROOT}.1000"
    ds.SeriesInstanceUID = f"{UID_ROOT}.2000.{number}"
    ds.Modality = {DX_IMAGE: "DX", SECONDARY_CAPTURE: "OT"}.get(sop_class, "CR")
    ds.BodyPartExamined = "HAND"
    ds.PatientName = "Test^Phantom"
    ds.PatientID = "PHANTOM-001"
    ds.PatientBirthDate = "19700101"
    ds.AccessionNumber = "ACC-0001"
    ds.StudyDate = "20200102"
    ds.Rows, ds.Columns = pixels.shape[-2], pixels.shape[-1]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 8 * pixels.dtype.itemsize
    ds.BitsStored = ds.BitsAllocated
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = int(pixels.dtype.kind == "i")
    ds.PixelData = pixels.tobytes()
    return ds


def _bits(ds: Dataset, bits: int) -> Dataset:
    ds.BitsStored = bits
    ds.HighBit = bits - 1
    return ds


def _u16(values: np.ndarray) -> np.ndarray:
    return np.rint(values).astype(np.uint16)


def dicom_files() -> dict[str, Dataset]:
    """Every DICOM test file by name; each shows the phantom with bone white when correct."""
    files: dict[str, Dataset] = {}
    p12 = phantom(4095)

    ds = _bits(_dataset(_u16(p12), sop_class=DX_IMAGE, number=1), 12)
    ds.WindowCenter, ds.WindowWidth = "2000", "3600"
    ds.PixelSpacing = [0.1, 0.125]  # rows, cols: unequal on purpose to catch a swap
    ds.ImagerPixelSpacing = [0.11, 0.1375]
    ds.ImageLaterality = "R"
    ds.ViewPosition = "PA"
    ds.PresentationLUTShape = "IDENTITY"
    files["dx_mono2_12bit.dcm"] = ds

    ds = _bits(_dataset(_u16(1023 - phantom(1023)), number=2), 10)
    ds.PhotometricInterpretation = "MONOCHROME1"  # bone stored low, shown white
    ds.ImagerPixelSpacing = [0.15, 0.15]
    files["cr_mono1_10bit.dcm"] = ds

    ds = _bits(_dataset(_u16(4095 - p12), sop_class=DX_IMAGE, number=3), 12)
    ds.PhotometricInterpretation = "MONOCHROME1"
    ds.PresentationLUTShape = "INVERSE"  # with MONOCHROME1 this is still one inversion
    ds.WindowCenter, ds.WindowWidth = "2048", "4096"
    files["dx_mono1_inverse.dcm"] = ds

    ds = _bits(_dataset(_u16(4095 - p12), number=4), 12)
    ds.PresentationLUTShape = "INVERSE"  # MONOCHROME2 + INVERSE: one inversion too
    files["cr_mono2_inverse.dcm"] = ds

    # Signed 12-bit stored values (mostly negative); modality = 2 * stored + 3000, which
    # gives back the phantom's 0..4095, and the window is in those modality units.
    stored = np.rint((p12 - 3000) / 2).astype(np.int16)
    ds = _bits(_dataset(stored, number=5), 12)
    ds.RescaleSlope, ds.RescaleIntercept, ds.RescaleType = "2", "3000", "US"
    ds.WindowCenter, ds.WindowWidth = "1900", "3800"
    files["cr_signed_rescale.dcm"] = ds

    ds = _bits(_dataset(_u16(p12), number=6), 12)
    item = Dataset()
    item.LUTDescriptor = [4096, 0, 12]
    item.LUTExplanation = "SQRT CURVE"
    curve = np.rint(np.sqrt(np.arange(4096) / 4095.0) * 4095).astype(np.uint16)
    item.LUTData = curve.astype("<u2").tobytes()  # OW, as real files store it
    ds.VOILUTSequence = Sequence([item])
    files["cr_voi_lut_sequence.dcm"] = ds

    ds = _bits(_dataset(_u16(p12), number=7), 12)
    ds.WindowCenter, ds.WindowWidth = "2000", "2500"
    ds.VOILUTFunction = "SIGMOID"
    files["cr_sigmoid.dcm"] = ds

    ds = _bits(_dataset(_u16(p12), number=8), 12)
    ds.WindowCenter, ds.WindowWidth = ["2000", "3000"], ["3600", "1500"]
    ds.WindowCenterWidthExplanation = ["SOFT TISSUE", "BONE"]
    ds.PixelSpacing = [0.2, 0.2]
    files["cr_multi_window.dcm"] = ds

    # Modality LUT Sequence: output = 3 * stored + 100 (16-bit), window in output units.
    ds = _bits(_dataset(_u16(phantom(2047)), number=9), 11)
    item = Dataset()
    item.LUTDescriptor = [2048, 0, 16]
    item.ModalityLUTType = "US"
    item.LUTData = (np.arange(2048, dtype="<u2") * 3 + 100).tobytes()
    ds.ModalityLUTSequence = Sequence([item])
    ds.WindowCenter, ds.WindowWidth = "3170", "6200"
    files["cr_modality_lut_sequence.dcm"] = ds

    first = np.rint(phantom(255)).astype(np.uint8)
    frames = np.stack([first, np.full_like(first, 250), np.zeros_like(first)])
    ds = _dataset(frames, number=10)
    ds.NumberOfFrames = 3
    files["cr_multiframe.dcm"] = ds

    grey = np.rint(phantom(255)).astype(np.uint8)
    ds = _dataset(np.repeat(grey[..., None], 3, axis=2), sop_class=SECONDARY_CAPTURE, number=11)
    ds.Rows, ds.Columns = grey.shape
    ds.SamplesPerPixel = 3
    ds.PlanarConfiguration = 0
    ds.PhotometricInterpretation = "RGB"
    ds.ConversionType = "WSD"
    files["sc_rgb_grey.dcm"] = ds

    ds = _bits(_dataset(_u16(p12), number=12), 12)
    ds.compress(RLELossless, generate_instance_uid=False)
    files["cr_rle.dcm"] = ds

    ds = _bits(_dataset(_u16(4095 - p12), number=13), 12)
    ds.PhotometricInterpretation = "MONOCHROME1"
    ds.compress(JPEG2000Lossless, generate_instance_uid=False)
    files["cr_j2k_mono1.dcm"] = ds

    ds = _bits(_dataset(_u16(p12), number=14), 12)
    try:
        ds.compress(JPEGLSLossless, generate_instance_uid=False)
        files["cr_jpegls.dcm"] = ds
    except RuntimeError:
        print("pyjpegls not installed: cr_jpegls.dcm not written", file=sys.stderr)

    # JPEG baseline: pydicom cannot encode it, so wrap a Pillow JPEG stream by hand.
    ds = _dataset(grey, number=15)
    buffer = io.BytesIO()
    Image.fromarray(grey).save(buffer, "JPEG", quality=95)
    ds.PixelData = encapsulate([buffer.getvalue()])
    ds["PixelData"].VR = "OB"
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds.LossyImageCompression = "01"
    files["cr_jpeg_baseline.dcm"] = ds
    return files


def raster_files() -> dict[str, bytes]:
    """Every PNG/JPEG/TIFF/BMP test file by name, encoded with Pillow."""
    grey8 = np.rint(phantom(255)).astype(np.uint8)
    grey12 = _u16(phantom(4095))
    files: dict[str, bytes] = {}

    def save(image: Image.Image, fmt: str, **options) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, fmt, **options)
        return buffer.getvalue()

    files["grey8.png"] = save(Image.fromarray(grey8), "PNG")
    files["grey12_in_16.png"] = save(Image.fromarray(grey12), "PNG")
    rgb = np.repeat(grey8[..., None], 3, axis=2)
    files["rgb_grey.png"] = save(Image.fromarray(rgb), "PNG")
    rgba = np.dstack([rgb, np.full_like(grey8, 255)])
    files["rgba_grey.png"] = save(Image.fromarray(rgba), "PNG")
    files["grey8.jpg"] = save(Image.fromarray(grey8), "JPEG", quality=95)
    files["rgb_grey.jpg"] = save(Image.fromarray(rgb), "JPEG", quality=90)
    # Stored rotated: the pixels are the phantom turned 90° anticlockwise, and EXIF
    # Orientation 6 tells viewers to turn it 90° clockwise, back upright.
    exif = Image.Exif()
    exif[0x0112] = 6
    sideways = np.ascontiguousarray(np.rot90(grey8, 1))
    files["exif_orientation6.jpg"] = save(
        Image.fromarray(sideways), "JPEG", quality=95, exif=exif.tobytes()
    )
    files["grey16.tif"] = save(Image.fromarray(grey12), "TIFF", compression="tiff_lzw")
    pages = [Image.fromarray(grey8), Image.fromarray(255 - grey8)]
    files["multipage.tif"] = save(pages[0], "TIFF", save_all=True, append_images=pages[1:])
    files["grey8.bmp"] = save(Image.fromarray(grey8), "BMP")
    return files


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, ds in dicom_files().items():
        ds.save_as(OUT / name, enforce_file_format=True)
    for name, data in raster_files().items():
        (OUT / name).write_bytes(data)
    total = sum(p.stat().st_size for p in OUT.iterdir() if p.is_file())
    print(f"wrote {len(list(OUT.iterdir()))} files to {OUT} ({total / 1024:.0f} KB in all)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
