"""The backend sweep: design points → Yosys → OpenSTA → sample store → CSV.

Layout of ``out_dir``: ``samples.sqlite`` (the store), ``runs/<netlist_key>/`` (RTL, scripts,
``yosys.log``, ``sta.log``, netlist of each design point), ``modules/`` (mapped PE and SIMD-lane
netlists, shared by every core with the same module text), ``liberty/`` (tool-ready liberty),
``ppa_samples.csv`` (exported after every finished netlist).
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from tqdm import tqdm

from frontend_sim.atomic import write_file
from ppa.backend_flow.columns import DESIGN_INPUTS, SAMPLE_OUTPUTS
from ppa.backend_flow.errors import BackendFlowError
from ppa.backend_flow.liberty import Liberty, prepare_liberty
from ppa.backend_flow.rtl import CoreConfig
from ppa.backend_flow.sampling import DesignPoint, design
from ppa.backend_flow.sta import run_sta
from ppa.backend_flow.store import SampleStore
from ppa.backend_flow.synth import FLOW_VERSION, SynthKnobs, synthesize

logger = logging.getLogger(__name__)

#: Dataset columns in order (architecture, backend knobs, then results and bookkeeping); units in
#: :data:`ppa.backend_flow.columns.COLUMN_UNITS`.
COLUMNS = [*DESIGN_INPUTS, *SAMPLE_OUTPUTS]


#: Per-module achieved clocks (GHz), added to the dataset after its first netlists (see :func:`retime`).
MODULE_TIMING = ["pe_fmax_ghz", "lane_fmax_ghz"]


def run_point(point: DesignPoint, lib: Liberty, work_dir: Path, module_cache: Path | None = None) -> list[dict]:
    """Synthesise one design point and time it at its clocks: one dataset row per clock."""
    syn = synthesize(point.core, point.knobs, lib, point.pdk, work_dir, module_cache=module_cache)
    t0 = time.perf_counter()
    timings = run_sta(lib, syn.netlist, list(point.clocks_ghz), work_dir)
    sta_s = (time.perf_counter() - t0) / len(timings)
    rows = []
    for clock, tp in zip(point.clocks_ghz, timings):
        row = {**asdict(point.core), "pdk": point.pdk, "abc_delay_ps": point.knobs.abc_delay_ps,
               **asdict(tp), "target_clock_ghz": clock, "area_um2": syn.area_um2,
               "pe_area_um2": syn.pe_area_um2, "cell_count": syn.cell_count, "synth_s": round(syn.synth_s, 3),
               "sta_s": round(sta_s, 3), "sample_key": point.sample_key(clock),
               "netlist_key": point.netlist_key}
        rows.append({k: row[k] for k in COLUMNS})
    return rows


def _run_safely(point: DesignPoint, lib: Liberty, work_dir: Path, module_cache: Path):
    try:
        return point, run_point(point, lib, work_dir, module_cache), None
    except BackendFlowError as exc:
        return point, None, str(exc)


def export_csv(store: SampleStore, path: Path) -> pd.DataFrame:
    """Write the store's samples as the dataset CSV (columns :data:`COLUMNS`); returns the frame."""
    df = store.to_frame()
    df = df[COLUMNS] if len(df) else pd.DataFrame(columns=COLUMNS)
    write_file(path, lambda tmp: df.to_csv(tmp, index=False))
    return df


def import_csv(store: SampleStore, csv_path: Path, pdk: str) -> int:
    """Add the samples of a published dataset CSV to the store (so a sweep continues it); returns the count.

    Rows whose ``netlist_key`` is not this flow's key for their design (an earlier flow version, or
    edited values) are refused: a dataset never mixes netlists of two flows."""
    df = pd.read_csv(csv_path)
    missing = [c for c in COLUMNS if c not in df.columns]
    if set(missing) == set(MODULE_TIMING):
        raise BackendFlowError(f"{csv_path}: made before the per-module timing columns {missing}; continue its "
                               "sweep directory (the one holding its netlists) with `accel-dse sample --retime` "
                               "first, or sweep into a new --out without continuing this CSV")
    if missing:
        raise BackendFlowError(f"{csv_path}: not a backend PPA dataset, missing columns {missing}")
    df = df[df.pdk == pdk]
    core_fields = list(CoreConfig.__dataclass_fields__)
    expected = [DesignPoint(pdk=pdk, core=CoreConfig(**{f: r[f] for f in core_fields}),
                            knobs=SynthKnobs(abc_delay_ps=float(r["abc_delay_ps"])), clocks_ghz=()).netlist_key
                for r in df[core_fields + ["abc_delay_ps"]].to_dict("records")]
    stale = np.flatnonzero(df.netlist_key.to_numpy() != np.array(expected, dtype=object))
    if len(stale):
        lines = ", ".join(str(i + 2) for i in df.index[stale][:5])
        raise BackendFlowError(f"{csv_path}: {len(stale)} of {len(df)} rows were not made by this flow (version "
                               f"{FLOW_VERSION}): their netlist_key does not match their design (CSV lines {lines}"
                               f"{' …' if len(stale) > 5 else ''}); sweep into a new --out without continuing this CSV")
    store.add(json.loads(df[COLUMNS].to_json(orient="records", double_precision=15)))
    return len(df)


def _retime_netlist(key: str, rows: list[dict], lib: Liberty, run_dir: Path) -> list[dict]:
    """``rows`` (samples of one stored netlist) with the module timing of one OpenSTA run at their first clock."""
    netlist = run_dir / "netlist.v"
    if not netlist.exists():
        raise BackendFlowError(f"netlist {key}: {netlist} is missing, so its samples cannot be re-timed")
    first, work = rows[0], run_dir / "retime"
    work.mkdir(exist_ok=True)
    tp = run_sta(lib, netlist, [first["target_clock_ghz"]], work)[0]
    if abs(tp.fmax_ghz / first["fmax_ghz"] - 1) > 1e-6 or abs(tp.power_mw / first["power_mw"] - 1) > 1e-6:
        raise BackendFlowError(f"netlist {key}: re-timing does not reproduce the stored fmax/power "
                               f"({tp.fmax_ghz:.6g} vs {first['fmax_ghz']:.6g} GHz, {tp.power_mw:.6g} vs "
                               f"{first['power_mw']:.6g} mW at {first['target_clock_ghz']:g} GHz; log "
                               f"{work / 'sta.log'}): the tools or the liberty changed")
    return [r | {"pe_fmax_ghz": tp.pe_fmax_ghz, "lane_fmax_ghz": tp.lane_fmax_ghz} for r in rows]


def retime(pdk: str, out_dir: str | Path, jobs: int = 1, liberty: str | Path | None = None,
           progress: bool = True) -> pd.DataFrame:
    """Add the per-module timing (:data:`MODULE_TIMING`) to stored samples made before it was recorded.

    Each such netlist is timed again at its first clock with today's STA script; its stored fmax and
    power must be reproduced (else an error: the tools changed), and its module clocks, which do not
    depend on the clock target (ideal clock), go to all its rows. Returns the exported samples."""
    out = Path(out_dir)
    if not (out / "samples.sqlite").exists():
        raise BackendFlowError(f"{out}: no sample store (samples.sqlite) to re-time")
    lib = prepare_liberty(pdk, out / "liberty", liberty)
    store = SampleStore(out / "samples.sqlite")
    try:
        df = store.to_frame()
        todo = df[df[MODULE_TIMING].isna().any(axis=1)] if set(MODULE_TIMING) <= set(df.columns) else df
        info = {"pdk": pdk, "retime": 0, "jobs": jobs, "liberty": [list(x) for x in lib.sources]}
        session = store.start_session(info)  # "retime": netlists re-timed so far
        groups = [(k, g.to_dict("records")) for k, g in todo.groupby("netlist_key", sort=False)]
        bar = tqdm(total=len(groups), unit="netlist", desc=f"{pdk} re-time", disable=not progress)
        tasks = (delayed(_retime_netlist)(k, rows, lib, out / "runs" / k) for k, rows in groups)
        for rows in Parallel(n_jobs=jobs, return_as="generator_unordered")(tasks):
            store.update(rows)
            info["retime"] += 1
            store.touch_session(session, info)
            bar.update()
        bar.close()
        return export_csv(store, out / "ppa_samples.csv")
    finally:
        store.close()


def sweep_backend_samples(pdk: str, n_samples: int, out_dir: str | Path, jobs: int = 1,
                          liberty: str | Path | None = None, seed: int = 0, points: list[DesignPoint] | None = None,
                          progress: bool = True, seed_csv: str | Path | None = None) -> pd.DataFrame:
    """Synthesise and time ``n_samples`` sampled core designs (Yosys + OpenSTA) into ``out_dir``, or continue
    that sweep; returns the exported samples (the DSE's sweep of a search space is
    :func:`dse.sweep.sweep_design_space`).

    Finished samples already in the store, or in ``seed_csv`` (a published dataset), are skipped. A tool failure stops the sweep with an error
    naming the design point and its log; samples finished before it stay in the store and the CSV.
    """
    if jobs < 1:
        raise BackendFlowError(f"--jobs must be >= 1, got {jobs}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lib = prepare_liberty(pdk, out / "liberty", liberty)
    store = SampleStore(out / "samples.sqlite")
    csv_path = out / "ppa_samples.csv"
    try:
        points = design(pdk, n_samples, seed) if points is None else points
        if seed_csv is not None and Path(seed_csv).exists():
            import_csv(store, Path(seed_csv), pdk)
        session = store.start_session({"pdk": pdk, "n_samples": n_samples, "jobs": jobs, "seed": seed,
                                       "liberty": [list(x) for x in lib.sources]})
        done = store.keys()
        todo = [p for p in points if not set(p.sample_keys) <= done]
        total = sum(len(p.clocks_ghz) for p in points)
        logger.info("%s sweep in %s: %d of %d design points to synthesise (the others are stored)", pdk, out,
                    len(todo), len(points))
        bar = tqdm(total=total, initial=total - sum(len(p.clocks_ghz) for p in todo), unit="sample",
                   desc=f"{pdk} samples", disable=not progress)
        tasks = (delayed(_run_safely)(p, lib, out / "runs" / p.netlist_key, out / "modules") for p in todo)
        for point, rows, error in Parallel(n_jobs=jobs, return_as="generator_unordered")(tasks):
            if error is not None:
                store.add_failure(point.netlist_key, error)
                export_csv(store, csv_path)
                raise BackendFlowError(f"sample {point.netlist_key} ({point.core}, {point.knobs}) failed: {error}")
            store.add(rows)
            store.touch_session(session)
            export_csv(store, csv_path)
            bar.update(len(rows))
        bar.close()
        return export_csv(store, csv_path)
    finally:
        store.close()
