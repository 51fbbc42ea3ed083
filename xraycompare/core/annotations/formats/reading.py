"""Reading a regions file (GeoJSON or labelme) from disk, bounded like a project file.

The file is read only when it is a regular file of at most
:data:`~xraycompare.core.annotations.formats.MAX_FILE_BYTES`, decoded by msgspec (a
value nested too deeply is refused, not a RecursionError), and handed to the format's
reader, which caps regions, points and coordinates.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from xraycompare.core.annotations.formats import MAX_FILE_BYTES
from xraycompare.core.annotations.formats.geojson import from_geojson
from xraycompare.core.annotations.formats.labelme import from_labelme
from xraycompare.core.annotations.regions import Region
from xraycompare.core.atomic import FileReadError, read_regular_file
from xraycompare.core.types import Film


def read_regions_file(path: str | Path, film: Film) -> tuple[list[Region], list[str]]:
    """Regions from a labelme or GeoJSON file, put on ``film``; (regions, skipped notes).

    Raises
    ------
    ValueError
        The file cannot be read, is not JSON, or is neither GeoJSON nor labelme JSON; the
        message names the file and says why.
    """
    path = Path(path)
    try:
        raw = read_regular_file(path, max_bytes=MAX_FILE_BYTES, what="regions file")
        obj = msgspec.json.decode(raw)
    except FileReadError as exc:
        raise ValueError(f"cannot read {path.name}: {exc.reason}") from exc
    except msgspec.DecodeError as exc:
        raise ValueError(f"cannot read {path.name}: not valid JSON ({exc})") from exc
    except RecursionError as exc:
        raise ValueError(f"cannot read {path.name}: its values are nested too deeply") from exc
    if isinstance(obj, dict) and obj.get("type") == "FeatureCollection":
        return from_geojson(obj, film=film)
    if isinstance(obj, dict) and "shapes" in obj:
        return from_labelme(obj, film=film)
    raise ValueError(f"{path.name} is neither GeoJSON nor labelme JSON")
