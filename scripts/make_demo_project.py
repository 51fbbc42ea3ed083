"""Regenerate ``assets/demo.xrc.json``: the demo pair with example annotations.

An ordinary project file on ``assets/demo_before.dcm`` and ``assets/demo_after.dcm``: linked
erosion regions at the PIP joints of the 3rd and 4th fingers on both films (scores and
statuses telling the story of the simulated follow-up: both remodeled), one
arrow and one text label. The after film is aligned with ``register()`` (identity when
registration fails). Joint positions are in the before film's pixels, read off the film.

Run: ``python scripts/make_demo_project.py [--preview OUT.png]``; ``--preview`` also draws
the regions on both films so a person can check where they landed.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from xraycompare.core.annotations.propagation import propagate
from xraycompare.core.annotations.regions import Region, ellipse_points
from xraycompare.core.document import Document
from xraycompare.core.geometry import as_matrix
from xraycompare.core.io.image import XrayImage
from xraycompare.core.io.loading import load_image
from xraycompare.core.project.file import save_project
from xraycompare.core.registration.alignment import Alignment

ASSETS = REPO / "assets"
BEFORE, AFTER, PROJECT = "demo_before.dcm", "demo_after.dcm", "demo.xrc.json"
TRUTH = "demo_truth.json"  # the simulation's known after -> before matrix
LATERALITY = "right"  # the film's "R" marker (ImageLaterality is not recorded)

# Before-film pixels (x, y), read off the rendered film (the real CR hand) and checked
# against the simulated remodeling in demo_truth.json: the 3rd finger is vertical, its PIP
# joint line at y ≈ 877, remodeling on the radial margin of the proximal phalanx head
# around (1057, 916); the 4th finger leans right, its PIP joint at about (1392, 997),
# remodeling on the ulnar margin of the proximal phalanx head around (1436, 1036).
PIP3_EROSION = (1057.0, 914.0)
PIP4_EROSION = (1434.0, 1034.0)


def pip3_outline(cx: float, cy: float) -> tuple[tuple[float, float], ...]:
    """A marginal erosion on the radial side of the joint, outlined as a reader would."""
    offsets = [(-26, -22), (2, -30), (24, -16), (26, 8), (12, 28), (-14, 30), (-30, 10)]
    return tuple((cx + dx, cy + dy) for dx, dy in offsets)


def registered(before: XrayImage, after: XrayImage) -> Alignment | None:
    """The automatic alignment, or None (with the reason printed) when it cannot be made."""
    try:
        from xraycompare.core.registration import register

        result = register(before, after)
    except Exception as exc:  # any failure: the demo falls back, loudly
        print(f"registration failed ({type(exc).__name__}: {exc}); using the identity")
        return None
    print(f"registered in {result.seconds:.1f} s; warning: {result.warning}")
    return Alignment(
        name="Global",
        matrix=result.matrix,
        model=result.model,
        method="automatic",
        quality=result.quality.as_dict(),
        mirrored=result.mirrored,
        seconds=result.seconds,
        warning=result.warning,
    )


def known_matrix() -> np.ndarray:
    """The simulation's after -> before matrix, to place after-film regions on the joints."""
    return as_matrix(json.loads((ASSETS / TRUTH).read_text("utf-8"))["after_to_before"])


def build(before: XrayImage, after: XrayImage, *, register_pair: bool = True) -> Document:
    """The demo document: its alignment from ``register()`` when that works, else identity.

    Counterparts on the after film go through the registration; without one they are
    placed with the simulation's known transform, as a reader would have moved them onto
    the joints by hand (the project then records the identity alignment, honestly).
    """
    doc = Document()
    doc.set_pair(before, after)
    alignment = registered(before, after) if register_pair else None
    if alignment is not None:
        doc.set_global_alignment(alignment)
        placement = doc.alignment_matrix
    else:
        placement = known_matrix()
    common = {"kind": "erosion", "laterality": LATERALITY}
    pip3 = Region.create(
        "before", "polygon", pip3_outline(*PIP3_EROSION), site="PIP3", score=3,
        note="Marginal erosion, radial side of the proximal phalanx head", **common,
    )  # fmt: skip
    pip4 = Region.create(
        "before", "ellipse", ellipse_points(*PIP4_EROSION, 22, 34, 20), site="PIP4", score=2,
        note="Marginal erosion, ulnar side of the proximal phalanx head", **common,
    )  # fmt: skip
    followups = {
        pip3.id: {"score": 1, "status": "healed", "note": "Remodeling: the defect has filled in"},
        pip4.id: {"score": 1, "status": "healed", "note": "Partly remodeled"},
    }
    for region in (pip3, pip4):
        doc.annotations.add(region)
        counterpart = propagate(region, placement)
        doc.annotations.add(replace(counterpart, **followups[region.id]))
    # on the after film: an arrow from the gap between the 2nd and 3rd fingers to the
    # remodeled margin, and its label above the arrow's tail
    x, y = PIP3_EROSION
    arrow = Region.create("before", "arrow", ((x - 120, y - 160), (x - 30, y - 25)))
    text = Region.create("before", "text", ((x - 190, y - 250),), label="Remodeling")
    for region in (arrow, text):
        doc.annotations.add(propagate(region, placement))
    return doc


def preview(doc: Document, out: Path) -> None:
    import cv2

    from xraycompare.core.io.display import render_display

    panels = []
    for film in ("before", "after"):
        image = cv2.cvtColor(render_display(doc.image(film)), cv2.COLOR_GRAY2BGR)
        for r in doc.annotations.on_film(film):
            pts = np.rint(r.outline(samples=64)).astype(np.int32)
            if r.is_closed:
                cv2.polylines(image, [pts], True, (0, 200, 255), 4)
            elif r.geometry == "arrow":
                cv2.arrowedLine(image, tuple(pts[0]), tuple(pts[1]), (255, 0, 255), 5)
            elif r.geometry == "text":
                cv2.putText(image, r.label, tuple(pts[0] + [0, 40]), cv2.FONT_HERSHEY_SIMPLEX,
                            1.6, (255, 0, 255), 3)  # fmt: skip
        panels.append(image[400:1500, 700:1800])
    cv2.imwrite(str(out), np.hstack(panels))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preview", type=Path, help="also draw the regions into this PNG")
    parser.add_argument("--no-register", action="store_true", help="use the identity alignment")
    args = parser.parse_args()
    before, after = load_image(ASSETS / BEFORE), load_image(ASSETS / AFTER)
    doc = build(before, after, register_pair=not args.no_register)
    target = ASSETS / PROJECT
    save_project(doc, target)
    target.with_name(target.name + ".bak").unlink(missing_ok=True)
    print(f"wrote {target} ({len(doc.annotations)} regions)")
    if args.preview:
        preview(doc, args.preview)
        print(f"preview: {args.preview}")


if __name__ == "__main__":
    main()
