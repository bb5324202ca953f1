"""Heterogeneous designs: one or more sub-accelerators (cores) sharing one DRAM interface (HERALD-style).

Each core is a full :class:`~frontend_sim.hardware.HardwareConfig` (array shape, dataflow, buffers, SIMD
lanes, its own DRAM port width). All cores run on one clock (cycles are counted in it).

**How DRAM bandwidth is shared** (static partition, as HERALD partitions its global bandwidth among its
sub-accelerators): the design has a total link of ``dram_bytes_per_cycle`` bytes/cycle; core *k* owns the
fraction ``share_k`` of it for the whole run (``dram_share``: ``"pe"`` = proportional to its PE count,
``"equal"``, or an explicit list of fractions summing to 1) and is simulated with
``min(own port, share_k × total)`` bytes/cycle (:meth:`MultiCoreConfig.effective_cores`; under
``dram_ports = "per_buffer"`` each AXI port is scaled by the same factor, floored to whole bits). A core
never borrows the bandwidth of an idle core — conservative when the cores are not all busy. Without
``dram_bytes_per_cycle`` the total is the sum of the cores' own ports, and the default share policy
(``"own"``) gives each core exactly its own port: a single-core design then reproduces
:func:`frontend_sim.simulator.simulate` exactly.

**What a core can run.** ``supports`` (default: everything) lists the layer kinds of
:data:`LAYER_KINDS` a core executes — ``conv``, ``depthwise`` (grouped conv with one channel per group),
``gemm`` and ``simd`` (non-GEMM layers on the SIMD unit) — so a specialised sub-accelerator can refuse
work; a layer that no core runs is an error naming the workload, the layer and its kind.

Files (TOML or JSON)::

    name = "herald-256"
    dram_bytes_per_cycle = 16      # total, bytes/cycle (optional)
    dram_share = "pe"              # "pe" | "equal" | "own" | [0.5, 0.5]
    [[core]]
    name = "ws"                    # optional label
    base = "edge-8x8"              # optional: a hardware preset or file whose fields the rest override
    supports = ["conv", "gemm", "simd"]   # optional
    array_rows = 16
    array_cols = 8
    dataflow = "ws"

A plain single-core hardware file or preset is read as a one-core design. Presets live in
``frontend_sim/presets/multicore/`` (:func:`multicore_preset_names`).
"""
from __future__ import annotations

import json
import logging
import math
import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from frontend_sim.errors import SimulatorInputError
from frontend_sim.hardware import HardwareConfig, from_mapping, load_hardware, preset_names
from frontend_sim.workloads import Layer

logger = logging.getLogger(__name__)

#: Kinds of layer a core may support (see :func:`layer_kind`).
LAYER_KINDS = ("conv", "depthwise", "gemm", "simd")
#: DRAM share policies besides an explicit list of fractions.
SHARE_POLICIES = ("own", "pe", "equal")
MULTICORE_PRESET_DIR = "presets/multicore"
_TOP_KEYS = {"name", "dram_bytes_per_cycle", "dram_share", "core"}
_CORE_KEYS = {"name", "base", "supports"}


def layer_kind(layer: Layer) -> str:
    """``depthwise`` (grouped conv, one input channel per group), ``conv``, ``gemm`` or ``simd``."""
    if layer.op == "conv":
        return "depthwise" if layer.groups > 1 and layer.groups == layer.channels else "conv"
    return "gemm" if layer.op == "gemm" else "simd"


@dataclass(frozen=True)
class Core:
    """One sub-accelerator: its hardware, a label and the layer kinds it runs."""

    hardware: HardwareConfig
    name: str = "core0"
    supports: tuple[str, ...] = LAYER_KINDS

    def __post_init__(self) -> None:
        if not isinstance(self.hardware, HardwareConfig):
            raise SimulatorInputError(f"core {self.name!r}: hardware must be a HardwareConfig, "
                                      f"got {type(self.hardware).__name__}")
        bad = [kind for kind in self.supports if kind not in LAYER_KINDS]
        if bad or not self.supports:
            raise SimulatorInputError(f"core {self.name!r}: supports={list(self.supports)!r}; expected a non-empty "
                                      f"list of {', '.join(LAYER_KINDS)}")

    @property
    def pes(self) -> int:
        """Processing elements of the array (rows × cols)."""
        return self.hardware.array_rows * self.hardware.array_cols


@dataclass(frozen=True)
class MultiCoreConfig:
    """A heterogeneous design: cores sharing a DRAM link of ``dram_bytes_per_cycle`` bytes/cycle
    (None: the sum of the cores' own ports) split by ``dram_share`` (see the module docstring)."""

    cores: tuple[Core, ...]
    name: str = "design"
    dram_bytes_per_cycle: float | None = None
    dram_share: str | tuple[float, ...] = "own"

    def __post_init__(self) -> None:
        where = f"design {self.name!r}"
        if not self.cores or not all(isinstance(c, Core) for c in self.cores):
            raise SimulatorInputError(f"{where}: expected one or more cores")
        names = [core.name for core in self.cores]
        if len(set(names)) != len(names):
            raise SimulatorInputError(f"{where}: core names repeat: {names}")
        total = self.dram_bytes_per_cycle
        if total is not None and (isinstance(total, bool) or not isinstance(total, (int, float))
                                  or not math.isfinite(total) or total <= 0):
            raise SimulatorInputError(f"{where}: dram_bytes_per_cycle={total!r}; expected a number > 0")
        share = self.dram_share
        if isinstance(share, str):
            if share not in SHARE_POLICIES:
                raise SimulatorInputError(f"{where}: dram_share={share!r}; expected one of "
                                          f"{', '.join(SHARE_POLICIES)} or a list of fractions")
        else:
            ok = (len(share) == len(self.cores) and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                         and v > 0 for v in share)
                  and abs(sum(share) - 1.0) < 1e-9)
            if not ok:
                raise SimulatorInputError(f"{where}: dram_share={list(share)!r}; expected {len(self.cores)} "
                                          f"fractions > 0 summing to 1 (one per core)")

    @property
    def total_dram_bytes_per_cycle(self) -> float:
        """The shared link, bytes/cycle."""
        if self.dram_bytes_per_cycle is not None:
            return float(self.dram_bytes_per_cycle)
        return float(sum(core.hardware.dram_bytes_per_cycle for core in self.cores))

    @property
    def shares(self) -> tuple[float, ...]:
        """Fraction of the shared link each core owns (sums to 1)."""
        if not isinstance(self.dram_share, str):
            return tuple(float(v) for v in self.dram_share)
        if self.dram_share == "equal":
            weights = [1.0] * len(self.cores)
        elif self.dram_share == "pe":
            weights = [float(core.pes) for core in self.cores]
        else:
            weights = [core.hardware.dram_bytes_per_cycle for core in self.cores]
        return tuple(w / sum(weights) for w in weights)

    @property
    def pes(self) -> int:
        """Processing elements over all cores."""
        return sum(core.pes for core in self.cores)

    def effective_cores(self) -> tuple[HardwareConfig, ...]:
        """Each core's HardwareConfig with the DRAM bandwidth it actually gets (its share of the link)."""
        total = self.total_dram_bytes_per_cycle
        out = []
        for core, share in zip(self.cores, self.shares):
            hw = core.hardware
            granted = min(hw.dram_bytes_per_cycle, share * total)
            if granted == hw.dram_bytes_per_cycle:
                out.append(hw)
                continue
            factor = granted / hw.dram_bytes_per_cycle
            changes = {"dram_bytes_per_cycle": granted}
            if hw.dram_ports == "per_buffer":
                changes.update({name: max(1, int(getattr(hw, name) * factor)) for name in
                                ("ibuf_axi_bits", "parambuf_axi_bits", "obuf_axi_bits", "simd_axi_bits")})
            out.append(replace(hw, **changes))
        return tuple(out)


def single_core(hw: HardwareConfig, name: str = "core0") -> MultiCoreConfig:
    """A one-core design of ``hw`` (its own DRAM port, every layer kind)."""
    return MultiCoreConfig(cores=(Core(hw, name),), name=name)


def from_dict(data: dict, source: str) -> MultiCoreConfig:
    """A design from a parsed TOML/JSON table (see the module docstring); errors name ``source``."""
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise SimulatorInputError(f"{source}: unknown key {unknown[0]!r}; expected {', '.join(sorted(_TOP_KEYS))}")
    cores_raw = data.get("core")
    if not isinstance(cores_raw, list) or not cores_raw or not all(isinstance(c, dict) for c in cores_raw):
        raise SimulatorInputError(f"{source}: expected one or more [[core]] tables")
    cores = []
    for index, raw in enumerate(cores_raw):
        where = f"{source}: core {index}"
        name = raw.get("name", f"core{index}")
        if not isinstance(name, str) or not name:
            raise SimulatorInputError(f"{where}: name={name!r}; expected a non-empty string")
        supports = raw.get("supports", list(LAYER_KINDS))
        if not isinstance(supports, list) or not supports or any(s not in LAYER_KINDS for s in supports):
            raise SimulatorInputError(f"{where} ({name}): supports={supports!r}; expected a non-empty list of "
                                      f"{', '.join(LAYER_KINDS)}")
        fields_ = {key: value for key, value in raw.items() if key not in _CORE_KEYS}
        base = raw.get("base")
        if base is not None:
            if not isinstance(base, str):
                raise SimulatorInputError(f"{where} ({name}): base={base!r}; expected a preset name or file")
            try:
                base_hw = load_hardware(base)
            except SimulatorInputError as exc:
                raise SimulatorInputError(f"{where} ({name}): base: {exc}") from None
            fields_ = {**base_hw.__dict__, **fields_}
        hw = from_mapping(fields_, source=f"{where} ({name})")
        cores.append(Core(hw, name, tuple(supports)))
    share = data.get("dram_share", "own")
    if isinstance(share, list):
        share = tuple(share)
    elif not isinstance(share, str):
        raise SimulatorInputError(f"{source}: dram_share={share!r}; expected one of {', '.join(SHARE_POLICIES)} "
                                  f"or a list of fractions")
    name = data.get("name", Path(source).stem)
    try:
        return MultiCoreConfig(cores=tuple(cores), name=str(name), dram_bytes_per_cycle=data.get("dram_bytes_per_cycle"),
                               dram_share=share)
    except SimulatorInputError as exc:
        raise SimulatorInputError(f"{source}: {str(exc).removeprefix(f'design {name!r}: ')}") from None


def read_multicore_file(path: str | Path) -> MultiCoreConfig:
    """A design from a ``.toml``/``.json`` file with ``[[core]]`` tables, or a one-core design from any
    single-core hardware file (SCALE-Sim ``.cfg``, SimDIT or HardwareConfig JSON/TOML)."""
    path = Path(path)
    if not path.is_file():
        raise SimulatorInputError(f"{path}: hardware file not found")
    suffix = path.suffix.lower()
    data = None
    try:
        if suffix == ".toml":
            data = tomllib.loads(path.read_text())
        elif suffix == ".json":
            data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise SimulatorInputError(f"{path}: not valid {suffix[1:].upper()}: {exc}".splitlines()[0]) from None
    if isinstance(data, dict) and "core" in data:
        return from_dict(data, str(path))
    return single_core(load_hardware(path), name=path.stem)


def multicore_preset_names() -> list[str]:
    """Names of the bundled multi-core presets (``frontend_sim/presets/multicore/*.toml``)."""
    root = resources.files("frontend_sim") / MULTICORE_PRESET_DIR
    return sorted(p.name.removesuffix(".toml") for p in root.iterdir() if p.name.endswith(".toml"))


def load_multicore(spec: str | Path | MultiCoreConfig | HardwareConfig) -> MultiCoreConfig:
    """A design from a multi-core preset name, a file (multi- or single-core), a single-core preset name,
    a HardwareConfig (one core) or a MultiCoreConfig (returned as is)."""
    if isinstance(spec, MultiCoreConfig):
        return spec
    if isinstance(spec, HardwareConfig):
        return single_core(spec)
    text = str(spec)
    if Path(text).exists() or Path(text).suffix.lower() in (".toml", ".json", ".cfg"):
        return read_multicore_file(text)
    candidate = resources.files("frontend_sim") / MULTICORE_PRESET_DIR / f"{text}.toml"
    if candidate.is_file():
        with resources.as_file(candidate) as path:
            return read_multicore_file(path)
    try:
        return single_core(load_hardware(text), name=text)
    except SimulatorInputError:
        raise SimulatorInputError(f"unknown hardware {text!r}; expected a file, a multi-core preset "
                                  f"({', '.join(multicore_preset_names())}) or a preset "
                                  f"({', '.join(preset_names())})") from None
