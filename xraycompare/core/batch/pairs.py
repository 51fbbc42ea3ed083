"""The pairs of a batch: ``PAIRS.csv`` read, checked and resolved, row by row.

The file lists ``pair_id,before,after`` (any order, more columns allowed) with a header
row. Film paths are absolute or relative to the CSV's folder. A row that cannot be used
(an unsafe or repeated ``pair_id``, an empty film cell, more cells than the header) is
reported with its row number, as a spreadsheet counts rows (the header is row 1), and the
other rows go on. Only a file that cannot be a pairs table at all (missing, not UTF-8
text, no header with the three columns, a carried column named like a summary column)
raises :class:`PairsFileError`.

``pair_id`` names the pair's output folder, so it must be a plain, portable file name:
letters, digits, ``_``, ``-`` and ``.`` (not first), at most 100 characters, never ``..``,
and unique ignoring case (two ids differing only in case would share a folder on macOS
and Windows).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from xraycompare.core.atomic import FileReadError, read_regular_file

REQUIRED = ("pair_id", "before", "after")
MAX_CSV_BYTES = 256 * 1024**2  # a million pairs fit in far less
MAX_PAIR_ID = 100
_PAIR_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
# Folder names Windows refuses whatever the extension (a share may be read from Windows).
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10))}
_RESERVED |= {f"lpt{i}" for i in range(10)}


class PairsFileError(Exception):
    """The pairs file cannot be used at all; the message names the file and the reason."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path, self.reason = Path(path), reason
        super().__init__(f"{self.path}: {reason}")


def inputs_digest(before: str, after: str) -> str:
    """A one-way digest of a row's two film cells, as written: a finished pair whose row
    now names other films is noticed, while a study folder moved whole (the CSV with its
    films) is not taken for other films."""
    text = f"{before}\x00{after}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class PairSpec:
    """One usable row: the pair's id, its films (absolute paths), its carried cells, and
    the digest of its film cells (:func:`inputs_digest`)."""

    row: int
    pair_id: str
    before: Path
    after: Path
    carried: tuple[str, ...] = ()
    inputs: str = ""


@dataclass(frozen=True)
class RowProblem:
    """A row left out, and why (``row`` as a spreadsheet numbers it; the header is 1)."""

    row: int
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


@dataclass(frozen=True)
class PairTable:
    """What a pairs file holds: usable pairs in file order, problem rows, carried columns."""

    path: Path
    pairs: tuple[PairSpec, ...]
    problems: tuple[RowProblem, ...]
    carried_columns: tuple[str, ...]


def pair_id_problem(pair_id: str) -> str | None:
    """Why ``pair_id`` cannot name an output folder, or None when it can."""
    if not pair_id:
        return "the pair_id is empty"
    if len(pair_id) > MAX_PAIR_ID:
        return f"the pair_id is longer than {MAX_PAIR_ID} characters"
    if any(sep in pair_id for sep in ("/", "\\")):
        return f"the pair_id {pair_id!r} holds a path separator"
    if ".." in pair_id:
        return f"the pair_id {pair_id!r} holds '..'"
    if not _PAIR_ID.fullmatch(pair_id):
        return (
            f"the pair_id {pair_id!r} is not a plain file name (use letters, digits, '_', "
            "'-' and '.', starting with a letter, digit or '_')"
        )
    if pair_id.split(".")[0].lower() in _RESERVED or pair_id.endswith("."):
        return f"the pair_id {pair_id!r} is a name Windows cannot use for a folder"
    return None


def read_pairs(
    path: str | Path,
    *,
    reserved_columns: frozenset[str] = frozenset(),
    reserved_ids: frozenset[str] = frozenset(),
) -> PairTable:
    """Read and check a pairs file.

    Parameters
    ----------
    path
        The CSV: UTF-8 (a byte-order mark is fine), comma-separated (semicolons or tabs
        are recognised from the header), with a header naming ``pair_id``, ``before`` and
        ``after`` (any case, any order).
    reserved_columns
        Column names the output already uses (the summary's): a carried column may not
        take one of them.
    reserved_ids
        Names the output folder already uses (``summary.csv``): no pair_id may take one.

    Returns
    -------
    PairTable
        Usable pairs in file order, with the film paths made absolute, and the problem
        rows.

    Raises
    ------
    PairsFileError
        The file cannot be read, is not UTF-8 text, or has no usable header.
    """
    path = Path(path)
    try:
        raw = read_regular_file(path, max_bytes=MAX_CSV_BYTES, what="pairs file")
    except FileReadError as exc:
        raise PairsFileError(path, exc.reason) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PairsFileError(
            path, "is not UTF-8 text (save it as 'CSV UTF-8' from a spreadsheet)"
        ) from exc
    if "\x00" in text:
        raise PairsFileError(path, "holds null characters: not a text file")
    # strict: an unclosed quote would swallow every row after it, so it fails the file
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    numbered = (
        (n, cells) for n, cells in enumerate(rows, start=1) if any(c.strip() for c in cells)
    )
    try:
        first = next(numbered, None)
        if first is None:
            raise PairsFileError(path, "is empty: expected a header row pair_id,before,after")
        _, header = first
        columns = _columns(path, header, reserved_columns)
        base = path.resolve().parent
        seen: dict[str, int] = {name.lower(): 0 for name in reserved_ids}
        pairs: list[PairSpec] = []
        problems: list[RowProblem] = []
        for row, cells in numbered:
            pair, problem = _pair(row, cells, header, columns, base, seen)
            if problem is not None:
                problems.append(RowProblem(row, problem))
            elif pair is not None:
                pairs.append(pair)
    except csv.Error as exc:
        raise PairsFileError(
            path, f"is not a valid CSV file (line {rows.line_num}: {exc})"
        ) from exc
    carried = tuple(h.strip() for i, h in enumerate(header) if i in columns.carried)
    return PairTable(path, tuple(pairs), tuple(problems), carried)


def _delimiter(text: str) -> str:
    """Comma, unless the header line has none and holds semicolons or tabs (Excel in
    European locales writes semicolons)."""
    line = text.split("\n", 1)[0]
    if "," in line:
        return ","
    for candidate in (";", "\t"):
        if candidate in line:
            return candidate
    return ","


@dataclass(frozen=True)
class _Columns:
    pair_id: int
    before: int
    after: int
    carried: tuple[int, ...]


def _columns(path: Path, header: list[str], reserved: frozenset[str]) -> _Columns:
    names = [h.strip() for h in header]
    lower = [n.lower() for n in names]
    missing = [r for r in REQUIRED if r not in lower]
    if missing:
        raise PairsFileError(
            path,
            f"the header has no {', '.join(missing)} column (expected pair_id,before,after; "
            f"found {', '.join(repr(n) for n in names[:8]) or 'nothing'})",
        )
    repeated = sorted({n for n in lower if n and lower.count(n) > 1})
    if repeated:
        raise PairsFileError(path, f"the header names a column twice: {', '.join(repeated)}")
    index = {r: lower.index(r) for r in REQUIRED}
    carried = tuple(i for i in range(len(names)) if i not in index.values())
    for i in carried:
        if not names[i]:
            raise PairsFileError(path, f"column {i + 1} of the header has no name")
        if names[i].lower() in {r.lower() for r in reserved}:
            raise PairsFileError(
                path, f"the column {names[i]!r} would clash with the summary's own; rename it"
            )
    return _Columns(index["pair_id"], index["before"], index["after"], carried)


def _pair(
    row: int,
    cells: list[str],
    header: list[str],
    columns: _Columns,
    base: Path,
    seen: dict[str, int],
) -> tuple[PairSpec | None, str | None]:
    if len(cells) > len(header):
        return None, f"{len(cells)} cells, but the header has {len(header)} columns"
    cells = cells + [""] * (len(header) - len(cells))
    pair_id = cells[columns.pair_id].strip()
    problem = pair_id_problem(pair_id)
    if problem is not None:
        return None, problem
    key = pair_id.lower()
    if key in seen:
        used = f"row {seen[key]}" if seen[key] else "the batch's own output"
        return None, f"the pair_id {pair_id!r} is already used by {used}"
    seen[key] = row
    given = []
    for film in ("before", "after"):
        cell = cells[getattr(columns, film)].strip()
        if not cell:
            return None, f"pair {pair_id}: the {film} cell is empty"
        given.append(cell)
    before, after = (_resolve(cell, base) for cell in given)
    carried = tuple(cells[i] for i in columns.carried)
    return PairSpec(row, pair_id, before, after, carried, inputs_digest(*given)), None


def _resolve(cell: str, base: Path) -> Path:
    path = Path(cell).expanduser()
    return path if path.is_absolute() else base / path
