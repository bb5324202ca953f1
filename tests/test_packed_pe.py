"""The packed-precision PE (ppa.backend_flow.packed) simulated with Icarus Verilog: in each mode it accumulates
1, 2 or 4 independent signed products per cycle into their own lanes, as frontend_sim's packed mode assumes."""

import numpy as np
import pytest

from ppa.backend_flow.errors import BackendFlowError
from ppa.backend_flow.packed import PACKING, packed_pe_source
from ppa.backend_flow.rtl import CoreConfig
from tests.iverilog import needs_iverilog, simulate

pytestmark = needs_iverilog


def _run(tmp_path, design: str, bench: str) -> list[int]:
    """The hexadecimal words the bench prints on its "R " lines."""
    return [int(ln.split()[1], 16) for ln in simulate(tmp_path, design, bench)]


def _word(values, bits: int) -> int:
    """``values`` packed into one word, element 0 in the low bits (two's complement per field)."""
    return sum((int(v) & ((1 << bits) - 1)) << (i * bits) for i, v in enumerate(values))


def _lanes(word: int, p: int, acc: int) -> list[int]:
    """The p signed lanes of an acc-bit word."""
    lane = acc // p
    out = []
    for k in range(p):
        v = (word >> (k * lane)) & ((1 << lane) - 1)
        out.append(v - (1 << lane) if v >> (lane - 1) else v)
    return out


def _operands(rng, p: int, A: int, W: int, steps: int):
    """Per step: the narrow activation and the p narrow weights, and the words that carry them."""
    na, nw = A // p, W // p
    acts = rng.integers(-(1 << (na - 1)), 1 << (na - 1), size=steps)
    wgts = rng.integers(-(1 << (nw - 1)), 1 << (nw - 1), size=(steps, p))
    acts[0], wgts[0, 0] = -(1 << (na - 1)), -(1 << (nw - 1))  # most negative operands
    # the activation word's high bits are garbage the PE must ignore
    a_words = [_word([a], na) | (int(rng.integers(0, 1 << (A - na))) << na if p > 1 else 0) for a in acts]
    return acts, wgts, a_words, [_word(w, nw) for w in wgts]


@pytest.mark.parametrize("pipe", [0, 1])
@pytest.mark.parametrize("mult", ["star", "booth"])
@pytest.mark.parametrize("mode", [0, 1, 2])
def test_os_packed_pe_accumulates_independent_lanes(tmp_path, mode, mult, pipe):
    A, W, ACC, K = 8, 8, 32, 6
    p = PACKING[mode]
    cfg = CoreConfig(dataflow="os", act_bits=A, wgt_bits=W, acc_bits=ACC, mac_pipeline=pipe, mult_style=mult)
    acts, wgts, a_words, w_words = _operands(np.random.default_rng(mode + 3 * pipe), p, A, W, K)
    steps = [f"    a_in = {A}'h{a:x}; w_in = {W}'h{w:x}; ctl_in = 2'd{int(t == 0)}; mode_in = 2'd{mode}; @(posedge clk); #1;"
             for t, (a, w) in enumerate(zip(a_words, w_words))]
    bench = f"""`timescale 1ns/1ps
module tb;
  reg clk = 0; always #5 clk = ~clk;
  reg [{A - 1}:0] a_in; reg [{W - 1}:0] w_in; reg [1:0] ctl_in, mode_in; reg [{ACC - 1}:0] psum_in = 0;
  wire [{A - 1}:0] a_out; wire [{W - 1}:0] w_out; wire [1:0] ctl_out, mode_out; wire [{ACC - 1}:0] acc;
  pe dut (.clk(clk), .a_in(a_in), .w_in(w_in), .ctl_in(ctl_in), .mode_in(mode_in), .psum_in(psum_in),
          .a_out(a_out), .w_out(w_out), .ctl_out(ctl_out), .mode_out(mode_out), .acc(acc));
  initial begin
    #1;
{chr(10).join(steps)}
    a_in = 0; w_in = 0; ctl_in = 0;
    repeat ({2 + pipe}) begin @(posedge clk); #1; end
    $display("R %h", acc);
    $finish;
  end
endmodule
"""
    # after the last operand, zeros keep being added (ctl 0): the lanes hold the K-term dot products
    (word,) = _run(tmp_path, packed_pe_source(cfg), bench)
    expected = [int(np.dot(acts, wgts[:, k])) for k in range(p)]
    assert _lanes(word, p, ACC) == expected


@pytest.mark.parametrize("dataflow", ["ws", "is"])
@pytest.mark.parametrize("mode", [0, 1, 2])
def test_stationary_packed_pe_adds_lane_products_to_the_partial_sums(tmp_path, dataflow, mode):
    """psum_out = psum_in + products, lane by lane: a negative lane sum must not borrow from its neighbour."""
    A, W, ACC = 16, 16, 32
    p = PACKING[mode]
    cfg = CoreConfig(dataflow=dataflow, act_bits=A, wgt_bits=W, acc_bits=ACC)
    acts, wgts, a_words, w_words = _operands(np.random.default_rng(7 + mode), p, A, W, 1)
    psum = [-3 - k for k in range(p)]
    m, s = (a_words[0], w_words[0]) if dataflow == "ws" else (w_words[0], a_words[0])
    M, S = (A, W) if dataflow == "ws" else (W, A)
    bench = f"""`timescale 1ns/1ps
module tb;
  reg clk = 0; always #5 clk = ~clk;
  reg [{M - 1}:0] m_in = 0; reg [{S - 1}:0] s_in = {S}'h{s:x}; reg swap_in = 0; reg [1:0] mode_in = 2'd{mode};
  reg [{ACC - 1}:0] psum_in = {ACC}'h{_word(psum, ACC // p):x};
  wire [{M - 1}:0] m_out; wire [{S - 1}:0] s_out; wire swap_out; wire [1:0] mode_out; wire [{ACC - 1}:0] psum_out;
  pe dut (.clk(clk), .m_in(m_in), .s_in(s_in), .swap_in(swap_in), .mode_in(mode_in), .psum_in(psum_in),
          .m_out(m_out), .s_out(s_out), .swap_out(swap_out), .mode_out(mode_out), .psum_out(psum_out));
  initial begin
    #1; @(posedge clk); #1;            // s_out holds the stationary operand
    swap_in = 1; @(posedge clk); #1;   // copied into the active register
    swap_in = 0; m_in = {M}'h{m:x}; @(posedge clk); #1;
    @(posedge clk); #1;
    $display("R %h", psum_out);
    $finish;
  end
endmodule
"""
    (word,) = _run(tmp_path, packed_pe_source(cfg), bench)
    assert _lanes(word, p, ACC) == [psum[k] + int(acts[0] * wgts[0, k]) for k in range(p)]


def test_unpackable_widths_are_refused():
    with pytest.raises(BackendFlowError, match="operands of 4/8 bits; expected >= 8"):
        packed_pe_source(CoreConfig(act_bits=4, wgt_bits=8, acc_bits=16))
    with pytest.raises(BackendFlowError, match="acc_bits=18 must be divisible by 4"):
        packed_pe_source(CoreConfig(act_bits=8, wgt_bits=8, acc_bits=18))
