"""A finished pair's record: ``DIR/<pair_id>/manifest.json``, written last, read on resume.

The manifest lists the pair's outputs (name, size, SHA-256) with its status, reason,
seconds and quality figures. It is written in the same atomic step as the outputs and
replaced last, so a manifest means every file it lists was written. A pair is *finished*
when its manifest reads back and every listed file is there at its recorded size; such a
pair is never redone and its files are never rewritten.

Nothing identifying is recorded: no film path or name (the films are represented by
``inputs``, a SHA-256 digest of the pairs file's two film cells, only to notice a row
that now gives a finished pair other films), no DICOM value.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xraycompare.core.atomic import FileReadError, read_regular_file
from xraycompare.core.registration.status import FAILED, STATUSES

MANIFEST = "manifest.json"
FORMAT = "xraycompare-batch-pair"
VERSION = 1
MAX_MANIFEST_BYTES = 1024**2


@dataclass(frozen=True)
class OutputFile:
    """One file a pair wrote, as the manifest lists it."""

    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class PairRecord:
    """What became of one pair: its status, reason, time, quality figures and files.

    ``seconds`` is the whole pair in its worker (reading, registering, writing);
    ``quality`` holds the registration's figures (empty when it never ran); ``inputs``
    is the digest of the film cells the pair was made from
    (:func:`~xraycompare.core.batch.pairs.inputs_digest`).
    ``recorded`` says the manifest is on disk (False when even it could not be written:
    the pair is then done again by the next run).
    """

    pair_id: str
    status: str
    reason: str | None
    seconds: float
    inputs: str
    quality: Mapping[str, float] = field(default_factory=dict)
    files: tuple[OutputFile, ...] = ()
    software: str = ""
    recorded: bool = True

    def __post_init__(self) -> None:
        # as the manifest keeps them, so a record read back equals the one written
        object.__setattr__(self, "seconds", round(float(self.seconds), 3))
        quality = {str(k): _finite(v) for k, v in self.quality.items()}
        object.__setattr__(self, "quality", {k: v for k, v in quality.items() if v is not None})

    @property
    def failed(self) -> bool:
        return self.status == FAILED

    def as_json(self) -> dict[str, Any]:
        """The manifest's content (the pair's record without ``recorded``)."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "pair_id": self.pair_id,
            "status": self.status,
            "reason": self.reason,
            "seconds": self.seconds,
            "quality": dict(self.quality),
            "files": [{"name": f.name, "size": f.size, "sha256": f.sha256} for f in self.files],
            "inputs": self.inputs,
            "software": self.software,
        }


def output_file(name: str, payload: bytes) -> OutputFile:
    return OutputFile(name, len(payload), hashlib.sha256(payload).hexdigest())


def manifest_bytes(record: PairRecord) -> bytes:
    return (json.dumps(record.as_json(), indent=2, allow_nan=False) + "\n").encode("utf-8")


def read_record(pair_dir: Path) -> PairRecord | None:
    """The pair's record if its manifest reads back and every file it lists is intact.

    None when there is no manifest, it is not a valid manifest, or a listed file is
    missing or has another size (the pair is then not finished and is done again).
    """
    try:
        raw = read_regular_file(pair_dir / MANIFEST, max_bytes=MAX_MANIFEST_BYTES)
        obj = json.loads(raw.decode("utf-8"))
        record = _record(obj)
    except (FileReadError, UnicodeDecodeError, ValueError, TypeError, KeyError):
        return None
    if record.pair_id != pair_dir.name:
        return None
    for f in record.files:
        try:
            if (pair_dir / f.name).stat().st_size != f.size:
                return None
        except OSError:
            return None
    return record


def _record(obj: Any) -> PairRecord:
    if not isinstance(obj, dict) or obj.get("format") != FORMAT or obj.get("version") != VERSION:
        raise ValueError("not a batch manifest")
    status = obj["status"]
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    reason = obj["reason"]
    if reason is not None and not isinstance(reason, str):
        raise TypeError("reason")
    files = tuple(_file(f) for f in obj["files"])
    quality = {str(k): float(v) for k, v in obj["quality"].items() if v is not None}
    return PairRecord(
        pair_id=str(obj["pair_id"]),
        status=status,
        reason=reason,
        seconds=float(obj["seconds"]),
        inputs=str(obj["inputs"]),
        quality=quality,
        files=files,
        software=str(obj.get("software", "")),
    )


def _file(obj: Any) -> OutputFile:
    name = str(obj["name"])
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"bad file name in the manifest: {name!r}")
    return OutputFile(name, int(obj["size"]), str(obj["sha256"]))


def _finite(value: float) -> float | None:
    value = float(value)
    return round(value, 6) if math.isfinite(value) else None
