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

What an expression may compute is bounded, so a file cannot hang the process or exhaust its memory
(``9 ** 9 ** 9``): an exponent's magnitude is at most :data:`MAX_EXPONENT`, every arithmetic result's
magnitude at most :data:`MAX_MAGNITUDE` (the float range; integer columns at most int64's), and strings
take part only in comparisons. Parts without column names are evaluated when the text is parsed, so
such a bomb is refused as the file is read; the rest when evaluated. Either way the error is one line
of the layer's exception type naming where the expression came from, as are a division by zero of
constants, a string compared with a number and other values an operation cannot take.
"""
from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ppa.backend_flow.synth import abc_delay_for_clock

#: Largest exponent magnitude ``**`` accepts.
MAX_EXPONENT = 1024
#: Largest magnitude an arithmetic result may have: 2 ** 1024, just above the largest float (1.8e308).
MAX_MAGNITUDE = 2 ** 1024
#: Largest magnitude of an integer-array result (int64's range; beyond it numpy would wrap around).
MAX_INT64 = 2 ** 63 - 1

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


def _is_text(value) -> bool:
    return isinstance(value, str) or (isinstance(value, np.ndarray) and value.dtype.kind in "USO"
                                      and value.size > 0 and isinstance(value.flat[0], str))


def _is_integer_array(value) -> bool:
    return isinstance(value, (np.ndarray, np.integer)) and np.asarray(value).dtype.kind in "iu"


class Expression:
    """A parsed expression; ``names`` are the columns or parameters it reads."""

    def __init__(self, text: str, where: str, error: type[ValueError] = ValueError):
        """``where`` prefixes error messages; ``error`` is the layer's exception type raised for bad text."""
        self.text = text
        self._error = error
        self._where = where
        try:
            self._tree = ast.parse(text, mode="eval").body
        except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
            raise error(f"{where}: cannot parse expression {text!r}: {getattr(exc, 'msg', exc)}") from None
        self.names = set()
        self._check(self._tree, where)
        for node in ast.walk(self._tree):  # constant parts are computed now: a bomb is refused at parse
            if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call)) and not any(
                    isinstance(child, ast.Name) for child in ast.walk(node)):
                self._computed(node, {})

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
        """Evaluate over ``values`` (name → scalar or array); returns a numpy array. A value an operation
        cannot take, or a result beyond the bounds, is one line of the layer's exception type."""
        return np.asarray(self._computed(self._tree, values))

    def _fail(self, problem: str):
        raise self._error(f"{self._where}: expression {self.text!r} {problem}")

    def _computed(self, node: ast.AST, values: Mapping[str, object]):
        try:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                return self._eval(node, values)
        except ZeroDivisionError:
            self._fail(f"divides by zero in {ast.unparse(node)!r}")
        except OverflowError:
            self._fail(f"overflows in {ast.unparse(node)!r} (results are limited to 1.8e308)")
        except (TypeError, ValueError) as exc:
            if isinstance(exc, self._error):
                raise
            self._fail("cannot be computed: it combines values of incompatible types (e.g. orders a string "
                       "and a number with < or >); compare strings with == or !=, do arithmetic on numbers")

    def _binary(self, node: ast.BinOp, left, right):
        """One arithmetic operation within the bounds."""
        if _is_text(left) or _is_text(right):
            self._fail(f"does arithmetic on a string in {ast.unparse(node)!r}; strings may only be compared")
        if isinstance(node.op, ast.Pow):
            exponent = np.abs(np.asarray(right, dtype=float))
            if exponent.size and not np.all(exponent[np.isfinite(exponent)] <= MAX_EXPONENT):
                self._fail(f"raises to an exponent beyond {MAX_EXPONENT} in {ast.unparse(node)!r}")
            if _is_integer_array(left) or _is_integer_array(right):  # numpy integer powers wrap around
                left, right = np.asarray(left, dtype=float), np.asarray(right, dtype=float)
        elif isinstance(left, int) and isinstance(right, int) and isinstance(node.op, ast.Mult):
            if left.bit_length() + right.bit_length() > 1100:
                self._fail(f"has a result beyond 1.8e308 in {ast.unparse(node)!r}")
        result = _BINARY[type(node.op)](left, right)
        if isinstance(result, int) and not isinstance(result, bool):
            if abs(result) > MAX_MAGNITUDE:
                self._fail(f"has a result beyond 1.8e308 in {ast.unparse(node)!r}")
        elif _is_integer_array(result) and (_is_integer_array(left) or _is_integer_array(right)):
            exact = _BINARY[type(node.op)](np.asarray(left, dtype=float), np.asarray(right, dtype=float))
            if np.any(np.abs(exact[np.isfinite(exact)]) > MAX_INT64):
                self._fail(f"has a result beyond the 64-bit integer range in {ast.unparse(node)!r}")
        return result

    def _eval(self, node: ast.AST, values: Mapping[str, object]):
        if isinstance(node, ast.Name):
            return np.asarray(values[node.id])
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.BinOp):
            return self._binary(node, self._eval(node.left, values), self._eval(node.right, values))
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
