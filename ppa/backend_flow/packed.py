"""Verilog of the packed-precision PE (``precision_mode = "packed"``), to measure what packing costs.

:data:`frontend_sim.hardware.PRECISION_MODES` says a ``packed`` PE built for ``act_bits × wgt_bits`` does
p = 2 (4) MACs per cycle when a layer's activation and weight are both at most half (a quarter) of the
built widths, on p output columns. This module writes that PE for the dataflows of
:mod:`ppa.backend_flow.rtl` (same ports plus a 2-bit ``mode`` that travels with the moving operand, like
the OS control), so the flow can synthesise it next to the fixed PE of the same widths:

* the activation is shared by the p columns: its low ``act_bits / p`` bits are the narrow activation;
  the weight word carries p narrow weights of ``wgt_bits / p`` bits, one per output column;
* ``mode`` 0: one ``act_bits × wgt_bits`` product; 1: two half-width products; 2: four quarter-width
  products, each written as its own multiplier (``mult_style``'s, as the fixed PE's) and sign-extended
  into its lane of the ``acc_bits``-wide product vector (lanes of ``acc_bits / p`` bits);
* the accumulator (OS) or partial-sum adder (WS/IS) is split into four ``acc_bits / 4``-bit segments whose
  carries are cut at the lane boundaries of the mode (a sub-word SIMD adder).

The multipliers are not shared between modes (a BitFusion-style fused multiplier would build the full product
from the narrow ones), so the measured overhead is that of this straightforward design, an upper bound
for a fused one. Needs ``act_bits``, ``wgt_bits`` and ``acc_bits`` divisible by 4 and operands of at least
8 bits (a quarter-width operand of at least 2 signed bits).
"""
from __future__ import annotations

from ppa.backend_flow.errors import BackendFlowError
from ppa.backend_flow.rtl import CoreConfig, _multiplier

#: Products per PE-cycle of each mode (mode = index).
PACKING = (1, 2, 4)


def check_packable(cfg: CoreConfig) -> None:
    """BackendFlowError unless the widths split into 2 and 4 lanes as the packed PE needs."""
    for name in ("act_bits", "wgt_bits", "acc_bits"):
        if getattr(cfg, name) % 4:
            raise BackendFlowError(f"packed PE: {name}={getattr(cfg, name)} must be divisible by 4 (4 lanes)")
    if min(cfg.act_bits, cfg.wgt_bits) < 8:
        raise BackendFlowError(f"packed PE: operands of {cfg.act_bits}/{cfg.wgt_bits} bits; expected >= 8 bits "
                               "(quarter-width operands of >= 2 signed bits)")


def _sext(name: str, bits: int, to: int) -> str:
    """``name`` (``bits`` wide, signed) sign-extended to ``to`` bits."""
    return name if to == bits else f"{{{{{to - bits}{{{name}[{bits - 1}]}}}}, {name}}}"


def _products(cfg: CoreConfig, a: str, w: str) -> list[str]:
    """Lines defining ``pvec`` (acc_bits): the product vector of every mode, selected by ``mode``."""
    A, W, C = cfg.act_bits, cfg.wgt_bits, cfg.acc_bits
    lines = [_multiplier(cfg, a, A, w, W, "p_full")]
    vectors = [_sext("p_full", A + W, C)]
    for mode, p in enumerate(PACKING[1:], start=1):
        na, nw, lane = A // p, W // p, C // p
        lines.append(f"  wire signed [{na - 1}:0] a_m{mode} = {a}[{na - 1}:0];")
        parts = []
        for k in range(p):
            lines.append(f"  wire signed [{nw - 1}:0] w_m{mode}_{k} = {w}[{(k + 1) * nw - 1}:{k * nw}];")
            lines.append(_multiplier(cfg, f"a_m{mode}", na, f"w_m{mode}_{k}", nw, f"p_m{mode}_{k}"))
            parts.append(_sext(f"p_m{mode}_{k}", na + nw, lane))
        vectors.append("{" + ", ".join(reversed(parts)) + "}")
    lines.append(f"  wire [{C - 1}:0] pvec = (mode_q == 2'd2) ? {vectors[2]} :")
    lines.append(f"                          (mode_q == 2'd1) ? {vectors[1]} : {vectors[0]};")
    return lines


def _lane_add(cfg: CoreConfig, x: str, y: str, out: str, mode: str) -> list[str]:
    """``out = x + y`` in four acc_bits/4 segments, carries cut at the lane boundaries of ``mode``."""
    Q = cfg.acc_bits // 4
    enable = {1: f"({mode} != 2'd2)", 2: f"({mode} == 2'd0)", 3: f"({mode} != 2'd2)"}
    lines = []
    for k in range(4):
        carry = f" + ({enable[k]} & {out}_s{k - 1}[{Q}])" if k else ""
        lines.append(f"  wire [{Q}:0] {out}_s{k} = {{1'b0, {x}[{(k + 1) * Q - 1}:{k * Q}]}} + "
                     f"{{1'b0, {y}[{(k + 1) * Q - 1}:{k * Q}]}}{carry};")
    lines.append(f"  wire [{cfg.acc_bits - 1}:0] {out} = {{{', '.join(f'{out}_s{k}[{Q - 1}:0]' for k in (3, 2, 1, 0))}}};")
    return lines


def _pe_os(cfg: CoreConfig) -> str:
    A, W, C = cfg.act_bits, cfg.wgt_bits, cfg.acc_bits
    body = [
        "module pe (",
        "  input clk,",
        f"  input signed [{A - 1}:0] a_in, input signed [{W - 1}:0] w_in,",
        "  input [1:0] ctl_in,  // {drain, clr}, travels with the activation",
        "  input [1:0] mode_in, // 0: one product, 1: two half-width, 2: four quarter-width; travels with a",
        f"  input [{C - 1}:0] psum_in,",
        f"  output reg signed [{A - 1}:0] a_out, output reg signed [{W - 1}:0] w_out,",
        "  output reg [1:0] ctl_out, output reg [1:0] mode_out,",
        f"  output reg [{C - 1}:0] acc",
        ");",
        "  always @(posedge clk) begin a_out <= a_in; w_out <= w_in; ctl_out <= ctl_in; mode_out <= mode_in; end",
        "  wire [1:0] mode_q = mode_out;",
        *_products(cfg, "a_out", "w_out"),
    ]
    if cfg.mac_pipeline:
        body += [f"  reg [{C - 1}:0] pvec_q; reg [1:0] ctl_q, mode_qq;",
                 "  always @(posedge clk) begin pvec_q <= pvec; ctl_q <= ctl_out; mode_qq <= mode_q; end"]
        p, ctl, mode = "pvec_q", "ctl_q", "mode_qq"
    else:
        p, ctl, mode = "pvec", "ctl_out", "mode_q"
    body += [*_lane_add(cfg, "acc", p, "sum", mode),
             "  always @(posedge clk)",
             f"    if ({ctl}[1]) acc <= psum_in;",
             f"    else if ({ctl}[0]) acc <= {p};",
             "    else acc <= sum;",
             "endmodule"]
    return "\n".join(body)


def _pe_stationary(cfg: CoreConfig) -> str:
    """ws/is: ``s`` stationary (shadow + active register), ``m`` moves right with ``swap`` and ``mode``."""
    A, W, C = cfg.act_bits, cfg.wgt_bits, cfg.acc_bits
    S, M = (W, A) if cfg.dataflow == "ws" else (A, W)
    act, wgt = ("m_out", "s_act") if cfg.dataflow == "ws" else ("s_act", "m_out")
    body = [
        "module pe (",
        "  input clk,",
        f"  input signed [{M - 1}:0] m_in,   // moving operand, enters from the left",
        f"  input signed [{S - 1}:0] s_in,   // stationary operand, shifted down the column",
        "  input swap_in,                 // copy shadow into active, travels with m",
        "  input [1:0] mode_in,           // 0: one product, 1: two half-width, 2: four quarter-width",
        f"  input [{C - 1}:0] psum_in,",
        f"  output reg signed [{M - 1}:0] m_out, output reg signed [{S - 1}:0] s_out,",
        "  output reg swap_out, output reg [1:0] mode_out,",
        f"  output reg [{C - 1}:0] psum_out",
        ");",
        f"  reg signed [{S - 1}:0] s_act;",
        "  always @(posedge clk) begin",
        "    m_out <= m_in; s_out <= s_in; swap_out <= swap_in; mode_out <= mode_in;",
        "    if (swap_in) s_act <= s_out;",
        "  end",
        "  wire [1:0] mode_q = mode_out;",
        *_products(cfg, act, wgt),
    ]
    if cfg.mac_pipeline:
        body += [f"  reg [{C - 1}:0] pvec_q; reg [1:0] mode_qq;",
                 "  always @(posedge clk) begin pvec_q <= pvec; mode_qq <= mode_q; end"]
        p, mode = "pvec_q", "mode_qq"
    else:
        p, mode = "pvec", "mode_q"
    body += [*_lane_add(cfg, "psum_in", p, "sum", mode),
             "  always @(posedge clk) psum_out <= sum;",
             "endmodule"]
    return "\n".join(body)


def packed_pe_source(cfg: CoreConfig) -> str:
    """Verilog text of module ``pe`` in its packed form (the module docstring); BackendFlowError for widths
    that do not split into 2 and 4 lanes."""
    check_packable(cfg)
    return _pe_os(cfg) if cfg.dataflow == "os" else _pe_stationary(cfg)
