"""dse.pareto against definitions computed independently: brute-force dominance and hypervolume
counted cell by cell on an integer grid (exact for integer points)."""
import itertools

import numpy as np
import pytest

from dse.pareto import hypervolume, pareto_mask


def dominated_brute_force(loss: np.ndarray) -> np.ndarray:
    """Row i is dominated when some row is <= everywhere and < somewhere (losses)."""
    return np.array([any(np.all(o <= p) and np.any(o < p) for o in loss) for p in loss])


def hypervolume_by_cells(loss: np.ndarray, ref: np.ndarray) -> int:
    """Unit cells [c, c+1) below ``ref`` dominated by an integer point (point <= c everywhere)."""
    ranges = [range(int(low), int(high)) for low, high in zip(loss.min(axis=0), ref)]
    return sum(any(np.all(p <= cell) for p in loss) for cell in itertools.product(*ranges))


@pytest.mark.parametrize("objectives", [2, 3, 4])
def test_mask_is_the_brute_force_front_duplicates_kept(objectives):
    rng = np.random.default_rng(objectives)
    values = rng.integers(0, 6, size=(80, objectives)).astype(float)  # small integers: many ties
    directions = ["minimize", "maximize", "minimize", "maximize"][:objectives]
    signs = np.array([1.0 if d == "minimize" else -1.0 for d in directions])
    values = np.vstack([values, values[~dominated_brute_force(values * signs)]])  # every front point twice
    expected = ~dominated_brute_force(values * signs)
    assert pareto_mask(values, directions).tolist() == expected.tolist()
    assert 0 < expected.sum() < len(values)


@pytest.mark.parametrize("objectives", [2, 3])
def test_hypervolume_counts_the_dominated_cells(objectives):
    rng = np.random.default_rng(10 + objectives)
    values = rng.integers(0, 7, size=(25, objectives)).astype(float)
    reference = np.full(objectives, 6.0)  # some points lie on or beyond it and count for nothing
    assert hypervolume(values, ["minimize"] * objectives, reference) == hypervolume_by_cells(values, reference)
    flipped = -values  # the same set, maximised
    assert hypervolume(flipped, ["maximize"] * objectives, -reference) == hypervolume_by_cells(values, reference)


def test_empty_and_unreachable_inputs():
    assert pareto_mask(np.zeros((0, 2)), ["minimize", "minimize"]).tolist() == []
    assert hypervolume(np.zeros((0, 2)), ["minimize", "minimize"], np.array([1.0, 1.0])) == 0.0
    assert hypervolume(np.array([[1.0, 1.0]]), ["minimize", "minimize"], np.array([1.0, 2.0])) == 0.0
    with pytest.raises(ValueError, match=r"shape \(5, 3\) do not match 2 directions"):
        pareto_mask(np.zeros((5, 3)), ["minimize", "minimize"])
