"""The simulator flow, top to bottom like SCALE-Sim, vectorized over (configs × layers).

1. topology  -> per-layer arrays (GEMM sizes M, N, K per group, GeneSys loop bounds, SIMD work)  ``layer_table``
2. hardware  -> per-config arrays (one row per configuration)                         ``config_table``
3. GEMM layers, per ``array_mapping``:
   * ``im2col`` (SCALE-Sim): compute cycles (SCALE-Sim-exact, ``dataflow.compute``), then traffic and
     stalls of its fixed loop order or (``tiling="search"``) of the searched DRAM tiling and loop order
     (``memory.gemm_traffic``, ``im2col_tiling.search``: plus the fill/drain of folds a split reloads);
   * ``genesys``: DRAM tiling (SimDIT's generator or the search), cycles, traffic and per-port stalls
     (``mapping.genesys_metrics``), with the chosen tiles per layer
4. SIMD unit cycles and stalls for non-GEMM layers (``simd``; ``simd_model``)
5. report: totals and per-layer arrays (``simulate``; its ``.layers`` DataFrame is built when first
   read) or one row per config (``simulate_batch``)

Layers run one after another (no overlap between layers or between the array and the SIMD unit):
``total_cycles = compute_cycles + stall_cycles + simd_cycles`` per layer, summed over the network.
Units are in the column names: cycles, bytes; ratios are fractions in 0..1.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property, lru_cache
from operator import itemgetter

import numpy as np
import pandas as pd

from frontend_sim import dataflow as df_model
from frontend_sim import im2col_tiling, mapping, memory, simd
from frontend_sim.errors import SimulatorInputError
from frontend_sim.hardware import (ARRAY_MAPPINGS, CHOICE_FIELDS, DATAFLOWS, FIELD_NAMES, INT_FIELDS, KIB_BITS,
                                   POSITIVE_FLOAT_FIELDS, TILINGS, HardwareConfig, genesys_minimum_buffers)
from frontend_sim.workloads import MAX_DIMENSION, MAX_LAYER_MACS, Workload

#: Per-config totals returned by simulate_batch (the shared contract), then extras.
TOTAL_COLUMNS = ["total_cycles", "compute_cycles", "stall_cycles", "simd_cycles", "macs", "utilization",
                 "mapping_efficiency", "dram_read_bytes", "dram_write_bytes", "sram_read_bytes",
                 "sram_write_bytes"]
BUFFERS = ("ibuf", "wbuf", "obuf", "bbuf", "vmem")
TENSORS = ("ifmap", "filter", "bias", "ofmap", "psum")
#: simulate_batch evaluates configs in blocks of about this many (config, layer) pairs: small enough that a
#: block's (configs × layers) temporaries stay in the CPU caches, large enough that numpy's fixed cost per
#: call is small against the work.
CHUNK_ELEMENTS = 150_000


@dataclass(frozen=True)
class NetworkResult:
    """Result of one network on one configuration: network totals, and the per-layer arrays and table
    built from the per-layer metrics when first asked for (most callers of a search need totals only)."""

    workload: str
    hardware: HardwareConfig
    totals: dict  # network totals, keys as TOTAL_COLUMNS plus per-buffer/tensor bytes
    per_layer: np.ndarray  # (len(EVALUATED), L) float metrics, rows in EVALUATED order
    layer_names: list  # (L,) layer names
    layer_ops: list  # (L,) layer ops
    gemm: np.ndarray  # (L,) bool: the layer runs on the array (else on the SIMD unit)

    @cached_property
    def columns(self) -> dict:
        """Per-layer arrays (L,): "layer", "op", LAYER_COLUMNS, MAPPING_COLUMNS (INTEGER_COLUMNS and tiles as
        int64), "loop_order_code", "gemm"."""
        per_layer = self.per_layer
        columns = {"layer": self.layer_names, "op": self.layer_ops,
                   **{name: per_layer[_ROW[name]] for name in LAYER_COLUMNS + MAPPING_COLUMNS}}
        columns.update(zip(INTEGER_COLUMNS + TILE_COLUMNS, per_layer[_INTEGER_ROWS].astype(np.int64)))
        columns["loop_order_code"] = per_layer[_ROW["loop_order_code"]]
        columns["gemm"] = self.gemm
        return columns

    @cached_property
    def layers(self) -> pd.DataFrame:
        """One row per layer: name, op, LAYER_COLUMNS, the chosen mapping (MAPPING_COLUMNS, loop order
        innermost first, where partial sums live; '' for SIMD layers)."""
        columns = dict(self.columns)
        gemm, code = columns.pop("gemm"), columns.pop("loop_order_code").astype(np.int64)
        # loop order codes: GENESYS_ORDER_CODE (-2), im2col_tiling.FIXED_CODE (-1), LOOP_ORDERS indices
        orders = np.asarray([mapping.GENESYS_LOOP_ORDER, memory.FIXED_LOOP_ORDER[self.hardware.dataflow],
                             *im2col_tiling.LOOP_ORDERS])
        columns["loop_order"] = np.where(gemm, orders[code + 2], "")
        columns["psum_in"] = np.where(gemm, np.where(columns["psum_passes"] > 1, "dram", "obuf"), "")
        return pd.DataFrame(columns)


#: Recently used workloads by identity: a repeated call with the same Workload object skips hashing it.
_RECENT_TABLES: dict[int, tuple[Workload, dict]] = {}


def layer_table(workload: Workload) -> dict[str, np.ndarray]:
    """Per-layer arrays of ``workload`` (see :func:`build_layer_table`), cached by identity, then by value."""
    hit = _RECENT_TABLES.get(id(workload))
    if hit is not None and hit[0] is workload:
        return hit[1]
    table = build_layer_table(workload)
    if len(_RECENT_TABLES) >= 64:
        _RECENT_TABLES.pop(next(iter(_RECENT_TABLES)))
    _RECENT_TABLES[id(workload)] = (workload, table)
    return table


@lru_cache(maxsize=64)
def build_layer_table(workload: Workload) -> dict[str, np.ndarray]:
    """Per-layer arrays (shape (1, L)): GEMM sizes, groups, MACs, SIMD work. Raises on unknown ops."""
    if not isinstance(workload, Workload):
        raise SimulatorInputError(f"workload: expected a Workload (see frontend_sim.loader.load_workload), "
                                  f"got {type(workload).__name__}")
    if not workload.layers:
        raise SimulatorInputError(f"workload {workload.name!r} has no layers")
    cols = {key: [] for key in ("m", "n", "k", "groups", "macs", "ifmap_elems", "ifmap_padded_elems", "simd_elems",
                                "simd_passes", "simd_in", "simd_out", "simd_row", "simd_row_passes",
                                *simd.GENESYS_COLUMNS)}
    for index, layer in enumerate(workload.layers):
        check_layer(layer)
        gemm = layer.is_gemm
        work = (0,) * 6 if gemm else simd.layer_simd_work(layer)
        following = workload.layers[index + 1] if index + 1 < len(workload.layers) else None
        geometry = (0,) * len(simd.GENESYS_COLUMNS) if gemm else simd.genesys_geometry(layer, following)
        values = (layer.gemm_m if gemm else 0, layer.gemm_n if gemm else 0, layer.gemm_k if gemm else 0,
                  layer.groups if gemm else 0, layer.macs, ifmap_elements_read(layer) if gemm else 0,
                  ifmap_elements_read(layer, padded=True) if gemm else 0, *work, *geometry)
        for key, value in zip(cols, values):
            cols[key].append(value)
    table = {key: np.asarray(value, dtype=np.int64)[None, :] for key, value in cols.items()}
    table.update(mapping.loop_table([mapping.loop_dims(layer) if layer.is_gemm else None
                                     for layer in workload.layers]))
    simd_cols = table["groups"][0] == 0
    # the GEMM layers' columns of every per-layer array (what gemm_parts reads, sliced once per workload)
    table["gemm_cols"] = np.flatnonzero(~simd_cols)
    table["gemm"] = {key: value[:, table["gemm_cols"]] for key, value in table.items()
                     if key in ("m", "n", "k", "groups", "macs", "ifmap_elems", "ifmap_padded_elems")
                     or key.startswith("loop_")}
    gemm = table["gemm"]
    table["gemm_products"] = memory.gemm_products(gemm["m"], gemm["n"], gemm["k"], gemm["groups"],
                                                  gemm["ifmap_elems"], gemm["ifmap_padded_elems"])
    table["simd_cols"] = np.flatnonzero(simd_cols)
    table["g_divisors"] = simd.tile_divisors(table["g_oh"][0][simd_cols], table["g_ow"][0][simd_cols]) \
        if simd_cols.any() else None
    for width in ("act_bits", "wgt_bits"):  # per-layer precision; 0 = the hardware's width
        table[width] = np.asarray([getattr(layer, width) or 0 for layer in workload.layers], np.int64)[None, :]
    table["own_widths"] = {width: bool(table[width].any()) for width in ("act_bits", "wgt_bits")}
    table["gemm_mask"] = ~simd_cols
    table["name"] = [layer.name for layer in workload.layers]
    table["op"] = [layer.op for layer in workload.layers]
    return table


def ifmap_elements_read(layer, padded: bool = False) -> int:
    """Input elements a GEMM layer touches: padding is not fetched (taken at the end, as SCALE-Sim's
    partial last window) unless ``padded`` (the zero rows/columns counted as read), and a stride larger
    than the window skips rows/columns (a 1×1/2 conv reads a quarter of its input); every image of the
    batch is read."""
    def extent(size, out, window, stride):
        if stride <= window:
            return min(size, (out - 1) * stride + window)
        return sum(max(0, min(window, size - o * stride)) for o in range(out))
    pad_h, pad_w = (layer.pad_h, layer.pad_w) if padded else (0, 0)
    return (extent(layer.ifmap_h + pad_h, layer.ofmap_h, layer.filter_h, layer.stride_h)
            * extent(layer.ifmap_w + pad_w, layer.ofmap_w, layer.filter_w, layer.stride_w) * layer.channels
            * layer.batch)


def check_layer(layer) -> None:
    """Geometry sanity of one layer: positive sizes within :data:`MAX_DIMENSION`, at most
    :data:`MAX_LAYER_MACS` MACs, groups dividing channels and filters."""
    for name in ("ifmap_h", "ifmap_w", "channels", "filter_h", "filter_w", "num_filters",
                 "stride_h", "stride_w", "groups", "batch"):
        value = getattr(layer, name)
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise SimulatorInputError(f"layer {layer.name!r}: {name}={value!r}; expected an integer >= 1")
        if value > MAX_DIMENSION:
            raise SimulatorInputError(f"layer {layer.name!r}: {name}={value:,} is beyond the largest dimension, "
                                      f"{MAX_DIMENSION:,}")
    for name in ("act_bits", "wgt_bits"):
        value = getattr(layer, name)
        if value is not None and (not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1):
            raise SimulatorInputError(f"layer {layer.name!r}: {name}={value!r}; expected an integer >= 1 or None "
                                      f"(the hardware's width)")
    if layer.pad_h < 0 or layer.pad_w < 0:
        raise SimulatorInputError(f"layer {layer.name!r}: negative padding ({layer.pad_h}, {layer.pad_w})")
    size = layer.macs if layer.is_gemm else layer.batch * layer.ifmap_h * layer.ifmap_w * layer.channels
    if size > MAX_LAYER_MACS:
        raise SimulatorInputError(f"layer {layer.name!r}: {size:.3g} {'MACs' if layer.is_gemm else 'input elements'}, "
                                  f"beyond the simulator's exact range ({MAX_LAYER_MACS:.3g}); check its dimensions")
    if layer.is_gemm:
        if layer.channels % layer.groups or layer.num_filters % layer.groups:
            raise SimulatorInputError(f"layer {layer.name!r}: groups={layer.groups} must divide channels="
                                      f"{layer.channels} and num_filters={layer.num_filters}")
        if layer.ofmap_h < 1 or layer.ofmap_w < 1:
            raise SimulatorInputError(f"layer {layer.name!r}: filter {layer.filter_h}x{layer.filter_w} larger "
                                      f"than the padded input {layer.ifmap_h + layer.pad_h}x"
                                      f"{layer.ifmap_w + layer.pad_w}")


def config_table(configs) -> dict[str, np.ndarray]:
    """Per-config arrays (shape (N, 1)) from a list of HardwareConfig or a DataFrame of their fields.

    DataFrame columns that are not HardwareConfig fields are ignored; missing fields take the
    defaults. Values are validated column by column (error names the row and column).
    """
    if isinstance(configs, HardwareConfig):
        configs = [configs]
    if isinstance(configs, pd.DataFrame):
        frame = configs
        if frame.empty:
            raise SimulatorInputError("configs: empty DataFrame")
        defaults = HardwareConfig()
        columns = {name: (frame[name].to_numpy() if name in frame else
                          np.full(len(frame), getattr(defaults, name), dtype=object))
                   for name in FIELD_NAMES}
        validate_columns(columns)
        validate_combinations(columns)
    else:
        configs = list(configs)
        if not configs or not all(isinstance(c, HardwareConfig) for c in configs):
            raise SimulatorInputError("configs: expected a DataFrame of HardwareConfig fields or a non-empty "
                                      "list of HardwareConfig")
        columns = {name: np.asarray([getattr(c, name) for c in configs]) for name in FIELD_NAMES}
    table = {name: columns[name].astype(np.int64 if name in INT_FIELDS else float)[:, None]
             for name in FIELD_NAMES if name not in CHOICE_FIELDS and name != "fetch_padding"}
    table["fetch_padding"] = columns["fetch_padding"].astype(bool)[:, None]
    for name, choices in CHOICE_FIELDS.items():
        names = np.asarray(columns[name], dtype=object)
        table[f"{name}_code"] = np.select([names == c for c in choices], range(len(choices)), -1)[:, None]
    table["lanes"] = np.where(table["simd_lanes"] > 0, table["simd_lanes"], table["array_cols"])
    table["pes"] = table["array_rows"] * table["array_cols"]
    table["pes_f"] = table["pes"].astype(float)
    # the GEMM model of each config: (array mapping, dataflow, tiling) as one code
    table["model_code"] = (table["array_mapping_code"] * len(DATAFLOWS) + table["dataflow_code"]) * len(TILINGS) \
        + table["tiling_code"]
    table.update(memory.byte_widths(table))
    table.update(df_model.array_terms(table["array_rows"], table["array_cols"]))
    return table


def validate_columns(columns: dict[str, np.ndarray]) -> None:
    """Vectorized HardwareConfig validation of DataFrame columns; raises naming row and column."""
    for name, values in columns.items():
        if name in CHOICE_FIELDS:
            bad = ~np.isin(values.astype(object), CHOICE_FIELDS[name])
            expected = f"one of {', '.join(CHOICE_FIELDS[name])}"
        elif name == "fetch_padding":
            bad = ~np.isin(values.astype(object), (True, False))
            expected = "true or false"
        elif name == "vmem_buffers":
            bad = ~np.isin(pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(), (1, 2))
            expected = "1 (single) or 2 (double buffered)"
        else:
            numbers = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
            if name in POSITIVE_FLOAT_FIELDS:
                bad, expected = ~(np.isfinite(numbers) & (numbers > 0)), "a number > 0"
            else:
                low = 0 if name == "simd_lanes" else 1
                bad = ~(np.isfinite(numbers) & (numbers >= low) & (np.floor(numbers) == numbers))
                expected = f"an integer >= {low}"
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            value = values[row].item() if isinstance(values[row], np.generic) else values[row]
            raise SimulatorInputError(f"configs row {row}: {name}={value!r}; expected {expected}")


def validate_combinations(columns: dict[str, np.ndarray]) -> None:
    """Raise the first of :func:`combination_problems`, naming its row."""
    problems = combination_problems(columns)
    bad = np.flatnonzero(problems != "")
    if bad.size:
        raise SimulatorInputError(f"configs row {int(bad[0])}: {problems[bad[0]]}")


def combination_problems(columns) -> np.ndarray:
    """Vectorized :func:`~frontend_sim.hardware.combination_problem` of validated field columns (a dict of
    arrays or a DataFrame; missing fields take the defaults): per row '' or ``field=value: expected ...``.
    Only the bad rows are rebuilt as HardwareConfig, for their message."""
    n_rows = len(next(iter(columns.values()))) if isinstance(columns, dict) else len(columns)
    defaults = HardwareConfig()
    column = {name: (np.asarray(columns[name]) if name in columns else np.full(n_rows, getattr(defaults, name),
                                                                                 dtype=object))
              for name in FIELD_NAMES}
    genesys = column["array_mapping"] == "genesys"
    bad = (genesys & (column["tiling"] == "fixed")) | (~genesys & (column["tiling"] == "genesys")) \
        | (genesys & (column["dataflow"] != "ws"))
    numbers = {name: pd.to_numeric(pd.Series(column[name])).to_numpy()
               for name in ("array_rows", "array_cols", "act_bits", "wgt_bits", "acc_bits", "bias_bits")}
    least = genesys_minimum_buffers(*numbers.values())
    for name, (bits, _) in least.items():
        bad |= genesys & (pd.to_numeric(pd.Series(column[name])).to_numpy() * KIB_BITS < bits)
    problems = np.full(n_rows, "", dtype=object)
    for row in np.flatnonzero(bad):
        values = {name: column[name][row] for name in FIELD_NAMES}
        values = {name: (int(v) if name in INT_FIELDS else float(v) if name in POSITIVE_FLOAT_FIELDS
                         else bool(v) if name == "fetch_padding" else v) for name, v in values.items()}
        try:
            HardwareConfig(**values)
        except SimulatorInputError as exc:
            problems[row] = str(exc).removeprefix("HardwareConfig.")
    return problems


def check_widths(layers: dict, hw: dict) -> None:
    """Every layer's own operand widths fit the array's built widths; raises naming the config row and layer."""
    for width in ("act_bits", "wgt_bits"):
        if not layers["own_widths"][width]:
            continue  # no layer sets its own width
        too_wide = layers[width] > hw[width]  # (N, L); 0 (unset) never is
        if too_wide.any():
            row, col = (int(i[0]) for i in np.nonzero(too_wide))
            raise SimulatorInputError(
                f"configs row {row}: {width}={int(hw[width][row, 0])} is narrower than layer "
                f"{layers['name'][col]!r} ({width}={int(layers[width][0, col])}); expected an array built for at "
                f"least the widest layer")


def layer_widths(layers: dict, hw: dict, cols: np.ndarray) -> dict:
    """``hw`` for the layer columns ``cols``: ``act_bits``/``wgt_bits`` become (configs × layers) arrays of the
    widths each layer runs at (its own, else the array's), and under ``precision_mode = "packed"``
    ``array_cols`` the effective columns ``p · array_cols`` (p = 4 when both operands are at most a quarter of
    the built widths, 2 at most half, else 1; see :data:`frontend_sim.hardware.PRECISION_MODES`).
    Returns ``hw`` itself when no layer sets its own widths."""
    if not any(layers["own_widths"].values()):
        return hw
    act, wgt = layers["act_bits"][:, cols], layers["wgt_bits"][:, cols]
    if not (act.any() or wgt.any()):
        return hw
    out = dict(hw)
    out["act_bits"] = np.where(act > 0, act, hw["act_bits"])
    out["wgt_bits"] = np.where(wgt > 0, wgt, hw["wgt_bits"])
    fits = {p: (p * out["act_bits"] <= hw["act_bits"]) & (p * out["wgt_bits"] <= hw["wgt_bits"]) for p in (2, 4)}
    pack = np.where(fits[4], 4, np.where(fits[2], 2, 1))
    out["array_cols"] = hw["array_cols"] * np.where(hw["precision_mode_code"] == 1, pack, 1)
    out.update(memory.byte_widths(out))
    out.update(df_model.array_terms(out["array_rows"], out["array_cols"]))
    return out


def gemm_parts(layers: dict, hw: dict):
    """Yield (config rows, GEMM layer columns, metrics) once per model present in ``hw``.

    Configs are grouped by (array mapping, dataflow, tiling) -- a handful of groups, not a loop over
    configs; metrics are arrays of shape (configs in the group, GEMM layers). The im2col mapping
    runs SCALE-Sim's compute model (:mod:`frontend_sim.dataflow`) and fixed-loop-order traffic
    (:mod:`frontend_sim.memory`); the GeneSys mapping runs :mod:`frontend_sim.mapping`.
    """
    cols = layers["gemm_cols"]
    if cols.size == 0:
        return
    gemm, products = layers["gemm"], layers["gemm_products"]
    m, n, k, groups, macs, ifmap = _GEMM_SIZES(gemm)
    keys = hw["model_code"]
    hw = layer_widths(layers, hw, cols)
    for key in (keys[0, 0],) if keys.shape[0] == 1 else np.unique(keys):
        mask = None if keys.shape[0] == 1 else keys[:, 0] == key
        rows = slice(None) if mask is None or mask.all() else np.flatnonzero(mask)
        sub = hw if isinstance(rows, slice) else {name: value[rows] for name, value in hw.items()}
        array_mapping, dataflow, tiling = _MODELS[int(key)]
        if array_mapping == "genesys":
            loops = {name: value for name, value in gemm.items() if name.startswith("loop_")}
            metrics = mapping.genesys_metrics(loops, sub, groups, ifmap)
            metrics.update(macs=macs, mapping_efficiency=macs / np.maximum(
                               metrics["compute_cycles"] * sub["array_rows"] * sub["array_cols"], 1),
                           sram_read_bytes=sram_sum(metrics, "read"), sram_write_bytes=sram_sum(metrics, "write"))
            metrics["compute_utilization"] = metrics["mapping_efficiency"]
            metrics.update(tile_m=metrics["tile_ow"] * metrics["tile_oh"] * metrics["tile_n"],
                           tile_k=metrics["tile_kw"] * metrics["tile_kh"] * metrics["tile_ic"],
                           loop_order_code=np.full(metrics["tile_ic"].shape, GENESYS_ORDER_CODE))
            yield rows, cols, metrics
            continue
        comp = df_model.compute(m, n, k, groups, sub["array_rows"], sub["array_cols"], dataflow, sub)
        search = tiling == "search"
        traffic = memory.gemm_traffic(products, sub, dataflow, comp, search)
        metrics = dict(vars(traffic))
        compute = comp.compute_cycles + traffic.extra_compute_cycles.astype(np.int64) if search \
            else comp.compute_cycles
        del metrics["extra_compute_cycles"]
        metrics.update(macs=macs, compute_cycles=compute, folds=comp.group_folds,
                       mapping_efficiency=comp.mapping_efficiency,
                       # the search's extra fill/drain cycles do no MACs
                       compute_utilization=comp.compute_utilization * comp.compute_cycles / np.maximum(compute, 1)
                       if search else comp.compute_utilization,
                       total_cycles=compute + traffic.stall_cycles.astype(np.int64),
                       dram_read_bytes=traffic.dram_read_bytes, dram_write_bytes=traffic.dram_write_bytes,
                       sram_read_bytes=sram_sum(metrics, "read"), sram_write_bytes=sram_sum(metrics, "write"))
        yield rows, cols, metrics


#: (array mapping, dataflow, tiling) per ``model_code`` of :func:`config_table`.
_MODELS = [(mapping_name, dataflow, tiling) for mapping_name in ARRAY_MAPPINGS for dataflow in DATAFLOWS
           for tiling in TILINGS]


def sram_sum(metrics: dict, direction: str):
    """Bytes read (``direction = "read"``) or written in the four GEMM buffers, IBUF + WBUF + OBUF + BBUF."""
    ibuf, wbuf, obuf, bbuf = _SRAM_BYTES[direction](metrics)
    return ibuf + wbuf + obuf + bbuf


_GEMM_SIZES = itemgetter("m", "n", "k", "groups", "macs", "ifmap_elems")
_SRAM_BYTES = {direction: itemgetter(*(f"sram_{b}_{direction}_bytes" for b in BUFFERS[:4]))
               for direction in ("read", "write")}


def simd_part(layers: dict, hw: dict):
    """(SIMD layer columns, metrics of shape (configs, SIMD layers)) or None without SIMD layers."""
    cols = layers["simd_cols"]
    if cols.size == 0:
        return None
    elems, passes, n_in, n_out, row, row_passes = (
        layers[key][:, cols] for key in ("simd_elems", "simd_passes", "simd_in", "simd_out", "simd_row",
                                         "simd_row_passes"))
    hw = layer_widths(layers, hw, cols)
    genesys = hw["simd_model_code"] == 1  # (N, 1): configs with GeneSys's SIMD unit
    if not genesys.all():
        cycles = simd.simd_cycles(elems, passes, hw["lanes"])
        read_b, write_b, stall = memory.simd_stalls(n_in, n_out, row, row_passes, cycles, hw,
                                                    layers["next_gemm"][:, cols])
        vmem_read = vmem_write = simd.vmem_bytes(elems, passes, hw["acc_bits"])
    if genesys.any():
        geo = {key: layers[key][:, cols] for key in simd.GENESYS_COLUMNS}
        unit = simd.genesys_simd(geo, layers["g_divisors"], hw, [layers["name"][c] for c in cols])
        if genesys.all():
            cycles, stall, read_b, write_b = (unit.simd_cycles, unit.stall_cycles, unit.dram_ifmap_bytes,
                                              unit.dram_ofmap_bytes)
            vmem_read, vmem_write = unit.vmem_read_bytes, unit.vmem_write_bytes
        else:
            cycles, stall = np.where(genesys, unit.simd_cycles, cycles), np.where(genesys, unit.stall_cycles, stall)
            read_b = np.where(genesys, unit.dram_ifmap_bytes, read_b)
            write_b = np.where(genesys, unit.dram_ofmap_bytes, write_b)
            vmem_read = np.where(genesys, unit.vmem_read_bytes, vmem_read)
            vmem_write = np.where(genesys, unit.vmem_write_bytes, vmem_write)
    metrics = dict(simd_cycles=cycles, stall_cycles=stall, total_cycles=cycles + stall.astype(np.int64),
                   dram_ifmap_bytes=read_b, dram_ofmap_bytes=write_b, dram_read_bytes=read_b,
                   dram_write_bytes=write_b, sram_vmem_read_bytes=vmem_read, sram_vmem_write_bytes=vmem_write,
                   sram_read_bytes=vmem_read, sram_write_bytes=vmem_write)
    return cols, metrics


def evaluate(layers: dict, hw: dict, gemm_hw: dict | None = None, spare_rows: int = 0) -> np.ndarray:
    """All per-(config, layer) metrics as one array of shape (len(EVALUATED), N configs, L layers), rows
    in :data:`EVALUATED` order (floats; integer columns hold whole numbers). ``gemm_hw``: ``hw`` with every
    array already of shape (N, GEMM layers) (:func:`one_config_tables`), for the GEMM layers' model;
    ``spare_rows``: that many zero rows after them (the caller's own per-layer figures)."""
    n_configs = hw["array_rows"].shape[0]
    block = np.zeros((len(EVALUATED) + spare_rows, n_configs, layers["m"].shape[1]))
    gemm_cols = layers["gemm_cols"]
    # the GEMM layers' metrics go into a block of their own columns (plain slices), scattered at once
    gemm_block = block if gemm_cols.size == block.shape[2] else np.zeros((len(EVALUATED), n_configs, gemm_cols.size))
    for rows, _, metrics in gemm_parts(layers, hw if gemm_hw is None else gemm_hw):
        if type(rows) is slice:  # every config (numpy indexes whole rows faster than with a slice)
            target = gemm_block[:, 0] if n_configs == 1 else gemm_block  # one config: (metrics, layers)
            for name, value in metrics.items():
                target[_ROW[name]] = value
            continue
        for name, value in metrics.items():
            gemm_block[_ROW[name], rows] = value  # the row index and ``rows`` are adjacent: (configs, layers)
    if gemm_block is not block:
        block[:len(EVALUATED), :, gemm_cols] = gemm_block
    simd_metrics = simd_part(layers, hw)
    if simd_metrics is not None:
        cols, metrics = simd_metrics
        for name, value in metrics.items():
            block[_ROW[name]][:, cols] = value
    block[_ROW["utilization"]] = block[_ROW["macs"]] / (np.maximum(block[_ROW["total_cycles"]], 1) * hw["pes_f"])
    return block


LAYER_COLUMNS = ["macs", "compute_cycles", "stall_cycles", "simd_cycles", "total_cycles", "utilization",
                 "mapping_efficiency", "compute_utilization", "folds",
                 *[f"sram_{b}_{d}_bytes" for b in BUFFERS for d in ("read", "write")],
                 *[f"dram_{t}_bytes" for t in TENSORS], "dram_read_bytes", "dram_write_bytes",
                 "sram_read_bytes", "sram_write_bytes"]
#: The chosen off-chip mapping per layer: DRAM tile sizes, refetch factors, reduction tiles whose
#: partial sums go to DRAM and back (1 = partial sums stay in the OBUF). ``tile_m, tile_k, tile_oc``
#: are the tile of the per-group (M×K)·(K×N) GEMM under both array mappings (N = output channels);
#: the loop-nest tiles ``tile_ow .. tile_ic`` exist under the GeneSys mapping only (0 under im2col,
#: whose fixed order's tile is one fold over the whole streamed dim).
MAPPING_COLUMNS = ["tile_m", "tile_k", "tile_oc", "tile_ow", "tile_oh", "tile_n", "tile_kw", "tile_kh", "tile_ic",
                   "ifmap_refetch", "filter_refetch", "psum_passes"]
#: Code of the GeneSys loop order in the per-layer ``loop_order_code`` array.
GENESYS_ORDER_CODE = -2
INTEGER_COLUMNS = ["macs", "compute_cycles", "stall_cycles", "simd_cycles", "total_cycles", "folds"]
TILE_COLUMNS = [c for c in MAPPING_COLUMNS if c.startswith("tile_")]
WEIGHTED = ("mapping_efficiency", "compute_utilization")
SUMMED = [c for c in LAYER_COLUMNS if c not in WEIGHTED + ("utilization",)]
#: Rows of :func:`evaluate`'s array: the per-layer columns and the loop order code.
EVALUATED = LAYER_COLUMNS + MAPPING_COLUMNS + ["loop_order_code"]
_ROW = {name: i for i, name in enumerate(EVALUATED)}
_SUMMED_ROWS = [_ROW[name] for name in SUMMED]
_WEIGHTED_ROWS = [_ROW[name] for name in WEIGHTED]
_SUMMED_VALUES = itemgetter(*_SUMMED_ROWS)
#: the WEIGHTED rows as a slice (they are adjacent in LAYER_COLUMNS): a view, not a copy
_WEIGHTED_SLICE = slice(_WEIGHTED_ROWS[0], _WEIGHTED_ROWS[-1] + 1)
_INTEGER_ROWS = [_ROW[name] for name in INTEGER_COLUMNS + TILE_COLUMNS]


def batch_totals(layers: dict, hw: dict) -> dict[str, np.ndarray]:
    """Network totals per config (shape (N,)) without building (configs × layers) frames.

    ``mapping_efficiency`` and ``compute_utilization`` of a network are the compute-cycle-weighted
    means of its layers' values (SIMD layers weigh 0); ``utilization`` = MACs / (total_cycles · R · C).
    """
    n_configs = hw["array_rows"].shape[0]
    totals = {name: np.zeros(n_configs) for name in SUMMED + list(WEIGHTED)}
    for rows, _, metrics in gemm_parts(layers, hw):
        for name, value in metrics.items():
            if name not in totals:
                continue  # per-layer mapping columns have no network total
            if name in WEIGHTED:
                value = value * metrics["compute_cycles"]
            totals[name][rows] += np.broadcast_to(value, metrics["compute_cycles"].shape).sum(axis=1)
    simd_metrics = simd_part(layers, hw)
    if simd_metrics is not None:
        for name, value in simd_metrics[1].items():
            totals[name] += value.sum(axis=1)
    return finish_totals(totals, hw["pes"][:, 0])


def finish_totals(totals: dict, pes) -> dict:
    """Turn compute-cycle-weighted sums into means and add the network utilization (``pes``: R·C per
    config); the sums are arrays (N,) of many configs, or Python floats of one (``pes`` an int; the totals
    come back as Python floats and ints, with the same values as numpy's)."""
    one = type(totals["compute_cycles"]) is float
    maximum, to_int = (max, int) if one else (np.maximum, lambda value: value.astype(np.int64))
    compute_cycles = maximum(totals["compute_cycles"], 1)
    for name in WEIGHTED:
        totals[name] = totals[name] / compute_cycles
    totals["utilization"] = totals["macs"] / (maximum(totals["total_cycles"], 1) * pes)
    for name in INTEGER_COLUMNS:
        totals[name] = to_int(totals[name])
    return totals


def simulate(workload: Workload, hw: HardwareConfig) -> NetworkResult:
    """Simulate ``workload`` on one configuration: network totals and (``.layers``) the per-layer table."""
    if not isinstance(hw, HardwareConfig):
        raise SimulatorInputError(f"hw: expected a HardwareConfig, got {type(hw).__name__}")
    layers = layer_table(workload)
    n_gemm = layers["gemm_cols"].size
    hit = _RECENT_CONFIGS.get(id(hw))
    if hit is not None and hit[0] is hw and hit[1] == n_gemm:
        hw_table, gemm_hw = hit[2]
    else:
        hw_table, gemm_hw = one_config_tables(hw, n_gemm)
        if len(_RECENT_CONFIGS) >= 64:
            _RECENT_CONFIGS.pop(next(iter(_RECENT_CONFIGS)))
        _RECENT_CONFIGS[id(hw)] = (hw, n_gemm, (hw_table, gemm_hw))
    check_widths(layers, hw_table)
    # (metrics, layers) of the one config, then the WEIGHTED rows times the compute cycles: one sum for all
    block = evaluate(layers, hw_table, gemm_hw, spare_rows=len(WEIGHTED))[:, 0]
    per_layer = block[:len(EVALUATED)]
    np.multiply(per_layer[_WEIGHTED_SLICE], per_layer[_ROW["compute_cycles"]], out=block[len(EVALUATED):])
    summed = block.sum(axis=1).tolist()
    sums = dict(zip(SUMMED, _SUMMED_VALUES(summed)))
    sums.update(zip(WEIGHTED, summed[len(EVALUATED):]))
    totals = finish_totals(sums, int(hw_table["pes"][0, 0]))
    return NetworkResult(workload=workload.name, hardware=hw, totals=totals, per_layer=per_layer,
                         layer_names=layers["name"], layer_ops=layers["op"], gemm=layers["gemm_mask"])


#: Recently simulated configurations by identity: (HardwareConfig, GEMM layers, one_config_tables result); a
#: repeated call with the same HardwareConfig object skips hashing its fields.
_RECENT_CONFIGS: dict[int, tuple[HardwareConfig, int, tuple]] = {}


@lru_cache(maxsize=256)
def one_config_tables(hw: HardwareConfig, n_layers: int) -> tuple[dict, dict | None]:
    """:func:`one_config_table` and, under the im2col mapping, the same with every array repeated to shape
    (1, ``n_layers``) for the GEMM model (None under the GeneSys mapping, whose model keeps (1, 1) arrays);
    cached, read-only. numpy's element-wise operations on arrays of one shape skip the broadcasting set-up
    that dominates the cost of operations on a few layers."""
    table = one_config_table(hw)
    if hw.array_mapping != "im2col":
        return table, None
    repeated = {key: np.repeat(value, max(n_layers, 1), axis=1) for key, value in table.items()}
    for value in repeated.values():
        value.setflags(write=False)
    return table, repeated


@lru_cache(maxsize=256)
def one_config_table(hw: HardwareConfig) -> dict[str, np.ndarray]:
    """:func:`config_table` of one configuration, cached (read-only arrays)."""
    table = config_table([hw])
    for value in table.values():
        value.setflags(write=False)
    return table


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def simulate_batch(workload: Workload, configs, threads: int | None = None) -> pd.DataFrame:
    """Network totals for many configurations in one vectorized pass: one row per configuration.

    ``configs``: a DataFrame whose columns are HardwareConfig fields (other columns ignored, index
    kept) or a list of HardwareConfig. Columns: :data:`TOTAL_COLUMNS` then per-buffer/tensor bytes.
    Configurations are evaluated in blocks of about :data:`CHUNK_ELEMENTS` (config, layer) pairs on
    ``threads`` threads (default: :func:`available_cores`; numpy releases the GIL inside its array
    kernels); each configuration's result does not depend on the blocks or threads.
    """
    if threads is not None and (not isinstance(threads, (int, np.integer)) or isinstance(threads, bool)
                                or threads < 1):
        raise SimulatorInputError(f"threads={threads!r}: expected an integer >= 1 (or None for every core)")
    hw_table = config_table(configs)
    layers = layer_table(workload)
    check_widths(layers, hw_table)
    step = max(1, CHUNK_ELEMENTS // layers["m"].shape[1])
    n_configs = hw_table["array_rows"].shape[0]
    parts = [{key: value[start:start + step] for key, value in hw_table.items()}
             for start in range(0, n_configs, step)]
    workers = min(len(parts), available_cores() if threads is None else int(threads))
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="simulate_batch") as pool:
            blocks = list(pool.map(lambda part: batch_totals(layers, part), parts))
    else:
        blocks = [batch_totals(layers, part) for part in parts]
    totals = {name: np.concatenate([block[name] for block in blocks]) for name in blocks[0]}
    ordered = TOTAL_COLUMNS + [c for c in totals if c not in TOTAL_COLUMNS]
    index = configs.index if isinstance(configs, pd.DataFrame) else None
    return pd.DataFrame({name: totals[name] for name in ordered}, index=index)
