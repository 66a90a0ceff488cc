"""Errors caused by the user's input, reported as one line (exit code 2), never as a traceback."""


class InputError(Exception):
    """A user mistake: bad file, bad config key, bad value.

    The message must name the file, line or key at fault, e.g.
    ``corpora/x.txt: no Chinese text`` or ``experiments/a.toml: models.lda.k: must be >= 2, got 0``.
    """
