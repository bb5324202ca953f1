"""Bundled standard-cell liberty files and their preparation for Yosys 0.23 + OpenSTA.

Shipped unmodified (gzipped, with their license files beside them):

* ASAP7 7 nm predictive PDK, RVT, typical corner (BSD-3-Clause, ``ASAP7_LICENSE.txt``), five files.
  Yosys takes one liberty file, and the SEQ file names its table templates differently from the
  others, so :func:`prepare_liberty` merges the five: the header of the first, the
  ``lu_table_template``/``power_lut_template`` groups the others add, then every cell group.
* GF180 MCU 7-track, tt 25 °C 3.3 V (Apache-2.0, ``GF180_LICENSE.txt``). Yosys 0.23 rejects the
  unquoted ``clear : !RN ;`` / ``preset : !SETN ;`` attributes; they are quoted.

Time units: ASAP7 ps, GF180 ns (read from each file's ``time_unit``).
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from frontend_sim.atomic import write_text
from ppa.backend_flow.errors import BackendFlowError
from ppa.hashing import file_sha256

#: Bundled liberty files per PDK, in merge order.
BUNDLED = {
    "asap7": ("asap7_SIMPLE_TT.lib.gz", "asap7_INVBUF_TT.lib.gz", "asap7_AO_TT.lib.gz",
              "asap7_OA_TT.lib.gz", "asap7_SEQ_TT.lib.gz"),
    "gf180": ("gf180_7t_tt_3v30.lib.gz",),
}
_TIME_UNIT = re.compile(r'time_unit\s*:\s*"?\s*1\s*(ps|ns)\s*"?\s*;')
#: Tie-high / tie-low cells (cell, pin) used by ``hilomap`` per PDK.
TIE_CELLS = {
    "asap7": (("TIEHIx1_ASAP7_75t_R", "H"), ("TIELOx1_ASAP7_75t_R", "L")),
    "gf180": (("gf180mcu_fd_sc_mcu7t5v0__tieh", "Z"), ("gf180mcu_fd_sc_mcu7t5v0__tiel", "ZN")),
}

_TEMPLATE = re.compile(r"^  (?:lu_table_template|power_lut_template) ?\((\w+)\) ?\{\n.*?^  \}\n",
                       re.M | re.S)
_FIRST_CELL = re.compile(r"^  cell ?\(", re.M)
_UNQUOTED_EXPR = re.compile(r"^(\s*(?:clear|preset)\s*:\s*)(![A-Za-z_]\w*)\s*;", re.M)


@dataclass(frozen=True)
class Liberty:
    """A liberty file ready for the tools, and what it was made from."""

    path: Path            #: prepared single .lib file (uncompressed)
    sources: tuple        #: (file name, sha256 of the file as shipped/given) per input file
    time_unit_ps: float   #: liberty time unit in ps


def bundled_paths(pdk: str) -> list[Path]:
    """Paths of the liberty files shipped for ``pdk``."""
    if pdk not in BUNDLED:
        raise BackendFlowError(f"unknown pdk {pdk!r}: expected one of {sorted(BUNDLED)}")
    root = files(__name__)
    return [Path(str(root / name)) for name in BUNDLED[pdk]]


def _read(path: Path) -> str:
    try:
        if str(path).endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
                return f.read()
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except (OSError, EOFError) as exc:
        raise BackendFlowError(f"cannot read liberty file {path}: {exc}") from exc


def _split(text: str, path: Path) -> tuple[str, str]:
    """(header before the first cell, cell groups without the library's closing brace)."""
    first = _FIRST_CELL.search(text)
    end = text.rstrip().rfind("}")
    if first is None or end < 0 or not re.search(r"^\s*library\s*\(", text[:first.start()], re.M):
        raise BackendFlowError(f"liberty file {path} has no library group with cells: not a liberty file?")
    return text[:first.start()], text[first.start():end]


def merge_liberty(paths: list[Path]) -> str:
    """One liberty text from several: first header, missing table templates of the others, all cells."""
    header, body = _split(_read(paths[0]), paths[0])
    known = set(_template_names(header))
    extra_templates, bodies = [], [body]
    for p in paths[1:]:
        h, b = _split(_read(p), p)
        for m in _TEMPLATE.finditer(h):
            if m.group(1) not in known:
                known.add(m.group(1))
                extra_templates.append(m.group(0))
        bodies.append(b)
    return header + "".join(extra_templates) + "".join(bodies) + "}\n"


def _template_names(text: str) -> list[str]:
    return [m.group(1) for m in _TEMPLATE.finditer(text)]


def quote_expressions(text: str) -> str:
    """Quote the bare ``clear``/``preset`` boolean expressions Yosys 0.23 cannot parse."""
    return _UNQUOTED_EXPR.sub(r'\1"\2" ;', text)


def prepare_liberty(pdk: str, work_dir: Path, liberty: str | Path | None = None) -> Liberty:
    """Write the tool-ready liberty for ``pdk`` into ``work_dir`` (once; reused if present).

    ``liberty``: a user .lib/.lib.gz used instead of the bundled files (still quoted for Yosys).
    """
    sources = [Path(liberty)] if liberty else bundled_paths(pdk)
    for p in sources:
        if not p.is_file():
            raise BackendFlowError(f"liberty file {p} does not exist")
    digests = tuple((p.name, file_sha256(p)) for p in sources)
    key = hashlib.sha256(repr(digests).encode()).hexdigest()[:12]
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    out = work_dir / f"{pdk}_{key}.lib"
    if not out.exists():
        text = quote_expressions(merge_liberty(sources))
        write_text(out, text)
    unit = _TIME_UNIT.search(out.read_text(encoding="utf-8", errors="replace")[:20000])
    if unit is None:
        raise BackendFlowError(f"liberty {sources[0]} has no time_unit of 1ps or 1ns in its header")
    return Liberty(path=out, sources=digests, time_unit_ps=1.0 if unit.group(1) == "ps" else 1000.0)


_CELL = re.compile(r'\bcell\s*\(\s*"?([^")\s]+)"?\s*\)\s*\{')
_AREA_ATTR = re.compile(r"\barea\s*:\s*([0-9.eE+-]+)")


@functools.lru_cache(maxsize=4)
def cell_areas(path: Path) -> dict[str, float]:
    """Cell name → area (µm²) of a prepared liberty file: what Yosys ``stat -liberty`` adds up."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    starts = [(m.group(1), m.end()) for m in _CELL.finditer(text)]
    areas = {}
    for i, (name, begin) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else len(text)
        found = _AREA_ATTR.search(text, begin, end)
        if found is None:
            raise BackendFlowError(f"liberty {path}: cell {name} has no area")
        areas[name] = float(found.group(1))
    return areas


def netlist_area(netlist: Path, areas: dict[str, float]) -> tuple[float, int]:
    """Total cell area (µm²) and cell count of a flat mapped Verilog netlist (one module, liberty cells)."""
    cells = [m.group(1) for m in re.finditer(r"^\s+(\S+)\s+\S+\s*\(", Path(netlist).read_text(), re.M)
             if m.group(1) in areas]
    return float(sum(areas[c] for c in cells)), len(cells)
