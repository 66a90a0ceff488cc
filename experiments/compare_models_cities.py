"""Every model on 122 city reports of 2024 plus the bundled sample, five seeds."""

import sys

from _run import run_config

sys.exit(run_config(__file__))
