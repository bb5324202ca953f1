"""PE characterisation: the area and power of one PE, synthesised alone, for every PE variant of the sampling grid.

A core's area is R·C PE areas plus lanes and wiring (the netlist is hierarchical, each module
synthesised from its own text: :mod:`ppa.backend_flow.synth`). The PE variants (dataflow, operand
and accumulator widths, MAC pipeline, multiplier style) and ABC delay targets are few — 252 × the
delay ladder — and one PE synthesises in seconds, against minutes for a timed core. So the PE is
characterised on its own, once per node, and the surrogates read its measured area and energy from the
table (spec ``[lookup]``, :mod:`ppa.lookup`) instead of learning them from the cores that happened to
use it.

Each variant is synthesised with the sweep's own module script (same Yosys run, same cache key), so
its area is the ``pe_area_um2`` of every core built with that PE at that delay. Its power is OpenSTA's
with the sweep's vectorless activity (:mod:`ppa.backend_flow.sta`), stored as energy per cycle
(internal + switching, pJ = mW/GHz) and leakage (mW). Rows are written to ``pe_characterisation.csv``
in ``out_dir`` as they finish; a run continues an earlier one.
"""
from __future__ import annotations

import itertools
import json
import logging
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from tqdm import tqdm

from frontend_sim.atomic import write_file, write_text
from frontend_sim.hardware import DATAFLOWS
from ppa.backend_flow.errors import BackendFlowError
from ppa.backend_flow.liberty import Liberty, cell_areas, netlist_area, prepare_liberty
from ppa.backend_flow.rtl import MULT_STYLES, CoreConfig, module_sources
from ppa.backend_flow.sampling import ACC_BITS, CLOCK_RANGE_GHZ, MAC_PIPELINE, OPERAND_BITS, _acc_bits
from ppa.backend_flow.sta import module_power
from ppa.backend_flow.synth import SynthKnobs, _module_netlist, abc_ladder_delay, abc_ladder_step

logger = logging.getLogger(__name__)

#: The PE's parameters: the key of a characterisation row (with pdk and abc_delay_ps).
PE_KEY = ["dataflow", "act_bits", "wgt_bits", "acc_bits", "mac_pipeline", "mult_style"]
#: Columns of pe_characterisation.csv, in order.
COLUMNS = ["pdk", *PE_KEY, "abc_delay_ps", "pe_area_um2", "pe_energy_pj", "pe_leakage_mw", "pe_cell_count", "synth_s"]
CSV_NAME = "pe_characterisation.csv"


def pe_variants() -> list[dict]:
    """Every PE of the sampling grid (:mod:`ppa.backend_flow.sampling`): accumulators hold the product."""
    out = []
    for dataflow, act, wgt, acc, pipe, mult in itertools.product(DATAFLOWS, OPERAND_BITS, OPERAND_BITS, ACC_BITS,
                                                                 MAC_PIPELINE, MULT_STYLES):
        if _acc_bits(act, wgt, acc) == acc:
            out.append(dict(zip(PE_KEY, (dataflow, act, wgt, acc, pipe, mult))))
    return out


def delay_ladder(pdk: str, points: int) -> list[float]:
    """``points`` ABC delay targets (ps) spread evenly over the ladder steps of the sampled clock range
    (both ends included), rounded as :func:`~ppa.backend_flow.synth.abc_delay_for_clock` rounds."""
    if pdk not in CLOCK_RANGE_GHZ:
        raise BackendFlowError(f"unknown pdk {pdk!r}: expected one of {sorted(CLOCK_RANGE_GHZ)}")
    if points < 1:
        raise BackendFlowError(f"--delays must be >= 1, got {points}")
    lo, hi = CLOCK_RANGE_GHZ[pdk]
    ks = sorted({int(round(k)) for k in np.linspace(abc_ladder_step(hi), abc_ladder_step(lo), points)})
    return [abc_ladder_delay(k) for k in ks]


#: PEs powered per OpenSTA session (the liberty is read once per session); rows are written per chunk.
CHUNK = 32


def mid_clock_ghz(pdk: str) -> float:
    """The clock the PEs are powered at: the geometric middle of the node's sampled clock range, GHz."""
    lo, hi = CLOCK_RANGE_GHZ[pdk]
    return math.sqrt(lo * hi)


def synthesise_pe(variant: dict, delay_ps: float, lib: Liberty, pdk: str, cache: Path) -> tuple[Path, float]:
    """The mapped netlist of one PE variant at one ABC delay target (the sweep's module run, or its cache)
    and the Yosys seconds it took."""
    text = module_sources(CoreConfig(**variant))["pe"]
    return _module_netlist("pe", text, SynthKnobs(abc_delay_ps=delay_ps), lib, pdk, cache, 3600.0)


def characterise_chunk(todo: list[tuple[dict, float]], lib: Liberty, pdk: str, cache: Path, work: Path,
                       jobs: int = 1) -> list[dict]:
    """Rows of PE variants × delays: synthesised (``jobs`` in parallel), their area summed from the
    liberty's cell areas (as Yosys ``stat -liberty`` does), then all powered in one OpenSTA session with
    the core's vectorless activity at :func:`mid_clock_ghz`. Units: µm², pJ per cycle, mW."""
    made = Parallel(n_jobs=jobs)(delayed(synthesise_pe)(v, d, lib, pdk, cache) for v, d in todo)
    areas = cell_areas(lib.path)
    clock = mid_clock_ghz(pdk)
    powers = module_power(lib, [netlist for netlist, _ in made], "pe", clock, work)
    rows = []
    for (variant, delay), (netlist, synth_s), (internal, switching, leakage) in zip(todo, made, powers):
        area, cells = netlist_area(netlist, areas)
        rows.append({"pdk": pdk, **variant, "abc_delay_ps": delay, "pe_area_um2": area,
                     "pe_energy_pj": (internal + switching) / clock, "pe_leakage_mw": leakage,
                     "pe_cell_count": cells, "synth_s": synth_s})
    return rows


def run_characterisation(pdk: str, out_dir: str | Path, delays: int = 3, jobs: int = 1,
                         liberty: str | Path | None = None, progress: bool = True) -> pd.DataFrame:
    """Characterise every PE variant at ``delays`` ABC delay targets into ``out_dir/pe_characterisation.csv``
    (rows already there are kept and not redone); returns the table. ``out_dir`` may be a sweep's
    directory: its module cache is reused."""
    if jobs < 1:
        raise BackendFlowError(f"--jobs must be >= 1, got {jobs}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lib = prepare_liberty(pdk, out / "liberty", liberty)
    cache, work = out / "modules", out / "characterise"
    cache.mkdir(exist_ok=True)
    work.mkdir(exist_ok=True)
    path = out / CSV_NAME
    table = read_characterisation(path) if path.exists() else pd.DataFrame(columns=COLUMNS)
    done = {tuple(r) for r in table[["pdk", *PE_KEY, "abc_delay_ps"]].astype(str).to_numpy()}
    todo = [(v, d) for d in delay_ladder(pdk, delays) for v in pe_variants()
            if tuple(str(x) for x in [pdk, *v.values(), d]) not in done]
    rows = table.to_dict("records")
    logger.info("%s PE characterisation in %s: %d variant × delay rows to make, %d stored", pdk, out, len(todo),
                len(table))
    sessions = work / "sessions.json"
    log = json.loads(sessions.read_text()) if sessions.exists() else []
    made_with = {tuple(map(tuple, entry["liberty"])) for entry in log}
    if len(table) and made_with and made_with != {tuple(map(tuple, lib.sources))}:
        raise BackendFlowError(f"{path} was made with another liberty ({sorted(made_with)}); characterise "
                               "this one into a new --out directory")
    log.append({"started": time.time(), "seconds": 0.0, "made": 0, "delays": delays, "jobs": jobs,
                "liberty": [list(x) for x in lib.sources]})
    with tqdm(total=len(todo), unit="PE", desc=f"{pdk} PE characterisation", disable=not progress) as bar:
        for i in range(0, len(todo), CHUNK):
            rows += characterise_chunk(todo[i:i + CHUNK], lib, pdk, cache, work, jobs)
            _write(pd.DataFrame(rows, columns=COLUMNS), path)
            log[-1].update(seconds=round(time.time() - log[-1]["started"], 1), made=log[-1]["made"] + len(todo[i:i + CHUNK]))
            write_text(sessions, json.dumps(log, indent=1))
            bar.update(len(todo[i:i + CHUNK]))
    table = pd.DataFrame(rows, columns=COLUMNS)
    _write(table, path)
    return read_characterisation(path)


def _write(table: pd.DataFrame, path: Path) -> None:
    """Sorted, atomically (a killed run leaves the previous complete file)."""
    write_file(path, lambda tmp: table.sort_values(["pdk", *PE_KEY, "abc_delay_ps"]).to_csv(tmp, index=False))


def read_characterisation(path: str | Path) -> pd.DataFrame:
    """A characterisation CSV, checked for its columns."""
    df = pd.read_csv(path)
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise BackendFlowError(f"{path}: not a PE characterisation table, missing column(s) {missing}")
    return df[COLUMNS]


def publish_characterisation(out_dir: str | Path, path: str | Path, pdk: str, command: str) -> pd.DataFrame:
    """Merge ``out_dir``'s table of ``pdk`` into the CSV at ``path`` (its rows of other nodes are kept) and
    write its provenance beside it (``<stem>.md``)."""
    from ppa.backend_flow.provenance import characterisation_provenance

    out, path = Path(out_dir), Path(path)
    table = read_characterisation(out / CSV_NAME)
    old = read_characterisation(path) if path.exists() else pd.DataFrame(columns=COLUMNS)
    merged = pd.concat([old[old.pdk != pdk], table[table.pdk == pdk]], ignore_index=True)
    _write(merged, path)
    sessions = out / "characterise" / "sessions.json"
    info = {"command": command, "sessions": json.loads(sessions.read_text()) if sessions.exists() else []}
    meta = path.with_suffix(".json")
    nodes = json.loads(meta.read_text()) if meta.exists() else {}
    nodes[pdk] = info
    write_text(meta, json.dumps(nodes, indent=1) + "\n")
    write_text(path.with_suffix(".md"), characterisation_provenance(merged, nodes, path))
    return merged
