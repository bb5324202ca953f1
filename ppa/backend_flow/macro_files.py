"""SRAM macro views: the numbers a buffer model needs, read from a macro's liberty and LEF files.

A small Liberty reader (groups, simple and complex attributes, comments, line continuations) and a LEF
reader for ``MACRO … SIZE w BY h``. What is taken, per macro (units as stored in :class:`MacroView`):

* area: LEF ``SIZE`` width × height (µm²), which must equal the liberty cell's ``area`` when it gives one;
* read / write energy per access: the ``internal_power`` groups of the clock pin whose ``when`` is a read
  (``!CEN & GWEN``) or a write (``… !GWEN …``) — **one table value is one access** (pJ: the files use
  1 V × 1 pF). The liberty lists the access on both clock edges (``rise_power`` and ``fall_power``);
  a tool that adds both (Debian's OpenSTA does) counts every access twice, so the rise table alone is taken
  and the fall table must equal it;
* leakage: ``cell_leakage_power`` in the library's ``leakage_power_unit`` (converted to mW);
* minimum clock period: ``min_period`` of the clock pin (ns);
* CLK→Q: the worse of ``cell_rise``/``cell_fall`` of the output bus at the first table point (the
  datasheet's smallest clock slew and load), ns.

Any missing or malformed item is a :class:`~ppa.backend_flow.errors.BackendFlowError` naming the file
(and its line for syntax errors).
"""
from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from pathlib import Path

from ppa.backend_flow.errors import BackendFlowError

#: leakage_power_unit → factor to mW.
_POWER_UNITS = {"1mw": 1.0, "1uw": 1e-3, "1nw": 1e-6, "1pw": 1e-9, "1w": 1e3}
#: time_unit → factor to ns.
_TIME_UNITS = {"1ns": 1.0, "1ps": 1e-3, "1us": 1e3}


@dataclass
class Group:
    """One Liberty group ``name(args) { … }``: its simple attributes, complex attributes and subgroups."""

    name: str
    args: list[str]
    line: int
    attrs: dict[str, str] = field(default_factory=dict)
    complex: dict[str, list[str]] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)

    def children(self, name: str) -> list[Group]:
        return [g for g in self.groups if g.name == name]


@dataclass(frozen=True)
class MacroView:
    """One SRAM macro as its liberty and LEF describe it."""

    name: str              #: cell / MACRO name
    words: int             #: addressable words (2 ** address_width)
    bits: int              #: bits per word
    width_um: float        #: µm, LEF SIZE x
    height_um: float       #: µm, LEF SIZE y
    read_pj: float         #: pJ per read access of one word
    write_pj: float        #: pJ per write access of one word
    leakage_mw: float      #: mW, standby leakage
    min_period_ns: float   #: ns, minimum clock period
    clk_to_q_ns: float     #: ns, clock to output, worse edge, smallest slew and load

    @property
    def area_um2(self) -> float:
        """µm², LEF width × height."""
        return self.width_um * self.height_um


_TOKEN = re.compile(r'\s+|/\*.*?\*/|//[^\n]*|\\\n|"(?:[^"\\]|\\.)*"|[{}();:,]|[^\s{}();:,"]+', re.S)


def _open_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
        return (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8", errors="replace")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise BackendFlowError(f"{path}: cannot read ({exc})") from None


def parse_liberty(path: str | Path) -> Group:
    """The top ``library`` group of a Liberty file (plain or gzipped)."""
    path = Path(path)
    text = _open_text(path)
    tokens: list[tuple[str, int]] = []
    line, pos = 1, 0
    for match in _TOKEN.finditer(text):
        if match.start() != pos:
            bad = text[pos:match.start()]
            what = "unterminated string" if bad.startswith('"') else f"unreadable text {bad[:20]!r}"
            raise BackendFlowError(f"{path}:{line}: {what}")
        token = match.group()
        if not (token.isspace() or token.startswith(("/*", "//", "\\"))):
            tokens.append((token, line))
        line += token.count("\n")
        pos = match.end()
    if pos != len(text):
        raise BackendFlowError(f"{path}:{line}: unterminated string or comment")

    def fail(at: int, expected: str):
        token, where = tokens[at] if at < len(tokens) else ("end of file", line)
        raise BackendFlowError(f"{path}:{where}: expected {expected}, found {token!r}")

    def statement(i: int, parent: Group | None) -> tuple[int, Group | None]:
        """Parse one statement at tokens[i]; returns the next index (and the group when it is one)."""
        if i + 1 >= len(tokens):
            fail(i + 1, "':' or '(' after a name")
        name, where = tokens[i]
        if tokens[i + 1][0] == ":":
            value, j = [], i + 2
            while j < len(tokens) and tokens[j][0] not in (";", "}"):
                value.append(tokens[j][0])
                j += 1
            if not value:
                fail(j, f"a value for {name!r}")
            if parent is not None:
                parent.attrs[name] = " ".join(v.strip('"') for v in value)
            return (j + 1 if j < len(tokens) and tokens[j][0] == ";" else j), None
        if tokens[i + 1][0] != "(":
            fail(i + 1, f"':' or '(' after {name!r}")
        args, j = [], i + 2
        while j < len(tokens) and tokens[j][0] != ")":
            if tokens[j][0] not in (",",):
                if tokens[j][0] in "{};":
                    fail(j, f"')' closing the arguments of {name!r}")
                args.append(tokens[j][0].strip('"'))
            j += 1
        if j >= len(tokens):
            fail(j, f"')' closing the arguments of {name!r}")
        j += 1
        if j < len(tokens) and tokens[j][0] == "{":
            group = Group(name, args, where)
            j += 1
            while j < len(tokens) and tokens[j][0] != "}":
                j, child = statement(j, group)
                if child is not None:
                    group.groups.append(child)
            if j >= len(tokens):
                fail(j, f"'}}' closing the group {name}({', '.join(args)}) opened on line {where}")
            return j + 1, group
        if parent is not None:
            parent.complex[name] = args
        return (j + 1 if j < len(tokens) and tokens[j][0] == ";" else j), None

    if not tokens or tokens[0][0] != "library":
        fail(0, "'library'")
    end, top = statement(0, None)
    if top is None:
        fail(1, "a library group")
    if end != len(tokens):
        fail(end, "end of file after the library group")
    return top


def _number(text: str, what: str, path: Path) -> float:
    try:
        return float(text)
    except ValueError:
        raise BackendFlowError(f"{path}: {what} is {text!r}, not a number") from None


def _table(group: Group, path: Path, what: str) -> list[list[float]]:
    values = group.complex.get("values")
    if not values:
        raise BackendFlowError(f"{path}:{group.line}: {what} has no values")
    return [[_number(v, what, path) for v in row.split(",")] for row in values]


def parse_lef_size(path: str | Path, macro: str) -> tuple[float, float]:
    """``(width, height)`` in µm of ``MACRO macro``'s ``SIZE w BY h ;`` in a LEF file (plain or gzipped)."""
    path = Path(path)
    text = _open_text(path)
    block = re.search(rf"^\s*MACRO\s+{re.escape(macro)}\s*$(.*?)^\s*END\s+{re.escape(macro)}\s*$", text, re.S | re.M)
    if block is None:
        raise BackendFlowError(f"{path}: no complete 'MACRO {macro} … END {macro}' block")
    size = re.search(r"^\s*SIZE\s+(\S+)\s+BY\s+(\S+)\s*;", block.group(1), re.M)
    if size is None:
        raise BackendFlowError(f"{path}: MACRO {macro} has no 'SIZE <w> BY <h> ;' line")
    width, height = (_number(v, f"MACRO {macro} SIZE", path) for v in size.groups())
    if not (width > 0 and height > 0):
        raise BackendFlowError(f"{path}: MACRO {macro} SIZE {width} BY {height}: expected positive µm")
    return width, height


def read_macro(liberty: str | Path, lef: str | Path) -> MacroView:
    """A single-cell SRAM liberty and its LEF → :class:`MacroView` (see the module docstring)."""
    liberty = Path(liberty)
    lib = parse_liberty(liberty)
    cells = lib.children("cell")
    if len(cells) != 1:
        raise BackendFlowError(f"{liberty}: expected one cell (an SRAM macro), found {len(cells)}")
    cell = cells[0]
    name = cell.args[0] if cell.args else ""
    power_unit = lib.attrs.get("leakage_power_unit", "").replace(" ", "").lower()
    time_unit = lib.attrs.get("time_unit", "").replace(" ", "").lower()
    if power_unit not in _POWER_UNITS or time_unit not in _TIME_UNITS:
        raise BackendFlowError(f"{liberty}: leakage_power_unit {power_unit!r} / time_unit {time_unit!r}: expected one "
                               f"of {sorted(_POWER_UNITS)} / {sorted(_TIME_UNITS)}")
    if lib.attrs.get("voltage_unit", "").replace(" ", "").lower() != "1v" or \
            [a.strip().lower() for a in lib.complex.get("capacitive_load_unit", [])] != ["1", "pf"]:
        raise BackendFlowError(f"{liberty}: internal power is read as pJ, which needs voltage_unit 1V and "
                               "capacitive_load_unit (1,pf)")
    memory = cell.children("memory")
    if len(memory) != 1 or "address_width" not in memory[0].attrs or "word_width" not in memory[0].attrs:
        raise BackendFlowError(f"{liberty}: cell {name} has no memory() group with address_width and word_width")
    words = 2 ** int(_number(memory[0].attrs["address_width"], "address_width", liberty))
    bits = int(_number(memory[0].attrs["word_width"], "word_width", liberty))
    clocks = [p for p in cell.children("pin") if p.attrs.get("clock", "").lower() == "true"]
    if len(clocks) != 1:
        raise BackendFlowError(f"{liberty}: cell {name}: expected one clock pin, found {len(clocks)}")
    clock = clocks[0]
    if "min_period" not in clock.attrs:
        raise BackendFlowError(f"{liberty}: clock pin {clock.args[0]} has no min_period")
    energies: dict[str, float] = {}
    for power in clock.children("internal_power"):
        when = power.attrs.get("when", "").replace(" ", "")
        kind = "write" if "!GWEN" in when and "!CEN" in when else "read" if "GWEN" in when and "!CEN" in when else None
        if kind is None:
            continue
        rise, fall = power.children("rise_power"), power.children("fall_power")
        if len(rise) != 1:
            raise BackendFlowError(f"{liberty}:{power.line}: {kind} internal_power has no rise_power table")
        values = {v for row in _table(rise[0], liberty, f"{kind} rise_power") for v in row}
        if fall and {v for row in _table(fall[0], liberty, f"{kind} fall_power") for v in row} != values:
            raise BackendFlowError(f"{liberty}:{power.line}: {kind} rise_power and fall_power differ; expected "
                                   "one access listed on both edges")
        if len(values) != 1:
            raise BackendFlowError(f"{liberty}:{power.line}: {kind} energy varies with slew ({sorted(values)}); "
                                   "expected a constant table")
        energies[kind] = values.pop()
    missing = sorted({"read", "write"} - set(energies))
    if missing:
        raise BackendFlowError(f"{liberty}: clock pin has no {' or '.join(missing)} internal_power "
                               "(when : \"!CEN & GWEN\" / \"!CEN & !GWEN …\")")
    delays = []
    for bus in [*cell.children("bus"), *cell.children("pin")]:
        if bus.attrs.get("direction") != "output":
            continue
        for timing in bus.children("timing"):
            for edge in ("cell_rise", "cell_fall"):
                for table in timing.children(edge):
                    delays.append(_table(table, liberty, f"{bus.args[0]} {edge}")[0][0])
    if not delays:
        raise BackendFlowError(f"{liberty}: cell {name} has no output cell_rise/cell_fall table (CLK→Q)")
    if "cell_leakage_power" not in cell.attrs:
        raise BackendFlowError(f"{liberty}: cell {name} has no cell_leakage_power")
    width, height = parse_lef_size(lef, name)
    if "area" in cell.attrs:
        stated = _number(cell.attrs["area"], "cell area", liberty)
        if abs(stated - width * height) > 1e-6 * width * height:
            raise BackendFlowError(f"{liberty}: cell area {stated:g} µm² differs from the LEF SIZE {width:g} × "
                                   f"{height:g} = {width * height:g} µm² of {Path(lef).name}")
    time = _TIME_UNITS[time_unit]
    return MacroView(name=name, words=words, bits=bits, width_um=width, height_um=height,
                     read_pj=energies["read"], write_pj=energies["write"],
                     leakage_mw=_number(cell.attrs["cell_leakage_power"], "cell_leakage_power", liberty)
                     * _POWER_UNITS[power_unit],
                     min_period_ns=_number(clock.attrs["min_period"], "min_period", liberty) * time,
                     clk_to_q_ns=max(delays) * time)
