"""Shared by the experiment scripts: run one config and print where its results are."""

from __future__ import annotations

import sys
from pathlib import Path

from topics.cli import main


def run_config(script: str) -> int:
    """Run the TOML beside ``script`` (same name), passing on any extra arguments such as -o."""
    config = Path(script).with_suffix(".toml")
    return main(["run", str(config), *sys.argv[1:]])
