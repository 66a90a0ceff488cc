"""Thematic topic modeling of Chinese government work reports."""

__version__ = "0.1.0"

THEMES = ("ecology", "industry", "livelihood", "governance", "safety")
OTHER = "other"
