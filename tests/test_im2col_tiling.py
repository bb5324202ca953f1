"""The searched DRAM tiling of the im2col mapping: closed forms, never worse than SCALE-Sim's fixed order,
no partial-sum spill where outputs fit, legal tiles, batch = one-by-one."""
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from frontend_sim.simulator import layer_table, simulate, simulate_batch
from frontend_sim.hardware import HardwareConfig
from frontend_sim.workloads import Layer, Workload
from frontend_sim.zoo import get_workload

TRAFFIC = ["dram_ifmap_bytes", "dram_filter_bytes", "dram_psum_bytes"]


def gemm(m, k, n):
    return Workload("g", (Layer("g", "gemm", ifmap_h=m, ifmap_w=k, filter_w=k, num_filters=n),))


def test_ws_spill_replaced_by_output_resident_tiles_closed_form():
    """ws, 16×16, M=1024, K=N=64, 8-bit operands, 32-bit sums, 64 KiB buffers, 16 B/cycle: the fixed order's
    M×16 sums (64 KiB) miss half the OBUF and spill 2·3·M·N·4 bytes (memory-bound: ~106k cycles). The
    search keeps the whole K (no spill) in 512×16 output tiles (32 KiB); the weights (4 KiB) stay in the
    WBUF, the N tiles run innermost so each input tile is read once: every operand moves once. The M
    split in two reloads each of the 16 folds once more: one extra fill/drain (2R+C−2 = 46) per fold."""
    hw = HardwareConfig(array_rows=16, array_cols=16, dataflow="ws", ibuf_kib=64, wbuf_kib=64, obuf_kib=64)
    fixed = simulate(gemm(1024, 64, 64), hw).layers.iloc[0]
    row = simulate(gemm(1024, 64, 64), replace(hw, tiling="search")).layers.iloc[0]
    assert fixed.dram_psum_bytes == 2 * 3 * 1024 * 64 * 4 and fixed.psum_in == "dram"
    assert (row.tile_m, row.tile_k, row.tile_oc) == (512, 64, 16)
    assert (row.dram_ifmap_bytes, row.dram_filter_bytes, row.dram_psum_bytes) == (1024 * 64, 64 * 64, 0)
    assert (row.ifmap_refetch, row.filter_refetch, row.psum_passes, row.psum_in) == (1, 1, 1, "obuf")
    assert row.loop_order == "n,k,m"
    assert fixed.compute_cycles == 16 * (1024 + 46)
    assert row.compute_cycles == fixed.compute_cycles + 16 * 1 * 46
    # the extra fill/drain does no MACs: same mapping efficiency, compute utilization diluted
    assert row.mapping_efficiency == fixed.mapping_efficiency
    assert row.compute_utilization == pytest.approx(fixed.compute_utilization * fixed.compute_cycles / row.compute_cycles)
    assert row.total_cycles < fixed.total_cycles


def test_everything_fits_keeps_scalesims_cycles_and_reads_each_operand_once():
    hw = HardwareConfig(array_rows=8, array_cols=8, ibuf_kib=1024, wbuf_kib=1024, obuf_kib=1024, tiling="search")
    for dataflow in ("os", "ws", "is"):
        row = simulate(gemm(200, 96, 40), replace(hw, dataflow=dataflow)).layers.iloc[0]
        fixed = simulate(gemm(200, 96, 40), replace(hw, dataflow=dataflow, tiling="fixed")).layers.iloc[0]
        assert row.compute_cycles == fixed.compute_cycles, dataflow
        assert (row.dram_ifmap_bytes, row.dram_filter_bytes, row.dram_psum_bytes) == (200 * 96, 96 * 40, 0)


@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
@pytest.mark.parametrize("kib", [(8, 8, 4), (64, 64, 64), (16, 512, 32)])
def test_search_never_moves_more_dram_bytes_than_the_fixed_order(dataflow, kib):
    """Per layer of ResNet-50 and BERT: the fixed order is one of the candidates and the budget of cycles, so
    the search moves at most its bytes in at most its cycles; outputs and bias are the same in both."""
    hw = HardwareConfig(array_rows=32, array_cols=16, dataflow=dataflow, ibuf_kib=kib[0], wbuf_kib=kib[1],
                        obuf_kib=kib[2])
    for name in ("resnet50", "bert_base"):
        net = get_workload(name)
        fixed, searched = simulate(net, hw).layers, simulate(net, replace(hw, tiling="search")).layers
        moved = lambda t: t[TRAFFIC].sum(axis=1)  # noqa: E731
        assert (moved(searched) <= moved(fixed) * (1 + 1e-12)).all(), name
        assert (searched.dram_ofmap_bytes == fixed.dram_ofmap_bytes).all()
        assert (searched.compute_cycles >= fixed.compute_cycles).all()  # only extra fill/drain is added
        # never slower: the search's cycle budget is the fixed order's (stall ceil: 1 cycle)
        assert (searched.total_cycles <= fixed.total_cycles + 1).all(), name
    assert (moved(searched) < moved(fixed)).any()


def test_outputs_that_fit_never_spill():
    """An OBUF holding every layer's whole output (M·N·4 bytes in half of it): no partial-sum bytes."""
    net = get_workload("resnet18")
    for dataflow in ("os", "ws", "is"):
        hw = HardwareConfig(array_rows=16, array_cols=16, dataflow=dataflow, obuf_kib=2 * 3136, tiling="search")
        layers = simulate(net, hw).layers
        assert (layers.dram_psum_bytes == 0).all() and (layers.psum_passes <= 1).all(), dataflow


def test_chosen_tiles_are_legal():
    """Tiles are whole folds on the array dims (or the whole dim) and their double-buffered footprints fit."""
    net = get_workload("resnet50")
    table = layer_table(net)
    gemm_cols = table["groups"][0] > 0
    m, n, k = (table[x][0][gemm_cols] for x in ("m", "n", "k"))
    unique = table["ifmap_elems"][0][gemm_cols] // table["groups"][0][gemm_cols]
    rho = np.minimum(1.0, unique / (m * k))
    roles = {"os": ("m", "n"), "ws": ("k", "n"), "is": ("k", "m")}
    for dataflow, (row_dim, col_dim) in roles.items():
        hw = HardwareConfig(array_rows=16, array_cols=32, dataflow=dataflow, act_bits=8, wgt_bits=8, acc_bits=32,
                            ibuf_kib=32, wbuf_kib=48, obuf_kib=24, tiling="search")
        layers = simulate(net, hw).layers[gemm_cols]
        t = {"m": layers.tile_m.to_numpy(), "n": layers.tile_oc.to_numpy(), "k": layers.tile_k.to_numpy()}
        dims = {"m": m, "n": n, "k": k}
        streamed = ({"m", "n", "k"} - {row_dim, col_dim}).pop()
        fixed = ((t[row_dim] == np.minimum(dims[row_dim], 16)) & (t[col_dim] == np.minimum(dims[col_dim], 32))
                 & (t[streamed] == dims[streamed]))  # SCALE-Sim's fold tile: the fixed candidate
        legal = ((t["m"] * t["k"] * rho <= 16 * 1024) & (t["k"] * t["n"] <= 24 * 1024)
                 & (t["m"] * t["n"] * 4 <= 12 * 1024))
        assert (legal | fixed).all(), dataflow
        assert (legal & ~fixed).mean() > 0.5, dataflow
        for dim, grain in ((row_dim, 16), (col_dim, 32)):
            assert ((t[dim] % grain == 0) | (t[dim] == dims[dim])).all(), (dataflow, dim)
        for dim in "mnk":
            assert ((t[dim] >= 1) & (t[dim] <= dims[dim])).all()


def test_batch_equals_one_by_one_across_modes():
    net = get_workload("resnet18")
    configs = [HardwareConfig(dataflow=d, tiling=t, obuf_kib=o) for d in ("os", "ws", "is")
               for t in ("fixed", "search") for o in (16.0, 128.0)]
    batch = simulate_batch(net, pd.DataFrame([c.__dict__ for c in configs]))
    for row, hw in zip(batch.itertuples(), configs):
        one = simulate(net, hw).totals
        assert row.total_cycles == one["total_cycles"]
        assert row.dram_read_bytes == pytest.approx(one["dram_read_bytes"], rel=1e-12)
