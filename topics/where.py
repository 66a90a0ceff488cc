"""Subsets of documents: ``--where "year >= 1980 and edition == 'hprc'"``, checked and applied without
evaluating anything.

The expression is parsed with Python's ``ast`` and walked against an allow-list; it is never compiled or
evaluated. It may use document columns (year, region, any MANIFEST column), numbers, strings, ``True``
and ``False``, the comparisons ``== != < <= > >=`` (chained too: ``1980 <= year < 2000``), ``in`` and
``not in`` with a list of values (``region in ['南京市', '苏州市']``), ``and``, ``or``, ``not`` and
parentheses. A number column is compared with numbers; a category column with strings (a number stands
for its text: ``coastal == 1`` matches the category "1"). A document without a value of a column the
expression compares matches no comparison of it (as SQL's NULL), so it is left out, and counted."""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import InputError, clipped, listed

if TYPE_CHECKING:  # the commands parse --where at their start: pandas loads only when a mask is made
    import numpy as np
    import pandas as pd

MAX_LENGTH = 1000  # characters; a longer expression is a mistake, and would only make the checks slow
ALLOWED = ("document columns, numbers, 'strings', == != < <= > >=, in [...], not in [...], and, or, not, "
           "( )")
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge}
_ORDER = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


class _Refused(Exception):
    pass


@dataclass(frozen=True)
class Where:
    """A checked subset expression: its text, its tree and the columns it names."""

    text: str
    tree: ast.expr
    columns: tuple[str, ...]
    source: str  # the option or config key it came from, for messages

    @property
    def shown(self) -> str:
        return f"{self.source} {clipped(self.text)!r}"

    def mask(self, documents: pd.DataFrame, column_types: dict[str, str]) -> np.ndarray:
        """Which rows of ``documents`` (one per document, with its metadata columns) the expression keeps.
        InputError naming the option for a column the documents lack or a comparison of the wrong type."""
        types = {"doc_id": "category", **column_types}
        unknown = [c for c in self.columns if c not in types]
        if unknown:
            raise InputError(f"{self.shown}: unknown column {unknown[0]!r}; the documents have {listed(types)}")
        try:
            kept = _Evaluate(documents, types).value(self.tree)
        except _Refused as refused:
            raise InputError(f"{self.shown}: {refused}") from None
        import pandas as pd

        if isinstance(kept, pd.Series) and kept.dtype == bool:
            return kept.to_numpy()
        raise InputError(f"{self.shown}: is no condition (a comparison, or comparisons joined by and/or/not)")


def parse_where(text, source: str) -> Where:
    """``text`` parsed and checked against the allow-list (module docstring), nothing of it evaluated.
    ``source`` names the option or key it came from. InputError naming what is not allowed."""
    if not isinstance(text, str):
        raise InputError(f"{source}: expected an expression such as \"year >= 1980\", got {clipped(repr(text))}")
    text = text.strip()
    shown = f"{source} {clipped(text)!r}"
    if not text:
        raise InputError(f"{source}: empty; give an expression such as \"year >= 1980\"")
    if len(text) > MAX_LENGTH:
        raise InputError(f"{shown}: longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as err:
        raise InputError(f"{shown}: cannot be read as an expression ({err.msg}); use {ALLOWED}") from None
    except (RecursionError, MemoryError, ValueError):
        raise InputError(f"{shown}: cannot be read as an expression (nested too deeply?)") from None
    columns: dict[str, None] = {}
    try:
        _check(tree, text, columns, top=True)
    except _Refused as refused:
        raise InputError(f"{shown}: {refused}") from None
    except RecursionError:
        raise InputError(f"{shown}: nested too deeply") from None
    return Where(text, tree, tuple(columns), source)


def _token(node: ast.AST, text: str) -> str:
    return clipped(ast.get_source_segment(text, node) or type(node).__name__, 40)


def _check(node: ast.AST, text: str, columns: dict, top: bool = False) -> None:
    """The allow-list: conditions (and/or/not over comparisons) whose sides are columns and values."""
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value, text, columns, top=True)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check(node.operand, text, columns, top=True)
    elif isinstance(node, ast.Compare):
        sides = [node.left, *node.comparators]
        for i, (op, right) in enumerate(zip(node.ops, node.comparators)):
            if isinstance(op, (ast.In, ast.NotIn)):
                if not isinstance(right, (ast.List, ast.Tuple, ast.Set)):
                    raise _Refused(f"{_token(right, text)!r} after 'in' is not allowed; give a list of values, "
                                   "e.g. region in ['南京市', '苏州市']")
                for element in right.elts:
                    _literal(element, text)
                if not isinstance(sides[i], ast.Name):
                    raise _Refused(f"{_token(sides[i], text)!r} before 'in' is not allowed; a column is, e.g. "
                                   "region in ['南京市', '苏州市']")
                _operand(sides[i], text, columns)
            elif type(op) in _COMPARE:
                _operand(sides[i], text, columns)
                _operand(right, text, columns)
            else:  # is, is not
                raise _Refused(f"{type(op).__name__} is not allowed; use {ALLOWED}")
        if not any(isinstance(side, ast.Name) for side in sides):
            raise _Refused(f"{_token(node, text)!r} compares no document column")
    elif isinstance(node, ast.Name) and top:
        raise _Refused(f"{node.id!r} alone is no condition; compare it, e.g. {node.id} == 'value'")
    else:
        raise _Refused(f"{_token(node, text)!r} is not allowed; use {ALLOWED}")


def _operand(node: ast.AST, text: str, columns: dict) -> None:
    if isinstance(node, ast.Name):
        written = ast.get_source_segment(text, node) or node.id
        if written != node.id or node.id.startswith("__"):  # Python reads 'ｙear' as 'year'
            raise _Refused(f"{written!r} is not allowed; write column names in plain letters")
        columns[node.id] = None
    else:
        _literal(node, text)


def _literal(node: ast.AST, text: str) -> None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float, str, bool):
        return
    raise _Refused(f"{_token(node, text)!r} is not allowed; a value is a number or a 'string'")


class _Evaluate:
    """The checked tree applied to the documents' columns with pandas: masks, never Python evaluation."""

    def __init__(self, documents: pd.DataFrame, column_types: dict[str, str]):
        self.documents, self.types = documents, column_types

    def value(self, node: ast.AST):
        if isinstance(node, ast.BoolOp):
            parts = [self.value(v) for v in node.values]
            combine = operator.and_ if isinstance(node.op, ast.And) else operator.or_
            result = parts[0]
            for part in parts[1:]:
                result = combine(result, part)
            return result
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return ~self.value(node.operand)
        if isinstance(node, ast.Compare):
            result = None
            sides = [node.left, *node.comparators]
            for i, op in enumerate(node.ops):
                part = self.compare(sides[i], op, sides[i + 1])
                result = part if result is None else result & part
            return result
        raise _Refused(f"{type(node).__name__} is not allowed")  # the check let nothing else through

    def compare(self, left: ast.AST, op: ast.cmpop, right: ast.AST) -> pd.Series:
        if isinstance(op, (ast.In, ast.NotIn)):
            column = left.id
            values = [self.literal(e, column) for e in right.elts]
            present = self.documents[column].notna()
            kept = self.documents[column].isin(values) & present
            return kept if isinstance(op, ast.In) else ~kept & present
        if isinstance(left, ast.Name) and isinstance(right, ast.Name):
            a, b = left.id, right.id
            if self.types[a] != self.types[b]:
                raise _Refused(f"{a} is a {self.types[a]} and {b} a {self.types[b]}: they cannot be compared")
            self.ordered(op, a)
            first, second = self.documents[a], self.documents[b]
            return _COMPARE[type(op)](first, second).fillna(False).astype(bool) & first.notna() & second.notna()
        flipped = not isinstance(left, ast.Name)
        column, literal = (right.id, left) if flipped else (left.id, right)
        self.ordered(op, column)
        value = self.literal(literal, column)
        series = self.documents[column]
        result = _COMPARE[type(op)](value, series) if flipped else _COMPARE[type(op)](series, value)
        return result.fillna(False).astype(bool) & series.notna()

    def ordered(self, op: ast.cmpop, column: str) -> None:
        if isinstance(op, _ORDER) and self.types[column] != "number":
            raise _Refused(f"{column} is a category: compare it with == != in, or state it a number "
                           "(--column-type, [inference] column_types)")

    def literal(self, node: ast.AST, column: str):
        value = -node.operand.value if isinstance(node, ast.UnaryOp) else node.value
        if self.types[column] == "number":
            if type(value) is str:
                raise _Refused(f"{column} is a number: compare it with a number, not {value!r}")
            return float(value)
        if type(value) is bool:
            return str(value).lower()
        if type(value) is float and value.is_integer():
            return str(int(value))  # 1.0 for the category "1"
        return str(value)


def subset_line(where: Where, documents: pd.DataFrame, kept: np.ndarray) -> str:
    """What a subset kept and left out: documents and units (``documents`` holds a ``units`` column)."""
    units = documents["units"].to_numpy()
    n, k = len(documents), int(kept.sum())
    return (f"{where.shown}: kept {k} of {n} documents ({int(units[kept].sum())} of {int(units.sum())} units); "
            f"left out {n - k} documents ({int(units[~kept].sum())} units)")
