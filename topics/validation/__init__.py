"""Validation of a finished run, for a reviewer: representative units of every topic and theme
(``examples``), validity flags on topics with their mapping evidence (``flags``), and the
human-validation kit — word and theme intrusion, a coding sample, an offline coding page —
with the scoring of coders' answers (``kit``, ``coding_page``, ``scoring``).

Everything here reads what the run wrote (topics.run_folder); nothing is refitted or re-tokenized."""
