"""Annotation exchange formats: GeoJSON (QuPath), labelme JSON and CSV tables.

GeoJSON and labelme put the origin at the top-left *corner* of the top-left pixel (QuPath
and Qt pixmaps), while xraycompare puts pixel centres at integers, so their coordinates are
ours plus :data:`CORNER_SHIFT`. Each format also stores our exact points in its own
namespaced block (``"xraycompare"``), so an export read back gives the same regions.
"""

CORNER_SHIFT = 0.5  # corner-origin coordinate = centre-origin coordinate + 0.5
NAMESPACE = "xraycompare"
