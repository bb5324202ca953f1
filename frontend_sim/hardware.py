"""Hardware configuration of the modelled accelerator (GeneSys/TPU style).

An ``array_rows × array_cols`` systolic PE array (SimDIT's ARRAY_N × ARRAY_M) running one
dataflow, a SIMD vector unit, input/weight/output/bias buffers and a DRAM interface.
Field names are the vocabulary shared by the simulator, the PPA datasets and the DSE space.

Readers (all return a validated :class:`HardwareConfig`; bad files raise
:class:`~frontend_sim.errors.SimulatorInputError` naming the file, the key and what was expected):

* our own JSON/TOML: a flat table whose keys are HardwareConfig fields (missing keys take defaults);
* a SCALE-Sim ``.cfg`` (INI), see :data:`SCALESIM_CFG_KEYS`;
* a SimDIT/GeneSys hardware JSON, see :data:`SIMDIT_JSON_KEYS`;
* a preset name, see :data:`PRESETS` (data files in ``frontend_sim/presets/``).
"""
from __future__ import annotations

import configparser
import difflib
import json
import logging
import math
import tomllib
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path

import numpy as np

from frontend_sim.errors import SimulatorInputError

logger = logging.getLogger(__name__)

DATAFLOWS = ("os", "ws", "is")
KIB_BITS = 8 * 1024
#: How a GEMM tile maps onto the array: SCALE-Sim's im2col (the K = KH·KW·C window on the stationary
#: axis, fill/drain per fold) or GeneSys's (input channels on the rows padded to the array, the window
#: iterated in time, fill/drain once per DRAM tile).
ARRAY_MAPPINGS = ("im2col", "genesys")
#: DRAM tiling: SCALE-Sim's one fixed loop order per dataflow (im2col mapping), SimDIT's tiling
#: generator (GeneSys mapping), or the searched off-chip tiling and loop order (either mapping:
#: :mod:`frontend_sim.im2col_tiling`, :mod:`frontend_sim.mapping`).
TILINGS = ("fixed", "genesys", "search")
#: DRAM interface: one link shared by all buffers (``dram_bytes_per_cycle``) or one AXI port per
#: buffer (``ibuf_axi_bits``, ``parambuf_axi_bits``, ``obuf_axi_bits``, ``simd_axi_bits``).
DRAM_PORTS = ("shared", "per_buffer")
#: Width of words written to DRAM: activation (``act_bits``) or accumulator (``acc_bits``).
WRITE_WIDTHS = ("act", "acc")
#: SIMD results written back at act width, acc width, or acc width unless the next layer is a
#: conv/GEMM (GeneSys: the SIMD output is quantised only when the array reads it next).
SIMD_WRITE_WIDTHS = ("act", "acc", "act_if_next_gemm")
#: SIMD unit model (:mod:`frontend_sim.simd`): "stream" = element-wise streaming at full lane occupancy,
#: traffic overlapped with compute; "genesys" = SimDIT's GeneSys SIMD: VMEM-bank tiles, channels padded
#: to the lanes, a 6-stage pipeline filled per tile, VMEM buffering per ``vmem_buffers``.
SIMD_MODELS = ("stream", "genesys")
#: How an array built for ``act_bits``/``wgt_bits`` runs a layer with narrower operands (per-layer precision,
#: :attr:`frontend_sim.workloads.Layer.act_bits`): "fixed" = one MAC per PE per cycle whatever the widths
#: (only traffic and SRAM accesses shrink); "packed" = a PE whose activation and weight are both at most
#: half (a quarter) of the built widths does 2 (4) MACs per cycle on as many output columns, i.e. the
#: layer runs on an ``array_rows × (p · array_cols)`` array, p = 1, 2 or 4 (BitFusion-style sub-word MACs).
#: ``utilization`` counts MACs per physical PE-cycle, so a packed layer can exceed 1 (up to p);
#: ``mapping_efficiency`` is relative to the effective array. The PPA side charges a packed design the
#: packed PE's measured extra area, power and slower clock over the fixed PE of the same widths
#: (``ppa.packing``, RTL in ``ppa.backend_flow.packed``).
PRECISION_MODES = ("fixed", "packed")
#: Fields whose value is one of a fixed set of names.
CHOICE_FIELDS = {"dataflow": DATAFLOWS, "array_mapping": ARRAY_MAPPINGS, "tiling": TILINGS,
                 "dram_ports": DRAM_PORTS, "ofmap_write": WRITE_WIDTHS, "simd_write": SIMD_WRITE_WIDTHS,
                 "simd_model": SIMD_MODELS, "precision_mode": PRECISION_MODES}


@dataclass(frozen=True)
class HardwareConfig:
    """One accelerator configuration. Widths in bits, buffers in KiB, DRAM in bytes/cycle, AXI ports
    in bits/cycle. The defaults are SCALE-Sim's behaviour (im2col, fixed loop order, one shared link,
    outputs at act width, padding not fetched, SIMD traffic overlapped); a SimDIT JSON sets GeneSys's.
    """

    array_rows: int = 32
    array_cols: int = 32
    dataflow: str = "os"
    act_bits: int = 8
    wgt_bits: int = 8
    acc_bits: int = 32
    bias_bits: int = 32
    ibuf_kib: float = 64.0
    wbuf_kib: float = 64.0
    obuf_kib: float = 64.0
    bbuf_kib: float = 4.0
    dram_bytes_per_cycle: float = 16.0
    simd_lanes: int = 0  # 0 means "as many lanes as array columns"
    vmem_kib: float = 64.0
    array_mapping: str = "im2col"
    tiling: str = "fixed"
    dram_ports: str = "shared"
    ibuf_axi_bits: int = 128  # bits/cycle, IBUF's AXI port (dram_ports = "per_buffer")
    parambuf_axi_bits: int = 128  # bits/cycle, weights and bias
    obuf_axi_bits: int = 128  # bits/cycle, OBUF reads (partial sums) and writes
    simd_axi_bits: int = 512  # bits/cycle, SIMD VMEM port
    ofmap_write: str = "act"
    fetch_padding: bool = False  # True: zero padding / halos are fetched from DRAM with the tile
    vmem_buffers: int = 2  # 1 = single-buffered VMEM (SIMD traffic not overlapped with SIMD compute)
    simd_write: str = "act"
    simd_model: str = "stream"
    precision_mode: str = "fixed"  # narrower layers: "fixed" (no speed-up) or "packed" (2x/4x MACs per PE)

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            problem = field_problem(name, value)
            if problem:
                raise SimulatorInputError(f"HardwareConfig.{name}={value!r}: expected {problem}")
        problem = combination_problem(self)
        if problem:
            raise SimulatorInputError(f"HardwareConfig.{problem}")

    @property
    def lanes(self) -> int:
        """SIMD lanes actually used (``simd_lanes`` or, when 0, ``array_cols``)."""
        return self.simd_lanes or self.array_cols


#: Fields that must be integers >= 1 (bits, bits/cycle and PE counts).
POSITIVE_INT_FIELDS = ("array_rows", "array_cols", "act_bits", "wgt_bits", "acc_bits", "bias_bits",
                       "ibuf_axi_bits", "parambuf_axi_bits", "obuf_axi_bits", "simd_axi_bits")
#: Fields that must be finite numbers > 0 (KiB, bytes/cycle).
POSITIVE_FLOAT_FIELDS = ("ibuf_kib", "wbuf_kib", "obuf_kib", "bbuf_kib", "dram_bytes_per_cycle", "vmem_kib")
#: All integer fields (``simd_lanes`` may be 0, ``vmem_buffers`` is 1 or 2).
INT_FIELDS = POSITIVE_INT_FIELDS + ("simd_lanes", "vmem_buffers")
FIELD_NAMES = tuple(f.name for f in fields(HardwareConfig))


def field_problem(name: str, value) -> str:
    """What is wrong with ``value`` for field ``name`` ('' when it is valid)."""
    if name in CHOICE_FIELDS:
        return "" if value in CHOICE_FIELDS[name] else f"one of {', '.join(CHOICE_FIELDS[name])}"
    if name == "fetch_padding":
        return "" if isinstance(value, (bool, np.bool_)) else "true or false"
    if name == "vmem_buffers":
        return "" if value in (1, 2) and not isinstance(value, bool) else "1 (single) or 2 (double buffered)"
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if name in POSITIVE_INT_FIELDS:
        return "" if is_int and value >= 1 else "an integer >= 1"
    if name == "simd_lanes":
        return "" if is_int and value >= 0 else "an integer >= 0 (0 = array_cols)"
    if name in POSITIVE_FLOAT_FIELDS:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0
        return "" if ok else "a number > 0"
    return f"a known field ({', '.join(FIELD_NAMES)})"


def combination_problem(hw: HardwareConfig) -> str:
    """What is wrong with a combination of fields ('' when none), as ``field=value: expected ...``.

    The im2col mapping runs SCALE-Sim's fixed loop order or the search (which keeps the fixed order where
    no tile fits, so any buffer sizes are legal); the GeneSys mapping is weight-stationary,
    tiled by SimDIT's generator or the search, and needs buffers that hold the smallest legal tile
    (:func:`frontend_sim.mapping.minimum_buffers`).
    """
    if hw.array_mapping == "im2col" and hw.tiling == "genesys":
        return "tiling='genesys': expected 'fixed' or 'search' with array_mapping='im2col' (SimDIT's generator needs 'genesys')"
    if hw.array_mapping == "genesys":
        if hw.tiling == "fixed":
            return "tiling='fixed': expected 'genesys' or 'search' with array_mapping='genesys'"
        if hw.dataflow != "ws":
            return f"dataflow={hw.dataflow!r}: expected 'ws' with array_mapping='genesys' (weight-stationary)"
        for name, (bits, what) in genesys_minimum_buffers(hw.array_rows, hw.array_cols, hw.act_bits, hw.wgt_bits,
                                                          hw.acc_bits, hw.bias_bits).items():
            if getattr(hw, name) * KIB_BITS < bits:
                return (f"{name}={getattr(hw, name)!r}: too small for any legal GeneSys tile; expected >= "
                        f"{bits / KIB_BITS:g} KiB ({bits} bits: {what}, double-buffered)")
    return ""


def genesys_minimum_buffers(rows, cols, act_bits, wgt_bits, acc_bits, bias_bits) -> dict[str, tuple[int, str]]:
    """Smallest legal buffer (bits) per field under the GeneSys mapping: the smallest tile, 1×1 kernel
    and one output pixel, double-buffered (what SimDIT's tiling generator can shrink to)."""
    return {"wbuf_kib": (2 * rows * cols * wgt_bits, "R x C weights"),
            "ibuf_kib": (2 * rows * act_bits, "one pixel of R input channels"),
            "obuf_kib": (2 * cols * acc_bits, "one pixel of C partial sums"),
            "bbuf_kib": (2 * cols * bias_bits, "C biases")}


def build(values: dict, source: str) -> HardwareConfig:
    """HardwareConfig(**values); a bad combination names ``source``."""
    try:
        return HardwareConfig(**values)
    except SimulatorInputError as exc:
        raise SimulatorInputError(f"{source}: {str(exc).removeprefix('HardwareConfig.')}") from None


def from_mapping(values: dict, source: str = "mapping") -> HardwareConfig:
    """HardwareConfig from a dict of field values; unknown keys and bad values name ``source``."""
    unknown = sorted(set(values) - set(FIELD_NAMES))
    if unknown:
        raise SimulatorInputError(f"{source}: unknown key {unknown[0]!r}; expected HardwareConfig fields "
                                  f"({', '.join(FIELD_NAMES)})")
    cleaned = {}
    for name, value in values.items():
        if name in INT_FIELDS and isinstance(value, float) and value.is_integer():
            value = int(value)
        problem = field_problem(name, value)
        if problem:
            raise SimulatorInputError(f"{source}: key {name!r} = {value!r}; expected {problem}")
        cleaned[name] = float(value) if name in POSITIVE_FLOAT_FIELDS else value
    return build(cleaned, source)


# ---------------------------------------------------------------- SCALE-Sim .cfg
#: SCALE-Sim ``[architecture_presets]`` key -> (HardwareConfig field, conversion). Word = 1 byte.
SCALESIM_CFG_KEYS = {
    "ArrayHeight": ("array_rows", int),
    "ArrayWidth": ("array_cols", int),
    "IfmapSramSzkB": ("ibuf_kib", float),
    "FilterSramSzkB": ("wbuf_kib", float),
    "OfmapSramSzkB": ("obuf_kib", float),
    "Dataflow": ("dataflow", str),
    "Bandwidth": ("dram_bytes_per_cycle", float),
}
#: SCALE-Sim keys that do not change this model's cycles or traffic (accepted, not read).
SCALESIM_OTHER_KEYS = (
    "run_name", "IfmapOffset", "FilterOffset", "OfmapOffset", "ReadRequestBuffer", "WriteRequestBuffer",
    "MemoryBanks", "OnChipMemoryBanks", "OnChipMemoryBankPorts", "InterfaceBandwidth", "UseRamulatorTrace",
    "IfmapCustomLayout", "IfmapSRAMBankBandwidth", "IfmapSRAMBankNum", "IfmapSRAMBankPort", "FilterCustomLayout",
    "FilterSRAMBankBandwidth", "FilterSRAMBankNum", "FilterSRAMBankPort", "SparsitySupport", "SparseRep",
    "OptimizedMapping", "BlockSize", "RandomNumberGeneratorSeed")
SCALESIM_REQUIRED = ("ArrayHeight", "ArrayWidth", "IfmapSramSzkB", "FilterSramSzkB", "OfmapSramSzkB", "Dataflow")


def warn_near_misses(keys, read: tuple[str, ...], known: tuple[str, ...], source: str) -> None:
    """One warning line per key of ``keys`` that is not a known key but looks like a misspelling of one
    of ``read`` (the keys that change the model): such a key is ignored, as by the original tool."""
    for key in keys:
        if key in read or key in known:
            continue
        close = difflib.get_close_matches(key, read, n=1, cutoff=0.75) or difflib.get_close_matches(
            key.lower(), [k.lower() for k in read], n=1, cutoff=0.75)
        if close:
            meant = next(k for k in read if k.lower() == close[0].lower())
            logger.warning("%s: key %r is not one this reader knows and is ignored; did you mean %r?",
                           source, key, meant)


def read_scalesim_cfg(path: str | Path) -> HardwareConfig:
    """HardwareConfig from a SCALE-Sim ``.cfg``; 8-bit operands (SCALE-Sim's word is one byte).

    ``Bandwidth`` (words/cycle) becomes ``dram_bytes_per_cycle``; without it the default is kept.
    """
    path = Path(path)
    parser = configparser.ConfigParser()
    parser.optionxform = str  # keep SCALE-Sim's CamelCase keys
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except UnicodeDecodeError as exc:
        raise SimulatorInputError(f"{path}: not a UTF-8 text file (byte {exc.object[exc.start]:#04x} at offset "
                                  f"{exc.start}); a SCALE-Sim .cfg is INI text") from None
    except (OSError, configparser.Error) as exc:
        raise SimulatorInputError(f"{path}: not a readable SCALE-Sim .cfg (INI) file: {exc}".splitlines()[0]) from exc
    section = "architecture_presets"
    if not parser.has_section(section):
        raise SimulatorInputError(f"{path}: missing section [{section}] (SCALE-Sim .cfg expected)")
    arch = parser[section]
    for name in parser.sections():
        warn_near_misses(parser[name], tuple(SCALESIM_CFG_KEYS), SCALESIM_OTHER_KEYS, f"{path}: [{name}]")
    values = {"act_bits": 8, "wgt_bits": 8}
    for key, (name, convert) in SCALESIM_CFG_KEYS.items():
        if key not in arch:
            if key in SCALESIM_REQUIRED:
                raise SimulatorInputError(f"{path}: [{section}] is missing key {key!r}")
            continue
        raw = arch[key].strip()
        try:
            value = convert(raw) if convert is not str else raw.lower()
        except ValueError:
            raise SimulatorInputError(f"{path}: [{section}] {key} = {raw!r}; expected {convert.__name__}") from None
        problem = field_problem(name, value)
        if problem:
            raise SimulatorInputError(f"{path}: [{section}] {key} = {raw!r}; expected {problem}")
        values[name] = value
    return build(values, str(path))


# ---------------------------------------------------------------- SimDIT / GeneSys JSON
#: SimDIT hardware-JSON key -> (HardwareConfig field, conversion from the JSON value).
#: Capacities are in bits (-> KiB); the OBUF key is one of GeneSys' two output buffers (SimDIT
#: doubles it); SIMD VMEM1 and VMEM2 are counted together. ``*_AXI_DATA_WIDTH`` are the per-buffer
#: DRAM ports in bits/cycle; ``dram_bytes_per_cycle`` (used only with ``dram_ports = "shared"``) is the
#: sum of the IBUF, PARAMBUF (weights + bias) and OBUF ports / 8. Keys SimDIT reads that do not change
#: cycles or DRAM traffic (``SIMD_INST_MEM_ADDR_WIDTH``, ``INST_MEM_*``: instruction memories) are
#: accepted and ignored.
SIMDIT_JSON_KEYS = {
    "ARRAY_N": ("array_rows", int),
    "ARRAY_M": ("array_cols", int),
    "ACT_DATA_WIDTH": ("act_bits", int),
    "WGT_DATA_WIDTH": ("wgt_bits", int),
    "ACC_WIDTH": ("acc_bits", int),
    "ACC_DATA_WIDTH": ("acc_bits", int),
    "BIAS_WIDTH": ("bias_bits", int),
    "BIAS_DATA_WIDTH": ("bias_bits", int),
    "IBUF_CAPACITY_BITS": ("ibuf_kib", lambda v: v / KIB_BITS),
    "WBUF_CAPACITY_BITS": ("wbuf_kib", lambda v: v / KIB_BITS),
    "OBUF_CAPACITY_BITS": ("obuf_kib", lambda v: 2 * v / KIB_BITS),
    "BBUF_CAPACITY_BITS": ("bbuf_kib", lambda v: v / KIB_BITS),
    "SIMD_VMEM_CAPACITY_BITS": ("vmem_kib", lambda v: 2 * v / KIB_BITS),
    "NUM_SIMD_LANES": ("simd_lanes", int),
    "IBUF_AXI_DATA_WIDTH": ("ibuf_axi_bits", int),
    "PARAMBUF_AXI_DATA_WIDTH": ("parambuf_axi_bits", int),
    "OBUF_AXI_DATA_WIDTH": ("obuf_axi_bits", int),
    "SIMD_AXI_DATA_WIDTH": ("simd_axi_bits", int),
    "DATAFLOW": ("dataflow", lambda v: str(v).lower()),
}
SIMDIT_BUFFER_KEYS = {"wbuf_kib": "WBUF_CAPACITY_BITS", "ibuf_kib": "IBUF_CAPACITY_BITS",
                      "obuf_kib": "OBUF_CAPACITY_BITS", "bbuf_kib": "BBUF_CAPACITY_BITS"}
SIMDIT_AXI_KEYS = ("IBUF_AXI_DATA_WIDTH", "PARAMBUF_AXI_DATA_WIDTH", "OBUF_AXI_DATA_WIDTH")
SIMDIT_REQUIRED = ("ARRAY_N", "ARRAY_M")
#: SimDIT keys that do not change cycles or DRAM traffic (accepted, not read).
SIMDIT_OTHER_KEYS = ("SIMD_INST_MEM_ADDR_WIDTH", "INST_MEM_AXI_DATA_WIDTH", "INST_MEM_CAPACITY_BITS")
#: What a SimDIT file implies beyond its keys: GeneSys's weight-stationary array with its channel-on-rows
#: mapping, SimDIT's tiling generator, one AXI port per buffer, outputs written at accumulator width,
#: padding/halos fetched, single-buffered VMEM, SIMD results quantised only before a conv/GEMM, GeneSys's
#: SIMD unit model.
SIMDIT_DEFAULTS = {"dataflow": "ws", "array_mapping": "genesys", "tiling": "genesys", "dram_ports": "per_buffer",
                   "ofmap_write": "acc", "fetch_padding": True, "vmem_buffers": 1, "simd_write": "act_if_next_gemm",
                   "simd_model": "genesys"}


def from_simdit(data: dict, source: str = "SimDIT JSON") -> HardwareConfig:
    """HardwareConfig from a SimDIT hardware dict, with GeneSys's behaviour (:data:`SIMDIT_DEFAULTS`)."""
    for key in SIMDIT_REQUIRED:
        if key not in data:
            raise SimulatorInputError(f"{source}: missing key {key!r} (SimDIT hardware JSON expected)")
    values = dict(SIMDIT_DEFAULTS)
    warn_near_misses(data, tuple(SIMDIT_JSON_KEYS), SIMDIT_OTHER_KEYS, source)
    for key, raw in data.items():
        if key in SIMDIT_JSON_KEYS:
            name, convert = SIMDIT_JSON_KEYS[key]
            if isinstance(raw, bool) or (key != "DATAFLOW" and not isinstance(raw, (int, float))):
                raise SimulatorInputError(f"{source}: key {key!r} = {raw!r}; expected a number")
            value = convert(raw)
            if name in INT_FIELDS and isinstance(raw, float) and raw.is_integer():
                value = int(raw)
            problem = field_problem(name, value)
            if problem:
                raise SimulatorInputError(f"{source}: key {key!r} = {raw!r}; expected {problem}")
            values[name] = value
    axi = [data[key] for key in SIMDIT_AXI_KEYS if key in data]
    if axi:
        values["dram_bytes_per_cycle"] = sum(axi) / 8
    defaults = HardwareConfig()
    widths = [values.get(name, getattr(defaults, name))
              for name in ("array_rows", "array_cols", "act_bits", "wgt_bits", "acc_bits", "bias_bits")]
    for name, (bits, what) in genesys_minimum_buffers(*widths).items():
        key = SIMDIT_BUFFER_KEYS[name]
        least = bits // 2 if key == "OBUF_CAPACITY_BITS" else bits  # the key is one of two OBUF banks
        if key in data and data[key] < least:
            raise SimulatorInputError(f"{source}: key {key!r} = {data[key]!r} is too small for any legal GeneSys "
                                      f"tile; expected >= {least} ({what}, double-buffered)")
    return build(values, source)


# ---------------------------------------------------------------- files, presets
PRESET_DIR = "presets"


def preset_names() -> list[str]:
    """Names of the bundled presets (file stems in ``frontend_sim/presets/``)."""
    root = resources.files("frontend_sim") / PRESET_DIR
    return sorted(p.name.rsplit(".", 1)[0] for p in root.iterdir() if p.name.endswith((".toml", ".json", ".cfg")))


def get_preset(name: str) -> HardwareConfig:
    """A bundled preset by name, e.g. ``scalesim-32x32``, ``tpu-v1-like``, ``genesys-16x16``, ``edge-8x8``."""
    root = resources.files("frontend_sim") / PRESET_DIR
    for suffix in (".toml", ".json", ".cfg"):
        candidate = root / f"{name}{suffix}"
        if candidate.is_file():
            with resources.as_file(candidate) as path:
                return read_hardware_file(path)
    raise SimulatorInputError(f"unknown hardware preset {name!r}; expected a file path or one of "
                              f"{', '.join(preset_names())}")


def read_hardware_file(path: str | Path) -> HardwareConfig:
    """HardwareConfig from ``.cfg`` (SCALE-Sim), ``.json`` (ours or SimDIT's, told apart by ARRAY_N) or ``.toml``."""
    path = Path(path)
    if not path.is_file():
        raise SimulatorInputError(f"{path}: hardware file not found")
    suffix = path.suffix.lower()
    if suffix == ".cfg":
        return read_scalesim_cfg(path)
    if suffix == ".json":
        try:
            data = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SimulatorInputError(f"{path}: not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise SimulatorInputError(f"{path}: expected a JSON object of hardware parameters")
        if "ARRAY_N" in data or "ARRAY_M" in data:
            return from_simdit(data, source=str(path))
        return from_mapping(data, source=str(path))
    if suffix == ".toml":
        try:
            data = tomllib.loads(path.read_text())
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise SimulatorInputError(f"{path}: not valid TOML: {exc}") from exc
        return from_mapping(data, source=str(path))
    raise SimulatorInputError(f"{path}: unknown hardware file type {suffix!r}; expected .cfg, .json or .toml")


def load_hardware(name_or_path: str | Path | HardwareConfig) -> HardwareConfig:
    """A HardwareConfig from a preset name, a hardware file, or a HardwareConfig (returned as is)."""
    if isinstance(name_or_path, HardwareConfig):
        return name_or_path
    text = str(name_or_path)
    if Path(text).suffix.lower() in (".cfg", ".json", ".toml") or Path(text).exists():
        return read_hardware_file(text)
    return get_preset(text)
