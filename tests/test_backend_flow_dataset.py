"""The bundled backend PPA datasets are self-consistent and traceable to the shipped liberty files."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

import accel_dse_datasets
from ppa.backend_flow.liberty import bundled_paths
from ppa.hashing import file_sha256
from ppa.backend_flow.sweep import COLUMNS

PDKS = ("asap7", "gf180")


def _load(pdk: str) -> pd.DataFrame:
    # a missing bundled dataset is a packaging break: FileNotFoundError fails the test
    return pd.read_csv(accel_dse_datasets.path(f"{pdk}/ppa_samples.csv"))


@pytest.mark.parametrize("pdk", PDKS)
def test_dataset_columns_and_physics(pdk):
    df = _load(pdk)
    assert list(df.columns) == COLUMNS
    assert len(df) >= 60 and df.sample_key.is_unique and (df.pdk == pdk).all()
    assert df.timing_met.any() and not df.timing_met.all(), "clocks must include met and failing samples"
    assert (df.timing_met == (df.wns_ps >= 0)).all()
    period = 1e3 / df.target_clock_ghz
    np.testing.assert_allclose(df.fmax_ghz, 1e3 / (period - df.wns_ps), rtol=1e-6)
    np.testing.assert_allclose(df.internal_mw + df.switching_mw + df.leakage_mw, df.power_mw, rtol=1e-3)
    assert (df.area_um2 > df.pe_area_um2 * df.array_rows * df.array_cols * 0.999).all()
    # the core's clock is its slower module's (module clocks timed at one clock; fmax varies ≤ 5e-5 across clocks)
    np.testing.assert_allclose(df[["pe_fmax_ghz", "lane_fmax_ghz"]].min(axis=1), df.fmax_ghz, rtol=5e-5)
    assert ((df.pe_fmax_ghz < df.lane_fmax_ghz) == (df.critical_path == "pe")).all()
    # one netlist, several clocks: same area; power rises with the clock
    for _, g in df.groupby("netlist_key"):
        assert g.area_um2.nunique() == 1
        assert g.sort_values("target_clock_ghz").power_mw.is_monotonic_increasing


@pytest.mark.parametrize("pdk", PDKS)
def test_provenance_names_the_shipped_liberty_by_sha256(pdk):
    _load(pdk)
    text = accel_dse_datasets.path(f"{pdk}/PROVENANCE.md").read_text()
    for p in bundled_paths(pdk):
        assert f"`{p.name}` | `{file_sha256(p)}`" in text
    assert f"accel-dse sample --pdk {pdk}" in text and "Post-synthesis" in text


@pytest.mark.slow
def test_sweep_survives_kill_9_and_continues(tmp_path):
    """kill -9 in the middle of a sweep: finished samples stay, the rerun completes the rest."""
    cmd = [sys.executable, "-c", "from dse.cli import main; main()", "sample", "--pdk", "asap7", "--n", "45", "--out", str(tmp_path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    store = tmp_path / "samples.sqlite"
    deadline = time.time() + 1800
    while time.time() < deadline:
        time.sleep(5)
        if store.exists() and len(pd.read_csv(tmp_path / "ppa_samples.csv")) >= 5:
            break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = pd.read_csv(tmp_path / "ppa_samples.csv")
    assert 5 <= len(before) < 45
    subprocess.run(cmd, check=True, capture_output=True)
    after = pd.read_csv(tmp_path / "ppa_samples.csv")
    assert len(after) == 45 and set(before.sample_key) <= set(after.sample_key)
    kept = after.set_index("sample_key").loc[before.sample_key]
    np.testing.assert_array_equal(kept.synth_s.to_numpy(), before.synth_s.to_numpy())  # not redone
