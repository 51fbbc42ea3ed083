"""The installed PySide6 must not leak references to None (6.12.0 on Python 3.11 does).

With that bug every void call (QPainter.save, drawImage, ...) decrements None's reference
count, and the app aborts with "deallocating None" after a few seconds of panning.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage, QPainter


def test_void_calls_keep_the_reference_count_of_none(qapp):
    target = QImage(16, 16, QImage.Format.Format_RGB32)
    small = QImage(4, 4, QImage.Format.Format_Grayscale8)
    painter = QPainter(target)
    try:
        before = sys.getrefcount(None)
        for _ in range(200):
            painter.save()
            painter.drawImage(QPointF(0, 0), small)
            painter.restore()
        after = sys.getrefcount(None)
    finally:
        painter.end()
    assert after >= before - 50, f"None lost {before - after} references in 600 void calls"
