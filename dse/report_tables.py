"""The report's machine-readable tables: pareto.csv, units.csv, pareto.json and the study settings.

Column names carry their units (``energy_j``); ``units.csv`` spells them out. Every file is written
through :mod:`frontend_sim.atomic` (a temporary name next to it, then renamed), so an interrupted report leaves no half-written table.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from dse.report_data import StudyData
from dse.storage_url import redact
from frontend_sim.atomic import write_file, write_text
from ppa.json_values import json_value

FLAGS = ("trial", "feasible", "pareto", "in_domain")


def study_settings(data: StudyData, storage: str) -> dict:
    """What the study was: storage (password hidden), objectives, trial counts by state, and its
    stored description."""
    return {
        "study": data.name,
        "storage": redact(storage),
        "objectives": [{"name": o.name, "direction": o.direction, "definition": o.describe(),
                        "unit": data.unit(o.name)} for o in data.objectives],
        "trials_by_state": data.trials_by_state,
        **data.description,
    }


def designs_json(data: StudyData, front: pd.DataFrame, storage: str) -> dict:
    """The Pareto designs as JSON-ready data: parameters, metrics, uncertainty, flags, units."""
    designs = []
    for _, row in front.iterrows():
        metrics = {k: json_value(v) for k, v in row.items()
                   if k not in FLAGS and k not in data.params and not k.endswith("_std")}
        designs.append({
            "trial": int(row["trial"]),
            "params": {k: json_value(row[k]) for k in data.params if k in row},
            "metrics": metrics,
            "uncertainty": {k: json_value(v) for k, v in row.items() if k.endswith("_std")},
            "in_domain": json_value(row["in_domain"]) if "in_domain" in row else None,
            "feasible": bool(row["feasible"]),
        })
    columns = [c for c in front.columns if c not in ("trial", "feasible", "pareto")]
    return {
        "settings": study_settings(data, storage),
        "units": {c: data.unit(c) for c in columns},
        "n_pareto": len(designs),
        "designs": designs,
    }


def write_tables(data: StudyData, front: pd.DataFrame, storage: str, out: Path) -> tuple[Path, Path]:
    """Write ``pareto.csv`` (the ``front`` rows), ``units.csv`` (column → unit) and ``pareto.json``
    into ``out``; return the CSV and JSON paths."""
    out.mkdir(parents=True, exist_ok=True)
    document = designs_json(data, front, storage)
    csv_path = write_file(out / "pareto.csv",
                            lambda p: front.drop(columns=["pareto"]).to_csv(p, index=False))
    units = pd.Series(document["units"], name="unit").rename_axis("column")
    write_file(out / "units.csv", lambda p: units.to_csv(p))
    text = json.dumps(json_value(document), indent=1, allow_nan=False, ensure_ascii=False) + "\n"
    json_path = write_text(out / "pareto.json", text)
    return csv_path, json_path
