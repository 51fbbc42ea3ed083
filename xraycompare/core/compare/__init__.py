"""Comparing a registered pair: exposure matching, comparison modes, colour maps."""
