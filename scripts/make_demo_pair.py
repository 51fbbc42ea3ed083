"""Make the demo pair in assets/: a real CR hand (*before*) and a SIMULATED follow-up (*after*).

    python scripts/make_demo_pair.py [--shared ../shared/data]

*before* (assets/demo_before.dcm) is the real right-hand PA film from pylibjpeg-data
(``cr_right_hand_pa.dcm``, MIT + GDCM BSD; see assets/README.md), copied byte for byte.

*after* (assets/demo_after.dcm) is made from it with ``xraycompare.core.synthetic`` to look
like a follow-up film taken seven years later on the same CR system:

- the hand placed slightly differently: rotated 3.5°, shifted about 45 px right and 35 px
  up, and magnified 2 % (a little further from the cassette);
- different exposure and processing: gamma 0.85, gain 1.04, offset -0.02, a slight blur
  (sigma 0.7 px) and a little noise;
- simulated remodeling (new bone, sclerotic margins) at the joint margins of the 3rd and 4th
  proximal phalanges (middle and ring fingers), as after successful treatment of erosive RA.

The true transform is known exactly: ``MATRIX`` maps *after* pixel coordinates to *before*
pixel coordinates (the app's registration convention). The script prints it, the bone
changes in both frames and the exposure parameters, and writes them to
assets/demo_truth.json. The result is deterministic (fixed seed and UIDs).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

import cv2
import numpy as np
import pydicom
from pydicom.uid import JPEG2000Lossless, RLELossless, generate_uid

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from xraycompare.core.geometry import decompose, invert, similarity, transform_point
from xraycompare.core.io.loading import load_image
from xraycompare.core.synthetic import BoneChange, FollowupSpec, simulate_followup

ASSETS = REPO / "assets"
SOURCE = "dicom/pylibjpeg-data/cr_right_hand_pa.dcm"
HEIGHT, WIDTH = 2500, 2048

# after -> before: the after film shows the hand 2 % larger (so before = after scaled by
# 1/1.02), turned 3.5° and shifted, all about the film centre.
MATRIX = similarity(scale=1 / 1.02, angle_deg=3.5, tx=-45.0, ty=35.0, center=(1024.0, 1250.0))

# Joint margins of the proximal phalanges (PP), in *before* pixel coordinates (x, y), read
# off the film rendered with render_display (window 1800/2600) and cropped around each joint
# on a 20 px grid. It is a right hand PA, thumb on the image left: "radial" is the left
# margin, "ulnar" the right one. Distal is up.
#   PP3 (middle finger): head just below the PIP joint line (y ~ 880), flare x ~ 1050-1140
#     at y ~ 905-925; base just above the MCP joint (y ~ 1260), flare x ~ 1035-1172 at
#     y ~ 1225-1250.
#   PP4 (ring finger, tilted towards the ulna): head below the PIP joint line that runs from
#     (1370, 1000) to (1450, 1020), margins x ~ 1345 and ~ 1445 at y ~ 1030; base flare
#     x ~ 1242-1358 at y ~ 1320-1350, above the MCP joint (y ~ 1365).
# Each site gets two small overlapping discs a few pixels inside the cortex, so the added
# bone thickens and slightly bulges the margin (a sclerotic, remodeled corner) rather than
# forming a ball in the soft tissue. Negative depth adds bone; radius in pixels (0.115 mm).
REMODELING_SITES = {
    "PP3 head, radial margin": ((1056.0, 908.0), (1058.0, 924.0)),
    "PP3 base, ulnar margin": ((1163.0, 1226.0), (1161.0, 1242.0)),
    "PP4 head, ulnar margin": ((1438.0, 1028.0), (1434.0, 1044.0)),
    "PP4 base, radial margin": ((1250.0, 1322.0), (1252.0, 1338.0)),
}
REMODELING = tuple(
    BoneChange(x=x, y=y, radius=14.0, depth=-0.6)
    for centres in REMODELING_SITES.values()
    for x, y in centres
)
EXPOSURE = {"gamma": 0.85, "gain": 1.04, "offset": -0.02, "blur_sigma": 0.7, "noise_sd": 0.002}
SEED = 20110218
YEARS_LATER = 7


def make_after_pixels(before: np.ndarray) -> np.ndarray:
    """The simulated follow-up's stored values (12-bit in uint16, bone bright)."""
    spec = FollowupSpec(
        matrix=MATRIX,
        out_shape=(HEIGHT, WIDTH),
        changes=REMODELING,
        seed=SEED,
        **EXPOSURE,
    )
    after = simulate_followup(before, spec)
    # What lies outside the before film would be unexposed, not a mirror image of the film
    # edge (synthetic.py reflects at the border): give it the before's unexposed level.
    inside = cv2.warpAffine(
        np.ones(before.shape, np.uint8),
        np.asarray(MATRIX)[:2],
        (WIDTH, HEIGHT),
        flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    ).astype(bool)
    after = np.where(inside, after, np.percentile(before[:40], 50).astype(after.dtype))
    return np.clip(after, 0, 4095).astype(np.uint16)


def shifted_date(value: str) -> str:
    """A DICOM date YYYYMMDD moved YEARS_LATER years on ('' stays '')."""
    if len(value) != 8 or not value.isdigit():
        return value
    return f"{int(value[:4]) + YEARS_LATER:04d}{value[4:]}"


def write_after(before_path: Path, pixels: np.ndarray, out: Path) -> str:
    """Save ``pixels`` with the before's tags, new UIDs and dates; return the syntax used."""
    ds = pydicom.dcmread(before_path)
    for keyword in (
        "StudyDate",
        "SeriesDate",
        "AcquisitionDate",
        "ContentDate",
        "PerformedProcedureStepStartDate",
    ):
        if keyword in ds:
            setattr(ds, keyword, shifted_date(str(ds.data_element(keyword).value)))
    seed = ["xraycompare demo pair", "after"]
    ds.StudyInstanceUID = generate_uid(entropy_srcs=[*seed, "study"])
    ds.SeriesInstanceUID = generate_uid(entropy_srcs=[*seed, "series"])
    ds.SOPInstanceUID = generate_uid(entropy_srcs=[*seed, "instance"])
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.SeriesDescription = "PA - SIMULATED follow-up (xraycompare demo)"
    ds.ImageComments = (
        "SIMULATED follow-up made from the baseline film by scripts/make_demo_pair.py: "
        "known transform, exposure change and simulated remodeling. Not a real radiograph."
    )
    ds.DerivationDescription = "Simulated follow-up (xraycompare.core.synthetic)"
    ds.SeriesNumber = 2
    ds.SmallestImagePixelValue = int(pixels.min())
    ds.LargestImagePixelValue = int(pixels.max())
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds.PixelData = pixels.tobytes()
    ds["PixelData"].VR = "OW"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
    for syntax in (JPEG2000Lossless, RLELossless):
        try:
            ds.compress(syntax, generate_instance_uid=False)
            break
        except Exception as exc:  # no encoder plugin: try the next, else stay uncompressed
            print(f"cannot encode {syntax.name} ({exc}); trying the next", file=sys.stderr)
    ds.save_as(out, enforce_file_format=True)
    return ds.file_meta.TransferSyntaxUID.name


def truth() -> dict:
    """Everything needed to check a registration or a change map against the demo pair."""
    after_from_before = invert(MATRIX)
    changes = []
    for site, centres in REMODELING_SITES.items():
        for x, y in centres:
            ax, ay = transform_point(after_from_before, x, y)
            changes.append(
                {
                    "site": site,
                    "before_xy": [x, y],
                    "after_xy": [round(ax, 2), round(ay, 2)],
                    "radius_px_before": REMODELING[0].radius,
                    "depth": REMODELING[0].depth,
                }
            )
    return {
        "note": "SIMULATED follow-up; matrix maps after pixel (x, y) to before pixel (x, y)",
        "after_to_before": [[round(v, 10) for v in row] for row in np.asarray(MATRIX)],
        "before_to_after": [[round(v, 10) for v in row] for row in np.asarray(after_from_before)],
        "after_to_before_decomposed": {k: round(v, 6) for k, v in decompose(MATRIX).items()},
        "remodeling": changes,
        "exposure": EXPOSURE,
        "seed": SEED,
        "years_between": YEARS_LATER,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args(argv)
    source = args.shared / SOURCE
    if not source.exists():
        print(f"missing {source}", file=sys.stderr)
        return 1
    ASSETS.mkdir(exist_ok=True)
    before_path = ASSETS / "demo_before.dcm"
    shutil.copyfile(source, before_path)
    before = load_image(before_path)
    assert before.shape == (HEIGHT, WIDTH) and before.photometric == "MONOCHROME2"
    after_pixels = make_after_pixels(np.asarray(before.pixels))
    after_path = ASSETS / "demo_after.dcm"
    syntax = write_after(before_path, after_pixels, after_path)
    facts = truth()
    (ASSETS / "demo_truth.json").write_text(json.dumps(facts, indent=2) + "\n")
    for path in (before_path, after_path):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"{path.relative_to(REPO)}: {path.stat().st_size / 1e6:.2f} MB, sha256 {digest}")
    print(f"after transfer syntax: {syntax}")
    print(json.dumps(facts, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
