"""Regions and scores as exchange files: the files of one format, written all or nothing.

Shared by ``xraycompare annotations`` and the app's File ▸ Export regions. Files are named
after a stem (the project's name, or "regions"), never after the films, and a film's file
name goes into an export only when it holds no patient identifier.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from xraycompare.core.annotations.formats import csv_export, geojson, labelme
from xraycompare.core.annotations.measurements import (
    RegionMeasurement,
    lineage_changes,
    measure_regions,
)
from xraycompare.core.annotations.regions import Region
from xraycompare.core.annotations.scoring import sheets_by_hand
from xraycompare.core.annotations.svdh import ScoreEntry
from xraycompare.core.atomic import output_folder, write_atomic_many
from xraycompare.core.io.image import XrayImage
from xraycompare.core.types import FILMS, hand_from_laterality

FORMAT_TITLES = {
    "geojson": "GeoJSON (QuPath), one file per film",
    "labelme": "labelme JSON, one file per film",
    "csv": "CSV: regions per film and the score sheet",
}
FORMATS = tuple(FORMAT_TITLES)
Writer = Callable[[Path], None]


def safe_image_name(name: str | None, image: object) -> str | None:
    """A film's file name for an export, or None when it holds a patient identifier
    (files are sometimes named after the patient; exports carry no patient data)."""
    identity = getattr(image, "identity", None)
    if not name or identity is None:
        return name
    lowered = name.lower()
    values = (identity.name, identity.patient_id, identity.accession_number, identity.birth_date)
    words = (t for v in values if v for t in str(v).replace("^", " ").split())
    tokens = {t.lower() for t in words if len(t) > 2}
    return None if any(t in lowered for t in tokens) else name


def outputs_for(
    regions: Sequence[Region],
    scores: Sequence[ScoreEntry],
    fmt: str,
    *,
    stem: str,
    images: Mapping[str, XrayImage | None],
    image_names: Mapping[str, str | None],
    image_paths: Mapping[str, str | None] | None = None,
    calibrations: Mapping[str, tuple] | None = None,
    matrix=None,
    measurements: Mapping[str, RegionMeasurement] | None = None,
) -> dict[str, Writer]:
    """File name -> writer for every output file of one format.

    Parameters
    ----------
    regions, scores
        What to export (regions of both films; directly entered scores).
    fmt
        ``"geojson"``, ``"labelme"`` or ``"csv"``.
    stem
        The start of each file name (``<stem>_before.geojson`` ...).
    images
        Each film's image for measuring the values inside (None: sizes only).
    image_names, image_paths
        Each film's file name (GeoJSON) and path relative to the output (labelme); pass
        names through :func:`safe_image_name`.
    calibrations
        Film -> (spacing_mm, calibration) used when the image is None.
    matrix
        The active alignment (after -> before), to compare uncalibrated sizes.
    measurements
        The regions' measurements when already made (:func:`measure_regions`).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    regions = list(regions)
    if measurements is None:
        measurements = measure_regions(regions, images, calibrations=calibrations)
    changes = lineage_changes(regions, measurements, matrix=matrix)
    outputs: dict[str, Writer] = {}
    for film in FILMS:
        image = images.get(film)
        if fmt == "geojson":
            doc = geojson.to_geojson(
                regions, film=film, measurements=measurements, changes=changes,
                image_name=image_names.get(film),
            )  # fmt: skip
            outputs[f"{stem}_{film}.geojson"] = lambda p, d=doc: geojson.write_geojson(p, d)
        elif fmt == "labelme":
            doc = labelme.to_labelme(
                regions, film=film, image_path=(image_paths or {}).get(film),
                image_shape=image.shape if image is not None else None,
            )  # fmt: skip
            outputs[f"{stem}_{film}.json"] = lambda p, d=doc: labelme.write_labelme(p, d)
        else:
            rows = [r for r in regions if r.film == film]
            outputs[f"{stem}_{film}_regions.csv"] = lambda p, rs=rows: csv_export.write_regions_csv(
                p, rs, measurements, changes
            )
    if fmt == "csv":
        hands = {f: _film_hand(images.get(f)) for f in FILMS}
        sheets = sheets_by_hand(regions, scores, default_hands=hands)
        outputs[f"{stem}_scores.csv"] = lambda p: csv_export.write_scores_csv(p, sheets)
    return outputs


def write_outputs(outputs: Mapping[str, Writer], out_dir: Path) -> list[Path]:
    """Write every output into ``out_dir`` so that none appears unless all were written.

    Each file is written atomically next to its target, and only when every one was
    written are they moved into place. A target that is a link is written through; one
    that is read-only, a folder or not a regular file (a device) stops everything first.

    Raises
    ------
    AtomicWriteError
        Nothing was put in place; the reason says why (``errno`` set for disk errors).
    """
    out_dir = output_folder(out_dir)
    write_atomic_many({out_dir / name: write for name, write in outputs.items()})
    return [out_dir / name for name in outputs]


def _film_hand(image: XrayImage | None):
    return hand_from_laterality(image.info.laterality if image is not None else None)
