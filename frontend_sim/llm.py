"""Decoder-only LLM inference as two workloads: prefill (the prompt) and one decode step (one token).

A decoder (GPT-2 or Llama style) is described by :class:`DecoderConfig`. Generation of ``T`` output
tokens after a prompt of ``P`` tokens, for ``B`` sequences at once, has two phases:

* **prefill** (:func:`prefill`): every projection and FFN is a GEMM over the ``B·P`` prompt tokens,
  attention is ``P×P`` per head (dense: the causal mask is applied in the softmax, as exported graphs
  compute it), the LM head runs on the last token of each sequence and yields the first output token.
  Its runtime is the **time to first token** (TTFT).
* **decode** (:func:`decode_step`): one new token per sequence against a KV cache of ``L`` positions
  (the new one included): the projections and FFN are GEMV-shaped (``M = B`` rows), attention reads
  the cached keys and values as the right operand of per-KV-head GEMMs — fetched from DRAM like
  weights, once per step, never reused across sequences. Its runtime is the **time per output token**
  (TPOT). A run of ``T`` tokens makes ``T − 1`` steps at ``L = P+1 … P+T−1``; attention work is linear in
  ``L``, so the zoo's ``<model>_decode`` is the step at the mean length ``L = P + T/2`` (rounded down).

Grouped-query attention (``kv_heads < heads``): the ``heads / kv_heads`` query heads of a KV head share
its keys and values, so scores and context are ``B·kv_heads`` GEMMs of ``(heads/kv_heads)·rows`` rows.
Per layer (pre-norm): norm, Q/K/V projections, rotary embedding on Q and K (Llama), scores, softmax,
context, output projection, residual add, norm, FFN (GPT-2: fc, GELU, proj; Llama: gate and up, SiLU,
product, down), residual add; after the last layer a final norm and the LM head (``hidden × vocab``).
Embedding lookups are data movement. Biases ride in the array's output path (not SIMD work).
SIMD layers hold one token vector per pixel (``rows × 1 × width``: the vector on the channels, which the
GeneSys SIMD lanes split); softmax scores are ``rows × heads × context`` (a row of the reduction is
``heads × context``, as the zoo's BERT has it).

MACs of one decode step = weight parameters (without the token embedding, with the LM head) ·
``B`` + attention ``2 · B · heads · L · head_dim`` per layer; the tests check both phases against these
closed forms and the parameter counts against the published model sizes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from frontend_sim.errors import SimulatorInputError
from frontend_sim.workloads import Layer, Workload, with_batch

#: Prompt length and output tokens of the zoo's ``<model>_prefill`` / ``<model>_decode`` entries.
DEFAULT_PROMPT = 512
DEFAULT_OUTPUT = 128


@dataclass(frozen=True)
class DecoderConfig:
    """Shape of a decoder-only transformer (sizes in elements)."""

    name: str
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    ffn: int
    vocab: int
    gated_ffn: bool  #: SwiGLU FFN (gate, up, down) as in Llama; else fc + GELU + proj as in GPT-2
    norm: str  #: "layernorm" (GPT-2) or "rmsnorm" (Llama)
    rotary: bool  #: rotary position embedding on Q and K (Llama); GPT-2 adds learned positions once
    source: str = ""  #: where the numbers come from

    def __post_init__(self):
        if min(self.hidden, self.layers, self.heads, self.kv_heads, self.ffn, self.vocab) < 1:
            raise SimulatorInputError(f"decoder {self.name!r}: sizes must be >= 1")
        if self.hidden % self.heads or self.heads % self.kv_heads:
            raise SimulatorInputError(f"decoder {self.name!r}: heads ({self.heads}) must divide hidden "
                                      f"({self.hidden}) and kv_heads ({self.kv_heads}) must divide heads")
        if self.norm not in ("layernorm", "rmsnorm"):
            raise SimulatorInputError(f"decoder {self.name!r}: norm {self.norm!r}; expected layernorm or rmsnorm")

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    @property
    def weight_params(self) -> int:
        """Weights multiplied per token: projections, FFN and the LM head (no embeddings, norms, biases)."""
        kv = self.kv_heads * self.head_dim
        attention = 2 * self.hidden * self.hidden + 2 * self.hidden * kv
        ffn = (3 if self.gated_ffn else 2) * self.hidden * self.ffn
        return self.layers * (attention + ffn) + self.hidden * self.vocab


#: Published configurations (Hugging Face ``config.json`` of each model).
DECODERS = {
    "gpt2": DecoderConfig("gpt2", hidden=768, layers=12, heads=12, kv_heads=12, ffn=3072, vocab=50257,
                          gated_ffn=False, norm="layernorm", rotary=False,
                          source="openai-community/gpt2 config.json: n_embd 768, n_layer 12, n_head 12, "
                                 "n_inner null (4·768), vocab_size 50257 (124 M parameters)"),
    "llama3_2_1b": DecoderConfig("llama3_2_1b", hidden=2048, layers=16, heads=32, kv_heads=8, ffn=8192,
                                 vocab=128256, gated_ffn=True, norm="rmsnorm", rotary=True,
                                 source="meta-llama/Llama-3.2-1B config.json: hidden_size 2048, "
                                        "num_hidden_layers 16, num_attention_heads 32, num_key_value_heads 8, "
                                        "intermediate_size 8192, vocab_size 128256, tied embeddings (1.24 B)"),
    "llama2_7b": DecoderConfig("llama2_7b", hidden=4096, layers=32, heads=32, kv_heads=32, ffn=11008,
                               vocab=32000, gated_ffn=True, norm="rmsnorm", rotary=True,
                               source="meta-llama/Llama-2-7b-hf config.json: hidden_size 4096, "
                                      "num_hidden_layers 32, num_attention_heads 32, num_key_value_heads 32, "
                                      "intermediate_size 11008, vocab_size 32000 (6.74 B parameters)"),
}

#: Zoo names of the LLM phases: ``<model>_prefill[_p<P>]``, ``<model>_decode[_ctx<L>]``.
LLM_NAME = re.compile(r"(?P<model>[a-z0-9_]+?)_(?:(?P<prefill>prefill)(?:_p(?P<prompt>[1-9]\d*))?"
                      r"|decode(?:_ctx(?P<context>[1-9]\d*))?)")


def _linear(name: str, rows: int, k: int, n: int) -> Layer:
    return Layer(name, "gemm", ifmap_h=rows, ifmap_w=k, filter_w=k, num_filters=n)


def _attention_matmul(name: str, groups: int, m: int, k: int, n: int) -> Layer:
    """``groups`` independent (m×k)·(k×n) GEMMs whose right operand is an activation (K or V)."""
    return Layer(name, "gemm", ifmap_h=m, ifmap_w=k, channels=groups, filter_w=k, num_filters=groups * n,
                 groups=groups)


def _simd(name: str, op: str, rows: int, width: int) -> Layer:
    """``rows`` token vectors of ``width`` elements, the vector along the channels (the SIMD lanes)."""
    return Layer(name, op, rows, 1, width, num_filters=width)


def _decoder(config: DecoderConfig, rows: int, context: int, head_rows: int) -> list[Layer]:
    """Layers for ``rows`` new tokens of one sequence attending to ``context`` positions; the LM head on
    the last ``head_rows`` tokens."""
    c, d = config, config.head_dim
    kv, share = c.kv_heads * d, c.heads // c.kv_heads
    layers: list[Layer] = []
    for i in range(c.layers):
        p = f"layer{i}"
        layers += [_simd(f"{p}.attn_norm", c.norm, rows, c.hidden),
                   _linear(f"{p}.attn.q_proj", rows, c.hidden, c.hidden),
                   _linear(f"{p}.attn.k_proj", rows, c.hidden, kv),
                   _linear(f"{p}.attn.v_proj", rows, c.hidden, kv)]
        if c.rotary:
            layers.append(_simd(f"{p}.attn.rotary", "rope", rows, c.hidden + kv))
        layers += [_attention_matmul(f"{p}.attn.scores", c.kv_heads, share * rows, d, context),
                   Layer(f"{p}.attn.softmax", "softmax", rows, c.heads, context, num_filters=context),
                   _attention_matmul(f"{p}.attn.context", c.kv_heads, share * rows, context, d),
                   _linear(f"{p}.attn.o_proj", rows, c.hidden, c.hidden),
                   _simd(f"{p}.attn.add", "add", rows, c.hidden),
                   _simd(f"{p}.ffn_norm", c.norm, rows, c.hidden)]
        if c.gated_ffn:
            layers += [_linear(f"{p}.ffn.gate_proj", rows, c.hidden, c.ffn),
                       _linear(f"{p}.ffn.up_proj", rows, c.hidden, c.ffn),
                       _simd(f"{p}.ffn.silu", "silu", rows, c.ffn),
                       _simd(f"{p}.ffn.mul", "mul", rows, c.ffn),
                       _linear(f"{p}.ffn.down_proj", rows, c.ffn, c.hidden)]
        else:
            layers += [_linear(f"{p}.ffn.fc", rows, c.hidden, c.ffn),
                       _simd(f"{p}.ffn.gelu", "gelu", rows, c.ffn),
                       _linear(f"{p}.ffn.proj", rows, c.ffn, c.hidden)]
        layers.append(_simd(f"{p}.ffn.add", "add", rows, c.hidden))
    layers += [_simd("final_norm", c.norm, head_rows, c.hidden),
               _linear("lm_head", head_rows, c.hidden, c.vocab)]
    return layers


def _check(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SimulatorInputError(f"{name}={value!r}: expected an integer >= 1")


def prefill(config: DecoderConfig, prompt: int, batch: int = 1) -> Workload:
    """The prompt phase: ``batch`` sequences of ``prompt`` tokens; produces the first output token."""
    _check("prompt", prompt)
    _check("batch", batch)
    name = f"{config.name}_prefill_p{prompt}"
    base = Workload(name, tuple(_decoder(config, prompt, prompt, 1)), tokens=1, phase="prefill")
    return with_batch(base, batch)


def decode_step(config: DecoderConfig, context: int, batch: int = 1) -> Workload:
    """One decode step: ``batch`` new tokens, each against a KV cache of ``context`` positions (itself included)."""
    _check("context", context)
    _check("batch", batch)
    name = f"{config.name}_decode_ctx{context}"
    base = Workload(name, tuple(_decoder(config, 1, context, 1)), tokens=1, phase="decode")
    return with_batch(base, batch)


def mean_decode_context(prompt: int, output: int) -> int:
    """KV length of the average decode step of a run (steps at ``prompt+1 … prompt+output−1``)."""
    _check("prompt", prompt)
    _check("output", output)
    return prompt + output // 2


def llm_workload(name: str) -> Workload | None:
    """The zoo LLM phase ``name`` (``llama2_7b_decode``, ``gpt2_prefill_p128``, ``llama3_2_1b_decode_ctx2048``),
    or None when ``name`` is not one. Defaults: prompt :data:`DEFAULT_PROMPT`, decode at the mean KV
    length of :data:`DEFAULT_OUTPUT` output tokens."""
    match = LLM_NAME.fullmatch(name)
    if not match or match.group("model") not in DECODERS:
        return None
    config = DECODERS[match.group("model")]
    if match.group("prefill"):
        workload = prefill(config, int(match.group("prompt") or DEFAULT_PROMPT))
    else:
        context = match.group("context")
        workload = decode_step(config, int(context) if context else mean_decode_context(DEFAULT_PROMPT,
                                                                                           DEFAULT_OUTPUT))
    return replace(workload, name=name)
