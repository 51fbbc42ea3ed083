"""The thin PySide6 layer: presents the Document, forwards input, schedules work."""
