"""Every model on the bundled sample, with the dictionary baseline, five themes, five seeds."""

import sys

from _run import run_config

sys.exit(run_config(__file__))
