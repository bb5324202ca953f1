"""The synthesised core and the simulated architecture share one definition of their common fields."""
from dataclasses import fields

import pytest

from frontend_sim.hardware import HardwareConfig, field_problem
from ppa.backend_flow.errors import BackendFlowError
from ppa.backend_flow.rtl import HARDWARE_FIELDS, CoreConfig

HW = {f.name: f for f in fields(HardwareConfig)}
CORE = {f.name: f for f in fields(CoreConfig)}


def test_shared_fields_have_hardware_configs_names_types_and_defaults():
    assert set(CORE) & set(HW) == set(HARDWARE_FIELDS)
    assert list(CORE)[:len(HARDWARE_FIELDS)] == list(HARDWARE_FIELDS)
    for name in HARDWARE_FIELDS:
        assert (CORE[name].type, CORE[name].default) == (HW[name].type, HW[name].default), name


PROBES = {
    "array_rows": [0, -1, 1, 3, 2.0, True, "4"], "array_cols": [0, 1, 16, 1.5, None],
    "dataflow": ["os", "ws", "is", "rs", "OS", 1], "act_bits": [0, 2, 4, 8.0], "wgt_bits": [0, 2, 8, "8"],
    "acc_bits": [0, 32, 48, 32.0], "simd_lanes": [-1, 0, 1, 7, 0.0, False],
}


@pytest.mark.parametrize("name", HARDWARE_FIELDS)
def test_shared_fields_accept_exactly_hardware_configs_legal_values(name):
    verdicts = {bool(field_problem(name, value)) for value in PROBES[name]}
    assert verdicts == {True, False}, "probe both a legal and an illegal value"
    for value in PROBES[name]:
        problem = field_problem(name, value)
        if problem:
            message = rf"^CoreConfig\.{name}=.*: expected .*\(as HardwareConfig\.{name}\)"
            with pytest.raises(BackendFlowError, match=message):
                CoreConfig(**{name: value})
        else:
            assert getattr(CoreConfig(**{name: value}), name) == value


@pytest.mark.parametrize("hardware", [HardwareConfig(), HardwareConfig(array_rows=3, array_cols=5, dataflow="ws",
                                                                       act_bits=4, wgt_bits=16, acc_bits=24,
                                                                       simd_lanes=2, ibuf_kib=8.0)])
def test_round_trip_between_core_and_architecture(hardware):
    core = CoreConfig.from_hardware(hardware, mac_pipeline=1, mult_style="booth")
    assert (core.mac_pipeline, core.mult_style) == (1, "booth")
    assert core.lanes == hardware.lanes
    memory = {name: getattr(hardware, name) for name in HW if name not in HARDWARE_FIELDS}
    assert core.hardware(**memory) == hardware
    assert CoreConfig.from_hardware(core.hardware()) == CoreConfig(**{n: getattr(core, n) for n in HARDWARE_FIELDS})


def test_rtl_rules_stay_stricter_than_the_architecture():
    # A legal architecture that cannot be built: 1-bit signed operands, an accumulator narrower than a product.
    with pytest.raises(BackendFlowError, match="act_bits and wgt_bits must be >= 2"):
        CoreConfig.from_hardware(HardwareConfig(act_bits=1))
    with pytest.raises(BackendFlowError, match="acc_bits=16 must hold a full product"):
        CoreConfig.from_hardware(HardwareConfig(act_bits=16, wgt_bits=8, acc_bits=16))
