"""Effects formulas, checked before patsy evaluates them.

patsy evaluates every term of a formula as Python, with the builtins in reach, so a formula from a
config, a run folder or a command line could run any code (``~ __import__('os').system(...)``).
``check_formula`` parses the formula with patsy's own parser, which only tokenizes, and checks the
Python of every term against a short allow-list with ``ast``, so nothing is evaluated before it is
known to be harmless. ``environment`` is the only namespace the terms are then evaluated in, and it
hides Python's builtins: a term that slipped past the check would still find nothing to call.

A formula may use document columns, numbers, the formula operators ``+ - * : / ** ( )`` with ``0``,
``1`` and ``-1`` for the intercept, and these transforms:

- ``C(col)``, ``C(col, Treatment('level'))``, ``C(col, Treatment(reference='level'))``;
- ``bs(x, df=N)`` and ``bs(x, df=N, degree=N)``; ``cr(x, df=N)``, ``cc(x, df=N)`` (and
  ``constraints='center'``, which lets them stand beside the intercept);
- ``center(x)``, ``standardize(x)``, ``scale(x)``, ``np.log(x)``, ``np.log1p(x)``, ``np.sqrt(x)``,
  ``np.exp(x)``;
- ``I(x)``, where x (here and above) is a column, or arithmetic (``+ - * / **``, comparisons) over
  columns, numbers, the np functions, I(), center(), standardize() and scale()."""

from __future__ import annotations

import ast
import types
from dataclasses import dataclass

import numpy as np
import patsy
import patsy.builtins
from patsy.eval import VarLookupDict
from patsy.parse_formula import parse_formula

from .errors import InputError, clipped, listed

ALLOWED = ("document columns, numbers, + - * : / ** ( ) and C(), bs(), cr(), cc(), I(), np.log(), np.log1p(), "
           "np.sqrt(), np.exp(), center(), standardize(), scale()")
MAX_LENGTH = 1000  # characters; a longer formula is a mistake, and would only make the checks slow
MAX_TERMS = 100  # terms once `*`, `/` and `**` are multiplied out (patsy does that before anything else)
MAX_DF = 50  # degrees of freedom of a spline: each is a column of the design
MAX_DEGREE = 5

NUMPY = {"log": np.log, "log1p": np.log1p, "sqrt": np.sqrt, "exp": np.exp}
OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
COMPARISONS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)


def _count(low: int, high: int):
    return lambda v: type(v) is int and low <= v <= high, f"a whole number from {low} to {high}"


def _level(v) -> bool:
    return type(v) in (str, int, float)


# transform → {keyword: (rule for its literal value, what the rule allows)}; the first argument of each is a
# value (a column, or arithmetic over columns and numbers), of C a column
SPLINE = {"df": _count(1, MAX_DF), "constraints": (lambda v: v == "center", "'center'")}
TRANSFORMS = {
    "C": {},
    "bs": {"df": _count(1, MAX_DF), "degree": _count(0, MAX_DEGREE)},
    "cr": SPLINE,
    "cc": SPLINE,
    "I": {},
    "center": {},
    "standardize": {},
    "scale": {},
}
REQUIRED = {"bs": "df", "cr": "df", "cc": "df"}
VALUE_TRANSFORMS = ("I", "center", "standardize", "scale")  # one number per document: usable inside arithmetic
CONTRAST = "Treatment"


@dataclass(frozen=True)
class Formula:
    """A checked right-hand-side formula: its text, patsy's description of it (what patsy evaluates)
    and the document columns it names."""

    text: str
    desc: patsy.ModelDesc
    columns: tuple[str, ...]


class _Refused(Exception):
    def __init__(self, token: str, why: str = ""):
        super().__init__(token)
        self.token, self.why = token, why


def check_formula(formula, source: str, columns=None) -> Formula:
    """``formula`` parsed and checked, nothing of it evaluated. ``source`` says where it came from
    ("--formula", "x.toml: effects.formula"); ``columns``, the documents' columns, when known (a config
    knows none yet: any plain name may be a column then). InputError naming the token at fault."""
    if not isinstance(formula, str):
        raise InputError(f"{source}: expected a formula such as '~ year + C(region)', got {clipped(repr(formula))}")
    text = formula.strip()
    shown = f"{source} {clipped(text)!r}"
    if len(text) > MAX_LENGTH:
        raise InputError(f"{shown}: longer than {MAX_LENGTH} characters")
    odd = next((c for c in text if not c.isprintable() and c not in "\n\t"), None)
    if odd is not None:  # control characters: the tokenizer treats some as line ends, some not at all
        raise InputError(f"{shown}: the character {odd!r} is not allowed")
    if not text.startswith("~"):
        raise InputError(f"{shown}: give only the right-hand side, e.g. '~ year + C(region)'")
    desc = _parse(text, shown)
    known = None if columns is None else list(columns)
    named: dict[str, None] = {}
    try:
        for term in desc.rhs_termlist:
            for factor in term.factors:
                _Term(factor.code, known, named).check()
    except _Refused as refused:
        if refused.why == "unknown column":
            raise InputError(f"{shown}: unknown column {refused.token!r}; the documents have {listed(known)}") from None
        why = refused.why or f"use {ALLOWED}"
        raise InputError(f"{shown}: {clipped(refused.token, 40)!r} is not allowed; {why}") from None
    return Formula(text, desc, tuple(named))


def _parse(text: str, shown: str) -> patsy.ModelDesc:
    """patsy's description of the formula; its parser tokenizes, it evaluates nothing."""
    tree = _patsy(parse_formula, text, shown)
    if _expanded_terms(tree) > MAX_TERMS:
        raise InputError(f"{shown}: multiplies out to more than {MAX_TERMS} terms")
    desc = _patsy(patsy.ModelDesc.from_formula, tree, shown)
    if desc.lhs_termlist:
        raise InputError(f"{shown}: give only the right-hand side, e.g. '~ year + C(region)'")
    if not desc.rhs_termlist:
        raise InputError(f"{shown}: has no terms, not even the intercept")
    return desc


def _patsy(step, given, shown: str):
    """One step of patsy's parsing, its complaints as an InputError."""
    try:
        return step(given)
    except patsy.PatsyError as err:
        origin = err.origin
        at = f" (at {clipped(origin.code[origin.start:origin.end], 40)!r})" if origin is not None else ""
        raise InputError(f"{shown}: {' '.join(err.message.split())}{at}") from None
    except Exception as err:  # patsy's parser asserts on some odd input; it still ran no code
        raise InputError(f"{shown}: cannot be read as a formula ({type(err).__name__})") from None


def _expanded_terms(node) -> int:
    """At most how many terms the formula's algebra makes (patsy multiplies ``(a + b) * (c + d)`` out,
    and ``(a + b + c) ** n``, before anything else)."""
    if not node.args:
        return 1
    counts = [_expanded_terms(child) for child in node.args]
    if node.type in ("*", "/"):
        return counts[0] + counts[1] + counts[0] * counts[1]
    if node.type == ":":
        return counts[0] * counts[1]
    if node.type == "**":
        power = node.args[1].token.extra or ""
        power = min(int(power), counts[0]) if power.isdigit() and len(power) < 4 else 1  # patsy caps it so
        return sum(counts[0] ** i for i in range(1, power + 1))
    return sum(counts) if node.type == "+" and len(counts) == 2 else counts[0]


class _Term:
    """The allow-list, applied to the Python of one term (patsy's factor code)."""

    def __init__(self, code: str, columns: list[str] | None, named: dict):
        self.code, self.columns, self.named = code, columns, named
        self.used: set[str] = set()  # the columns of this term

    def check(self) -> None:
        try:
            node = ast.parse(self.code, mode="eval").body
            if isinstance(node, ast.Call):
                self.call(node)
            elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
                raise _Refused(self.code, "a term is a column or a transform; only 0, 1 and -1 stand alone "
                                          "(the intercept)")
            else:
                self.column(node)
        except (SyntaxError, ValueError):
            raise _Refused(self.code, f"it is not a column or a transform; use {ALLOWED}") from None
        except (RecursionError, MemoryError):  # nested deeper than Python's parser or this check go
            raise _Refused(self.code, "it is nested too deeply") from None
        if not self.used:
            raise _Refused(self.code, "a term uses a document column")

    def token(self, node) -> str:
        return ast.get_source_segment(self.code, node) or self.code

    def refuse(self, node, why: str = "") -> _Refused:
        """The refusal of ``node``, naming a dunder name inside it when there is one (``__import__``)."""
        dunder = next((part for part in ast.walk(node) if isinstance(part, ast.Name) and part.id.startswith("__")), None)
        return _Refused(self.token(dunder), "") if dunder is not None else _Refused(self.token(node), why)

    def name(self, node: ast.Name) -> str:
        """A plain name as written: not a dunder, not a lookalike (Python reads 'ｅval' as 'eval')."""
        written = self.token(node)
        if written != node.id:
            raise _Refused(written, f"it reads as {node.id!r}; write names in plain letters")
        if node.id.startswith("__"):
            raise _Refused(written)
        return node.id

    def column(self, node) -> None:
        if not isinstance(node, ast.Name):
            raise self.refuse(node)
        name = self.name(node)
        if self.columns is not None and name not in self.columns:
            raise _Refused(name, "unknown column")
        if self.columns is None and (name in TRANSFORMS or name in ("np", CONTRAST)):
            raise _Refused(name, f"{name} is not a column; use {ALLOWED}")
        self.named[name] = None
        self.used.add(name)

    def value(self, node) -> None:
        """A column, a number, or arithmetic (and comparisons) over them and the transforms that give one
        number per document."""
        if isinstance(node, ast.Constant):
            if type(node.value) not in (int, float):
                raise self.refuse(node, "a value here is a column, a number or arithmetic over them")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, OPERATORS):
            if isinstance(node.op, ast.Pow) and not (self.has_column(node.left) or self.has_column(node.right)):
                # numbers alone would be raised to powers by Python, in whole numbers without bound
                raise self.refuse(node, "** needs a column on one side")
            self.value(node.left)
            self.value(node.right)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            self.value(node.operand)
        elif isinstance(node, ast.Compare) and all(isinstance(op, COMPARISONS) for op in node.ops):
            for part in (node.left, *node.comparators):
                self.value(part)
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id in TRANSFORMS and node.func.id not in VALUE_TRANSFORMS:
                raise self.refuse(node, f"{node.func.id}() gives several columns, not a value for arithmetic")
            self.call(node)
        else:
            self.column(node)

    def has_column(self, node) -> bool:
        return any(isinstance(part, ast.Name) for part in ast.walk(node))

    def numpy_function(self, func) -> bool:
        return (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "np"
                and self.token(func.value) == "np" and func.attr in NUMPY)

    def call(self, node: ast.Call) -> None:
        func = node.func
        if self.numpy_function(func):
            name, keywords = f"np.{func.attr}", {}
        elif isinstance(func, ast.Name) and self.name(func) in TRANSFORMS:
            name, keywords = func.id, TRANSFORMS[func.id]
        elif isinstance(func, ast.Call):  # f(x)(y): name what f is first
            self.call(func)
            raise self.refuse(func)
        else:
            raise self.refuse(func)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.refuse(arg)
        if not node.args:
            raise self.refuse(node, f"{name}() takes a column first")
        positional = node.args[1:]
        if name == "C":
            self.column(node.args[0])
            if len(positional) > 1:
                raise self.refuse(node, "C() takes a column and at most one Treatment()")
            for contrast in positional:
                self.contrast(contrast)
        else:
            self.value(node.args[0])
            if positional:
                raise self.refuse(positional[0], f"{name}() takes one column or value"
                                                 + (", then keywords" if keywords else ""))
        given = set()
        for keyword in node.keywords:
            if keyword.arg is None:
                raise self.refuse(keyword)
            if keyword.arg not in keywords:
                allowed = f"{name}() takes " + (", ".join(f"{k}=" for k in keywords) if keywords else "no keywords")
                raise _Refused(f"{keyword.arg}=", allowed)
            rule, allowed = keywords[keyword.arg]
            if not (isinstance(keyword.value, ast.Constant) and rule(keyword.value.value)):
                raise self.refuse(keyword.value, f"{name}(): {keyword.arg}= must be {allowed}")
            given.add(keyword.arg)
        required = REQUIRED.get(name)
        if required and required not in given:
            raise self.refuse(node, f"{name}() needs {required}=, e.g. {name}(year, {required}=4)")

    def contrast(self, node) -> None:
        """``Treatment('level')`` or ``Treatment(reference='level')``: the reference level of C()."""
        why = "C()'s second argument is Treatment('level') or Treatment(reference='level')"
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and self.name(node.func) == CONTRAST):
            raise self.refuse(node, why)
        values = [*node.args, *(k.value for k in node.keywords if k.arg == "reference")]
        if len(values) != 1 or len(node.args) + len(node.keywords) != 1:
            raise self.refuse(node, why)
        if not (isinstance(values[0], ast.Constant) and _level(values[0].value)):
            raise self.refuse(values[0], why)


class _Sealed(patsy.EvalEnvironment):
    """An EvalEnvironment whose code sees no Python builtins. patsy's own evaluates with ``{}`` as the
    globals, and Python then puts every builtin (``__import__``, ``open`` …) in reach."""

    def eval(self, expr, source_name="<string>", inner_namespace={}):  # noqa: B006 (patsy's signature)
        code = compile(expr, source_name, "eval", self.flags, False)
        return eval(code, {"__builtins__": {}}, VarLookupDict([inner_namespace, self.namespace]))

    def subset(self, names):  # patsy narrows the environment to a term's names before it evaluates it
        return _Sealed([super().subset(names).namespace], self.flags)


def environment() -> patsy.EvalEnvironment:
    """The names a checked formula's terms are evaluated with, and no others."""
    names = {name: getattr(patsy.builtins, name) for name in (*TRANSFORMS, CONTRAST)}
    names["np"] = types.SimpleNamespace(**NUMPY)  # not numpy itself: np.save, np.load … are not in reach
    return _Sealed([names])
