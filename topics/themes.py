"""Older module name: unit themes and shares live in topics.assignment, topic mapping in topics.mapping."""

from .assignment import ASSIGNMENT_COLUMNS, SHARE_COLUMNS, assignments, theme_shares, unit_themes  # noqa: F401
