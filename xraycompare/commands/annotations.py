"""``xraycompare annotations PROJECT --format geojson|labelme|csv --out DIR``.

Writes one file per film (``<project>_before.geojson`` ...; for CSV also
``<project>_scores.csv``), each region once with its measurements. Measurements need the
films: when one cannot be found, its regions are still written with sizes from the
calibration recorded in the project, without the values inside, and stderr says so.

A missing, corrupt, truncated, crafted or future-version project exits 2 with one line on
stderr and writes nothing: everything is built in memory and every file is written next
to its target before any is put in place. An ``--out`` that cannot take the files (not a
folder, a read-only or special file in it) exits 2 too; a full disk exits 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from xraycompare.commands.outputs import write_failed
from xraycompare.core.annotations.export import (
    FORMATS,
    Writer,
    outputs_for,
    safe_image_name,
    write_outputs,
)
from xraycompare.core.annotations.measurements import measure_regions, unmeasured_values
from xraycompare.core.atomic import AtomicWriteError, output_folder
from xraycompare.core.exit_codes import EXIT_BAD_INPUT, EXIT_OK
from xraycompare.core.project.file import SUFFIX, ProjectFileError, read_project
from xraycompare.core.project.images import resolve_images
from xraycompare.core.project.schema import ProjectData
from xraycompare.core.types import FILMS

PROG = "xraycompare annotations"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", metavar="PROJECT", help="a project file (*.xrc.json)")
    parser.add_argument("--format", choices=FORMATS, default="geojson", help="output format")
    parser.add_argument("--out", metavar="DIR", required=True, help="folder for the files")


def _stem(path: Path) -> str:
    return path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) else path.stem


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
        for f in FILMS
        if (ref := data.image_ref(f)) is not None
    }
    names: dict[str, str | None] = {}
    paths: dict[str, str | None] = {}
    for film in FILMS:
        ref = data.image_ref(film)
        names[film] = safe_image_name(ref.name, images.get(film)) if ref else None
        paths[film] = None
        if ref is not None and data.path is not None and names[film] is not None:
            target = found[film].path or ref.resolve(data.path.parent)
            paths[film] = Path(os.path.relpath(target, out_dir.resolve())).as_posix()
    stem = _stem(data.path) if data.path else "project"
    measurements = measure_regions(data.regions, images, calibrations=calibrations)
    skipped = unmeasured_values(data.regions, images, measurements)
    if skipped:
        print(
            f"{PROG}: {skipped} region(s) have outlines too intricate or too large in all to "
            "measure the values inside; their sizes are written",
            file=sys.stderr,
        )
    return outputs_for(
        data.regions, data.scores, fmt, stem=stem, images=images, image_names=names,
        image_paths=paths, calibrations=calibrations, matrix=_active_matrix(data),
        measurements=measurements,
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    try:
        data = read_project(args.project)
    except ProjectFileError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        out_dir = output_folder(args.out)  # a bad --out fails now, before any work
        outputs = build_outputs(data, args.format, out_dir)
        written = write_outputs(outputs, out_dir)
    except AtomicWriteError as exc:
        return write_failed(PROG, exc)
    for path in written:
        print(path)
    return EXIT_OK
