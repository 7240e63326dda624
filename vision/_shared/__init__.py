"""Helpers shared by every layer: statistics, validation, boxes, atomic file writing."""
