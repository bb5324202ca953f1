"""Closed-form compute cycles, efficiencies and vectorized-vs-scalar agreement of frontend_sim.dataflow."""
import numpy as np
import pytest

from frontend_sim.dataflow import SMALL_ARRAY, array_terms, as_float, compute, spatio_temporal
from frontend_sim.errors import SimulatorInputError


@pytest.mark.parametrize("df, cycles, folds, mapping, util", [
    # (M×K)·(K×N) = (6×3)·(3×5) on a 4×4 array, derived by hand from SCALE-Sim's demand matrices:
    # os: S_r=M=6, S_c=N=5, T=K=3 -> 2·2 folds of T+R+C-2 = 9 cycles; 30 of 4·16 PE slots used.
    ("os", 36, 4, 30 / 64, 30 * 3 / (64 * 9)),
    # ws: S_r=K=3, S_c=N=5, T=M=6 -> 1·2 folds of 2R+C+T-2 = 16 cycles; util divides by 2R+2C+T-3 = 19.
    ("ws", 32, 2, 15 / 32, 15 * 6 / (32 * 19)),
    # is: S_r=K=3, S_c=M=6, T=N=5 -> 1·2 folds of 2R+C+T-2 = 15 cycles; util divides by 18.
    ("is", 30, 2, 18 / 32, 18 * 5 / (32 * 18)),
])
def test_small_gemm_on_4x4_by_hand(df, cycles, folds, mapping, util):
    result = compute(6, 5, 3, 1, 4, 4, df)
    assert result.compute_cycles == cycles
    assert result.folds == folds
    assert result.mapping_efficiency == pytest.approx(mapping, rel=1e-15)
    assert result.compute_utilization == pytest.approx(util, rel=1e-15)


def test_perfect_fit_has_full_mapping_efficiency():
    # 64×64×64 on 8×8 os: 64 folds of 64+14 cycles, every PE mapped.
    result = compute(64, 64, 64, 1, 8, 8, "os")
    assert result.compute_cycles == 64 * 78
    assert result.mapping_efficiency == 1.0
    assert result.compute_utilization == pytest.approx(64 / 78)


def test_groups_run_sequentially():
    single = compute(100, 1, 9, 1, 8, 8, "ws")
    grouped = compute(100, 1, 9, 32, 8, 8, "ws")
    assert grouped.compute_cycles == 32 * single.compute_cycles
    assert grouped.mapping_efficiency == single.mapping_efficiency


def test_vectorized_equals_scalar_over_configs_and_layers():
    rng = np.random.default_rng(0)
    m, n, k = (rng.integers(1, 3000, 40)[None, :] for _ in range(3))
    groups = rng.integers(1, 4, 40)[None, :]
    rows, cols = rng.integers(2, 200, 30)[:, None], rng.integers(2, 200, 30)[:, None]
    for df in ("os", "ws", "is"):
        batch = compute(m, n, k, groups, rows, cols, df)
        assert batch.compute_cycles.shape == (30, 40)
        for i, j in [(0, 0), (3, 17), (29, 39), (11, 5)]:
            one = compute(int(m[0, j]), int(n[0, j]), int(k[0, j]), int(groups[0, j]),
                          int(rows[i, 0]), int(cols[i, 0]), df)
            assert batch.compute_cycles[i, j] == one.compute_cycles
            assert batch.mapping_efficiency[i, j] == one.mapping_efficiency
            assert batch.compute_utilization[i, j] == one.compute_utilization


def test_larger_array_never_needs_more_folds():
    small, big = compute(500, 300, 200, 1, 16, 16, "os"), compute(500, 300, 200, 1, 32, 32, "os")
    assert big.folds < small.folds


def test_spatio_temporal_table_and_unknown_dataflow():
    assert spatio_temporal(1, 2, 3, "os") == (1, 2, 3)
    assert spatio_temporal(1, 2, 3, "ws") == (3, 2, 1)
    assert spatio_temporal(1, 2, 3, "is") == (3, 1, 2)
    with pytest.raises(SimulatorInputError, match="dataflow='rs'"):
        spatio_temporal(1, 2, 3, "rs")


@pytest.mark.parametrize("df", ["os", "ws", "is"])
def test_precomputed_array_terms_give_identical_results(df):
    # a configuration table passes array_terms(rows, cols) (configs × 1) instead of having compute derive them
    rng = np.random.default_rng(3)
    m, n, k = (rng.integers(1, 3000, (1, 40)) for _ in range(3))
    groups = rng.integers(1, 5, (1, 40))
    rows, cols = rng.integers(1, 130, (6, 1)), rng.integers(1, 130, (6, 1))
    terms = array_terms(rows, cols)
    assert terms["fold_extra"].tolist() == (2 * rows + cols - 2).tolist()
    assert terms["fold_pes"].tolist() == (rows * cols).tolist()
    plain, given = compute(m, n, k, groups, rows, cols, df), compute(m, n, k, groups, rows, cols, df, terms)
    for name in vars(plain):
        a, b = getattr(plain, name), getattr(given, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    # the fold counts are exact ceilings: ceil(S_r / R), ceil(S_c / C)
    sr, sc, _ = spatio_temporal(m, n, k, df)
    assert ((plain.row_folds * rows >= sr) & ((plain.row_folds - 1) * rows < sr)).all()
    assert ((plain.col_folds * cols >= sc) & ((plain.col_folds - 1) * cols < sc)).all()


def test_as_float_casts_only_small_arrays():
    small, large = np.arange(SMALL_ARRAY), np.arange(SMALL_ARRAY + 1)
    assert as_float(small).dtype == np.float64 and np.array_equal(as_float(small), small)
    assert as_float(large) is large

