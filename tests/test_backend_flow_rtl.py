"""The generated RTL computes the right products (Icarus Verilog simulation against closed forms)."""
from __future__ import annotations

import random

import numpy as np
import pytest

from ppa.backend_flow.errors import BackendFlowError
from ppa.backend_flow.rtl import CoreConfig, generate_verilog
from tests.iverilog import needs_iverilog, simulate

pytestmark = needs_iverilog


def _bus(values, width):
    """Verilog literal packing ``values`` (element 0 in the low bits) into one bus."""
    total = 0
    for i, v in enumerate(values):
        total |= (int(v) & ((1 << width) - 1)) << (i * width)
    return f"{width * len(values)}'h{total:x}"


@pytest.mark.parametrize("pipe", [0, 1])
@pytest.mark.parametrize("mult", ["star", "booth"])
def test_os_array_computes_the_matrix_product(tmp_path, pipe, mult):
    """A 2×3 output-stationary array fed with skewed A (2×K) and B (K×3) holds A·B in its accumulators."""
    R, C, K, A_BITS, W_BITS, ACC = 2, 3, 5, 5, 7, 20
    cfg = CoreConfig(array_rows=R, array_cols=C, dataflow="os", act_bits=A_BITS, wgt_bits=W_BITS,
                     acc_bits=ACC, mac_pipeline=pipe, mult_style=mult)
    rng = np.random.default_rng(3 + pipe)
    a = rng.integers(-(1 << (A_BITS - 1)), 1 << (A_BITS - 1), size=(R, K))
    b = rng.integers(-(1 << (W_BITS - 1)), 1 << (W_BITS - 1), size=(K, C))
    a[0, 0], b[0, 0] = -(1 << (A_BITS - 1)), -(1 << (W_BITS - 1))  # most negative operands
    cycles = K + R + C + 4
    steps = []
    for t in range(cycles):
        a_left = [a[r, t - r] if 0 <= t - r < K else 0 for r in range(R)]
        ctl = [1 if t - r == 0 else 0 for r in range(R)]  # clr travels with the first activation
        w_top = [b[t - c, c] if 0 <= t - c < K else 0 for c in range(C)]
        steps.append(f"    a_left = {_bus(a_left, A_BITS)}; ctl_left = {_bus(ctl, 2)}; "
                     f"w_top = {_bus(w_top, W_BITS)}; @(posedge clk); #1;")
    reads = "\n".join(f'    $display("R %0d %0d %0d", {r}, {c}, $signed(dut.row[{r}].col[{c}].u_pe.acc));'
                      for r in range(R) for c in range(C))
    bench = f"""`timescale 1ns/1ps
module tb;
  reg clk = 0; always #5 clk = ~clk;
  reg [{R * A_BITS - 1}:0] a_left = 0; reg [{2 * R - 1}:0] ctl_left = 0; reg [{C * W_BITS - 1}:0] w_top = 0;
  reg [{2 * C - 1}:0] simd_op = 0; reg [{C * ACC - 1}:0] simd_x = 0, simd_y = 0;
  wire [{C * ACC - 1}:0] array_out, simd_z;
  accel_core dut (.clk(clk), .a_left(a_left), .ctl_left(ctl_left), .w_top(w_top), .psum_top({{{C * ACC}{{1'b0}}}}),
                  .array_out(array_out), .simd_op(simd_op), .simd_x(simd_x), .simd_y(simd_y), .simd_z(simd_z));
  initial begin
    @(posedge clk); #1;
{chr(10).join(steps)}
{reads}
    $finish;
  end
endmodule
"""
    got = {(int(r), int(c)): int(v) for _, r, c, v in (ln.split() for ln in simulate(tmp_path, generate_verilog(cfg), bench))}
    expected = a @ b
    assert got == {(r, c): int(expected[r, c]) for r in range(R) for c in range(C)}


@pytest.mark.parametrize("dataflow", ["ws", "is"])
@pytest.mark.parametrize("pipe", [0, 1])
def test_stationary_pe_adds_the_product_to_the_partial_sum(tmp_path, dataflow, pipe):
    """ws/is PE: after a swap the stationary operand multiplies every moving operand into psum_out."""
    S, M = 6, 5  # stationary, moving operand widths: ws holds the 6-bit weight, is the 6-bit activation
    act, wgt = (5, 6) if dataflow == "ws" else (6, 5)
    cfg = CoreConfig(array_rows=1, array_cols=1, dataflow=dataflow, act_bits=act, wgt_bits=wgt, acc_bits=16,
                     mac_pipeline=pipe, mult_style="booth" if pipe else "star")
    rng = random.Random(7)
    s_val = -(1 << (S - 1))
    moving = [rng.randrange(-(1 << (M - 1)), 1 << (M - 1)) for _ in range(12)] + [-(1 << (M - 1))]
    psums = [rng.randrange(-2000, 2000) for _ in moving]
    steps = [f"    s_top = {S}'h{s_val & ((1 << S) - 1):x}; @(posedge clk); #1;",  # into the shadow register
             "    s_top = 0; swap_left = 1; @(posedge clk); #1; swap_left = 0;"]  # shadow -> active
    for m, p in zip(moving, psums):
        steps.append(f"    m_left = {M}'h{m & ((1 << M) - 1):x}; psum = {p}; @(posedge clk); #1; "
                     f'$display("R %0d", $signed(dut.row[0].col[0].u_pe.psum_out));')
    bench = f"""`timescale 1ns/1ps
module tb;
  reg clk = 0; always #5 clk = ~clk;
  reg [{M - 1}:0] m_left = 0; reg swap_left = 0; reg [{S - 1}:0] s_top = 0; reg signed [15:0] psum = 0;
  reg [1:0] simd_op = 0; reg [15:0] simd_x = 0, simd_y = 0; wire [15:0] array_out, simd_z;
  accel_core dut (.clk(clk), .m_left(m_left), .swap_left(swap_left), .s_top(s_top), .psum_top(psum),
                  .array_out(array_out), .simd_op(simd_op), .simd_x(simd_x), .simd_y(simd_y), .simd_z(simd_z));
  initial begin
    @(posedge clk); #1;
{chr(10).join(steps)}
    repeat (3) begin @(posedge clk); #1; $display("R %0d", $signed(dut.row[0].col[0].u_pe.psum_out)); end
    $finish;
  end
endmodule
"""
    got = [int(ln.split()[1]) for ln in simulate(tmp_path, generate_verilog(cfg), bench)]
    # At clock edge i the PE adds psum_in (applied in cycle i) to the product of the moving operand
    # registered one edge earlier (unpipelined) or two edges earlier (product register).
    lag = 1 + pipe
    expected = [psums[i] + moving[i - lag] * s_val for i in range(lag, len(moving))]
    assert got[lag:len(moving)] == expected


def test_simd_lane_ops(tmp_path):
    """SIMD lane: add, max, ReLU and the 16-bit scale multiply, four cycles after the operands."""
    C = 24
    cfg = CoreConfig(array_rows=1, array_cols=1, act_bits=4, wgt_bits=4, acc_bits=C)
    cases = [(0, 1234, -77), (1, -5, 3), (1, 9, -300), (2, -45, 0), (2, 45, 0), (3, -1000, 1234), (3, 3001, -32768),
             (3, 77, 65535 - 3)]
    steps = []
    for op, x, y in cases:
        steps.append(f"    simd_op = {op}; simd_x = {C}'h{x & ((1 << C) - 1):x}; "
                     f"simd_y = {C}'h{y & ((1 << C) - 1):x}; @(posedge clk); #1;")
    bench = f"""`timescale 1ns/1ps
module tb;
  reg clk = 0; always #5 clk = ~clk;
  reg [3:0] a_left = 0; reg [1:0] ctl_left = 0; reg [3:0] w_top = 0;
  reg [1:0] simd_op = 0; reg [{C - 1}:0] simd_x = 0, simd_y = 0; wire [{C - 1}:0] array_out, simd_z;
  accel_core dut (.clk(clk), .a_left(a_left), .ctl_left(ctl_left), .w_top(w_top), .psum_top({C}'d0),
                  .array_out(array_out), .simd_op(simd_op), .simd_x(simd_x), .simd_y(simd_y), .simd_z(simd_z));
  always @(posedge clk) #2 $display("R %0d", $signed(simd_z));
  initial begin
    @(posedge clk); #1;
{chr(10).join(steps)}
    repeat (5) @(posedge clk);
    #3 $finish;
  end
endmodule
"""
    got = [ln.split()[1] for ln in simulate(tmp_path, generate_verilog(cfg), bench)]
    got = [int(v) for v in got[got.index("1157"):]]  # from the first result (x before the pipeline fills)

    def wrap(v):
        v &= (1 << C) - 1
        return v - (1 << C) if v >> (C - 1) else v

    def scale(y):
        y &= 0xFFFF
        return y - 0x10000 if y & 0x8000 else y

    expected = [wrap(x + y) if op == 0 else max(x, y) if op == 1 else max(x, 0) if op == 2 else wrap(x * scale(y))
                for op, x, y in cases]
    assert expected[0] == 1157
    assert got[:len(expected)] == expected


def test_bad_configuration_is_rejected_with_the_parameter_named():
    with pytest.raises(BackendFlowError, match="acc_bits=12 must hold a full product"):
        CoreConfig(act_bits=8, wgt_bits=8, acc_bits=12)
    with pytest.raises(BackendFlowError, match=r"CoreConfig.dataflow=.rs.: expected one of os, ws, is \(as HardwareConfig.dataflow\)"):
        CoreConfig(dataflow="rs")
