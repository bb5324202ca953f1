"""The interactive report: sections of HTML and plotly figures, written as ONE self-contained file.

plotly.js is embedded inline (about 4.8 MB) so the report opens offline, e.g. from a laptop on a
plane or an archive years later.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from frontend_sim.atomic import write_text
from dse.report_units import unit_of

def table_html(table: pd.DataFrame, units: dict[str, str], max_rows: int | None = None) -> str:
    shown = table if max_rows is None else table.head(max_rows)
    header = {c: (f"{c}<br><small>{unit_of(c, units)}</small>" if unit_of(c, units) else c) for c in shown}
    body = shown.rename(columns=header).to_html(index=False, escape=False, float_format=lambda v: f"{v:.4g}",
                                                classes="data", border=0, na_rep="–")
    more = "" if max_rows is None or len(table) <= max_rows else f"<p>… {len(table) - max_rows} more rows in pareto.csv</p>"
    return body + more


STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1250px;color:#222}
h1{font-size:1.6em} h2{border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:2em}
table.data{border-collapse:collapse;font-size:12px;display:block;overflow-x:auto}
table.data th,table.data td{padding:3px 7px;border-bottom:1px solid #e4e4e4;text-align:right;white-space:nowrap}
table.data th{background:#f4f4f4;vertical-align:bottom}
pre{background:#f7f7f7;padding:10px;font-size:12px;overflow-x:auto}
.note{color:#555;font-size:0.92em} nav a{margin-right:1em}
ul.picks li{margin:0.35em 0} .bounds{background:#fff6e0;border-left:4px solid #e6a100;padding:6px 12px;margin-top:1em}
"""


def write_html(path: Path, title: str, sections: list[tuple[str, str, list]]) -> Path:
    """Write sections ``(anchor, heading, parts)`` — parts are HTML strings or plotly figures —
    into one HTML file with plotly.js inline."""
    blocks, nav = [], []
    for anchor, heading, parts in sections:
        nav.append(f'<a href="#{anchor}">{html.escape(heading)}</a>')
        rendered = []
        for part in parts:
            if isinstance(part, go.Figure):
                rendered.append(part.to_html(full_html=False, include_plotlyjs=False,
                                             div_id=f"fig-{anchor}-{len(rendered)}",
                                             config={"displaylogo": False, "responsive": True}))
            else:
                rendered.append(part)
        blocks.append(f'<section id="{anchor}"><h2>{html.escape(heading)}</h2>{"".join(rendered)}</section>')
    document = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style>"
        f"<script type='text/javascript'>{plotly.offline.get_plotlyjs()}</script></head><body>"
        f"<h1>{html.escape(title)}</h1><nav>{''.join(nav)}</nav>{''.join(blocks)}</body></html>"
    )
    return write_text(path, document)


def settings_html(settings: dict) -> str:
    return f"<pre>{html.escape(json.dumps(settings, indent=1, default=str, ensure_ascii=False))}</pre>"


def error_table_html(errors: pd.DataFrame) -> str:
    return errors.to_html(index=False, float_format=lambda v: f"{v:.3g}", classes="data", border=0)

