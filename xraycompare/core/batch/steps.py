"""The work done on one pair, as a list of named steps.

Each step reads and adds to a :class:`PairWork` (the films, the registration, the
Document, the output files so far). A step that finds the pair cannot go on raises
:class:`PairFailed` with the reason in plain words; later steps then do not run, and what
was made so far is kept. :func:`standard_steps` is the list a batch runs:

1. ``load``: both films, read by the worker from their paths;
2. ``register``: the automatic registration, and the Document it gives (the alignment
   only when it is not ``failed``);
3. ``registration``: ``registration.json`` and ``warped.png``, exactly as
   ``xraycompare register --json --warped`` writes them (the command layer supplies the
   writer: the core does not import commands);
4. ``difference``: ``difference.png``, the signed difference after exposure matching on
   the comparison view's colour map, as the app shows it (skipped for a ``failed``
   alignment: nothing is derived from it);
5. ``gallery``: ``gallery.png`` and ``gallery.json``, the joint gallery (before | after
   per joint, each aligned on its own joint) as ``xraycompare gallery`` makes it, when
   joints are found on the films (skipped for a ``failed`` alignment, and when no joint is
   found: a reader's gallery is then made in the app once joints are placed);
6. ``project``: ``project.xrc.json``, opening the pair in the app already aligned (without
   an alignment when it ``failed``, so the reader aligns it by hand), with the exposure
   match used for ``difference.png``.

A new per-pair output is a new :class:`Step` added to :func:`standard_steps`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from xraycompare.core.compare.comparison import ComparisonPair
from xraycompare.core.compare.exposure import fit_exposure_match
from xraycompare.core.compare.settings import ComparisonSettings
from xraycompare.core.document import Document
from xraycompare.core.document_comparison import document_comparison
from xraycompare.core.figures.output import encode_raster
from xraycompare.core.gallery import (
    build_gallery,
    gallery_record,
    gallery_sites,
    render_gallery,
)
from xraycompare.core.geometry import IDENTITY
from xraycompare.core.io.image import ImageLoadError, XrayImage
from xraycompare.core.io.loading import load_image
from xraycompare.core.io.raster import encode_png
from xraycompare.core.project.file import VERSION, capture_project
from xraycompare.core.project.parse import project_from_json
from xraycompare.core.project.schema import dumps_readable, project_to_dict
from xraycompare.core.registration import Registration, RegistrationError, register
from xraycompare.core.registration.alignment import alignment_from
from xraycompare.core.registration.status import FAILED, OK
from xraycompare.core.types import FILMS, Model

REGISTRATION_JSON = "registration.json"
WARPED_PNG = "warped.png"
DIFFERENCE_PNG = "difference.png"
GALLERY_PNG = "gallery.png"
GALLERY_JSON = "gallery.json"
PROJECT = "project.xrc.json"
GALLERY_DPI = 200  # a screen-and-print gallery: 180 mm wide is about 1400 px

# The register command's outputs for a pair: file name -> bytes (registration.json, warped.png)
RegisterFiles = Callable[[Registration, XrayImage, XrayImage], Mapping[str, bytes]]


class PairFailed(Exception):  # noqa: N818 (a verdict on the pair, not a program error)
    """The pair cannot go on; ``reason`` says why without naming any file path."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass
class PairWork:
    """What a pair's steps share in the worker (never leaves it)."""

    pair_id: str
    before_path: Path
    after_path: Path
    out_dir: Path
    model: Model = "similarity"
    before: XrayImage | None = None
    after: XrayImage | None = None
    registration: Registration | None = None
    document: Document | None = None
    status: str = OK
    reason: str | None = None
    outputs: dict[str, bytes] = field(default_factory=dict)

    @property
    def aligned(self) -> bool:
        """Registered, and not ``failed``: images may be derived from the alignment."""
        return self.registration is not None and self.registration.status != FAILED

    def films(self) -> tuple[XrayImage, XrayImage]:
        if self.before is None or self.after is None:
            raise PairFailed("the films were not loaded")
        return self.before, self.after


@dataclass(frozen=True)
class Step:
    """One named part of a pair's work; ``run`` must be picklable (a module-level function
    or a ``functools.partial`` of one), since it travels to the workers."""

    name: str
    run: Callable[[PairWork], None]


def load_films(work: PairWork) -> None:
    """Read both films; an unreadable one fails the pair, naming the film, not its path."""
    images = []
    for film, path in zip(FILMS, (work.before_path, work.after_path), strict=True):
        try:
            images.append(load_image(path))
        except ImageLoadError as exc:
            raise PairFailed(f"the {film} film cannot be read: {exc.reason}") from exc
    work.before, work.after = images


def register_films(work: PairWork) -> None:
    """Register the after film to the before film; the status and reason are the pair's."""
    before, after = work.films()
    try:
        result = register(before, after, model=work.model)
    except RegistrationError as exc:
        raise PairFailed(f"the films cannot be aligned: {exc}") from exc
    work.registration = result
    work.status, work.reason = result.status, result.reason
    document = Document()
    document.set_pair(before, after)
    if result.status != FAILED:
        document.set_global_alignment(alignment_from(result))
    work.document = document


def write_registration(work: PairWork, *, build: RegisterFiles) -> None:
    """``registration.json`` and ``warped.png`` from the register command's own writer."""
    before, after = work.films()
    if work.registration is None:
        raise PairFailed("the films were not registered")
    work.outputs.update(build(work.registration, before, after))


def difference_image(document: Document) -> bytes:
    """The difference view of an aligned Document at the before film's full size, as PNG.

    The exposure match is fitted through the alignment and recorded in the Document (as
    the app records it), so the project remakes this picture.
    """
    before, after = document.before, document.after
    if before is None or after is None or document.global_alignment is None:
        raise ValueError("the difference needs an aligned pair")
    linear = document.difference.exposure_method == "linear"
    match = fit_exposure_match(
        before, after, document.alignment_matrix, method=document.difference.exposure_method
    )
    document.set_difference(
        replace(
            document.difference,
            exposure_gain=round(match.gain, 6) if linear else None,
            exposure_offset=round(match.intercept, 4) if linear else None,
        )
    )
    pair: ComparisonPair = document_comparison(document, match=match)
    # the project's difference choices (filter, outside the hand), as the app shows them
    settings = ComparisonSettings(mode="difference").using(document.difference)
    if settings.difference_range is None:
        settings = replace(settings, difference_range=pair.difference_range)
    return encode_png(pair.render(IDENTITY, (before.width, before.height), settings=settings))


def write_difference(work: PairWork) -> None:
    """``difference.png`` for an alignment that did not fail."""
    if work.aligned and work.document is not None:
        work.outputs[DIFFERENCE_PNG] = difference_image(work.document)


def write_gallery(work: PairWork) -> None:
    """``gallery.png`` and ``gallery.json`` when joints are found on an aligned pair."""
    if not work.aligned or work.document is None:
        return
    before, after = work.films()
    document = work.document
    gallery = build_gallery(
        before,
        after,
        alignment=document.global_alignment,
        corrections=document.joint_corrections,
        sites=gallery_sites(dip=False),
    )
    if not any(tile.found for tile in gallery.tiles):
        return
    rendered = render_gallery(document, gallery, dpi=GALLERY_DPI)
    work.outputs[GALLERY_PNG] = encode_raster(rendered.image, "png", GALLERY_DPI)
    work.outputs[GALLERY_JSON] = gallery_record(gallery)


def write_project(work: PairWork) -> None:
    """``project.xrc.json``: the films (paths relative to it), the alignment, the match."""
    if work.document is None:
        raise PairFailed("there is no pair to save as a project")
    path = work.out_dir / PROJECT
    data = capture_project(work.document, path)
    payload = (dumps_readable(project_to_dict(data, version=VERSION)) + "\n").encode("utf-8")
    project_from_json(payload, path=path)  # never write a project the app would refuse
    work.outputs[PROJECT] = payload


def standard_steps(*, register_files: RegisterFiles) -> tuple[Step, ...]:
    """The steps of a batch pair, in order (see the module notes).

    Parameters
    ----------
    register_files
        Makes ``registration.json`` and ``warped.png`` from a registration and its films,
        as ``xraycompare register`` does (a module-level function, for the workers).
    """
    return (
        Step("load", load_films),
        Step("register", register_films),
        Step("registration", partial(write_registration, build=register_files)),
        Step("difference", write_difference),
        Step("gallery", write_gallery),
        Step("project", write_project),
    )
