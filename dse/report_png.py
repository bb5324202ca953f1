"""Static report figures (matplotlib PNGs at 150 dpi) for papers and slides.

The same views as the HTML report, drawn without JavaScript: 2-D Pareto fronts, the per-layer
cycle breakdown of the chosen designs, the surrogates' parity plots and parameter importances.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
import pandas as pd  # noqa: E402

from dse.report_figures import CYCLE_PARTS, axis_title  # noqa: E402
from dse.report_pareto import pair_front_mask  # noqa: E402
from dse.report_units import unit_of  # noqa: E402

DPI = 150


def _log_scale(ax, axis: str, values: pd.Series) -> None:
    values = values.dropna().astype(float)
    if len(values) and values.min() > 0 and values.max() / values.min() > 30:
        (ax.set_xscale if axis == "x" else ax.set_yscale)("log")


def pareto_pair_png(path: Path, table: pd.DataFrame, x: str, y: str, directions: tuple[str, str],
                    units: dict[str, str]) -> Path:
    """y vs x: the pair's 2-D front as a red step line, dominated designs grey, infeasible ×."""
    on_front = pair_front_mask(table, x, y, directions)
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    infeasible = table[~table["feasible"]]
    dominated = table[table["feasible"] & ~on_front]
    front = table[on_front].sort_values(x)
    ax.scatter(infeasible[x], infeasible[y], marker="x", s=14, color="0.75", label="infeasible")
    ax.scatter(dominated[x], dominated[y], s=12, color="0.7", alpha=0.6, label="dominated")
    pareto = dominated[dominated["pareto"]]
    ax.scatter(pareto[x], pareto[y], s=22, facecolors="none", edgecolors="#1f77b4",
               label="Pareto-optimal in all objectives")
    where = "post" if directions[0] == directions[1] else "pre"
    ax.step(front[x], front[y], where=where, color="#d62728", lw=1.2)
    ax.scatter(front[x], front[y], s=24, color="#d62728", zorder=3, label=f"2-D front ({len(front)})")
    _log_scale(ax, "x", table[x])
    _log_scale(ax, "y", table[y])
    ax.set_xlabel(axis_title(x, units))
    ax.set_ylabel(axis_title(y, units))
    ax.set_title(f"{y} vs {x}")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def layer_cycles_png(path: Path, layers: pd.DataFrame, workload: str) -> Path:
    """Per-layer stacked cycles (compute / stall / SIMD), one panel per chosen design."""
    part = layers[layers["workload"] == workload]
    designs = list(dict.fromkeys(part["design"]))
    fig, axes = plt.subplots(len(designs), 1, figsize=(10, 2.2 * len(designs) + 0.8), sharex=True,
                             squeeze=False)
    for ax, design in zip(axes[:, 0], designs):
        rows = part[part["design"] == design].reset_index(drop=True)
        bottom = pd.Series(0.0, index=rows.index)
        for column, label in CYCLE_PARTS:
            if column in rows:
                ax.bar(rows.index, rows[column], bottom=bottom, width=0.85, label=label)
                bottom = bottom + rows[column]
        ax.set_ylim(0, 1.08 * float(bottom.max()) if bottom.max() > 0 else 1.0)
        ax.set_ylabel("cycles")
        ax.set_title(design, fontsize=9, loc="left")
        ax.grid(alpha=0.3, axis="y")
    axes[0, 0].legend(fontsize=7, ncol=3, loc="upper right")
    axes[-1, 0].set_xlabel(f"layer index ({workload})")
    fig.suptitle(f"{workload}: per-layer cycles of the chosen designs", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def parity_png(path: Path, heldout: pd.DataFrame) -> Path:
    """Predicted vs actual on held-out samples, one panel per target, with the y = x line."""
    targets = list(dict.fromkeys(heldout["target"]))
    fig, axes = plt.subplots(1, len(targets), figsize=(3.6 * len(targets), 3.6), squeeze=False)
    for ax, target in zip(axes[0], targets):
        part = heldout[heldout["target"] == target]
        lo = min(part["actual"].min(), part["predicted"].min())
        hi = max(part["actual"].max(), part["predicted"].max())
        ax.scatter(part["actual"], part["predicted"], s=8, alpha=0.6)
        ax.plot([lo, hi], [lo, hi], "k:", lw=1)
        if lo > 0 and hi / lo > 30:
            ax.set_xscale("log")
            ax.set_yscale("log")
        ax.set_title(target, fontsize=9)
        ax.set_xlabel(f"actual [{unit_of(target)}]")
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("predicted")
    fig.suptitle("Surrogates on held-out samples", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def importance_png(path: Path, importances: pd.DataFrame) -> Path:
    """Horizontal bars: importance (rows = parameters) per objective (columns)."""
    fig, ax = plt.subplots(figsize=(6.4, 0.35 * len(importances) * max(1, importances.shape[1] / 2) + 1.2))
    importances.iloc[::-1].plot.barh(ax=ax, width=0.8)
    ax.set_xlabel("importance (normalised, Optuna PED-ANOVA, best 10 %)")
    ax.set_title("Parameter importances")
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path
