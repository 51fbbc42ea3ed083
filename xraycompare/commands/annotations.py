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
from collections.abc import Callable
from pathlib import Path

from xraycompare.core.formats import csv_export, geojson, labelme
from xraycompare.core.measurements import lineage_changes, measure_regions
from xraycompare.core.project_file import (
    SUFFIX,
    ProjectData,
    ProjectFileError,
    read_project,
    resolve_images,
)
from xraycompare.core.svdh import sheets_by_hand

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
    regions = list(data.regions)
    measurements = measure_regions(regions, images, calibrations=calibrations)
    changes = lineage_changes(regions, measurements, matrix=_active_matrix(data))
    stem = _stem(data.path) if data.path else "project"
    outputs: dict[str, Writer] = {}
    for film in ("before", "after"):
        ref, image = data.image_ref(film), images.get(film)
        if fmt == "geojson":
            doc = geojson.to_geojson(
                regions, film=film, measurements=measurements, changes=changes,
                image_name=ref.name if ref else None,
            )  # fmt: skip
            outputs[f"{stem}_{film}.geojson"] = lambda p, d=doc: geojson.write_geojson(p, d)
        elif fmt == "labelme":
            image_path = None
            if ref is not None and data.path is not None:
                target = found[film].path or ref.resolve(data.path.parent)
                image_path = Path(os.path.relpath(target, out_dir.resolve())).as_posix()
            doc = labelme.to_labelme(
                regions, film=film, image_path=image_path,
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
        sheets = sheets_by_hand(regions, data.scores, default_hands=hands)
        outputs[f"{stem}_scores.csv"] = lambda p: csv_export.write_scores_csv(p, sheets)
    return outputs


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
    staging: Path | None = None
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".xraycompare-export-", dir=out_dir))
        for name, write in outputs.items():
            write(staging / name)
        for name in outputs:
            os.replace(staging / name, out_dir / name)
    except OSError as exc:
        print(f"{PROG}: cannot write to {out_dir}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        if staging is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(staging)
    for name in outputs:
        print(out_dir / name)
    return EXIT_OK
