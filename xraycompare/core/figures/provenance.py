"""What was done to make a figure: the JSON sidecar and a sentence for its legend.

Journals ask authors to state how images were processed (registration, warping and
non-linear contrast must be disclosed), so every figure gets ``OUT.provenance.json``:
the software, the inputs by content hash (never a path, a name or a date), the alignment,
the exposure match, the windows, the interpolation, each panel's crop and scale, and a
suggested legend. Nothing in it identifies the patient.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from xraycompare import __version__
from xraycompare.core.compare.settings import ComparisonSettings
from xraycompare.core.figures.labels import film_captions
from xraycompare.core.figures.layout import MM_PER_INCH, FigureLayout, PanelLayout
from xraycompare.core.figures.marks import PanelMarks
from xraycompare.core.figures.panels import FigureSource
from xraycompare.core.figures.spec import FigureSpec
from xraycompare.core.geometry import decompose
from xraycompare.core.io.image import XrayImage
from xraycompare.core.types import CALIBRATION_LABELS, FILMS

FORMAT = "xraycompare-figure-provenance"
VERSION = 1


@dataclass(frozen=True)
class Figures:
    """What a finished figure holds, for its provenance."""

    spec: FigureSpec
    source: FigureSource
    layout: FigureLayout
    marks: tuple[PanelMarks, ...]
    enlarged: dict[str, float]
    warnings: tuple[str, ...]


def provenance(made: Figures, *, figure_sha256: str) -> dict[str, Any]:
    """The sidecar's content (JSON-ready) for a figure file with this SHA-256."""
    spec, source, layout = made.spec, made.source, made.layout
    return {
        "format": FORMAT,
        "version": VERSION,
        "software": {"name": "xraycompare", "version": __version__},
        "figure": {
            "sha256": figure_sha256,
            "format": spec.format,
            "layout": spec.layout,
            "orientation": spec.orientation,
            "width_mm": round(layout.width_mm, 3),
            "height_mm": round(layout.height_mm, 3),
            "dpi": spec.dpi,
            "size_px": [layout.width_px, layout.height_px] if spec.is_raster else None,
        },
        "inputs": {"before": input_record(source.before), "after": input_record(source.after)},
        "alignment": _alignment(source),
        "exposure": _exposure(source, spec),
        "window": _window(source),
        "interpolation": spec.interpolation,
        "panels": [_panel(p, spec, layout.dpi, made.enlarged.get(p.letter)) for p in layout.panels],
        "annotations": _annotations(made.marks),
        "scale_bar": _scale_bar(made.marks),
        "warnings": list(made.warnings),
        "legend": legend(made),
    }


def input_record(image: XrayImage) -> dict[str, Any]:
    """A film as a provenance names it: content hash, size, depth, calibration; no path."""
    digest = image.content_hash
    if not digest:  # a film made in memory: hash its pixels instead of a file
        digest = hashlib.sha256(np.ascontiguousarray(image.pixels).tobytes()).hexdigest()
    return {
        "sha256": digest,
        "size_px": [image.width, image.height],
        "bits_stored": image.bits_stored,
        "calibration": image.calibration,
        "spacing_mm": None if image.spacing_mm is None else [float(v) for v in image.spacing_mm],
    }


def _matrix(m: np.ndarray) -> list[list[float]]:
    return [[float(v) for v in row] for row in np.asarray(m)]


def _alignment(source: FigureSource) -> dict[str, Any]:
    a = source.alignment
    if a is None:
        return {"applied": False, "matrix": _matrix(source.after_to_before)}
    return {
        "applied": True,
        "scope": "global" if a.roi is None else "local",
        "model": a.model,
        "method": a.method,
        "matrix": _matrix(a.matrix),
        "direction": "after_to_before",
        "roi": None if a.roi is None else [float(v) for v in a.roi],
        "quality": {k: float(v) for k, v in a.quality.items()},
        "mirrored": bool(a.mirrored),
    }


def _exposure(source: FigureSource, spec: FigureSpec) -> dict[str, Any]:
    m = source.match
    uses = []
    if source.shared_window:
        uses.append("after film display (shared window)")
    if spec.comparison == "difference":
        uses.append("difference")
    return {
        "method": m.method,
        "gain": m.gain,
        "offset": m.intercept,
        "residual": None if math.isnan(m.residual) else m.residual,
        "linear": m.is_linear,
        "used_for": uses,
        "difference_range": source.difference_settings(spec).difference_range
        if spec.comparison == "difference"
        else None,
    }


def _window(source: FigureSource) -> dict[str, Any]:
    def described(image: XrayImage, index: int) -> dict[str, Any]:
        d = source.displays[index]
        lut = d.voi_lut_index
        if lut is None and d.window is None:
            lut = image.default_voi_lut_index  # the file's default is a VOI LUT table
        if lut is not None:
            return {"voi_lut_index": lut, "inverted": d.inverted}
        w = d.window or image.default_window
        return {
            "center": w.center,
            "width": w.width,
            "function": w.function,
            "inverted": d.inverted,
        }

    before = described(source.before, 0)
    if source.shared_window:
        return {"mode": "shared", "before": before, "after": "before window, exposure-matched"}
    return {"mode": "each", "before": before, "after": described(source.after, 1)}


def _panel(panel: PanelLayout, spec: FigureSpec, dpi: float, enlarged: float | None) -> dict:
    """A panel's region (before pixels), its box in the figure and its printed scale."""
    mm_per_px = MM_PER_INCH / dpi
    return {
        "letter": panel.letter,
        "content": panel.content,
        "inset": panel.inset,
        "crop": [round(v, 3) for v in panel.crop],
        "box_mm": [round(v * mm_per_px, 3) for v in panel.box],
        "box_px": list(panel.box) if spec.is_raster else None,
        # printed pixels per before pixel at the figure's dpi; the film's printed resolution
        "scale": panel.scale * spec.dpi / dpi,
        "before_pixels_per_inch": dpi / panel.scale,
        "enlarged": enlarged,  # > 1: shown beyond the film's resolution
    }


def _annotations(marks: tuple[PanelMarks, ...]) -> dict[str, int]:
    return {
        "arrows": sum(len(m.arrows) for m in marks),
        "text_labels": sum(len(m.labels) for m in marks),
        "outlines": sum(len(m.outlines) for m in marks),
    }


def _scale_bar(marks: tuple[PanelMarks, ...]) -> list[dict[str, Any]]:
    return [
        {
            "panel": m.panel.letter,
            "length_mm": m.scale_bar.length_mm,
            "length_px": m.scale_bar.length_px,
            "calibration": m.scale_bar.calibration,
            "spacing_mm": m.scale_bar.spacing_mm,
        }
        for m in marks
        if m.scale_bar is not None
    ]


def legend(made: Figures) -> str:
    """A suggested figure legend stating what was done to the images."""
    spec, source, layout = made.spec, made.source, made.layout
    films = film_captions(source.before, source.after)
    sentences = [_panels_sentence(layout, films)]
    window = _window(source)
    if window["mode"] == "shared":
        shown = f"with one window ({_window_words(window['before'])}), the follow-up after "
        shown += "exposure matching"
    else:
        before, after = (_window_words(window[f]) for f in FILMS)
        shown = f"each with its own window (baseline {before}; follow-up {after})"
    if _non_linear_window(window):
        shown += "; the window is non-linear"
    sentences.append(
        "Both films are shown with the same crop and scale in the baseline film's frame, "
        f"{shown}, and {spec.interpolation} interpolation."
    )
    sentences.append(_alignment_sentence(source, spec))
    if source.shared_window or spec.comparison == "difference":
        sentences.append(source.match.legend)
    if spec.comparison == "difference":
        sentences.append(_difference_sentence(source, spec))
    bars = [m.scale_bar for m in made.marks if m.scale_bar is not None]
    if bars:
        b = bars[0]
        lengths = " and ".join(f"{bar.length_mm:g} mm" for bar in bars)
        sentences.append(
            f"Scale bar{'s' if len(bars) > 1 else ''}: {lengths} "
            f"({CALIBRATION_LABELS[b.calibration]} pixel spacing, {b.spacing_mm:.4g} mm)."
        )
    drawn = [k for k, n in _annotations(made.marks).items() if n]
    if drawn:
        kinds = " and ".join(", ".join(drawn).replace("_", " ").rsplit(", ", 1))
        sentences.append(f"The {kinds} are drawn over the images; no pixel was edited.")
    if made.enlarged:
        worst = max(made.enlarged.values())
        letters = ", ".join(sorted(made.enlarged))
        sentences.append(
            f"Panel{'s' if len(made.enlarged) > 1 else ''} {letters} "
            f"{'are' if len(made.enlarged) > 1 else 'is'} enlarged up to {worst:.1f}× "
            "beyond the film's resolution."
        )
    sentences.append(f"Made with xraycompare {__version__}.")
    return " ".join(sentences)


def _panels_sentence(layout: FigureLayout, films: tuple[str, str]) -> str:
    parts = []
    for p in layout.panels:
        if p.content in FILMS:
            what = f"{films[0] if p.content == 'before' else films[1]} film"
            if p.inset is not None:
                what += f", enlarged region {p.letter} outlined in the full panel"
        elif p.content == "difference":
            what = "difference, follow-up minus baseline"
        elif p.content == "overlay":
            what = "overlay, baseline in green and follow-up in magenta (grey where they agree)"
        else:
            what = "blend of both films, half each"
        parts.append(f"({p.letter}) {what}")
    return "; ".join(parts) + "."


def _window_words(side: dict[str, Any]) -> str:
    """ "centre 2048, width 4096" (modality units), or the film's VOI LUT table."""
    if "voi_lut_index" in side:
        return "the film's VOI LUT table"
    words = f"centre {side['center']:.4g}, width {side['width']:.4g}"
    if side["function"] != "LINEAR":
        words += f", {side['function'].lower().replace('_', ' ')}"
    return words + (", inverted" if side["inverted"] else "")


def _non_linear_window(window: dict[str, Any]) -> bool:
    sides = [window["before"], window["after"]]
    return any(
        isinstance(s, dict) and (s.get("function") == "SIGMOID" or "voi_lut_index" in s)
        for s in sides
    )


def _alignment_sentence(source: FigureSource, spec: FigureSpec) -> str:
    a = source.alignment
    if a is None:
        if spec.unaligned:
            return "The follow-up film is shown without registration."
        return "The films were not registered."
    d = decompose(a.matrix)
    how = {
        "automatic": "automatically",
        "landmarks": "from matched landmarks",
        "manual": "by hand",
    }.get(a.method, f"({a.method})")
    where = "locally, around one joint," if a.roi is not None else ""
    sentence = (
        f"The follow-up film was registered to the baseline film {where} {how} "
        f"({a.model} transform: rotation {d['rotation_deg']:.1f}°, scale {d['scale']:.3f}"
    ).replace("  ", " ")
    ncc = a.quality.get("ncc_final")
    if ncc is not None and math.isfinite(ncc):
        sentence += f"; correlation inside the hand {ncc:.3f}"
    sentence += ") and resampled into the baseline frame"
    if a.mirrored:
        sentence += "; it was stored mirrored and is shown reflected"
    return sentence + "."


def _difference_sentence(source: FigureSource, spec: FigureSpec) -> str:
    settings = source.difference_settings(spec)
    colormap = settings.difference_colormap
    limit = float(settings.difference_range or source.pair.difference_range)
    names = colormap.label.split(" (")[0].split(" - ")
    if settings.absolute_difference:
        shown = (
            f"The absolute difference is shown from 0 to {limit:.3g} (baseline units) on a "
            f"{' – '.join(names)} scale."
        )
    else:
        shown = (
            f"The difference is shown from −{limit:.3g} to +{limit:.3g} (baseline units) on "
            f"a {' – '.join(names)} scale: {names[-1]} where the follow-up is brighter (more "
            f"bone), {names[0]} where it is darker."
        )
    return " ".join((shown, *quieting_sentences(settings)))


def quieting_sentences(settings: ComparisonSettings) -> tuple[str, ...]:
    """How the difference was quietened and masked, in words for a methods section."""
    said = []
    radius = f"{settings.filter_radius:g} pixel{'s' if settings.filter_radius != 1 else ''}"
    if settings.difference_filter == "smooth":
        said.append(f"Both films were smoothed (Gaussian, σ {radius}) before subtracting.")
    elif settings.difference_filter == "tolerant":
        said.append(
            "An edge-tolerant difference was used: a pixel counts as unchanged when the "
            f"other film has its value within ±{radius}, which hides sub-pixel "
            "misregistration along bone edges (and change fainter than the films' grain "
            "over that distance)."
        )
    if settings.outside_hand == "dim":
        said.append("Outside the hand the baseline film is shown faintly, without colour.")
    return tuple(said)
