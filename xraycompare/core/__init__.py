"""Qt-free core: loading, display pipeline, registration, comparison, annotations, files.

Nothing under this package may import PySide6 or ``xraycompare.qt`` (enforced by an
import-linter contract and by ``tests/test_layering.py``).
"""
