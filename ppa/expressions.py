"""A small, whitelisted arithmetic/boolean expression language: DSE validity rules and derived values,
and the derived features and cost-model terms of a PPA data spec.

Rules such as ``wbuf_kib * 1024 >= array_rows * array_cols * wgt_bits / 8`` are parsed with
:mod:`ast` and evaluated node by node over numpy arrays (one element per design point) — never
with ``eval``. Allowed: numbers, strings, parameter names, ``+ - * / // % **``, comparisons
(chained too), ``and``/``or``/``not``, and the functions ``min``, ``max``, ``log2``, ``ceil``,
``floor``, ``abs``, ``round``.
"""
from __future__ import annotations

import ast
import operator
from collections.abc import Mapping

import numpy as np


_BINARY = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
}
_COMPARE = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
}
_FUNCTIONS = {
    "min": np.minimum, "max": np.maximum, "log2": np.log2, "ceil": np.ceil, "floor": np.floor,
    "abs": np.abs, "round": np.round,
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
            raise error(f"{where}: cannot parse rule {text!r}: {exc.msg}") from None
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
              and node.func.id in _FUNCTIONS and not node.keywords and node.args):
            for child in node.args:
                self._check(child, where)
        else:
            raise self._error(
                f"{where}: rule {self.text!r} uses {ast.unparse(node)!r}, which the rule language does not "
                f"allow (numbers, parameter names, + - * / // % **, comparisons, and/or/not, "
                f"{', '.join(sorted(_FUNCTIONS))})")

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
        function = _FUNCTIONS[node.func.id]
        if function in (np.minimum, np.maximum):
            result = args[0]
            for arg in args[1:]:
                result = function(result, arg)
            return result
        return function(*args)
