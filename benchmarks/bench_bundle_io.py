"""Benchmark: writing and reading a model bundle, tree ensembles packed (ppa.tree_packing) vs one skops object per tree.

Trains the default model (``auto``: blends of forests, boosting and xgboost) on a table of bench_default_train.py
with the real CLI, then times, on that same fitted surrogate: ``save_bundle`` and ``load_bundle`` (the bundle
as written now, tree ensembles packed), and the same models written and read by skops directly, each tree its
own object (how bundles were written before; the per-file ``get_untrusted_types`` check included, as
``load_bundle`` does it). Also the size on disk, and that the packed round trip predicts bit for bit.

    python benchmarks/bench_bundle_io.py                                   # hgbo_impl_gemm_ncubed, 180 s
    python benchmarks/bench_bundle_io.py --table hlsyn_v18_gemm_p --budget-s 60

Writes reports/benchmarks/bundle_io.{csv,md}.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import skops.io as sio
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_default_train import _typed, tables  # noqa: E402
from bench_tables import markdown_table, save_results  # noqa: E402
from bench_vs_scalesim import median_seconds  # noqa: E402

from dse.cli import main as cli  # noqa: E402
from frontend_sim.atomic import write_text  # noqa: E402
from ppa.bundle import TRUSTED_TYPES, load_bundle, save_bundle  # noqa: E402
from ppa.schema import read_csv  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "reports" / "benchmarks"


def size_mb(path: Path) -> float:
    """Megabytes of the files under ``path``."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def write_per_tree(models: list, paths: list[Path]) -> None:
    """Each model written by skops as it is (every tree its own object)."""
    for model, path in zip(models, paths):
        sio.dump(model, path)


def read_per_tree(paths: list[Path]) -> None:
    for path in paths:
        sio.get_untrusted_types(file=path)
        sio.load(path, trusted=list(TRUSTED_TYPES))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", default="hgbo_impl_gemm_ncubed", help="an external table (bench_default_train's names)")
    ap.add_argument("--budget-s", type=float, default=180.0, help="train's --budget-s")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs of each write and read (median)")
    ap.add_argument("--out", type=Path, default=REPORTS / "bundle_io")
    args = ap.parse_args()
    command = "python benchmarks/bench_bundle_io.py " + " ".join(sys.argv[1:])
    known = tables()
    if args.table not in known:
        ap.error(f"--table: unknown table {args.table!r}; choose from {', '.join(known)}")
    if args.repeats < 1 or args.budget_s <= 0:
        ap.error("--repeats must be ≥ 1 and --budget-s > 0")
    path, _, train_args = known[args.table]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        result = CliRunner().invoke(cli, ["train", "--data", str(path), *train_args, "--budget-s", f"{args.budget_s:g}",
                                          "--out", str(tmp / "model")])
        if result.exit_code != 0:
            raise SystemExit(f"{args.table}: train failed: {result.output.strip().splitlines()[-1]}")
        surrogate = load_bundle(tmp / "model")
        models = [m for t in surrogate.models_ for m in [surrogate.models_[t], *surrogate.members_[t]]]
        write_s = median_seconds(lambda: save_bundle(surrogate, tmp / "packed"), args.repeats)
        read_s = median_seconds(lambda: load_bundle(tmp / "packed"), args.repeats)
        X = _typed(read_csv(path), surrogate)
        identical = surrogate.predict(X).equals(load_bundle(tmp / "packed").predict(X))
        (tmp / "per_tree").mkdir()
        paths = [tmp / "per_tree" / f"m{k}.skops" for k in range(len(models))]
        old_write_s = median_seconds(lambda: write_per_tree(models, paths), args.repeats)
        old_read_s = median_seconds(lambda: read_per_tree(paths), args.repeats)
        rows = [{"table": args.table, "storage": "packed trees (ppa.tree_packing, now)", "model_files": len(models),
                 "write_s": round(write_s, 2), "read_s": round(read_s, 2), "size_mb": round(size_mb(tmp / "packed"), 1),
                 "predictions_identical": identical},
                {"table": args.table, "storage": "skops, one object per tree (before)", "model_files": len(models),
                 "write_s": round(old_write_s, 2), "read_s": round(old_read_s, 2),
                 "size_mb": round(size_mb(tmp / "per_tree"), 1), "predictions_identical": ""}]
    frame = save_results(rows, args.out, command)
    shown = frame.drop(columns=["command"])
    text = ("# Model bundle write and read: packed tree ensembles vs one skops object per tree\n\n"
            f"Command: `{command}` (shared 2-core machine). The surrogate is `accel-dse train`'s default model on "
            "the table; write_s/read_s are medians after one untimed run. The packed row is the whole bundle (manifest, checksums, "
            "held-out predictions); the per-tree row only its model files. predictions_identical: the packed "
            "bundle read back predicts the table's rows bit for bit as trained.\n\n" + markdown_table(shown, "{:g}") + "\n")
    write_text(args.out.with_suffix(".md"), text)
    print(markdown_table(shown, "{:g}"))


if __name__ == "__main__":
    main()
