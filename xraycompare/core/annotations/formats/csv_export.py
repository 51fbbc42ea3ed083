"""CSV tables: regions with their measurements, and the SvdH score sheet.

Files are UTF-8 with a byte-order mark (so spreadsheet programs read ² and – correctly).
Text cells a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
tab or carriage return) are prefixed with an apostrophe; numbers are written as numbers.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from xraycompare.core.annotations.measurements import MeasurementChange, RegionMeasurement
from xraycompare.core.annotations.regions import Region
from xraycompare.core.annotations.scoring import ScoreSheet, score_change
from xraycompare.core.annotations.svdh import site_name
from xraycompare.core.types import HANDS, SCORE_KINDS, STATUS_LABELS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
REGION_COLUMNS = (
    "region_id", "lineage_id", "film", "geometry", "site", "site_name", "laterality", "kind",
    "score", "status", "label", "note", "calibration", "area", "area_unit", "perimeter",
    "longest_diameter", "length", "length_unit", "pixel_count", "mean", "sd",
    "area_change", "area_change_percent", "change_unit", "change_note", "points",
)  # fmt: skip
SCORE_COLUMNS = (
    "hand", "kind", "site", "site_name", "max_score", "before", "before_source", "after",
    "after_source", "change",
)  # fmt: skip


def escape_cell(value: Any) -> Any:
    """``value`` safe for a spreadsheet: formula-like text gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _number(value: float | int | None) -> float | int | str:
    """A cell for a number: empty when there is none, or when it is not finite (a
    spreadsheet reads "nan" and "inf" as text, and they mean "not measured" here)."""
    if value is None:
        return ""
    if isinstance(value, int):
        return value
    return round(float(value), 6) if math.isfinite(value) else ""


def region_rows(
    regions: Iterable[Region],
    measurements: Mapping[str, RegionMeasurement] | None = None,
    changes: Mapping[str, MeasurementChange] | None = None,
) -> list[dict[str, Any]]:
    """One row per region; a lineage's change goes on its after-film row."""
    measurements, changes = measurements or {}, changes or {}
    rows = []
    for r in regions:
        m = measurements.get(r.id)
        c = changes.get(r.lineage_id)
        c = c if c is not None and c.after.region_id == r.id else None
        rows.append({
            "region_id": r.id,
            "lineage_id": r.lineage_id,
            "film": r.film,
            "geometry": r.geometry,
            "site": r.site or "",
            "site_name": site_name(r.site) if r.site else "",
            "laterality": r.laterality or "",
            "kind": r.kind,
            "score": _number(r.score),
            "status": STATUS_LABELS.get(r.status or "", ""),
            "label": r.label,
            "note": r.note,
            "calibration": m.calibration_label if m else "",
            "area": _number(m.area if m else None),
            "area_unit": m.area_unit if m and m.area is not None else "",
            "perimeter": _number(m.perimeter if m else None),
            "longest_diameter": _number(m.longest_diameter if m else None),
            "length": _number(m.length if m else None),
            "length_unit": m.length_unit if m else "",
            "pixel_count": _number(m.pixel_count if m else None),
            "mean": _number(m.mean if m else None),
            "sd": _number(m.sd if m else None),
            "area_change": _number(c.area_change if c else None),
            "area_change_percent": _number(c.area_change_percent if c else None),
            "change_unit": c.area_unit if c and c.area_change is not None else "",
            "change_note": c.warning if c else "",
            "points": "; ".join(f"{x:g} {y:g}" for x, y in r.points),
        })  # fmt: skip
    return rows


def score_rows(sheets: Mapping[tuple[str, str], ScoreSheet]) -> list[dict[str, Any]]:
    """Every site of every hand with the before and after scores, change and totals."""
    rows = []
    for hand in HANDS:
        before, after = sheets[("before", hand)], sheets[("after", hand)]
        change = score_change(before, after)
        for kind in SCORE_KINDS:
            for b, a, c in zip(before.rows(kind), after.rows(kind), change.rows(kind), strict=True):
                rows.append({
                    "hand": hand, "kind": kind, "site": b.site.id, "site_name": b.site.name,
                    "max_score": b.site.max_score, "before": _number(b.score),
                    "before_source": b.source or "", "after": _number(a.score),
                    "after_source": a.source or "", "change": _number(c.change),
                })  # fmt: skip
            rows.append({
                "hand": hand, "kind": kind, "site": "TOTAL",
                "site_name": f"Total {kind} (sites scored on both films for change)",
                "max_score": getattr(ScoreSheet, f"{kind}_max"),
                "before": before.total(kind), "after": after.total(kind),
                "change": change.total_change(kind),
                "before_source": "", "after_source": "",
            })  # fmt: skip
    return rows


def write_csv(path: str | Path, columns: Iterable[str], rows: Iterable[Mapping[str, Any]]) -> None:
    """Write rows (dicts) to ``path`` with every text cell escaped."""
    with Path(path).open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: escape_cell(v) for k, v in row.items()})


def write_regions_csv(
    path: str | Path,
    regions: Iterable[Region],
    measurements: Mapping[str, RegionMeasurement] | None = None,
    changes: Mapping[str, MeasurementChange] | None = None,
) -> None:
    """The regions table (one row per region, measurements and lineage change)."""
    write_csv(path, REGION_COLUMNS, region_rows(regions, measurements, changes))


def write_scores_csv(path: str | Path, sheets: Mapping[tuple[str, str], ScoreSheet]) -> None:
    """The score-sheet table; ``sheets`` as from :func:`.scoring.sheets_by_hand`."""
    write_csv(path, SCORE_COLUMNS, score_rows(sheets))
