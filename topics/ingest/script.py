"""Traditional to simplified script at reading time (OpenCC ``t2s``), so a report published in
traditional characters (the 1954 State Council report on Wikisource) meets the same lexicon and
vocabulary as every other.

Only documents written in traditional script are converted: converting simplified text would turn a few
characters that are simplified already (著, 乾 …) into others. A document counts as traditional when
conversion changes at least ``TRADITIONAL_SHARE`` of its Han characters: measured on the real corpora,
the traditional 1954 report changes 31 %, every simplified report under 1 % (the most, 0.7 %, a 1957
report quoting older names)."""

from __future__ import annotations

import re
from functools import lru_cache

TRADITIONAL_SHARE = 0.05
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=1)
def _converter():
    import opencc  # imported on first need: most corpora never need it

    return opencc.OpenCC("t2s")


def simplified(text: str) -> tuple[str, int]:
    """The text in simplified script and how many characters conversion changed; (text, 0) unchanged
    when the text is not written in traditional script."""
    han = len(_HAN.findall(text))
    if not han:
        return text, 0
    converted = _converter().convert(text)
    if len(converted) == len(text):
        changed = sum(a != b for a, b in zip(text, converted))
    else:  # a phrase conversion changed the length: count what differs after the common start and end
        changed = abs(len(converted) - len(text)) + sum(a != b for a, b in zip(text, converted))
    if changed < TRADITIONAL_SHARE * han:
        return text, 0
    return converted, changed
