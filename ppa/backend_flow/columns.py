"""The backend datasets' columns: which are design inputs and which are results (:data:`DESIGN_INPUTS`,
:data:`SAMPLE_OUTPUTS`: ``ppa_samples.csv`` is the two, :data:`ppa.backend_flow.sweep.COLUMNS`), and the unit and
meaning of every column of ``ppa_samples.csv`` and ``pe_characterisation.csv``
(:data:`ppa.backend_flow.characterise.COLUMNS`) in :data:`COLUMN_UNITS`.

One table for both, so a column the two share (the PE's parameters, ``pdk``, ``abc_delay_ps``, ``synth_s``)
has one unit. Each entry reads ``"unit, meaning"`` (or the legal values); both PROVENANCE files list their
columns from here. The architecture columns are :class:`~frontend_sim.hardware.HardwareConfig` fields (see
:data:`ppa.backend_flow.rtl.HARDWARE_FIELDS`). The DSE's metrics — system quantities of the same names, e.g.
``area_um2`` with SRAM buffers — have their own table, :data:`dse.metrics.METRIC_UNITS`.
"""
from __future__ import annotations

from dataclasses import fields

from ppa.backend_flow.rtl import CoreConfig
from ppa.backend_flow.synth import SynthKnobs

#: Design inputs of a backend sample: the synthesised core (CoreConfig: architecture and RTL knobs), the node,
#: the STA clock and the synthesis knobs (SynthKnobs). The only columns a surrogate may learn from by default.
DESIGN_INPUTS = (*(f.name for f in fields(CoreConfig)), "pdk", "target_clock_ghz",
                 *(f.name for f in fields(SynthKnobs)))
#: Results and bookkeeping of a backend sample (tool outputs, run times, keys): never a default feature.
SAMPLE_OUTPUTS = (
    "area_um2", "pe_area_um2", "power_mw", "internal_mw", "switching_mw", "leakage_mw",
    "fmax_ghz", "pe_fmax_ghz", "lane_fmax_ghz", "wns_ps", "tns_ps", "timing_met", "critical_path", "cell_count",
    "synth_s", "sta_s", "sample_key", "netlist_key",
)

COLUMN_UNITS = {
    "array_rows": "PE rows", "array_cols": "PE columns", "dataflow": "os | ws | is",
    "act_bits": "bits", "wgt_bits": "bits", "acc_bits": "bits",
    "simd_lanes": "SIMD ALU lanes synthesised (HardwareConfig's 0 resolved to array_cols)",
    "mac_pipeline": "1 = product register between multiplier and adder",
    "mult_style": "star (Verilog *) | booth (generated radix-4 Booth)", "pdk": "asap7 | gf180",
    "target_clock_ghz": "GHz, clock of the STA run", "abc_delay_ps": "ps, ABC delay target of the synthesis",
    "area_um2": "µm², total standard-cell area (Yosys stat -liberty)",
    "pe_area_um2": "µm², cell area of one PE (liberty cell areas summed, as Yosys stat -liberty)",
    "power_mw": "mW, total at target_clock_ghz", "internal_mw": "mW", "switching_mw": "mW", "leakage_mw": "mW",
    "fmax_ghz": "GHz, 1/(period − wns_ps)",
    "pe_fmax_ghz": "GHz, the same over the paths ending inside PEs (fmax_ghz = min of pe and lane unless "
                   "critical_path is top)",
    "lane_fmax_ghz": "GHz, the same over the paths ending inside SIMD lanes",
    "wns_ps": "ps, worst setup slack, signed (positive = met)",
    "tns_ps": "ps, total negative slack", "timing_met": "bool, wns_ps >= 0",
    "critical_path": "module of the worst endpoint: pe | simd_lane | top", "cell_count": "standard cells",
    "synth_s": "s, Yosys wall time (module runs reused from the sweep's cache counted at their first run's time)",
    "sta_s": "s, OpenSTA wall time per clock",
    "sample_key": "netlist_key@target_clock_ghz", "netlist_key": "hash of pdk + architecture + knobs",
    # pe_characterisation.csv only
    "pe_energy_pj": "pJ per clock cycle, (internal + switching power) / clock: the PE's dynamic power per GHz, "
                    "mW/GHz",
    "pe_leakage_mw": "mW, the PE's leakage", "pe_cell_count": "standard cells in one PE",
}
