"""``xraycompare annotations PROJECT --format geojson|labelme|csv --out DIR``.

Writes one file per film (``<project>_before.geojson`` ...; for CSV also
``<project>_scores.csv``), each region once with its measurements. Measurements need the
films: when one cannot be found, its regions are still written with sizes from the
calibration recorded in the project, without the values inside, and stderr says so.

A missing, corrupt, truncated or future-version project exits 2 with the reason on stderr
and writes nothing: everything is built in memory and staged before any file appears.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from xraycompare.core.annotations.formats import csv_export, geojson, labelme
from xraycompare.core.annotations.measurements import lineage_changes, measure_regions
from xraycompare.core.annotations.scoring import sheets_by_hand
from xraycompare.core.project.file import SUFFIX, ProjectFileError, read_project
from xraycompare.core.project.images import resolve_images
from xraycompare.core.project.schema import ProjectData

if TYPE_CHECKING:
    from xraycompare.core.annotations.regions import Region
    from xraycompare.core.annotations.svdh import ScoreEntry
    from xraycompare.core.io.image import XrayImage

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
FORMATS = ("geojson", "labelme", "csv")
PROG = "xraycompare annotations"
Writer = Callable[[Path], None]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", metavar="PROJECT", help="a project file (*.xrc.json)")
    parser.add_argument("--format", choices=FORMATS, default="geojson", help="output format")
    parser.add_argument("--out", metavar="DIR", required=True, help="folder for the files")


def _stem(path: Path) -> str:
    return path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) else path.stem


def _default_hand(image: object) -> str | None:
    code = getattr(getattr(image, "info", None), "laterality", None)
    return {"L": "left", "R": "right"}.get((code or "").strip().upper())


def _active_matrix(data: ProjectData):
    for a in data.local_alignments:
        if a.name == data.active_alignment:
            return a.matrix
    return None if data.global_alignment is None else data.global_alignment.matrix


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
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    regions = list(regions)
    measurements = measure_regions(regions, images, calibrations=calibrations)
    changes = lineage_changes(regions, measurements, matrix=matrix)
    outputs: dict[str, Writer] = {}
    for film in ("before", "after"):
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
        hands = {f: _default_hand(images.get(f)) for f in ("before", "after")}
        sheets = sheets_by_hand(regions, scores, default_hands=hands)
        outputs[f"{stem}_scores.csv"] = lambda p: csv_export.write_scores_csv(p, sheets)
    return outputs


def build_outputs(data: ProjectData, fmt: str, out_dir: Path) -> dict[str, Writer]:
    """File name -> writer for every output file; reports missing films on stderr."""
    found = resolve_images(data)
    images = {}
    for film, res in found.items():
        if res.status in ("missing", "unreadable"):
            print(
                f"{PROG}: {res.message}; its regions are written without the values inside",
                file=sys.stderr,
            )
        elif res.status == "hash_mismatch":
            print(f"{PROG}: warning: {res.message}", file=sys.stderr)
        images[film] = res.image
    calibrations = {
        f: (ref.spacing_mm, ref.calibration)
        for f in ("before", "after")
        if (ref := data.image_ref(f)) is not None
    }
    names: dict[str, str | None] = {}
    paths: dict[str, str | None] = {}
    for film in ("before", "after"):
        ref = data.image_ref(film)
        names[film] = safe_image_name(ref.name, images.get(film)) if ref else None
        paths[film] = None
        if ref is not None and data.path is not None and names[film] is not None:
            target = found[film].path or ref.resolve(data.path.parent)
            paths[film] = Path(os.path.relpath(target, out_dir.resolve())).as_posix()
    stem = _stem(data.path) if data.path else "project"
    return outputs_for(
        data.regions, data.scores, fmt, stem=stem, images=images, image_names=names,
        image_paths=paths, calibrations=calibrations, matrix=_active_matrix(data),
    )  # fmt: skip


def write_outputs(outputs: Mapping[str, Writer], out_dir: Path) -> list[Path]:
    """Write every output into ``out_dir`` so that none appears unless all were written.

    Raises
    ------
    OSError
        The folder cannot be made or written; no output file was put in place.
    """
    staging: Path | None = None
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".xraycompare-export-", dir=out_dir))
        for name, write in outputs.items():
            write(staging / name)
        for name in outputs:
            os.replace(staging / name, out_dir / name)
    finally:
        if staging is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(staging)
    return [out_dir / name for name in outputs]


def run(args: argparse.Namespace) -> int:
    try:
        data = read_project(args.project)
    except ProjectFileError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    out_dir = Path(args.out)
    if out_dir.exists() and not out_dir.is_dir():
        print(f"{PROG}: {out_dir} exists and is not a folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    outputs = build_outputs(data, args.format, out_dir)
    try:
        written = write_outputs(outputs, out_dir)
    except OSError as exc:
        print(f"{PROG}: cannot write to {out_dir}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURE
    for path in written:
        print(path)
    return EXIT_OK
