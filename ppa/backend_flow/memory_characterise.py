"""Memory characterisation: the SRAM macros each node offers, as one table (``datasets/sram_macros.csv``).

* ``gf180``: the four GlobalFoundries GF180MCU SRAM macros shipped in ``ppa/backend_flow/sram/gf180/``
  (liberty typical 3.3 V 25 °C + LEF, Apache-2.0), read by :mod:`ppa.backend_flow.macro_files`:
  ``source = macro`` (silicon-characterised data).
* ``asap7``: no silicon-characterised ASAP7 SRAM exists; CACTI 7 RAMs at 22 nm (its smallest node) carried to
  7 nm, 0.7 V by the Stillmaker–Baas equations (:mod:`ppa.backend_flow.cacti`): ``source = modelled``.

The same CACTI model is run at 180 nm on the four GF180 macros' organisations, its energy taken from CACTI's
supply to 3.3 V by C·V², and compared quantity by quantity (``sram_model_validation.csv``).

Runs are resumable (CACTI outputs are cached in ``--out``); the published table and its provenance are
written only when every row was made (temp file + rename), so a failed run leaves the old table whole.
"""
from __future__ import annotations

import logging
import os
import re
from datetime import datetime, timezone
from importlib.resources import files
from pathlib import Path

import pandas as pd

from frontend_sim.atomic import write_file, write_text
from ppa.backend_flow.cacti import CactiResult, area_factor, energy_factor, run_cacti
from ppa.backend_flow.errors import BackendFlowError
from ppa.backend_flow.macro_files import MacroView, read_macro
from ppa.schema import file_sha256

logger = logging.getLogger(__name__)

#: Columns of the macro table, in order (the user-table format: see ``ppa.sram``).
COLUMNS = ["pdk", "macro", "words", "bits", "area_um2", "read_pj", "write_pj", "leakage_mw", "min_period_ns",
           "access_ns", "width_um", "height_um", "source"]
#: Nodes and how their macros are made.
NODES = ("asap7", "gf180")
#: GF180 macros shipped with the package (liberty corner tt_025C_3v30).
GF180_MACROS = tuple(f"gf180mcu_fd_ip_sram__sram{w}x8m8wm1" for w in (64, 128, 256, 512))
GF180_CORNER = "tt_025C_3v30"
GF180_VDD = 3.3
#: ASAP7: the modelled macro shapes (words × bits) — a compiler-like family, 64–2048 words, 8–64 bits.
ASAP7_SHAPES = tuple((w, b) for w in (64, 128, 256, 512, 1024, 2048) for b in (8, 32, 64))
#: ASAP7 node and supply (ASAP7 PDK nominal, Clark et al. 2016), and the CACTI node it is scaled from.
ASAP7_NM, ASAP7_VDD, ASAP7_FROM_NM = 7, 0.7, 22
#: CACTI node for the GF180 validation.
VALIDATION_NM = 180


def gf180_files(directory: str | Path | None = None) -> list[tuple[Path, Path]]:
    """(liberty, LEF) of each GF180 macro, from ``directory`` or the package's copy."""
    base = Path(directory) if directory else Path(str(files("ppa.backend_flow") / "sram" / "gf180"))
    pairs = [(base / f"{m}__{GF180_CORNER}.lib.gz", base / f"{m}.lef.gz") for m in GF180_MACROS]
    for lib, lef in pairs:
        for p in (lib, lef):
            if not p.exists():
                raise BackendFlowError(f"{p}: missing GF180 macro file")
    return pairs


def gf180_rows(directory: str | Path | None = None) -> tuple[list[dict], list[MacroView], list[tuple[str, str]]]:
    """Table rows of the GF180 macros, their views, and (file name, sha256) of the files read."""
    rows, views, digests = [], [], []
    for lib, lef in gf180_files(directory):
        view = read_macro(lib, lef)
        views.append(view)
        digests += [(lib.name, file_sha256(lib)), (lef.name, file_sha256(lef))]
        rows.append({"pdk": "gf180", "macro": view.name, "words": view.words, "bits": view.bits,
                     "area_um2": view.area_um2, "read_pj": view.read_pj, "write_pj": view.write_pj,
                     "leakage_mw": view.leakage_mw, "min_period_ns": view.min_period_ns,
                     "access_ns": view.clk_to_q_ns, "width_um": view.width_um, "height_um": view.height_um,
                     "source": "macro"})
    return rows, views, digests


def asap7_rows(cacti: Path, cache: Path) -> list[dict]:
    """Modelled ASAP7 macros: CACTI at 22 nm scaled to 7 nm, 0.7 V (delays kept)."""
    rows = []
    for words, bits in ASAP7_SHAPES:
        r = run_cacti(cacti, ASAP7_FROM_NM, words, bits, cache)
        area = area_factor(ASAP7_FROM_NM, ASAP7_NM)
        energy = energy_factor(ASAP7_FROM_NM, r.vdd, ASAP7_NM, ASAP7_VDD)
        rows.append({"pdk": "asap7", "macro": f"cacti_ram{words}x{bits}", "words": words, "bits": bits,
                     "area_um2": r.area_um2 * area, "read_pj": r.read_pj * energy, "write_pj": r.write_pj * energy,
                     "leakage_mw": r.leakage_mw * energy, "min_period_ns": r.cycle_ns, "access_ns": r.access_ns,
                     "width_um": float("nan"), "height_um": float("nan"), "source": "modelled"})
    return rows


def validation_rows(cacti: Path, cache: Path, views: list[MacroView]) -> list[dict]:
    """CACTI at 180 nm (energy × (3.3 V / CACTI's V)²) against each GF180 macro: one row per quantity."""
    rows = []
    for view in views:
        r: CactiResult = run_cacti(cacti, VALIDATION_NM, view.words, view.bits, cache)
        v2 = (GF180_VDD / r.vdd) ** 2
        for quantity, macro, model in (("area_um2", view.area_um2, r.area_um2), ("read_pj", view.read_pj, r.read_pj * v2),
                                       ("write_pj", view.write_pj, r.write_pj * v2),
                                       ("access_ns", view.clk_to_q_ns, r.access_ns),
                                       ("min_period_ns", view.min_period_ns, r.cycle_ns)):
            rows.append({"macro": view.name, "quantity": quantity, "macro_value": macro, "cacti_value": model,
                         "cacti_over_macro": model / macro})
    return rows


def characterise_memory(out_dir: str | Path, cacti: str | Path, publish: str | Path | None = None,
                        command: str = "", gf180_dir: str | Path | None = None) -> pd.DataFrame:
    """The macro table of every node (+ the GF180 validation) into ``out_dir``, and into ``publish`` (a CSV
    path, with ``<stem>.md`` provenance and ``sram_model_validation.csv`` beside it) when given."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cacti = Path(cacti)
    if not cacti.is_file() or not os.access(cacti, os.X_OK):
        raise BackendFlowError(f"--cacti {cacti}: not an executable CACTI binary (build github.com/HewlettPackard/cacti "
                               "with 'make opt')")
    rows, views, digests = gf180_rows(gf180_dir)
    rows += asap7_rows(cacti, out / "cacti")
    validation = pd.DataFrame(validation_rows(cacti, out / "cacti", views))
    table = pd.DataFrame(rows, columns=COLUMNS).sort_values(["pdk", "words", "bits"]).reset_index(drop=True)
    targets = [out / "sram_macros.csv", out / "sram_model_validation.csv"]
    if publish:
        publish = Path(publish)
        targets += [publish, publish.with_name("sram_model_validation.csv")]
    text = provenance(table, validation, digests, cacti, command) if publish else None
    for i, path in enumerate(targets):
        frame = table if i % 2 == 0 else validation
        write_file(path, lambda tmp, frame=frame: frame.to_csv(tmp, index=False))
    if publish:
        write_text(publish.with_suffix(".md"), text)
    logger.info("memory characterisation: %d macros, %d validation rows", len(table), len(validation))
    return table


def _version(cacti: Path) -> str:
    """CACTI's version from ``version_cacti.h`` beside the binary, and the binary's sha256."""
    header = cacti.resolve().parent / "version_cacti.h"
    try:
        fields = dict(re.findall(r"#define\s+VER_(\w+)_CACTI\s+(\S+(?: \S+)*?)\s*(?:/\*.*)?$", header.read_text(), re.M))
        version = f"CACTI {fields['MAJOR']}.{fields['MINOR']} ({fields['COMMENT'].strip(chr(34))}, {fields['UPDATE'].strip(chr(34))})"
    except (OSError, KeyError):
        version = "CACTI (version_cacti.h not found beside the binary)"
    return f"{version}, binary sha256 `{file_sha256(cacti)}`"


def provenance(table: pd.DataFrame, validation: pd.DataFrame, digests: list[tuple[str, str]], cacti: Path,
               command: str) -> str:
    """The ``.md`` beside the published table."""
    summary = validation.groupby("quantity")["cacti_over_macro"].agg(["min", "max"])
    val_lines = "\n".join(f"| `{q}` | {summary.loc[q, 'min']:.3g} | {summary.loc[q, 'max']:.3g} |"
                          for q in ("area_um2", "read_pj", "write_pj", "access_ns", "min_period_ns"))
    files_lines = "\n".join(f"| `{n}` | `{d}` |" for n, d in digests)
    return f"""# PROVENANCE — SRAM macros per node (`sram_macros.csv`)

Generated by `ppa.backend_flow.memory_characterise.characterise_memory`; no value was edited by hand.
Published {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}. Rows: {len(table)}
({(table.source == 'macro').sum()} from macros, {(table.source == 'modelled').sum()} modelled).

## gf180 — from macros (`source = macro`)
The four GF180MCU SRAM macros (google/globalfoundries-pdk-ip-gf180mcu_fd_ip_sram @ 9c41192, Apache-2.0,
shipped with their LICENSE in `ppa/backend_flow/sram/gf180/`), typical corner 3.3 V 25 °C. Area = LEF SIZE
w × h; read/write energy = the clock pin's READ (`!CEN & GWEN`) / WRITE internal_power table value, **one
value per access** (the liberty lists each access on both clock edges; the rise table is taken, the fall table
checked equal; Debian's OpenSTA counts an access more than once — 4× for a read every cycle, measured in the
macros' README — so its SRAM power is not used); leakage = `cell_leakage_power` (mW);
`min_period_ns` = the clock pin's `min_period`; `access_ns` = CLK→Q, worse of rise/fall at the first table
point (0.02 ns slew, 0.01 pF).

| file | sha256 |
|---|---|
{files_lines}

## asap7 — modelled (`source = modelled`)
No silicon-characterised ASAP7 SRAM exists (the open flow's "fakeram" abstracts carry placeholder timing and
power and are not used). {_version(cacti)} — github.com/HewlettPackard/cacti @ 1ffd8df, built here
with `make opt`) models each words × bits shape as a single-bank, one read/write-port scratch RAM at
**22 nm** (CACTI's smallest node; ITRS-HP devices, CACTI Vdd 0.8 V, 300 K, area-optimised), then:
area × {area_factor(22, 7):.4f} (22 → 7 nm), energy and leakage × {energy_factor(22, 0.8, 7, 0.7):.4f}
(22 nm 0.8 V → 7 nm 0.7 V) — Stillmaker & Baas, "Scaling equations for the accurate prediction of CMOS device
performance from 180 nm to 7 nm", Integration 58 (2017) 74–81, interpolated linearly between their 32 and
20 nm nodes. Delays (`min_period_ns` = CACTI cycle time, `access_ns` = access time) are kept at their 22 nm
values (not scaled: conservative). These numbers are **modelled, not measured**.

## The model against the GF180 macros
The same CACTI runs at 180 nm on each GF180 macro's organisation (words × 8 bits; CACTI 7 ships
`tech_params/180nm.dat` but its input check stops at 90 nm: `io.cc` was relaxed to accept 180 nm), energy
carried from CACTI's 180 nm supply (1.5 V) to 3.3 V by C·V², compared with the macro
(`sram_model_validation.csv`, ratio CACTI / macro):

| quantity | min ratio | max ratio |
|---|---|---|
{val_lines}

CACTI's generic 180 nm logic process is far smaller, faster and lower-energy than the GF180 "5V Green"
macros (thick-oxide 3.3 V devices, a 13.5 µm² bitcell, self-timed periphery) — read the ASAP7 rows with this
disagreement in mind: they are the standard model's estimate, not a prediction to within a factor of two.

## Regenerate
```
{command}
```
"""
