"""The view modes by name (no imports: the command line lists them without loading NumPy)."""

VIEW_MODES = (
    "side-by-side",
    "difference",
    "overlay",
    "blend",
    "checkerboard",
    "swipe",
    "flicker",
)
