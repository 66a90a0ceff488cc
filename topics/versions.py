"""Versions of Python and of every package a run depends on, saved with each run."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

DISTRIBUTION = "gwr-topics"  # the import package is `topics`; the name on the package index differs
PACKAGES = (DISTRIBUTION, "gensim", "jieba", "rjieba", "scikit-learn", "scipy", "numpy", "pandas", "pyLDAvis", "matplotlib")


def package_versions() -> dict:
    versions = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    versions["topics"] = versions.pop(DISTRIBUTION)  # the key older runs use for the package itself
    return versions
