"""LDA, NMF and seeded LDA on the national reports for K = 5 … 30."""

import sys

from _run import run_config

sys.exit(run_config(__file__))
