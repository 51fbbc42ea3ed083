"""``DIR/summary.csv``: one row per finished pair, in the pairs file's order.

Columns: ``pair_id``, ``status`` (``ok``, ``poor``, ``failed``), ``reason`` (empty when
``ok``), ``seconds`` (the pair's whole work in its worker), the registration's quality
figures (:data:`QUALITY_COLUMNS`, empty when it never ran), then the pairs file's extra
columns as they were. Plain UTF-8 without a byte-order mark (scripts read it as it is);
text a spreadsheet would run as a formula is prefixed with an apostrophe. The table is
rebuilt from the pairs' manifests, so it is complete after any run, even one that
followed a killed one.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from xraycompare.core.annotations.formats.csv_export import escape_cell
from xraycompare.core.atomic import write_atomic
from xraycompare.core.batch.manifest import PairRecord
from xraycompare.core.batch.pairs import PairTable
from xraycompare.core.registration import RegistrationQuality

SUMMARY = "summary.csv"
QUALITY_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(RegistrationQuality))
COLUMNS: tuple[str, ...] = ("pair_id", "status", "reason", "seconds", *QUALITY_COLUMNS)


def summary_bytes(table: PairTable, records: Mapping[str, PairRecord]) -> bytes:
    """The summary table of ``records`` (by pair_id) for the pairs of ``table``."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*COLUMNS, *table.carried_columns])
    for pair in table.pairs:
        record = records.get(pair.pair_id)
        if record is None:
            continue
        row: list[Any] = [pair.pair_id, record.status, record.reason or ""]
        row.append(round(record.seconds, 3))
        row.extend(_number(record.quality.get(name)) for name in QUALITY_COLUMNS)
        row.extend(pair.carried)
        writer.writerow([escape_cell(v) for v in row])
    return out.getvalue().encode("utf-8")


def write_summary(out_dir: Path, table: PairTable, records: Mapping[str, PairRecord]) -> Path:
    """Write ``out_dir/summary.csv`` atomically; returns its path."""
    return write_atomic(Path(out_dir) / SUMMARY, summary_bytes(table, records))


def _number(value: float | None) -> float | str:
    if value is None or not math.isfinite(value):
        return ""
    return round(float(value), 6)
