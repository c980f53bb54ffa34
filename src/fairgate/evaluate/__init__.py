"""Offline evaluations of fairgate's signals against shared reference data."""
