"""Regions on the films, SvdH sites and scores, measurements, editing, exchange formats."""
