"""The expression language of accel-dse: whitelisted arithmetic/boolean expressions over named columns.

One language, one parser, two users: a PPA data spec's ``[derived]`` features and ``[terms]`` cost-model
terms (:mod:`ppa.structure`), and a DSE space file's ``[derived]`` values and ``[rules]`` validity rules
(:mod:`dse.space`). It lives in ``ppa``, the lower of the two layers that use it (``dse`` imports
``ppa``; ``ppa`` may not import ``dse``), so both read the same grammar and the same functions.

Expressions such as ``wbuf_kib * 1024 >= array_rows * array_cols * wgt_bits / 8`` are parsed with
:mod:`ast` and evaluated node by node over numpy arrays (one element per design point) — never with
``eval``. Allowed: numbers, strings, column/parameter names, ``+ - * / // % **``, comparisons (chained
too), ``and``/``or``/``not``, and the functions of :data:`FUNCTIONS`: ``min``, ``max`` (one or more
arguments, folded), ``log2``, ``ceil``, ``floor``, ``abs``, ``round`` (value, optional digits) and
``abc_delay_ps(target_clock_ghz)`` — the backend flow's ABC delay target (ps) for a clock (GHz),
:func:`ppa.backend_flow.synth.abc_delay_for_clock` applied element by element (NaN for a clock <= 0),
so a space derives the synthesis knob exactly as the flow that made the training data set it.
"""
from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ppa.backend_flow.synth import abc_delay_for_clock


_BINARY = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
}
_COMPARE = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
}


@dataclass(frozen=True)
class Function:
    """A function the language allows: its numpy implementation and how many arguments it takes."""

    apply: Callable[..., object]
    min_args: int
    max_args: int | None  #: None: any number from ``min_args`` up

    def arity(self) -> str:
        """The allowed argument count, in words."""
        if self.max_args is None:
            return f"{self.min_args} or more arguments"
        if self.max_args == self.min_args:
            return f"{self.min_args} argument{'s' if self.min_args > 1 else ''}"
        return f"{self.min_args} to {self.max_args} arguments"


def _abc_delay_ps(clock_ghz) -> np.ndarray:
    """:func:`~ppa.backend_flow.synth.abc_delay_for_clock` per element, ps; NaN where the clock is not > 0.
    Called once per distinct clock (a sweep's clock grid has a handful), so it stays exact and fast."""
    clock = np.asarray(clock_ghz, dtype=float)
    valid = np.isfinite(clock) & (clock > 0)
    distinct, index = np.unique(clock[valid], return_inverse=True)
    delay = np.full(clock.shape, np.nan)
    delay[valid] = np.array([abc_delay_for_clock(float(c)) for c in distinct], dtype=float)[index]
    return delay


#: The whitelisted functions, by name.
FUNCTIONS = {
    "min": Function(np.minimum, 1, None), "max": Function(np.maximum, 1, None),
    "log2": Function(np.log2, 1, 1), "ceil": Function(np.ceil, 1, 1), "floor": Function(np.floor, 1, 1),
    "abs": Function(np.abs, 1, 1), "round": Function(np.round, 1, 2),
    "abc_delay_ps": Function(_abc_delay_ps, 1, 1),
}


class Expression:
    """A parsed expression; ``names`` are the columns or parameters it reads."""

    def __init__(self, text: str, where: str, error: type[ValueError] = ValueError):
        """``where`` prefixes error messages; ``error`` is the layer's exception type raised for bad text."""
        self.text = text
        self._error = error
        try:
            self._tree = ast.parse(text, mode="eval").body
        except SyntaxError as exc:
            raise error(f"{where}: cannot parse expression {text!r}: {exc.msg}") from None
        self.names = set()
        self._check(self._tree, where)

    def _check(self, node: ast.AST, where: str) -> None:
        if isinstance(node, ast.Name):
            self.names.add(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)):
            pass
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            self._check(node.left, where)
            self._check(node.right, where)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
            self._check(node.operand, where)
        elif isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
            for child in (node.left, *node.comparators):
                self._check(child, where)
        elif isinstance(node, ast.BoolOp):
            for child in node.values:
                self._check(child, where)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in FUNCTIONS and not node.keywords):
            function = FUNCTIONS[node.func.id]
            if len(node.args) < function.min_args or (function.max_args is not None
                                                      and len(node.args) > function.max_args):
                raise self._error(f"{where}: expression {self.text!r} calls {node.func.id} with {len(node.args)} "
                                  f"argument(s); {node.func.id} takes {function.arity()}")
            for child in node.args:
                self._check(child, where)
        else:
            raise self._error(
                f"{where}: expression {self.text!r} uses {ast.unparse(node)!r}, which the expression language "
                f"does not allow (numbers, parameter names, + - * / // % **, comparisons, and/or/not, "
                f"{', '.join(sorted(FUNCTIONS))})")

    def evaluate(self, values: Mapping[str, object]) -> np.ndarray:
        """Evaluate over ``values`` (name → scalar or array); returns a numpy array."""
        return np.asarray(self._eval(self._tree, values))

    def _eval(self, node: ast.AST, values: Mapping[str, object]):
        if isinstance(node, ast.Name):
            return np.asarray(values[node.id])
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](self._eval(node.left, values), self._eval(node.right, values))
        if isinstance(node, ast.UnaryOp):
            operand = self._eval(node.operand, values)
            if isinstance(node.op, ast.Not):
                return np.logical_not(operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Compare):
            result, left = True, self._eval(node.left, values)
            for op, right_node in zip(node.ops, node.comparators):
                right = self._eval(right_node, values)
                result = np.logical_and(result, _COMPARE[type(op)](left, right))
                left = right
            return result
        if isinstance(node, ast.BoolOp):
            combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            result = self._eval(node.values[0], values)
            for child in node.values[1:]:
                result = combine(result, self._eval(child, values))
            return result
        args = [self._eval(arg, values) for arg in node.args]
        function = FUNCTIONS[node.func.id].apply
        if node.func.id in ("min", "max"):
            result = args[0]
            for arg in args[1:]:
                result = function(result, arg)
            return result
        return function(*args)
