"""Verilog generator for the accelerator core that ``frontend_sim`` models.

An ``array_rows × array_cols`` systolic array of signed MAC processing elements (one ``pe`` module,
instantiated R·C times, so Yosys synthesises it once) and a ``simd`` vector unit of ``simd_lanes``
ALU lanes (one ``simd_lane`` module). Every PE input and output is registered, so all timed paths
are register-to-register. The top row's ``psum_in`` comes from the port ``psum_top`` (bias or
partial sums of a previous tile; for ``os`` the value shifted in while draining), so no input is
tied to a constant.

Dataflows (registers per PE, widths in bits):

* ``os`` output stationary: activation (A) moves right, weight (W) moves down, a stationary
  accumulator (ACC) adds ``a·w`` each cycle; ``clr`` restarts it with the product, ``drain`` shifts
  the accumulators down the column to the array's bottom edge. Control travels with the activation.
* ``ws`` weight stationary: the weight is shifted down the column into a shadow register and
  copied into the active weight register on ``swap`` (double-buffered, as in the TPU); activations
  move right, partial sums (ACC) move down: ``psum_out <= psum_in + a·w``.
* ``is`` input stationary: as ``ws`` with the roles of activation and weight exchanged.

``mac_pipeline=1`` adds a product register between the multiplier and the adder (one more cycle of
latency, a shorter critical path). ``mult_style`` chooses how the multiplier is written:
``"star"`` — Verilog ``*`` (Yosys's own multiplier mapping), ``"booth"`` — generated radix-4
Booth partial products summed by a ``+`` tree.

SIMD lane ops (2-bit ``op``): 0 add, 1 max, 2 ReLU (of x), 3 mul (low ACC bits of x × y[15:0],
a 16-bit scale as used for requantization, computed from four registered 4-bit partial products).
Lanes are pipelined in four stages so the vector unit is not slower than a PE at equal width.
Operands come from top-level ports (the vector memory).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from frontend_sim.hardware import HardwareConfig, field_problem
from ppa.backend_flow.errors import BackendFlowError

MULT_STYLES = ("star", "booth")
TOP = "accel_core"  #: the top module, which only wires the PE and SIMD-lane instances
SIMD_SCALE_BITS = 16
#: The fields the synthesised core shares with the simulated architecture. Their names, meanings, defaults
#: and legal values are :class:`~frontend_sim.hardware.HardwareConfig`'s (checked by its ``field_problem``):
#: one definition, read here, never re-typed.
HARDWARE_FIELDS = ("array_rows", "array_cols", "dataflow", "act_bits", "wgt_bits", "acc_bits", "simd_lanes")
_HARDWARE = {f.name: f for f in fields(HardwareConfig)}


@dataclass(frozen=True)
class CoreConfig:
    """Architecture of the synthesised core: the PE array and SIMD unit of a
    :class:`~frontend_sim.hardware.HardwareConfig` (its :data:`HARDWARE_FIELDS`, same meanings and defaults:
    an ``array_rows × array_cols`` array, widths in bits, ``simd_lanes`` 0 = one lane per column) plus the
    RTL-only knobs ``mac_pipeline`` and ``mult_style``. Build it from a simulated architecture with
    :meth:`from_hardware`; :meth:`hardware` gives the architecture back."""

    array_rows: int = _HARDWARE["array_rows"].default
    array_cols: int = _HARDWARE["array_cols"].default
    dataflow: str = _HARDWARE["dataflow"].default
    act_bits: int = _HARDWARE["act_bits"].default
    wgt_bits: int = _HARDWARE["wgt_bits"].default
    acc_bits: int = _HARDWARE["acc_bits"].default
    simd_lanes: int = _HARDWARE["simd_lanes"].default
    mac_pipeline: int = 0     #: 1 = register between multiplier and adder
    mult_style: str = "star"  #: "star" (Verilog *) or "booth" (generated radix-4 Booth)

    def __post_init__(self) -> None:
        for name in HARDWARE_FIELDS:
            problem = field_problem(name, getattr(self, name))
            if problem:
                raise BackendFlowError(f"CoreConfig.{name}={getattr(self, name)!r}: expected {problem} "
                                       f"(as HardwareConfig.{name})")
        if self.mult_style not in MULT_STYLES:
            raise BackendFlowError(f"mult_style must be one of {MULT_STYLES}, got {self.mult_style!r}")
        if self.mac_pipeline not in (0, 1):
            raise BackendFlowError(f"mac_pipeline must be 0 or 1, got {self.mac_pipeline!r}")
        if self.act_bits < 2 or self.wgt_bits < 2:
            raise BackendFlowError("act_bits and wgt_bits must be >= 2 (signed operands)")
        if self.acc_bits < self.act_bits + self.wgt_bits:
            raise BackendFlowError(f"acc_bits={self.acc_bits} must hold a full product "
                                   f"(>= act_bits + wgt_bits = {self.act_bits + self.wgt_bits})")
        if self.acc_bits < SIMD_SCALE_BITS:
            raise BackendFlowError(f"acc_bits must be >= {SIMD_SCALE_BITS} (SIMD lane width), got {self.acc_bits}")

    @classmethod
    def from_hardware(cls, hardware: HardwareConfig, mac_pipeline: int = 0, mult_style: str = "star") -> CoreConfig:
        """The core implementing ``hardware``'s PE array and SIMD unit (its buffers and DRAM link are not RTL)."""
        return cls(**{name: getattr(hardware, name) for name in HARDWARE_FIELDS}, mac_pipeline=mac_pipeline,
                   mult_style=mult_style)

    def hardware(self, **memory) -> HardwareConfig:
        """The simulated architecture with this core; ``memory``: its other HardwareConfig fields (buffers,
        DRAM link …), HardwareConfig's defaults when not given."""
        return HardwareConfig(**{name: getattr(self, name) for name in HARDWARE_FIELDS}, **memory)

    @property
    def lanes(self) -> int:
        """Number of SIMD lanes generated (HardwareConfig.lanes's rule: ``simd_lanes``, or ``array_cols`` when 0)."""
        return self.simd_lanes or self.array_cols

    def as_dict(self) -> dict:
        return asdict(self)


def _booth_product(a: str, b: str, wa: int, wb: int, out: str, wp: int) -> str:
    """Signed radix-4 Booth multiplication ``out = a*b`` (a: wa bits multiplicand, b: wb bits)."""
    nb = wb + (wb % 2)  # even multiplier width, sign-extended
    ext = f"{b}[{wb - 1}], " if nb > wb else ""
    lines = [f"  wire [{nb}:0] {out}_bx = {{{ext}{b}, 1'b0}};"]
    lines.append(f"  wire signed [{wp - 1}:0] {out}_am = {a};")
    terms = []
    for i in range(nb // 2):
        g = f"{out}_bx[{2 * i + 2}:{2 * i}]"
        pp = f"{out}_pp{i}"; am = f"{out}_am"
        lines.append(f"  reg signed [{wp - 1}:0] {pp};")
        lines.append(f"  always @* case ({g})\n"
                     f"    3'b001, 3'b010: {pp} = {am};\n"
                     f"    3'b011: {pp} = {am} <<< 1;\n"
                     f"    3'b100: {pp} = -({am} <<< 1);\n"
                     f"    3'b101, 3'b110: {pp} = -{am};\n"
                     f"    default: {pp} = {wp}'sd0;\n"
                     f"  endcase")
        terms.append(f"({pp} <<< {2 * i})" if i else pp)
    lines.append(f"  wire signed [{wp - 1}:0] {out} = {' + '.join(terms)};")
    return "\n".join(lines)


def _multiplier(cfg: CoreConfig, a: str, wa: int, b: str, wb: int, out: str) -> str:
    wp = wa + wb
    if cfg.mult_style == "star":
        return f"  wire signed [{wp - 1}:0] {out} = $signed({a}) * $signed({b});"
    return _booth_product(a, b, wa, wb, out, wp)


def _pe_os(cfg: CoreConfig) -> str:
    A, W, C = cfg.act_bits, cfg.wgt_bits, cfg.acc_bits
    P = A + W
    pipe = cfg.mac_pipeline
    body = [
        "module pe (",
        "  input clk,",
        f"  input signed [{A - 1}:0] a_in, input signed [{W - 1}:0] w_in,",
        "  input [1:0] ctl_in,  // {drain, clr}, travels with the activation",
        f"  input signed [{C - 1}:0] psum_in,",
        f"  output reg signed [{A - 1}:0] a_out, output reg signed [{W - 1}:0] w_out,",
        "  output reg [1:0] ctl_out,",
        f"  output reg signed [{C - 1}:0] acc",
        ");",
        "  always @(posedge clk) begin a_out <= a_in; w_out <= w_in; ctl_out <= ctl_in; end",
        _multiplier(cfg, "a_out", A, "w_out", W, "prod"),
    ]
    if pipe:
        body += [f"  reg signed [{P - 1}:0] prod_q; reg [1:0] ctl_q;",
                 "  always @(posedge clk) begin prod_q <= prod; ctl_q <= ctl_out; end"]
        p, ctl = "prod_q", "ctl_q"
    else:
        p, ctl = "prod", "ctl_out"
    body += [
        f"  wire signed [{C - 1}:0] prod_x = {p};",
        "  always @(posedge clk)",
        f"    if ({ctl}[1]) acc <= psum_in;",
        f"    else if ({ctl}[0]) acc <= prod_x;",
        "    else acc <= acc + prod_x;",
        "endmodule",
    ]
    return "\n".join(body)


def _pe_stationary(cfg: CoreConfig) -> str:
    """ws/is PE: ``s`` is the stationary operand (shadow + active register), ``m`` moves right."""
    if cfg.dataflow == "ws":
        S, M = cfg.wgt_bits, cfg.act_bits
    else:
        S, M = cfg.act_bits, cfg.wgt_bits
    C, P = cfg.acc_bits, cfg.act_bits + cfg.wgt_bits
    body = [
        "module pe (",
        "  input clk,",
        f"  input signed [{M - 1}:0] m_in,   // moving operand, enters from the left",
        f"  input signed [{S - 1}:0] s_in,   // stationary operand, shifted down the column",
        "  input swap_in,                 // copy shadow into active, travels with m",
        f"  input signed [{C - 1}:0] psum_in,",
        f"  output reg signed [{M - 1}:0] m_out, output reg signed [{S - 1}:0] s_out,",
        "  output reg swap_out,",
        f"  output reg signed [{C - 1}:0] psum_out",
        ");",
        f"  reg signed [{S - 1}:0] s_act;",
        "  always @(posedge clk) begin",
        "    m_out <= m_in; s_out <= s_in; swap_out <= swap_in;",
        "    if (swap_in) s_act <= s_out;",
        "  end",
        _multiplier(cfg, "m_out", M, "s_act", S, "prod"),
    ]
    if cfg.mac_pipeline:
        body += [f"  reg signed [{P - 1}:0] prod_q;", "  always @(posedge clk) prod_q <= prod;"]
        p = "prod_q"
    else:
        p = "prod"
    body += [f"  wire signed [{C - 1}:0] prod_x = {p};",
             "  always @(posedge clk) psum_out <= psum_in + prod_x;",
             "endmodule"]
    return "\n".join(body)


def _simd_lane(cfg: CoreConfig) -> str:
    """Four-stage lane: input registers; ALU op and four 4-bit partial products of the scale
    multiply; two partial sums; result select."""
    C, K = cfg.acc_bits, SIMD_SCALE_BITS
    parts = []
    for i in range(K // 4):
        chunk = f"$signed(y[{4 * i + 3}:{4 * i}])" if i == K // 4 - 1 else f"$signed({{1'b0, y[{4 * i + 3}:{4 * i}]}})"
        parts.append(f"    p{i} <= x * {chunk};")
    return "\n".join([
        "module simd_lane (",
        "  input clk, input [1:0] op_in,",
        f"  input signed [{C - 1}:0] x_in, input signed [{C - 1}:0] y_in,",
        f"  output reg signed [{C - 1}:0] z",
        ");",
        f"  reg signed [{C - 1}:0] x, y, r, r_q; reg [1:0] op, op_q, op_qq;",
        f"  reg signed [{C + 4}:0] {', '.join(f'p{i}' for i in range(K // 4))};",
        f"  reg signed [{C + 8}:0] s0, s1;",
        "  always @(posedge clk) begin",
        "    x <= x_in; y <= y_in; op <= op_in; op_q <= op; op_qq <= op_q;",
        *parts,
        "    case (op)",
        "      2'd0: r <= x + y;",
        "      2'd1: r <= (x > y) ? x : y;",
        f"      default: r <= x[{C - 1}] ? {C}'sd0 : x;",
        "    endcase",
        "    s0 <= p0 + (p1 <<< 4); s1 <= p2 + (p3 <<< 4); r_q <= r;",
        "    z <= (op_qq == 2'd3) ? s0 + (s1 <<< 8) : r_q;",
        "  end",
        "endmodule",
    ])


def _top(cfg: CoreConfig) -> str:
    R, Cn, L = cfg.array_rows, cfg.array_cols, cfg.lanes
    A, W, C = cfg.act_bits, cfg.wgt_bits, cfg.acc_bits
    if cfg.dataflow == "os":
        left = [("a", A), ("ctl", 2)]
        top = [("w", W)]
    else:
        M, S = (A, W) if cfg.dataflow == "ws" else (W, A)
        left = [("m", M), ("swap", 1)]
        top = [("s", S)]
    out_port = "acc" if cfg.dataflow == "os" else "psum_out"
    ports = ["  input clk"]
    for name, w in left:
        ports.append(f"  input [{R * w - 1}:0] {name}_left")
    for name, w in top:
        ports.append(f"  input [{Cn * w - 1}:0] {name}_top")
    ports += [f"  input [{Cn * C - 1}:0] psum_top", f"  output [{Cn * C - 1}:0] array_out",
              f"  input [{2 * L - 1}:0] simd_op", f"  input [{L * C - 1}:0] simd_x",
              f"  input [{L * C - 1}:0] simd_y", f"  output [{L * C - 1}:0] simd_z"]
    lines = [f"module {TOP} (", ",\n".join(ports), ");"]
    # wires between PEs: horizontal signals h[r][c] enter PE(r,c); vertical v[r][c] enter PE(r,c)
    for name, w in left:
        lines.append(f"  wire [{w - 1}:0] {name}_h [0:{R - 1}][0:{Cn}];")
    for name, w in top:
        lines.append(f"  wire [{w - 1}:0] {name}_v [0:{R}][0:{Cn - 1}];")
    lines.append(f"  wire [{C - 1}:0] p_v [0:{R}][0:{Cn - 1}];")
    lines.append("  genvar r, c;")
    lines.append("  generate")
    lines.append(f"    for (r = 0; r < {R}; r = r + 1) begin : edge_l")
    for name, w in left:
        lines.append(f"      assign {name}_h[r][0] = {name}_left[r*{w} +: {w}];")
    lines.append("    end")
    lines.append(f"    for (c = 0; c < {Cn}; c = c + 1) begin : edge_t")
    for name, w in top:
        lines.append(f"      assign {name}_v[0][c] = {name}_top[c*{w} +: {w}];")
    lines.append(f"      assign p_v[0][c] = psum_top[c*{C} +: {C}];")
    lines.append(f"      assign array_out[c*{C} +: {C}] = p_v[{R}][c];")
    lines.append("    end")
    lines.append(f"    for (r = 0; r < {R}; r = r + 1) begin : row")
    lines.append(f"      for (c = 0; c < {Cn}; c = c + 1) begin : col")
    conns = [".clk(clk)"]
    for name, _ in left:
        conns += [f".{name}_in({name}_h[r][c])", f".{name}_out({name}_h[r][c+1])"]
    for name, _ in top:
        conns += [f".{name}_in({name}_v[r][c])", f".{name}_out({name}_v[r+1][c])"]
    conns += [".psum_in(p_v[r][c])", f".{out_port}(p_v[r+1][c])"]
    lines.append(f"        pe u_pe ({', '.join(conns)});")
    lines.append("      end")
    lines.append("    end")
    lines.append(f"    for (c = 0; c < {L}; c = c + 1) begin : lane")
    lines.append(f"      simd_lane u_lane (.clk(clk), .op_in(simd_op[c*2 +: 2]), .x_in(simd_x[c*{C} +: {C}]),"
                 f" .y_in(simd_y[c*{C} +: {C}]), .z(simd_z[c*{C} +: {C}]));")
    lines.append("    end")
    lines.append("  endgenerate")
    lines.append("endmodule")
    return "\n".join(lines)


def module_sources(cfg: CoreConfig) -> dict[str, str]:
    """Verilog text of each module, in synthesis order: ``pe``, ``simd_lane``, then the top
    ``accel_core``, which only instantiates and wires them."""
    pe = _pe_os(cfg) if cfg.dataflow == "os" else _pe_stationary(cfg)
    return {"pe": pe, "simd_lane": _simd_lane(cfg), TOP: _top(cfg)}


def generate_verilog(cfg: CoreConfig) -> str:
    """Verilog-2005 text of the core: modules ``pe``, ``simd_lane`` and top ``accel_core``."""
    header = (f"// accel-dse generated core: {cfg.array_rows}x{cfg.array_cols} {cfg.dataflow} array, "
              f"act {cfg.act_bits} b, wgt {cfg.wgt_bits} b, acc {cfg.acc_bits} b, "
              f"mac_pipeline {cfg.mac_pipeline}, mult_style {cfg.mult_style}, {cfg.lanes} SIMD lanes")
    return "\n\n".join([header, *module_sources(cfg).values()]) + "\n"
