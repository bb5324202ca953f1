"""One numpy/pandas → JSON conversion: exact values, NaN/inf as null, loud on unknown types."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ppa.json_values import json_value


def test_numpy_and_pandas_values_become_plain_json():
    value = {1: np.int64(3), "f": np.float32(0.5), "b": np.bool_(True), "nan": float("nan"), "inf": np.inf,
             "na": pd.NA, "arr": np.array([1, 2]), "t": (np.float64(2.25), [np.uint8(7)]), "p": Path("a/b.csv"),
             "s": "text", "none": None, "i": 4, "flag": False}
    out = json_value(value)
    assert out == {"1": 3, "f": 0.5, "b": True, "nan": None, "inf": None, "na": None, "arr": [1, 2],
                   "t": [2.25, [7]], "p": "a/b.csv", "s": "text", "none": None, "i": 4, "flag": False}
    assert type(out["1"]) is int and type(out["b"]) is bool and type(out["arr"][0]) is int
    assert json.loads(json.dumps(out, allow_nan=False)) == out


def test_unknown_types_still_fail_in_json_dumps():
    with pytest.raises(TypeError, match="not JSON serializable"):
        json.dumps(json_value({"x": object()}))
