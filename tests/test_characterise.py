"""PE characterisation: every PE variant synthesised alone (real Yosys; skipped when it is not installed)."""
import json
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from accel_dse_datasets import path as dataset_path
from dse.cli import main
from ppa.backend_flow import characterise as ch
from ppa.backend_flow.errors import BackendFlowError
from ppa.backend_flow.synth import abc_delay_for_clock

needs_yosys = pytest.mark.skipif(not (shutil.which("yosys") and shutil.which("sta")),
                                 reason="yosys and OpenSTA not installed (apt-get install yosys opensta)")


def test_pe_variants_are_the_sampling_grid():
    variants = ch.pe_variants()
    # 3 dataflows × 2 pipelines × 2 multipliers × (act, wgt, acc) with acc ≥ act + wgt:
    # 4 operand pairs of ≤ 8 bits × 3 accumulators + 4 pairs with one 16-bit operand × 2 + (16, 16) × 1 = 21
    assert len(variants) == 3 * 2 * 2 * 21 == 252
    assert all(v["acc_bits"] >= v["act_bits"] + v["wgt_bits"] for v in variants)
    assert len({tuple(v.values()) for v in variants}) == 252


def test_delay_ladder_spans_the_clock_range():
    # ASAP7 clocks 0.3–2.5 GHz: ladder steps 35 … 47 (2^(k/4) ps); three points: 35, 41, 47
    assert ch.delay_ladder("asap7", 3) == [430.5, 1217.7, 3444.3]
    assert ch.delay_ladder("asap7", 3)[0] == abc_delay_for_clock(2.5)
    assert ch.delay_ladder("gf180", 3) == [abc_delay_for_clock(0.15), 23170.5, abc_delay_for_clock(0.012)]
    assert len(ch.delay_ladder("asap7", 13)) == 13 and len(ch.delay_ladder("asap7", 50)) == 13
    with pytest.raises(BackendFlowError, match="--delays must be >= 1"):
        ch.delay_ladder("asap7", 0)
    with pytest.raises(BackendFlowError, match="unknown pdk 'tsmc5'"):
        ch.delay_ladder("tsmc5", 3)


@needs_yosys
def test_characterised_pe_has_the_area_of_the_pe_in_a_dataset_core(tmp_path, monkeypatch):
    """GF180 row at the ladder's fastest delay: the PE alone gives the core's pe_area_um2; a second run
    redoes nothing; publishing keeps the other node's rows."""
    data = pd.read_csv(dataset_path("gf180/ppa_samples.csv"))
    row = data[data.abc_delay_ps == ch.delay_ladder("gf180", 1)[0]].iloc[0]
    variant = {k: row[k].item() if hasattr(row[k], "item") else row[k] for k in ch.PE_KEY}
    monkeypatch.setattr(ch, "pe_variants", lambda: [variant])
    table = ch.run_characterisation("gf180", tmp_path / "run", delays=1, progress=False)
    assert len(table) == 1 and table.pe_area_um2[0] == pytest.approx(row.pe_area_um2, rel=1e-9)
    assert table.pe_cell_count[0] > 10 and table.pe_energy_pj[0] > 0 and table.pe_leakage_mw[0] > 0

    def no_synthesis(*args, **kwargs):
        raise AssertionError("a finished PE was synthesised again")
    monkeypatch.setattr(ch, "characterise_chunk", no_synthesis)
    again = ch.run_characterisation("gf180", tmp_path / "run", delays=1, progress=False)
    pd.testing.assert_frame_equal(again, table)

    sessions = tmp_path / "run" / "characterise" / "sessions.json"
    log = json.loads(sessions.read_text())
    sessions.write_text(json.dumps([{**log[0], "liberty": [["other.lib", "0" * 64]]}]))
    with pytest.raises(BackendFlowError, match=r"pe_characterisation.csv was made with another liberty .*other.lib"):
        ch.run_characterisation("gf180", tmp_path / "run", delays=1, progress=False)
    sessions.write_text(json.dumps(log))

    published = tmp_path / "pe.csv"
    table.assign(pdk="asap7", pe_area_um2=1.0).to_csv(published, index=False)
    result = CliRunner().invoke(main, ["characterise", "--pdk", "gf180", "--out", str(tmp_path / "run"),
                                       "--delays", "1", "--publish", str(published)])
    assert result.exit_code == 0, result.output
    merged = ch.read_characterisation(published)
    assert sorted(merged.pdk) == ["asap7", "gf180"] and merged[merged.pdk == "asap7"].pe_area_um2.item() == 1.0
    provenance = (tmp_path / "pe.md").read_text()
    assert "## gf180\n- rows: 1 = 1 PE variants" in provenance and "--delays 1 --jobs 1 --publish" in provenance


def test_a_foreign_csv_is_not_a_characterisation(tmp_path):
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(BackendFlowError, match=r"x.csv: not a PE characterisation table, missing column\(s\) \['pdk'"):
        ch.read_characterisation(tmp_path / "x.csv")
