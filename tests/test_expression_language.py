"""The expression language's functions: the ABC delay target is the backend flow's one definition."""
import re

import numpy as np
import pytest

from dse.errors import DSEInputError
from dse.space import bundled_spaces, load_space
from ppa.backend_flow.sampling import CLOCK_RANGE_GHZ
from ppa.backend_flow.synth import abc_delay_for_clock
from ppa.expression_language import FUNCTIONS, Expression


@pytest.mark.parametrize("name", bundled_spaces())
def test_bundled_spaces_derive_the_flows_abc_delay(name):
    space = load_space(name)
    if "target_clock_ghz" not in space.parameters:  # a fixed clock (the heterogeneous spaces): its one delay
        assert space.derived["abc_delay_ps"].text == "abc_delay_ps(target_clock_ghz)"
        fixed = float(space.fixed["target_clock_ghz"])
        assert space.derived["abc_delay_ps"].evaluate({"target_clock_ghz": np.array([fixed])}).tolist() == [
            abc_delay_for_clock(fixed)]
        return
    clock = space.parameters["target_clock_ghz"]
    pdk = space.fixed["pdk"]
    lo, hi = min(clock.low, CLOCK_RANGE_GHZ[pdk][0]), max(clock.high, CLOCK_RANGE_GHZ[pdk][1])
    clocks = np.concatenate([np.geomspace(lo, hi, 5001), clock.grid() or []])
    derived = space.derived["abc_delay_ps"].evaluate({"target_clock_ghz": clocks})
    assert derived.tolist() == [abc_delay_for_clock(float(c)) for c in clocks]
    designs = space.designs([{"target_clock_ghz": float(clocks[7])}])
    assert designs.loc[0, "abc_delay_ps"] == abc_delay_for_clock(float(clocks[7]))


def test_abc_delay_ps_closed_form_and_bad_clocks():
    delay = Expression("abc_delay_ps(f)", "here").evaluate({"f": np.array([1.0, 0.04, 2.0, 0.0, -1.0, np.nan])})
    # 1 GHz: 1000 ps → 2^(40/4) = 1024 ps; 40 MHz: 25 000 ps → 2^(58/4); 2 GHz: 500 ps → 2^(36/4) = 512 ps
    assert delay[:3].tolist() == [1024.0, round(2 ** (58 / 4), 1), 512.0]
    assert np.isnan(delay[3:]).all()


@pytest.mark.parametrize("text, message", [
    ("abc_delay_ps(a, b)", "calls abc_delay_ps with 2 argument(s); abc_delay_ps takes 1 argument"),
    ("log2()", "calls log2 with 0 argument(s); log2 takes 1 argument"),
    ("round(a, 1, 2)", "calls round with 3 argument(s); round takes 1 to 2 arguments"),
    ("min()", "calls min with 0 argument(s); min takes 1 or more arguments"),
    ("sqrt(a)", "uses 'sqrt(a)', which the expression language does not allow"),
    ("round(a, digits=1)", "which the expression language does not allow"),
])
def test_calls_are_checked_when_parsed(text, message):
    with pytest.raises(DSEInputError, match=r"^space.toml: \[derived\].x: expression .*" + re.escape(message)):
        Expression(text, "space.toml: [derived].x", DSEInputError)


def test_every_function_evaluates_over_arrays():
    values = {"a": np.array([0.5, 4.0]), "b": np.array([3.0, 1.0])}
    expected = {"min": [0.5, 1.0], "max": [3.0, 4.0], "log2": [-1.0, 2.0], "ceil": [1.0, 4.0], "floor": [0.0, 4.0],
                "abs": [0.5, 4.0], "round": [0.0, 4.0], "abc_delay_ps": [2048.0, 256.0]}
    assert set(expected) == set(FUNCTIONS)
    for name, result in expected.items():
        args = "a, b" if name in ("min", "max") else "a"
        assert Expression(f"{name}({args})", "here").evaluate(values).tolist() == result, name



@pytest.mark.parametrize("text, message", [
    ("9 ** 9 ** 9", "raises to an exponent beyond 1024 in '9 ** 9 ** 9'"),
    ("a * 9 ** 9 ** 9", "raises to an exponent beyond 1024 in '9 ** 9 ** 9'"),
    ("(2 ** 1024) ** 1024", "has a result beyond 1.8e308"),
    ("2 ** 1000 * 2 ** 1000", "has a result beyond 1.8e308"),
    ("10.0 ** 400", "overflows in '10.0 ** 400'"),
    ("'ab' * 10 ** 9", "does arithmetic on a string"),
    ("min(a, 1 // 0)", "divides by zero in '1 // 0'"),
])
def test_constant_bombs_are_refused_when_parsed(text, message):
    """The issue's CPU/memory bomb and its cousins: refused in one line as the file is read, at once."""
    with pytest.raises(DSEInputError, match=r"^space.toml: \[rules\].r: expression .*" + re.escape(message) + ".*$"):
        Expression(text, "space.toml: [rules].r", DSEInputError)


@pytest.mark.parametrize("text, message", [
    ("a ** b", "raises to an exponent beyond 1024 in 'a ** b'"),
    ("b ** 1025", "raises to an exponent beyond 1024"),
    ("a * 10 ** 18", "beyond the 64-bit integer range in 'a * 10 ** 18'"),
    ("a > 's'", "combines values of incompatible types"),
])
def test_evaluation_bounds(text, message):
    values = {"a": np.array([3, 40]), "b": np.array([2, 5000])}
    expression = Expression(text, "space.toml: [derived].x", DSEInputError)
    with pytest.raises(DSEInputError, match=r"^space.toml: \[derived\].x: expression .*" + re.escape(message)):
        expression.evaluate(values)


def test_integer_powers_are_exact_or_float_never_wrapped():
    """numpy's int64 power wraps around silently (3 ** 40 overflows); the language computes it in float."""
    result = Expression("a ** 40", "here").evaluate({"a": np.array([3, 4])})
    assert result.tolist() == [3.0 ** 40, 4.0 ** 40]
    assert Expression("a * 2", "here").evaluate({"a": np.array([3])}).dtype.kind == "i"
