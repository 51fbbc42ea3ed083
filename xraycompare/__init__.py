"""xraycompare: compare hand radiographs taken years apart."""

__version__ = "0.1.0"
