"""One way to state and check what a value may be: a ``Rule`` is a test and the words that say what
is allowed. Models declare their parameters with rules, the vocabulary its filters, metrics their
parameters; the config check, ``fit`` and the command line all check with ``check`` and so give the
same message: ``<where>: <key> must be <allowed>, got <value>``."""

from __future__ import annotations

import math
import sys
from typing import Callable

from .errors import InputError


def _numpy(kind: str) -> tuple[type, ...]:
    """numpy's scalar type ``kind`` when numpy is loaded: a value cannot be a numpy number otherwise, and
    checking a command-line option need not load numpy."""
    numpy = sys.modules.get("numpy")
    return (getattr(numpy, kind),) if numpy is not None else ()


class Rule:
    """A test for one value and the words that say what is allowed."""

    def __init__(self, test: Callable[[object], bool], allowed: str):
        self.test = test
        self.allowed = allowed

    def check(self, value) -> bool:
        try:
            return bool(self.test(value))
        except (TypeError, ValueError):
            return False


def integer(minimum: int, maximum: int | None = None, *, optional: bool = False) -> Rule:
    """A whole number in [minimum, maximum]; ``optional``: None is allowed too."""
    def test(v) -> bool:
        if optional and v is None:
            return True
        return isinstance(v, (int, *_numpy("integer"))) and not isinstance(v, bool) and v >= minimum and (
            maximum is None or v <= maximum)

    allowed = f"an integer >= {minimum}" + (f" and <= {maximum}" if maximum is not None else "")
    return Rule(test, allowed + (" or unset" if optional else ""))


def number(low: float, high: float | None = None, *, low_open: bool = False, high_open: bool = False) -> Rule:
    """A finite number above ``low`` (and below ``high``), each bound closed unless said open."""
    def test(v) -> bool:
        if isinstance(v, bool) or not isinstance(v, (int, float, *_numpy("number"))) or not math.isfinite(v):
            return False
        above = v > low if low_open else v >= low
        below = high is None or (v < high if high_open else v <= high)
        return above and below

    bound = f"> {low}" if low_open else f">= {low}"
    upper = "" if high is None else f" and {'<' if high_open else '<='} {high}"
    return Rule(test, f"a number {bound}{upper}")


def choice(*options, also: Rule | None = None) -> Rule:
    """One of the given strings (None in options means "may be left unset"), or what ``also`` allows."""
    listed = ", ".join("unset (None)" if o is None else repr(o) for o in options)
    return Rule(
        lambda v: ((v is None or isinstance(v, str)) and v in options) or (also is not None and also.check(v)),
        f"one of {listed}" + (f" or {also.allowed}" if also else ""),
    )


def boolean() -> Rule:
    return Rule(lambda v: isinstance(v, bool), "true or false")


def check(value, rule: Rule, key: str, where: str = "") -> None:
    """InputError ``<where>: <key> must be <allowed>, got <value>`` unless the rule allows the value."""
    if not rule.check(value):
        raise InputError(f"{where + ': ' if where else ''}{key} must be {rule.allowed}, got {value!r}")


def check_all(values: dict, rules: dict[str, Rule], where: str, prefix: str = "") -> None:
    """Check every value that has a rule (keys are shown as ``prefix + key``)."""
    for key, rule in rules.items():
        if key in values:
            check(values[key], rule, prefix + key, where)
