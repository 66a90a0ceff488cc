"""The labels a unit can get besides a lexicon's themes, and the package's five default themes."""

THEMES = ("ecology", "industry", "livelihood", "governance", "safety")
OTHER = "other"
UNMAPPED = "unmapped"  # a free topic whose lifts name no theme clearly: its units are not folded into a theme
